"""The server's limits: handshake and idle timeouts, --max-connections,
and an accept loop that backs off when descriptors run out.

Each test runs ``python -m tlslite_tickets server --echo`` in a subprocess
on a loopback port. "Stalled" clients send a 5-byte record header and then
nothing. CPU bounds are loose (the machine is shared): a busy loop uses a
whole core, the server must use less than 30% of one.
"""

import os
import re
import resource
import signal
import socket
import ssl
import time
import types

import pytest

from support import HOST, TIMEOUT
from test_cli_server import (ServerProcess, client_context, free_port,
                             our_command, workdir)  # noqa: F401 (fixture)

#: the header of a 512-byte handshake record whose body never comes
STALL = b"\x16\x03\x01\x02\x00"


def start(workdir, *flags, preexec_fn=None):
    address = "{0}:{1}".format(HOST, free_port())
    return ServerProcess(our_command("--echo", *flags) + [address], workdir,
                         preexec_fn=preexec_fn)


def stop(server):
    assert server.stop() == 0, server.err
    assert not any("Traceback" in line for line in server.err), server.err


def echo(port, payload=b"ping"):
    raw = socket.create_connection((HOST, port), timeout=TIMEOUT)
    with client_context("1.3").wrap_socket(
            raw, server_hostname="localhost") as sock:
        sock.sendall(payload)
        return sock.recv(100)


def stalled_client(port):
    sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
    sock.sendall(STALL)
    return sock


def process_cpu(pid):
    """User + system CPU seconds of a process, from /proc."""
    with open("/proc/{0}/stat".format(pid)) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def threads(pid):
    with open("/proc/{0}/status".format(pid)) as handle:
        return int(re.search(r"Threads:\s+(\d+)", handle.read()).group(1))


def test_stalled_handshake_is_cut_on_time(workdir):
    server = start(workdir, "--handshake-timeout", "1")
    try:
        sock = stalled_client(server.port)
        begin = time.monotonic()
        with sock:
            assert sock.recv(100) == b""  # closed by the server
        waited = time.monotonic() - begin
        assert 0.8 < waited < 10
        server.wait_for(r"handshake failed: TLS handshake not completed "
                        r"within 1 s")
        assert echo(server.port) == b"ping"  # and it goes on serving
    finally:
        stop(server)


def test_idle_connection_is_closed_after_the_handshake(workdir):
    server = start(workdir, "--handshake-timeout", "10", "--idle-timeout",
                   "1")
    try:
        raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
        with client_context("1.3").wrap_socket(
                raw, server_hostname="localhost") as sock:
            sock.sendall(b"ping")
            assert sock.recv(100) == b"ping"
            begin = time.monotonic()
            try:
                assert sock.recv(100) == b""
            except (ssl.SSLError, ConnectionError):
                pass  # closed without close_notify: also closed
            waited = time.monotonic() - begin
        assert 0.8 < waited < 10
        server.wait_for(r"request failed: idle for longer than "
                        r"--idle-timeout")
    finally:
        stop(server)


def test_defaults_follow_the_documented_rules():
    from tlslite_tickets.cli.limits import check_limits
    from tlslite_tickets.cli.server import build_parser
    args = build_parser().parse_args(["127.0.0.1:0"])
    check_limits(args)
    assert args.handshake_timeout == 30 and args.idle_timeout == 30
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft != resource.RLIM_INFINITY:
        assert args.max_connections == max(1, min(1024, (soft - 16) // 2))
    args = build_parser().parse_args(["127.0.0.1:0", "--handshake-timeout",
                                      "5"])
    check_limits(args)
    assert args.idle_timeout == 5


def test_help_states_the_defaults():
    from tlslite_tickets.cli.server import build_parser
    text = build_parser().format_help()
    for words in ("--handshake-timeout", "default 30", "--idle-timeout",
                  "default: the --handshake-timeout value",
                  "--max-connections", "open-files limit"):
        assert words in " ".join(text.split())


@pytest.mark.parametrize("flags", [[], ["--max-connections", "500"]],
                         ids=["default limit", "limit above the fds"])
def test_descriptor_exhaustion_does_not_spin(workdir, flags):
    # 64 descriptors: by default --max-connections is (64 - 16) // 2 = 24
    # and the other 56 clients wait in the backlog; with 500 accept() runs
    # into EMFILE, and must back off instead of retrying at once
    def limit_fds():
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    server = start(workdir, *flags, preexec_fn=limit_fds)
    stalled = []
    try:
        for _ in range(80):
            stalled.append(stalled_client(server.port))
        time.sleep(1)  # let the server take what it can
        before = process_cpu(server.proc.pid)
        time.sleep(5)
        used = process_cpu(server.proc.pid) - before
        assert used < 0.3 * 5, "server used {0:.2f} s of CPU in 5 s".format(
            used)
        warnings = [line for line in server.out if "accept() failed" in line]
        if flags:
            assert len(warnings) == 1, server.out[-5:]
            assert "Too many open files" in warnings[0]
        else:
            assert warnings == []
            # 24 connection threads, the main one and the deadline watchdog;
            # the other 56 clients wait in the listen backlog
            assert threads(server.proc.pid) <= 24 + 2
        for sock in stalled:
            sock.close()
        stalled = []
        assert echo(server.port) == b"ping"  # served once they are gone
        if flags:
            line = server.wait_for(r"accept\(\) works again after \d+ fail")
            # back-off: 5 ms doubling to 1 s makes about 15 tries in 7 s;
            # a loop retrying at once makes thousands
            failures = int(re.search(r"after (\d+) fail", line).group(1))
            assert failures < 100, line
    finally:
        for sock in stalled:
            sock.close()
        stop(server)


def test_workers_apply_the_limits(workdir):
    server = start(workdir, "--workers", "2", "--handshake-timeout", "1")
    try:
        server.wait_for(r"2 workers started")
        socks = [stalled_client(server.port) for _ in range(2)]
        begin = time.monotonic()
        for sock in socks:
            with sock:
                assert sock.recv(100) == b""
        assert time.monotonic() - begin < 10
        server.wait_for(r"worker \d: .*not completed within 1 s")
        assert echo(server.port) == b"ping"
    finally:
        stop(server)


@pytest.mark.parametrize("flags, message", [
    (["--handshake-timeout", "-1"], "--handshake-timeout must be 0 or more"),
    (["--idle-timeout", "nan"], "--idle-timeout must be 0 or more"),
    (["--max-connections", "0"], "--max-connections must be at least 1"),
])
def test_bad_limits_fail_cleanly(flags, message):
    from test_cli_server import run_cli
    result = run_cli("server", "127.0.0.1:0", "--echo", *flags)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_sigterm_while_a_request_thread_starts_is_not_lost():
    # the race behind a server that once ignored SIGTERM: the request's
    # thread already ran and freed its slot when the signal's Stop came
    # out of process_request in the main thread
    from tlslite_tickets.cli import limits, stopping

    class Started:
        def process_request(self, request, client_address):
            self._slots.release()  # the thread ran and freed its slot
            raise stopping.Stop(signal.SIGTERM)

    class Server(limits.ConnectionLimitsMixIn, Started):
        options = types.SimpleNamespace(max_connections=2)

    server = Server()
    server._connection_slots().acquire()  # as get_request does
    with pytest.raises(stopping.Stop):
        server.process_request(None, None)
    # and socketserver's "except Exception" around each request (which
    # calls handle_error and serves on) lets it through
    assert not issubclass(stopping.Stop, Exception)
