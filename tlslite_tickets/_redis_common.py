"""What the Redis-backed stores share: the client, and outage handling.

Both :class:`RedisSingleUseStore` and :class:`RedisSessionCache` sit on the
handshake path, so a Redis outage must cost a full handshake, never a
stalled or failed one:

* a client made here from a URL has short socket timeouts (0.5 s to
  connect, 0.5 s per command) and **no** retries (redis-py 6 and later
  retry three times with backoff by default, which would hold a handshake
  for seconds);
* after a failure the store stops asking Redis for ``retry_interval``
  seconds and fails at once (a circuit breaker), then lets one call
  through to probe; so a Redis that hangs instead of refusing costs one
  timeout per interval, not one per connection;
* an outage is logged once, as a warning, when it starts, and once, as an
  info line, when Redis answers again; never once per connection;
* nothing needs restarting when Redis comes back: redis-py drops a broken
  connection from its pool and opens a new one on the next command (and
  replaces pooled connections that the server closed while idle).

redis-py (``pip install tlslite-tickets[redis]``) is imported only when a
URL is given; a client object made by the caller is used as it is (with
the caller's timeouts and retries).
"""

import logging
import threading
import time

log = logging.getLogger("tlslite_tickets")

#: Seconds to wait for a TCP connection to Redis, and for each command.
DEFAULT_SOCKET_TIMEOUT = 0.5
#: Seconds between probes of a Redis that is known to be down.
DEFAULT_RETRY_INTERVAL = 1.0


class RedisUnavailable(ConnectionError):
    """Redis did not answer (or is known to be down): do not resume."""


def make_client(client_or_url, socket_timeout=DEFAULT_SOCKET_TIMEOUT):
    """A redis-py client from a URL, or the given client object unchanged."""
    if not isinstance(client_or_url, str):
        if not callable(getattr(client_or_url, "set", None)):
            raise ValueError("expected a redis:// URL or a redis-py client, "
                             "got {0}".format(type(client_or_url).__name__))
        return client_or_url
    try:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry
    except ImportError:
        raise ImportError("the Redis stores need redis-py: pip install "
                          "'tlslite-tickets[redis]' (or: pip install "
                          "redis)") from None
    return redis.Redis.from_url(
        client_or_url, socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout, retry=Retry(NoBackoff(), 0),
        retry_on_timeout=False)


def describe_client(client):
    """``host:port/db`` of a redis-py client, never its password."""
    try:
        kwargs = client.connection_pool.connection_kwargs
        if "path" in kwargs:
            return "unix:{0}/{1}".format(kwargs["path"], kwargs.get("db", 0))
        return "{0}:{1}/{2}".format(kwargs.get("host"), kwargs.get("port"),
                                    kwargs.get("db", 0))
    except Exception:  # not redis-py, or another layout: say nothing
        return type(client).__name__


class OutageGuard:
    """Run Redis commands; track, log and short-circuit outages.

    ``what`` names the store in log lines (for example
    ``"single-use store tlslite-tickets"``); ``consequence`` says what an
    outage means for handshakes. Log lines carry the exception's type and
    message (redis-py's messages name host and port, never a password)
    and nothing that the command carried.
    """

    def __init__(self, what, consequence, retry_interval=None,
                 monotonic=time.monotonic):
        if retry_interval is None:
            retry_interval = DEFAULT_RETRY_INTERVAL
        if isinstance(retry_interval, bool) or \
                not isinstance(retry_interval, (int, float)) or \
                retry_interval < 0:
            raise ValueError("retry_interval must be a number of seconds "
                             ">= 0, got {0!r}".format(retry_interval))
        self.what = what
        self.consequence = consequence
        self.retry_interval = retry_interval
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._down_since = None  # monotonic time the outage started
        self._next_probe = 0.0
        self._failures = 0
        #: Outages seen so far (for tests and monitoring).
        self.outages = 0

    @property
    def down(self):
        """True while the last command failed and none has succeeded."""
        return self._down_since is not None

    def call(self, command, *args, **kwargs):
        """``command(*args, **kwargs)``, or :class:`RedisUnavailable`."""
        with self._lock:
            if self._down_since is not None:
                now = self._monotonic()
                if now < self._next_probe:
                    self._failures += 1
                    raise RedisUnavailable(
                        "{0}: Redis is down, next probe in {1:.2f} s".format(
                            self.what, self._next_probe - now))
                # this caller probes; the others fail fast meanwhile
                self._next_probe = now + self.retry_interval
        try:
            result = command(*args, **kwargs)
        except Exception as exc:
            self._failed(exc)
            raise RedisUnavailable("{0}: {1}".format(
                self.what, type(exc).__name__)) from exc
        if self._down_since is not None:
            self._recovered()
        return result

    def _failed(self, exc):
        with self._lock:
            now = self._monotonic()
            self._failures += 1
            self._next_probe = now + self.retry_interval
            if self._down_since is not None:
                return  # the same outage: already logged
            self._down_since = now
            self.outages += 1
        log.warning("%s: Redis is unreachable (%s: %s); %s until it "
                    "answers again (next try in %.1f s)", self.what,
                    type(exc).__name__, _short(exc), self.consequence,
                    self.retry_interval)

    def _recovered(self):
        with self._lock:
            if self._down_since is None:
                return
            seconds = self._monotonic() - self._down_since
            failures = self._failures
            self._down_since = None
            self._failures = 0
        log.info("%s: Redis answers again after %.1f s (%d operations "
                 "failed meanwhile)", self.what, seconds, failures)


class RedisBacked:
    """What a Redis-backed store shares: its client, namespace and outage
    state (``self.client``, ``self.namespace``, ``self._guard``)."""

    def _connect(self, client_or_url, namespace, kind, what, consequence,
                 socket_timeout, retry_interval):
        """Check the arguments both stores take and set up the client, the
        key prefix ``<namespace>:<kind>:`` and the outage guard."""
        if not isinstance(namespace, str) or not namespace:
            raise ValueError("namespace must be a non-empty string, got "
                             "{0!r}".format(namespace))
        self.client = make_client(client_or_url, socket_timeout)
        self.namespace = namespace
        self._prefix = "{0}:{1}:".format(namespace, kind).encode("utf-8")
        self._guard = OutageGuard(
            "{0} {1!r} at {2}".format(what, namespace,
                                      describe_client(self.client)),
            consequence, retry_interval)

    def key_of(self, item_id):
        """The Redis key of a session ID (cache) or ticket id (store)."""
        return self._prefix + bytes(item_id).hex().encode("ascii")

    @property
    def available(self):
        """False while Redis is known to be down."""
        return not self._guard.down

    @property
    def outages(self):
        """How many outages this object has seen (each logged once)."""
        return self._guard.outages

    def __bool__(self):
        # tlslite-ng writes ``if sessionCache:``; never look empty
        return True

    def _describe(self):
        return "namespace={0!r}, redis={1}, {2}".format(
            self.namespace, describe_client(self.client),
            "down" if self._guard.down else "up")


def _short(exc, limit=200):
    text = str(exc)
    return text if len(text) <= limit else text[:limit] + "..."
