"""Ticket appdata: set before a ticket is built, read back on resumption."""

import pytest
from tlslite.session import Session

import tlslite_tickets as tt
from support import CallbackLog, PythonSSLClient, ticket_settings

PAYLOADS = {
    "one-byte": b"\x00",
    "binary": bytes(range(256)),
    "text": b"Hello World",
    "largest": b"\xa5" * tt.MAX_APPDATA_LEN,
}


@pytest.mark.parametrize("name", sorted(PAYLOADS))
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_appdata_round_trip(make_server, version, name):
    payload = PAYLOADS[name]
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_USE, appdata=payload)
    server = make_server(ticket_settings(log))
    client = PythonSSLClient(version)
    first = client.connect(server)
    log.reset()
    second = client.connect(server, session=first.session)
    assert second.resumed
    assert server.last().appdata == payload
    # dec_cb saw it too, before the session was attached to the connection
    assert tt.SSL_SESSION_get0_ticket_appdata(log.sessions[0]) == \
        (payload, len(payload))


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_no_appdata_reads_as_none(make_server, version):
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_USE)
    server = make_server(ticket_settings(log))
    client = PythonSSLClient(version)
    first = client.connect(server)
    assert client.connect(server, session=first.session).resumed
    assert server.last().appdata is None
    assert tt.SSL_SESSION_get0_ticket_appdata(log.sessions[-1]) == (None, 0)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_renewal_keeps_appdata(make_server, version):
    # gen_cb sets appdata only on a session that has none: renewed tickets
    # must carry the resumed session's appdata by themselves
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_USE_RENEW, appdata=b"keep me")
    server = make_server(ticket_settings(log))
    client = PythonSSLClient(version)
    session = client.connect(server).session
    for _ in range(3):
        log.appdata = None
        log.reset()
        result = client.connect(server, session=session)
        assert result.resumed and result.tickets == 1 and log.gen == 1
        assert server.last().appdata == b"keep me"
        session = result.session


def test_gen_cb_can_change_appdata_on_renewal(make_server):
    calls = []

    def gen_cb(conn, arg):
        calls.append(1)
        tt.SSL_SESSION_set1_ticket_appdata(tt.SSL_get_session(conn),
                                           b"gen %d" % len(calls))
        return 1

    settings = ticket_settings()
    tt.SSL_CTX_set_session_ticket_cb(settings, gen_cb, None)
    server = make_server(settings)
    client = PythonSSLClient("1.2")
    first = client.connect(server)
    second = client.connect(server, session=first.session)
    assert server.last().appdata == b"gen 1"
    assert second.tickets == 0  # default for TLS 1.2 SUCCESS is USE


def test_set1_copies_and_clears():
    session = Session()
    data = bytearray(b"abc")
    assert tt.SSL_SESSION_set1_ticket_appdata(session, data) == 1
    data[0] = 0x7a
    assert tt.SSL_SESSION_get0_ticket_appdata(session) == (b"abc", 3)
    assert tt.get_appdata(session) == b"abc"
    tt.SSL_SESSION_set1_ticket_appdata(session, b"")
    assert tt.SSL_SESSION_get0_ticket_appdata(session) == (None, 0)
    tt.set_appdata(session, b"x")
    tt.SSL_SESSION_set1_ticket_appdata(session, None)
    assert tt.get_appdata(session) is None


def test_set1_rejects_oversized_and_text():
    session = Session()
    with pytest.raises(ValueError) as info:
        tt.SSL_SESSION_set1_ticket_appdata(session,
                                           b"x" * (tt.MAX_APPDATA_LEN + 1))
    assert str(tt.MAX_APPDATA_LEN) in str(info.value)
    with pytest.raises(ValueError):
        tt.SSL_SESSION_set1_ticket_appdata(session, "text")
    with pytest.raises(ValueError):
        tt.SSL_SESSION_set1_ticket_appdata(None, b"x")
    assert tt.SSL_SESSION_get0_ticket_appdata(session) == (None, 0)
