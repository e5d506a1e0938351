"""Spec tables 3 and 4 over loopback: dec_cb returns, alerts, ticket counts.

Clients are OpenSSL (Python's ssl) and tlslite-ng's own; alerts are read
from what the client reports, not assumed.
"""

import ssl

import pytest
from tlslite.constants import AlertDescription
from tlslite.errors import TLSLocalAlert

import tlslite_tickets as tt
from support import (CallbackLog, PythonSSLClient, TlsliteClient,
                     ticket_settings)

VERSIONS = ["1.2", "1.3"]
FULL_TICKETS = {"1.2": 1, "1.3": 2}


def resume_pair(make_server, version, log, client=None, **fields):
    """Full handshake, then an offer of its ticket; return both results."""
    server = make_server(ticket_settings(log, **fields))
    client = client or PythonSSLClient(version)
    first = client.connect(server)
    log.reset()
    return server, client, first


def assert_internal_error(client, server, session):
    with pytest.raises(ssl.SSLError) as info:
        client.connect(server, session=session)
    assert "internal error" in str(info.value).lower()
    error = server.last().error
    assert isinstance(error, TLSLocalAlert)
    assert error.description == AlertDescription.internal_error
    return error


def assert_serves_next(server, version):
    fresh = PythonSSLClient(version).connect(server)
    assert fresh.reply == b"echo:ping"
    assert server.last().error is None


@pytest.mark.parametrize("version", VERSIONS)
def test_abort_is_fatal_internal_error(make_server, version):
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_ABORT)
    server, client, first = resume_pair(make_server, version, log)
    assert_internal_error(client, server, first.session)
    assert log.dec == 1
    assert_serves_next(server, version)


def test_use_on_empty_ticket_is_fatal(make_server):
    log = CallbackLog(ret=lambda status: tt.SSL_TICKET_RETURN_USE)
    server = make_server(ticket_settings(log))
    client = PythonSSLClient("1.2")
    assert_internal_error(client, server, None)
    assert log.statuses == [tt.SSL_TICKET_EMPTY]
    assert log.keynames == [b""]  # an empty ticket has no key name


@pytest.mark.parametrize("ret", [tt.SSL_TICKET_RETURN_USE,
                                 tt.SSL_TICKET_RETURN_USE_RENEW])
@pytest.mark.parametrize("version", VERSIONS)
def test_use_on_undecryptable_ticket_is_fatal(make_server, version, ret):
    issuer = make_server(ticket_settings())
    client = PythonSSLClient(version)
    foreign = client.connect(issuer)
    log = CallbackLog(ret=lambda status: status == tt.SSL_TICKET_EMPTY and
                      tt.SSL_TICKET_RETURN_IGNORE_RENEW or ret)
    other = make_server(ticket_settings(log))  # its own random key
    assert_internal_error(client, other, foreign.session)
    assert log.statuses == [tt.SSL_TICKET_NO_DECRYPT]


@pytest.mark.parametrize("junk", [7, -1, None, "use", True, 3.0])
def test_dec_cb_junk_return_is_internal_error(make_server, junk):
    log = CallbackLog(ret=junk)
    server, client, first = resume_pair(make_server, "1.3", log)
    error = assert_internal_error(client, server, first.session)
    assert isinstance(error.__cause__, Exception)
    assert_serves_next(server, "1.3")


@pytest.mark.parametrize("version", VERSIONS)
def test_dec_cb_exception_is_the_cause(make_server, version):
    boom = RuntimeError("dec_cb bug")

    def raising(status):
        if status == tt.SSL_TICKET_EMPTY:
            return tt.SSL_TICKET_RETURN_IGNORE_RENEW
        raise boom

    log = CallbackLog(ret=raising)
    server, client, first = resume_pair(make_server, version, log)
    error = assert_internal_error(client, server, first.session)
    assert error.__cause__ is boom
    assert_serves_next(server, version)


@pytest.mark.parametrize("result", [0, None, False, ValueError("gen bug")])
@pytest.mark.parametrize("version", VERSIONS)
def test_gen_cb_failure_is_internal_error(make_server, version, result):
    log = CallbackLog(gen_result=result)
    server = make_server(ticket_settings(log))
    client = PythonSSLClient(version)
    if version == "1.2":
        assert_internal_error(client, server, None)
        error = server.last().error
    else:
        # TLS 1.3 tickets follow the handshake: the client sees the alert
        # on its next read, the server's handshake call raises
        client.connect(server)
        error = server.last().error
        assert isinstance(error, TLSLocalAlert)
        assert error.description == AlertDescription.internal_error
    if isinstance(result, BaseException):
        assert error.__cause__ is result
    assert log.gen == 1
    log.gen_result = 1
    assert_serves_next(server, version)


@pytest.mark.parametrize("version", VERSIONS)
def test_defaults_without_callbacks(make_server, version):
    server = make_server(ticket_settings())
    client = PythonSSLClient(version)
    first = client.connect(server)
    assert (first.resumed, first.tickets) == (False, FULL_TICKETS[version])
    second = client.connect(server, session=first.session)
    # SUCCESS -> USE in TLS 1.2; SUCCESS_RENEW -> USE_RENEW in TLS 1.3
    assert second.resumed and server.last().resumed
    assert second.tickets == (0 if version == "1.2" else 1)


@pytest.mark.parametrize("version", VERSIONS)
def test_fresh_ticket_after_undecryptable_ticket(make_server, version):
    issuer_key = tt.TicketKey.generate()
    issuer = make_server(ticket_settings(ticket_keys=[issuer_key]))
    client = PythonSSLClient(version)
    foreign = client.connect(issuer)
    log = CallbackLog()
    other = make_server(ticket_settings(log))
    result = client.connect(other, session=foreign.session)
    assert not result.resumed
    assert result.tickets == FULL_TICKETS[version]
    assert log.statuses[-1] == tt.SSL_TICKET_NO_DECRYPT
    # dec_cb sees the name of the key the other server sealed it under
    assert log.keynames[-1] == issuer_key.name


@pytest.mark.parametrize("version", VERSIONS)
def test_ticket_count_zero(make_server, version):
    # tlslite-ng's ticket_count (num_tickets = 0 leaves TLS 1.2 tickets on,
    # see test_tls12_switches.py)
    keys = [tt.TicketKey.generate()]
    server = make_server(ticket_settings(ticket_count=0, ticket_keys=keys))
    client = PythonSSLClient(version)
    assert client.connect(server).tickets == 0
    # a ticket from a twin server still resumes, but none comes back
    twin = make_server(ticket_settings(ticket_keys=keys))
    first = client.connect(twin)
    second = client.connect(server, session=first.session)
    assert second.resumed
    assert second.tickets == 0


@pytest.mark.parametrize("version,expected", [("1.2", 1), ("1.3", 5)])
def test_num_tickets_five(make_server, version, expected):
    settings = ticket_settings()
    assert tt.SSL_CTX_set_num_tickets(settings, 5) == 1
    assert tt.SSL_CTX_get_num_tickets(settings) == 5
    assert PythonSSLClient(version).connect(
        make_server(settings)).tickets == expected


def no_key_cb(conn, key_name, encrypting):
    return 0


@pytest.mark.parametrize("version", VERSIONS)
def test_key_cb_without_key_sends_no_usable_ticket(make_server, version):
    log = CallbackLog()
    server = make_server(ticket_settings(log, ticket_key_cb=no_key_cb))
    client = PythonSSLClient(version)
    first = client.connect(server)
    # TLS 1.2: ServerHello promised a ticket, so an empty one is sent
    assert first.tickets == (1 if version == "1.2" else 0)
    log.reset()
    second = client.connect(server, session=first.session)
    assert not second.resumed
    if version == "1.2":
        assert log.statuses == [tt.SSL_TICKET_EMPTY]
    else:
        assert log.statuses == []


def test_new_session_ticket_tls13(make_server):
    log = CallbackLog()
    server = make_server(ticket_settings(log))
    answers = []
    server.after_handshake = lambda conn: answers.append(
        tt.SSL_new_session_ticket(conn))
    result = PythonSSLClient("1.3").connect(server)
    assert answers == [1]
    assert result.tickets == 3
    assert log.gen == 3
    # after num_tickets went out, one call sends one, not a top-up
    tt.SSL_CTX_set_num_tickets(server.settings, 3)
    assert PythonSSLClient("1.3").connect(server).tickets == 4


def test_new_session_ticket_tops_up_after_ignore(make_server):
    # OpenSSL counts the tickets a connection has made: after a full
    # handshake that made none (dec_cb said IGNORE to the offered ticket),
    # one SSL_new_session_ticket sends num_tickets in all
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_IGNORE)
    settings = ticket_settings(log)
    tt.SSL_CTX_set_num_tickets(settings, 3)
    server = make_server(settings)
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    assert first.tickets == 3
    server.after_handshake = lambda conn: tt.SSL_new_session_ticket(conn)
    log.reset()
    second = client.connect(server, session=first.session)
    assert not second.resumed
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW]
    assert second.tickets == 3 and log.gen == 3


def test_each_ticket_of_a_connection_has_its_own_nonce(make_server):
    # RFC 8446 4.6.1: the nonce is unique across a connection's tickets,
    # so each ticket's PSK is different
    settings = ticket_settings()
    tt.SSL_CTX_set_num_tickets(settings, 4)
    server = make_server(settings)
    session = TlsliteClient("1.3").connect(server).session
    nonces = [bytes(t.ticket_nonce) for t in session.tickets]
    assert len(nonces) == 4 and len(set(nonces)) == 4


def test_new_session_ticket_tls12_and_before_handshake(make_server):
    server = make_server(ticket_settings())
    answers = []
    server.after_handshake = lambda conn: answers.append(
        tt.SSL_new_session_ticket(conn))
    result = PythonSSLClient("1.2").connect(server)
    assert answers == [0]
    assert result.tickets == 1
    assert tt.TicketTLSConnection(None).new_session_ticket() == 0


def test_tlslite_client_sees_tls13_resumption(make_server):
    log = CallbackLog()
    server = make_server(ticket_settings(log))
    client = TlsliteClient("1.3")
    first = client.connect(server)
    assert first.tickets == 2
    second = client.connect(server, session=first.session)
    assert second.resumed
    assert server.last().resumed is True
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW]
