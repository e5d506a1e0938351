"""TicketHandshakeSettings: fields survive validate(), errors name them."""

import pytest
from tlslite.handshakesettings import HandshakeSettings

import tlslite_tickets as tt


def gen(conn, arg):
    return 1


def test_fields_survive_validate():
    settings = tt.TicketHandshakeSettings()
    arg = object()
    tt.SSL_CTX_set_session_ticket_cb(settings, gen, None, arg)
    settings.num_tickets = 4
    valid = settings.validate()
    assert isinstance(valid, tt.TicketHandshakeSettings)
    assert valid.ticket_gen_cb is gen and valid.ticket_cb_arg is arg
    assert valid.ticket_count == 4 and valid.num_tickets == 4
    assert valid.ticket_key_ring is settings.validate().ticket_key_ring
    assert valid is not settings


def test_mixin_on_another_settings_class():
    class MySettings(tt.TicketSettingsMixin, HandshakeSettings):
        pass

    settings = MySettings()
    settings.ticket_gen_cb = gen
    valid = settings.validate()
    assert type(valid) is MySettings and valid.ticket_gen_cb is gen


@pytest.mark.parametrize("field,value,words", [
    ("ticket_gen_cb", 5, "ticket_gen_cb"),
    ("ticket_dec_cb", "x", "ticket_dec_cb"),
    ("ticket_key_cb", 1.5, "ticket_key_cb"),
    ("ticket_clock", None, "ticket_clock"),
    ("num_tickets", -1, "num_tickets"),
    ("num_tickets", 65536, "num_tickets"),
    ("num_tickets", "2", "num_tickets"),
    ("num_tickets", True, "num_tickets"),
    ("ticket_keys", b"0" * 32, "ticket_keys"),
    ("ticket_keys", [b"0" * 32], "ticket_keys"),
    ("ticket_keys", [], "ticket_keys"),
    ("ticket_keys", 3, "ticket_keys"),
])
def test_bad_values_name_the_field(field, value, words):
    settings = tt.TicketHandshakeSettings()
    setattr(settings, field, value)
    with pytest.raises(ValueError) as info:
        settings.validate()
    assert words in str(info.value)


def test_stock_ticket_keys_become_named_keys():
    settings = tt.TicketHandshakeSettings()
    settings.ticketKeys = [bytearray(b"k" * 32), bytearray(b"j" * 32)]
    ring = settings.validate().ticket_key_ring
    assert len(ring) == 2
    current = ring.encryption_key(0)
    assert current.name == tt.TicketKey.from_secret(b"k" * 32).name
    assert ring.lookup(tt.TicketKey.from_secret(b"j" * 32).name, 0)[1] is True


def test_each_settings_object_has_its_own_random_key():
    one = tt.TicketHandshakeSettings().validate().ticket_key_ring
    two = tt.TicketHandshakeSettings().validate().ticket_key_ring
    assert one.encryption_key(0).name != two.encryption_key(0).name


def test_repr_shows_no_secret():
    key = tt.TicketKey(b"n" * 16, b"s" * 32)
    settings = tt.TicketHandshakeSettings()
    settings.ticket_keys = [key]
    for text in (repr(key), repr(tt.KeyRing([key])), repr(settings)):
        assert "sss" not in text and "737373" not in text
    assert "6e6e" in repr(key)  # the name is public
