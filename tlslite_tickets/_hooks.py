"""Every place where tlslite_tickets reaches into tlslite-ng's private API.

Nothing else in the package calls or overrides a tlslite-ng method whose
name starts with an underscore. If a tlslite-ng release changes one of
these, this is the only file to read.

Checked against tlslite-ng 0.8.2 and 0.9.0b2 (the version tlsfuzzer pins);
the installation below was also run against tlslite-ng's git master of
December 2026 (commit 0d03169, which calls itself 0.8.2).

Overridden (all on ``TLSConnection`` or its base ``TLSRecordLayer``):

========================================  ====================================
method                                    why
========================================  ====================================
``_handshakeServerAsyncHelper``           start/end of a server handshake: turn
                                          callback failures into a fatal alert;
                                          mark TLS 1.3 resumptions as resumed
``_serverGetClientHello``                 create the per-handshake state; learn
                                          that a TLS 1.2 handshake is a full
                                          one; hide the ``sessionCache`` (its
                                          4th argument after ``settings``)
                                          from ClientHellos that negotiate
                                          TLS 1.3, whose random session IDs
                                          tlslite-ng looks up in vain (a
                                          Redis round trip each)
``_getMsg``                               see each ClientHello as it is parsed
                                          (and, while tracing, every message)
``_ticket_to_session``                    TLS 1.2 SessionTicket extension
``_serverTLS13Handshake``                 TLS 1.3: the cipher suite in use
``_tryDecrypt``                           TLS 1.3: one PSK identity
``_sendMsg``                              TLS 1.2 ServerHello: add or remove
                                          the empty SessionTicket extension;
                                          TLS 1.3 HelloRetryRequest: judge the
                                          first ClientHello's PSK identities
                                          before it leaves; trace sent
                                          messages
``_sendFinished``                         TLS 1.2: whether a NewSessionTicket
                                          goes before ChangeCipherSpec
``_serverSendTickets``                    build and send NewSessionTickets
``_queue_message``                        trace queued messages (only when the
                                          ``tlslite_tickets.trace`` logger is on)
========================================  ====================================

Called: ``_queue_flush``, ``_sendError``; read: the attributes ``_client``
and ``_pre_client_hello_handshake_hash`` (binder check); plus the public
``HandshakeHelpers.verify_binder``.

Installed into tlslite-ng's own ``TLSConnection`` (see :func:`install_hooks`):
the first ``TicketSettingsMixin`` object a process builds (``__new__``, so
copies and unpickled settings count too; never at import) replaces each
overridden method above on the ``TLSConnection`` class, shared by the whole
process, with one that runs our override only for a server handshake whose
settings carry ``TicketSettingsMixin``, and otherwise calls tlslite-ng's
method and returns its result untouched (plain ``HandshakeSettings``: stock
behaviour, byte for byte). Whether a handshake carries ticket settings is
decided where the settings arrive (``_handshakeServerAsyncHelper``,
``_serverGetClientHello``) and remembered in ``_ticket_state``. Our helper
methods and the ``_ticket_state``/``_pending_tickets`` defaults are added to
the class as new attributes (installation refuses to overwrite a name
tlslite-ng already has).

Relied on for the settings (same versions):

* ``HandshakeSettings.validate()`` returns a new ``HandshakeSettings`` whose
  whole state is its instance attributes (:func:`adopt_validated_fields`
  copies them onto our settings class).
* tlslite-ng looks at TLS 1.3 PSK identities only when ``pskConfigs`` or
  ``ticketKeys`` is non-empty: a ticket handshake's own validated copy gets
  a random, process-wide gate key in ``ticketKeys`` when it has none. It
  never seals or opens anything (``_serverSendTickets``, ``_tryDecrypt`` and
  ``_ticket_to_session`` are overridden, and the TLS 1.2 ServerHello
  extension it would turn on is set by our ``_sendMsg``), and the settings
  ``validate()`` returns never carry it.

The override bodies are written as ordinary overrides, calling
``super(TicketHooks, self).method(...)``; this module's ``super`` makes that
reach tlslite-ng's original method when the override runs installed on a
connection that is not a ``TicketHooks`` instance.
"""

import builtins
import collections
import functools
import inspect
import logging
import os
import threading
from typing import Any, Dict, List

import tlslite
from tlslite.constants import (TLS_1_3_HRR, AlertDescription, ExtensionType,
                               HandshakeType)
from tlslite.errors import TLSIllegalParameterException, TLSLocalAlert
from tlslite.extensions import SessionTicketExtension
from tlslite.handshakehelpers import HandshakeHelpers
from tlslite.messages import (ClientHello, NewSessionTicket,
                              NewSessionTicket1_0, ServerHello)
from tlslite.tlsconnection import TLSConnection
from tlslite.utils.lists import getFirstMatching

from . import _trace
from ._handshake import TicketHandshake, prf_of
from ._policy import TicketAbort
from ._settings import TicketSettingsMixin

#: tlslite-ng versions whose private methods were read and tested.
CHECKED_TLSLITE_VERSIONS = ("0.8.2", "0.9.0b2")

_HOOKED = ("_handshakeServerAsyncHelper", "_serverGetClientHello", "_getMsg",
           "_ticket_to_session", "_serverTLS13Handshake", "_tryDecrypt",
           "_sendMsg", "_sendFinished", "_serverSendTickets",
           "_queue_message", "_queue_flush", "_sendError")

log = logging.getLogger("tlslite_tickets")


def _check_tlslite():
    version = getattr(tlslite, "__version__", "unknown")
    missing = [name for name in _HOOKED if not hasattr(TLSConnection, name)]
    if missing or (version not in CHECKED_TLSLITE_VERSIONS and
                   not os.environ.get("TLSLITE_TICKETS_UNCHECKED_TLSLITE")):
        raise ImportError(
            "tlslite_tickets supports tlslite-ng {0}, found {1}{2}. Install a "
            "supported version (pip install tlslite-ng==0.8.2), or set "
            "TLSLITE_TICKETS_UNCHECKED_TLSLITE=1 to try anyway.".format(
                " and ".join(CHECKED_TLSLITE_VERSIONS), version,
                " (missing: {0})".format(", ".join(missing)) if missing
                else ""))


_check_tlslite()

# what tlslite-ng's TLS 1.3 PSK loop reads from the "ticket" it gets back
_StockTicketView = collections.namedtuple(
    "_StockTicketView", "protocol_version client_cert_chain")


class TicketHooks(TLSConnection):
    """The overrides listed in the module docstring; no public API here.

    Never instantiated: :func:`install_hooks` puts these methods into
    ``TLSConnection`` itself.
    """

    _ticket_state = None
    _pending_tickets = 0

    # -- handshake boundaries ---------------------------------------------

    def _handshakeServerAsyncHelper(self, *args, **kwargs):
        self._ticket_state = None
        self._pending_tickets = 0
        try:
            for result in super(TicketHooks, self)._handshakeServerAsyncHelper(
                    *args, **kwargs):
                yield result
        except TicketAbort as failure:
            for result in self._ticket_fatal(failure):
                yield result
        state = self._ticket_state
        if state is not None and state.tls13 and \
                state.resumed_contents is not None:
            # stock tlslite-ng reports TLS 1.3 resumptions as full handshakes
            self.resumed = True

    def _ticket_fatal(self, failure):
        """Send the alert for a ticket failure; chain the callback error."""
        cause = failure.__cause__ or failure
        log.warning("ticket handling aborted the connection: %s", failure)
        try:
            for result in self._sendError(
                    failure.alert or AlertDescription.internal_error,
                    str(failure)):
                yield result
        except TLSLocalAlert as alert:
            raise alert from cause

    def _serverGetClientHello(self, settings, *args, **kwargs):
        # an entry point: _dispatcher calls it for ticket settings only
        state = TicketHandshake(self, settings)
        args, kwargs = _tls12_session_cache(args, kwargs, state, settings)
        self._ticket_state = state
        for result in super(TicketHooks, self)._serverGetClientHello(
                settings, *args, **kwargs):
            # the full-handshake result is (clientHello, version, ...)
            if isinstance(result, tuple) and result[1] <= (3, 3):
                state.full_tls12()
            yield result

    def _getMsg(self, expectedType, secondaryType=None, constructorType=None):
        messages = super(TicketHooks, self)._getMsg(
            expectedType, secondaryType, constructorType)
        # (_dispatcher calls this hook only with a ticket state)
        if secondaryType != HandshakeType.client_hello and \
                not _trace.enabled():
            return messages  # no extra generator layer on the hot path
        return self._watch_messages(messages)

    def _watch_messages(self, messages):
        state = self._ticket_state
        for result in messages:
            if result not in (0, 1):
                state.trace.message("<-", result)
            if isinstance(result, ClientHello):
                state.client_hello_received(result)
            yield result

    def _queue_message(self, msg):
        if self._ticket_state is not None:
            self._ticket_state.trace.message("->", msg)
        super(TicketHooks, self)._queue_message(msg)

    # -- TLS 1.2 ------------------------------------------------------------

    def _ticket_to_session(self, settings, ticket_ext):
        state = self._ticket_state
        if state is None:
            return super(TicketHooks, self)._ticket_to_session(settings,
                                                               ticket_ext)
        if not ticket_ext.ticket:
            return None
        return state.offer_tls12(ticket_ext.ticket)

    def _sendMsg(self, msg, randomizeFirstBlock=True, update_hashes=True):
        state = self._ticket_state
        if state is not None:
            if type(msg) is ServerHello and msg.random == TLS_1_3_HRR and \
                    not self._client:
                # tlslite-ng asks for another ClientHello without looking
                # at this one's PSK identities; OpenSSL looks (nothing has
                # been sent yet, and _pre_client_hello_handshake_hash still
                # covers what came before this first ClientHello)
                state.hello_retry(msg.cipher_suite, functools.partial(
                    self._verify_binder, state.client_hello))
            elif type(msg) is ServerHello and not state.tls13 and \
                    not self._client:
                _set_empty_ticket_ext(msg, state.tls12_sends_ticket())
            state.trace.message("->", msg)
        return super(TicketHooks, self)._sendMsg(msg, randomizeFirstBlock,
                                                 update_hashes)

    def _sendFinished(self, masterSecret, cipherSuite=None, nextProto=None,
                      settings=None, send_session_ticket=False,
                      client_cert_chain=None):
        state = self._ticket_state
        if not self._client and not state.tls13:
            send_session_ticket = state.tls12_sends_ticket()
            if state.resumed_session is not None:
                # gen_cb must see the resumed session via SSL_get_session
                self.session = state.resumed_session
        return super(TicketHooks, self)._sendFinished(
            masterSecret, cipherSuite, nextProto, settings,
            send_session_ticket, client_cert_chain)

    # -- TLS 1.3 ------------------------------------------------------------

    def _serverTLS13Handshake(self, settings, clientHello, cipherSuite,
                              *args, **kwargs):
        if self._ticket_state is not None:
            self._ticket_state.begin_tls13(clientHello, cipherSuite)
        return super(TicketHooks, self)._serverTLS13Handshake(
            settings, clientHello, cipherSuite, *args, **kwargs)

    def _tryDecrypt(self, settings, identity=None, ticket=None):
        state = self._ticket_state
        if identity is None:
            return super(TicketHooks, self)._tryDecrypt(settings, identity,
                                                        ticket)
        hello = state.client_hello
        # an O(1) lookup: a scan per identity made a flood quadratic
        index = state.psk_index(identity)
        if not state.examines_psk(index):
            return None, None
        verify_binder = functools.partial(self._verify_binder, hello, index)
        contents = state.offer_tls13(bytes(identity.identity), verify_binder,
                                     index)
        if contents is None:
            return None, None
        return ((identity.identity, bytearray(contents.secret),
                 prf_of(contents.cipher_suite)),
                _StockTicketView(contents.protocol_version,
                                 state.resumed_session.clientCertChain))

    def _verify_binder(self, hello, index, psk, prf):
        """Check the binder of ``hello``'s PSK identity ``index``.

        Checked here, before tlslite-ng checks it again (~0.1 ms), for two
        reasons: RFC 8446 4.2.11 wants decrypt_error (tlslite-ng sends
        illegal_parameter), and a single-use store must only be asked once
        the binder is known good, or a forged ClientHello carrying a stolen
        ticket could burn it.
        """
        try:
            HandshakeHelpers.verify_binder(
                hello, self._pre_client_hello_handshake_hash, index,
                bytearray(psk), prf, external=False)
        except TLSIllegalParameterException as exc:
            raise TicketAbort("PSK binder does not verify",
                              AlertDescription.decrypt_error) from exc

    # -- issuing --------------------------------------------------------------

    def _serverSendTickets(self, settings):
        state = self._ticket_state
        if state is None:
            return super(TicketHooks, self)._serverSendTickets(settings)
        state.adopt_appdata(self.session)
        return self._send_tickets(state.tickets_due())

    def _send_tickets(self, count):
        """Build ``count`` tickets for ``self.session`` and send them."""
        state = self._ticket_state
        lifetime = state.settings.ticketLifetime
        queued = False
        for _ in range(count):
            ticket, nonce, contents = state.new_ticket(self.session,
                                                       self.version)
            state.tickets_counted += 1
            if self.version > (3, 3):
                if ticket is None:
                    continue  # OpenSSL counts it as sent but sends nothing
                msg = NewSessionTicket().create(lifetime, contents.age_add,
                                                bytearray(nonce),
                                                bytearray(ticket), [])
            elif ticket is None:
                # RFC 5077 3.3: ServerHello promised a NewSessionTicket
                msg = NewSessionTicket1_0().create(0, bytearray(0))
            else:
                # RFC 5077 3.3: on a resumed handshake OpenSSL gives no hint
                hint = 0 if state.resumed_contents is not None else lifetime
                msg = NewSessionTicket1_0().create(hint, bytearray(ticket))
            self._queue_message(msg)
            queued = True
        if queued:
            for result in self._queue_flush():
                yield result

    def _tls13_server_ready(self):
        """A TLS 1.3 server connection whose handshake has completed."""
        return not self._client and not self.closed and \
            self._ticket_state is not None and self.version > (3, 3)

    def _send_pending_tickets(self):
        """Send tickets queued by SSL_new_session_ticket (TLS 1.3)."""
        count, self._pending_tickets = self._pending_tickets, 0
        state = self._ticket_state
        if state.resumed_contents is None:
            # OpenSSL: after a full handshake, the asked-for tickets are
            # topped up to num_tickets if fewer went out (dec_cb said IGNORE)
            count = max(count,
                        state.settings.ticket_count - state.tickets_counted)
        try:
            for result in self._send_tickets(count):
                yield result
        except TicketAbort as failure:
            for result in self._ticket_fatal(failure):
                yield result


#: (private_key, cert_chain, verifierDB, sessionCache, anon, alpn, sni)
_SESSION_CACHE_ARG = 3


def _tls12_session_cache(args, kwargs, state, settings):
    """``_serverGetClientHello``'s arguments with the session cache behind
    a :class:`_TLS12SessionCache`."""
    if "sessionCache" in kwargs:
        kwargs = dict(kwargs, sessionCache=_TLS12SessionCache(
            kwargs["sessionCache"], state, settings))
    elif len(args) > _SESSION_CACHE_ARG and args[_SESSION_CACHE_ARG]:
        args = list(args)
        args[_SESSION_CACHE_ARG] = _TLS12SessionCache(
            args[_SESSION_CACHE_ARG], state, settings)
    return args, kwargs


class _TLS12SessionCache:
    """The server's session cache as ``_serverGetClientHello`` sees it.

    tlslite-ng looks up the legacy session ID of every ClientHello, also of
    one that will negotiate TLS 1.3, whose session ID is random (middlebox
    compatibility) and never in the cache: for a cache in Redis that is a
    round trip per handshake that always misses. This answers those
    lookups with a miss without asking. The ClientHello is known by then
    (``_getMsg``), and the version is the one tlslite-ng picks: the first
    of ``settings.versions`` that supported_versions lists.
    """

    __slots__ = ("_cache", "_state", "_settings")

    def __init__(self, cache, state, settings):
        self._cache, self._state, self._settings = cache, state, settings

    def __bool__(self):
        return bool(self._cache)

    def __getitem__(self, session_id):
        hello = self._state.client_hello
        versions = hello.getExtension(ExtensionType.supported_versions) \
            if hello is not None else None
        if versions is not None and (getFirstMatching(
                self._settings.versions, versions.versions) or ()) > (3, 3):
            raise KeyError(session_id)  # TLS 1.3: never resumed from here
        return self._cache[session_id]


def _set_empty_ticket_ext(server_hello, present):
    """Make a TLS 1.2 ServerHello carry the empty SessionTicket extension
    exactly when a NewSessionTicket will follow (RFC 5077 section 3.2)."""
    extensions = [ext for ext in server_hello.extensions or ()
                  if ext.extType != ExtensionType.session_ticket]
    if present:
        extensions.append(SessionTicketExtension().create(bytearray(0)))
    server_hello.extensions = extensions or None


# -- installation into tlslite-ng's TLSConnection ----------------------------
#
# Ticket settings must work on any TLSConnection (TLSSocketServerMixIn and
# much other code make their own), so the overrides above go into the
# TLSConnection class itself, once per process, when the first ticket
# settings object is built. Their bodies stay ordinary overrides, written as
# ``super(TicketHooks, self).method(...)``: the ``super`` below gives, for a
# connection that is not a TicketHooks instance, the method tlslite-ng had
# before installation.

#: methods that see the (validated) settings and decide per handshake
_ENTRY_POINTS = ("_handshakeServerAsyncHelper", "_serverGetClientHello")

#: name -> tlslite-ng's function, as found before installation
_originals: Dict[str, Any] = {}
_installed: List[bool] = []
_install_lock = threading.Lock()

#: see the module docstring; random so no stock path seals under a known key
_PSK_GATE = [bytearray(os.urandom(32))]


def super(cls, obj):  # noqa: A001 -- deliberately shadows the builtin
    """``super(TicketHooks, self)`` inside an installed override: the
    original tlslite-ng method; the builtin ``super`` everywhere else."""
    if cls is TicketHooks and not isinstance(obj, TicketHooks):
        return _StockMethods(obj)
    return builtins.super(cls, obj)


class _StockMethods(object):
    """tlslite-ng's own methods, bound to one connection."""

    __slots__ = ("_conn",)

    def __init__(self, conn):
        self._conn = conn

    def __getattr__(self, name):
        try:
            original = _originals[name]
        except KeyError:
            raise AttributeError("{0} is not an installed hook".format(name))
        return original.__get__(self._conn, type(self._conn))


def hooks_installed():
    """Whether :func:`install_hooks` has run in this process."""
    return bool(_installed)


def install_hooks():
    """Put TicketHooks' overrides into ``TLSConnection``; once a process.

    Called when ticket settings (or a TicketTLSConnection) are built, so
    before any handshake that uses them starts. Thread-safe, idempotent.
    """
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        hooked, extras = {}, {}
        for name, value in vars(TicketHooks).items():
            if not name.startswith("__"):
                (hooked if name in _HOOKED else extras)[name] = value
        clash = sorted(name for name in extras if hasattr(TLSConnection, name))
        if clash:
            raise RuntimeError("tlslite-ng's TLSConnection already has {0}; "
                               "tlslite_tickets cannot add its own".format(
                                   ", ".join(clash)))
        for name, value in extras.items():
            setattr(TLSConnection, name, value)
        _originals.update(
            (name, getattr(TLSConnection, name)) for name in hooked)
        for name, hook in hooked.items():
            setattr(TLSConnection, name,
                    _dispatcher(name, _originals[name], hook))
        _installed.append(True)


def _dispatcher(name, original, hook):
    """``TLSConnection.<name>``: ``hook`` for ticket handshakes, else the
    original (its return value, generator or not, passed on as it is)."""
    if name in _ENTRY_POINTS:
        position = list(inspect.signature(original).parameters).index(
            "settings") - 1  # without self
        validated = name == "_serverGetClientHello"

        def method(self, *args, **kwargs):
            settings = kwargs.get("settings") if "settings" in kwargs else \
                args[position] if position < len(args) else None
            if isinstance(settings, TicketSettingsMixin):
                if validated and not settings.ticketKeys:
                    settings.ticketKeys = _PSK_GATE
                return hook(self, *args, **kwargs)
            if self._ticket_state is not None:
                self._ticket_state = None  # left by an earlier handshake
            return original(self, *args, **kwargs)
    else:
        def method(self, *args, **kwargs):
            if self._ticket_state is None:
                return original(self, *args, **kwargs)
            return hook(self, *args, **kwargs)
    functools.update_wrapper(method, original)
    method.ticket_hook = hook
    return method


def adopt_validated_fields(settings, validated):
    """Give ``settings`` every field of tlslite-ng's validated copy.

    ``HandshakeSettings.validate()`` builds a plain ``HandshakeSettings``;
    its state is its instance attributes (see the module docstring).
    """
    vars(settings).update(vars(validated))
    return settings
