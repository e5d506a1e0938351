"""Statements of docs/spec.rst that no other test pinned down."""

import logging
import os

import pytest
from tlslite.api import HandshakeSettings, TLSConnection

import tlslite_tickets as tt
from support import (CallbackLog, PythonSSLClient, TlsliteClient,
                     ticket_settings)

TRACE = "tlslite_tickets.trace"


def test_dec_cb_session_and_keyname_by_status(make_server):
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_USE)
    server = make_server(ticket_settings(log))
    client = PythonSSLClient("1.2")
    first = client.connect(server)
    # no ticket yet: an empty extension, an empty key name, no session
    assert log.statuses == [tt.SSL_TICKET_EMPTY]
    assert log.keynames == [b""] and log.sessions == [None]
    log.reset()
    assert client.connect(server, session=first.session).resumed
    assert log.statuses == [tt.SSL_TICKET_SUCCESS]
    assert len(log.keynames[0]) == tt.KEY_NAME_LEN
    assert log.sessions[0] is not None
    # a ticket from a server with other keys: NO_DECRYPT, no session
    other_log = CallbackLog()
    other = make_server(ticket_settings(other_log))
    assert not client.connect(other, session=first.session).resumed
    assert other_log.statuses == [tt.SSL_TICKET_NO_DECRYPT]
    assert other_log.sessions == [None]
    assert other_log.keynames == log.keynames


def test_tls12_renewed_ticket_comes_before_change_cipher_spec(make_server,
                                                              caplog):
    server = make_server(ticket_settings(
        CallbackLog(ret=tt.SSL_TICKET_RETURN_USE_RENEW)))
    client = PythonSSLClient("1.2")
    first = client.connect(server)
    with caplog.at_level(logging.DEBUG, logger=TRACE):
        second = client.connect(server, session=first.session)
    assert second.resumed and second.tickets == 1
    ladder = [r.getMessage().split(None, 2)[2] for r in caplog.records
              if r.name == TRACE]
    sent = [line for line in ladder if line.startswith("->")]
    kinds = [line.split()[1] for line in sent]
    assert kinds[:4] == ["ServerHello", "NewSessionTicket",
                         "ChangeCipherSpec", "Finished"], sent
    assert "empty SessionTicket ext" in sent[0]


def test_tls13_ticket_age_add_is_32_random_bits(make_server):
    server = make_server(ticket_settings(num_tickets=8))
    result = TlsliteClient("1.3").connect(server)
    adds = [ticket.ticket_age_add for ticket in result.session.tickets]
    assert len(set(adds)) == 8
    # stock tlslite-ng 0.8.2 draws it from [1, 4096); 8 draws of 32 bits
    # all below 4096 happen once in 2**160 runs
    assert max(adds) >= 4096


def test_tls12_renewed_ticket_has_lifetime_hint_zero(make_server):
    settings = ticket_settings(CallbackLog(ret=tt.SSL_TICKET_RETURN_USE_RENEW),
                               ticketLifetime=3000)
    server = make_server(settings)
    client = PythonSSLClient("1.2")
    first = client.connect(server)
    assert first.session.ticket_lifetime_hint == 3000
    second = client.connect(server, session=first.session)
    assert second.resumed and second.tickets == 1
    # as OpenSSL: 0 ("unspecified", RFC 5077 3.3) on a resumed handshake
    assert second.session.ticket_lifetime_hint == 0


class StockConnection(TLSConnection):
    """Stock tlslite-ng, plus the counter the test server reads."""

    tickets_sent = 0


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_plain_settings_behave_like_stock_tlslite(make_server, version):
    seen = {}
    for connection_class in (StockConnection, tt.TicketTLSConnection):
        settings = HandshakeSettings()
        settings.ticketKeys = [bytearray(os.urandom(32))]
        server = make_server(settings, connection_class=connection_class)
        client = PythonSSLClient(version)
        first = client.connect(server)
        second = client.connect(server, session=first.session)
        record = server.last()
        assert record.error is None
        seen[connection_class] = (first.tickets, second.resumed,
                                  second.tickets, record.resumed)
    assert seen[tt.TicketTLSConnection] == seen[StockConnection]
    assert seen[StockConnection][1]  # the stock server did resume
