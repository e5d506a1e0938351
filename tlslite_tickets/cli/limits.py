"""The server's limits on what clients can hold: time and connections.

- ``--handshake-timeout``: a handshake not done in time is cut
  (``handshake_deadline`` from the core);
- ``--idle-timeout``: after the handshake, each read waits at most this
  long (a socket timeout);
- ``--max-connections``: connections served at once; past it the accept
  loop waits for a free slot and new clients wait in the listen backlog,
  so the number of threads is bounded;
- ``accept()`` failing for lack of descriptors or memory (EMFILE, ENFILE,
  ENOBUFS, ENOMEM) backs off, 5 ms doubling up to 1 s as Go's net/http
  does, with one warning per episode instead of a busy loop.

With ``--workers`` every worker applies the limits to itself.
"""

import errno
import resource
import threading
import time

from . import common

#: Listen backlog, where clients wait while every slot is taken (nginx's
#: default; the kernel caps it at net.core.somaxconn).
LISTEN_BACKLOG = 511
#: Descriptors kept for everything but client sockets (stdio, the
#: listener, Redis, key files, imports).
RESERVED_FDS = 16
#: --max-connections never defaults higher than this.
MAX_DEFAULT_CONNECTIONS = 1024
#: accept() errors that mean "out of resources": wait, then try again.
EXHAUSTED = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
FIRST_BACKOFF = 0.005
MAX_BACKOFF = 1.0


def default_max_connections():
    """Half of what RLIMIT_NOFILE leaves after the reserve (a connection
    serving a file holds two descriptors), between 1 and 1024."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return MAX_DEFAULT_CONNECTIONS
    return max(1, min(MAX_DEFAULT_CONNECTIONS, (soft - RESERVED_FDS) // 2))


def add_limit_flags(parser):
    """--handshake-timeout, --idle-timeout, --max-connections."""
    add = parser.add_argument_group("limits on clients").add_argument
    add("--handshake-timeout", metavar="SECONDS", type=float, default=30.0,
        help="close a connection whose TLS handshake has not completed "
        "after SECONDS, however it trickles in (default 30; 0: no limit)")
    add("--idle-timeout", metavar="SECONDS", type=float, help="after the "
        "handshake, close a connection that sends nothing for SECONDS "
        "(default: the --handshake-timeout value; 0: no limit)")
    add("--max-connections", metavar="N", type=int, help="serve at most N "
        "connections at once; more wait in the listen backlog (default: "
        "half of the open-files limit less {0}, at most {1}; {2} here)"
        .format(RESERVED_FDS, MAX_DEFAULT_CONNECTIONS,
                default_max_connections()))


def check_limits(args):
    """Fill in the defaults; a CliError for values that make no sense."""
    for flag in ("handshake_timeout", "idle_timeout"):
        value = getattr(args, flag)
        if value is not None and not value >= 0:  # also catches nan
            raise common.CliError("--{0} must be 0 or more seconds".format(
                flag.replace("_", "-")))
    if args.idle_timeout is None:
        args.idle_timeout = args.handshake_timeout
    if args.max_connections is None:
        args.max_connections = default_max_connections()
    elif args.max_connections < 1:
        raise common.CliError("--max-connections must be at least 1")


class ConnectionLimitsMixIn:
    """For a ``socketserver`` TCP server with ``ThreadingMixIn`` (put it
    first): bounded connections and an accept loop that never spins.
    ``self.options`` holds the parsed flags."""

    request_queue_size = LISTEN_BACKLOG
    _slots = None

    def _connection_slots(self):
        if self._slots is None:
            self._slots = threading.BoundedSemaphore(
                self.options.max_connections)
            self._backoff = 0.0
            self._failures = 0
            self._failing_since = None
        return self._slots

    def get_request(self):
        slots = self._connection_slots()
        slots.acquire()  # at the limit: wait here, clients in the backlog
        try:
            request = super().get_request()
        except OSError as exc:
            slots.release()
            if exc.errno in EXHAUSTED:
                self._back_off(exc)
            raise  # socketserver drops this round and selects again
        if self._failures:
            common.say("{0}accept() works again after {1} failure(s) in "
                       "{2:.1f} s".format(self.tag, self._failures,
                                          time.monotonic() -
                                          self._failing_since))
            self._failures, self._backoff = 0, 0.0
        return request

    def _back_off(self, exc):
        if not self._failures:
            self._failing_since = time.monotonic()
            common.say("{0}warning: accept() failed: {1}; retrying with "
                       "back-off up to {2:g} s (--max-connections is {3})"
                       .format(self.tag, exc.strerror or exc, MAX_BACKOFF,
                               self.options.max_connections))
        self._failures += 1
        self._backoff = min(MAX_BACKOFF,
                            max(FIRST_BACKOFF, self._backoff * 2))
        time.sleep(self._backoff)

    def process_request(self, request, client_address):
        try:
            super().process_request(request, client_address)
        except Exception:  # no thread started: it cannot free the slot
            # (not BaseException: a Stop raised by SIGTERM just after the
            # thread started would free its slot twice, and the
            # ValueError of that second release would hide the Stop)
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()
