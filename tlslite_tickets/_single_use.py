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
import logging
import threading
from typing import Any, Dict, List, Tuple, Type

log = logging.getLogger("tlslite_tickets")


class MemorySingleUseStore:
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


class WatchedStore:
    """A user's store, whose failures are logged at WARNING once per outage.

    An outage starts with the first ``claim`` that raises and ends with the
    next one that answers; the exception still reaches the handshake, which
    then refuses to resume. Stores that log their own outages (the Redis
    store raises ``RedisUnavailable`` after doing so) are not logged twice.
    """

    def __init__(self, store: Any,
                 quiet_errors: Tuple[Type[BaseException], ...] = ()) -> None:
        self.store = store
        self._quiet_errors = quiet_errors
        self._down = False
        self._lock = threading.Lock()

    def claim(self, ticket_id: bytes, expires_at: float, now: float) -> bool:
        try:
            answer = self.store.claim(ticket_id, expires_at, now)
        except Exception as exc:
            self._failed(exc)
            raise
        if self._down:
            with self._lock:
                was_down, self._down = self._down, False
            if was_down:
                log.info("single-use store %s answers again; tickets "
                         "resume again", _describe(self.store))
        return answer

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, self._quiet_errors):
            return  # the store logs this outage, and its end, itself
        with self._lock:
            was_down, self._down = self._down, True
        if was_down:
            return
        # the type and message only: a store's error must not carry ticket
        # material, and a traceback per outage start is enough in DEBUG
        log.warning("single-use store %s failed (%s: %s); tickets will not "
                    "resume (full handshakes, fresh tickets) until it "
                    "answers", _describe(self.store), type(exc).__name__,
                    str(exc)[:200])
        log.debug("single-use store failure", exc_info=True)

    def __repr__(self) -> str:
        return "WatchedStore({0})".format(_describe(self.store))


def _describe(store: Any) -> str:
    return type(store).__name__
