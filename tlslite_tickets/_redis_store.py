"""Single-use TLS 1.3 tickets shared by many servers, through Redis.

The store interface is ``claim(ticket_id, expires_at, now) -> bool`` (see
``_single_use.py``): record the id until the ticket expires, True only for
the first claim. Across processes that must be one atomic step, or two
servers given the same ticket at the same moment could both see "unused"
and both resume. Redis gives it in one command::

    SET <namespace>:single-use:<hex id> 1 NX PX <milliseconds>

``NX`` writes only if the key does not exist, and Redis runs commands one
at a time, so exactly one ``SET`` of a given key answers OK until the key
expires; every other answers nil. ``PX`` lets Redis forget the id when the
ticket could no longer be accepted anyway, so the store never grows past
the tickets alive at one time.

The expiry is sent as a *duration* computed with the server's own ticket
clock, so Redis's clock does not matter; ``skew_margin`` seconds are added
because servers' clocks differ a little, and a server whose clock is
behind still accepts a ticket that another server already thinks expired.

Nothing secret is stored: the id is a 16-byte keyed hash of the ticket
(keyed by the ticket key, so it cannot be computed from a captured ticket),
and the value is the constant ``1``.

When Redis is unreachable, ``claim`` raises :class:`RedisUnavailable`: the
handshake then refuses to resume (full handshake, fresh tickets: fail
closed), and the outage is logged once (see ``_redis_common.py``).
"""

import math
import numbers

from ._redis_common import (DEFAULT_SOCKET_TIMEOUT, RedisBacked,
                            RedisUnavailable)

__all__ = ["RedisSingleUseStore", "RedisUnavailable"]

#: Seconds added to every expiry, for clock differences between servers.
DEFAULT_SKEW_MARGIN = 60.0


class RedisSingleUseStore(RedisBacked):
    """A single-use store in Redis, shared by every server that uses it.

    ``client_or_url``: a ``redis://`` (or ``rediss://``, ``unix://``) URL,
    for which a client with short timeouts and no retries is made, or a
    redis-py client (used as it is). Servers that must refuse each other's
    replays use the same Redis and the same ``namespace``.

    ``socket_timeout``: seconds to connect and per command (URL only).
    ``retry_interval``: seconds between probes while Redis is down; claims
    in between fail at once. ``skew_margin``: see the module docstring.
    """

    def __init__(self, client_or_url, namespace="tlslite-tickets",
                 socket_timeout=DEFAULT_SOCKET_TIMEOUT, retry_interval=None,
                 skew_margin=DEFAULT_SKEW_MARGIN):
        if isinstance(skew_margin, bool) or \
                not isinstance(skew_margin, numbers.Real) or \
                not math.isfinite(skew_margin) or skew_margin < 0:
            raise ValueError("skew_margin must be a number of seconds >= 0, "
                             "got {0!r}".format(skew_margin))
        self._connect(client_or_url, namespace, "single-use",
                      "single-use store",
                      "tickets will not resume (full handshakes, fresh "
                      "tickets)", socket_timeout, retry_interval)
        self.skew_margin = skew_margin

    def claim(self, ticket_id, expires_at, now):
        """True for the first claim of ``ticket_id``, False after it.

        Raises :class:`RedisUnavailable` when Redis does not answer.
        """
        milliseconds = int(math.ceil(
            (expires_at - now + self.skew_margin) * 1000))
        if expires_at <= now or milliseconds <= 0:
            return False  # already expired: it would not resume anyway
        answer = self._guard.call(self.client.set, self.key_of(ticket_id),
                                  b"1", nx=True, px=milliseconds)
        # redis-py: True when set, None when the key existed
        return bool(answer)

    def __repr__(self):
        return "RedisSingleUseStore({0})".format(self._describe())
