"""OpenSSL's ticket format: the SSL_SESSION DER codec, its strictness, the
AES-CBC + HMAC sealing (both AES backends), key files of 48 bytes, the
settings, and the handshake with our own server on both ends."""

import hashlib
import hmac
import logging
import os
import subprocess

import pytest
from tlslite.constants import ExtensionType
from tlslite.extensions import TLSExtension
from tlslite.utils.cryptomath import HKDF_expand_label

import tlslite_tickets as tt
from tlslite_tickets import _cbc, _der, _openssl_session, _openssl_ticket
from tlslite_tickets._openssl_session import OpenSSLSession
from tlslite_tickets._ticket import TicketDecodeError
from rawhello import exchange, tls12_hello, tls13_hello
from support import (CallbackLog, FakeClock, PythonSSLClient, TlsliteClient,
                     nst_ticket, ticket_settings)
from test_secrets import assert_clean

KEY80 = tt.OpenSSLTicketKey(b"N" * 16, bytes(range(64)))
KEY48 = tt.OpenSSLTicketKey(b"M" * 16, bytes(range(100, 132)))


def full_session(**changes):
    fields = dict(time=1700000000, timeout=7200, sid_ctx=b"ctx",
                  hostname=b"localhost", flags=None, age_add=0x80000001,
                  alpn=b"h2", ticket_appdata=b"app\x00data", kex_group=29)
    fields.update(changes)
    return OpenSSLSession(0x0304, 0x1301, b"S" * 32, b"K" * 32, **fields)


# -- the DER codec -----------------------------------------------------------

def test_round_trip_keeps_every_field():
    session = full_session(peer=_der.encode_sequence([
        _der.encode_integer(5)]), verify_result=20, lifetime_hint=300,
        max_early_data=16384)
    back = _openssl_session.decode(session.encode())
    for name in OpenSSLSession.__slots__:
        assert getattr(back, name) == getattr(session, name), name


def test_layout_is_what_openssl_writes():
    der = full_session().encode()
    items = _der.parse_single(der).children()
    assert [_der.integer(i) for i in items[:2]] == [1, 0x0304]
    assert items[2].value == b"\x13\x01"
    tags = [i.number for i in items[5:]]
    # zero integers left out ([13] flags here), kex_group always written
    assert tags == [1, 2, 4, 6, 14, 16, 18, 19]
    # a uint32 of 2^31 or more is positive: a leading zero byte
    age_add = _der.explicit(items[5 + tags.index(14)])
    assert age_add.value == b"\x00\x80\x00\x00\x01"


def test_empty_context_is_written_and_zero_group_too():
    der = OpenSSLSession(0x0303, 0xc02f, b"", b"M" * 48, sid_ctx=b"",
                         kex_group=0).encode()
    tags = [i.number for i in _der.parse_single(der).children()[5:]]
    assert tags == [4, 19]


def _tampered(make):
    """DER built by ``make(elements)`` from a valid session's elements."""
    good = _der.parse_single(full_session().encode()).children()
    raw = [_der.encode_tlv((i.cls << 6) | (0x20 if i.constructed else 0) |
                           i.number, i.value) for i in good]
    return _der.encode_sequence(make(raw))


BAD_SESSIONS = {
    "tags out of order": lambda r: r[:5] + [r[6], r[5]] + r[7:],
    "a tag twice": lambda r: r[:6] + [r[5]] + r[6:],
    "an unknown tag": lambda r: r + [_der.encode_explicit(
        21, _der.encode_integer(1))],
    "a padded integer": lambda r: r[:5] + [_der.encode_explicit(
        1, b"\x02\x02\x00\x05")] + r[6:],
    "an unsigned field that is negative": lambda r: r[:9] + [
        _der.encode_explicit(14, b"\x02\x04\x80\x00\x00\x01")] + r[10:],
    "version 2": lambda r: [_der.encode_integer(2)] + r[1:],
    "not TLS": lambda r: [r[0], _der.encode_integer(0x0204)] + r[2:],
    "a 3-byte cipher": lambda r: r[:2] + [_der.encode_octets(b"\x13\x01\x00")]
    + r[3:],
    "a 33-byte session id": lambda r: r[:3] + [_der.encode_octets(b"S" * 33)]
    + r[4:],
    "a 65-byte master key": lambda r: r[:4] + [_der.encode_octets(b"K" * 65)]
    + r[5:],
    "a 33-byte context": lambda r: r[:7] + [_der.encode_explicit(
        4, _der.encode_octets(b"c" * 33))] + r[8:],
    "a missing field": lambda r: r[:4],
    "an implicit tag where explicit is due": lambda r: r[:5] + [
        b"\x81\x01\x05"] + r[6:],
}


@pytest.mark.parametrize("name", sorted(BAD_SESSIONS))
def test_strict_reader_refuses(name):
    with pytest.raises(_der.DERError):
        _openssl_session.decode(_tampered(BAD_SESSIONS[name]))


def test_strict_reader_refuses_trailing_bytes_and_long_lengths():
    der = full_session().encode()
    with pytest.raises(_der.DERError):
        _openssl_session.decode(der + b"\x00")
    # the same SEQUENCE with a needlessly long length form
    body = _der.parse_single(der).value
    assert len(body) < 256
    with pytest.raises(_der.DERError):
        _openssl_session.decode(b"\x30\x82" + len(body).to_bytes(2, "big")
                                + body)


def test_reads_what_openssl_s_client_writes(tmp_path, make_server):
    """A real ``-sess_out`` session: OpenSSL's own encoder, read strictly."""
    server = make_server(ticket_settings())
    path = str(tmp_path / "sess.pem")
    server.expect_connection()
    subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:{0}"
                    .format(server.port), "-tls1_3", "-servername",
                    "localhost", "-sess_out", path, "-ign_eof"],
                   input=b"ping\n", capture_output=True, timeout=20)
    with open(path) as handle:
        [(label, der)] = _der.pem_blocks(handle.read())
    session = _openssl_session.decode(der)
    assert session.protocol_version == (3, 4)
    # a client's session: the server's certificate, its verify result
    # (18: self-signed), the ticket and its lifetime hint
    assert session.ticket and session.lifetime_hint == 86400
    assert session.peer.startswith(b"\x30\x82")
    assert session.verify_result == 18 and session.sid_ctx == b""


# -- sealing and opening -----------------------------------------------------

@pytest.mark.parametrize("key", [KEY80, KEY48], ids=["80", "48"])
def test_seal_and_open_on_both_aes_backends(key):
    der = full_session().encode()
    for seal_pure in (False, True):
        ticket = _openssl_ticket.seal_der(key, der, pure=seal_pure)
        assert ticket[:16] == key.name
        assert (len(ticket) - 64) % 16 == 0
        for open_pure in (False, True):
            assert _openssl_ticket.open_der(key, ticket, open_pure) == der


def test_both_backends_give_the_same_bytes():
    iv = os.urandom(16)
    data = os.urandom(96)
    for key in (KEY80.aes_key, KEY48.aes_key):
        fast = _cbc.cbc_encrypt(key, iv, data)
        assert fast == _cbc.cbc_encrypt(key, iv, data, pure=True)
        assert _cbc.cbc_decrypt(key, iv, fast, pure=True) == data


def test_the_ticket_layout_byte_by_byte():
    der = full_session().encode()
    ticket = _openssl_ticket.seal_der(KEY80, der)
    name, iv, body, mac = (ticket[:16], ticket[16:32], ticket[32:-32],
                           ticket[-32:])
    assert name == KEY80.name
    assert mac == hmac.new(bytes(range(32)), ticket[:-32],
                           hashlib.sha256).digest()
    padded = _cbc.cbc_decrypt(bytes(range(32, 64)), iv, body)
    pad = 16 - len(der) % 16
    assert padded == der + bytes((pad,)) * pad


def _forge(key, padded):
    """A ticket with a valid HMAC around chosen CBC plaintext."""
    iv = os.urandom(16)
    body = key.name + iv + _cbc.cbc_encrypt(key.aes_key, iv, padded)
    return body + hmac.new(key.hmac_key, body, hashlib.sha256).digest()


@pytest.mark.parametrize("padded", [b"\x00" * 16, b"A" * 15 + b"\x11",
                                    b"A" * 14 + b"\x01\x02"])
def test_bad_padding_under_a_valid_mac_does_not_open(padded):
    with pytest.raises(TicketDecodeError):
        _openssl_ticket.open_der(KEY80, _forge(KEY80, padded))


def test_failures_to_open():
    ticket = _openssl_ticket.seal_der(KEY80, full_session().encode())
    flipped = bytearray(ticket)
    flipped[40] ^= 1
    for bad in (ticket[:-1], ticket[:63], bytes(flipped),
                KEY48.name + ticket[16:]):
        with pytest.raises(TicketDecodeError):
            _openssl_ticket.open_der(KEY80, bad)
    with pytest.raises(TicketDecodeError):
        _openssl_ticket.open_der(KEY48, ticket)


def test_expiry_follows_openssl():
    contents = _openssl_ticket.OpenSSLContents(full_session(
        time=1000, timeout=10), now=0)
    assert not contents.expired(1010.9) and contents.expired(1011)
    assert not contents.expired(500)  # a time in the future is accepted
    no_timeout = _openssl_ticket.OpenSSLContents(full_session(
        time=1000, timeout=None), now=0)
    assert not no_timeout.expired(1003) and no_timeout.expired(1004)
    no_time = _openssl_ticket.OpenSSLContents(full_session(
        time=None, timeout=10), now=5000.5)
    assert no_time.created_ms == 5000000


# -- keys and settings -------------------------------------------------------

def test_48_byte_key_file_layout(tmp_path):
    raw = os.urandom(48)
    path = tmp_path / "k48"
    path.write_bytes(raw)
    [key] = tt.load_key_file(str(path))
    assert (key.name, key.aes_key, key.hmac_key) == (raw[:16], raw[16:32],
                                                     raw[32:])
    raw80 = os.urandom(80)
    path.write_bytes(raw80)
    [key] = tt.load_key_file(str(path))
    assert (key.name, key.hmac_key, key.aes_key) == (raw80[:16],
                                                     raw80[16:48], raw80[48:])
    path.write_bytes(os.urandom(96))
    assert len(tt.load_key_file(str(path))) == 2


def test_key_repr_hides_the_secret():
    text = repr(KEY80)
    assert KEY80.hmac_key.hex() not in text and KEY80.aes_key.hex() not in text
    with pytest.raises(ValueError):
        tt.OpenSSLTicketKey(b"N" * 16, b"x" * 40)


@pytest.mark.parametrize("fields, message", [
    ({"ticket_format": "gcm"}, "ticket_format"),
    ({"ticket_format": "openssl"}, "ticket_key_files"),
    ({"ticket_format": "openssl", "ticket_keys": [tt.TicketKey(b"n" * 16,
                                                               b"s" * 32)]},
     "OpenSSLTicketKey"),
    ({"ticket_format": "openssl", "ticket_keys": [KEY80],
      "openssl_sid_ctx": b"c" * 33}, "32 bytes"),
    ({"ticket_format": "openssl", "ticket_keys": [KEY80],
      "openssl_sid_ctx": "text"}, "bytes"),
])
def test_settings_errors(fields, message):
    with pytest.raises(ValueError, match=message):
        ticket_settings(**fields).validate()


# -- handshakes with our server on both ends ---------------------------------

def openssl_settings(log=None, **fields):
    fields.setdefault("ticket_keys", [KEY80])
    return ticket_settings(log, ticket_format="openssl",
                           openssl_sid_ctx=b"our context", **fields)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("client_class", [PythonSSLClient, TlsliteClient])
def test_resumption_and_appdata(make_server, version, client_class):
    log = CallbackLog(appdata=b"app")
    server = make_server(openssl_settings(log))
    client = client_class(version)
    first = client.connect(server)
    second = client.connect(server, first.session)
    assert second.resumed and server.last().resumed
    assert [tt.get_appdata(s) for s in log.sessions if s] == [b"app"]
    assert server.last().appdata == b"app"


def test_rotation_renews_under_the_first_key(make_server):
    old, new = KEY48, KEY80
    # dec_cb answers as OpenSSL does without one: renew only when asked
    log = CallbackLog(ret=lambda status: tt.SSL_TICKET_RETURN_USE_RENEW
                      if status == tt.SSL_TICKET_SUCCESS_RENEW
                      else tt.SSL_TICKET_RETURN_USE)
    issuer = make_server(openssl_settings(ticket_keys=[old]))
    server = make_server(openssl_settings(log, ticket_keys=[new, old]))
    client = PythonSSLClient("1.2")
    first = client.connect(issuer)
    second = client.connect(server, first.session)
    assert second.resumed and second.tickets == 1
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW]
    third = client.connect(server, second.session)
    assert third.resumed and third.tickets == 0
    assert log.statuses[-1] == tt.SSL_TICKET_SUCCESS
    assert log.keynames == [old.name, new.name]


@pytest.mark.parametrize("secret_len", [64, 32])
def test_key_callback_secrets(make_server, secret_len):
    secret = os.urandom(secret_len)

    def key_cb(conn, name, enc):
        return (1, b"C" * 16, secret) if enc else (1, secret)
    log = CallbackLog()
    server = make_server(ticket_settings(
        log, ticket_format="openssl", ticket_key_cb=key_cb))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    assert client.connect(server, first.session).resumed
    assert log.statuses == [tt.SSL_TICKET_SUCCESS]


def test_a_different_context_or_an_expired_ticket_is_refused(make_server):
    clock = FakeClock()
    log = CallbackLog()
    server = make_server(openssl_settings(log, ticket_clock=clock,
                                          ticketLifetime=100))
    other = make_server(ticket_settings(
        CallbackLog(), ticket_format="openssl", ticket_keys=[KEY80],
        openssl_sid_ctx=b"their context"))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    hop = client.connect(other, first.session)
    assert not hop.resumed and hop.tickets
    clock.advance(100)
    assert client.connect(server, first.session).resumed
    clock.advance(1)
    late = client.connect(server, first.session)
    assert not late.resumed and late.tickets


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_every_field_our_server_writes(make_server, version):
    log = CallbackLog(appdata=b"A\x00")
    clock = FakeClock(1700000000.75)
    server = make_server(openssl_settings(log, ticket_clock=clock,
                                          ticketLifetime=600))
    client = PythonSSLClient(version)
    client.connect(server)
    [message] = client._tickets[-1:]
    inner = _openssl_session.decode(_openssl_ticket.open_der(
        KEY80, nst_ticket(message, version == "1.3")))
    assert inner.protocol_version == ((3, 4) if version == "1.3" else (3, 3))
    assert (inner.time, inner.timeout) == (1700000000, 600)
    assert inner.sid_ctx == b"our context"
    assert inner.hostname == b"localhost"
    assert inner.ticket_appdata == b"A\x00"
    assert inner.peer is None and inner.verify_result is None
    if version == "1.3":
        assert len(inner.session_id) == 32 and inner.flags is None
        # the age_add the client was told
        assert inner.age_add == int.from_bytes(message[8:12], "big")
        assert len(inner.master_key) in (32, 48)
        # tlslite-ng 0.9 tells the group (x25519 first for OpenSSL)
        conn_has_group = hasattr(tt.TicketTLSConnection(None), "ecdhCurve")
        assert inner.kex_group == (0x1d if conn_has_group else 0)
    else:
        assert inner.session_id == b"" and inner.ems
        assert inner.age_add is None and len(inner.master_key) == 48
        assert inner.kex_group == 0


def test_alpn_and_client_certificate_fields():
    contents = tt.TicketContents((3, 3), 0xc02f, b"M" * 48, 1700000000999,
                                 300, ems=True, client_certs=[
                                     _der.encode_sequence([b"\x05\x00"]),
                                     b"chain certificate"])
    session = _openssl_ticket.session_for(contents, b"ctx", alpn=b"h2",
                                          kex_group=23)
    back = _openssl_session.decode(session.encode())
    assert back.alpn == b"h2" and back.kex_group == 23
    # OpenSSL keeps the peer's leaf certificate only
    assert back.peer == b"\x30\x02\x05\x00"
    # tlslite-ng does not verify client certificates: never "ok" (0)
    assert back.verify_result == 50
    assert back.time == 1700000000 and back.flags == 1


# -- OpenSSL's checks on a decrypted ticket, with forged TLS 1.2 tickets -----

NOW = 1700000000


def forged(**changes):
    """A TLS 1.2 ticket as nginx would seal it, under KEY80."""
    fields = dict(ssl_version=0x0303, cipher_suite=0xc02b, session_id=b"",
                  master_key=b"\x42" * 48, time=NOW - 10, timeout=300,
                  sid_ctx=b"our context", flags=1, kex_group=29)
    fields.update(changes)
    return _openssl_ticket.seal_der(KEY80, OpenSSLSession(**fields).encode())


@pytest.mark.parametrize("changes, hello, resumes", [
    ({}, {}, True),
    ({"hostname": b"other.example"}, {}, True),  # SNI is not compared
    ({"time": NOW + 3600}, {}, True),  # a time in the future is accepted
    ({"time": None}, {}, True),  # a missing time is "now"
    ({"time": NOW - 301}, {}, False),  # expired
    ({"time": NOW - 4, "timeout": None}, {}, False),  # no timeout: 3 s
    ({"time": NOW - 3, "timeout": None}, {}, True),
    ({"sid_ctx": b"their context"}, {}, False),
    ({"sid_ctx": None}, {}, False),
    ({"ssl_version": 0x0304}, {}, False),
    ({"cipher_suite": 0xc02c}, {"suites": (0xc02b,)}, False),
    ({"flags": 0}, {}, False),  # EMS state differs
    ({}, {"ems": False}, False),
])
def test_openssl_checks_after_dec_cb(make_server, changes, hello, resumes):
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_USE)
    server = make_server(openssl_settings(log, ticket_clock=FakeClock(NOW)))
    flight = exchange(server, tls12_hello(forged(**changes), **hello))
    assert flight.alert is None
    assert log.statuses == [tt.SSL_TICKET_SUCCESS]
    assert flight.resumed_tls12 == resumes
    # refused after dec_cb said USE: a full handshake and a fresh ticket
    assert (flight.ticket_ext is not None) == (not resumes)


def test_encrypt_then_mac_is_negotiated_afresh(make_server):
    """OpenSSL keeps no ETM state in a session: a CBC suite resumes with
    ETM when the client offers it now, and without when it does not."""
    server = make_server(openssl_settings(ticket_clock=FakeClock(NOW)))
    ticket = forged(cipher_suite=0xc009)
    for offered in (True, False):
        hello = tls12_hello(ticket, suites=(0xc009,))
        if offered:
            hello.extensions.append(TLSExtension(
                extType=ExtensionType.encrypt_then_mac).create(bytearray()))
        flight = exchange(server, hello)
        assert flight.alert is None and flight.resumed_tls12
        assert (flight.server_hello.getExtension(
            ExtensionType.encrypt_then_mac) is not None) == offered


def test_single_use_tickets(make_server):
    server = make_server(openssl_settings(ticket_single_use=True))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    assert client.connect(server, first.session).resumed
    assert not client.connect(server, first.session).resumed


def test_the_sealed_ticket_carries_the_negotiated_alpn():
    from tlslite.session import Session
    from tlslite_tickets._codec import OpenSSLCodec
    session = Session()
    session.appProto = bytearray(b"http/1.1")
    contents = tt.TicketContents((3, 4), 0x1301, b"P" * 32, 1700000000000,
                                 300, age_add=5)
    ticket = OpenSSLCodec(b"ctx").seal(KEY48, contents, session, None)
    opened = _openssl_session.decode(_openssl_ticket.open_der(KEY48, ticket))
    assert opened.alpn == b"http/1.1" and opened.sid_ctx == b"ctx"
    assert opened.age_add == 5 and opened.kex_group == 0


def test_nothing_secret_in_traces_reprs_or_errors(make_server, tmp_path,
                                                  caplog):
    raw = os.urandom(48)
    path = tmp_path / "ticket.key"
    path.write_bytes(raw)
    secrets = [raw[16:32], raw[32:]]
    texts = []

    def keep(conn):
        for value in (conn.session.masterSecret,
                      conn.session.resumptionMasterSecret):
            if value:
                secrets.append(bytes(value))
    with caplog.at_level(logging.DEBUG):
        settings = ticket_settings(CallbackLog(), ticket_key_files=[
            str(path)], ticket_format="openssl")
        server = make_server(settings)
        server.after_handshake = keep
        key = settings.validate().ticket_key_ring.encryption_key(0)
        texts += [repr(settings), repr(key), str(key)]
        for version in ("1.2", "1.3"):
            client = PythonSSLClient(version)
            first = client.connect(server)
            assert client.connect(server, first.session).resumed
            der = _openssl_ticket.open_der(key, nst_ticket(
                client._tickets[-1], version == "1.3"))
            session = _openssl_session.decode(der)
            secrets.append(session.master_key)
            texts += [repr(session), repr(_openssl_ticket.OpenSSLContents(
                session, 0))]
            with pytest.raises(_der.DERError) as info:
                _openssl_session.decode(der[:-1])
            texts.append(str(info.value))
    texts += [r.getMessage() for r in caplog.records]
    assert_clean("\n".join(texts), secrets)
    assert len(secrets) >= 6


class _ClientTicket:
    """What tlslite-ng's binder code reads of a ticket the client holds."""

    def __init__(self, ticket, nonce):
        self.ticket = bytearray(ticket)
        self.ticket_nonce = bytearray(nonce)


@pytest.mark.parametrize("changes, resumes", [
    ({}, True),
    ({"cipher_suite": 0x1303}, True),  # another suite, the same hash
    ({"cipher_suite": 0x1302}, False),
    ({"ssl_version": 0x0303}, False),
    ({"sid_ctx": b"their context"}, False),
    ({"time": NOW - 301}, False),
])
def test_openssl_checks_in_tls13(make_server, changes, resumes):
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_USE)
    server = make_server(openssl_settings(log, ticket_clock=FakeClock(NOW)))
    # the PSK a client holding (secret, nonce) derives, as nginx's would be
    secret, nonce = os.urandom(32), b"\x00" * 8
    psk = bytes(HKDF_expand_label(bytearray(secret), b"resumption",
                                  bytearray(nonce), 32, "sha256"))
    fields = dict(ssl_version=0x0304, cipher_suite=0x1301,
                  session_id=os.urandom(32), master_key=psk,
                  time=NOW - 10, timeout=300, sid_ctx=b"our context",
                  age_add=7, kex_group=29)
    fields.update(changes)
    ticket = _openssl_ticket.seal_der(KEY80,
                                      OpenSSLSession(**fields).encode())
    flight = exchange(server, tls13_hello(
        [ticket], tickets=[_ClientTicket(ticket, nonce)],
        res_master_secret=bytearray(secret)))
    assert flight.alert is None
    assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW]
    assert (flight.selected_identity == 0) == resumes


def _every_tag(comp_id=b"\x01"):
    octets, integer = _der.encode_octets, _der.encode_integer
    return _der.encode_sequence([
        integer(1), integer(0x0303), octets(b"\xc0\x2f"), octets(b""),
        octets(b"M" * 48), b"\x80\x00",  # [0] IMPLICIT key_arg
        _der.encode_explicit(7, octets(b"hint")),
        _der.encode_explicit(8, octets(b"identity")),
        _der.encode_explicit(10, octets(b"ticket")),
        _der.encode_explicit(11, octets(comp_id)),
        _der.encode_explicit(12, octets(b"srp user")),
        _der.encode_explicit(17, integer(2)),
        _der.encode_explicit(20, octets(b"raw public key"))])


def test_reader_knows_every_tag_openssl_3_writes():
    session = _openssl_session.decode(_every_tag())
    assert (session.psk_identity_hint, session.psk_identity, session.ticket,
            session.comp_id, session.srp_username,
            session.max_fragment_len_mode, session.peer_rpk) == (
        b"hint", b"identity", b"ticket", b"\x01", b"srp user", 2,
        b"raw public key")
    # a compression id is one byte, as in OpenSSL
    with pytest.raises(_der.DERError, match="too long"):
        _openssl_session.decode(_every_tag(b"\x01\x01"))


def test_nginx_sid_ctx_names_the_file_it_cannot_use(tmp_path, cert_files):
    cert = cert_files[0]
    missing = str(tmp_path / "absent.pem")
    text = tmp_path / "text.pem"
    text.write_text("no certificate in here\n")
    bad_base64 = tmp_path / "bad64.pem"
    bad_base64.write_text("-----BEGIN CERTIFICATE-----\nA!!A\n"
                          "-----END CERTIFICATE-----\n")
    not_der = tmp_path / "notder.pem"  # good base64 of 3 zero bytes
    not_der.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n"
                       "-----END CERTIFICATE-----\n")
    cases = [
        ((missing,), {}, "cannot read {0!r}: No such file or "
                         "directory".format(missing)),
        ((str(text),), {}, "{0!r} holds no PEM certificate".format(
            str(text))),
        ((str(bad_base64),), {}, "{0!r}: PEM block 'CERTIFICATE' holds bad "
                                 "base64".format(str(bad_base64))),
        # a client CA's subject name is read, so its DER must parse
        ((cert,), {"client_ca_files": str(not_der)},
         "{0!r}: trailing bytes after the DER element".format(str(not_der))),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(ValueError) as info:
            tt.nginx_sid_ctx(*args, **kwargs)
        assert str(info.value) == message


@pytest.mark.parametrize("sni", [None, "localhost"])
def test_resumed_session_is_named_as_the_client_asked(make_server, sni):
    # an OpenSSL ticket does not carry the host name: the resumed session
    # takes the ClientHello's (none when the client sent no SNI)
    names = []
    server = make_server(openssl_settings())
    server.after_handshake = lambda conn: names.append(
        conn.session.serverName)
    client = TlsliteClient("1.2")
    first = client.connect(server, sni=sni)
    assert client.connect(server, session=first.session, sni=sni).resumed
    assert names[1] == (sni or "")  # tlslite-ng's full handshake: None
