"""Handshake traces: one readable line per message and per ticket event.

Everything goes to the ``tlslite_tickets.trace`` logger at DEBUG level, so
``logging.getLogger("tlslite_tickets.trace").setLevel(logging.DEBUG)`` (or
the server command's ``--trace``) shows a ladder like this one: a TLS 1.3
client resumes with a ticket from a server that takes only P-256 key
shares, so its X25519 share gets a HelloRetryRequest and dec_cb runs for
both ClientHellos, as in OpenSSL ("..." stands for text left out here)::

    [conn 2] <- ClientHello      up to TLS 1.3, ..., 1 PSK identity: 131 bytes
    [conn 2]    version          TLS 1.3 will be negotiated
    [conn 2]    dec_cb           key name ..., status SUCCESS_RENEW -> USE_RENEW
    [conn 2]    retry            what the first ClientHello decided is dropped
    [conn 2] -> HelloRetryRequest ..., asks for a secp256r1 key share, cookie
    [conn 2] -> ChangeCipherSpec
    [conn 2] <- ClientHello      up to TLS 1.3, ..., 1 PSK identity: 131 bytes
    [conn 2]    version          TLS 1.3 will be negotiated
    [conn 2]    dec_cb           key name ..., status SUCCESS_RENEW -> USE_RENEW
    [conn 2] -> ServerHello      TLS 1.3, ..., resuming with PSK identity 0
    ...
    [conn 2]    gen_cb           -> 1
    [conn 2]    ticket           #1 sealed under key ..., 131 bytes
    [conn 2] -> NewSessionTicket lifetime 86400 s, 131-byte ticket

(``unit_tests/test_trace.py`` checks that this example matches a real trace.)

Nothing here runs unless that logger is enabled, and no line ever holds a
secret: key names and sizes only.
"""

import itertools
import logging

from tlslite.constants import (TLS_1_3_HRR, CipherSuite, ExtensionType,
                               GroupName)
from tlslite.messages import Alert, ChangeCipherSpec, HandshakeMsg

#: The trace logger's name; the command-line tools configure it by this name.
TRACE_LOGGER = "tlslite_tickets.trace"
trace = logging.getLogger(TRACE_LOGGER)
_ids = itertools.count(1)


def enabled():
    """Whether trace lines would be shown (cheap; checked per message)."""
    return trace.isEnabledFor(logging.DEBUG)


def version_name(version):
    return {(3, 0): "SSL 3.0", (3, 1): "TLS 1.0", (3, 2): "TLS 1.1",
            (3, 3): "TLS 1.2", (3, 4): "TLS 1.3"}.get(tuple(version),
                                                      str(version))


class ConnectionTrace:
    """Trace lines for one connection, numbered so threads can be told apart."""

    __slots__ = ("number", "quiet")

    def __init__(self):
        self.number = next(_ids)
        #: set while judging PSK identities past the first few
        self.quiet = False

    def event(self, what, detail, *args):
        """A ticket event (no arrow): gen_cb, dec_cb, key choice, ..."""
        if not self.quiet and enabled():
            trace.debug("[conn %d]    %-16s " + detail, self.number, what,
                        *args)

    def message(self, arrow, msg):
        """A message received (``<-``) or sent (``->``)."""
        if not enabled():
            return
        if not isinstance(msg, (HandshakeMsg, Alert, ChangeCipherSpec)):
            return
        trace.debug(("[conn %d] %s %-16s %s" % (
            self.number, arrow, _name(msg), _details(msg))).rstrip())


def _name(msg):
    name = type(msg).__name__
    if name == "ServerHello" and msg.random == TLS_1_3_HRR:
        return "HelloRetryRequest"  # a ServerHello on the wire, by its random
    return name.replace("NewSessionTicket1_0", "NewSessionTicket")


def _details(msg):
    describe = _DESCRIBERS.get(_name(msg))
    return describe(msg) if describe else ""


def _client_hello(msg):
    versions = msg.getExtension(ExtensionType.supported_versions)
    best = max(versions.versions) if versions else msg.client_version
    parts = ["up to " + version_name(best)]
    if msg.server_name:
        parts.append("SNI {0!r}".format(bytes(msg.server_name).decode(
            "ascii", "replace")))
    ticket = msg.getExtension(ExtensionType.session_ticket)
    if ticket is not None:
        parts.append("SessionTicket ext {0}".format(
            "{0} bytes".format(len(ticket.ticket)) if ticket.ticket
            else "empty (asks for a ticket)"))
    psk = msg.getExtension(ExtensionType.pre_shared_key)
    if psk is not None:
        parts.append(_psk_identities(psk.identities))
    return ", ".join(parts)


def _psk_identities(identities):
    """Count and sizes of the first few identities (a hello may hold
    thousands: the line stays short)."""
    shown = ", ".join(str(len(i.identity)) for i in identities[:3])
    more = len(identities) - 3
    return "{0} PSK identit{1}: {2} bytes{3}".format(
        len(identities), "y" if len(identities) == 1 else "ies", shown,
        " and {0} more".format(more) if more > 0 else "")


def _server_hello(msg):
    versions = msg.getExtension(ExtensionType.supported_versions)
    version = versions.version if versions else msg.server_version
    parts = [version_name(version),
             CipherSuite.ietfNames.get(msg.cipher_suite,
                                       hex(msg.cipher_suite))]
    psk = msg.getExtension(ExtensionType.pre_shared_key)
    if psk is not None:
        parts.append("resuming with PSK identity {0}".format(psk.selected))
    if msg.getExtension(ExtensionType.session_ticket) is not None:
        parts.append("empty SessionTicket ext (a ticket will follow)")
    return ", ".join(parts)


def _hello_retry_request(msg):
    parts = [CipherSuite.ietfNames.get(msg.cipher_suite,
                                       hex(msg.cipher_suite))]
    share = msg.getExtension(ExtensionType.key_share)
    if share is not None:
        parts.append("asks for a {0} key share".format(
            GroupName.toStr(share.selected_group)))
    if msg.getExtension(ExtensionType.cookie) is not None:
        parts.append("cookie")
    return ", ".join(parts)


def _new_session_ticket(msg):
    if not msg.ticket:
        return "empty ticket (no key to seal one)"
    return "lifetime {0} s, {1}-byte ticket".format(msg.ticket_lifetime,
                                                    len(msg.ticket))


def _alert(msg):
    return "{0} {1}".format("fatal" if msg.level == 2 else "warning",
                            msg.descriptionName)


_DESCRIBERS = {
    "ClientHello": _client_hello,
    "ServerHello": _server_hello,
    "HelloRetryRequest": _hello_retry_request,
    "NewSessionTicket": _new_session_ticket,
    "Alert": _alert,
}
