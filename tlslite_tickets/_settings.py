"""Ticket configuration carried by the handshake settings.

tlslite-ng's ``HandshakeSettings.validate()`` returns a brand-new
``HandshakeSettings`` and so drops any attribute it does not know. The
:class:`TicketSettingsMixin` keeps the ticket fields across ``validate()``
and checks them there, naming the field in every error.
"""

import os
import time

from tlslite.handshakesettings import HandshakeSettings

from ._keys import KeyRing, TicketKey

#: Attributes the mixin adds, copied by ``validate()``.
_TICKET_FIELDS = ("ticket_gen_cb", "ticket_dec_cb", "ticket_cb_arg",
                  "ticket_key_cb", "ticket_keys", "ticket_clock")


class TicketSettingsMixin(object):
    """The ticket part of the settings, usable on any HandshakeSettings.

    Fields:

    ``ticket_gen_cb``, ``ticket_dec_cb``, ``ticket_cb_arg``
        The callbacks of ``SSL_CTX_set_session_ticket_cb`` and their ``arg``.
    ``ticket_count`` (alias ``num_tickets``)
        TLS 1.3 tickets after a full handshake; 0 also turns TLS 1.2
        tickets off (``SSL_CTX_set_num_tickets``).
    ``ticket_keys``
        A :class:`KeyRing` or a list of :class:`TicketKey` (first one
        seals). When unset, stock tlslite-ng ``ticketKeys`` secrets are used
        if given, otherwise a random key made when the settings object was
        created, as OpenSSL does for every ``SSL_CTX``.
    ``ticket_key_cb``
        Key callback, see ``SSL_CTX_set_tlsext_ticket_key_cb``.
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
        self.ticket_clock = time.time
        # made once per settings object, so every handshake shares it
        self._default_key_ring = KeyRing([TicketKey.generate()])

    @property
    def num_tickets(self):
        """OpenSSL's name for tlslite-ng's ``ticket_count``."""
        return self.ticket_count

    @num_tickets.setter
    def num_tickets(self, value):
        self.ticket_count = value

    def _copy_ticket_fields(self, other):
        for name in _TICKET_FIELDS:
            setattr(other, name, getattr(self, name))
        other._default_key_ring = self._default_key_ring

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

    def _resolve_key_ring(self, other):
        keys = other.ticket_keys
        if keys is None:
            if other.ticketKeys:
                return KeyRing(TicketKey.from_secret(k)
                               for k in other.ticketKeys)
            return self._default_key_ring
        if isinstance(keys, KeyRing) or hasattr(keys, "lookup"):
            return keys
        if isinstance(keys, (bytes, bytearray, str)):
            raise ValueError("ticket_keys must be a KeyRing or a list of "
                             "TicketKey, got {0}".format(type(keys).__name__))
        try:
            return KeyRing(keys)
        except TypeError:
            raise ValueError("ticket_keys must be a KeyRing or a list of "
                             "TicketKey, got {0}".format(type(keys).__name__))

    def validate(self):
        """Validate like tlslite-ng, and keep (and check) the ticket fields."""
        # ours first, so a bad num_tickets is reported by its OpenSSL name
        self._check_ticket_fields()
        plain = super(TicketSettingsMixin, self).validate()
        other = type(self).__new__(type(self))
        other.__dict__.update(plain.__dict__)
        self._copy_ticket_fields(other)
        other.ticket_key_ring = self._resolve_key_ring(other)
        # tlslite-ng only looks at TLS 1.3 PSK identities when ticketKeys is
        # non-empty; our hooks never use the value itself, and a random one
        # keeps any stock code path from sealing under a known key.
        if not other.ticketKeys:
            other.ticketKeys = [bytearray(os.urandom(32))]
        return other


class TicketHandshakeSettings(TicketSettingsMixin, HandshakeSettings):
    """tlslite-ng ``HandshakeSettings`` plus the ticket fields."""

    def __repr__(self):
        return "TicketHandshakeSettings(num_tickets={0}, keys={1!r})".format(
            self.ticket_count, self.ticket_keys or self._default_key_ring)
