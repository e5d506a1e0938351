"""What the server checks after dec_cb said USE, and TLS 1.3 PSK lists.

Spec section 3: an expired ticket, or one made for another protocol
version, cipher-suite hash, server name or extended-master-secret state,
gives a full handshake and a fresh ticket (a TLS 1.3 ticket for another
hash: no fresh ticket, as in OpenSSL), never an abort. A bad binder is
fatal decrypt_error. dec_cb runs once per PSK identity tried.
"""

import pytest
from tlslite.constants import AlertDescription

import tlslite_tickets as tt
from rawhello import exchange, tls12_hello, tls13_hello
from support import (CallbackLog, FakeClock, PythonSSLClient, TlsliteClient,
                     ticket_settings)

USE = tt.SSL_TICKET_RETURN_USE
FULL_TICKETS = {"1.2": 1, "1.3": 2}


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_expired_ticket_gives_full_handshake(make_server, version):
    clock = FakeClock()
    log = CallbackLog(ret=USE)
    server = make_server(ticket_settings(log, ticket_clock=clock,
                                         ticketLifetime=600))
    client = PythonSSLClient(version)
    first = client.connect(server)
    clock.advance(599)
    assert client.connect(server, session=first.session).resumed
    clock.advance(2)
    log.reset()
    late = client.connect(server, session=first.session)
    assert log.dec == 1  # dec_cb said USE ...
    assert not late.resumed  # ... but the ticket had expired
    assert late.tickets == FULL_TICKETS[version]
    assert server.last().error is None


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_other_server_name_gives_full_handshake(make_server, version):
    log = CallbackLog(ret=USE)
    server = make_server(ticket_settings(log))
    client = PythonSSLClient(version)
    first = client.connect(server, sni="a.localhost")
    log.reset()
    other = client.connect(server, session=first.session, sni="b.localhost")
    assert log.dec == 1
    assert not other.resumed
    assert other.tickets == FULL_TICKETS[version]
    # a ticket made without SNI resumes without SNI
    client = TlsliteClient(version)
    unnamed = client.connect(server, sni=None)
    assert client.connect(server, session=unnamed.session, sni=None).resumed


@pytest.mark.parametrize("ret", [USE, tt.SSL_TICKET_RETURN_USE_RENEW])
def test_other_cipher_hash_gives_full_handshake_and_no_ticket(make_server,
                                                              ret):
    # OpenSSL's tls_parse_ctos_psk drops a ticket for another hash and
    # clears ticket_expected, whatever dec_cb answered: no fresh ticket
    log = CallbackLog(ret=ret)
    server = make_server(ticket_settings(log))
    client = TlsliteClient("1.3")
    client.settings.cipherNames = ["aes256gcm"]  # TLS_AES_256_GCM_SHA384
    first = client.connect(server)
    client.settings.cipherNames = ["aes128gcm"]  # TLS_AES_128_GCM_SHA256
    log.reset()
    second = client.connect(server, session=first.session)
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW]
    assert not second.resumed
    assert second.tickets == 0


def tls13_ticket(make_server, log=None):
    """A real TLS 1.3 ticket from tlslite-ng's client, with its secrets
    (for TLS_AES_128_GCM_SHA256, the suite the hand-built hellos offer)."""
    server = make_server(ticket_settings(log))
    client = TlsliteClient("1.3")
    client.settings.cipherNames = ["aes128gcm"]
    result = client.connect(server)
    return server, result.session


def test_tls13_ticket_in_tls12_extension_is_refused(make_server):
    log = CallbackLog(ret=USE)
    server, session = tls13_ticket(make_server, log)
    log.reset()
    flight = exchange(server, tls12_hello(session.tickets[0].ticket))
    assert log.statuses == [tt.SSL_TICKET_SUCCESS]
    assert not flight.resumed_tls12
    assert flight.ticket_ext is not None  # a fresh ticket is promised


def test_tls12_ticket_ignored_when_tls13_is_negotiated(make_server):
    log = CallbackLog(ret=USE)
    server = make_server(ticket_settings(log))
    old = TlsliteClient("1.2").connect(server)
    assert old.session.tls_1_0_tickets
    log.reset()
    # same session, but the client now offers TLS 1.3 too: the TLS 1.2
    # ticket rides in the SessionTicket extension, which TLS 1.3 ignores
    new = TlsliteClient("1.3").connect(server, session=old.session)
    assert not new.resumed and not server.last().resumed
    assert log.dec == 0
    assert new.tickets == 2


def test_tls12_ticket_as_tls13_identity_is_refused(make_server):
    log = CallbackLog(ret=USE)
    server = make_server(ticket_settings(log))
    old = TlsliteClient("1.2").connect(server)
    ticket = bytes(old.session.tls_1_0_tickets[0].ticket)
    log.reset()
    flight = exchange(server, tls13_hello(
        [ticket], psk_configs=[(bytearray(ticket), bytearray(32), "sha256")]))
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW]
    assert flight.alert is None
    assert flight.selected_identity is None


def test_ems_mismatch_gives_full_handshake(make_server):
    log = CallbackLog(ret=USE)
    server = make_server(ticket_settings(log))
    first = PythonSSLClient("1.2").connect(server)  # OpenSSL sends EMS
    log.reset()
    # OpenSSL's session is opaque, so resume by hand without EMS: our own
    # TLS 1.2 client got a ticket for an EMS session too
    old = TlsliteClient("1.2").connect(server)
    ticket = old.session.tls_1_0_tickets[0].ticket
    log.reset()
    assert exchange(server, tls12_hello(ticket, ems=True)).resumed_tls12
    flight = exchange(server, tls12_hello(ticket, ems=False))
    assert log.statuses == [tt.SSL_TICKET_SUCCESS] * 2
    assert not flight.resumed_tls12
    assert flight.ticket_ext is not None
    assert first.tickets == 1


def test_tls12_hello_with_a_tls13_legacy_version_resumes_as_tls12(
        make_server):
    # no supported_versions extension: TLS 1.2 at most (RFC 8446 4.2.1),
    # whatever the legacy version field says, so the ticket is a TLS 1.2 one
    log = CallbackLog(ret=USE)
    server = make_server(ticket_settings(log))
    ticket = TlsliteClient("1.2").connect(server).session.tls_1_0_tickets[0]
    hello = tls12_hello(ticket.ticket)
    hello.client_version = (3, 4)
    log.reset()
    flight = exchange(server, hello)
    assert not flight.tls13 and flight.resumed_tls12
    assert log.statuses == [tt.SSL_TICKET_SUCCESS]


def psk_hello(session, identities):
    """A TLS 1.3 ClientHello offering ``identities`` (real ticket or junk)."""
    ticket = session.tickets[0]
    junk = [(bytearray(i), bytearray(32), "sha256") for i in identities
            if i != bytes(ticket.ticket)]
    return tls13_hello(identities, psk_configs=junk, tickets=[ticket],
                       res_master_secret=session.resumptionMasterSecret)


def test_garbage_identity_first_then_good_one(make_server):
    log = CallbackLog(ret=USE)
    server, session = tls13_ticket(make_server, log)
    good = bytes(session.tickets[0].ticket)
    log.reset()
    flight = exchange(server, psk_hello(session, [b"g" * 60, good]))
    assert flight.alert is None
    assert flight.selected_identity == 1
    assert log.statuses == [tt.SSL_TICKET_NO_DECRYPT,
                            tt.SSL_TICKET_SUCCESS_RENEW]
    assert log.keynames[0] == b"g" * 16


def test_ticket_for_another_hash_passes_to_the_next_identity(make_server):
    # unlike an expired ticket, which ends the search, a ticket for another
    # hash is skipped and the next identity judged (its binder is never
    # checked, so a dummy one of the hello's binder size will do)
    log = CallbackLog(ret=USE)
    server, session = tls13_ticket(make_server, log)
    client = TlsliteClient("1.3")
    client.settings.cipherNames = ["aes256gcm"]  # TLS_AES_256_GCM_SHA384
    other_hash = bytes(client.connect(server).session.tickets[0].ticket)
    good = bytes(session.tickets[0].ticket)
    log.reset()
    flight = exchange(server, psk_hello(session, [other_hash, good]))
    assert flight.alert is None
    assert flight.selected_identity == 1
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW] * 2


def test_good_identity_first_stops_the_search(make_server):
    log = CallbackLog(ret=USE)
    server, session = tls13_ticket(make_server, log)
    good = bytes(session.tickets[0].ticket)
    log.reset()
    flight = exchange(server, psk_hello(session, [good, b"short"]))
    assert flight.selected_identity == 0
    assert log.dec == 1


def test_abort_on_any_identity_is_fatal(make_server):
    def abort_garbage(status):
        if status == tt.SSL_TICKET_NO_DECRYPT:
            return tt.SSL_TICKET_RETURN_ABORT
        return USE

    log = CallbackLog(ret=abort_garbage)
    server, session = tls13_ticket(make_server, log)
    good = bytes(session.tickets[0].ticket)
    log.reset()
    flight = exchange(server, psk_hello(session, [b"x" * 50, good]))
    assert flight.alert == AlertDescription.internal_error
    assert log.dec == 1  # the good identity after it was never tried


def test_short_identity_key_name(make_server):
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_IGNORE)
    server, session = tls13_ticket(make_server, log)
    log.reset()
    exchange(server, psk_hello(session, [b"abc"]))
    assert log.statuses == [tt.SSL_TICKET_NO_DECRYPT]
    assert log.keynames == [b"abc"]


def test_bad_binder_is_decrypt_error(make_server):
    log = CallbackLog(ret=USE)
    server, session = tls13_ticket(make_server, log)
    hello = tls13_hello([bytes(session.tickets[0].ticket)],
                        tickets=[session.tickets[0]],
                        res_master_secret=session.resumptionMasterSecret,
                        corrupt_binder=0)
    flight = exchange(server, hello)
    assert flight.alert == AlertDescription.decrypt_error
    assert flight.types == []


def test_tampered_tls13_ticket_gives_fresh_tickets(make_server):
    log = CallbackLog(ret=USE)
    server, session = tls13_ticket(make_server, log)
    ticket = session.tickets[0]
    ticket.ticket = ticket.ticket[:-1] + bytearray([ticket.ticket[-1] ^ 1])
    log.reset()
    result = TlsliteClient("1.3").connect(server, session=session)
    assert not result.resumed
    assert log.statuses == [tt.SSL_TICKET_NO_DECRYPT]
    assert result.tickets == 2


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_resumed_session_keeps_the_client_certificate(make_server,
                                                      credentials, version):
    # the ticket carries the client's certificate chain, so a resumed
    # connection knows who the client is without asking again
    server = make_server(ticket_settings())
    server.handshake_args = {"reqCert": True}
    chains = []
    server.after_handshake = lambda conn: chains.append(
        conn.session.clientCertChain)
    client = TlsliteClient(version)
    client.certificate = credentials  # the test certificate, as a client's
    first = client.connect(server)
    assert client.connect(server, session=first.session).resumed
    expected = credentials[0].x509List[0].writeBytes()
    assert [[c.writeBytes() for c in chain.x509List] for chain in chains] \
        == [[expected]] * 2



@pytest.mark.parametrize("modes", [["psk_dhe_ke"], ["psk_ke"]])
def test_either_psk_mode_resumes_and_use_sends_no_ticket(make_server, modes):
    # psk_ke alone is a PSK offer as good as psk_dhe_ke: its tickets are
    # judged, and USE (no renewal) means no new ticket
    log = CallbackLog(ret=USE)
    server = make_server(ticket_settings(log))
    client = TlsliteClient("1.3")
    client.settings.psk_modes = modes
    first = client.connect(server)
    log.reset()
    again = client.connect(server, session=first.session)
    assert again.resumed and log.dec == 1
    assert again.tickets == 0
