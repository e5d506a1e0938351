"""Loopback plumbing for the tests and the scripts (demo, benchmarks,
tlsfuzzer runner): a free port, and a server loop in a thread.

Not used by the command-line tools themselves; it lives next to
``selfsigned.py`` so that ``unit_tests/`` and ``scripts/`` share one copy.
Everything here binds 127.0.0.1 (or ::1) only.
"""

import socket
import threading

HOST = "127.0.0.1"


def free_port(host=HOST):
    """A TCP port on ``host`` that nothing listens on at this moment."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class LoopbackServer:
    """A listening socket on a loopback port, served by a daemon thread.

    Each accepted socket goes to :meth:`handle`, in the serving thread, or
    in a thread of its own when ``threaded``. A subclass sets what
    ``handle`` needs *before* calling ``super().__init__()``, which starts
    serving. :meth:`close` stops the loop within ``join_timeout`` seconds
    (``accept`` wakes up every 0.1 s to look).
    """

    def __init__(self, family=socket.AF_INET, threaded=False,
                 join_timeout=20):
        self.threaded = threaded
        self.join_timeout = join_timeout
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((HOST if family == socket.AF_INET else "::1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._done.is_set():
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.threaded:
                threading.Thread(target=self.handle, args=(sock,),
                                 daemon=True).start()
            else:
                self.handle(sock)

    def handle(self, sock):
        """Serve one connection and close ``sock``."""
        raise NotImplementedError

    def close(self):
        """Stop accepting, wait for the serving thread, close the socket."""
        self._done.set()
        self._thread.join(self.join_timeout)
        self._listener.close()
