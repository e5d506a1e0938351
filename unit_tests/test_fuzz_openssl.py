"""Property tests for OpenSSL-format tickets: every malformed ticket is
NO_DECRYPT, never an exception out of the handshake (as ``test_fuzz.py``
does for the package's own format; HYPOTHESIS_PROFILE=deep runs 20 times
more examples)."""

import hashlib
import hmac
import os

from hypothesis import HealthCheck, assume, given, settings, strategies as st

import tlslite_tickets as tt
from tlslite_tickets import _cbc, _der, _openssl_session, _openssl_ticket
from tlslite_tickets._handshake import TicketHandshake
from rawhello import exchange, tls12_hello, tls13_hello
from support import TlsliteClient, ticket_settings

SCALE = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 1
KEY = tt.OpenSSLTicketKey(b"O" * 16, bytes(range(64)))
SETTINGS = ticket_settings(ticket_keys=[KEY], ticket_format="openssl",
                           openssl_sid_ctx=b"fuzz")


def examples(count, **extra):
    return settings(max_examples=count * SCALE, deadline=None,
                    suppress_health_check=list(HealthCheck), **extra)


VALIDATED = SETTINGS.validate()


def state(tls13):
    handshake = TicketHandshake(None, VALIDATED)
    handshake.tls13 = tls13
    return handshake


REAL_DER = _openssl_session.OpenSSLSession(
    0x0304, 0x1301, os.urandom(32), b"\x11" * 32, time=1700000000,
    timeout=7200, sid_ctx=b"fuzz", hostname=b"localhost", age_add=7,
    ticket_appdata=b"app", kex_group=29).encode()
REAL_TICKET = _openssl_ticket.seal_der(KEY, REAL_DER)


def seal_padded(padded):
    """A ticket with a valid HMAC around any whole blocks of plaintext."""
    iv = b"\x01" * 16
    body = KEY.name + iv + _cbc.cbc_encrypt(KEY.aes_key, iv, padded)
    return body + hmac.new(KEY.hmac_key, body, hashlib.sha256).digest()


def pad(data):
    size = 16 - len(data) % 16
    return data + bytes((size,)) * size


@examples(2000)
@given(st.binary(max_size=300))
def test_random_bytes_are_no_decrypt(data):
    for tls13 in (False, True):
        status, contents, session = state(tls13)._decrypt(KEY.name + data)
        assert status == tt.SSL_TICKET_NO_DECRYPT and contents is None


@examples(1000)
@given(st.lists(st.tuples(st.integers(0, len(REAL_TICKET) - 1),
                          st.integers(0, 7)), min_size=1, max_size=8),
       st.integers(0, len(REAL_TICKET)))
def test_bit_flips_and_truncations_of_real_tickets(flips, length):
    ticket = bytearray(REAL_TICKET)
    for index, bit in flips:
        ticket[index] ^= 1 << bit
    ticket = bytes(ticket[:length])
    assume(ticket != REAL_TICKET)
    status, contents, _ = state(True)._decrypt(ticket)
    assert status == tt.SSL_TICKET_NO_DECRYPT and contents is None


def _mutate(args):
    changes, length, tail = args
    data = bytearray(REAL_DER)
    for index, value in changes:
        data[index] = value
    return bytes(data[:length]) + tail


mutated_der = st.one_of(
    st.tuples(st.lists(st.tuples(st.integers(0, len(REAL_DER) - 1),
                                 st.integers(0, 255)), max_size=6),
              st.integers(0, len(REAL_DER) + 8),
              st.binary(max_size=8)).map(_mutate),
    st.binary(max_size=200))


@examples(2000)
@given(mutated_der)
def test_valid_mac_with_malformed_session(der):
    status, contents, session = state(True)._decrypt(seal_padded(pad(der)))
    if status == tt.SSL_TICKET_NO_DECRYPT:
        assert contents is None
        return
    # it parsed: then what our writer makes of it reads back the same
    again = _openssl_session.decode(contents.session.encode())
    for name in ("ssl_version", "cipher_suite", "session_id", "master_key",
                 "sid_ctx", "hostname", "alpn", "ticket_appdata", "peer"):
        assert getattr(again, name) == getattr(contents.session, name)
    assert session is not None


@examples(800)
@given(st.binary(min_size=1, max_size=96).map(
    lambda b: b + b"\x00" * (-len(b) % 16)))
def test_valid_mac_with_any_padding(padded):
    status, contents, _ = state(False)._decrypt(seal_padded(padded))
    assert status == tt.SSL_TICKET_NO_DECRYPT and contents is None


fields = st.lists(st.tuples(st.integers(0, 31), st.one_of(
    st.integers(-2 ** 70, 2 ** 70).map(_der.encode_integer),
    st.binary(max_size=40).map(_der.encode_octets),
    st.binary(max_size=6))), max_size=8).map(lambda items: [
        _der.encode_tlv(0xA0 | tag, value) for tag, value in items])


@examples(1200)
@given(st.integers(-3, 0x10000), st.binary(max_size=3),
       st.binary(max_size=40), st.binary(max_size=70), fields)
def test_structured_sessions_never_crash(version, cipher, session_id, key,
                                         optional):
    der = _der.encode_sequence([
        _der.encode_integer(1), _der.encode_integer(version),
        _der.encode_octets(cipher), _der.encode_octets(session_id),
        _der.encode_octets(key)] + optional)
    status, contents, session = state(version == 0x0304)._decrypt(
        seal_padded(pad(der)))
    assert (status == tt.SSL_TICKET_NO_DECRYPT) == (contents is None)


class Hellos:
    """A live OpenSSL-format server, shared by the examples."""

    server = None
    ticket = None


def hello_server(make_server):
    if Hellos.server is None or Hellos.server._done.is_set():
        Hellos.server = make_server(SETTINGS)
        client = TlsliteClient("1.3")
        client.settings.cipherNames = ["aes128gcm"]
        session = client.connect(Hellos.server).session
        Hellos.ticket = bytes(session.tickets[0].ticket)
    return Hellos.server


ticket_like = st.one_of(
    st.binary(min_size=1, max_size=120),
    st.binary(min_size=1, max_size=120).map(lambda b: KEY.name + b),
    st.integers(1, 200).map(lambda n: Hellos.ticket[:n]),
    st.integers(0, 250).map(lambda i: bytes(
        b ^ (0x40 if n == i % len(Hellos.ticket) else 0)
        for n, b in enumerate(Hellos.ticket))))


@examples(100)
@given(st.data())
def test_whole_tls12_hellos_with_garbage_tickets(make_server, data):
    server = hello_server(make_server)
    flight = exchange(server, tls12_hello(data.draw(ticket_like)))
    assert flight.alert is None and not flight.resumed_tls12
    assert flight.ticket_ext is not None


@examples(100)
@given(st.data())
def test_whole_tls13_hellos_with_garbage_identities(make_server, data):
    server = hello_server(make_server)
    identities = data.draw(st.lists(ticket_like, min_size=1, max_size=4))
    assume(Hellos.ticket not in identities)
    hello = tls13_hello(identities, psk_configs=[
        (bytearray(i), bytearray(32), "sha256") for i in identities])
    flight = exchange(server, hello)
    assert flight.alert is None
    assert flight.selected_identity is None
