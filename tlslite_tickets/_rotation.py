"""Ticket keys that rotate with the clock, all derived from one seed.

This is the idea of GnuTLS's ``lib/stek.c`` (``totp_next``/``rotate``):
time is cut into slots of ``rotation_period`` seconds and the key of slot
``i`` is a pure function of a long-term seed and ``i``. Servers that share
the seed therefore agree on every slot's key without talking to each other
(no key distribution, no "which server rotated first" race). Rotation
limits how long a stolen *slot key* is useful; it gives no forward secrecy
against theft of the seed, from which every past and future slot key
follows, so the seed must be protected (and replaced) like a long-term key.
The derivation is ours, not GnuTLS's: HMAC-SHA256 keyed by the seed, with
versioned labels, so tickets are not interchangeable with GnuTLS.

Which keys a ring accepts at time ``now`` (slot ``s = floor(now / P)``):

* slot ``s`` seals new tickets and opens them, ``renew=False``;
* an older slot ``j`` opens tickets while ``now < j * P + decrypt_window``,
  with ``renew=True`` so that the client is handed a ticket under the
  current key; the window is counted from the *start* of slot ``j``, so the
  default ``2 * P`` keeps a ticket sealed at the very end of a slot usable
  for one more full period (and ``decrypt_window == P`` means "current slot
  only");
* slot ``s + 1`` also opens tickets, ``renew=False``: that is a peer whose
  clock is ahead and has already rotated. Renewing would re-seal the session
  under *our* older key, which expires sooner, so it is not done. Slots
  further ahead are refused: a clock a whole period off is a fault to fix,
  not to paper over.

A ticket therefore lives at most ``decrypt_window - P`` after a rotation,
so set ``decrypt_window >= ticketLifetime + rotation_period`` if every
ticket must last its whole advertised lifetime.
"""

import hashlib
import hmac
import math
import numbers
import os
import threading
from typing import Optional, Tuple

from ._constants import KEY_NAME_LEN
from ._keys import TicketKey
from ._types import BytesLike

_NAME_LABEL = b"tlslite-tickets slot name v1"
_SECRET_LABEL = b"tlslite-tickets slot secret v1"

#: Seconds between key rotations unless told otherwise (the settings' and
#: the command-line tools' default too).
DEFAULT_ROTATION_PERIOD = 3600
#: Shortest seed accepted, in bytes (128 bits).
MIN_SEED_LEN = 16
#: Length of the random seed made when none is given.
DEFAULT_SEED_LEN = 32
#: Most slots a decryption window may span; bounds memory and the cost of
#: the first lookup (each slot is three HMACs).
MAX_WINDOW_SLOTS = 65536


def derive_slot_key(seed: bytes, slot: int) -> TicketKey:
    """The :class:`TicketKey` of time slot ``slot`` under ``seed``.

    The slot is encoded as a signed 64-bit big-endian integer (identical to
    the unsigned encoding for every real clock), after a label that fixes
    both the purpose and the version of the derivation.
    """
    counter = int(slot).to_bytes(8, "big", signed=True)
    secret = hmac.new(seed, _SECRET_LABEL + counter, hashlib.sha256).digest()
    return TicketKey(slot_key_name(seed, slot), secret)


def slot_key_name(seed, slot):
    """Only the key name of slot ``slot`` (one HMAC instead of three)."""
    return next(slot_key_names(seed, (slot,)))[1]


def slot_key_names(seed, slots):
    """``(slot, key name)`` for each slot in ``slots``, lazily, for searches
    over many slots (the seed's HMAC state is set up once)."""
    keyed = hmac.new(seed, _NAME_LABEL, hashlib.sha256)
    for slot in slots:
        mac = keyed.copy()
        mac.update(int(slot).to_bytes(8, "big", signed=True))
        yield slot, mac.digest()[:KEY_NAME_LEN]


def _positive_number(name, value):
    # bool is an int subclass, but True seconds is always a mistake
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not math.isfinite(value) or value <= 0:
        raise ValueError("{0} must be a positive number of seconds, got {1!r}"
                         .format(name, value))
    return value


class _Window:
    """An immutable snapshot: the keys around one slot, by name.

    Swapped in whole, so readers never see a half-built dictionary and need
    no lock.
    """

    __slots__ = ("slot", "by_name", "by_slot")

    def __init__(self, slot, by_slot):
        self.slot = slot
        self.by_slot = by_slot
        self.by_name = dict((key.name, (key, i)) for i, key in by_slot.items())


class RotatingKeyRing:
    """A key ring whose keys change every ``rotation_period`` seconds.

    Implements the key ring interface of :class:`KeyRing`
    (``encryption_key(now)``, ``lookup(name, now)``, ``len``, ``repr``);
    see the module docstring for which slots are accepted and why.

    ``seed``: bytes, at least 16 of them, shared by every server that must
    accept each other's tickets; ``None`` makes a random 32-byte seed, good
    for one process. The seed is never shown in ``repr`` or in errors.
    """

    def __init__(self, seed: Optional[BytesLike] = None,
                 rotation_period: float = DEFAULT_ROTATION_PERIOD,
                 decrypt_window: Optional[float] = None) -> None:
        if seed is None:
            seed = os.urandom(DEFAULT_SEED_LEN)
        elif isinstance(seed, str) or \
                not isinstance(seed, (bytes, bytearray, memoryview)):
            raise ValueError("seed must be bytes, got {0}"
                             .format(type(seed).__name__))
        seed = bytes(seed)
        if len(seed) < MIN_SEED_LEN:
            raise ValueError("seed must be at least {0} bytes, got {1}"
                             .format(MIN_SEED_LEN, len(seed)))
        period = _positive_number("rotation_period", rotation_period)
        if decrypt_window is None:
            decrypt_window = 2 * period
        window = _positive_number("decrypt_window", decrypt_window)
        if window < period:
            raise ValueError("decrypt_window must be at least rotation_period "
                             "({0}), got {1!r}".format(period, window))
        # older slots that can still be open at some instant of a slot
        past = int(math.ceil(window / period)) - 1
        if past + 2 > MAX_WINDOW_SLOTS:
            raise ValueError("decrypt_window must span at most {0} rotation "
                             "periods, got {1!r} seconds".format(
                                 MAX_WINDOW_SLOTS - 2, window))
        self._seed = seed
        self.rotation_period = period
        self.decrypt_window = window
        self._past = past
        self._window = None
        self._lock = threading.Lock()

    def slot_at(self, now: float) -> int:
        """The number of the time slot that ``now`` (seconds) falls in."""
        return int(math.floor(now / self.rotation_period))

    def encryption_key(self, now: float) -> TicketKey:
        """The current slot's key, which seals new tickets."""
        slot = self.slot_at(now)
        return self._window_for(slot).by_slot[slot]

    def lookup(self, name: BytesLike,
               now: float) -> Tuple[Optional[TicketKey], bool]:
        """Return ``(key, renew)`` for a ticket's key name at ``now``.

        One dictionary lookup whatever the number of keys in the window, so
        rejecting a ticket costs the same however long the window is.
        """
        slot = self.slot_at(now)
        found = self._window_for(slot).by_name.get(bytes(name))
        if found is None:
            return None, False
        key, key_slot = found
        if key_slot > slot + 1:
            return None, False
        expires = key_slot * self.rotation_period + self.decrypt_window
        if key_slot < slot and not now < expires:
            return None, False
        return key, key_slot < slot

    def _window_for(self, slot):
        window = self._window
        # a thread whose clock read is a hair older than another's (slot - 1)
        # is served from the newer window instead of rebuilding backwards
        if window is not None and window.slot - 1 <= slot <= window.slot:
            return window
        with self._lock:
            window = self._window
            if window is not None and window.slot - 1 <= slot <= window.slot:
                return window
            # one extra old slot for the case above; keys already derived
            # are reused, so a rotation costs one derivation
            old = window.by_slot if window is not None else {}
            by_slot = {}
            for i in range(slot - self._past - 1, slot + 2):
                key = old.get(i)
                by_slot[i] = key if key is not None else \
                    derive_slot_key(self._seed, i)
            window = _Window(slot, by_slot)
            self._window = window
            return window

    def __len__(self) -> int:
        """How many key names can be accepted at one instant."""
        return self._past + 2

    def __bool__(self) -> bool:
        # a ring is always usable; never let ``ring or default`` skip it
        return True

    def __repr__(self) -> str:
        window = self._window
        current = window.by_slot[window.slot].name.hex() if window else None
        return ("RotatingKeyRing(rotation_period={0!r}, decrypt_window={1!r}, "
                "current={2})".format(self.rotation_period,
                                      self.decrypt_window, current))
