"""``python -m tlslite_tickets server`` as a subprocess, with real clients.

Each server runs on 127.0.0.1 on a free port, in a directory of its own
with a certificate made by ``support.make_certificate``; the clients are
Python's ``ssl`` module and ``openssl s_client``. Every server is stopped
with a signal at the end and must exit 0 without a traceback.
"""

import importlib.metadata
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import sysconfig
import threading
import time

import pytest

from conftest import skip_or_fail, tools_required
from support import HOST, TIMEOUT, free_port, make_certificate

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_stock_tls_py():
    """tlslite-ng's ``tls.py``, as pip installed it with the package: next
    to this Python, in this environment's scripts directory, or wherever
    the distribution's file list puts it. None if it is nowhere."""
    places = [os.path.join(os.path.dirname(sys.executable), "tls.py"),
              os.path.join(sysconfig.get_path("scripts"), "tls.py")]
    try:
        places += [str(f.locate()) for f in
                   importlib.metadata.files("tlslite-ng") or ()
                   if f.name == "tls.py"]
    except importlib.metadata.PackageNotFoundError:
        pass
    return next((p for p in places if os.path.isfile(p)), None)


STOCK_TLS_PY = find_stock_tls_py()
READY = re.compile(r"I am an (HTTP|echo) test server, I will listen on "
                   r"127\.0\.0\.1:(\d+)$")
BODY = b"hello from the ticket server\n"
VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


class ServerProcess:
    """A server command in a subprocess; its output lines are collected."""

    def __init__(self, command, cwd, probe=False, preexec_fn=None):
        env = dict(os.environ, PYTHONPATH=REPO)
        self.proc = subprocess.Popen(command, cwd=cwd, env=env,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE,
                                     preexec_fn=preexec_fn)
        self.out, self.err = [], []
        self._readers = [
            threading.Thread(target=self._collect, args=(stream, lines),
                             daemon=True)
            for stream, lines in ((self.proc.stdout, self.out),
                                  (self.proc.stderr, self.err))]
        for reader in self._readers:
            reader.start()
        try:
            line = self.wait_for(READY)
            self.port = int(READY.match(line).group(2))
            if probe:  # tls.py prints its ready line before it listens
                wait_till_listening(self.port)
        except BaseException:
            self.proc.kill()  # never leave a server behind
            self.proc.wait()
            raise

    @staticmethod
    def _collect(stream, lines):
        for raw in iter(stream.readline, b""):
            lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def wait_for(self, pattern, stream="out"):
        """The first line matching ``pattern`` (a regex), waiting for it."""
        lines = self.out if stream == "out" else self.err
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            for line in list(lines):
                if re.search(pattern, line):
                    return line
            if self.proc.poll() is not None and not \
                    any(r.is_alive() for r in self._readers):
                break
            time.sleep(0.02)
        raise AssertionError("no line matches {0!r}\nstdout: {1}\nstderr: "
                             "{2}".format(pattern, self.out, self.err))

    def stop(self, signum=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        try:
            code = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()  # fail the test, but leave no server behind
            self.proc.wait(TIMEOUT)
            raise
        for reader in self._readers:
            reader.join(TIMEOUT)
        return code


def wait_till_listening(port):
    deadline = time.time() + TIMEOUT
    while True:
        try:
            socket.create_connection((HOST, port), timeout=TIMEOUT).close()
            return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("cli-server"))
    make_certificate(directory)
    with open(os.path.join(directory, "hello.txt"), "wb") as handle:
        handle.write(BODY)
    return directory


def our_command(*flags):
    return [sys.executable, "-m", "tlslite_tickets", "server",
            "-k", "key.pem", "-c", "cert.pem"] + list(flags)


@pytest.fixture(scope="module")
def servers(workdir):
    """``servers(*flags)``: a running server, one per set of flags."""
    running = {}

    def get(*flags, command=our_command):
        key = (command, flags)
        if key not in running:
            address = "{0}:{1}".format(HOST, free_port())
            running[key] = ServerProcess(command(*flags) + [address],
                                         workdir, command is not our_command)
        return running[key]

    yield get
    # stop every server before judging any, so none is left running
    codes = [(command, server, server.stop())
             for (command, _), server in running.items()]
    for command, server, code in codes:
        if command is not our_command:
            continue  # stock tls.py dies by the signal, as it always did
        assert code == 0, server.err
        assert not any("Traceback" in line for line in server.err), \
            server.err


class Result:
    def __init__(self, reply, tickets, session, resumed):
        self.reply, self.tickets = reply, tickets
        self.session, self.resumed = session, resumed


def read_all(sock):
    chunks = []
    while True:
        try:
            data = sock.recv(4096)
        except (ssl.SSLError, OSError):
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)


_CONTEXTS = {}


def client_context(version):
    """One context per version: a session only resumes in its own context."""
    if version not in _CONTEXTS:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = VERSIONS[version]
        _CONTEXTS[version] = ctx
    return _CONTEXTS[version]


def https_get(port, version, path="/hello.txt", session=None):
    """GET over Python's ssl (OpenSSL), counting NewSessionTickets."""
    ctx = client_context(version)
    tickets = []

    def on_message(conn, direction, ver, content, msg_type, data):
        if direction == "read" and \
                msg_type == ssl._TLSMessageType.NEWSESSION_TICKET:
            tickets.append(data)

    ctx._msg_callback = on_message
    raw = socket.create_connection((HOST, port), timeout=TIMEOUT)
    with ctx.wrap_socket(raw, server_hostname="localhost",
                         session=session) as sock:
        sock.sendall("GET {0} HTTP/1.0\r\n\r\n".format(path).encode())
        reply = read_all(sock)
        return Result(reply, len(tickets), sock.session, sock.session_reused)


def s_client(port, version, workdir, sess_in=None, sess_out=None):
    """GET over ``openssl s_client``, saving/loading the session."""
    cmd = ["openssl", "s_client", "-connect", "{0}:{1}".format(HOST, port),
           "-tls1_2" if version == "1.2" else "-tls1_3", "-msg", "-ign_eof",
           "-servername", "localhost"]
    if sess_in:
        cmd += ["-sess_in", os.path.join(workdir, sess_in)]
    if sess_out:
        cmd += ["-sess_out", os.path.join(workdir, sess_out)]
    out = subprocess.run(cmd, input=b"GET /hello.txt HTTP/1.0\r\n\r\n",
                         capture_output=True, timeout=TIMEOUT).stdout
    text = out.decode("latin-1")
    tickets = sum(1 for line in text.splitlines()
                  if line.startswith("<<<") and "NewSessionTicket" in line)
    return Result(out, tickets, None, "Reused," in text)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "tlslite_tickets"] +
                          list(args), capture_output=True, timeout=TIMEOUT,
                          env=dict(os.environ, PYTHONPATH=REPO), text=True)


def split_http(reply):
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, body


# -- start-up, HTTP, shutdown ------------------------------------------------

def test_prints_ready_line_and_serves_a_file(servers):
    server = servers()
    assert READY.match(server.out[0])
    status, headers, body = split_http(https_get(server.port, "1.3").reply)
    assert status == "HTTP/1.0 200 OK"
    assert headers["Content-Length"] == str(len(BODY))
    assert body == BODY
    listing = https_get(server.port, "1.2", path="/").reply
    assert b"200 OK" in listing and b"hello.txt" in listing


@pytest.mark.parametrize("path", ["/hello.txt", "/", "/missing"])
def test_http_answers_match_stock_tls_py(servers, path):
    if STOCK_TLS_PY is None:
        skip_or_fail("tlslite-ng's tls.py is not installed with it here",
                     tools_required())
    def stock(*flags):
        return [sys.executable, STOCK_TLS_PY, "server", "-k", "key.pem",
                "-c", "cert.pem"] + list(flags)

    ours = https_get(servers().port, "1.3", path=path).reply
    theirs = https_get(servers(command=stock).port, "1.3", path=path).reply
    ours, theirs = split_http(ours), split_http(theirs)
    assert ours[0] == theirs[0]
    for name in ("Content-type", "Content-Length"):
        assert ours[1].get(name) == theirs[1].get(name)
    assert ours[2] == theirs[2]


def test_echo_mode(servers):
    server = servers("--echo")
    assert "echo test server" in server.out[0]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
    with ctx.wrap_socket(raw) as sock:
        sock.sendall(b"ping pong")
        assert sock.recv(100) == b"ping pong"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_it_cleanly(workdir, signum):
    server = ServerProcess(our_command("{0}:{1}".format(HOST, free_port())),
                           workdir)
    try:
        https_get(server.port, "1.3")
    finally:
        assert server.stop(signum) == 0
    assert not any("Traceback" in line for line in server.err), server.err


def test_misbehaving_clients_do_not_stop_it(servers):
    server = servers()
    failures = len([line for line in server.out if "failed" in line])
    hello = bytes.fromhex("16030100a5010000a10303") + bytes(32)
    for payload in (b"", os.urandom(300), b"GET / HTTP/1.0\r\n\r\n",
                    hello[:20], bytes.fromhex("15030300020228")):
        with socket.create_connection((HOST, server.port),
                                      timeout=TIMEOUT) as sock:
            sock.sendall(payload)
    # a client that rejects the certificate: alert mid-handshake
    ctx = ssl.create_default_context()
    with pytest.raises(ssl.SSLError):
        with socket.create_connection((HOST, server.port),
                                      timeout=TIMEOUT) as raw:
            ctx.wrap_socket(raw, server_hostname="localhost")
    assert https_get(server.port, "1.3").reply.endswith(BODY)
    server.wait_for(r"handshake failed: TLSRemoteAlert")
    deadline = time.time() + TIMEOUT  # one line per client, from its thread
    while len([line for line in server.out if "failed" in line]) < \
            failures + 6:
        assert time.time() < deadline, server.out
        time.sleep(0.02)
    assert server.proc.poll() is None
    assert not any("Traceback" in line for line in server.err)


# -- tickets ---------------------------------------------------------------

def test_tickets_3_gives_three_tls13_tickets(servers, workdir):
    server = servers("--tickets", "3")
    assert https_get(server.port, "1.3").tickets == 3
    assert s_client(server.port, "1.3", workdir).tickets == 3
    server.wait_for(r"TLS 1\.3 .*tickets sent: 3")


# second connection of (policy, version): (resumed, tickets)
RESUMPTION = {
    ("default", "1.2"): (True, 0), ("default", "1.3"): (True, 1),
    ("use", "1.2"): (True, 0), ("use", "1.3"): (True, 0),
    ("use-renew", "1.2"): (True, 1), ("use-renew", "1.3"): (True, 1),
    ("ignore", "1.2"): (False, 0), ("ignore", "1.3"): (False, 0),
    ("ignore-renew", "1.2"): (False, 1), ("ignore-renew", "1.3"): (False, 2),
}


@pytest.mark.parametrize("policy,version", sorted(RESUMPTION))
def test_ticket_policy_python_ssl(servers, policy, version):
    server = servers("--ticket-policy", policy)
    first = https_get(server.port, version)
    assert not first.resumed
    assert first.tickets == (1 if version == "1.2" else 2)
    second = https_get(server.port, version, session=first.session)
    assert (second.resumed, second.tickets) == RESUMPTION[policy, version]
    assert second.reply.endswith(BODY)


@pytest.mark.parametrize("policy", ["use", "use-renew"])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_ticket_policy_openssl_s_client(servers, workdir, policy, version):
    server = servers("--ticket-policy", policy)
    name = "sess-{0}-{1}".format(policy, version)
    first = s_client(server.port, version, workdir, sess_out=name)
    assert not first.resumed and first.tickets >= 1
    second = s_client(server.port, version, workdir, sess_in=name)
    assert (second.resumed, second.tickets) == RESUMPTION[policy, version]
    assert BODY in second.reply


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_appdata_comes_back_in_the_ticket(servers, version):
    server = servers("--appdata", "app data {0}".format(version), "--trace")
    first = https_get(server.port, version)
    second = https_get(server.port, version, session=first.session)
    assert second.resumed
    wanted = re.escape("b'app data {0}'".format(version))
    server.wait_for(r"resumed: yes.*ticket appdata: " + wanted)
    server.wait_for(r"\[trace\].*appdata " + wanted + " -> USE", "err")


def test_trace_shows_the_hello_retry_request(servers):
    # only P-256: Python's ssl client leads with X25519 and is asked again
    server = servers("--groups", "secp256r1", "--trace")
    first = https_get(server.port, "1.3")
    assert https_get(server.port, "1.3", session=first.session).resumed
    resumed = server.wait_for(r"\[trace\].* -> ServerHello .*resuming", "err")
    conn = re.search(r"\[conn \d+\]", resumed).group(0)
    ladder = [line.split(conn)[1].split()[:2] for line in server.err
              if conn in line]
    assert ladder.count(["->", "HelloRetryRequest"]) == 1, server.err
    assert ladder.count(["dec_cb", "key"]) == 2, server.err


def test_abort_policy_fails_resumption_but_keeps_serving(servers):
    server = servers("--ticket-policy", "abort")
    first = https_get(server.port, "1.3")  # no ticket offered: no dec_cb
    with pytest.raises((ssl.SSLError, OSError)):
        https_get(server.port, "1.3", session=first.session)
    assert https_get(server.port, "1.3").reply.endswith(BODY)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_ticket_lifetime(servers, version):
    server = servers("--ticket-lifetime", "120")
    session = https_get(server.port, version).session
    assert session.ticket_lifetime_hint == 120


# -- flags and errors ------------------------------------------------------

SERVER_FLAGS = ["-k", "-c", "--cipherlist", "--tickets", "--max-ver",
                "--psk", "--psk-ident", "--psk-sha384", "--reqcert",
                "--request-pha", "--require-pha", "--echo", "--groups",
                "--ticket-policy", "--appdata", "--ticket-lifetime",
                "--ticket-key-file", "--ticket-seed", "--rotation-period",
                "--trace", "HOST:PORT"]


def test_help_explains_every_flag():
    result = run_cli("server", "--help")
    assert result.returncode == 0
    for flag in SERVER_FLAGS:
        assert flag in result.stdout
    for policy in ("default", "ignore", "ignore-renew", "use", "use-renew",
                   "abort"):
        assert policy in result.stdout
    from tlslite_tickets.cli.server import build_parser
    for action in build_parser()._actions:
        assert action.help, action.option_strings


def test_top_level_help_and_script_path():
    assert "server" in run_cli("--help").stdout
    assert run_cli("nonsense").returncode == 2
    as_file = subprocess.run(
        [sys.executable, os.path.join(REPO, "tlslite_tickets", "__main__.py"),
         "server", "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    assert as_file.returncode == 0 and "--ticket-policy" in as_file.stdout


@pytest.mark.parametrize("flags,message", [
    (["--max-ver", "tls9"], "invalid choice"),
    (["--psk", "aa"], "--psk and --psk-ident"),
    (["--psk", "zz", "--psk-ident", "x"], "hex"),
    (["-c", "cert.pem"], "-c CERT and -k KEY"),
    (["--ticket-seed", "xyz"], "hex"),
    (["--ticket-lifetime", "0"], "invalid settings"),
    (["--ticket-key-file", "k", "--ticket-seed", "00"], "cannot be combined"),
    (["--ticket-seed", "00" * 8], "ticket_seed must be at least 16 bytes"),
    (["--rotation-period", "0"], "ticket_rotation_period"),
    (["--ticket-key-file", "missing.keys"], "missing.keys"),
    (["--ticket-key-file", "cert.pem"], "cert.pem"),
])
def test_bad_flags_fail_cleanly(workdir, flags, message):
    result = subprocess.run(
        [sys.executable, "-m", "tlslite_tickets", "server"] + flags +
        ["{0}:{1}".format(HOST, free_port())], capture_output=True,
        text=True, cwd=workdir, timeout=TIMEOUT,
        env=dict(os.environ, PYTHONPATH=REPO))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


KEY_FLAGS = [
    ["--ticket-seed", "11" * 32],
    ["--ticket-seed", "11" * 32, "--rotation-period", "3600"],
    ["--rotation-period", "60"],
    ["--ticket-key-file", "ticket.keys"],
]


@pytest.mark.parametrize("flags", KEY_FLAGS)
def test_key_flags_survive_a_restart(workdir, flags):
    with open(os.path.join(workdir, "ticket.keys"), "wb") as handle:
        handle.write(os.urandom(80))  # one key, OpenSSL/nginx layout
    address = "{0}:{1}".format(HOST, free_port())
    first = ServerProcess(our_command(*flags) + [address], workdir)
    try:
        session = https_get(first.port, "1.3").session
    finally:
        assert first.stop() == 0
    # the same keys: a restarted server resumes the old server's tickets,
    # unless they were random (rotation without a seed)
    second = ServerProcess(our_command(*flags) + [address], workdir)
    try:
        resumed = https_get(second.port, "1.3", session=session).resumed
        assert resumed == ("--ticket-seed" in flags or
                           "--ticket-key-file" in flags)
    finally:
        assert second.stop() == 0


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_two_processes_with_one_seed_resume_each_others_tickets(
        servers, workdir, version):
    seed = os.urandom(32).hex()
    one = servers("--ticket-seed", seed)
    two = servers("--ticket-seed", seed, "--rotation-period", "3600")
    stranger = servers("--ticket-seed", os.urandom(32).hex())
    name = "seed-{0}.pem".format(version)
    first = s_client(one.port, version, workdir, sess_out=name)
    assert not first.resumed and first.tickets
    assert s_client(two.port, version, workdir, sess_in=name).resumed
    assert not s_client(stranger.port, version, workdir, sess_in=name).resumed
