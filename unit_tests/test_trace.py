"""The handshake trace: a ladder of messages and ticket events, no secrets."""

import logging
import re

import pytest

from support import CallbackLog, PythonSSLClient, ticket_settings
from tlslite_tickets import _trace

TRACE = "tlslite_tickets.trace"


def ladder(caplog):
    return [r.getMessage().split(None, 2)[2] for r in caplog.records
            if r.name == TRACE]


def first_words(lines):
    return [" ".join(line.split()[:2]) if line.startswith(("<-", "->"))
            else line.split()[0] for line in lines]


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_resumption_ladder_in_order(make_server, caplog, version):
    secrets = []
    log = CallbackLog(appdata=b"appdata")
    server = make_server(ticket_settings(log))
    server.after_handshake = lambda conn: secrets.extend(
        s for s in (conn.session.masterSecret,
                    conn.session.resumptionMasterSecret) if s)
    client = PythonSSLClient(version)
    first = client.connect(server)
    with caplog.at_level(logging.DEBUG, logger=TRACE):
        client.connect(server, session=first.session)
    lines = ladder(caplog)
    steps = first_words(lines)
    assert steps[:2] == ["<- ClientHello", "version"]
    assert steps[2] == "dec_cb"
    assert "status SUCCESS" in lines[2] and "-> USE_RENEW" in lines[2]
    assert steps[3] == "-> ServerHello"
    # messages read after the ClientHello are in the ladder too
    assert "<- Finished" in steps
    assert steps.index("gen_cb") < steps.index("ticket") < \
        steps.index("-> NewSessionTicket")
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        assert bytes(secret).hex() not in text


def test_no_trace_lines_unless_enabled(make_server, caplog):
    server = make_server(ticket_settings())
    with caplog.at_level(logging.INFO, logger=TRACE):
        PythonSSLClient("1.3").connect(server)
    assert ladder(caplog) == []


def example_lines():
    """The example ladder in _trace.py's docstring; "..." alone on a line
    stands for lines left out."""
    return [line.strip() for line in _trace.__doc__.splitlines()
            if line.startswith("    [conn") or line.strip() == "..."]


def shape(line):
    """A pattern for the trace lines ``line`` stands for: "..." is any
    text, a number any number, a run of blanks any run of blanks."""
    parts = re.split(r"(\.\.\.|\d+|\s+)", line)
    return re.compile("".join(
        ".*?" if part == "..." else r"\d+" if part.isdigit() else
        r"\s+" if part.isspace() else re.escape(part) for part in parts))


def test_docstring_example_matches_a_real_trace(make_server, caplog):
    # the scenario the docstring describes: P-256 only on the server, so
    # Python's ssl client (X25519 first) gets a HelloRetryRequest
    server = make_server(ticket_settings(
        CallbackLog(), eccCurves=["secp256r1"], keyShares=["secp256r1"],
        dhGroups=[]))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    with caplog.at_level(logging.DEBUG, logger=TRACE):
        client.connect(server, session=first.session)
    real = [r.getMessage() for r in caplog.records if r.name == TRACE]
    position, may_skip = 0, False
    for line in example_lines():
        if line == "...":
            may_skip = True
            continue
        pattern = shape(line)
        while may_skip and position < len(real) and \
                not pattern.fullmatch(real[position]):
            position += 1
        assert position < len(real) and pattern.fullmatch(real[position]), \
            "the example line {0!r} does not match the trace:\n{1}".format(
                line, "\n".join(real))
        position, may_skip = position + 1, False
    # the retry has its own name, and dec_cb ran once on each side of it
    steps = first_words(ladder(caplog))
    assert steps.count("-> HelloRetryRequest") == 1
    assert steps.count("-> ServerHello") == 1
    retry = steps.index("-> HelloRetryRequest")
    assert steps[:retry].count("dec_cb") == 1
    assert steps[retry:].count("dec_cb") == 1
