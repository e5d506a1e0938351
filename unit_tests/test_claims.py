"""Claims the README makes, each with a test that breaks when the claim does.

Every test here was checked by breaking the code on purpose (issue 12's
list of mutations that the rest of the suite let through): the test named
next to each claim fails when that mutation is applied.
"""

import socket
import ssl
import types

import pytest
from tlslite.constants import AlertDescription, CipherSuite
from tlslite.errors import TLSLocalAlert

import tlslite_tickets as tt
from tlslite_tickets import _aead, _ticket
from rawhello import exchange, tls12_hello, tls13_hello
from support import (HOST, TIMEOUT, CallbackLog, PythonSSLClient,
                     TlsliteClient, ticket_settings)

USE = tt.SSL_TICKET_RETURN_USE


def tls12_ticket(server, cipher_names=None):
    """A real TLS 1.2 ticket (and its session) from tlslite-ng's client."""
    client = TlsliteClient("1.2")
    if cipher_names:
        client.settings.cipherNames = cipher_names
    session = client.connect(server).session
    return bytes(session.tls_1_0_tickets[0].ticket), session


# -- TLS 1.2: what the server checks after dec_cb said USE ----------------

def test_etm_ticket_offered_without_etm_gives_full_handshake(make_server):
    # _refusal: "encrypt-then-MAC state differs" (tlslite-ng alone would
    # abort with illegal_parameter)
    log = CallbackLog(ret=USE)
    server = make_server(ticket_settings(log))
    ticket, session = tls12_ticket(server, cipher_names=["aes128"])  # CBC
    assert session.encryptThenMAC
    log.reset()
    # the same ticket with encrypt_then_mac offered resumes ...
    assert exchange(server, tls12_hello(ticket, etm=True)).resumed_tls12
    # ... without it: a full handshake and a fresh ticket, no alert
    flight = exchange(server, tls12_hello(ticket, etm=False))
    assert flight.alert is None
    assert not flight.resumed_tls12
    assert flight.ticket_ext is not None
    assert log.statuses == [tt.SSL_TICKET_SUCCESS] * 2


def test_ticket_suite_not_offered_gives_full_handshake(make_server):
    # _refusal: "its cipher suite is not offered" (tlslite-ng alone would
    # abort with illegal_parameter)
    log = CallbackLog(ret=USE)
    server = make_server(ticket_settings(log))
    ticket, session = tls12_ticket(server)
    suite = session.cipherSuite
    offered = [s for s in CipherSuite.ecdheEcdsaSuites if s != suite]
    assert suite in CipherSuite.ecdheEcdsaSuites and offered
    log.reset()
    assert exchange(server, tls12_hello(ticket)).resumed_tls12
    flight = exchange(server, tls12_hello(ticket, suites=offered))
    assert flight.alert is None
    assert not flight.resumed_tls12
    assert flight.server_hello.cipher_suite in offered
    assert flight.ticket_ext is not None
    assert log.statuses == [tt.SSL_TICKET_SUCCESS] * 2


def test_ticket_suite_no_longer_enabled_gives_fresh_ticket(make_server):
    # full_tls12: tlslite-ng refuses a session whose suite the server does
    # not enable; dec_cb said USE (no renewal), yet a fresh ticket follows
    keys = [tt.TicketKey.generate()]
    issuer = make_server(ticket_settings(ticket_keys=keys,
                                         cipherNames=["chacha20-poly1305"]))
    client = PythonSSLClient("1.2")
    first = client.connect(issuer)
    log = CallbackLog(ret=USE)
    # a twin with the same keys and another suite
    twin = make_server(ticket_settings(log, ticket_keys=keys,
                                       cipherNames=["aes128gcm"]))
    second = client.connect(twin, session=first.session)
    assert log.statuses == [tt.SSL_TICKET_SUCCESS]
    assert not second.resumed
    assert second.tickets == 1
    assert twin.last().error is None
    # with the suite enabled, the same offer resumes and gets no ticket
    log.reset()
    back = client.connect(issuer, session=first.session)
    assert back.resumed and back.tickets == 0


# -- TLS 1.3 -----------------------------------------------------------------

def test_forged_hello_cannot_burn_a_single_use_ticket(make_server):
    # README: "The store is asked after the binder is verified"
    server = make_server(ticket_settings(ticket_single_use=True))
    client = TlsliteClient("1.3")
    client.settings.cipherNames = ["aes128gcm"]
    session = client.connect(server).session
    ticket = session.tickets[0]
    forged = tls13_hello([bytes(ticket.ticket)], tickets=[ticket],
                         res_master_secret=session.resumptionMasterSecret,
                         corrupt_binder=0)
    assert exchange(server, forged).alert == AlertDescription.decrypt_error
    assert str(server.last().error) == \
        "decrypt_error: PSK binder does not verify"
    # the stolen-ticket hello failed; the real owner still resumes, once
    assert client.connect(server, session=session).resumed
    assert not client.connect(server, session=session).resumed


def test_ticket_age_add_is_random_32_bits(make_server):
    # README: "ticket_age_add is 32 random bits"
    server = make_server(ticket_settings())
    client = TlsliteClient("1.3")
    values = []
    for _ in range(3):
        conn_tickets = client.connect(server).session.tickets
        values += [t.ticket_age_add for t in conn_tickets]
    assert len(values) == 6
    assert all(0 <= v < 2 ** 32 for v in values)
    # six draws of 32 random bits collide or are all small with
    # probability below 2^-27
    assert len(set(values)) == 6
    assert max(values) >= 2 ** 24


def test_ticket_expected_is_sticky_across_psk_identities(make_server):
    # module docstring of _handshake: a renew asked by an earlier identity
    # is not undone by a later one that asks for none
    def renew_good_ignore_rest(status):
        if status == tt.SSL_TICKET_SUCCESS_RENEW:
            return tt.SSL_TICKET_RETURN_IGNORE_RENEW
        return tt.SSL_TICKET_RETURN_IGNORE

    log = CallbackLog(ret=renew_good_ignore_rest)
    server = make_server(ticket_settings(log))
    client = TlsliteClient("1.3")
    session = client.connect(server).session
    # tlslite-ng's client offers the ticket first, then its external PSK
    # (unknown to this server: NO_DECRYPT)
    client.settings.pskConfigs = [(bytearray(b"unknown external psk"),
                                   bytearray(b"p" * 32), "sha256")]
    log.reset()
    result = client.connect(server, session=session)
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW,
                            tt.SSL_TICKET_NO_DECRYPT]
    assert not result.resumed
    assert result.tickets == 2


def test_failed_new_session_ticket_is_fatal_not_swallowed(make_server):
    # SSL_new_session_ticket: gen_cb failing for the extra ticket ends the
    # connection with internal_error, as it does during the handshake
    log = CallbackLog()
    server = make_server(ticket_settings(log))

    def queue_one_more_then_fail(conn):
        assert tt.SSL_new_session_ticket(conn) == 1
        log.gen_result = 0

    server.after_handshake = queue_one_more_then_fail
    result = PythonSSLClient("1.3").connect(server)
    record = server.last()
    assert log.gen == 3
    assert isinstance(record.error, TLSLocalAlert)
    assert record.error.description == AlertDescription.internal_error
    assert result.reply == b""  # the answer never came
    assert result.tickets == 2


def test_failed_new_session_ticket_alert_reaches_the_client(make_server):
    log = CallbackLog()
    server = make_server(ticket_settings(log))

    def queue_and_fail(conn):
        tt.SSL_new_session_ticket(conn)
        log.gen_result = 0

    server.after_handshake = queue_and_fail
    client = PythonSSLClient("1.3")
    server.expect_connection()
    raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
    with client.context.wrap_socket(raw, server_hostname="localhost") as sock:
        sock.sendall(b"ping")
        with pytest.raises(ssl.SSLError) as info:
            sock.recv(100)
    assert "internal error" in str(info.value).lower()


# -- the ticket format -------------------------------------------------------

#: Known answer for format version 1: these contents under this key with
#: this nonce are these bytes, on both AEAD paths. If it changes, tickets
#: issued by an older release stop opening: bump FORMAT_VERSION instead.
KAT_KEY = tt.TicketKey(b"format-v1-key-nm", b"known-answer ticket key secret!!")
KAT_NONCE = bytes(range(0xa0, 0xac))
KAT_PLAINTEXT = "".join((
    "01",                                # format version
    "0304",                              # protocol version
    "1302",                              # cipher suite
    "0000018bcfe5687b",                  # created, ms
    "00001c20",                          # lifetime, s
    "01020304",                          # ticket_age_add
    "07",                                # flags: EMS, ETM, appdata
    "30" + bytes(range(48)).hex(),       # secret
    "000b" + b"kat.example".hex(),       # SNI
    "000008" + "000005" + "3003020105",  # client certificates
    "000a" + b"appdata v1".hex(),        # appdata
))
KAT_TICKET = (
    "666f726d61742d76312d6b65792d6e6d"  # key name
    "a0a1a2a3a4a5a6a7a8a9aaab"          # nonce
    "9f4e495f8a47692204307d056df54a30369f07809c989f9d0d5509b21db144bf"
    "be0a4ab55f4b1c2ca6cd5765ad1499d2455a3cdf301d348c42bed5e768822c68"
    "0725f9bdd9e1551eb1a4ee24db51e35b8f23cf9bfc587ed6c9b2ff9df6ba73fd"
    "430347cf5f14fdb4f7e6e6beab958d7c8c29e662b090f0f6038fd5")


def kat_contents():
    return tt.TicketContents(
        protocol_version=(3, 4), cipher_suite=0x1302, secret=bytes(range(48)),
        created_ms=1700000000123, lifetime=7200, age_add=0x01020304,
        server_name=b"kat.example", ems=True, etm=True,
        client_certs=[b"\x30\x03\x02\x01\x05"], appdata=b"appdata v1")


@pytest.mark.parametrize("backend", ["active", "pure"])
def test_format_version_1_known_answer(monkeypatch, backend):
    if backend == "pure":
        monkeypatch.setattr(_aead, "_AESGCM", None)
    assert _ticket.FORMAT_VERSION == 1
    assert kat_contents().encode().hex() == KAT_PLAINTEXT
    monkeypatch.setattr(_ticket, "os", types.SimpleNamespace(
        urandom=lambda n: KAT_NONCE[:n]))
    assert _ticket.seal(KAT_KEY, kat_contents()).hex() == KAT_TICKET
    # and the stored bytes still open to the same contents
    opened = _ticket.open_ticket(KAT_KEY, bytes.fromhex(KAT_TICKET))
    for field in _ticket.TicketContents.__slots__:
        assert getattr(opened, field) == getattr(kat_contents(), field), field


def test_new_session_ticket_sends_exactly_what_was_queued(make_server):
    # one SSL_new_session_ticket call is one ticket, however many writes
    # follow it
    server = make_server(ticket_settings())

    def queue_one_then_write_twice(conn):
        assert tt.SSL_new_session_ticket(conn) == 1
        conn.write(b"first;")

    server.after_handshake = queue_one_then_write_twice
    result = PythonSSLClient("1.3").connect(server)
    assert result.reply == b"first;echo:ping"
    assert result.tickets == 3 and server.last().tickets_sent == 3
