"""OpenSSL's and nginx's ticket format and its encryption.

A ticket on the wire (``tls_construct_stateless_ticket`` and
``tls_decrypt_ticket`` in OpenSSL, with the keys of
``SSL_CTX_set_tlsext_ticket_keys`` or nginx's ``ssl_session_ticket_key``)::

    key_name[16] || IV[16] || AES-CBC(PKCS#7 padded SSL_SESSION DER)
                 || HMAC-SHA256(key_name || IV || ciphertext)[32]

AES-256 with a 32-byte HMAC key for 80-byte keys, AES-128 with a 16-byte
HMAC key for 48-byte ones. The plaintext is ``_openssl_session.py``'s.

Opening checks, in order: length, HMAC (constant-time compare), padding,
then the strict DER reader. Every failure is one exception,
:class:`~tlslite_tickets._ticket.TicketDecodeError` (status NO_DECRYPT),
and, as the HMAC is checked before the padding, a forger learns nothing
from which check failed.
"""

import hashlib
import hmac
import os

from . import _der, _openssl_session
from ._cbc import BLOCK_LEN, cbc_decrypt, cbc_encrypt
from ._constants import KEY_NAME_LEN
from ._keys import TicketKey
from ._ticket import MAX_TICKET_LEN, TicketContents, TicketDecodeError

IV_LEN = 16
MAC_LEN = 32
#: ``X509_V_ERR_APPLICATION_VERIFICATION``: what our tickets record as the
#: client certificate's verify result, since tlslite-ng does not verify it
VERIFY_BY_APPLICATION = 50
#: The shortest ticket OpenSSL would try: name, IV, one block, HMAC.
MIN_TICKET_LEN = KEY_NAME_LEN + IV_LEN + BLOCK_LEN + MAC_LEN


class OpenSSLTicketKey(TicketKey):
    """A ticket key with the raw HMAC and AES keys OpenSSL's format needs.

    ``secret`` is what follows the name in a key file entry: 64 bytes
    (HMAC-SHA256 key[32] then AES-256 key[32], the 80-byte layout) or 32
    bytes (AES-128 key[16] then HMAC key[16], nginx's 48-byte layout; note
    the other order). The key also works for the package's own format,
    whose AEAD key is derived from the same secret as for a
    :class:`TicketKey`. Nothing secret appears in ``repr``.
    """

    __slots__ = ("hmac_key", "aes_key")

    def __init__(self, name, secret):
        super().__init__(name, secret)
        secret = bytes(secret)
        if len(secret) == 64:
            self.hmac_key, self.aes_key = secret[:32], secret[32:]
        elif len(secret) == 32:
            self.aes_key, self.hmac_key = secret[:16], secret[16:]
        else:
            raise ValueError("an OpenSSL ticket key secret is 64 bytes (80-"
                             "byte key file) or 32 (48-byte file), got {0}"
                             .format(len(secret)))

    def __repr__(self):
        return "OpenSSLTicketKey(name={0}, aes={1})".format(
            self.name.hex(), len(self.aes_key) * 8)


def _mac(key, data):
    return hmac.new(key.hmac_key, data, hashlib.sha256).digest()


def seal_der(key, der, pure=False):
    """Encrypt SSL_SESSION DER under ``key``; return the ticket bytes.

    The padding is always well formed (OpenSSL drops the connection when a
    ticket authenticates but its padding is bad). ``pure`` forces the
    pure-Python AES (tests compare both backends).
    """
    pad = BLOCK_LEN - len(der) % BLOCK_LEN
    size = KEY_NAME_LEN + IV_LEN + len(der) + pad + MAC_LEN
    if size > MAX_TICKET_LEN:
        raise ValueError("ticket would be {0} bytes, over the {1} byte limit "
                         "of NewSessionTicket".format(size, MAX_TICKET_LEN))
    iv = os.urandom(IV_LEN)
    body = key.name + iv + cbc_encrypt(key.aes_key, iv,
                                       der + bytes((pad,)) * pad, pure)
    return body + _mac(key, body)


def open_der(key, ticket, pure=False):
    """The SSL_SESSION DER inside a ticket sealed under ``key``.

    Raises :class:`TicketDecodeError` for every kind of failure.
    """
    ticket = bytes(ticket)
    if len(ticket) < MIN_TICKET_LEN or \
            (len(ticket) - KEY_NAME_LEN - IV_LEN - MAC_LEN) % BLOCK_LEN:
        raise TicketDecodeError("ticket length is not one of OpenSSL's")
    if ticket[:KEY_NAME_LEN] != key.name:
        raise TicketDecodeError("ticket is under another key name")
    body, mac = ticket[:-MAC_LEN], ticket[-MAC_LEN:]
    if not hmac.compare_digest(_mac(key, body), mac):
        raise TicketDecodeError("ticket does not authenticate")
    iv = body[KEY_NAME_LEN:KEY_NAME_LEN + IV_LEN]
    padded = cbc_decrypt(key.aes_key, iv, body[KEY_NAME_LEN + IV_LEN:], pure)
    pad = padded[-1]
    if not 1 <= pad <= BLOCK_LEN or padded[-pad:] != bytes((pad,)) * pad:
        raise TicketDecodeError("ticket authenticates but its padding is bad")
    return padded[:-pad]


class OpenSSLContents(TicketContents):
    """What an OpenSSL-format ticket carries, for the handshake.

    The common fields of :class:`TicketContents`, filled from the session
    (``created_ms`` from ``time``, ``lifetime`` from ``timeout``), plus
    ``session``, the whole :class:`~._openssl_session.OpenSSLSession`.
    ``expired`` follows OpenSSL's rule: whole seconds, a missing timeout
    is 3 seconds, a time in the future is not expired.
    """

    __slots__ = ("session",)

    def __init__(self, session, now, etm=False):
        time_s = session.time or int(now)  # OpenSSL: missing means now
        timeout = session.timeout or 3
        super().__init__(
            session.protocol_version, session.cipher_suite,
            session.master_key, time_s * 1000, timeout,
            age_add=session.age_add or 0,
            server_name=session.hostname or b"", ems=session.ems, etm=etm,
            client_certs=(session.peer,) if session.peer else (),
            appdata=session.ticket_appdata or None)
        self.session = session

    def expired(self, now):
        """OpenSSL 3.0: expired when ``now - time > timeout`` (seconds)."""
        return int(now) - self.created_ms // 1000 > self.lifetime


def decode_contents(der, now, etm=False):
    """Strictly parse ticket plaintext into :class:`OpenSSLContents`."""
    try:
        session = _openssl_session.decode(der)
    except _der.DERError as exc:
        raise TicketDecodeError("ticket plaintext: {0}".format(exc)) from None
    if not session.master_key:
        raise TicketDecodeError("ticket holds no master key")
    return OpenSSLContents(session, now, etm)


def session_for(contents, sid_ctx, alpn=None, kex_group=0):
    """The SSL_SESSION OpenSSL's server would put in a ticket for
    ``contents`` (``construct_new_session_ticket``): a random 32-byte
    session id in TLS 1.3, none in TLS 1.2, the EMS flag in TLS 1.2, the
    leaf client certificate only.

    A client certificate's verify result is
    :data:`VERIFY_BY_APPLICATION`, never "ok": tlslite-ng leaves checking
    the certificate to the application, so an OpenSSL server that verifies
    clients (nginx ``ssl_verify_client on``) must not take it as verified.
    """
    tls13 = contents.protocol_version > (3, 3)
    major, minor = contents.protocol_version
    return _openssl_session.OpenSSLSession(
        (major << 8) | minor, contents.cipher_suite,
        session_id=os.urandom(32) if tls13 else b"",
        master_key=contents.secret,
        time=contents.created_ms // 1000, timeout=contents.lifetime,
        peer=contents.client_certs[0] if contents.client_certs else None,
        verify_result=VERIFY_BY_APPLICATION if contents.client_certs
        else None,
        sid_ctx=bytes(sid_ctx),
        hostname=contents.server_name or None,
        flags=_openssl_session.FLAG_EMS if contents.ems and not tls13
        else 0,
        age_add=contents.age_add if tls13 else 0,
        alpn=bytes(alpn) if alpn else None,
        ticket_appdata=contents.appdata or None,
        kex_group=kex_group or 0)
