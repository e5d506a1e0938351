"""Ticket formats, pluggable: the package's own and OpenSSL's.

The handshake (``_handshake.py``) decides *whether* to seal, open, resume
and renew; a :class:`TicketCodec` decides *how* a ticket is written and
read, and which format-specific checks a decrypted ticket must pass.
``settings.ticket_format`` picks one:

``"native"`` (default): :mod:`._ticket`, AES-256-GCM, our own plaintext.
``"openssl"``: :mod:`._openssl_ticket`, AES-CBC + HMAC-SHA256 around
    OpenSSL's ``SSL_SESSION`` DER, interchangeable with nginx and OpenSSL
    servers that share the key file and session id context.
"""

from typing import Optional, Protocol

from tlslite.constants import ExtensionType

from . import _openssl_ticket, _ticket
from ._keys import TicketKey

FORMATS = ("native", "openssl")


class TicketCodec(Protocol):
    """What the handshake needs from a ticket format."""

    #: the ``ticket_format`` value that selects it
    name: Optional[str] = None
    #: shorter tickets are NO_DECRYPT without asking for a key
    min_ticket_len: int = 0
    #: whether a ticket only resumes for the SNI host name it was made for
    binds_server_name: bool = True

    def make_key(self, name, secret):
        """The key object for a key callback's ``(name, secret)``."""

    def seal(self, key, contents, session, conn):
        """The ticket for ``contents`` (``ValueError``: cannot be sent)."""

    def open(self, key, ticket, client_hello, settings):
        """The contents of ``ticket``, or raise ``TicketDecodeError``."""

    def refusal(self, contents):
        """A reason the format forbids resuming ``contents``, or None."""


class NativeCodec:
    """The package's own format (``_ticket.py``)."""

    name = "native"
    min_ticket_len = _ticket.MIN_TICKET_LEN
    binds_server_name = True

    def make_key(self, name, secret):
        return TicketKey(name, secret)

    def seal(self, key, contents, session, conn):
        return _ticket.seal(key, contents)

    def open(self, key, ticket, client_hello, settings):
        return _ticket.open_ticket(key, ticket)

    def refusal(self, contents):
        return None


class OpenSSLCodec:
    """OpenSSL's format (``_openssl_ticket.py``) with the server's
    session id context, checked byte for byte like OpenSSL does."""

    name = "openssl"
    min_ticket_len = _openssl_ticket.MIN_TICKET_LEN
    #: OpenSSL does not compare the ticket's host name with the SNI
    binds_server_name = False

    def __init__(self, sid_ctx=b""):
        self.sid_ctx = bytes(sid_ctx)

    def make_key(self, name, secret):
        return _openssl_ticket.OpenSSLTicketKey(name, secret)

    def seal(self, key, contents, session, conn):
        if not isinstance(key, _openssl_ticket.OpenSSLTicketKey):
            raise ValueError("ticket_format 'openssl' needs a key with AES "
                             "and HMAC parts (a key file key)")
        # TLS 1.3 on tlslite-ng 0.9: the group of the key exchange
        group = getattr(conn, "ecdhCurve", None) \
            if contents.protocol_version > (3, 3) else None
        der = _openssl_ticket.session_for(
            contents, self.sid_ctx, getattr(session, "appProto", None),
            group if isinstance(group, int) else 0).encode()
        return _openssl_ticket.seal_der(key, der)

    def open(self, key, ticket, client_hello, settings):
        if not isinstance(key, _openssl_ticket.OpenSSLTicketKey):
            raise _ticket.TicketDecodeError("not an OpenSSL ticket key")
        der = _openssl_ticket.open_der(key, ticket)
        # OpenSSL keeps no encrypt-then-MAC state in a session: it is
        # negotiated again, as on a full handshake
        etm = bool(client_hello is not None and settings.useEncryptThenMAC
                   and client_hello.getExtension(
                       ExtensionType.encrypt_then_mac))
        return _openssl_ticket.decode_contents(der, settings.ticket_clock(),
                                               etm)

    def refusal(self, contents):
        if (contents.session.sid_ctx or b"") != self.sid_ctx:
            return "made for another session id context"
        return None


def codec_for(settings):
    """The codec ``settings.ticket_format`` names."""
    if getattr(settings, "ticket_format", "native") == "openssl":
        return OpenSSLCodec(settings.openssl_sid_ctx or b"")
    return NativeCodec()
