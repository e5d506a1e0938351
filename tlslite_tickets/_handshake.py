"""One server handshake's ticket state: decrypt, ask dec_cb, decide, issue.

:class:`TicketHandshake` knows the OpenSSL semantics and nothing about how
tlslite-ng is wired; the hooks in ``_hooks.py`` feed it events in this order:

1. ``client_hello``: a ClientHello arrived (again, after a HelloRetryRequest).
2. TLS 1.2: ``offer_tls12`` for a non-empty SessionTicket extension, then
   ``full_tls12`` if the handshake did not resume; TLS 1.3: ``begin_tls13``
   then ``offer_tls13`` for each PSK identity until one is used (or one
   that dec_cb wanted to use was refused, as OpenSSL stops there too).
   When the first TLS 1.3 ClientHello gets a HelloRetryRequest,
   ``hello_retry`` comes before it is sent, and 1.-2. run again for the
   second ClientHello.
3. ``new_ticket``, once per NewSessionTicket to build; ``tickets_due`` says
   how many.

The ``ticket_expected`` flag is OpenSSL's; every change to it goes through
:meth:`TicketHandshake._ticket_event`, whose rules are the table
``_policy.TICKET_EXPECTED``.
"""

import hashlib
import hmac
import os

from tlslite.constants import CipherSuite, ExtensionType, PskKeyExchangeMode
from tlslite.session import Session
from tlslite.utils.cryptomath import HKDF_expand_label
from tlslite.utils.lists import getFirstMatching

from . import _ticket
from ._codec import codec_for
from ._constants import (KEY_NAME_LEN, SSL_OP_NO_TICKET, TicketReturn,
                         TicketStatus)
from ._policy import (TicketAbort, coerce_return, decide, default_return,
                      ticket_expected_after, tickets_to_send)
from ._trace import ConnectionTrace, version_name
from ._wire import certificate_chain


#: PSK identities whose decrypt/dec_cb events a trace shows, per hello.
TRACED_PSK_IDENTITIES = 4


def prf_of(cipher_suite):
    """Hash name of a suite's PRF, as tlslite-ng names it."""
    if cipher_suite in CipherSuite.sha384PrfSuites:
        return "sha384"
    return "sha256"


def _call(what, func, *args):
    """Run a user callback; any exception becomes a TicketAbort cause."""
    try:
        return func(*args)
    except Exception as exc:
        raise TicketAbort("{0} raised {1}".format(what, type(exc).__name__)) \
            from exc


class TicketHandshake:
    """Ticket decisions for one server handshake (see module docstring)."""

    def __init__(self, conn, settings):
        self.conn = conn
        self.settings = settings
        #: how tickets are written and read (``settings.ticket_format``)
        self.codec = codec_for(settings)
        self.client_hello = None
        self.version = None
        self.tls13 = False
        self.cipher_suite = None
        #: TicketContents of the ticket the handshake resumed with.
        self.resumed_contents = None
        #: Session built from that ticket (TLS 1.2 resumption).
        self.resumed_session = None
        self.ticket_expected = False
        self.tickets_sent = 0
        #: OpenSSL's sent_tickets: tickets built, any the key callback
        #: declined to seal included
        self.tickets_counted = 0
        self._nonce_counter = 0
        self._opened_with = None  # key of the last ticket that opened
        self._psk_indexes = (None, {})  # (ClientHello, {id(identity): i})
        self._psk_notes = set()  # summary trace lines given for this hello
        self._use_refused = False  # dec_cb said USE, the checks said no
        #: trace lines for this connection (``tlslite_tickets.trace``)
        self.trace = ConnectionTrace()

    # -- 1. ClientHello ----------------------------------------------------

    def client_hello_received(self, client_hello):
        """Record the ClientHello and the version it will negotiate."""
        self.client_hello = client_hello
        settings = self.settings
        ext = client_hello.getExtension(ExtensionType.supported_versions)
        version = ext and getFirstMatching(settings.versions, ext.versions)
        if not version:
            version = min(tuple(client_hello.client_version),
                          tuple(settings.maxVersion), (3, 3))
        self.version = tuple(version)
        self.tls13 = self.version > (3, 3)
        self.trace.event("version", "%s will be negotiated",
                         version_name(self.version))
        self._ticket_event("client_hello")

    # -- 2a. TLS 1.2 -------------------------------------------------------

    def offer_tls12(self, ticket):
        """A non-empty SessionTicket extension: return a Session or None."""
        if self.tls13 or self._no_ticket():
            # the extension means nothing in TLS 1.3 (OpenSSL ignores it),
            # nor under SSL_OP_NO_TICKET
            return None
        contents, session = self._judge(ticket)
        if contents is None:
            return None
        self.resumed_contents = contents
        self.resumed_session = session
        return session

    def full_tls12(self):
        """The TLS 1.2 handshake will be a full one; settle ticket_expected."""
        if self.resumed_contents is not None:
            # tlslite-ng refused the session we offered (e.g. a suite the
            # server no longer enables): a full handshake and a fresh ticket
            self.trace.event("refused", "ticket's cipher suite is not enabled:"
                             " full handshake, fresh ticket")
            self.resumed_contents = self.resumed_session = None
            self._ticket_event("ticket_refused")
        ext = self.client_hello.getExtension(ExtensionType.session_ticket)
        if self._no_ticket():
            self._ticket_event("tickets_off")
        elif ext is not None and not ext.ticket:
            decision = self._ask_dec_cb(b"", TicketStatus.EMPTY, None)
            self._ticket_event("dec_cb", decision.renew)

    def tls12_sends_ticket(self):
        """Whether ServerHello carries the empty SessionTicket extension."""
        return self.tickets_due() > 0

    # -- 2b. TLS 1.3 -------------------------------------------------------

    def begin_tls13(self, client_hello, cipher_suite):
        """Before PSK identities are looked at."""
        self.client_hello = client_hello
        self.cipher_suite = cipher_suite
        self._use_refused = False  # per ClientHello
        self._ticket_event("tls13_hello")
        if _psk_offer(client_hello) is not None:
            self._ticket_event("tls13_identities")

    def psk_index(self, identity):
        """Position of a PSK identity object in the current ClientHello.

        The map is built once per ClientHello (linear), so a hello with
        thousands of identities costs the same per identity as one with two.
        """
        hello, indexes = self._psk_indexes
        if hello is not self.client_hello:
            hello = self.client_hello
            ext = hello.getExtension(ExtensionType.pre_shared_key)
            # the hello holds the identities, so their id()s stay unique
            indexes = dict((id(ident), i)
                           for i, ident in enumerate(ext.identities))
            self._psk_indexes = hello, indexes
            self._psk_notes = set()
        return indexes[id(identity)]

    def _note_once(self, what, detail, *args):
        """A summary trace line, at most once per ClientHello."""
        if what not in self._psk_notes:
            self._psk_notes.add(what)
            self.trace.event("psk", detail, *args)

    def examines_psk(self, index):
        """Whether identity ``index`` is judged (decrypt, dec_cb, ...).

        ``settings.ticket_max_psk_identities`` bounds the work an attacker
        can ask for with one ClientHello; OpenSSL has no such bound.
        """
        limit = self.settings.ticket_max_psk_identities
        if limit is None or index < limit:
            return True
        count = len(self.client_hello.getExtension(
            ExtensionType.pre_shared_key).identities)
        self._note_once("limit", "identities #%d to #%d not examined "
                        "(ticket_max_psk_identities is %d)", limit, count - 1,
                        limit)
        return False

    def offer_tls13(self, ticket, verify_binder, index):
        """One PSK identity: return its TicketContents to resume, or None.

        ``verify_binder(psk, prf)`` raises TicketAbort for a bad binder.
        Trace lines are kept for the first few identities only.
        """
        if self._use_refused:
            # OpenSSL looks no further than the first identity dec_cb wanted
            # to use, even when that one could not resume (e.g. expired)
            return None
        if index >= TRACED_PSK_IDENTITIES:
            self._note_once("quiet", "trace of identity #%d and later left "
                            "out", TRACED_PSK_IDENTITIES)
            self.trace.quiet = True
        try:
            return self._offer_tls13(ticket, verify_binder)
        finally:
            self.trace.quiet = False

    def _offer_tls13(self, ticket, verify_binder):
        contents, session = self._judge(ticket)
        if contents is None:
            return None
        verify_binder(contents.secret, prf_of(contents.cipher_suite))
        if not self._first_use(ticket, contents):
            self.trace.event("refused", "ticket was already used: full "
                             "handshake, fresh tickets")
            self._ticket_event("ticket_refused")
            return None
        self.resumed_contents = contents
        self.resumed_session = session
        return contents

    def hello_retry(self, cipher_suite, verify_binder):
        """A HelloRetryRequest is about to answer the first ClientHello.

        OpenSSL judges the PSK identities of every ClientHello, the first
        of two included: key callback and dec_cb for each identity in
        order until one would be used, then that identity's binder. So an
        ABORT, an illegal answer, a failing key callback or a bad binder
        here ends the handshake before the HelloRetryRequest is sent.
        Everything else they decided is dropped, as OpenSSL drops the
        session when it sends the HelloRetryRequest: the second ClientHello
        decides resumption and tickets. The single-use store is not asked:
        only the binder of the second ClientHello, the one a resumption
        rests on, may claim a ticket.

        In OpenSSL (3.0 up to the current 3.x sources alike):
        ssl_get_prev_session runs tls_parse_ctos_psk on each ClientHello,
        and tls_construct_server_hello frees the session for a
        HelloRetryRequest.

        ``verify_binder(index, psk, prf)`` raises TicketAbort.
        """
        self.begin_tls13(self.client_hello, cipher_suite)
        external = {bytes(config[0]): config[2] if len(config) > 2
                    else "sha256" for config in self.settings.pskConfigs or ()}
        prf = prf_of(cipher_suite)
        offer = _psk_offer(self.client_hello)
        for index, identity in enumerate(offer and offer.identities or ()):
            if not self.examines_psk(index):
                break  # the same bound as for the second ClientHello
            name = bytes(identity.identity)
            if name in external:
                # an external PSK: tlslite-ng's, not a ticket (its loop
                # skips one for another hash and stops at a usable one)
                if external[name] == prf:
                    break
                continue
            if index >= TRACED_PSK_IDENTITIES:
                self._note_once("quiet", "trace of identity #%d and later "
                                "left out", TRACED_PSK_IDENTITIES)
                self.trace.quiet = True
            try:
                contents, _ = self._judge(name)
            finally:
                self.trace.quiet = False
            if contents is not None:
                verify_binder(index, contents.secret,
                              prf_of(contents.cipher_suite))
                break
            if self._use_refused:
                break  # OpenSSL stops at a ticket dec_cb wanted to use
        # nothing else survives: only offer_tls13 (second ClientHello)
        # picks a ticket to resume, and its begin_tls13 resets the flag
        self.trace.event("retry", "what the first ClientHello decided is "
                         "dropped")

    def _first_use(self, ticket, contents):
        """Single-use tickets: claim this one; any store failure refuses."""
        store = self.settings.ticket_single_use_store
        if store is None:
            return True
        # keyed, so the store never holds anything a client could replay
        ticket_id = hmac.new(self._opened_with.aead_key,
                             b"tlslite-tickets single use v1" + ticket,
                             hashlib.sha256).digest()[:16]
        expires_at = contents.created_ms / 1000.0 + contents.lifetime
        try:
            return bool(store.claim(ticket_id, expires_at,
                                    self.settings.ticket_clock()))
        except Exception as exc:
            self.trace.event("refused", "single-use store failed (%s)",
                             type(exc).__name__)
            return False

    # -- 3. issuing --------------------------------------------------------

    def tickets_due(self):
        """NewSessionTicket messages to send at the end of the handshake."""
        count = self.settings.ticket_count
        if not self.tls13:
            # OpenSSL's num_tickets is for TLS 1.3; TLS 1.2 has its own switch
            count = 0 if self.settings.tls12_tickets_off() else 1
        return tickets_to_send(self.tls13, self.resumed_contents is not None,
                               self.ticket_expected, count)

    def _no_ticket(self):
        """``SSL_OP_NO_TICKET``: TLS 1.2 tickets are neither read nor made."""
        return bool(self.settings.ticket_options & SSL_OP_NO_TICKET)

    def adopt_appdata(self, session):
        """Give the new session the resumed ticket's appdata (if any)."""
        if self.resumed_contents is not None and \
                getattr(session, "ticket_appdata", None) is None:
            session.ticket_appdata = self.resumed_contents.appdata

    def new_ticket(self, session, version):
        """gen_cb, then seal one ticket for ``session``.

        Returns ``(ticket, nonce, contents)``; ``ticket`` is ``None`` when
        the key callback declined to give a key.
        """
        settings = self.settings
        if settings.ticket_gen_cb is not None:
            ok = _call("gen_cb", settings.ticket_gen_cb, self.conn,
                       settings.ticket_cb_arg)
            self.trace.event("gen_cb", "-> %r", ok)
            if not ok:
                raise TicketAbort("gen_cb returned {0!r}".format(ok))
        key = self._encryption_key()
        if key is None:
            self.trace.event("key", "key callback gave no key: no ticket")
            return None, b"", None
        nonce = self._nonce_counter.to_bytes(8, "big")
        self._nonce_counter += 1
        suite = session.cipherSuite
        if version > (3, 3):
            secret = HKDF_expand_label(
                session.resumptionMasterSecret, b"resumption", nonce,
                48 if prf_of(suite) == "sha384" else 32, prf_of(suite))
        else:
            secret = session.masterSecret
        chain = session.clientCertChain
        contents = _ticket.TicketContents(
            protocol_version=version, cipher_suite=suite, secret=secret,
            created_ms=int(settings.ticket_clock() * 1000),
            lifetime=settings.ticketLifetime,
            age_add=int.from_bytes(os.urandom(4), "big"),
            server_name=(session.serverName or "").encode("utf-8"),
            ems=session.extendedMasterSecret, etm=session.encryptThenMAC,
            client_certs=[c.writeBytes() for c in chain.x509List]
            if chain else (),
            appdata=getattr(session, "ticket_appdata", None))
        try:
            ticket = self.codec.seal(key, contents, session, self.conn)
        except ValueError as exc:
            # too large for the wire: never send a malformed message
            self.trace.event("ticket", "not sent: %s", exc)
            return None, b"", None
        self.tickets_sent += 1
        self.trace.event("ticket", "#%d sealed under key %s, %d bytes%s",
                         self.tickets_sent, key.name.hex(), len(ticket),
                         ", appdata %d bytes" % len(contents.appdata)
                         if contents.appdata else "")
        return ticket, nonce, contents

    # -- internals ---------------------------------------------------------

    def _judge(self, ticket):
        """Decrypt, ask dec_cb, run the checks OpenSSL runs after it.

        Returns ``(contents, session)`` of a ticket to resume with, or
        ``(None, None)``; updates ``ticket_expected`` either way.
        """
        status, contents, session = self._decrypt(ticket)
        decision = self._ask_dec_cb(ticket, status, session)
        self._ticket_event("dec_cb", decision.renew)
        if not decision.resume:
            return None, None
        if self.tls13 and prf_of(contents.cipher_suite) != \
                prf_of(self.cipher_suite):
            # tls_parse_ctos_psk drops such a ticket at once: no fresh
            # ticket for it, and the next identity is looked at
            self.trace.event("refused", "ticket made for another cipher "
                             "suite hash: passed over, asks for no ticket")
            self._ticket_event("tls13_other_hash")
            return None, None
        reason = self._refusal(contents)
        if reason:
            self.trace.event("refused", "ticket %s: full handshake, fresh "
                             "ticket", reason)
            self._ticket_event("ticket_refused")
            self._use_refused = True
            return None, None
        return contents, session

    def _ticket_event(self, event, renew=False):
        """The one place ``ticket_expected`` changes (OpenSSL's rules)."""
        self.ticket_expected = ticket_expected_after(
            event, self.ticket_expected, renew)

    def _encryption_key(self):
        settings = self.settings
        if settings.ticket_key_cb is None:
            return settings.ticket_key_ring.encryption_key(
                settings.ticket_clock())
        answer = _call("key_cb", settings.ticket_key_cb, self.conn, None, 1)
        if answer == 0 or answer is None:
            return None
        try:
            code, name, secret = answer
            if code != 1:
                raise ValueError(code)
            return self.codec.make_key(name, secret)
        except (TypeError, ValueError):
            raise TicketAbort("key_cb returned {0!r} when encrypting, expected "
                              "(1, key_name, secret) or 0"
                              .format(_safe_shape(answer))) from None

    def _decryption_key(self, name):
        """Return ``(key or None, renew)`` for a ticket's key name."""
        settings = self.settings
        if settings.ticket_key_cb is None:
            key, renew = settings.ticket_key_ring.lookup(
                name, settings.ticket_clock())
            # OpenSSL's built-in keys renew every good TLS 1.3 ticket
            return key, renew or self.tls13
        answer = _call("key_cb", settings.ticket_key_cb, self.conn, name, 0)
        if answer == 0 or answer is None:
            return None, False
        try:
            code, secret = answer
            if code not in (1, 2):
                raise ValueError(code)
            return self.codec.make_key(name, secret), code == 2
        except (TypeError, ValueError):
            raise TicketAbort("key_cb returned {0!r} when decrypting, "
                              "expected (1, secret), (2, secret) or 0"
                              .format(_safe_shape(answer))) from None

    def _decrypt(self, ticket):
        """Return ``(status, contents, session)`` for a non-empty ticket."""
        ticket = bytes(ticket)
        failed = TicketStatus.NO_DECRYPT, None, None
        if len(ticket) < self.codec.min_ticket_len:
            return failed
        key, renew = self._decryption_key(ticket[:KEY_NAME_LEN])
        if key is None:
            return failed
        try:
            contents = self.codec.open(key, ticket, self.client_hello,
                                       self.settings)
            session = self._session_of(contents, self._session_name(contents))
            self._opened_with = key
        except Exception as exc:  # a ticket is attacker-controlled input
            self.trace.event("decrypt", "ticket does not open (%s)",
                             type(exc).__name__)
            return failed
        if renew:
            return TicketStatus.SUCCESS_RENEW, contents, session
        return TicketStatus.SUCCESS, contents, session

    def _ask_dec_cb(self, ticket, status, session):
        settings = self.settings
        if settings.ticket_dec_cb is None:
            ret = default_return(status)
        else:
            ret = coerce_return(_call(
                "dec_cb", settings.ticket_dec_cb, self.conn, session,
                _ticket.key_name_of(ticket), status, settings.ticket_cb_arg))
        self.trace.event("dec_cb" if settings.ticket_dec_cb else "default",
                         "key name %s, status %s -> %s",
                         _ticket.key_name_of(ticket).hex() or "(none)",
                         status.name, TicketReturn(ret).name)
        return decide(status, ret)

    def _refusal(self, contents):
        """Why a ticket dec_cb wants to use cannot resume, or None."""
        hello = self.client_hello
        if contents.expired(self.settings.ticket_clock()):
            return "expired"
        if contents.protocol_version != self.version:
            return "made for another protocol version"
        if self.codec.binds_server_name and \
                bytes(hello.server_name or b"") != contents.server_name:
            return "made for another server name"
        reason = self.codec.refusal(contents)
        if reason:
            return reason
        if self.tls13:
            return None  # the hash was checked first (_judge)
        if contents.cipher_suite not in hello.cipher_suites:
            return "its cipher suite is not offered"
        ems = hello.getExtension(ExtensionType.extended_master_secret)
        if contents.ems != (ems is not None and
                            self.settings.useExtendedMasterSecret):
            return "extended master secret state differs"
        if contents.etm and not hello.getExtension(
                ExtensionType.encrypt_then_mac):
            return "encrypt-then-MAC state differs"
        return None

    def _session_name(self, contents):
        """The host name the resumed Session gets: the ticket's, or the
        client's SNI for formats that do not bind the name (tlslite-ng
        refuses a resumption whose session names another host)."""
        if self.codec.binds_server_name or self.client_hello is None:
            return contents.server_name
        return bytes(self.client_hello.server_name or b"")

    @staticmethod
    def _session_of(contents, server_name):
        """A tlslite-ng Session holding what the ticket carried, named
        ``server_name`` (bytes; see :meth:`_session_name`)."""
        session = Session()
        session.create(bytearray(contents.secret), bytearray(0),
                       contents.cipher_suite, "",
                       certificate_chain(contents.client_certs), None, None,
                       False,
                       server_name.decode("utf-8", "replace"),
                       encryptThenMAC=contents.etm,
                       extendedMasterSecret=contents.ems, ec_point_format=0)
        session.ticket_appdata = contents.appdata
        return session


def _psk_offer(client_hello):
    """The pre_shared_key extension, or None when there is none or no PSK
    key exchange mode we know (tls_parse_ctos_psk ignores it then)."""
    offered = client_hello.getExtension(ExtensionType.pre_shared_key)
    modes = client_hello.getExtension(ExtensionType.psk_key_exchange_modes)
    if offered is None or modes is None or not (
            PskKeyExchangeMode.psk_dhe_ke in modes.modes or
            PskKeyExchangeMode.psk_ke in modes.modes):
        return None
    return offered


def _safe_shape(answer):
    """Describe a key_cb answer without echoing the secret it may hold."""
    if isinstance(answer, tuple):
        return "tuple of {0}".format(len(answer))
    return type(answer).__name__
