"""The handshake trace: a ladder of messages and ticket events, no secrets."""

import logging

import pytest

from support import CallbackLog, PythonSSLClient, ticket_settings

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
