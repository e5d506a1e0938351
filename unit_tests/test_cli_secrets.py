"""The server's secrets off the command line (files, the environment), the
warnings for secrets left on it or in loosely readable files, and the
flag combinations refused before the ready line.

Servers are ``python -m tlslite_tickets server`` subprocesses on 127.0.0.1
(``test_cli_server.ServerProcess``); clients are Python's ``ssl`` and
tlslite-ng's own (for the external PSK).
"""

import os
import socket
import subprocess
import sys

import pytest
from tlslite.api import HandshakeSettings, TLSConnection

from support import HOST, TIMEOUT
from test_cli_server import (REPO, ServerProcess, free_port, https_get,
                             our_command, workdir)  # noqa: F401 (fixture)

SEED = bytes(range(40, 72))
PSK = bytes(range(200, 232))


def secret_file(directory, name, data, mode=0o600):
    path = os.path.join(directory, name)
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)
    return path


def start(workdir, *flags, env=None):  # noqa: F811
    address = "{0}:{1}".format(HOST, free_port())
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        return ServerProcess(our_command(*flags) + [address], workdir)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def warnings_of(server):
    return [line for line in server.err if line.startswith("warning: ")]


def cmdline(server):
    with open("/proc/{0}/cmdline".format(server.proc.pid), "rb") as handle:
        return handle.read()


def test_seed_from_raw_file_hex_file_and_environment_agree(workdir):  # noqa
    raw = secret_file(workdir, "seed.raw", SEED)
    text = secret_file(workdir, "seed.hex", SEED.hex().encode() + b"\n")
    servers = [start(workdir, "--ticket-seed-file", raw),
               start(workdir, "--ticket-seed-file", text),
               start(workdir, env={"TLSLITE_TICKETS_SEED": SEED.hex()})]
    stranger = start(workdir, "--ticket-seed-file", secret_file(
        workdir, "seed.other", os.urandom(32)))
    try:
        first = https_get(servers[0].port, "1.3")
        assert not first.resumed and first.tickets
        for server in servers[1:]:
            assert https_get(server.port, "1.3",
                             session=first.session).resumed
        assert not https_get(stranger.port, "1.3",
                             session=first.session).resumed
        for server in servers + [stranger]:
            assert SEED.hex().encode() not in cmdline(server)
            assert warnings_of(server) == []
    finally:
        for server in servers + [stranger]:
            assert server.stop() == 0


def test_the_flag_wins_over_the_environment(workdir):  # noqa: F811
    path = secret_file(workdir, "seed.flag", SEED)
    server = start(workdir, "--ticket-seed-file", path,
                   env={"TLSLITE_TICKETS_SEED": os.urandom(32).hex()})
    reference = start(workdir, "--ticket-seed-file", path)
    try:
        first = https_get(reference.port, "1.3")
        assert https_get(server.port, "1.3", session=first.session).resumed
    finally:
        for each in (server, reference):
            assert each.stop() == 0


def test_secrets_on_the_command_line_work_with_one_warning(workdir):  # noqa
    server = start(workdir, "--ticket-seed", SEED.hex(), "--psk", PSK.hex(),
                   "--psk-ident", "client", "--redis",
                   "redis://:redis-pw@127.0.0.1:1/0")
    try:
        assert https_get(server.port, "1.3").tickets  # never asks Redis
        warnings = warnings_of(server)
        assert len(warnings) == 1, server.err
        for flag in ("--ticket-seed", "--psk", "--redis (its password)"):
            assert flag in warnings[0]
        assert "local user" in warnings[0]
        for secret in (SEED.hex(), PSK.hex(), "redis-pw"):
            assert secret not in "\n".join(server.err + server.out)
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("flag", ["--ticket-seed-file", "--psk-file",
                                  "--ticket-key-file"])
def test_loose_file_permissions_warn(workdir, flag):  # noqa: F811
    data = os.urandom(80) if flag == "--ticket-key-file" else SEED
    path = secret_file(workdir, "loose" + flag, data, mode=0o644)
    extra = ["--psk-ident", "client"] if flag == "--psk-file" else []
    server = start(workdir, flag, path, *extra)
    try:
        warnings = warnings_of(server)
        assert len(warnings) == 1, server.err
        assert flag in warnings[0] and "0644" in warnings[0]
        assert "chmod 600" in warnings[0]
    finally:
        assert server.stop() == 0
    os.chmod(path, 0o600)
    server = start(workdir, flag, path, *extra)
    try:
        assert warnings_of(server) == []
    finally:
        assert server.stop() == 0


def psk_handshake(port, psk):
    """A TLS 1.3 handshake with an external PSK; True if it completed."""
    settings = HandshakeSettings()
    settings.minVersion = settings.maxVersion = (3, 4)
    settings.pskConfigs = [(b"client", bytearray(psk), "sha256")]
    sock = socket.create_connection((HOST, port), timeout=TIMEOUT)
    conn = TLSConnection(sock)
    try:
        conn.handshakeClientCert(settings=settings, serverName="localhost")
        return True
    except Exception:  # the server refuses a binder made with another key
        return False
    finally:
        sock.close()


@pytest.mark.parametrize("form", ["raw", "hex"])
def test_psk_from_file(workdir, form):  # noqa: F811
    data = PSK if form == "raw" else PSK.hex().encode()
    path = secret_file(workdir, "psk." + form, data)
    server = start(workdir, "--psk-file", path, "--psk-ident", "client")
    try:
        assert psk_handshake(server.port, PSK)
        assert not psk_handshake(server.port, os.urandom(32))
        assert PSK.hex().encode() not in cmdline(server)
    finally:
        assert server.stop() == 0


def run_server(workdir, *flags, env=None):  # noqa: F811
    """Run a server that must not start: its result, within TIMEOUT."""
    return subprocess.run(
        [sys.executable, "-m", "tlslite_tickets", "server"] + list(flags) +
        ["{0}:{1}".format(HOST, free_port())], capture_output=True,
        text=True, cwd=workdir, timeout=TIMEOUT,
        env=dict(os.environ, PYTHONPATH=REPO, **(env or {})))


@pytest.mark.parametrize("flags,env,message", [
    (["--workers", "2", "--single-use"], {}, "--redis"),
    (["--workers", "2", "--redis", "foo://x"], {}, "--redis: bad URL"),
    (["--redis", "foo://x"], {}, "--redis: bad URL"),
    (["--workers", "2"], {"TLSLITE_TICKETS_REDIS_URL": "redis://h:port/0"},
     "--redis: bad URL"),
    (["--workers", "2", "--redis", "redis://127.0.0.1:1/0?bogus=1"], {},
     "--redis: bad URL"),
    (["--workers", "2"], {"TLSLITE_TICKETS_REDIS_URL":
                          "rediss://:pw@127.0.0.1:1/0?ssl_cert_reqs=bogus"},
     "--redis: bad URL"),
    (["--ticket-seed-file", "missing"], {}, "--ticket-seed-file 'missing'"),
    (["--ticket-seed-file", "/dev/zero"], {}, "not a regular file"),
    (["--ticket-seed", "00" * 32, "--ticket-seed-file", "seed"], {},
     "not both"),
    (["--psk-file", "missing", "--psk-ident", "x"], {}, "--psk-file"),
    (["--ticket-seed-file", "odd.hex"], {}, "an odd number of hex digits"),
    ([], {"TLSLITE_TICKETS_SEED": "not hex"}, "TLSLITE_TICKETS_SEED must "
     "be hex"),
    (["--workers", "2", "-c", "cert.pem", "-k", "hello.txt"], {},
     "key 'hello.txt' cannot be used"),
])
def test_refused_before_the_ready_line(workdir, flags, env, message):  # noqa
    secret_file(workdir, "odd.hex", b"ab" * 32 + b"c\n")
    result = run_server(workdir, "-c", "cert.pem", "-k", "key.pem", *flags,
                        env=env)
    assert result.returncode == 2, result.stderr
    assert "listen on" not in result.stdout  # no ready line
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
