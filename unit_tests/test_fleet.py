"""A fleet: `server --workers 4 --redis URL --single-use`, a real Redis.

The server runs in HTTP mode (it answers one request and closes); clients
send ``GET /``.

Each connection's summary line says which worker served it, so the tests
can see a ticket issued by one process resume in another, a replayed
TLS 1.3 ticket resume once across processes, TLS 1.2 session IDs resume
across processes, and Redis going away and coming back.
"""

import os
import queue
import re
import signal
import ssl
import subprocess
import sys
import threading
import time

import pytest

from redis_fixture import redis_server  # noqa: F401  (a fixture)
from redis_fixture import RedisProcess, make_tls_files, require_redis_py
from support import TIMEOUT, PythonSSLClient

LINE = re.compile(r"^worker (\d+): [\d.:]+: (TLS 1\.[23]) \S+, resumed: "
                  r"(yes|no), tickets sent: (\d+)")


class Fleet:
    """The server processes, seen through their summary lines."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = queue.Queue()
        # "I am an HTTP test server, I will listen on 127.0.0.1:PORT"
        ready = proc.stdout.readline().decode().strip()
        self.port = int(re.search(r":(\d+)$", ready).group(1))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            self.lines.put(raw.decode().rstrip())

    def expect_connection(self):
        pass

    def served_by(self):
        """(worker, resumed) of the next connection summary line."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            match = LINE.match(self.lines.get(timeout=TIMEOUT))
            if match:
                return int(match.group(1)), match.group(3) == "yes"
        raise AssertionError("no summary line from the fleet")

    def connect(self, client, session=None):
        result = client.connect(self, session=session)
        worker, resumed = self.served_by()
        assert resumed == result.resumed
        return result, worker


def start_fleet(url, cert_files, tmp_path, key_flag="--ticket-seed-file"):
    """``server --workers 4 --single-use``, Redis at ``url`` given through
    the environment and the seed (or a key file) through a file, as the
    fleet example of docs/operations.rst does: no secret on the command
    line."""
    cert, key = cert_files
    (tmp_path / "index.html").write_text("fleet")
    secret = tmp_path / "ticket-secret"
    secret.write_bytes(os.urandom(32 if key_flag == "--ticket-seed-file"
                                  else 80))
    secret.chmod(0o600)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tlslite_tickets", "server", "127.0.0.1:0",
         "-c", cert, "-k", key, "-d", str(tmp_path), "--workers", "4",
         "--single-use", key_flag, str(secret)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env=dict(os.environ, TLSLITE_TICKETS_REDIS_URL=url))
    try:
        return Fleet(proc)
    except BaseException:
        proc.kill()
        proc.wait()
        raise


@pytest.fixture
def fleet(redis_server, cert_files, tmp_path):  # noqa: F811
    fleet = start_fleet(redis_server.url, cert_files, tmp_path)
    yield fleet
    fleet.proc.terminate()
    assert fleet.proc.wait(TIMEOUT) == 0


def http_client(version):
    client = PythonSSLClient(version)
    client.request = b"GET / HTTP/1.0\r\n\r\n"
    return client


def _resume_across_workers(fleet, client, attempts=24):
    """Resume again and again; return how many resumed on a worker other
    than the one that issued the ticket (or session ID) offered."""
    first, issuer = fleet.connect(client)
    session, crossed = first.session, 0
    for _ in range(attempts):
        result, worker = fleet.connect(client, session=session)
        assert result.resumed
        crossed += worker != issuer
        if result.tickets:  # a new ticket: this worker issued it
            issuer, session = worker, result.session
        if crossed >= 3:
            break
    return crossed


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_tickets_resume_on_other_workers(fleet, version):
    assert _resume_across_workers(fleet, http_client(version)) >= 3


def test_tls12_session_ids_resume_on_other_workers(fleet):
    client = http_client("1.2")
    client.context.options |= ssl.OP_NO_TICKET  # session IDs only
    assert _resume_across_workers(fleet, client) >= 3


def test_replayed_tls13_ticket_resumes_once_across_workers(fleet):
    client = http_client("1.3")
    first, _ = fleet.connect(client)
    outcomes = [fleet.connect(client, session=first.session)
                for _ in range(12)]
    assert sum(result.resumed for result, _ in outcomes) == 1
    assert len({worker for _, worker in outcomes}) >= 2


def test_redis_outage_costs_resumptions_only(fleet, redis_server):  # noqa
    tls13, tls12 = http_client("1.3"), http_client("1.2")
    tls12.context.options |= ssl.OP_NO_TICKET
    before13, _ = fleet.connect(tls13)
    before12, _ = fleet.connect(tls12)

    redis_server.kill()
    during13, _ = fleet.connect(tls13, session=before13.session)
    during12, _ = fleet.connect(tls12, session=before12.session)
    # no resumption (fail closed), but full handshakes and fresh tickets
    assert not during13.resumed and during13.tickets == 2
    assert not during12.resumed and b"fleet" in during12.reply

    redis_server.start()
    time.sleep(1.2)  # each worker retries Redis at most once a second
    for _ in range(6):  # whichever workers answer, all are back
        fresh, _ = fleet.connect(tls13)
        again, _ = fleet.connect(tls13, session=fresh.session)
        assert again.resumed


def test_fleet_over_tls_to_redis_with_a_password(cert_files, tmp_path):
    require_redis_py()
    secured = RedisProcess(tmp_path, password="fleet-pw",
                           tls=make_tls_files(tmp_path)).start()
    fleet = start_fleet(secured.url, cert_files, tmp_path)
    try:
        test_replayed_tls13_ticket_resumes_once_across_workers(fleet)
        test_tls12_session_ids_resume_on_other_workers(fleet)
        keys = subprocess.run(
            ["redis-cli", "--tls", "--cacert", secured.tls["ca"], "-h",
             "127.0.0.1", "-p", str(secured.port), "-a", "fleet-pw",
             "--no-auth-warning", "--scan"], capture_output=True,
            timeout=TIMEOUT, text=True).stdout.split()
        assert any(":single-use:" in key for key in keys), keys
        assert any(":session:" in key for key in keys), keys
    finally:
        fleet.proc.terminate()
        code = fleet.proc.wait(TIMEOUT)
        secured.stop()
    assert code == 0


def test_fleet_with_a_key_file(redis_server, cert_files, tmp_path):  # noqa
    # the Redis session cache key then comes from the key file
    fleet = start_fleet(redis_server.url, cert_files, tmp_path,
                        "--ticket-key-file")
    try:
        test_tickets_resume_on_other_workers(fleet, "1.2")
        test_tls12_session_ids_resume_on_other_workers(fleet)
        test_replayed_tls13_ticket_resumes_once_across_workers(fleet)
    finally:
        fleet.proc.terminate()
        code = fleet.proc.wait(TIMEOUT)
    assert code == 0


def _next_line(fleet, pattern):
    """The first line (from now) that matches ``pattern``."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        match = re.search(pattern, fleet.lines.get(timeout=TIMEOUT))
        if match:
            return match
    raise AssertionError("the fleet printed no line matching " + pattern)


def test_a_worker_that_dies_is_replaced(fleet):
    pids = _next_line(fleet, r"^4 workers started: pids ([\d ]+)$")
    victim = int(pids.group(1).split()[0])
    os.kill(victim, signal.SIGKILL)
    _next_line(fleet, r"^worker \d \(pid {0}\) ended with status \d+; "
               r"starting another( in [\d.]+ s)?$".format(victim))
    # four worker processes again (the line comes just before the fork),
    # the dead one not among them
    path = "/proc/{0}/task/{0}/children".format(fleet.proc.pid)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with open(path) as f:
            children = [int(pid) for pid in f.read().split()]
        if len(children) == 4:
            break
        time.sleep(0.05)
    assert len(children) == 4 and victim not in children
    client = http_client("1.3")
    for _ in range(4):
        assert not fleet.connect(client)[0].resumed
