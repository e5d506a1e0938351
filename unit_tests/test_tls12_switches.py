"""TLS 1.2 as OpenSSL has it: num_tickets, SSL_OP_NO_TICKET, lifetime hints.

OpenSSL's ``num_tickets`` is a TLS 1.3 count that TLS 1.2 ignores; its
switch for TLS 1.2 tickets is ``SSL_OP_NO_TICKET``. tlslite-ng's own
``ticket_count = 0`` turns TLS 1.2 tickets off, and keeps doing so. A
TLS 1.2 ticket issued on a resumed handshake has lifetime hint 0.
"""

import pytest
from tlslite.api import SessionCache

import tlslite_tickets as tt
from support import CallbackLog, PythonSSLClient, TlsliteClient, ticket_settings


class HintClient(PythonSSLClient):
    """Python's ``ssl`` client that also reads each ticket's lifetime hint."""

    def connect(self, server, session=None, sni="localhost"):
        result = super().connect(server, session, sni)
        # the message callback gets the handshake header (4 bytes) first
        result.hints = [int.from_bytes(data[4:8], "big")
                        for data in self._tickets]
        return result


def test_num_tickets_zero_leaves_tls12_tickets_on(make_server):
    log = CallbackLog()
    settings = ticket_settings(log)
    assert tt.SSL_CTX_set_num_tickets(settings, 0) == 1
    assert tt.SSL_CTX_get_num_tickets(settings) == 0
    server = make_server(settings)
    client = HintClient("1.2")
    first = client.connect(server)
    assert first.tickets == 1 and log.gen == 1
    second = client.connect(server, session=first.session)
    assert second.resumed
    # ...while TLS 1.3 sends none after a full handshake
    assert HintClient("1.3").connect(server).tickets == 0


def test_num_tickets_attribute_zero_leaves_tls12_tickets_on(make_server):
    server = make_server(ticket_settings(num_tickets=0))
    assert HintClient("1.2").connect(server).tickets == 1


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_ticket_count_zero_keeps_tlslite_meaning(make_server, version):
    server = make_server(ticket_settings(ticket_count=0))
    assert HintClient(version).connect(server).tickets == 0


def test_no_ticket_option_turns_tls12_tickets_off(make_server):
    keys = [tt.TicketKey.generate()]
    log = CallbackLog()
    settings = ticket_settings(log, ticket_keys=keys)
    assert tt.SSL_CTX_set_options(settings, tt.SSL_OP_NO_TICKET) == \
        tt.SSL_OP_NO_TICKET
    assert tt.SSL_CTX_get_options(settings) == tt.SSL_OP_NO_TICKET
    server = make_server(settings)
    twin = make_server(ticket_settings(ticket_keys=keys))
    client = HintClient("1.2")
    assert client.connect(server).tickets == 0
    # a good ticket from a twin is not even looked at, as in OpenSSL
    first = client.connect(twin)
    assert first.tickets == 1
    second = client.connect(server, session=first.session)
    assert not second.resumed and second.tickets == 0
    assert log.statuses == [] and log.gen == 0


def test_no_ticket_option_leaves_tls13_alone(make_server):
    settings = ticket_settings()
    tt.SSL_CTX_set_options(settings, tt.SSL_OP_NO_TICKET)
    assert HintClient("1.3").connect(make_server(settings)).tickets == 2


def test_clear_options_turns_tls12_tickets_back_on(make_server):
    settings = ticket_settings()
    tt.SSL_CTX_set_options(settings, tt.SSL_OP_NO_TICKET)
    assert tt.SSL_CTX_clear_options(settings, tt.SSL_OP_NO_TICKET) == 0
    assert HintClient("1.2").connect(make_server(settings)).tickets == 1


@pytest.mark.parametrize("bad", [1, -1, True, "x", tt.SSL_OP_NO_TICKET | 4])
def test_unknown_options_are_refused(bad):
    settings = ticket_settings()
    with pytest.raises(ValueError, match="SSL_OP_NO_TICKET"):
        tt.SSL_CTX_set_options(settings, bad)
    assert tt.SSL_CTX_get_options(settings) == 0
    settings.ticket_options = bad
    with pytest.raises(ValueError, match="ticket_options"):
        settings.validate()


def test_server_command_tickets_flag_keeps_tls_py_meaning():
    from tlslite_tickets.cli import server
    args = server.build_parser().parse_args(["--tickets", "0", "127.0.0.1:0"])
    settings = server.build_settings(args)
    assert settings.ticket_count == 0 and settings.tls12_tickets_off()


@pytest.mark.parametrize("renew_by", ["dec_cb", "key_cb"])
def test_ticket_on_resumed_tls12_handshake_has_no_hint(make_server, renew_by):
    if renew_by == "dec_cb":
        log = CallbackLog(ret=tt.SSL_TICKET_RETURN_USE_RENEW)
        settings = ticket_settings(log)
    else:
        name, secret = b"k" * 16, b"s" * 32

        def key_cb(conn, key_name, encrypting):
            return (1, name, secret) if encrypting else (2, secret)
        settings = ticket_settings(ticket_key_cb=key_cb)
    settings.ticketLifetime = 86400
    server = make_server(settings)
    client = HintClient("1.2")
    first = client.connect(server)
    assert first.hints == [86400]
    second = client.connect(server, session=first.session)
    assert second.resumed and second.hints == [0]
    # the renewed ticket still resumes: the hint is advice, not its lifetime
    third = client.connect(server, session=second.session)
    assert third.resumed


def test_tls13_resumption_keeps_its_lifetime(make_server):
    settings = ticket_settings(CallbackLog(ret=tt.SSL_TICKET_RETURN_USE_RENEW))
    settings.ticketLifetime = 86400
    server = make_server(settings)
    client = HintClient("1.3")
    first = client.connect(server)
    second = client.connect(server, session=first.session)
    assert second.resumed and second.hints == [86400]


def test_client_session_file_reads_hint_zero_as_unspecified():
    """tlslite-ng's client drops a ticket whose lifetime has passed; a hint
    of 0 means "unspecified", so the client command keeps such a ticket."""
    import time
    from tlslite.constants import CipherSuite
    from tlslite_tickets.cli import session_file
    record = {"protocol": "TLS 1.2", "server_name": "localhost",
              "cipher_suite":
                  CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
              "master_secret": bytes(48), "session_id": b"",
              "tickets": [{"ticket": b"t" * 80, "ticket_lifetime": 0,
                           "time": time.time() - 60}]}
    ticket = session_file.to_session(record).tls_1_0_tickets[0]
    assert ticket.ticket_lifetime == session_file.UNSPECIFIED_TLS12_LIFETIME
    assert ticket.valid()
    # what tlslite-ng's client would make of the hint as received
    ticket.ticket_lifetime = 0
    assert not ticket.valid()
    record["tickets"][0]["ticket_lifetime"] = 30
    assert not session_file.to_session(record).tls_1_0_tickets[0].valid()


class CountingCache(SessionCache):
    """tlslite-ng's session cache, counting lookups."""

    def __init__(self):
        super().__init__()
        self.lookups = 0

    def __getitem__(self, session_id):
        self.lookups += 1
        return super().__getitem__(session_id)


def session_cache_server(make_server, **fields):
    """A server with TLS 1.2 tickets off and a counting session cache."""
    cache = CountingCache()
    settings = ticket_settings(**fields)
    tt.SSL_CTX_set_options(settings, tt.SSL_OP_NO_TICKET)
    server = make_server(settings)
    server.handshake_args = {"sessionCache": cache}
    return server, cache


def test_session_ids_resume_tls12_and_tls13_never_asks_the_cache(
        make_server):
    # with TLS 1.2 tickets off, a session cache resumes by session ID; a
    # TLS 1.3 ClientHello's legacy session ID is random and never looked up
    server, cache = session_cache_server(make_server)
    client = PythonSSLClient("1.2")
    first = client.connect(server)
    assert first.tickets == 0
    assert client.connect(server, session=first.session).resumed
    assert cache.lookups >= 1
    lookups = cache.lookups
    tls13 = PythonSSLClient("1.3")
    assert tls13.connect(server, session=tls13.connect(server).session) \
        .resumed
    assert cache.lookups == lookups


def test_session_id_resumes_a_tls12_handshake_that_offered_tls13(
        make_server):
    # the client lists TLS 1.3 and 1.2 in supported_versions, the server
    # stops at TLS 1.2: its session ID is looked up as any TLS 1.2 one
    server, cache = session_cache_server(make_server, maxVersion=(3, 3))
    client = TlsliteClient("1.2")
    client.settings.maxVersion = (3, 4)
    first = client.connect(server)
    assert client.connect(server, session=first.session).resumed
    assert cache.lookups >= 1
