"""A deadline for a TLS handshake, for servers with their own accept loop.

A socket timeout bounds each ``recv``, not the handshake: a client that
sends one byte every few seconds keeps a thread busy for ever. Here one
watchdog thread per process holds every pending deadline and shuts down
the socket of a handshake that has not finished in time, which wakes the
blocked ``recv`` at once::

    sock, _ = listener.accept()
    conn = TicketTLSConnection(sock)
    with handshake_deadline(conn, 30):
        conn.handshakeServer(settings=settings, ...)
    sock.settimeout(60)  # then an idle limit for each read

OpenSSL leaves this to the application too (nginx's
``ssl_handshake_timeout``, Go's ``Server.ReadHeaderTimeout``); there is no
``SSL_*`` function it mirrors.
"""

import heapq
import itertools
import os
import socket
import threading
import time


class HandshakeTimeout(TimeoutError):
    """The handshake did not complete before its deadline; the connection
    was shut down (raised by :func:`handshake_deadline`)."""


class _Deadline:
    __slots__ = ("sock", "seconds", "expired", "done")

    def __init__(self, sock, seconds):
        self.sock = sock
        self.seconds = seconds
        self.expired = False
        self.done = False


class _Watchdog:
    """One thread and a heap of deadlines; the thread ends when it has had
    nothing to watch for ``IDLE_EXIT`` seconds and starts again on demand
    (also in a child after ``fork``, where threads do not survive)."""

    IDLE_EXIT = 10.0

    def __init__(self):
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._heap = []
        self._seq = itertools.count()
        self._pid = None
        self._thread = None

    def add(self, deadline):
        with self._lock:
            if self._pid != os.getpid() or self._thread is None:
                self._heap = []
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="tlslite-tickets handshake deadlines",
                    daemon=True)
                self._thread.start()
            when = time.monotonic() + deadline.seconds
            heapq.heappush(self._heap, (when, next(self._seq), deadline))
            self._wake.notify()

    def finish(self, deadline):
        """The handshake is over: cancel, unless the deadline already fired.
        Returns whether it had fired."""
        with self._lock:
            deadline.done = True
            return deadline.expired

    def _run(self):
        idle_since = time.monotonic()
        with self._lock:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or
                                      self._heap[0][2].done):
                    deadline = heapq.heappop(self._heap)[2]
                    if not deadline.done:
                        deadline.expired = deadline.done = True
                        _shut(deadline.sock)
                if self._heap:
                    idle_since = now
                    self._wake.wait(self._heap[0][0] - now)
                elif now - idle_since >= self.IDLE_EXIT:
                    self._thread = None
                    return
                else:
                    self._wake.wait(self.IDLE_EXIT)


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to wake


_watchdog = _Watchdog()


class handshake_deadline:
    """``with handshake_deadline(conn, seconds):`` around a handshake.

    ``conn`` is a tlslite-ng ``TLSConnection`` (a ``TicketTLSConnection`` or
    any other) or a plain socket. If the block has not finished after
    ``seconds``, the socket is shut down (both directions), so whatever
    the handshake is blocked on returns or fails; leaving the block then
    raises :class:`HandshakeTimeout`, chained to the handshake's own error.
    ``seconds`` of ``None`` or 0 means no deadline. No ``SSL_*`` function
    is mirrored: OpenSSL leaves handshake timeouts to the application.
    """

    def __init__(self, conn, seconds):
        if seconds is not None and (isinstance(seconds, bool) or
                                    not isinstance(seconds, (int, float)) or
                                    seconds < 0):
            raise ValueError("seconds must be None or a number >= 0, got "
                             "{0!r}".format(seconds))
        sock = getattr(conn, "sock", conn)
        if not hasattr(sock, "shutdown"):
            raise TypeError("handshake_deadline needs a TLSConnection or a "
                            "socket, got {0}".format(type(conn).__name__))
        self.seconds = seconds
        self._deadline = _Deadline(sock, seconds) if seconds else None

    def __enter__(self):
        if self._deadline is not None:
            _watchdog.add(self._deadline)
        return self

    def __exit__(self, exc_type, exc, traceback):
        if self._deadline is None or not _watchdog.finish(self._deadline):
            return False
        raise HandshakeTimeout("TLS handshake not completed within {0:g} s"
                               .format(self.seconds)) from exc
