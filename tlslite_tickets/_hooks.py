"""Every place where tlslite_tickets reaches into tlslite-ng's private API.

Nothing else in the package calls or overrides a tlslite-ng method whose
name starts with an underscore. If a tlslite-ng release changes one of
these, this is the only file to read.

Checked against tlslite-ng 0.8.2 and 0.9.0b2 (the version tlsfuzzer pins).

Overridden (all on ``TLSConnection`` or its base ``TLSRecordLayer``):

========================================  ====================================
method                                    why
========================================  ====================================
``_handshakeServerAsyncHelper``           start/end of a server handshake: turn
                                          callback failures into a fatal alert;
                                          mark TLS 1.3 resumptions as resumed
``_serverGetClientHello``                 create the per-handshake state; learn
                                          that a TLS 1.2 handshake is a full one
``_getMsg``                               see each ClientHello as it is parsed
                                          (and, while tracing, every message)
``_ticket_to_session``                    TLS 1.2 SessionTicket extension
``_serverTLS13Handshake``                 TLS 1.3: the cipher suite in use
``_tryDecrypt``                           TLS 1.3: one PSK identity
``_sendMsg``                              TLS 1.2 ServerHello: add or remove
                                          the empty SessionTicket extension;
                                          trace sent messages
``_sendFinished``                         TLS 1.2: whether a NewSessionTicket
                                          goes before ChangeCipherSpec
``_serverSendTickets``                    build and send NewSessionTickets
``_queue_message``                        trace queued messages (only when the
                                          ``tlslite_tickets.trace`` logger is on)
========================================  ====================================

Called: ``_queue_flush``, ``_sendError``; read: the attributes ``_client``
and ``_pre_client_hello_handshake_hash`` (binder check); plus the public
``HandshakeHelpers.verify_binder``.
"""

import collections
import logging
import os

import tlslite
from tlslite.constants import AlertDescription, ExtensionType, HandshakeType
from tlslite.errors import TLSIllegalParameterException, TLSLocalAlert
from tlslite.extensions import SessionTicketExtension
from tlslite.handshakehelpers import HandshakeHelpers
from tlslite.messages import (ClientHello, NewSessionTicket,
                              NewSessionTicket1_0, ServerHello)
from tlslite.tlsconnection import TLSConnection

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
    """The overrides listed in the module docstring; no public API here."""

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
        if state is not None and state.tls13 and state.resumed is not None:
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
        state = None
        if isinstance(settings, TicketSettingsMixin):
            state = TicketHandshake(self, settings)
        self._ticket_state = state
        for result in super(TicketHooks, self)._serverGetClientHello(
                settings, *args, **kwargs):
            # the full-handshake result is (clientHello, version, ...)
            if state is not None and isinstance(result, tuple) and \
                    result[1] <= (3, 3):
                state.full_tls12()
            yield result

    def _getMsg(self, expectedType, secondaryType=None, constructorType=None):
        messages = super(TicketHooks, self)._getMsg(
            expectedType, secondaryType, constructorType)
        if self._ticket_state is None or (
                secondaryType != HandshakeType.client_hello and
                not _trace.enabled()):
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
            if type(msg) is ServerHello and not state.tls13 and \
                    not self._client:
                _set_empty_ticket_ext(msg, state.tls12_sends_ticket())
            state.trace.message("->", msg)
        return super(TicketHooks, self)._sendMsg(msg, randomizeFirstBlock,
                                                 update_hashes)

    def _sendFinished(self, masterSecret, cipherSuite=None, nextProto=None,
                      settings=None, send_session_ticket=False,
                      client_cert_chain=None):
        state = self._ticket_state
        if state is not None and not self._client and not state.tls13:
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
        if state is None or identity is None:
            return super(TicketHooks, self)._tryDecrypt(settings, identity,
                                                        ticket)
        hello = state.client_hello
        identities = hello.getExtension(ExtensionType.pre_shared_key).identities
        index = next(i for i, ident in enumerate(identities)
                     if ident is identity)

        def verify_binder(psk, prf):
            # Checked here, before tlslite-ng checks it again (~0.1 ms), for
            # two reasons: RFC 8446 4.2.11 wants decrypt_error (tlslite-ng
            # sends illegal_parameter), and a single-use store must only be
            # asked once the binder is known good, or a forged ClientHello
            # carrying a stolen ticket could burn it.
            try:
                HandshakeHelpers.verify_binder(
                    hello, self._pre_client_hello_handshake_hash, index,
                    bytearray(psk), prf, external=False)
            except TLSIllegalParameterException as exc:
                raise TicketAbort("PSK binder does not verify",
                                  AlertDescription.decrypt_error) from exc

        contents = state.offer_tls13(bytes(identity.identity), verify_binder)
        if contents is None:
            return None, None
        return ((identity.identity, bytearray(contents.secret),
                 prf_of(contents.cipher_suite)),
                _StockTicketView(contents.protocol_version,
                                 state.resumed_session.clientCertChain))

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
                hint = 0 if state.resumed is not None else lifetime
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
        if state.resumed is None:
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


def _set_empty_ticket_ext(server_hello, present):
    """Make a TLS 1.2 ServerHello carry the empty SessionTicket extension
    exactly when a NewSessionTicket will follow (RFC 5077 section 3.2)."""
    extensions = [ext for ext in server_hello.extensions or ()
                  if ext.extType != ExtensionType.session_ticket]
    if present:
        extensions.append(SessionTicketExtension().create(bytearray(0)))
    server_hello.extensions = extensions or None
