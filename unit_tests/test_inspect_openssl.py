"""``inspect`` on OpenSSL-format tickets: from a real nginx (saved by
``openssl s_client -sess_out``) and from our server, with 80- and 48-byte
key files; every SSL_SESSION field by name, in text and JSON."""

import json
import os
import subprocess

import pytest

import tlslite_tickets as tt
from conftest import require_tool
from support import HOST, TIMEOUT, CallbackLog, nst_ticket, ticket_settings
from support import PythonSSLClient
from test_cli_tools import cli, fails_cleanly
from tlslite_tickets import _der, _openssl_session, _openssl_ticket
from tlslite_tickets.cli.nginx_process import NginxProcess, find_nginx
from tlslite_tickets.cli.selfsigned import make_self_signed

APPDATA = b"user=bob\x00\xff"


def s_client_session(port, version, path):
    """Connect with openssl s_client and save its session as PEM."""
    subprocess.run(["openssl", "s_client", "-connect", "{0}:{1}".format(
        HOST, port), "-tls" + version.replace(".", "_"), "-servername",
        "localhost", "-sess_out", path, "-ign_eof"],
        input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True,
        timeout=TIMEOUT)
    with open(path) as handle:
        [(_, der)] = _der.pem_blocks(handle.read())
    return _openssl_session.decode(der)


@pytest.mark.parametrize("size", [80, 48])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_inspect_an_nginx_ticket(tmp_path, cert_files, version, size):
    if find_nginx() is None:
        require_tool("nginx")
    key_file = str(tmp_path / "ticket.key")
    with open(key_file, "wb") as handle:
        handle.write(os.urandom(size))
    pem = str(tmp_path / "sess.pem")
    with NginxProcess(str(tmp_path / "nginx"), [cert_files],
                      [key_file]) as web:
        saved = s_client_session(web.port, version, pem)
    run = cli("inspect", pem, "--key-file", key_file, "--nginx-cert",
              cert_files[0])
    assert run.code == 0, run.err
    assert run.field("format").startswith("OpenSSL SSL_SESSION")
    assert run.field("protocol") == "TLS " + version
    assert run.field("cipher suite").startswith("TLS_")
    assert run.field("session id context") == tt.nginx_sid_ctx(
        cert_files[0]).hex()
    assert run.field("nginx configuration") == "matches (resumes there)"
    assert run.field("timeout").startswith("300 s, expires ")
    assert "(valid)" in run.field("timeout")
    assert run.field("key exchange group").startswith("x25519")
    assert run.field("extended master secret") == (
        "yes" if version == "1.2" else "no")
    assert run.field("appdata") == "(none)"
    assert "(hidden; --show-secret shows it)" in run.out
    assert saved.master_key.hex() not in run.out
    # another nginx configuration: the context differs
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other_cert, _ = make_self_signed(str(other_dir))
    data = json.loads(cli("inspect", pem, "--key-file", key_file,
                          "--nginx-cert", other_cert, "--json",
                          "--show-secret").out)
    (ticket,) = data["tickets"]
    fields = ticket["contents"]
    assert fields["format"] == "openssl"
    assert fields["nginx_session_id_context_matches"] is False
    assert fields["hostname"] == "localhost"
    assert fields["cipher_suite"] == saved.cipher_suite
    if version == "1.2":
        # the ticket holds the master secret the client saved
        assert fields["secret_hex"] == saved.master_key.hex()
        assert fields["session_id_hex"] == ""
    else:
        assert fields["ticket_age_add"] == saved.age_add
        assert len(fields["session_id_hex"]) == 64


def test_inspect_our_openssl_ticket_with_appdata(tmp_path, make_server):
    key_file = str(tmp_path / "ticket.key")
    with open(key_file, "wb") as handle:
        handle.write(os.urandom(48))
    log = CallbackLog(appdata=APPDATA)
    server = make_server(ticket_settings(
        log, ticket_key_files=[key_file], ticket_format="openssl",
        openssl_sid_ctx=b"\x01\x02"))
    client = PythonSSLClient("1.3")
    client.connect(server)
    message = client._tickets[-1]
    ticket = nst_ticket(message, True)
    run = cli("inspect", ticket.hex(), "--key-file", key_file)
    assert run.code == 0, run.err
    assert run.field("session id context") == "0102"
    assert run.field("appdata") == "10 bytes, hex {0}".format(APPDATA.hex())
    assert run.field("ticket_age_add") == str(
        int.from_bytes(message[8:12], "big"))
    assert run.field("SNI") == "'localhost'"
    data = json.loads(cli("inspect", ticket.hex(), "--key-file", key_file,
                          "--json").out)
    fields = data["tickets"][0]["contents"]
    assert fields["appdata_hex"] == APPDATA.hex()
    assert fields["appdata_text"] is None  # not printable
    assert "secret_hex" not in fields
    assert fields["nginx_session_id_context_matches"] is None


def test_inspect_tampered_and_bad_flags(tmp_path, make_server):
    key_file = str(tmp_path / "ticket.key")
    with open(key_file, "wb") as handle:
        handle.write(os.urandom(80))
    server = make_server(ticket_settings(
        ticket_key_files=[key_file], ticket_format="openssl"))
    client = PythonSSLClient("1.2")
    client.connect(server)
    ticket = bytearray(nst_ticket(client._tickets[-1], False))
    ticket[40] ^= 1
    run = cli("inspect", bytes(ticket).hex(), "--key-file", key_file)
    assert run.code == 1
    assert run.field("authenticates").startswith("no")
    fails_cleanly(cli("inspect", bytes(ticket).hex(), "--key-file",
                      key_file, "--nginx-client-ca", key_file))
    fails_cleanly(cli("inspect", bytes(ticket).hex(), "--key-file",
                      key_file, "--nginx-cert", str(tmp_path / "none.pem")))


@pytest.mark.parametrize("fields", [
    {"time": 2 ** 62, "timeout": 2 ** 62},
    {"time": -2 ** 62, "timeout": -1},
    {"time": None, "timeout": None},
    {"time": 1700000000, "timeout": 60, "peer": None, "alpn": b"h2",
     "max_early_data": 16384, "lifetime_hint": 300, "verify_result": 20,
     "psk_identity": b"id", "max_fragment_len_mode": 2, "flags": 3},
])
def test_inspect_shows_any_session_a_key_holder_could_seal(tmp_path, fields):
    raw = os.urandom(80)
    key_file = tmp_path / "ticket.key"
    key_file.write_bytes(raw)
    [key] = tt.load_key_file(str(key_file))
    session = _openssl_session.OpenSSLSession(0x0303, 0xc02f, b"",
                                              b"\x01" * 48, **fields)
    ticket = _openssl_ticket.seal_der(key, session.encode())
    run = cli("inspect", ticket.hex(), "--key-file", key_file, "--now",
              "1700000000")
    assert run.code == 0, run.err
    assert run.field("protocol") == "TLS 1.2"
    if fields.get("alpn"):
        assert run.field("ALPN") == "2 bytes, text 'h2', hex 6832"
        assert run.field("verify result").startswith("20 (unable to get")
        assert run.field("max_early_data") == "16384"
        assert run.field("extended master secret") == "yes"
    data = json.loads(cli("inspect", ticket.hex(), "--key-file", key_file,
                          "--json").out)
    assert data["tickets"][0]["contents"]["time"] == fields["time"]
