"""Hand-built ClientHellos, for what no ordinary client will send.

A ClientHello with several PSK identities (the first garbage), a wrong
binder, a TLS 1.3 ticket put in a TLS 1.2 SessionTicket extension... The
server's first flight is read back in clear up to ServerHelloDone (TLS 1.2)
or ServerHello (TLS 1.3, whose rest is encrypted), or up to an alert.
"""

import os
import socket
import struct

from tlslite.constants import (CipherSuite, ContentType, ExtensionType,
                               GroupName, HandshakeType, PskKeyExchangeMode,
                               SignatureScheme)
from tlslite.extensions import (ClientKeyShareExtension, KeyShareEntry,
                                PreSharedKeyExtension, PskIdentity,
                                PskKeyExchangeModesExtension,
                                SessionTicketExtension,
                                SignatureAlgorithmsExtension, SNIExtension,
                                SupportedGroupsExtension,
                                SupportedVersionsExtension, TLSExtension)
from tlslite.handshakehashes import HandshakeHashes
from tlslite.handshakehelpers import HandshakeHelpers
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
                corrupt_binder=None):
    """A TLS 1.3 ClientHello whose last extension offers ``identities``.

    ``identities`` are byte strings; binders come from ``tickets`` +
    ``res_master_secret`` for real tickets and ``psk_configs`` for the rest
    (tlslite-ng's own rule). ``corrupt_binder`` flips a bit in that binder.
    """
    private = bytearray(os.urandom(32))
    share = KeyShareEntry().create(GroupName.x25519,
                                   x25519(private, X25519_G))
    extensions = [
        SupportedVersionsExtension().create([(3, 4)]),
        SupportedGroupsExtension().create([GroupName.x25519]),
        ClientKeyShareExtension().create([share]),
        SignatureAlgorithmsExtension().create(SIG_ALGS),
        PskKeyExchangeModesExtension().create(
            [PskKeyExchangeMode.psk_dhe_ke]),
    ]
    if server_name:
        extensions.append(SNIExtension().create(bytearray(server_name)))
    idens = [PskIdentity().create(bytearray(i), 0) for i in identities]
    # placeholders of the final size: the truncated hello the binders sign
    # includes their lengths (every PSK here is SHA-256)
    binders = [bytearray(32) for _ in identities]
    extensions.append(PreSharedKeyExtension().create(idens, binders))
    hello = ClientHello().create((3, 3), bytearray(os.urandom(32)),
                                 bytearray(os.urandom(32)), list(suites),
                                 extensions=extensions)
    HandshakeHelpers.update_binders(hello, HandshakeHashes(),
                                    list(psk_configs), tickets,
                                    res_master_secret)
    if corrupt_binder is not None:
        hello.extensions[-1].binders[corrupt_binder][0] ^= 1
    return hello


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


class FirstFlight(object):
    """What the server answered: handshake message types, ServerHello,
    and the alert description if it sent one."""

    def __init__(self):
        self.types = []
        self.server_hello = None
        self.alert = None

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
    server.expect_connection()
    body = hello.write()
    record = struct.pack(">BHH", ContentType.handshake, 0x0301, len(body))
    flight = FirstFlight()
    with socket.create_connection((HOST, server.port),
                                  timeout=TIMEOUT) as sock:
        sock.sendall(record + bytes(body))
        buffer = b""
        for content_type, payload in _records(sock):
            if content_type == ContentType.alert:
                flight.alert = payload[1]
                break
            if content_type != ContentType.handshake:
                break  # CCS or encrypted records: the clear part is over
            buffer += payload
            buffer = _messages(buffer, flight)
            if HandshakeType.server_hello_done in flight.types or \
                    (flight.server_hello and flight.tls13):
                break
    return flight


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
        buffer = buffer[4 + length:]
    return buffer
