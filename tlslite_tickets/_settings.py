"""Ticket configuration carried by the handshake settings.

tlslite-ng's ``HandshakeSettings.validate()`` returns a brand-new
``HandshakeSettings`` and so drops any attribute it does not know. The
:class:`TicketSettingsMixin` keeps the ticket fields across ``validate()``
and checks them there, naming the field in every error.

A settings object, every ``validate()`` result made from it (tlslite-ng
validates again inside each handshake), and its ``copy.copy`` and
``copy.deepcopy`` copies share one :class:`_SharedTicketState`: the random
seed, the key rings built from the fields, the in-memory single-use store.
So any chain of those gives the same keys, callbacks and store.

Building the first such object installs the ticket hooks into tlslite-ng's
``TLSConnection`` (see ``_hooks.py``), so any connection handed these
settings runs them.
"""

import copy
import hashlib
import os
import threading
import time
from typing import Any, Optional, Sequence, Union

from tlslite.handshakesettings import HandshakeSettings

from ._codec import FORMATS
from ._constants import SSL_OP_NO_TICKET
from ._keyfile import KeyFileRing, PathLike
from ._keys import KeyRing, TicketKey
from ._protocols import SingleUseStore, TicketKeyRing, missing_methods
from ._redis_common import RedisUnavailable
from ._openssl_session import MAX_SID_CTX_LEN
from ._openssl_ticket import OpenSSLTicketKey
from ._rotation import DEFAULT_ROTATION_PERIOD, RotatingKeyRing
from ._single_use import MemorySingleUseStore, WatchedStore
from ._types import BytesLike, Clock, DecCallback, GenCallback, KeyCallback

#: Attributes the mixin adds. ``validate()`` starts from a copy of the
#: settings object, so they (and any attribute a subclass adds) carry over.
_TICKET_FIELDS = ("ticket_gen_cb", "ticket_dec_cb", "ticket_cb_arg",
                  "ticket_key_cb", "ticket_keys", "ticket_key_files",
                  "ticket_seed", "ticket_rotation_period",
                  "ticket_decrypt_window", "ticket_single_use",
                  "ticket_clock", "ticket_format", "openssl_sid_ctx",
                  "ticket_max_psk_identities", "ticket_options",
                  "_num_tickets_set")

#: Default of ``ticket_max_psk_identities``: real clients send one or two.
DEFAULT_MAX_PSK_IDENTITIES = 64

#: Ticket fields that hold handles, not values: ``copy.deepcopy`` shares
#: them, so a deep copy calls the same callbacks and uses the same keys.
_SHARED_BY_DEEPCOPY = ("ticket_gen_cb", "ticket_dec_cb", "ticket_cb_arg",
                       "ticket_key_cb", "ticket_keys", "ticket_single_use",
                       "ticket_clock", "ticket_key_ring",
                       "ticket_single_use_store")


def _hooks_module():
    # imported on first use: _hooks imports this module (its hooks look for
    # TicketSettingsMixin), so a module-level import would be circular
    from . import _hooks as module
    return module


class _SharedTicketState:
    """What one settings object and all its copies share (see above)."""

    def __init__(self, random_seed=None):
        self.random_seed = random_seed or os.urandom(32)
        self.key_rings = {}
        self.memory_store = None
        self.watched_stores = {}
        # validate() runs in every connection thread at once
        self.lock = threading.Lock()

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        # a pickled settings object (a spawned worker) keeps its seed, so it
        # still accepts the parent's tickets; rings and stores are rebuilt
        return _SharedTicketState, (self.random_seed,)


class TicketSettingsMixin:
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
    ``ticket_max_psk_identities``
        TLS 1.3: judge (decrypt, ask dec_cb) at most this many PSK
        identities of a ClientHello, the first ones; the rest are skipped
        as if they did not decrypt. Default 64; ``None`` tries them all,
        as OpenSSL does. A bound on what one hello can cost the server.
    ``ticketLifetime``
        Ticket lifetime in seconds (stock tlslite-ng field).
    ``ticket_clock``
        Function returning the time in seconds; tests inject their own.
    ``ticket_format``
        ``"native"`` (default): the package's own AES-256-GCM tickets.
        ``"openssl"``: OpenSSL's and nginx's tickets (AES-CBC + HMAC around
        an ``SSL_SESSION``), which need keys with AES and HMAC parts: key
        files, :class:`OpenSSLTicketKey` lists, or a ``ticket_key_cb``
        giving 64- or 32-byte secrets.
    ``openssl_sid_ctx``
        With ``"openssl"``: the session id context written into tickets and
        required, byte for byte, to resume (``SSL_CTX_set_session_id_context``;
        :func:`nginx_sid_ctx` computes nginx's). Default empty.
    """

    # the fields' types, for type checkers (values: _init_ticket_fields)
    ticket_gen_cb: Optional[GenCallback]
    ticket_dec_cb: Optional[DecCallback]
    ticket_cb_arg: Any
    ticket_key_cb: Optional[KeyCallback]
    ticket_keys: Union[TicketKeyRing, Sequence[TicketKey], None]
    ticket_key_files: Union[PathLike, Sequence[PathLike], None]
    ticket_seed: Optional[BytesLike]
    ticket_rotation_period: float
    ticket_decrypt_window: Optional[float]
    ticket_single_use: Union[bool, SingleUseStore, None]
    ticket_clock: Clock

    def __new__(cls, *args, **kwargs):
        # every way of making one (constructor, copy, unpickling) gets here,
        # before the object can reach any handshake
        _hooks_module().install_hooks()
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
        self.ticket_max_psk_identities = DEFAULT_MAX_PSK_IDENTITIES
        self.ticket_format = "native"
        self.openssl_sid_ctx = b""
        self.ticket_options = 0
        # the value last set through num_tickets: a ticket_count of 0 that
        # came from there keeps OpenSSL's meaning (TLS 1.2 tickets stay on)
        self._num_tickets_set = None
        # validate() hands every handshake a copy: rings live here, made
        # once per configuration and shared by all the copies
        self._ticket_shared = _SharedTicketState()

    @property
    def num_tickets(self) -> int:
        """OpenSSL's name for tlslite-ng's ``ticket_count``."""
        return self.ticket_count

    @num_tickets.setter
    def num_tickets(self, value: int) -> None:
        self.ticket_count = value
        self._num_tickets_set = value

    def tls12_tickets_off(self):
        """``SSL_OP_NO_TICKET``, or tlslite-ng's ``ticket_count = 0``."""
        if self.ticket_options & SSL_OP_NO_TICKET:
            return True
        return self.ticket_count == 0 and self._num_tickets_set != 0

    def __deepcopy__(self, memo):
        # tlslite-ng's fields are copied; the ticket handles and the shared
        # state are not (see _SHARED_BY_DEEPCOPY)
        fields = vars(self)
        for name in _SHARED_BY_DEEPCOPY:
            if name in fields:
                memo.setdefault(id(fields[name]), fields[name])
        other = type(self).__new__(type(self))
        memo[id(self)] = other
        for name, value in fields.items():
            setattr(other, name, copy.deepcopy(value, memo))
        return other

    def _check_ticket_fields(self):
        for name in ("ticket_gen_cb", "ticket_dec_cb", "ticket_key_cb",
                     "ticket_clock"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ValueError("{0} must be callable or None, got {1}"
                                 .format(name, type(value).__name__))
        if self.ticket_clock is None:
            raise ValueError("ticket_clock must be callable, got None")
        limit = self.ticket_max_psk_identities
        if limit is not None and (isinstance(limit, bool) or
                                  not isinstance(limit, int) or limit < 1):
            raise ValueError("ticket_max_psk_identities must be None or an "
                             "integer of at least 1, got {0!r}".format(limit))
        _check_format(self)
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
            seed = self._ticket_shared.random_seed
        return self._cached(
            ("rotating", _digest(seed), period, window),
            lambda: _rotating_ring(seed, period, window))

    def _resolve_single_use(self):
        store = self.ticket_single_use
        shared = self._ticket_shared
        if store is None or store is False:
            return None
        if store is True:
            with shared.lock:
                if shared.memory_store is None:
                    shared.memory_store = MemorySingleUseStore()
                return shared.memory_store
        missing = missing_methods(store, SingleUseStore)
        if missing:
            raise ValueError(
                "ticket_single_use must be True, None or a SingleUseStore; "
                "{0} has no {1}() method".format(type(store).__name__,
                                                 "(), ".join(missing)))
        if isinstance(store, MemorySingleUseStore):
            return store  # never fails
        with shared.lock:
            # one watcher per store, so an outage is logged once, not once
            # per validate() (that is, per handshake)
            watched = shared.watched_stores.get(id(store))
            if watched is None or watched.store is not store:
                watched = shared.watched_stores[id(store)] = WatchedStore(
                    store, quiet_errors=(RedisUnavailable,))
            return watched

    def _cached(self, key, make):
        shared = self._ticket_shared
        with shared.lock:
            ring = shared.key_rings.get(key)
            if ring is None:
                ring = shared.key_rings[key] = make()
            return ring

    def validate(self):
        """Validate like tlslite-ng, and keep (and check) the ticket fields.

        Returns a new object of this class; validating that again (as
        tlslite-ng does in every handshake) gives the same ticket keys,
        callbacks and store.
        """
        # ours first, so a bad num_tickets is reported by its OpenSSL name
        self._check_ticket_fields()
        plain = super().validate()
        other = _hooks_module().adopt_validated_fields(copy.copy(self), plain)
        other.ticket_key_ring = self._resolve_key_ring(other)
        other.ticket_single_use_store = self._resolve_single_use()
        return other


def _check_format(settings):
    """The ticket_format and openssl_sid_ctx fields, and their key source."""
    if settings.ticket_format not in FORMATS:
        raise ValueError("ticket_format must be one of {0}, got {1!r}".format(
            ", ".join(repr(f) for f in FORMATS), settings.ticket_format))
    sid_ctx = settings.openssl_sid_ctx
    if not isinstance(sid_ctx, (bytes, bytearray)):
        raise ValueError("openssl_sid_ctx must be bytes, got {0}".format(
            type(sid_ctx).__name__))
    if len(sid_ctx) > MAX_SID_CTX_LEN:
        raise ValueError("openssl_sid_ctx must be at most {0} bytes, got {1}"
                         .format(MAX_SID_CTX_LEN, len(sid_ctx)))
    if settings.ticket_format != "openssl" or settings.ticket_key_files or \
            settings.ticket_key_cb is not None:
        return
    keys = settings.ticket_keys
    if keys is None or (isinstance(keys, (list, tuple)) and not all(
            isinstance(k, OpenSSLTicketKey) for k in keys)):
        raise ValueError("ticket_format 'openssl' needs ticket_key_files, "
                         "ticket_keys of OpenSSLTicketKey or a ticket_key_cb")


def _explicit_ring(keys):
    missing = missing_methods(keys, TicketKeyRing)
    if not missing:
        return keys
    if len(missing) < 2:
        # one method there: meant as a key ring, and incomplete
        raise ValueError("ticket_keys: {0} is not a TicketKeyRing, it has no "
                         "{1}() method".format(type(keys).__name__,
                                               missing[0]))
    if not isinstance(keys, (bytes, bytearray, str)):
        try:
            return KeyRing(keys)
        except TypeError:
            pass
    raise ValueError("ticket_keys must be a TicketKeyRing (with {0}() "
                     "methods) or a list of TicketKey, got {1}".format(
                         "() and ".join(missing), type(keys).__name__))


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
