"""Property tests: every malformed ticket is NO_DECRYPT, never a crash.

A ticket is attacker-controlled input decrypted and parsed on every
resumption. These properties run >= 10,000 examples in ``make test``
(HYPOTHESIS_PROFILE=deep, as ``make fuzz`` sets, runs 20 times more).
"""

import os

from hypothesis import HealthCheck, assume, given, settings, strategies as st
from tlslite.constants import GroupName

import tlslite_tickets as tt
from tlslite_tickets import _ticket
from tlslite_tickets._handshake import TicketHandshake
from rawhello import exchange, tls12_hello, tls13_hello
from support import TlsliteClient, ticket_settings

SCALE = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "deep" else 1
KEY = tt.TicketKey(b"K" * 16, b"secret" * 6)
FUZZ_SETTINGS = ticket_settings(ticket_keys=[KEY])


def examples(count, **extra):
    return settings(max_examples=count * SCALE, deadline=None,
                    suppress_health_check=list(HealthCheck), **extra)


def state(tls13):
    handshake = TicketHandshake(None, FUZZ_SETTINGS.validate())
    handshake.tls13 = tls13
    return handshake


def real_contents(appdata=b"app"):
    return tt.TicketContents((3, 4), 0x1301, b"\x11" * 32, 1700000000000,
                             7200, 7, b"localhost", True, False, (), appdata)


REAL_TICKET = _ticket.seal(KEY, real_contents())
REAL_PLAINTEXT = real_contents().encode()


#: Random bytes; half start with the server's real key name, so they reach
#: the AEAD (a random tag) instead of stopping at the key lookup.
random_tickets = st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=300).map(lambda data: KEY.name + data))


@examples(4000)
@given(random_tickets)
def test_random_bytes_are_no_decrypt(data):
    for tls13 in (False, True):
        status, contents, session = state(tls13)._decrypt(data)
        assert status == tt.SSL_TICKET_NO_DECRYPT and contents is None


@examples(2000)
@given(st.lists(st.tuples(st.integers(0, len(REAL_TICKET) - 1),
                          st.integers(0, 7)), min_size=1, max_size=8),
       st.integers(0, len(REAL_TICKET)))
def test_bit_flips_and_truncations_of_real_tickets(flips, length):
    ticket = bytearray(REAL_TICKET)
    for index, bit in flips:
        ticket[index] ^= 1 << bit
    ticket = bytes(ticket[:length])
    if ticket == REAL_TICKET:
        return  # the flips cancelled out
    status, contents, _ = state(True)._decrypt(ticket)
    assert status == tt.SSL_TICKET_NO_DECRYPT and contents is None


def mutated_plaintexts():
    """Plaintexts under a valid tag: real ones with bytes changed, cut,
    or grown, and pure noise."""
    real = st.tuples(st.lists(st.tuples(st.integers(0, len(REAL_PLAINTEXT)
                                                    - 1),
                                        st.integers(0, 255)), max_size=6),
                     st.integers(0, len(REAL_PLAINTEXT) + 8),
                     st.binary(max_size=8)).map(_mutate)
    return st.one_of(real, st.binary(max_size=200))


def _mutate(args):
    changes, length, tail = args
    data = bytearray(REAL_PLAINTEXT)
    for index, value in changes:
        data[index] = value
    return bytes(data[:length]) + tail


@examples(3500)
@given(mutated_plaintexts())
def test_valid_tag_with_malformed_plaintext(plaintext):
    ticket = _ticket.seal_plaintext(KEY, plaintext)
    status, contents, session = state(True)._decrypt(ticket)
    if status == tt.SSL_TICKET_NO_DECRYPT:
        assert contents is None
        return
    # it parsed: then it must be exactly what it says, end to end
    assert contents.encode() == plaintext
    assert session is not None


@examples(100)  # each seals up to 64 KiB: slow on the pure-Python AEAD
@given(st.integers(0, 70000), st.integers(0, 4))
def test_oversized_appdata_is_refused_never_sent_malformed(size, certs):
    contents = real_contents(appdata=b"a" * size)
    # big client certificate chains push even legal appdata over the limit
    contents.client_certs = tuple(b"c" * 15000 for _ in range(certs))
    try:
        ticket = _ticket.seal(KEY, contents)
    except ValueError as exc:
        assert "limit" in str(exc)
        return
    assert len(ticket) <= _ticket.MAX_TICKET_LEN
    assert size <= tt.MAX_APPDATA_LEN


@examples(500)
@given(st.binary(min_size=0, max_size=40), st.integers(16, 64))
def test_key_names_must_be_16_bytes(name, secret_len):
    try:
        key = tt.TicketKey(name, b"s" * secret_len)
    except ValueError as exc:
        assert "16" in str(exc)
        assert len(name) != 16
    else:
        assert len(name) == 16 and key.name == name


class Hellos:
    """Live servers and a real TLS 1.3 ticket, shared by the examples:
    ``retry_server`` (same keys) takes only P-256 key shares, so the
    X25519 hellos sent to it get a HelloRetryRequest."""

    server = None
    retry_server = None
    session = None


def hello_server(make_server, retry=False):
    if Hellos.server is None or Hellos.server._done.is_set():
        seed = os.urandom(32)
        Hellos.server = make_server(ticket_settings(ticket_seed=seed))
        Hellos.retry_server = make_server(ticket_settings(
            ticket_seed=seed, eccCurves=["secp256r1"],
            keyShares=["secp256r1"], dhGroups=[]))
        client = TlsliteClient("1.3")
        client.settings.cipherNames = ["aes128gcm"]
        Hellos.session = client.connect(Hellos.server).session
    return Hellos.retry_server if retry else Hellos.server


ticket_like = st.one_of(
    st.binary(min_size=1, max_size=120),
    st.integers(1, 200).map(lambda n: bytes(
        bytearray(Hellos.session.tickets[0].ticket)[:n])),
    st.integers(0, 150).map(lambda i: _flip(bytes(
        Hellos.session.tickets[0].ticket), i)))


def _flip(ticket, index):
    data = bytearray(ticket)
    data[index % len(data)] ^= 0x40
    return bytes(data)


@examples(250)
@given(st.data())
def test_whole_tls12_hellos_with_garbage_tickets(make_server, data):
    server = hello_server(make_server)
    ticket = data.draw(ticket_like)
    flight = exchange(server, tls12_hello(ticket))
    assert flight.alert is None and not flight.resumed_tls12
    assert flight.ticket_ext is not None  # and a fresh ticket promised


@examples(250)
@given(st.data())
def test_whole_tls13_hellos_with_garbage_identities(make_server, data):
    server = hello_server(make_server)
    identities = data.draw(st.lists(ticket_like, min_size=1, max_size=4))
    # the real ticket with a made-up binder is decrypt_error, tested apart
    assume(bytes(Hellos.session.tickets[0].ticket) not in identities)
    hello = tls13_hello(identities, psk_configs=[
        (bytearray(i), bytearray(32), "sha256") for i in identities])
    flight = exchange(server, hello)
    assert flight.alert is None
    assert flight.selected_identity is None


@examples(100)
@given(st.data())
def test_first_of_two_tls13_hellos_with_garbage_identities(make_server,
                                                           data):
    # dec_cb judges every identity of the first ClientHello, then the
    # HelloRetryRequest goes out (the client hangs up there)
    server = hello_server(make_server, retry=True)
    identities = data.draw(st.lists(ticket_like, min_size=1, max_size=4))
    assume(bytes(Hellos.session.tickets[0].ticket) not in identities)
    hello = tls13_hello(identities, psk_configs=[
        (bytearray(i), bytearray(32), "sha256") for i in identities],
        groups=(GroupName.x25519, GroupName.secp256r1))
    flight = exchange(server, hello)
    assert flight.alert is None and flight.hello_retry_request
