"""OpenSSL's ticket API by its OpenSSL names, for line-by-line ports.

``settings`` stands where C has an ``SSL_CTX``, ``conn`` where it has an
``SSL``, and a tlslite-ng ``Session`` where it has an ``SSL_SESSION``.
"""

from typing import Any, Optional, Tuple

from ._constants import MAX_APPDATA_LEN, SSL_OP_NO_TICKET
from ._types import (BytesLike, DecCallback, GenCallback, KeyCallback,
                     Session)


def SSL_CTX_set_session_ticket_cb(settings: Any, gen_cb: Optional[GenCallback],
                                  dec_cb: Optional[DecCallback],
                                  arg: Any = None) -> int:
    """Register the ticket callbacks (``SSL_CTX_set_session_ticket_cb``).

    ``gen_cb(conn, arg) -> int`` runs before each ticket is built; a falsy
    return aborts the handshake. ``dec_cb(conn, session, keyname, status,
    arg) -> TicketReturn`` runs after each offered ticket was decrypted.
    Either may be ``None``. Returns 1.
    """
    settings.ticket_gen_cb = gen_cb
    settings.ticket_dec_cb = dec_cb
    settings.ticket_cb_arg = arg
    return 1


def SSL_CTX_set_tlsext_ticket_key_cb(settings: Any,
                                     key_cb: Optional[KeyCallback]) -> int:
    """Register a ticket key callback (``SSL_CTX_set_tlsext_ticket_key_cb``).

    Encrypting: ``key_cb(conn, None, 1)`` returns ``(1, key_name16,
    secret)``, or 0 to issue no ticket. Decrypting: ``key_cb(conn,
    key_name16, 0)`` returns ``(1, secret)``, ``(2, secret)`` to ask for
    renewal, or 0 for "no such key". -1 or an exception is fatal. Returns 1.
    """
    settings.ticket_key_cb = key_cb
    return 1


def SSL_CTX_set_num_tickets(settings: Any, num_tickets: int) -> int:
    """TLS 1.3 tickets per full handshake (``SSL_CTX_set_num_tickets``).

    As in OpenSSL, TLS 1.2 ignores it: use ``SSL_OP_NO_TICKET`` to turn
    TLS 1.2 tickets off. Returns 1.
    """
    settings.num_tickets = num_tickets
    return 1


def SSL_CTX_get_num_tickets(settings: Any) -> int:
    """``SSL_CTX_get_num_tickets``."""
    return settings.ticket_count


def SSL_CTX_set_options(settings: Any, options: int) -> int:
    """Add option bits (``SSL_CTX_set_options``); returns the new options.

    Only ``SSL_OP_NO_TICKET`` is known: it turns TLS 1.2 tickets off (no
    ticket is issued and an offered one is not looked at). Other bits raise
    ``ValueError`` rather than being silently ignored.
    """
    _check_options(options)
    settings.ticket_options |= options
    return settings.ticket_options


def SSL_CTX_clear_options(settings: Any, options: int) -> int:
    """Remove option bits (``SSL_CTX_clear_options``); returns the rest."""
    _check_options(options)
    settings.ticket_options &= ~options
    return settings.ticket_options


def SSL_CTX_get_options(settings: Any) -> int:
    """The option bits set (``SSL_CTX_get_options``)."""
    return settings.ticket_options


def _check_options(options: int) -> None:
    if isinstance(options, bool) or not isinstance(options, int) or \
            options < 0 or options & ~SSL_OP_NO_TICKET:
        raise ValueError("only SSL_OP_NO_TICKET (0x{0:x}) is supported, got "
                         "{1!r}".format(SSL_OP_NO_TICKET, options))


def SSL_SESSION_set1_ticket_appdata(session: Session,
                                    data: Optional[BytesLike]) -> int:
    """Attach a copy of ``data`` to ``session``; ``None``/empty clears it.

    Mirrors ``SSL_SESSION_set1_ticket_appdata``. Returns 1. Raises
    ``ValueError`` above :data:`MAX_APPDATA_LEN` bytes.
    """
    if session is None:
        raise ValueError("SSL_SESSION_set1_ticket_appdata: session is None")
    if data is None or len(data) == 0:
        session.ticket_appdata = None
        return 1
    if isinstance(data, str):
        raise ValueError("ticket appdata must be bytes, not str")
    data = bytes(data)
    if len(data) > MAX_APPDATA_LEN:
        raise ValueError("ticket appdata is {0} bytes, the limit is {1}"
                         .format(len(data), MAX_APPDATA_LEN))
    session.ticket_appdata = data
    return 1


def SSL_SESSION_get0_ticket_appdata(
        session: Session) -> Tuple[Optional[bytes], int]:
    """Return ``(data, length)``, or ``(None, 0)`` when there is none.

    Mirrors ``SSL_SESSION_get0_ticket_appdata``.
    """
    data = getattr(session, "ticket_appdata", None)
    if data is None:
        return None, 0
    return data, len(data)


def SSL_get_session(conn: Any) -> Session:
    """The connection's session (``SSL_get_session``).

    Inside gen_cb it is the session the ticket being built will carry.
    """
    return conn.session


def SSL_session_reused(conn: Any) -> int:
    """1 if the handshake resumed a session, TLS 1.3 included, else 0."""
    return 1 if conn.resumed else 0


def SSL_new_session_ticket(conn: Any) -> int:
    """Queue one more TLS 1.3 ticket for the next write.

    Mirrors ``SSL_new_session_ticket``: returns 1, or 0 on TLS 1.2 and
    before the handshake. The ticket goes out with the next write of a
    ``TicketTLSConnection``; a stock tlslite-ng ``TLSConnection`` (such as
    ``TLSSocketServerMixIn`` makes) has nowhere to send it from, so on one
    this returns 0 and queues nothing.
    """
    queue_ticket = getattr(conn, "new_session_ticket", None)
    if queue_ticket is None:
        return 0
    return queue_ticket()
