"""How ``server`` (and its ``--workers`` supervisor) ends: workers that keep
dying, a parent killed with SIGKILL, and SIGTERM while stdout is a pipe
that nobody reads.

Servers are subprocesses on 127.0.0.1 serving files from a directory with
a certificate made by ``support.make_certificate``; every one is killed
at the end of its test, whatever happened.
"""

import fcntl
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import termios
import threading
import time

import pytest

from support import HOST, TIMEOUT
from test_cli_server import (REPO, ServerProcess, client_context, free_port,
                             https_get, our_command, workdir)  # noqa: F401

PIDS = re.compile(r"^(\d+) workers started: pids ([\d ]+)$")
#: Generous, for a loaded machine; the server's own timeouts are ~1 s.
STOP_WITHIN = 10


def start(workdir, *flags):  # noqa: F811
    address = "{0}:{1}".format(HOST, free_port())
    return ServerProcess(our_command(*flags) + [address], workdir)


def worker_pids(server):
    return [int(pid) for pid in PIDS.match(
        server.wait_for(PIDS.pattern)).group(2).split()]


def gone(pid):
    """True when ``pid`` has exited (a zombie nobody reaps counts)."""
    try:
        with open("/proc/{0}/stat".format(pid)) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] in "ZX"
    except (FileNotFoundError, ProcessLookupError):
        return True


def wait_until(predicate, seconds=STOP_WITHIN):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_workers_that_keep_dying_stop_the_server(workdir):  # noqa: F811
    server = start(workdir, "--workers", "2")
    try:
        pid = worker_pids(server)[0]
        delays, killed = [], []
        for attempt in range(5):
            os.kill(pid, signal.SIGKILL)
            if attempt == 4:
                break
            line = server.wait_for(r"^worker 1 \(pid {0}\) ended".format(pid))
            delays.append(float(re.search(r"in ([\d.]+) s$", line).group(1)))
            killed.append(str(pid))
            pid = int(server.wait_for(r"^worker 1 restarted: pid (?!({0})$)"
                                      .format("|".join(killed))).split()[-1])
        # a back-off that doubles, then the server gives up with status 1
        assert delays == [0.1, 0.2, 0.4, 0.8]
        assert server.proc.wait(STOP_WITHIN) == 1
        server.wait_for("in a row: stopping$")
        assert wait_until(lambda: gone(pid))
    finally:
        server.proc.kill()
        server.proc.wait()


def test_a_worker_that_ran_a_while_is_replaced_at_once(workdir):  # noqa
    server = start(workdir, "--workers", "2")
    try:
        pid = worker_pids(server)[1]
        # not a failed start: the server was up for QUICK_EXIT_SECONDS
        time.sleep(10.5)
        os.kill(pid, signal.SIGKILL)
        line = server.wait_for(r"^worker 2 \(pid {0}\) ended".format(pid))
        assert line.endswith("starting another")
        server.wait_for(r"^worker 2 restarted: pid \d+$")
        assert https_get(server.port, "1.3").reply
    finally:
        assert server.stop() == 0


def test_workers_exit_when_the_parent_is_killed(workdir):  # noqa: F811
    server = start(workdir, "--workers", "2")
    try:
        pids = worker_pids(server)
        assert https_get(server.port, "1.3").reply
        server.proc.kill()  # SIGKILL: no chance to stop the workers itself
        server.proc.wait()
        assert wait_until(lambda: all(gone(pid) for pid in pids)), pids

        def port_is_free():
            try:
                socket.create_connection((HOST, server.port), 1).close()
                return False
            except OSError:
                return True
        assert wait_until(port_is_free)
    finally:
        for pid in pids:
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)


def fill_stdout(port):
    """Send requests whose log lines are long until the server stops
    answering because its stdout pipe is full; True once it is."""
    long_path = "/" + "x" * 16000  # each request logs this path twice
    ctx = client_context("1.3")
    for _ in range(40):
        raw = socket.create_connection((HOST, port), timeout=TIMEOUT)
        raw.settimeout(3)
        try:
            with ctx.wrap_socket(raw, server_hostname="localhost") as sock:
                sock.sendall("GET {0} HTTP/1.0\r\n\r\n".format(
                    long_path).encode())
                if not sock.recv(100):
                    continue
        except (socket.timeout, ssl.SSLError, OSError):
            return True  # blocked writing its log line
        finally:
            raw.close()
    return False


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_stops_it_while_stdout_is_full(workdir, workers):  # noqa
    address = "{0}:{1}".format(HOST, free_port())
    proc = subprocess.Popen(
        our_command("--workers", workers) + [address], cwd=workdir,
        env=dict(os.environ, PYTHONPATH=REPO), stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL)
    try:
        proc.stdout.readline()  # the ready line; nothing is read after it
        port = int(address.rsplit(":", 1)[1])
        assert fill_stdout(port)
        # the pipe really is (nearly) full: 64 KiB on Linux
        unread = struct.unpack("i", fcntl.ioctl(
            proc.stdout.fileno(), termios.FIONREAD, b"\0" * 4))[0]
        assert unread > 48 * 1024, unread
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(STOP_WITHIN) == 0
        assert time.monotonic() - started < STOP_WITHIN
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_sigterm_while_serving_stops_cleanly_on_a_read_pipe(workdir):  # noqa
    server = start(workdir, "--workers", "2")
    threads = [threading.Thread(target=https_get, args=(server.port, "1.3"))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert server.stop() == 0
    assert any(line == "Stopping on SIGTERM" for line in server.out)
