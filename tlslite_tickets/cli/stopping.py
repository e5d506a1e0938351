"""How the server stops: SIGINT/SIGTERM, and output nobody reads.

The server and each of its workers catch SIGINT and SIGTERM the same way:
the handler raises :class:`Stop` in the main thread, which leaves
``serve_forever`` (or the supervisor's wait) at once.

Stopping must not depend on anyone reading the server's output. When
stdout is a pipe that nobody drains, every thread that prints blocks in
``write`` (holding the print lock), so the last words are written only if
the pipe takes them at once, and the process ends with ``os._exit``
instead of the interpreter's shutdown, which would wait for ever to flush
the buffered rest (or abort on the lock a blocked thread holds).
"""

import os
import select
import signal
import sys
import threading

from . import common

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: Seconds the last line and the final flush may take before they are
#: given up.
LAST_WORDS_TIMEOUT = 1.0


class Stop(BaseException):
    """Raised in the main thread by SIGINT/SIGTERM; ``args[0]`` is the
    signal number.

    A BaseException, as KeyboardInterrupt is: ``socketserver`` catches
    ``Exception`` around each request it starts (``handle_error``), so a
    signal that came while the main thread was starting one was lost and
    the server went on serving.
    """

    @property
    def name(self):
        return signal.Signals(self.args[0]).name


def _raise_stop(signum, frame):
    raise Stop(signum)


def catch_stop_signals():
    """SIGINT/SIGTERM raise :class:`Stop` in the main thread."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_stop)


def ignore_stop_signals():
    """A second SIGINT/SIGTERM while stopping is ignored (no traceback)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def say_if_writable(text, stream=None):
    """Print one line unless that would block: the print lock is busy or
    the pipe is full for :data:`LAST_WORDS_TIMEOUT` seconds."""
    stream = stream or sys.stdout
    if not common.print_lock.acquire(timeout=LAST_WORDS_TIMEOUT):
        return False
    try:
        fd = stream.fileno()
        _, writable, _ = select.select([], [fd], [], LAST_WORDS_TIMEOUT)
        if not writable:
            return False
        # a pipe with room takes a short line whole; written past the
        # stream's buffer, which may hold a line a blocked write left
        os.write(fd, (text + "\n").encode("utf-8", "replace"))
        return True
    except (OSError, ValueError):
        return False
    finally:
        common.print_lock.release()


def exit_now(status):
    """End the process: flush stdout and stderr if that finishes within
    :data:`LAST_WORDS_TIMEOUT` seconds, then ``os._exit(status)``."""
    def flush():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass

    flusher = threading.Thread(target=flush, daemon=True)
    flusher.start()
    flusher.join(LAST_WORDS_TIMEOUT)
    os._exit(status)
