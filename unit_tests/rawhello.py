"""Hand-built ClientHellos, for what no ordinary client will send.

A ClientHello with several PSK identities (the first garbage), a wrong
binder, a TLS 1.3 ticket put in a TLS 1.2 SessionTicket extension... The
server's first flight is read back in clear up to ServerHelloDone (TLS 1.2)
or ServerHello (TLS 1.3, whose rest is encrypted), or up to an alert; a
HelloRetryRequest can be answered with a second hand-built ClientHello.
"""

import os
import socket
import struct

from tlslite.constants import (TLS_1_3_HRR, CipherSuite, ContentType,
                               ExtensionType, GroupName, HandshakeType,
                               PskKeyExchangeMode, SignatureScheme)
from tlslite.extensions import (ClientKeyShareExtension, KeyShareEntry,
                                PreSharedKeyExtension, PskIdentity,
                                PskKeyExchangeModesExtension,
                                SessionTicketExtension,
                                SignatureAlgorithmsExtension, SNIExtension,
                                SupportedGroupsExtension,
                                SupportedVersionsExtension, TLSExtension)
from tlslite.handshakehashes import HandshakeHashes
from tlslite.handshakehelpers import HandshakeHelpers
from tlslite.keyexchange import ECDHKeyExchange
from tlslite.messages import ClientHello, ServerHello
from tlslite.utils.codec import Parser
from tlslite.utils.x25519 import X25519_G, x25519

from support import HOST, TIMEOUT

SIG_ALGS = [SignatureScheme.ecdsa_secp256r1_sha256,
            SignatureScheme.rsa_pss_rsae_sha256,
            SignatureScheme.rsa_pkcs1_sha256]


def tls13_hello(identities, psk_configs=(), tickets=None,
                res_master_secret=None, server_name=b"localhost",
                suites=(CipherSuite.TLS_AES_128_GCM_SHA256,),
                corrupt_binder=None, groups=(GroupName.x25519,)):
    """A TLS 1.3 ClientHello whose last extension offers ``identities``.

    ``identities`` are byte strings; binders come from ``tickets`` +
    ``res_master_secret`` for real tickets and ``psk_configs`` for the rest
    (tlslite-ng's own rule). ``corrupt_binder`` flips a bit in that binder.
    The key share is X25519; ``groups`` are the supported groups.
    """
    # placeholders of the final size: the truncated hello the binders sign
    # includes their lengths (tlslite-ng's rule: a ticket's binder is
    # SHA-384 with a 48-byte resumption secret, an external PSK's by its
    # configured hash)
    sizes = {bytes(config[0]): 48 if config[2:] == ("sha384",) else 32
             for config in psk_configs}
    for ticket in tickets or ():
        sizes[bytes(ticket.ticket)] = len(res_master_secret)
    hello = _tls13_psk_hello(identities,
                             [sizes.get(bytes(i), 32) for i in identities],
                             server_name, suites, groups)
    HandshakeHelpers.update_binders(hello, HandshakeHashes(),
                                    list(psk_configs), tickets,
                                    res_master_secret)
    if corrupt_binder is not None:
        hello.extensions[-1].binders[corrupt_binder][0] ^= 1
    return hello


def _tls13_psk_hello(identities, binder_len, server_name, suites,
                     groups=(GroupName.x25519,)):
    """A TLS 1.3 ClientHello offering ``identities`` with zero binders
    (``binder_len`` bytes each, or a list of one length per identity)."""
    private = bytearray(os.urandom(32))
    share = KeyShareEntry().create(GroupName.x25519,
                                   x25519(private, X25519_G))
    extensions = [
        SupportedVersionsExtension().create([(3, 4)]),
        SupportedGroupsExtension().create(list(groups)),
        ClientKeyShareExtension().create([share]),
        SignatureAlgorithmsExtension().create(SIG_ALGS),
        PskKeyExchangeModesExtension().create(
            [PskKeyExchangeMode.psk_dhe_ke]),
    ]
    if server_name:
        extensions.append(SNIExtension().create(bytearray(server_name)))
    idens = [PskIdentity().create(bytearray(i), 0) for i in identities]
    if isinstance(binder_len, int):
        binder_len = [binder_len] * len(identities)
    binders = [bytearray(length) for length in binder_len]
    extensions.append(PreSharedKeyExtension().create(idens, binders))
    return ClientHello().create((3, 3), bytearray(os.urandom(32)),
                                bytearray(os.urandom(32)), list(suites),
                                extensions=extensions)


#: Room for all extensions of a ClientHello (a 16-bit length).
_EXTENSIONS_ROOM = 2 ** 16 - 1
#: Bytes one PSK entry costs besides its identity: identity length (2),
#: obfuscated_ticket_age (4), binder length (1), a 1-byte binder.
_PSK_ENTRY_OVERHEAD = 2 + 4 + 1 + 1


def flood_hello(identity_len, prefix=b"", count=None,
                suites=(CipherSuite.TLS_AES_128_GCM_SHA256,),
                groups=(GroupName.x25519,)):
    """A TLS 1.3 ClientHello of about 64 KiB, filled with PSK identities.

    Each identity is ``prefix`` (e.g. a valid ticket key name) plus random
    bytes, ``identity_len`` in all, with a 1-byte binder; ``count`` of
    them, or as many as the extensions' 16-bit length allows (with
    ``identity_len=None``: ``count`` identities as long as fits). The binders
    are garbage: a server must reject this hello cheaply. ``groups`` are
    the supported groups (the key share is X25519's).
    """
    base = _tls13_psk_hello([b"x"], 1, b"localhost", suites, groups)
    room = _EXTENSIONS_ROOM - len(_extensions_bytes(base)) + \
        _PSK_ENTRY_OVERHEAD + 1  # minus the placeholder identity
    if identity_len is None:  # one identity per ``count`` fills the room
        identity_len = room // count - _PSK_ENTRY_OVERHEAD
    elif count is None:
        count = room // (_PSK_ENTRY_OVERHEAD + identity_len)
    identities = [bytes(prefix) + os.urandom(identity_len - len(prefix))
                  for _ in range(count)]
    hello = _tls13_psk_hello(identities, 1, b"localhost", suites, groups)
    if len(_extensions_bytes(hello)) > _EXTENSIONS_ROOM:
        raise ValueError("{0} identities of {1} bytes do not fit".format(
            count, identity_len))
    return hello


def retry_hello(first, retry, psk_configs=(), tickets=None,
                res_master_secret=None, corrupt_binder=None):
    """The second ClientHello, answering the HelloRetryRequest in the
    :class:`FirstFlight` ``retry``: ``first`` again with a key share of the
    group asked for, the cookie echoed, and binders that sign the new
    transcript (message_hash of ``first``, the HelloRetryRequest, this
    hello), as RFC 8446 4.1.2 and 4.4.1 say."""
    hello = ClientHello().parse(Parser(first.write()[1:]))
    request = retry.server_hello
    group = request.getExtension(ExtensionType.key_share).selected_group
    kex = ECDHKeyExchange(group, (3, 4))
    share = KeyShareEntry().create(group, kex.calc_public_value(
        kex.get_random_private_key()))
    hello.extensions = [
        ClientKeyShareExtension().create([share])
        if ext.extType == ExtensionType.key_share else ext
        for ext in hello.extensions]
    cookie = request.getExtension(ExtensionType.cookie)
    if cookie is not None:
        hello.extensions.insert(-1, TLSExtension(
            extType=ExtensionType.cookie).create(cookie.extData))
    # the hash of the suite the HelloRetryRequest chose
    prf = "sha384" if request.cipher_suite in CipherSuite.sha384PrfSuites \
        else "sha256"
    first_hash = HandshakeHashes()
    first_hash.update(first.write())
    digest = first_hash.digest(prf)
    transcript = HandshakeHashes()
    transcript.update(bytearray([HandshakeType.message_hash, 0, 0,
                                 len(digest)]) + digest)
    transcript.update(retry.server_hello_bytes)
    HandshakeHelpers.update_binders(hello, transcript, list(psk_configs),
                                    tickets, res_master_secret)
    if corrupt_binder is not None:
        hello.extensions[-1].binders[corrupt_binder][0] ^= 1
    return hello


def _extensions_bytes(hello):
    return b"".join(bytes(ext.write()) for ext in hello.extensions)


def tls12_hello(ticket, server_name=b"localhost", ems=True,
                suites=tuple(CipherSuite.ecdheEcdsaSuites), etm=False):
    """A TLS 1.2 ClientHello with a SessionTicket extension (``ticket``
    bytes, empty bytes to ask for a ticket, None for no extension);
    ``etm`` adds the encrypt_then_mac extension."""
    extensions = [
        SupportedGroupsExtension().create([GroupName.x25519,
                                           GroupName.secp256r1]),
        SignatureAlgorithmsExtension().create(SIG_ALGS),
        TLSExtension(extType=ExtensionType.ec_point_formats).create(
            bytearray(b"\x01\x00")),
    ]
    if ems:
        extensions.append(TLSExtension(
            extType=ExtensionType.extended_master_secret).create(bytearray()))
    if etm:
        extensions.append(TLSExtension(
            extType=ExtensionType.encrypt_then_mac).create(bytearray()))
    if server_name:
        extensions.append(SNIExtension().create(bytearray(server_name)))
    if ticket is not None:
        extensions.append(SessionTicketExtension().create(bytearray(ticket)))
    return ClientHello().create((3, 3), bytearray(os.urandom(32)),
                                bytearray(os.urandom(32)), list(suites),
                                extensions=extensions)


class FirstFlight:
    """What the server answered: handshake message types, ServerHello,
    and the alert description if it sent one."""

    def __init__(self):
        self.types = []
        self.server_hello = None
        self.server_hello_bytes = None  # as sent, for a transcript
        self.alert = None

    @property
    def hello_retry_request(self):
        """Whether the ServerHello is a HelloRetryRequest (by its random)."""
        return self.server_hello is not None and \
            self.server_hello.random == TLS_1_3_HRR

    @property
    def ticket_ext(self):
        return self.server_hello.getExtension(ExtensionType.session_ticket)

    @property
    def tls13(self):
        return self.server_hello.getExtension(
            ExtensionType.supported_versions) is not None

    @property
    def resumed_tls12(self):
        """An abbreviated TLS 1.2 handshake sends no Certificate."""
        return not self.tls13 and HandshakeType.certificate not in self.types

    @property
    def selected_identity(self):
        ext = self.server_hello.getExtension(ExtensionType.pre_shared_key)
        return None if ext is None else ext.selected


def exchange(server, hello):
    """Send ``hello`` to the server, return its :class:`FirstFlight`."""
    return exchange_with_retry(server, hello, None)[0]


def exchange_with_retry(server, hello, second_hello):
    """Send ``hello``; if the server answers with a HelloRetryRequest, send
    ``second_hello(retry_flight)`` on the same connection. Returns both
    :class:`FirstFlight` (the second ``None`` when there was no retry)."""
    server.expect_connection()
    with socket.create_connection((HOST, server.port),
                                  timeout=TIMEOUT) as sock:
        records = _records(sock)
        _send_hello(sock, hello)
        flight = _read_flight(records)
        if second_hello is None or not flight.hello_retry_request:
            return flight, None
        _send_hello(sock, second_hello(flight))
        return flight, _read_flight(records, after_retry=True)


def _send_hello(sock, hello):
    sock.sendall(records_of(hello.write()))


def _read_flight(records, after_retry=False):
    flight = FirstFlight()
    buffer = b""
    for content_type, payload in records:
        if content_type == ContentType.alert:
            flight.alert = payload[1]
            break
        if content_type == ContentType.change_cipher_spec and after_retry:
            continue  # the compatibility CCS after a HelloRetryRequest
        if content_type != ContentType.handshake:
            break  # CCS or encrypted records: the clear part is over
        buffer += payload
        buffer = _messages(buffer, flight)
        if HandshakeType.server_hello_done in flight.types or \
                (flight.server_hello and flight.tls13):
            break
    return flight


def records_of(handshake_bytes):
    """Handshake bytes as TLS records of at most 2^14 bytes each."""
    body = bytes(handshake_bytes)
    out = []
    for start in range(0, len(body), 2 ** 14):
        chunk = body[start:start + 2 ** 14]
        out.append(struct.pack(">BHH", ContentType.handshake, 0x0301,
                               len(chunk)) + chunk)
    return b"".join(out)


def _records(sock):
    data = b""
    while True:
        while len(data) >= 5:
            content_type, _, length = struct.unpack(">BHH", data[:5])
            if len(data) < 5 + length:
                break
            yield content_type, data[5:5 + length]
            data = data[5 + length:]
        chunk = sock.recv(65536)
        if not chunk:
            return
        data += chunk


def _messages(buffer, flight):
    while len(buffer) >= 4:
        length = int.from_bytes(buffer[1:4], "big")
        if len(buffer) < 4 + length:
            break
        msg_type = buffer[0]
        flight.types.append(msg_type)
        if msg_type == HandshakeType.server_hello:
            flight.server_hello = ServerHello().parse(
                Parser(bytearray(buffer[1:4 + length])))
            flight.server_hello_bytes = bytearray(buffer[:4 + length])
        buffer = buffer[4 + length:]
    return buffer
