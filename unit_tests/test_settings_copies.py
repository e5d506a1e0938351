"""Any number of validate() calls, copy.copy and copy.deepcopy: same tickets.

tlslite-ng validates the settings again inside every handshake, and users
validate, copy and deep-copy settings themselves; none of that may change
where the keys come from, which keys they are, which callbacks run or which
single-use store is asked.
"""

import copy
import os

import pytest

import tlslite_tickets as tt
from tlslite_tickets import _settings
from support import CallbackLog, FakeClock, PythonSSLClient, ticket_settings
from test_key_handshakes import write_keys

SEED = bytes(range(32))
PERIOD = 100
NOW = 1000 * PERIOD


def copies(settings):
    """The settings seen through every chain the issue names."""
    once = settings.validate()
    return {
        "validate": once,
        "validate x3": once.validate().validate(),
        "copy": copy.copy(settings),
        "deepcopy": copy.deepcopy(settings),
        "copy of validated": copy.copy(once),
        "deepcopy of validated": copy.deepcopy(once),
        "validate of deepcopy of validated": copy.deepcopy(once).validate(),
    }


def key_cb(conn, key_name, encrypting):
    secret = b"k" * 32
    return (1, b"n" * 16, secret) if encrypting else (1, secret)


def configurations(tmp_path):
    path = write_keys(tmp_path / "ticket.key", os.urandom(80))
    return {
        "random seed": {},
        "seed": {"ticket_seed": SEED},
        "key files": {"ticket_key_files": [path]},
        "ticket_keys list": {"ticket_keys": [tt.TicketKey(b"a" * 16,
                                                          b"s" * 32)]},
        "stock ticketKeys": {"ticketKeys": [bytearray(b"t" * 32)]},
        "key callback": {"ticket_key_cb": key_cb},
    }


@pytest.mark.parametrize("name", ["random seed", "seed", "key files",
                                  "ticket_keys list", "stock ticketKeys",
                                  "key callback"])
def test_every_chain_keeps_keys_callbacks_and_store(tmp_path, name):
    log = CallbackLog()
    settings = ticket_settings(log, ticket_single_use=True,
                               **configurations(tmp_path)[name])
    reference = settings.validate()
    ring = reference.ticket_key_ring
    key = ring.encryption_key(NOW)
    for chain, other in copies(settings).items():
        valid = other.validate()
        assert type(valid) is type(settings), chain
        assert type(valid.ticket_key_ring) is type(ring), chain
        assert valid.ticket_key_ring.encryption_key(NOW).name == key.name, \
            chain
        assert valid.ticket_key_ring.lookup(key.name, NOW)[0].aead_key == \
            key.aead_key, chain
        assert valid.ticket_gen_cb == settings.ticket_gen_cb, chain
        assert valid.ticket_dec_cb == settings.ticket_dec_cb, chain
        assert valid.ticket_cb_arg is log, chain
        assert valid.ticket_key_cb is settings.ticket_key_cb, chain
        assert valid.ticket_single_use_store is \
            reference.ticket_single_use_store, chain
        # what validate() returns never carries a gate key of ours
        assert valid.ticketKeys == settings.ticketKeys, chain
    if name in ("random seed", "seed"):
        assert isinstance(ring, tt.RotatingKeyRing)  # rotation stays on


def test_every_listed_field_survives_every_chain():
    log = CallbackLog()
    settings = ticket_settings(
        log, ticket_key_cb=key_cb, ticket_keys=tt.KeyRing(
            [tt.TicketKey(b"a" * 16, b"s" * 32)]),
        ticket_key_files=["unused"], ticket_seed=SEED,
        ticket_rotation_period=7, ticket_decrypt_window=70,
        ticket_single_use=tt.MemorySingleUseStore(), ticket_clock=FakeClock(),
        num_tickets=3, ticket_options=tt.SSL_OP_NO_TICKET)
    values = {name: getattr(settings, name)
              for name in _settings._TICKET_FIELDS}
    assert None not in values.values()
    for chain, other in copies(settings).items():
        for name, value in values.items():
            assert getattr(other, name) == value, (chain, name)


def test_deepcopy_shares_handles_and_copies_tlslite_fields():
    log = CallbackLog()
    settings = ticket_settings(log)
    twin = copy.deepcopy(settings)
    assert twin.ticket_cb_arg is log and twin.ticket_gen_cb == log.gen_cb
    assert twin.cipherNames == settings.cipherNames
    assert twin.cipherNames is not settings.cipherNames
    twin.cipherNames.remove("aes128gcm")
    assert "aes128gcm" in settings.cipherNames


def test_copies_made_before_a_memory_store_share_it():
    settings = ticket_settings(ticket_single_use=True)
    early = copy.copy(settings)  # before any store exists
    assert early.validate().ticket_single_use_store is \
        settings.validate().ticket_single_use_store


def test_pickled_settings_keep_their_random_seed():
    import pickle

    settings = tt.TicketHandshakeSettings()
    name = settings.validate().ticket_key_ring.encryption_key(NOW).name
    again = pickle.loads(pickle.dumps(settings))
    assert again.validate().ticket_key_ring.encryption_key(NOW).name == name


# -- over real handshakes ------------------------------------------------------

def twin_settings(tmp_path, kind, clock):
    """Two settings objects for twin servers; the second pre-validated."""
    fields = {"ticket_clock": clock, "ticketLifetime": 10000}
    if kind == "seed":
        fields.update(ticket_seed=SEED, ticket_rotation_period=PERIOD,
                      ticket_decrypt_window=3 * PERIOD)
    elif kind == "key files":
        fields["ticket_key_files"] = [
            write_keys(tmp_path / "ticket.key", os.urandom(80))]
    else:
        fields["ticket_key_cb"] = key_cb
    plain = ticket_settings(CallbackLog(), **fields)
    validated = ticket_settings(CallbackLog(), **fields).validate().validate()
    return plain, validated


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("kind", ["seed", "key files", "key callback"])
def test_prevalidated_twin_resumes_each_others_tickets(make_server, tmp_path,
                                                       version, kind):
    clock = FakeClock(now=NOW)
    plain, validated = twin_settings(tmp_path, kind, clock)
    one = make_server(plain)
    two = make_server(validated)
    client = PythonSSLClient(version)
    first = client.connect(one)
    second = client.connect(two, session=first.session)
    assert second.resumed and two.last().appdata is None
    assert client.connect(one, session=second.session or
                          first.session).resumed
    # and the other way round, from a full handshake on the twin
    third = client.connect(two)
    assert client.connect(one, session=third.session).resumed
    if kind == "seed":
        # rotation is on for the pre-validated twin too: a slot later the
        # old ticket is renewed under a new key that the other accepts
        log = validated.ticket_cb_arg
        clock.advance(PERIOD)
        log.reset()
        renewed = client.connect(two, session=third.session)
        assert renewed.resumed and renewed.tickets == 1
        assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW]
        other = plain.ticket_cb_arg
        other.reset()
        assert client.connect(one, session=renewed.session).resumed
        assert other.keynames[0] != log.keynames[0]


def test_single_use_holds_across_a_deep_copy(make_server):
    settings = ticket_settings(ticket_single_use=True)
    one = make_server(settings)
    two = make_server(copy.deepcopy(settings.validate()))
    client = PythonSSLClient("1.3")
    first = client.connect(one)
    assert client.connect(two, session=first.session).resumed
    assert not client.connect(one, session=first.session).resumed
