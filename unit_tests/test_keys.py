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
