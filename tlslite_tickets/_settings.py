"""Ticket configuration carried by the handshake settings.

tlslite-ng's ``HandshakeSettings.validate()`` returns a brand-new
``HandshakeSettings`` and so drops any attribute it does not know. The
:class:`TicketSettingsMixin` keeps the ticket fields across ``validate()``
and checks them there, naming the field in every error.
"""

import hashlib
import os
import time

from tlslite.handshakesettings import HandshakeSettings

from ._constants import SSL_OP_NO_TICKET
from ._keyfile import KeyFileRing
from ._keys import KeyRing, TicketKey
from ._rotation import RotatingKeyRing
from ._single_use import MemorySingleUseStore

#: Attributes the mixin adds, copied by ``validate()``.
_TICKET_FIELDS = ("ticket_gen_cb", "ticket_dec_cb", "ticket_cb_arg",
                  "ticket_key_cb", "ticket_keys", "ticket_key_files",
                  "ticket_seed", "ticket_rotation_period",
                  "ticket_decrypt_window", "ticket_single_use",
                  "ticket_clock", "ticket_options", "_num_tickets_set")

#: Default seconds between automatic key rotations.
DEFAULT_ROTATION_PERIOD = 3600


class TicketSettingsMixin(object):
    """The ticket part of the settings, usable on any HandshakeSettings.

    Fields:

    ``ticket_gen_cb``, ``ticket_dec_cb``, ``ticket_cb_arg``
        The callbacks of ``SSL_CTX_set_session_ticket_cb`` and their ``arg``.
    ``ticket_count``
        tlslite-ng's field: TLS 1.3 tickets after a full handshake; 0 also
        turns TLS 1.2 tickets off.
    ``num_tickets``
        OpenSSL's name (``SSL_CTX_set_num_tickets``) for the same count,
        with OpenSSL's meaning: TLS 1.2 ignores it, a 0 set here leaves
        TLS 1.2 tickets on.
    ``ticket_options``
        OpenSSL option bits (``SSL_CTX_set_options``); ``SSL_OP_NO_TICKET``
        turns TLS 1.2 tickets off.
    ``ticket_keys``
        A key ring (:class:`KeyRing`, :class:`RotatingKeyRing`, ...) or a
        list of :class:`TicketKey` (first one seals), used as given.
    ``ticket_key_files``
        Paths of 80-byte key files (``SSL_CTX_set_tlsext_ticket_keys`` /
        nginx ``ssl_session_ticket_key`` format), reloaded when they change.
    ``ticketKeys``
        Stock tlslite-ng secrets; each becomes a key named after it.
    ``ticket_seed``, ``ticket_rotation_period``, ``ticket_decrypt_window``
        With none of the above: keys derived from the seed and the time
        slot, rotating every ``ticket_rotation_period`` seconds (default
        3600) and opening tickets for ``ticket_decrypt_window`` seconds
        (default: ``ticketLifetime`` plus one period, so every ticket lives
        its advertised lifetime). Servers given the same seed accept each
        other's tickets. Without a seed, a random one is made with the
        settings object, as OpenSSL makes random keys for every ``SSL_CTX``.
    ``ticket_key_cb``
        Key callback, see ``SSL_CTX_set_tlsext_ticket_key_cb``.
    ``ticket_single_use``
        TLS 1.3 tickets resume at most once: ``True`` for an in-memory
        store made with these settings, or any store object with a
        ``claim`` method (see ``_single_use.py``). Default ``None``: off.
    ``ticketLifetime``
        Ticket lifetime in seconds (stock tlslite-ng field).
    ``ticket_clock``
        Function returning the time in seconds; tests inject their own.
    """

    def __init__(self, *args, **kwargs):
        super(TicketSettingsMixin, self).__init__(*args, **kwargs)
        self._init_ticket_fields()

    def _init_ticket_fields(self):
        self.ticket_gen_cb = None
        self.ticket_dec_cb = None
        self.ticket_cb_arg = None
        self.ticket_key_cb = None
        self.ticket_keys = None
        self.ticket_key_files = None
        self.ticket_seed = None
        self.ticket_rotation_period = DEFAULT_ROTATION_PERIOD
        self.ticket_decrypt_window = None
        self.ticket_single_use = None
        self.ticket_clock = time.time
        self.ticket_options = 0
        # the value last set through num_tickets: a ticket_count of 0 that
        # came from there keeps OpenSSL's meaning (TLS 1.2 tickets stay on)
        self._num_tickets_set = None
        # validate() hands every handshake a copy: rings live here, made
        # once per configuration and shared by all the copies
        self._key_rings = {}
        self._random_seed = os.urandom(32)
        self._memory_store = None
        self._gate_keys = [bytearray(os.urandom(32))]

    @property
    def num_tickets(self):
        """OpenSSL's name for tlslite-ng's ``ticket_count``."""
        return self.ticket_count

    @num_tickets.setter
    def num_tickets(self, value):
        self.ticket_count = value
        self._num_tickets_set = value

    def tls12_tickets_off(self):
        """``SSL_OP_NO_TICKET``, or tlslite-ng's ``ticket_count = 0``."""
        if self.ticket_options & SSL_OP_NO_TICKET:
            return True
        return self.ticket_count == 0 and self._num_tickets_set != 0

    def _copy_ticket_fields(self, other):
        for name in _TICKET_FIELDS:
            setattr(other, name, getattr(self, name))
        other._key_rings = self._key_rings
        other._random_seed = self._random_seed
        other._memory_store = self._memory_store
        other._gate_keys = self._gate_keys

    def _check_ticket_fields(self):
        for name in ("ticket_gen_cb", "ticket_dec_cb", "ticket_key_cb",
                     "ticket_clock"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ValueError("{0} must be callable or None, got {1}"
                                 .format(name, type(value).__name__))
        if self.ticket_clock is None:
            raise ValueError("ticket_clock must be callable, got None")
        count = self.ticket_count
        if isinstance(count, bool) or not isinstance(count, int) or \
                not 0 <= count < 2 ** 16:
            raise ValueError("num_tickets (ticket_count) must be an integer "
                             "from 0 to 65535, got {0!r}".format(count))
        options = self.ticket_options
        if isinstance(options, bool) or not isinstance(options, int) or \
                options & ~SSL_OP_NO_TICKET:
            raise ValueError("ticket_options must be 0 or SSL_OP_NO_TICKET, "
                             "got {0!r}".format(options))

    def _resolve_key_ring(self, other):
        """The key ring for this configuration; made once, then reused."""
        keys = other.ticket_keys
        if keys is not None:
            return _explicit_ring(keys)
        if other.ticket_key_files:
            paths = other.ticket_key_files
            if isinstance(paths, (str, bytes)):
                paths = [paths]
            return self._cached(("files", tuple(paths)),
                                lambda: KeyFileRing(list(paths)))
        if other.ticketKeys:
            secrets = [bytes(k) for k in other.ticketKeys]
            return self._cached(("stock", _digest(*secrets)), lambda: KeyRing(
                TicketKey.from_secret(k) for k in secrets))
        seed = other.ticket_seed
        period = other.ticket_rotation_period
        window = other.ticket_decrypt_window
        if window is None and isinstance(period, (int, float)):
            window = other.ticketLifetime + period
        if seed is None:
            seed = self._random_seed
        return self._cached(
            ("rotating", _digest(seed), period, window),
            lambda: _rotating_ring(seed, period, window))

    def _resolve_single_use(self):
        store = self.ticket_single_use
        if store is None or store is False:
            return None
        if store is True:
            if self._memory_store is None:
                self._memory_store = MemorySingleUseStore()
            return self._memory_store
        if not callable(getattr(store, "claim", None)):
            raise ValueError("ticket_single_use must be True, None or a store "
                             "with a claim() method, got {0}".format(
                                 type(store).__name__))
        return store

    def _cached(self, key, make):
        ring = self._key_rings.get(key)
        if ring is None:
            ring = self._key_rings[key] = make()
        return ring

    def validate(self):
        """Validate like tlslite-ng, and keep (and check) the ticket fields."""
        # ours first, so a bad num_tickets is reported by its OpenSSL name
        self._check_ticket_fields()
        plain = super(TicketSettingsMixin, self).validate()
        other = type(self).__new__(type(self))
        other.__dict__.update(plain.__dict__)
        self._copy_ticket_fields(other)
        other.ticket_key_ring = self._resolve_key_ring(other)
        other.ticket_single_use_store = self._resolve_single_use()
        # tlslite-ng only looks at TLS 1.3 PSK identities when ticketKeys is
        # non-empty; our hooks never use the value itself, and a random one
        # keeps any stock code path from sealing under a known key.
        if not other.ticketKeys:
            other.ticketKeys = self._gate_keys
        return other


def _explicit_ring(keys):
    if hasattr(keys, "lookup") and hasattr(keys, "encryption_key"):
        return keys
    if isinstance(keys, (bytes, bytearray, str)):
        raise ValueError("ticket_keys must be a key ring or a list of "
                         "TicketKey, got {0}".format(type(keys).__name__))
    try:
        return KeyRing(keys)
    except TypeError:
        raise ValueError("ticket_keys must be a key ring or a list of "
                         "TicketKey, got {0}".format(type(keys).__name__))


def _rotating_ring(seed, period, window):
    """A RotatingKeyRing; its errors renamed after our settings fields."""
    try:
        return RotatingKeyRing(seed, period, window)
    except ValueError as exc:
        message = str(exc)
        for name in ("rotation_period", "decrypt_window"):
            message = message.replace(name, "ticket_" + name)
        if message.startswith("seed"):
            message = "ticket_" + message
        raise ValueError(message) from None


def _digest(*secrets):
    """Identify secrets in a cache key without keeping them there."""
    if not all(isinstance(x, (bytes, bytearray, memoryview)) for x in secrets):
        return ("not bytes",) + tuple(id(x) for x in secrets)
    return hashlib.sha256(b"".join(
        len(x).to_bytes(4, "big") + bytes(x) for x in secrets)).digest()


class TicketHandshakeSettings(TicketSettingsMixin, HandshakeSettings):
    """tlslite-ng ``HandshakeSettings`` plus the ticket fields."""

    def __repr__(self):
        try:
            keys = repr(self._resolve_key_ring(self))
        except ValueError:
            keys = "<invalid>"
        return "TicketHandshakeSettings(num_tickets={0}, keys={1})".format(
            self.ticket_count, keys)
