"""Single-use TLS 1.3 tickets: remember which tickets were already used.

RFC 8446 section 8.1 ("single-use tickets") makes replaying a ticket
useless: the server keeps every ticket it accepted until that ticket
expires and refuses a second use. The price is server state, so the store
is pluggable. A store is any object with one method::

    claim(ticket_id: bytes, expires_at: float, now: float) -> bool

It must atomically record ``ticket_id`` until ``expires_at`` (seconds,
the ticket clock's time) and return True if it was not recorded yet, False
if it was. ``ticket_id`` is a 16-byte keyed hash of the ticket, never the
ticket. An exception, or False, means "do not resume": the handshake falls
back to a full one with fresh tickets (fail closed).
"""

import heapq
import threading
from typing import Dict, List, Tuple


class MemorySingleUseStore(object):
    """A bounded, thread-safe, in-process single-use store.

    Holds at most ``max_entries`` unexpired ticket ids. When it is full of
    unexpired ids it refuses new claims rather than forget one (forgetting
    would let that ticket be replayed), so an overloaded store costs full
    handshakes, never safety.
    """

    def __init__(self, max_entries: int = 100000) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) \
                or max_entries < 1:
            raise ValueError("max_entries must be a positive integer, got "
                             "{0!r}".format(max_entries))
        self.max_entries = max_entries
        self._expiry: Dict[bytes, float] = {}
        # (expires_at, ticket_id): oldest expiry first
        self._heap: List[Tuple[float, bytes]] = []
        self._lock = threading.Lock()

    def claim(self, ticket_id: bytes, expires_at: float,
              now: float) -> bool:
        """Record ``ticket_id``; True on its first use, False afterwards."""
        ticket_id = bytes(ticket_id)
        with self._lock:
            self._forget_expired(now)
            if ticket_id in self._expiry:
                return False
            if len(self._expiry) >= self.max_entries:
                return False
            self._expiry[ticket_id] = expires_at
            heapq.heappush(self._heap, (expires_at, ticket_id))
            return True

    def _forget_expired(self, now: float) -> None:
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, ticket_id = heapq.heappop(heap)
            self._expiry.pop(ticket_id, None)

    def __len__(self) -> int:
        return len(self._expiry)

    def __repr__(self) -> str:
        return "MemorySingleUseStore({0}/{1} entries)".format(
            len(self._expiry), self.max_entries)
