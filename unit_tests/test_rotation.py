"""RotatingKeyRing: slot keys from one seed, windows, renewal, no seed leaks.

Every test hands ``now`` in directly; nothing sleeps.
"""

import base64
import hashlib
import hmac
import math
import threading

import pytest

from tlslite_tickets import _rotation, _ticket
from tlslite_tickets._keys import TicketKey
from tlslite_tickets._rotation import (MAX_WINDOW_SLOTS, RotatingKeyRing,
                                       derive_slot_key)
from tlslite_tickets._settings import TicketHandshakeSettings

SEED = bytes(range(32))
PERIOD = 100


@pytest.fixture
def derivations(monkeypatch):
    """Count calls of derive_slot_key made by the ring."""
    calls = []
    real = _rotation.derive_slot_key

    def counting(seed, slot):
        calls.append(slot)
        return real(seed, slot)

    monkeypatch.setattr(_rotation, "derive_slot_key", counting)
    return calls


def slot_name(slot, seed=SEED):
    return derive_slot_key(seed, slot).name


class TestDerivation:
    def test_pinned_derivation(self):
        # the derivation is a wire contract between servers: pin it
        counter = (7).to_bytes(8, "big")
        name = hmac.new(SEED, b"tlslite-tickets slot name v1" + counter,
                        hashlib.sha256).digest()[:16]
        secret = hmac.new(SEED, b"tlslite-tickets slot secret v1" + counter,
                          hashlib.sha256).digest()
        key = derive_slot_key(SEED, 7)
        assert key.name == name
        assert key.aead_key == TicketKey(name, secret).aead_key

    def test_same_seed_agrees_on_every_slot(self):
        one = RotatingKeyRing(SEED, PERIOD)
        two = RotatingKeyRing(bytearray(SEED), PERIOD)
        for slot in list(range(-3, 40)) + [10 ** 6, 2 ** 40]:
            now = slot * PERIOD + 1.5
            a, b = one.encryption_key(now), two.encryption_key(now)
            assert a.name == b.name and a.aead_key == b.aead_key
            assert two.lookup(a.name, now) == (b, False)

    def test_other_seed_other_keys(self):
        one = RotatingKeyRing(SEED, PERIOD)
        two = RotatingKeyRing(b"\xff" * 32, PERIOD)
        key = one.encryption_key(500)
        assert key.name != two.encryption_key(500).name
        assert two.lookup(key.name, 500) == (None, False)

    def test_random_seed_by_default(self):
        one, two = RotatingKeyRing(), RotatingKeyRing()
        assert one.encryption_key(0).name != two.encryption_key(0).name
        assert one.rotation_period == 3600
        assert one.decrypt_window == 7200


class TestSlots:
    def test_encryption_key_follows_the_slot(self):
        ring = RotatingKeyRing(SEED, PERIOD)
        assert ring.slot_at(999.999) == 9
        assert ring.encryption_key(900).name == slot_name(9)
        assert ring.encryption_key(999.999).name == slot_name(9)
        assert ring.encryption_key(1000).name == slot_name(10)
        assert ring.encryption_key(-0.5).name == slot_name(-1)

    def test_current_key_does_not_renew(self):
        ring = RotatingKeyRing(SEED, PERIOD)
        key = ring.encryption_key(1000)
        assert ring.lookup(key.name, 1099.9) == (key, False)

    def test_previous_key_renews_then_expires(self):
        ring = RotatingKeyRing(SEED, PERIOD)  # default window: 2 periods
        key = ring.encryption_key(1099.9)  # sealed at the end of slot 10
        assert ring.lookup(key.name, 1100) == (key, True)
        assert ring.lookup(key.name, 1199.9) == (key, True)
        assert ring.lookup(key.name, 1200) == (None, False)
        assert ring.lookup(key.name, 5000) == (None, False)

    def test_window_not_a_multiple_of_the_period(self):
        ring = RotatingKeyRing(SEED, PERIOD, decrypt_window=250)
        name = slot_name(10)
        assert ring.lookup(name, 1249.9)[1] is True
        assert ring.lookup(name, 1250) == (None, False)
        assert len(ring) == 4  # slots 10, 11, 12 at 1249.9, and a next one

    def test_window_of_one_period_is_current_slot_only(self):
        ring = RotatingKeyRing(SEED, PERIOD, decrypt_window=PERIOD)
        name = slot_name(10)
        assert ring.lookup(name, 1099.9)[1] is False
        assert ring.lookup(name, 1100) == (None, False)

    def test_next_slot_accepted_for_clock_skew(self):
        ring = RotatingKeyRing(SEED, PERIOD)
        key, renew = ring.lookup(slot_name(11), 1000)
        assert key.name == slot_name(11)
        assert renew is False
        assert ring.lookup(slot_name(12), 1000) == (None, False)

    def test_stale_thread_is_served_without_rebuilding(self, derivations):
        ring = RotatingKeyRing(SEED, PERIOD)
        ring.encryption_key(1100)  # slot 11
        del derivations[:]
        # another thread read the clock just before the rotation
        assert ring.encryption_key(1099.9).name == slot_name(10)
        assert ring.lookup(slot_name(9), 1099.9)[1] is True
        assert ring.lookup(slot_name(12), 1099.9) == (None, False)
        assert ring.lookup(slot_name(11), 1099.9)[1] is False
        assert derivations == []

    def test_clock_jumping_back_rebuilds(self):
        ring = RotatingKeyRing(SEED, PERIOD)
        ring.encryption_key(5000)
        assert ring.encryption_key(1000).name == slot_name(10)
        assert ring.lookup(slot_name(50), 1000) == (None, False)

    @pytest.mark.parametrize("window", [PERIOD, 2 * PERIOD])
    def test_clock_two_slots_back_rebuilds(self, window):
        # only the current slot and the one before are served from the
        # window already built; two back needs a window of its own
        ring = RotatingKeyRing(SEED, PERIOD, decrypt_window=window)
        ring.encryption_key(1050)
        assert ring.encryption_key(850).name == slot_name(8)
        if window > PERIOD:
            assert ring.lookup(slot_name(7), 850)[1] is True


class TestConstantTime:
    def test_rotation_derives_one_key(self, derivations):
        ring = RotatingKeyRing(SEED, PERIOD, decrypt_window=10 * PERIOD)
        ring.encryption_key(1000)
        assert len(derivations) == 10 + 2  # window, one spare, next slot
        del derivations[:]
        ring.encryption_key(1100)
        assert derivations == [12]

    def test_unknown_name_derives_nothing(self, derivations):
        ring = RotatingKeyRing(SEED, PERIOD, decrypt_window=1000 * PERIOD)
        ring.encryption_key(1000)
        del derivations[:]
        for now in (1000, 1050, 1099.9):
            assert ring.lookup(b"\x00" * 16, now) == (None, False)
            assert ring.lookup(b"short", now) == (None, False)
        assert derivations == []

    def test_lookup_does_not_iterate_keys(self):
        class NoIteration(dict):
            def _refuse(self, *args):
                raise AssertionError("lookup iterated over the keys")
            __iter__ = keys = values = items = __contains__ = _refuse

        ring = RotatingKeyRing(SEED, PERIOD, decrypt_window=50 * PERIOD)
        ring.encryption_key(1000)
        ring._window.by_name = NoIteration(ring._window.by_name)
        assert ring.lookup(b"\x01" * 16, 1000) == (None, False)
        assert ring.lookup(slot_name(5), 1000)[1] is True


class TestThreads:
    def test_concurrent_rotation_agrees_with_one_thread(self):
        ring = RotatingKeyRing(SEED, 10)
        reference = RotatingKeyRing(SEED, 10)
        times = [t * 3.7 for t in range(300)]
        expected = [(reference.encryption_key(t).name,
                     reference.lookup(slot_name(int(t // 10) - 1), t)[1])
                    for t in times]
        errors = []

        def worker(offset):
            try:
                for i in range(len(times)):
                    j = (i + offset) % len(times)
                    got = (ring.encryption_key(times[j]).name,
                           ring.lookup(slot_name(int(times[j] // 10) - 1),
                                       times[j])[1])
                    assert got == expected[j]
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n * 37,))
                   for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []


class TestSecrecy:
    def test_repr_shows_no_seed_or_secret(self):
        ring = RotatingKeyRing(SEED, PERIOD)
        before = repr(ring)
        key = ring.encryption_key(1000)
        for text in (before, repr(ring), str(ring)):
            for secret in (SEED, key.aead_key):
                assert secret.hex() not in text
                assert repr(secret) not in text
                assert base64.b64encode(secret).decode() not in text
        assert "rotation_period=100" in repr(ring)

    def test_short_seed_error_hides_the_seed(self):
        seed = b"\x8a\x17secretseed"
        with pytest.raises(ValueError) as info:
            RotatingKeyRing(seed)
        assert "seed" in str(info.value)
        assert seed.hex() not in str(info.value)
        assert repr(seed) not in str(info.value)


class TestArguments:
    @pytest.mark.parametrize("kwargs, argument", [
        ({"seed": "a text seed of many chars"}, "seed"),
        ({"seed": 12345678901234567890}, "seed"),
        ({"seed": b"\x00" * 15}, "seed"),
        ({"rotation_period": 0}, "rotation_period"),
        ({"rotation_period": -60}, "rotation_period"),
        ({"rotation_period": float("nan")}, "rotation_period"),
        ({"rotation_period": float("inf")}, "rotation_period"),
        ({"rotation_period": "60"}, "rotation_period"),
        ({"rotation_period": True}, "rotation_period"),
        ({"decrypt_window": 3599}, "decrypt_window"),
        ({"decrypt_window": 0}, "decrypt_window"),
        ({"decrypt_window": float("inf")}, "decrypt_window"),
        ({"decrypt_window": "7200"}, "decrypt_window"),
        ({"rotation_period": 1,
          "decrypt_window": MAX_WINDOW_SLOTS + 1}, "decrypt_window"),
    ])
    def test_bad_argument_is_named(self, kwargs, argument):
        with pytest.raises(ValueError) as info:
            RotatingKeyRing(**kwargs)
        assert str(info.value).startswith(argument + " ")

    def test_fractional_period(self):
        ring = RotatingKeyRing(SEED, rotation_period=0.5)
        assert ring.decrypt_window == 1.0
        assert ring.slot_at(10.25) == 20
        assert len(ring) == int(math.ceil(1.0 / 0.5)) + 1


class TestWithTickets:
    def test_ticket_sealed_by_one_server_opens_on_another(self):
        contents = _ticket.TicketContents((3, 3), 0xc02f, b"m" * 48,
                                          1000 * 1000, 300)
        sealer = RotatingKeyRing(SEED, PERIOD)
        opener = RotatingKeyRing(SEED, PERIOD)
        ticket = _ticket.seal(sealer.encryption_key(1050), contents)
        key, renew = opener.lookup(_ticket.key_name_of(ticket), 1150)
        assert renew is True
        assert _ticket.open_ticket(key, ticket).secret == b"m" * 48

    def test_settings_accept_the_ring(self):
        ring = RotatingKeyRing(SEED, PERIOD)
        settings = TicketHandshakeSettings()
        settings.ticket_keys = ring
        assert settings.validate().ticket_key_ring is ring


class TestLimits:
    def test_largest_window_and_shortest_seed_are_accepted(self):
        widest = RotatingKeyRing(SEED, 1, decrypt_window=MAX_WINDOW_SLOTS - 1)
        assert len(widest) == MAX_WINDOW_SLOTS
        with pytest.raises(ValueError) as info:
            RotatingKeyRing(SEED, 1, decrypt_window=MAX_WINDOW_SLOTS)
        assert str(info.value) == (
            "decrypt_window must span at most 65534 rotation periods, got "
            "65536 seconds")
        assert len(RotatingKeyRing(b"s" * 16, PERIOD)) == 3
        assert len(RotatingKeyRing(None).encryption_key(0).name) == 16

    @pytest.mark.parametrize("kwargs,message", [
        ({"seed": "text"}, "seed must be bytes, got str"),
        ({"seed": b"s" * 15}, "seed must be at least 16 bytes, got 15"),
        ({"rotation_period": 0},
         "rotation_period must be a positive number of seconds, got 0"),
        ({"rotation_period": 100, "decrypt_window": 99.5},
         "decrypt_window must be at least rotation_period (100), got 99.5"),
    ])
    def test_error_messages(self, kwargs, message):
        with pytest.raises(ValueError) as info:
            RotatingKeyRing(**kwargs)
        assert str(info.value) == message

    def test_window_equal_to_the_period_is_accepted(self):
        ring = RotatingKeyRing(SEED, PERIOD, decrypt_window=PERIOD)
        assert ring.decrypt_window == PERIOD and len(ring) == 2

    def test_repr_and_truth(self):
        ring = RotatingKeyRing(SEED, PERIOD)
        assert bool(ring) is True
        assert repr(ring) == ("RotatingKeyRing(rotation_period=100, "
                              "decrypt_window=200, current=None)")
        ring.encryption_key(1000)
        assert repr(ring) == ("RotatingKeyRing(rotation_period=100, "
                              "decrypt_window=200, current={0})".format(
                                  slot_name(10).hex()))
