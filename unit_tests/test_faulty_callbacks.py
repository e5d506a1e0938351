"""Callbacks that misbehave: slow, oversized appdata, failures logged once.

(Raising and junk-returning callbacks are in test_tables.py and
test_key_cb.py.)
"""

import logging
import ssl
import threading

import pytest
from tlslite.constants import AlertDescription

import tlslite_tickets as tt
from support import CallbackLog, PythonSSLClient, ticket_settings


def test_slow_dec_cb_delays_only_its_own_connection(make_server):
    release = threading.Event()
    waiting = threading.Event()

    def dec_cb(conn, session, keyname, status, arg):
        if session is not None:
            waiting.set()
            release.wait(20)  # held until the other client is done
            return tt.SSL_TICKET_RETURN_USE_RENEW
        return tt.SSL_TICKET_RETURN_IGNORE_RENEW

    settings = ticket_settings()
    tt.SSL_CTX_set_session_ticket_cb(settings, None, dec_cb)
    server = make_server(settings, threaded=True)
    slow_client, fast_client = PythonSSLClient("1.3"), PythonSSLClient("1.3")
    session = slow_client.connect(server).session
    results = []
    slow = threading.Thread(target=lambda: results.append(
        slow_client.connect(server, session=session)))
    slow.start()
    assert waiting.wait(20)
    # the slow connection is stuck in dec_cb; another one goes through
    fast = fast_client.connect(server)
    assert fast.reply == b"echo:ping" and not results
    release.set()
    slow.join(20)
    assert results[0].resumed


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_gen_cb_setting_oversized_appdata_is_internal_error(make_server,
                                                            version):
    too_big = b"x" * (tt.MAX_APPDATA_LEN + 1)

    def gen_cb(conn, arg):
        tt.SSL_SESSION_set1_ticket_appdata(tt.SSL_get_session(conn), too_big)
        return 1

    settings = ticket_settings()
    tt.SSL_CTX_set_session_ticket_cb(settings, gen_cb, None)
    server = make_server(settings)
    try:
        PythonSSLClient(version).connect(server)
    except ssl.SSLError:
        pass  # TLS 1.2 sees the alert in the handshake
    error = server.last().error
    assert error.description == AlertDescription.internal_error
    assert isinstance(error.__cause__, ValueError)
    assert str(tt.MAX_APPDATA_LEN) in str(error.__cause__)


@pytest.mark.parametrize("version,tickets", [("1.2", 1), ("1.3", 0)])
def test_appdata_forced_past_the_limit_sends_no_malformed_ticket(
        make_server, version, tickets):
    def gen_cb(conn, arg):
        # bypassing SSL_SESSION_set1_ticket_appdata and its check
        tt.SSL_get_session(conn).ticket_appdata = b"y" * 70000
        return 1

    settings = ticket_settings()
    tt.SSL_CTX_set_session_ticket_cb(settings, gen_cb, None)
    server = make_server(settings)
    result = PythonSSLClient(version).connect(server)
    # TLS 1.2 promised a ticket, so it sends an empty one; TLS 1.3 none
    assert result.tickets == tickets and result.reply == b"echo:ping"
    assert server.last().error is None


def test_each_failure_is_logged_once(make_server, caplog):
    boom = RuntimeError("dec_cb bug")
    log = CallbackLog(ret=lambda status: (_ for _ in ()).throw(boom)
                      if status == tt.SSL_TICKET_SUCCESS_RENEW
                      else tt.SSL_TICKET_RETURN_IGNORE_RENEW)
    server = make_server(ticket_settings(log))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    with caplog.at_level(logging.WARNING, logger="tlslite_tickets"):
        for _ in range(3):
            with pytest.raises(ssl.SSLError):
                client.connect(server, session=first.session)
    warnings = [r for r in caplog.records if r.name == "tlslite_tickets"]
    assert len(warnings) == 3  # one per failed connection, no more
    assert [r.getMessage() for r in warnings] == [
        "ticket handling aborted the connection: dec_cb raised "
        "RuntimeError"] * 3


@pytest.mark.parametrize("gen_cb,message", [
    (lambda conn, arg: 0, "gen_cb returned 0"),
    (lambda conn, arg: {}["bug"], "gen_cb raised KeyError"),
])
def test_a_failing_gen_cb_is_named_in_the_log(make_server, caplog, gen_cb,
                                              message):
    settings = ticket_settings()
    tt.SSL_CTX_set_session_ticket_cb(settings, gen_cb, None)
    server = make_server(settings)
    with caplog.at_level(logging.WARNING, logger="tlslite_tickets"):
        with pytest.raises(ssl.SSLError):
            PythonSSLClient("1.2").connect(server)
    assert [r.getMessage() for r in caplog.records
            if r.name == "tlslite_tickets"] == [
        "ticket handling aborted the connection: " + message]
