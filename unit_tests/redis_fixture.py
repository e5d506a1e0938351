"""A real redis-server for the tests, on a free 127.0.0.1 port.

Started by the tests themselves: loopback only, no persistence
(``--save '' --appendonly no``), its working directory a temporary one.
:meth:`RedisProcess.kill` ends it the hard way (an outage, as a crash would
make it) and :meth:`RedisProcess.start` brings it back on the same port.

``scripts/ensure_tools.sh`` installs redis-server (``make test`` runs it);
when it is still missing the tests fail saying so, they are not skipped.
"""

import os
import shutil
import socket
import subprocess
import time

import pytest

from tlslite_tickets.cli.loopback import free_port

HOST = "127.0.0.1"
START_TIMEOUT = 10


def require_redis_server():
    """The path of redis-server, or a test failure that says what to do."""
    path = shutil.which("redis-server")
    if path is None:
        pytest.fail("redis-server is not installed: run "
                    "scripts/ensure_tools.sh (make test does) or "
                    "apt-get install redis-server",
                    pytrace=False)
    return path


def require_redis_py():
    """Fail (not skip) when redis-py is missing from this environment."""
    try:
        import redis  # noqa: F401
    except ImportError:
        pytest.fail("redis-py is not installed in this venv: pip install "
                    "-e '.[test,redis]' (or: pip install redis)",
                    pytrace=False)


class RedisProcess(object):
    """One redis-server child process; restartable on the same port."""

    def __init__(self, directory, port=None):
        self.binary = require_redis_server()
        self.directory = str(directory)
        self.port = port or free_port()
        self.process = None

    @property
    def url(self):
        return "redis://{0}:{1}/0".format(HOST, self.port)

    def start(self):
        assert self.process is None, "already running"
        log = open(os.path.join(self.directory, "redis.log"), "ab")
        try:
            self.process = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", HOST,
                 "--save", "", "--appendonly", "no", "--dir", self.directory,
                 "--daemonize", "no", "--protected-mode", "yes"],
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        finally:
            log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("redis-server exited with {0}; see {1}"
                                     .format(self.process.returncode,
                                             self.directory))
            if self.ping():
                return self
            time.sleep(0.02)
        self.kill()
        raise AssertionError("redis-server did not answer on port {0}"
                             .format(self.port))

    def ping(self):
        """True when the server answers PING (a raw socket, no redis-py)."""
        try:
            with socket.create_connection((HOST, self.port), 0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self):
        """Stop it the hard way (SIGKILL), as in a crash."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait(START_TIMEOUT)
        self.process = None

    def stop(self):
        """Stop it politely (SIGTERM); SIGKILL if it does not go."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(START_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(START_TIMEOUT)
        self.process = None


@pytest.fixture
def redis_server(tmp_path):
    """A running :class:`RedisProcess`, stopped after the test."""
    require_redis_py()
    server = RedisProcess(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()
