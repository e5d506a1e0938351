"""The two extension points, said out loud: key rings and single-use stores.

Any object with these methods can be given as ``settings.ticket_keys`` or
``settings.ticket_single_use``; ``validate()`` checks the methods are there
(:func:`missing_methods`) and names the missing one. rustls has the same
idea as its ``ProducesTickets`` trait.
"""

from typing import Optional, Protocol, Tuple

from ._keys import TicketKey


class TicketKeyRing(Protocol):
    """Where ticket keys come from (``ticket_keys``).

    :class:`KeyRing`, :class:`RotatingKeyRing` and :class:`KeyFileRing`
    are key rings. ``now`` is ``settings.ticket_clock()``, in seconds.
    Both methods may be called from many threads at once.
    """

    def encryption_key(self, now: float) -> Optional[TicketKey]:
        """The key that seals new tickets; ``None`` issues no ticket."""

    def lookup(self, name: bytes, now: float) -> Tuple[Optional[TicketKey],
                                                        bool]:
        """``(key, renew)`` for a ticket's 16-byte key name, or
        ``(None, False)`` when no key of that name may open tickets now.
        ``renew`` asks for a fresh ticket (dec_cb sees SUCCESS_RENEW)."""


class SingleUseStore(Protocol):
    """Remembers used TLS 1.3 tickets (``ticket_single_use``).

    :class:`MemorySingleUseStore` and :class:`RedisSingleUseStore` are
    stores. ``claim`` must atomically record ``ticket_id`` (16 bytes, a
    keyed hash of the ticket) until ``expires_at`` and return True only the
    first time. False or an exception refuses the resumption (a full
    handshake: fail closed); exceptions are logged at WARNING once per
    outage.
    """

    def claim(self, ticket_id: bytes, expires_at: float, now: float) -> bool:
        """True for the first claim of ``ticket_id``, False after it."""


def missing_methods(obj, protocol):
    """Names of ``protocol``'s methods that ``obj`` lacks (or are not
    callable), in the order the protocol defines them."""
    names = [name for name, value in vars(protocol).items()
             if callable(value) and not name.startswith("_")]
    return [name for name in names
            if not callable(getattr(obj, name, None))]
