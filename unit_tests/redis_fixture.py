"""A real redis-server for the tests, on a free 127.0.0.1 port.

Started by the tests themselves: loopback only, no persistence
(``--save '' --appendonly no``), its working directory a temporary one.
:meth:`RedisProcess.kill` ends it the hard way (an outage, as a crash would
make it) and :meth:`RedisProcess.start` brings it back on the same port.

With ``password`` it requires AUTH (``requirepass``); with ``tls`` (see
:func:`make_tls_files`) it speaks only TLS (``tls-port``, Debian's build has
TLS), and :attr:`RedisProcess.url` says ``rediss://`` with the CA to trust.

``scripts/ensure_tools.sh`` installs redis-server (``make test`` runs it);
when it is still missing the tests fail saying so, they are not skipped.
"""

import os
import shutil
import socket
import ssl
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


def make_tls_files(directory):
    """A CA and a server certificate for 127.0.0.1 (openssl command line);
    returns ``{"ca": path, "cert": path, "key": path}``."""
    directory = str(directory)
    paths = {name: os.path.join(directory, "redis-" + name + ".pem")
             for name in ("ca", "ca-key", "cert", "key", "csr")}

    def openssl(*args):
        subprocess.run(("openssl",) + args, check=True, capture_output=True,
                       timeout=START_TIMEOUT)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", paths["ca-key"],
            "-out", paths["ca"], "-subj", "/CN=test redis CA", "-days", "2")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", paths["key"], "-out", paths["csr"], "-subj",
            "/CN=127.0.0.1")
    extensions = os.path.join(directory, "redis-san.cnf")
    with open(extensions, "w") as handle:
        handle.write("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", paths["csr"], "-CA", paths["ca"],
            "-CAkey", paths["ca-key"], "-CAcreateserial", "-out",
            paths["cert"], "-days", "2", "-extfile", extensions)
    return {name: paths[name] for name in ("ca", "cert", "key")}


class RedisProcess:
    """One redis-server child process; restartable on the same port."""

    def __init__(self, directory, port=None, password=None, tls=None,
                 extra_args=()):
        self.binary = require_redis_server()
        self.directory = str(directory)
        self.port = port or free_port()
        self.password, self.tls = password, tls
        self.extra_args = list(extra_args)
        self.process = None

    @property
    def url(self):
        auth = ":{0}@".format(self.password) if self.password else ""
        if self.tls:
            return "rediss://{0}{1}:{2}/0?ssl_ca_certs={3}".format(
                auth, HOST, self.port, self.tls["ca"])
        return "redis://{0}{1}:{2}/0".format(auth, HOST, self.port)

    def _command(self):
        command = [self.binary, "--bind", HOST, "--dir", self.directory,
                   "--daemonize", "no", "--protected-mode", "yes"]
        if self.tls:
            command += ["--port", "0", "--tls-port", str(self.port),
                        "--tls-cert-file", self.tls["cert"],
                        "--tls-key-file", self.tls["key"],
                        "--tls-ca-cert-file", self.tls["ca"],
                        "--tls-auth-clients", "no"]
        else:
            command += ["--port", str(self.port)]
        if self.password:
            command += ["--requirepass", self.password]
        # no persistence unless the test asks for it
        return command + ["--save", "", "--appendonly", "no"] + \
            self.extra_args

    def start(self):
        assert self.process is None, "already running"
        log = open(os.path.join(self.directory, "redis.log"), "ab")
        try:
            self.process = subprocess.Popen(
                self._command(), stdout=log, stderr=subprocess.STDOUT,
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
        """True when the server answers PING (a raw socket, no redis-py;
        a refusal for want of AUTH is an answer too)."""
        try:
            with socket.create_connection((HOST, self.port), 0.5) as raw:
                sock = raw
                if self.tls:
                    context = ssl.create_default_context(
                        cafile=self.tls["ca"])
                    sock = context.wrap_socket(raw, server_hostname=HOST)
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
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
