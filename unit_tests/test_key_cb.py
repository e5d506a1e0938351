"""The ticket key callback: OpenSSL's test_ticket_callbacks cases 8-13.

As in OpenSSL's test, dec_cb follows the status it is given (SUCCESS ->
USE, SUCCESS_RENEW -> USE_RENEW), so what happens is the key callback's
choice: 1 = use the key, 2 = use it and renew, 0 = no key.
"""

import collections

import pytest
from tlslite.constants import AlertDescription
from tlslite.errors import TLSLocalAlert

import tlslite_tickets as tt
from support import (CallbackLog, PythonSSLClient, TlsliteClient,
                     ticket_settings)
from test_tables import assert_internal_error, assert_serves_next

SECRET = b"0123456789abcdef" * 2
NAME = b"\x00" * 16


class KeyCallback:
    """Answers with ``answer`` (1, 2 or 0), counting calls by direction."""

    def __init__(self, answer):
        self.answer = answer
        self.calls = collections.Counter()

    def __call__(self, conn, key_name, encrypting):
        assert encrypting in (0, 1)  # OpenSSL's enc argument, exactly
        self.calls["encrypt" if encrypting else "decrypt"] += 1
        if encrypting:
            assert key_name is None
            return 0 if self.answer == 0 else (1, NAME, SECRET)
        assert key_name == NAME
        return (self.answer, SECRET)


def follow_status(status):
    return {tt.SSL_TICKET_EMPTY: tt.SSL_TICKET_RETURN_IGNORE_RENEW,
            tt.SSL_TICKET_NO_DECRYPT: tt.SSL_TICKET_RETURN_IGNORE_RENEW,
            tt.SSL_TICKET_SUCCESS: tt.SSL_TICKET_RETURN_USE,
            tt.SSL_TICKET_SUCCESS_RENEW: tt.SSL_TICKET_RETURN_USE_RENEW,
            }[status]


Case = collections.namedtuple("Case", "number version answer conn1 conn2 "
                                      "resumed status")
# conn1/conn2 = (gen calls, dec calls, NewSessionTickets received)
CASES = [
    Case(8, "1.2", 1, (1, 1, 1), (0, 1, 0), True, tt.SSL_TICKET_SUCCESS),
    Case(9, "1.3", 1, (2, 0, 2), (0, 1, 0), True, tt.SSL_TICKET_SUCCESS),
    Case(10, "1.2", 2, (1, 1, 1), (1, 1, 1), True,
         tt.SSL_TICKET_SUCCESS_RENEW),
    Case(11, "1.3", 2, (2, 0, 2), (1, 1, 1), True,
         tt.SSL_TICKET_SUCCESS_RENEW),
    # no key: TLS 1.2 sends an empty ticket, so conn2 asks afresh (EMPTY)
    Case(12, "1.2", 0, (1, 1, 1), (1, 1, 1), False, tt.SSL_TICKET_EMPTY),
    Case(13, "1.3", 0, (2, 0, 0), (2, 0, 0), False, None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "case%d-tls%s" % (
    c.number, c.version))
def test_key_callback_matrix(make_server, case):
    key_cb = KeyCallback(case.answer)
    log = CallbackLog(ret=follow_status, appdata=b"Hello World")
    settings = ticket_settings(log)
    assert tt.SSL_CTX_set_tlsext_ticket_key_cb(settings, key_cb) == 1
    server = make_server(settings)
    client = PythonSSLClient(case.version)

    first = client.connect(server)
    assert (log.gen, log.dec, first.tickets) == case.conn1
    assert key_cb.calls["encrypt"] == log.gen
    log.reset()
    key_cb.calls.clear()

    second = client.connect(server, session=first.session)
    assert server.last().error is None
    assert second.resumed == case.resumed
    assert (log.gen, log.dec, second.tickets) == case.conn2
    assert log.statuses == ([case.status] if case.status else [])
    # once per ticket decrypted, once per ticket built
    decrypted = 1 if case.status in (tt.SSL_TICKET_SUCCESS,
                                     tt.SSL_TICKET_SUCCESS_RENEW) else 0
    assert key_cb.calls == collections.Counter(
        {k: v for k, v in (("decrypt", decrypted), ("encrypt", log.gen))
         if v})
    if case.resumed:
        assert server.last().appdata == b"Hello World"


ENCRYPTING = "key_cb returned '{0}' when encrypting, expected (1, " \
    "key_name, secret) or 0"
DECRYPTING = "key_cb returned '{0}' when decrypting, expected (1, secret), " \
    "(2, secret) or 0"


def abort_messages(caplog):
    prefix = "ticket handling aborted the connection: "
    return [r.getMessage()[len(prefix):] for r in caplog.records
            if r.getMessage().startswith(prefix)]


@pytest.mark.parametrize("answer,message", [
    (-1, ENCRYPTING.format("int")),
    (RuntimeError("key store down"), "key_cb raised RuntimeError"),
    ((1, b"short", SECRET), ENCRYPTING.format("tuple of 3")),
    ("junk", ENCRYPTING.format("str"))])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_key_cb_failure_when_encrypting_is_fatal(make_server, caplog,
                                                 version, answer, message):
    def key_cb(conn, key_name, encrypting):
        if isinstance(answer, BaseException):
            raise answer
        return answer

    server = make_server(ticket_settings(ticket_key_cb=key_cb))
    client = PythonSSLClient(version)
    if version == "1.2":
        error = assert_internal_error(client, server, None)
    else:
        # the tickets follow the handshake: the server's call raises
        client.connect(server)
        error = server.last().error
        assert isinstance(error, TLSLocalAlert)
        assert error.description == AlertDescription.internal_error
    if isinstance(answer, BaseException):
        assert error.__cause__ is answer
    # nothing in the message or the cause echoes key material
    assert "0123456789abcdef" not in str(error)
    assert abort_messages(caplog) == [message]


@pytest.mark.parametrize("answer,message", [
    (-1, DECRYPTING.format("int")),
    ((3, SECRET), DECRYPTING.format("tuple of 2")),
    (None.__class__, DECRYPTING.format("type")),
    (KeyError("no such key"), "key_cb raised KeyError")])
def test_key_cb_failure_when_decrypting_is_fatal(make_server, caplog, answer,
                                                 message):
    def key_cb(conn, key_name, encrypting):
        if encrypting:
            return (1, NAME, SECRET)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    server = make_server(ticket_settings(ticket_key_cb=key_cb))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    assert_internal_error(client, server, first.session)
    assert abort_messages(caplog) == [message]
    assert_serves_next(server, "1.3")


def test_key_cb_no_key_when_decrypting_is_no_decrypt(make_server):
    log = CallbackLog()

    def key_cb(conn, key_name, encrypting):
        return (1, NAME, SECRET) if encrypting else 0

    server = make_server(ticket_settings(log, ticket_key_cb=key_cb))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    log.reset()
    second = client.connect(server, session=first.session)
    assert not second.resumed and second.tickets == 2
    assert log.statuses == [tt.SSL_TICKET_NO_DECRYPT]


def test_key_cb_without_key_sends_an_empty_ticket_with_no_lifetime(
        make_server):
    # TLS 1.2, RFC 5077 3.3: the promised NewSessionTicket comes, empty,
    # with lifetime hint 0
    server = make_server(ticket_settings(ticket_key_cb=lambda c, n, e: 0))
    result = TlsliteClient("1.2").connect(server)
    tickets = result.session.tls_1_0_tickets
    assert [(bytes(t.ticket), t.ticket_lifetime) for t in tickets] == \
        [(b"", 0)]
