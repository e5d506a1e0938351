"""The handshake trace: a ladder of messages and ticket events, no secrets."""

import logging
import re

import pytest

from support import CallbackLog, PythonSSLClient, TlsliteClient, ticket_settings
from tlslite_tickets import TicketKey, _trace

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


def refusals(caplog):
    """The "refused" lines, their column padding squeezed."""
    return [" ".join(line.split()) for line in ladder(caplog)
            if line.startswith("refused")]


def test_each_refusal_is_one_line_that_says_why(make_server, caplog):
    # the three ways a ticket dec_cb wants to use still cannot resume, as
    # the trace names them
    keys = [TicketKey.generate()]
    use = CallbackLog(ret=3)  # SSL_TICKET_RETURN_USE
    issuer = make_server(ticket_settings(ticket_keys=keys,
                                         cipherNames=["chacha20-poly1305"]))
    twin = make_server(ticket_settings(use, ticket_keys=keys,
                                       cipherNames=["aes128gcm"]))
    client = PythonSSLClient("1.2")
    first = client.connect(issuer)
    with caplog.at_level(logging.DEBUG, logger=TRACE):
        client.connect(twin, session=first.session)
    assert refusals(caplog) == [
        "refused ticket's cipher suite is not enabled: full handshake, "
        "fresh ticket"]
    caplog.clear()

    server = make_server(ticket_settings(use))
    tls13 = TlsliteClient("1.3")
    tls13.settings.cipherNames = ["aes256gcm"]  # TLS_AES_256_GCM_SHA384
    session = tls13.connect(server).session
    tls13.settings.cipherNames = ["aes128gcm"]  # TLS_AES_128_GCM_SHA256
    with caplog.at_level(logging.DEBUG, logger=TRACE):
        tls13.connect(server, session=session)
    assert refusals(caplog) == [
        "refused ticket made for another cipher suite hash: passed over, "
        "asks for no ticket"]
