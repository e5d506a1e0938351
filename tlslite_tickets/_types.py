"""Type names for the public API: the callbacks and the duck-typed objects.

Only for annotations (and readers): nothing here runs during a handshake.
tlslite-ng ships no type information, so its connections, settings and
sessions are ``Any`` to the type checker.
"""

from typing import (TYPE_CHECKING, Any, Callable, Optional, Protocol, Tuple,
                    Union)

if TYPE_CHECKING:  # _keys imports this module
    from ._keys import TicketKey

#: Bytes, or an object ``bytes()`` copies them from.
BytesLike = Union[bytes, bytearray, memoryview]

#: A tlslite-ng ``Session`` (OpenSSL's ``SSL_SESSION``).
Session = Any

#: ``gen_cb(conn, arg) -> int``: runs before each ticket is built; a falsy
#: return aborts the handshake.
GenCallback = Callable[[Any, Any], int]

#: ``dec_cb(conn, session, keyname, status, arg) -> TicketReturn``: runs
#: for each ticket offered; ``keyname`` is bytes, ``status`` a
#: :class:`~tlslite_tickets.TicketStatus`.
DecCallback = Callable[[Any, Session, bytes, int, Any], int]

#: ``key_cb(conn, key_name16 or None, enc) -> ...``: the Python form of
#: OpenSSL's ticket key callback (see ``SSL_CTX_set_tlsext_ticket_key_cb``).
KeyCallback = Callable[[Any, Optional[bytes], int],
                       Union[int, Tuple[int, bytes], Tuple[int, bytes, bytes]]]

#: A function returning the time in seconds, like ``time.time``.
Clock = Callable[[], float]


class KeyRingLike(Protocol):
    """What ``ticket_keys`` accepts: any object with these two methods."""

    def encryption_key(self, now: float) -> Optional["TicketKey"]:
        """The key that seals new tickets at ``now`` (``None``: no ticket)."""

    def lookup(self, name: bytes,
               now: float) -> Tuple[Optional["TicketKey"], bool]:
        """``(key, renew)`` for a ticket's key name, ``(None, False)``."""


class SingleUseStoreLike(Protocol):
    """What ``ticket_single_use`` accepts besides ``True``."""

    def claim(self, ticket_id: bytes, expires_at: float, now: float) -> bool:
        """True the first time ``ticket_id`` is claimed, False after."""
