"""``python -m tlslite_tickets client`` and ``... inspect`` as subprocesses.

The client talks to a real ``support.TicketServer`` on 127.0.0.1 whose
keys are known (a ``ticket_seed``, a key file or a stock ``ticketKeys``
secret), so the inspector can open the tickets that the client, and
``openssl s_client -sess_out``, saved. Every failure must be one line on
stderr, never a traceback.
"""

import base64
import json
import os
import stat
import subprocess
import sys

import pytest
from tlslite.utils.cryptomath import HKDF_expand_label

import tlslite_tickets as tt
from tlslite_tickets import __main__ as dispatcher
from tlslite_tickets import _ticket
from support import (HOST, TIMEOUT, CallbackLog, OpenSSLClient, free_port,
                     ticket_settings)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = bytes(range(32))
OTHER_SEED = bytes(range(100, 132))
APPDATA = b"user=alice;batch=7"
LIFETIME = 7200
COMMANDS = {"client": "tlslite_tickets.cli.client",
            "inspect": "tlslite_tickets.cli.inspect"}
# Until __main__.COMMANDS lists the two commands, run them through the real
# dispatcher with the entries added in the child process only.
_LAUNCHER = ("import sys; from tlslite_tickets import __main__ as m; "
             "[m.COMMANDS.setdefault(k, (v, '')) for k, v in {0!r}.items()]; "
             "sys.exit(m.main(sys.argv[1:]))".format(COMMANDS))
REGISTERED = all(name in dispatcher.COMMANDS for name in COMMANDS)


class Run:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")
        assert "Traceback" not in self.err, self.err

    def field(self, name):
        """The value of the first ``name: value`` line of stdout."""
        for line in self.out.splitlines():
            if line.startswith(name + ": "):
                return line[len(name) + 2:]
        raise AssertionError("no {0!r} line in:\n{1}".format(name, self.out))


def cli(*args, stdin=b""):
    """Run ``python -m tlslite_tickets ARGS``; never a traceback."""
    head = [sys.executable, "-m", "tlslite_tickets"] if REGISTERED else \
        [sys.executable, "-c", _LAUNCHER]
    env = dict(os.environ, PYTHONPATH=REPO)
    return Run(subprocess.run(head + [str(a) for a in args], input=stdin,
                              capture_output=True, env=env,
                              timeout=TIMEOUT * 2))


def client(server, *args):
    server.expect_connection()
    return cli("client", "{0}:{1}".format(HOST, server.port), *args)


def fails_cleanly(run, code=2):
    """Exactly one line on stderr, nothing on stdout, a non-zero status."""
    assert run.code == code, (run.code, run.out, run.err)
    assert len(run.err.strip().splitlines()) == 1, run.err
    assert run.out == "", run.out


@pytest.fixture
def seed_server(make_server):
    log = CallbackLog(appdata=APPDATA)
    return make_server(ticket_settings(log, ticket_seed=SEED,
                                       ticketLifetime=LIFETIME))


# -- client ---------------------------------------------------------------

@pytest.mark.parametrize("version,tickets", [("1.2", 1), ("1.3", 2)])
def test_client_saves_and_resumes(seed_server, tmp_path, version, tickets):
    path = tmp_path / "s.json"
    first = client(seed_server, "--tls", version, "--sess-out", path)
    assert first.code == 0, first.err
    assert first.field("version") == "TLS " + version
    assert first.field("resumed") == "no"
    assert first.field("tickets received") == str(tickets)
    assert first.out.count("lifetime {0} s".format(LIFETIME)) == tickets
    assert int(first.field("bytes received")) > 0
    assert first.field("session").startswith("saved to ")
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert seed_server.last().resumed is False
    # the default version with --sess-in is the session's
    second = client(seed_server, "--sess-in", path, "--sess-out", path)
    assert second.code == 0, second.err
    assert second.field("version") == "TLS " + version
    assert second.field("resumed") == "yes"
    record = seed_server.last()
    assert record.resumed is True and record.appdata == APPDATA
    third = client(seed_server, "--sess-in", path)
    assert third.field("resumed") == "yes"


def test_client_defaults_to_best_version_and_shows_reply(seed_server):
    run = client(seed_server, "--send", "ping\\n", "--show-reply")
    assert run.code == 0, run.err
    assert run.field("version") == "TLS 1.3"
    assert run.field("connected").endswith(", SNI none")
    assert run.out.rstrip().endswith("echo:ping")


def test_client_keeps_tls13_session_without_new_ticket(make_server,
                                                       tmp_path):
    log = CallbackLog(ret=tt.TicketReturn.USE)  # resume, no new ticket
    server = make_server(ticket_settings(log, ticket_seed=SEED))
    path = tmp_path / "s.json"
    assert client(server, "--sess-out", path).code == 0
    resumed = client(server, "--sess-in", path, "--sess-out", path)
    assert resumed.field("resumed") == "yes"
    assert resumed.field("tickets received") == "0"
    assert resumed.field("session").startswith("saved to ")
    assert client(server, "--sess-in", path).field("resumed") == "yes"


def test_client_tls12_refused_ticket_is_one_line(make_server, tmp_path):
    path = tmp_path / "s.json"
    one = make_server(ticket_settings(ticket_seed=SEED))
    assert client(one, "--tls", "1.2", "--sess-out", path).code == 0
    two = make_server(ticket_settings(ticket_seed=OTHER_SEED))
    run = client(two, "--sess-in", path)
    fails_cleanly(run, code=1)
    assert "without --sess-in" in run.err
    # a full handshake without the session works
    assert client(two, "--tls", "1.2").field("resumed") == "no"


def test_client_tls13_refused_ticket_falls_back(make_server, tmp_path):
    path = tmp_path / "s.json"
    one = make_server(ticket_settings(ticket_seed=SEED))
    assert client(one, "--sess-out", path).code == 0
    two = make_server(ticket_settings(ticket_seed=OTHER_SEED))
    run = client(two, "--sess-in", path)
    assert run.code == 0 and run.field("resumed") == "no"


def test_client_reports_the_servers_alert(make_server, tmp_path):
    # docs/tutorial.rst: a dec_cb that answers ABORT
    path = tmp_path / "s.json"
    log = CallbackLog(ret=tt.TicketReturn.ABORT)
    server = make_server(ticket_settings(log, ticket_seed=SEED))
    assert client(server, "--tls", "1.3", "--sess-out", path).code == 0
    run = client(server, "--sess-in", path)
    fails_cleanly(run, code=1)
    assert "handshake failed: the server sent the alert internal_error" \
        in run.err
    assert client(server, "--tls", "1.3").field("resumed") == "no"


def _tls13_record(**ticket):
    """A well-formed TLS 1.3 session file with one ticket's fields set."""
    fields = {"ticket": "AAAA", "ticket_lifetime": 60, "ticket_age_add": 1,
              "ticket_nonce": "", "time": 1700000000.0}
    fields.update(ticket)
    return {"format": "tlslite-tickets client session", "format_version": 1,
            "protocol": "TLS 1.3", "cipher_suite": 4865,
            "resumption_master_secret": "AAAA", "tickets": [fields]}


HOSTILE_SESSIONS = {
    # Python's json reads these; arithmetic on them used to overflow
    "time-infinity": json.dumps(_tls13_record(time=float("inf"))),
    "time-nan": json.dumps(_tls13_record(time=float("nan"))),
    "time-huge": json.dumps(_tls13_record(time=1e300)),
    "lifetime-huge": json.dumps(_tls13_record(ticket_lifetime=2 ** 64)),
    # json recurses once per level: RecursionError, not a ValueError
    "nested-deep": "[" * 100000 + "]" * 100000,
    "nested-deep-object": '{"a":' * 100000 + "1" + "}" * 100000,
}


@pytest.mark.parametrize("case", ["missing", "not-json", "wrong-format",
                                  "bad-base64", "refused", "bad-address",
                                  "bad-sni", "bad-tls"] +
                         sorted(HOSTILE_SESSIONS))
def test_client_bad_input_is_one_line(tmp_path, case):
    path = tmp_path / "s.json"
    address = "{0}:{1}".format(HOST, free_port())
    args = [address, "--sess-in", path]
    if case in HOSTILE_SESSIONS:
        path.write_text(HOSTILE_SESSIONS[case])
    elif case == "not-json":
        path.write_text("hello")
    elif case == "wrong-format":
        path.write_text(json.dumps({"format": "something else"}))
    elif case == "bad-base64":
        path.write_text(json.dumps({
            "format": "tlslite-tickets client session", "format_version": 1,
            "protocol": "TLS 1.3", "cipher_suite": 4865,
            "resumption_master_secret": "!!", "tickets": []}))
    elif case in ("refused", "bad-address", "bad-sni", "bad-tls"):
        args = {"refused": [address], "bad-address": ["no-port-here"],
                "bad-sni": [address, "--sni", "bad_name!"],
                "bad-tls": [address, "--tls", "1.1"]}[case]
    run = cli("client", *args)
    if case == "bad-tls":  # argparse: usage line plus the error line
        assert run.code == 2 and "invalid choice" in run.err
        return
    fails_cleanly(run, code=1 if case == "refused" else 2)


# -- inspect --------------------------------------------------------------

def _saved(server, tmp_path, version="1.3"):
    path = tmp_path / "s{0}.json".format(version)
    assert client(server, "--tls", version, "--sess-out", path).code == 0
    return path, json.loads(path.read_text())


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_inspect_client_session_file(seed_server, tmp_path, version):
    path, saved = _saved(seed_server, tmp_path, version)
    run = cli("inspect", path, "--seed", SEED.hex())
    assert run.code == 0, run.err
    assert run.field("key").startswith("seed slot ")
    assert "the current slot" in run.field("key")
    assert run.field("authenticates") == "yes"
    assert run.field("protocol") == "TLS " + version
    assert run.field("appdata") == "{0} bytes, text {1!r}".format(
        len(APPDATA), APPDATA.decode())
    assert run.field("appdata hex") == APPDATA.hex()
    assert "valid, " in run.field("lifetime")
    assert "(hidden; --show-secret shows it)" in run.out
    ticket = saved["tickets"][0]
    if version == "1.2":
        secret = base64.b64decode(saved["master_secret"])
    else:  # the ticket holds the PSK the client derives from its nonce
        prf = "sha384" if saved["cipher_suite"] == 0x1302 else "sha256"
        secret = bytes(HKDF_expand_label(
            bytearray(base64.b64decode(saved["resumption_master_secret"])),
            b"resumption", bytearray(base64.b64decode(ticket["ticket_nonce"])),
            48 if prf == "sha384" else 32, prf))
        assert run.field("ticket_age_add") == str(ticket["ticket_age_add"])
    assert secret.hex() not in run.out
    shown = cli("inspect", path, "--seed", SEED.hex(), "--show-secret")
    assert secret.hex() in shown.out


def test_inspect_openssl_pem(seed_server, tmp_path):
    pem = str(tmp_path / "s.pem")
    result = OpenSSLClient("1.3", str(tmp_path)).connect(seed_server,
                                                         save_to=pem)
    assert result.tickets >= 1
    with open(pem) as handle:
        assert handle.read().startswith("-----BEGIN SSL SESSION PARAMETERS")
    run = cli("inspect", pem, "--seed", SEED.hex())
    assert run.code == 0, run.err
    assert "(OpenSSL session)" in run.field("ticket")
    assert "lifetime hint {0} s".format(LIFETIME) in run.field(
        "client's copy")
    assert run.field("authenticates") == "yes"
    assert run.field("SNI") == "'localhost'"
    assert APPDATA.decode() in run.field("appdata")
    data = json.loads(cli("inspect", pem, "--seed", SEED.hex(),
                          "--json").out)
    (ticket,) = data["tickets"]
    assert ticket["client"]["lifetime_hint"] == LIFETIME
    assert ticket["contents"]["protocol"] == "TLS 1.3"
    assert ticket["contents"]["appdata_text"] == APPDATA.decode()
    assert "secret_hex" not in ticket["contents"]
    shown = json.loads(cli("inspect", pem, "--seed", SEED.hex(), "--json",
                           "--show-secret").out)
    assert len(shown["tickets"][0]["contents"]["secret_hex"]) in (64, 96)


def test_inspect_key_file_and_stock_key(make_server, tmp_path):
    key_file = tmp_path / "keys"
    key_file.write_bytes(os.urandom(160))
    log = CallbackLog(appdata=APPDATA)
    server = make_server(ticket_settings(log, ticket_key_files=[
        str(key_file)]))
    path, _ = _saved(server, tmp_path, "1.2")
    run = cli("inspect", path, "--key-file", key_file)
    assert run.code == 0, run.err
    assert "key 1 of 2 (the sealing key)" in run.field("key")
    secret = os.urandom(32)
    stock = make_server(ticket_settings(log, ticketKeys=[bytearray(secret)]))
    path, _ = _saved(stock, tmp_path, "1.3")
    run = cli("inspect", path, "--ticket-key", secret.hex())
    assert run.code == 0, run.err
    assert run.field("key") == "--ticket-key #1 (stock ticketKeys secret)"


def test_inspect_every_encoding(seed_server, tmp_path):
    path, saved = _saved(seed_server, tmp_path)
    raw = base64.b64decode(saved["tickets"][0]["ticket"])
    files = {"raw": raw, "hex.txt": raw.hex().encode() + b"\n",
             "b64.txt": base64.encodebytes(raw)}
    inputs = [raw.hex(), base64.b64encode(raw).decode(),
              base64.urlsafe_b64encode(raw).decode().rstrip("=")]
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        inputs.append(tmp_path / name)
    for value in inputs:
        run = cli("inspect", value, "--seed", SEED.hex())
        assert run.code == 0 and run.field("authenticates") == "yes", value
    run = cli("inspect", "-", "--seed", SEED.hex(), stdin=raw)
    assert run.field("authenticates") == "yes"
    run = cli("inspect", "--format", "base64", base64.b64encode(raw).decode(),
              "--seed", SEED.hex())
    assert run.field("ticket") == "{0} bytes, from the base64 argument" \
        .format(len(raw))
    fails_cleanly(cli("inspect", "--format", "hex",
                      base64.b64encode(raw).decode(), "--seed", SEED.hex()))


def test_inspect_shows_client_certificates(cert_files, tmp_path):
    with open(cert_files[0]) as handle:
        pem = handle.read()
    der = base64.b64decode("".join(pem.strip().splitlines()[1:-1]))
    secret = os.urandom(32)
    contents = _ticket.TicketContents(
        (3, 3), 0xc02b, os.urandom(48), 1700000000000, 3600, 7,
        b"example.test", ems=True, etm=True, client_certs=[der, der],
        appdata=b"\x00\xffbinary")
    ticket = _ticket.seal(tt.TicketKey.from_secret(secret), contents)
    run = cli("inspect", ticket.hex(), "--ticket-key", secret.hex(),
              "--now", "1700000100")
    assert run.code == 0, run.err
    assert run.field("client certificates") == "2"
    assert "  1: CN=localhost ({0} bytes)".format(len(der)) in run.out
    assert run.field("created") == "2023-11-14T22:13:20.000Z (1 min 40 s ago)"
    assert run.field("lifetime").endswith("(valid, 58 min 20 s left)")
    assert run.field("SNI") == "'example.test'"
    assert run.field("encrypt-then-MAC") == "yes"
    assert run.field("appdata") == "8 bytes, not printable text"
    assert run.field("appdata hex") == "00ff62696e617279"
    assert run.field("ticket_age_add") == "7"
    assert run.field("cipher suite") == \
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xc02b)"
    assert contents.secret.hex() not in run.out


def test_inspect_wrong_keys_and_expiry(seed_server, tmp_path):
    path, saved = _saved(seed_server, tmp_path)
    raw = base64.b64decode(saved["tickets"][0]["ticket"])
    run = cli("inspect", raw.hex(), "--seed", OTHER_SEED.hex())
    assert run.code == 1 and run.field("key") == "no key with this name"
    assert run.field("key name") == raw[:16].hex()
    impostor = tmp_path / "impostor"
    impostor.write_bytes(raw[:16] + os.urandom(64))  # same name, other key
    run = cli("inspect", raw.hex(), "--key-file", impostor)
    assert run.code == 1 and run.field("authenticates").startswith("no")
    tampered = raw[:-1] + bytes([raw[-1] ^ 1])
    run = cli("inspect", tampered.hex(), "--seed", SEED.hex())
    assert run.code == 1 and run.field("authenticates").startswith("no")
    data = json.loads(cli("inspect", raw.hex(), "--seed", SEED.hex(),
                          "--json", "--now", "4000000000").out)
    # 2096 is thousands of slots away: the search must be widened
    assert data["tickets"][0]["error"] == "no key with this name"
    run = cli("inspect", raw.hex(), "--seed", SEED.hex(), "--search-slots",
              "0")
    assert run.code == 0  # slot 0 away is the current one
    future = saved["tickets"][0]["time"] + LIFETIME + 60
    run = cli("inspect", raw.hex(), "--seed", SEED.hex(), "--now", future,
              "--search-slots", "10")
    assert run.code == 0 and "EXPIRED 1 min" in run.field("lifetime")


TRUNCATED_DER = b"\x30\x82\x01\x00\x02\x01\x01\x02\x02\x03\x04"
KEYS = ["--seed", SEED.hex()]
#: case -> arguments; "@kind:text" is a file made with that text, "{tmp}"
#: the test's directory, "TICKET" a random 100-byte ticket as hex
BAD_INPUTS = {
    "not hex or base64": ["zz!!not-a-ticket"] + KEYS,
    "truncated ticket": ["0011223344"] + KEYS,
    "odd hex in a file": ["@hex:" + "ab" * 30 + "c"] + KEYS,
    "missing file": ["--format", "raw", "{tmp}/nope"] + KEYS,
    "directory": ["--format", "raw", "{tmp}"] + KEYS,
    "empty file": ["@empty:"] + KEYS,
    "pem without session": ["@pem:-----BEGIN CERTIFICATE-----\nAAAA\n"
                            "-----END CERTIFICATE-----\n"] + KEYS,
    "pem bad base64": ["@pem:-----BEGIN SSL SESSION PARAMETERS-----\n!!!!"
                       "\n-----END SSL SESSION PARAMETERS-----\n"] + KEYS,
    "pem truncated der": ["@pem:-----BEGIN SSL SESSION PARAMETERS-----\n" +
                          base64.b64encode(TRUNCATED_DER).decode() +
                          "\n-----END SSL SESSION PARAMETERS-----\n"] + KEYS,
    "bad session json": ['@json:{"format": 1}'] + KEYS,
    "no key material": ["TICKET"],
    "bad key file": ["TICKET", "--key-file", "@short:"],
    "missing key file": ["TICKET", "--key-file", "{tmp}/nokey"],
    "seed not hex": ["TICKET", "--seed", "xyz"],
    "seed too short": ["TICKET", "--seed", "00" * 8],
    "ticket key not hex": ["TICKET", "--ticket-key", "qq"],
    "ticket key too short": ["TICKET", "--ticket-key", "00" * 4],
    "bad rotation period": ["TICKET", "--rotation-period", "0"] + KEYS,
    "search slots over the bound": ["TICKET", "--search-slots", "100001"] +
    KEYS,
    "slots out of range": ["TICKET", "--rotation-period", "1e-12"] + KEYS,
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_inspect_bad_input_is_one_line(tmp_path, case):
    args = []
    for arg in BAD_INPUTS[case]:
        if arg == "TICKET":
            arg = os.urandom(100).hex()
        elif arg.startswith("@"):
            kind, _, content = arg[1:].partition(":")
            target = tmp_path / ("input-" + kind)
            target.write_bytes(os.urandom(79) if kind == "short"
                               else content.encode())
            arg = str(target)
        args.append(arg.replace("{tmp}", str(tmp_path)))
    run = cli("inspect", *args)
    fails_cleanly(run)
    assert run.err.startswith("python -m tlslite_tickets inspect: error: ")


_PEAK_MEMORY = """
import resource, sys
from tlslite_tickets.cli import inspect
status = inspect.main(sys.argv[1:])
print("maxrss-kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
sys.exit(status)
"""


def _inspect_peak_kb(slots):
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK_MEMORY, os.urandom(100).hex(), "--seed",
         SEED.hex(), "--search-slots", str(slots)], capture_output=True,
        timeout=60, env=dict(os.environ, PYTHONPATH=REPO))
    assert proc.returncode == 1, proc.stderr  # no key with this name
    assert b"no key with this name" in proc.stdout
    return int(proc.stdout.split(b"maxrss-kb ")[1])


def test_inspect_seed_search_memory_is_flat():
    from tlslite_tickets.cli.inspect import MAX_SEARCH_SLOTS
    assert MAX_SEARCH_SLOTS == 100000  # the bound the --help text names
    # every slot of the widest search is derived (the name is unknown);
    # keeping each derived key, as before, took ~70 MB more here
    assert _inspect_peak_kb(MAX_SEARCH_SLOTS) < _inspect_peak_kb(10) + 8000


def test_help_explains_every_flag():
    for name in COMMANDS:
        run = cli(name, "--help")
        assert run.code == 0
        module = __import__(COMMANDS[name], fromlist=["build_parser"])
        for action in module.build_parser()._actions:
            assert action.help, action.option_strings
            for flag in action.option_strings:
                assert flag in run.out, flag
