"""Differential test: OpenSSL's own server is the oracle (issue 12).

Seeded scenarios (``differential.generate``) run on OpenSSL's server and on
ours with the same OpenSSL client (``oracle/ticket_oracle.c``); every
observable of every connection must agree, except for the differences
listed in ``differential.DIFFERENCES``. Set TLSLITE_TICKETS_DIFF_SEED /
TLSLITE_TICKETS_DIFF_COUNT for other or longer runs.
"""

import json
import logging
import os
import socket
import ssl
import subprocess

import pytest

import differential as d
import tlslite_tickets as tt
from conftest import require_tool
from support import HOST, TIMEOUT

SEED = int(os.environ.get("TLSLITE_TICKETS_DIFF_SEED", "20261202"))
COUNT = int(os.environ.get("TLSLITE_TICKETS_DIFF_COUNT", "520"))


@pytest.fixture(scope="module")
def oracle():
    """The oracle binary (``make test`` builds it; built here if not)."""
    if not os.path.exists(d.BINARY):
        require_tool("cc")
    try:
        return d.build_oracle()
    except subprocess.CalledProcessError:
        message = "cannot build the OpenSSL oracle: scripts/ensure_tools.sh " \
            "installs gcc and libssl-dev"
        if os.environ.get("TLSLITE_TICKETS_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def ours(credentials, oracle):
    server = d.OurServer(credentials)
    client = d.OracleClient(oracle)
    yield server, client
    client.close()
    server.close()
    assert server.unexpected == []


@pytest.fixture(autouse=True)
def quiet_aborts():
    # every aborting scenario logs a warning; thousands of them say nothing
    logger = logging.getLogger("tlslite_tickets")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def both(oracle, cert_files, ours, words):
    """(OpenSSL's rows, our rows) for one scenario."""
    theirs = d.run_oracle(oracle, cert_files[0], cert_files[1], [words])[0]
    return theirs, d.run_ours(ours[0], ours[1], words)


def test_generator_is_seeded_and_covers_the_dimensions():
    scenarios = d.generate(SEED, COUNT)
    assert len(scenarios) >= 500
    assert d.generate(SEED, COUNT) == scenarios
    assert d.generate(SEED + 1, COUNT) != scenarios
    assert scenarios[:14] == d.openssl_cases()
    lines = [d.line(s) for s in scenarios]
    assert len(set(lines[14:])) == len(lines) - 14
    assert not set(lines[:14]) & set(lines[14:])
    for word in ("v=12", "v=13", "hrr=1", "opt=notix", "gen=0@", "flip:",
                 ":2", "n=0", "dec=", "x", "suites=shift"):
        assert any(word in text for text in lines), word
    for key in d.KEYS:
        assert any(s["key"] == key for s in scenarios), key
    assert any("dec" not in s for s in scenarios)


def test_the_issue_scenarios_on_both_servers(oracle, cert_files, ours):
    """The two TLS 1.2 differences issue 12 found, with explicit values."""
    # num_tickets = 0 leaves TLS 1.2 tickets on
    words = d.scenario(v="12", n=0, conns=(("none", 0),))
    theirs, mine = both(oracle, cert_files, ours, words)
    assert theirs[0]["nst"] == mine[0]["nst"] == ["T+"]
    # a ticket issued on a resumed TLS 1.2 handshake has hint 0
    words = d.scenario(v="12", dec="2244", gen="ok")
    theirs, mine = both(oracle, cert_files, ours, words)
    assert [r["resumed"] for r in theirs] == [r["resumed"] for r in mine] \
        == [0, 1]
    assert theirs[1]["nst"] == mine[1]["nst"] == ["T0"]
    # and SSL_OP_NO_TICKET turns them off, without a dec_cb call
    words = d.scenario(v="12", opt="notix", dec="2244", gen="ok")
    theirs, mine = both(oracle, cert_files, ours, words)
    for rows in (theirs, mine):
        assert [(r["nst"], r["dec"], r["resumed"]) for r in rows] == \
            [([], [], 0), ([], [], 0)]


def test_tickets_topped_up_after_ignore(oracle, cert_files, ours):
    """OpenSSL: a full TLS 1.3 handshake that sent no ticket (dec_cb said
    IGNORE) and then SSL_new_session_ticket: num_tickets go out in all."""
    words = d.scenario(v="13", n=3, dec="2211", gen="ok",
                       conns=(("none", 0), ("prev", 1)))
    theirs, mine = both(oracle, cert_files, ours, words)
    assert theirs[1]["resumed"] == mine[1]["resumed"] == 0
    assert theirs[1]["nst"] == mine[1]["nst"] == ["T+"] * 3
    assert theirs[1]["gen"] == mine[1]["gen"] == 3
    # after a resumption: the renewed ticket and the two asked for, no more
    words = d.scenario(v="13", n=4, dec="2244", gen="ok",
                       conns=(("none", 0), ("prev", 2)))
    theirs, mine = both(oracle, cert_files, ours, words)
    assert theirs[1]["resumed"] == mine[1]["resumed"] == 1
    assert theirs[1]["nst"] == mine[1]["nst"] == ["T+"] * 3


def test_comparison_reports_a_difference(oracle, cert_files, ours,
                                         monkeypatch):
    """The comparison is not blind: tlslite-ng's ticket_count = 0 (TLS 1.2
    off) on our side differs from OpenSSL's num_tickets = 0."""
    words = d.scenario(v="12", n=0, conns=(("none", 0),))
    theirs = d.run_oracle(oracle, cert_files[0], cert_files[1], [words])[0]
    original = d.our_settings

    def tlslite_meaning(words, record):
        settings = original(words, record)
        settings.ticket_count = 0
        settings._num_tickets_set = None
        return settings
    monkeypatch.setattr(d, "our_settings", tlslite_meaning)
    mine = d.run_ours(ours[0], ours[1], words)
    problems = d.compare(words, theirs, mine)
    assert "conn 1 nst: OpenSSL ['T+'], ours []" in problems


def test_differential_against_openssl(oracle, cert_files, ours):
    scenarios = d.generate(SEED, COUNT)
    results = d.run_oracle(oracle, cert_files[0], cert_files[1], scenarios)
    failures, used = [], set()
    for words, theirs in zip(scenarios, results):
        mine = d.run_ours(ours[0], ours[1], words)
        problems = d.compare(words, theirs, mine)
        if problems:
            failures.append("%s\n    %s" % (d.line(words),
                                            "\n    ".join(problems)))
        for name, applies, adjust, _ in d.DIFFERENCES:
            if applies(words) and adjust(words, theirs, mine) != (theirs,
                                                                  mine):
                used.add(name)
    assert not failures, "seed %d: %d of %d scenarios differ:\n%s" % (
        SEED, len(failures), len(scenarios), "\n".join(failures[:20]))
    # every documented difference is still needed (the list is not stale)
    assert used == set(entry[0] for entry in d.DIFFERENCES), \
        "a documented difference no longer changes anything: remove it"


def test_oracle_serve_mode_with_a_key_file(oracle, cert_files, tmp_path):
    """``serve --keyfile``: OpenSSL's server with an 80-byte nginx-format
    key file; it prints the appdata dec_cb saw."""
    keyfile = tmp_path / "ticket.key"
    name = b"serve-key-name16"
    keyfile.write_bytes(name + os.urandom(64))
    proc = subprocess.Popen(
        [oracle, "serve", cert_files[0], cert_files[1], "--keyfile",
         str(keyfile), "v=12 dec=2244 gen=ok conns=none:0,prev:0"],
        stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().split()[1])
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        tickets = []
        ctx._msg_callback = lambda conn, direction, v, ct, mt, data: \
            tickets.append(bytes(data)) if direction == "read" and \
            mt == ssl._TLSMessageType.NEWSESSION_TICKET else None
        session = None
        for _ in range(2):
            raw = socket.create_connection((HOST, port), timeout=TIMEOUT)
            with ctx.wrap_socket(raw, server_hostname="localhost",
                                 session=session) as sock:
                assert sock.recv(16) == b"done"
                session = sock.session
        rows = [json.loads(proc.stdout.readline()) for _ in range(2)]
    finally:
        proc.wait(TIMEOUT)
    # the first ticket is under the file's key name (header 4, hint 4,
    # length 2, then the ticket)
    assert tickets[0][10:26] == name
    assert rows[0]["dec"] == ["3/0"]
    assert rows[1]["dec"] == ["5/16"]
    assert rows[1]["dec_app"] == [b"c1.1".hex()]


@pytest.mark.parametrize("bad", ["7 bytes", "x" * 81, "x" * 400])
def test_oracle_refuses_a_bad_key_file(oracle, cert_files, tmp_path, bad):
    keyfile = tmp_path / "bad.key"
    keyfile.write_text(bad)
    proc = subprocess.run([oracle, "serve", cert_files[0], cert_files[1],
                           "--keyfile", str(keyfile), "v=12"],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 2
    assert "80 bytes" in proc.stderr


@pytest.mark.parametrize("bad", ["abc", "0z", "00" * 33])
def test_oracle_refuses_a_bad_sid_ctx(oracle, cert_files, bad):
    proc = subprocess.run([oracle, "serve", cert_files[0], cert_files[1],
                           "--sid-ctx", bad, "v=12"],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 2
    assert "--sid-ctx" in proc.stderr


def test_our_settings_follow_the_scenario():
    words = d.scenario(v="12", n=0, opt="notix", dec="2x44", key="renew",
                       hrr=1)
    settings = d.our_settings(words, lambda: None)
    assert settings.maxVersion == (3, 3)
    assert tt.SSL_CTX_get_num_tickets(settings) == 0
    assert tt.SSL_CTX_get_options(settings) == tt.SSL_OP_NO_TICKET
    assert settings.eccCurves == ["secp256r1"]
    assert settings.ticket_key_cb(None, d.KEY_NAME, 0) == (2, d.KEY_SECRET)
    assert settings.ticket_key_cb(None, b"x" * 16, 0) == 0


def test_no_ticket_in_tls13_is_stateful_on_openssl_only(oracle, cert_files,
                                                        ours):
    """README: under SSL_OP_NO_TICKET OpenSSL's TLS 1.3 tickets are
    stateful (no dec_cb when one comes back), ours stay stateless."""
    words = d.no_ticket_tls13_cases()[0]
    theirs, mine = both(oracle, cert_files, ours, words)
    assert theirs[0]["nst"] == mine[0]["nst"] == ["T+", "T+"]
    assert theirs[1]["dec"] == [] and theirs[1]["resumed"] == 0
    assert mine[1]["dec"] == ["6/16"] and mine[1]["resumed"] == 1
