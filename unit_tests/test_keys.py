"""TicketKey and KeyRing: names, derived keys, lookup, limits."""

import pytest

import tlslite_tickets as tt

SECRET = b"ticket key secret, 32 bytes long"


def test_derivations_never_change():
    # known answers: the AEAD key (and, for stock ticketKeys, the key name)
    # derived from a secret. A change would make every server that was
    # upgraded reject the tickets its predecessor issued.
    key = tt.TicketKey(b"N" * 16, SECRET)
    assert key.aead_key.hex() == ("5e917482775c90cab97446dabf0328a1"
                                  "b477d3451267f4639a1d677ce38b2b0b")
    named = tt.TicketKey.from_secret(SECRET)
    assert named.name.hex() == "c43b85e2fd0b592bf1c5ab8d8f4cccc8"
    assert named.aead_key == key.aead_key


def test_secret_length_limit_is_16_bytes():
    assert tt.TicketKey(b"N" * 16, b"s" * 16).name == b"N" * 16
    with pytest.raises(ValueError) as info:
        tt.TicketKey(b"N" * 16, b"s" * 15)
    assert str(info.value) == \
        "ticket key secret must be at least 16 bytes, got 15"
    with pytest.raises(ValueError) as info:
        tt.TicketKey(b"N" * 15, SECRET)
    assert str(info.value) == "ticket key name must be 16 bytes, got 15"


def test_generated_keys_are_fresh():
    one, two = tt.TicketKey.generate(), tt.TicketKey.generate()
    assert len(one.name) == 16 and one.name != two.name
    assert one.aead_key != two.aead_key


def test_key_repr_shows_the_name_only():
    key = tt.TicketKey(b"N" * 16, SECRET)
    assert repr(key) == "TicketKey(name={0})".format((b"N" * 16).hex())


def test_key_ring_first_seals_all_open_others_renew():
    first, second = tt.TicketKey(b"1" * 16, SECRET), tt.TicketKey(
        b"2" * 16, SECRET)
    twin = tt.TicketKey(b"1" * 16, b"another secret, 32 bytes long..")
    ring = tt.KeyRing(key for key in (first, second, twin))  # any iterable
    assert ring.encryption_key(0) is first
    assert ring.lookup(b"1" * 16, 0) == (first, False)  # the first name wins
    assert ring.lookup(bytearray(b"2" * 16), 0) == (second, True)
    assert ring.lookup(b"3" * 16, 0) == (None, False)
    assert len(ring) == 2
    assert repr(ring) == "KeyRing(current={0}, keys=2)".format(
        (b"1" * 16).hex())


@pytest.mark.parametrize("keys,message", [
    ([], "ticket_keys: a key ring needs at least one key"),
    ([b"1" * 48], "ticket_keys: expected TicketKey, got bytes"),
    ([tt.TicketKey(b"1" * 16, SECRET), "k"],
     "ticket_keys: expected TicketKey, got str"),
])
def test_key_ring_errors(keys, message):
    with pytest.raises(ValueError) as info:
        tt.KeyRing(keys)
    assert str(info.value) == message
