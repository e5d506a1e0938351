"""The ``server`` command's OpenSSL-format flags, against a real nginx:
``--ticket-format openssl``, ``--openssl-sid-ctx`` and ``--nginx-cert``."""

import os
import subprocess
import sys

import pytest

import tlslite_tickets as tt
from conftest import require_tool
from test_cli_server import REPO, ServerProcess, free_port, run_cli
from test_cli_tools import cli
from test_nginx_interop import Client
from support import HOST, TIMEOUT, make_certificate
from tlslite_tickets.cli.nginx_process import NginxProcess, find_nginx
from tlslite_tickets.cli.selfsigned import make_self_signed


@pytest.fixture
def workdir(tmp_path):
    if find_nginx() is None:
        require_tool("nginx")
    make_certificate(str(tmp_path))
    with open(str(tmp_path / "ticket.key"), "wb") as handle:
        handle.write(os.urandom(48))
    return str(tmp_path)


def start_nginx(workdir, extra=()):
    """nginx with the workdir's certificate and ticket key."""
    return NginxProcess(os.path.join(workdir, "nginx"), [(
        os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem"))],
        [os.path.join(workdir, "ticket.key")], extra=extra)


def serve(workdir, *flags):
    return ServerProcess(
        [sys.executable, "-m", "tlslite_tickets", "server", "-k", "key.pem",
         "-c", "cert.pem", "--ticket-key-file", "ticket.key",
         "--ticket-format", "openssl"] + list(flags) +
        ["{0}:{1}".format(HOST, free_port())], workdir)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_nginx_cert_flag_shares_tickets_with_nginx(workdir, version):
    web = start_nginx(workdir)
    ours = serve(workdir, "--nginx-cert", "cert.pem", "--appdata", "hop")
    sid_ctx = tt.nginx_sid_ctx(os.path.join(workdir, "cert.pem")).hex()
    same = serve(workdir, "--openssl-sid-ctx", sid_ctx)
    try:
        client = Client(version)
        first = client.connect(ours)
        assert not first.resumed
        on_nginx = client.connect(web, first.session)
        assert on_nginx.resumed and on_nginx.reply.startswith(b"HTTP/1.1 200")
        back = client.connect(ours, on_nginx.session)
        assert back.resumed
        from_nginx = client.connect(web)
        assert client.connect(same, from_nginx.session).resumed
    finally:
        web.stop()
        codes = [ours.stop(), same.stop()]
    assert codes == [0, 0], ours.err + same.err


@pytest.mark.parametrize("flags,message", [
    (["--openssl-sid-ctx", "00"], "need --ticket-format openssl"),
    (["--ticket-format", "openssl", "--openssl-sid-ctx", "zz",
      "--ticket-key-file", "ticket.key"], "--openssl-sid-ctx must be hex"),
    (["--ticket-format", "openssl", "--nginx-cert", "missing.pem",
      "--ticket-key-file", "ticket.key"], "missing.pem"),
    (["--ticket-format", "openssl", "--nginx-cert", "cert.pem",
      "--openssl-sid-ctx", "00", "--ticket-key-file", "ticket.key"],
     "not both"),
    (["--ticket-format", "openssl", "--openssl-sid-ctx", "00" * 33,
      "--ticket-key-file", "ticket.key"], "at most 32 bytes"),
    (["--ticket-format", "openssl"], "ticket_key_files"),
])
def test_bad_flags_fail_cleanly(workdir, flags, message):
    result = subprocess.run(
        [sys.executable, "-m", "tlslite_tickets", "server", "-k", "key.pem",
         "-c", "cert.pem"] + flags + ["{0}:{1}".format(HOST, free_port())],
        capture_output=True, text=True, cwd=workdir, timeout=TIMEOUT,
        env=dict(os.environ, PYTHONPATH=REPO))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_names_the_flags():
    out = run_cli("server", "--help").stdout
    for flag in ("--ticket-format", "--openssl-sid-ctx", "--nginx-cert",
                 "--nginx-client-ca"):
        assert flag in out


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_a_client_certificate_is_recorded_but_not_as_verified(workdir,
                                                              version):
    client_dir = os.path.join(workdir, "client")
    os.mkdir(client_dir)
    client_cert, client_key = make_self_signed(client_dir, "alice")
    web = start_nginx(workdir)
    ours = serve(workdir, "--nginx-cert", "cert.pem", "--reqcert")
    try:
        client = Client(version)
        client.context.load_cert_chain(client_cert, client_key)
        first = client.connect(ours)
        assert first.tickets
        run = cli("inspect", first.tickets[-1].hex(), "--key-file",
                  os.path.join(workdir, "ticket.key"))
        assert run.code == 0, run.err
        assert run.field("peer certificate") == "CN=alice"
        assert run.field("verify result").startswith(
            "50 (application verification failure")
        assert client.connect(ours, first.session).resumed
        # nginx does not verify clients here: the session resumes there
        assert client.connect(web, first.session).resumed
    finally:
        web.stop()
        assert ours.stop() == 0, ours.err


def test_nginx_verifying_clients_does_not_trust_our_unverified_cert(
        workdir):
    client_dir = os.path.join(workdir, "client")
    os.mkdir(client_dir)
    client_cert, client_key = make_self_signed(client_dir, "alice")
    web = start_nginx(workdir, extra=[
        "ssl_client_certificate " + client_cert, "ssl_verify_client on"])
    ours = serve(workdir, "--nginx-cert", "cert.pem", "--nginx-client-ca",
                 client_cert, "--reqcert")
    try:
        client = Client("1.2")
        client.context.load_cert_chain(client_cert, client_key)
        # nginx itself accepts this certificate
        assert client.connect(web).reply.startswith(b"HTTP/1.1 200")
        first = client.connect(ours)
        hop = client.connect(web, first.session)
        # the session resumes, but nginx refuses the unverified client
        assert hop.resumed
        assert hop.reply.startswith(b"HTTP/1.1 400")
    finally:
        web.stop()
        assert ours.stop() == 0, ours.err
