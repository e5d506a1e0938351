"""Handshake traces: one readable line per message and per ticket event.

Everything goes to the ``tlslite_tickets.trace`` logger at DEBUG level, so
``logging.getLogger("tlslite_tickets.trace").setLevel(logging.DEBUG)`` (or
the server command's ``--trace``) shows a ladder like::

    [conn 2] <- ClientHello     TLS 1.3 offered, SNI 'localhost', 1 PSK identity
    [conn 2]    dec_cb          key name 3f..., status SUCCESS_RENEW -> USE_RENEW
    [conn 2] -> ServerHello     TLS 1.3, TLS_AES_128_GCM_SHA256, PSK identity 0
    ...
    [conn 2]    gen_cb          -> 1
    [conn 2]    ticket          sealed under key 9a..., 222 bytes
    [conn 2] -> NewSessionTicket lifetime 86400 s, 222-byte ticket

Nothing here runs unless that logger is enabled, and no line ever holds a
secret: key names and sizes only.
"""

import itertools
import logging

from tlslite.constants import CipherSuite, ExtensionType
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


class ConnectionTrace(object):
    """Trace lines for one connection, numbered so threads can be told apart."""

    __slots__ = ("number",)

    def __init__(self):
        self.number = next(_ids)

    def event(self, what, detail, *args):
        """A ticket event (no arrow): gen_cb, dec_cb, key choice, ..."""
        if enabled():
            trace.debug("[conn %d]    %-16s " + detail, self.number, what,
                        *args)

    def message(self, arrow, msg):
        """A message received (``<-``) or sent (``->``)."""
        if not enabled():
            return
        if not isinstance(msg, (HandshakeMsg, Alert, ChangeCipherSpec)):
            return
        name = type(msg).__name__.replace("NewSessionTicket1_0",
                                          "NewSessionTicket")
        trace.debug(("[conn %d] %s %-16s %s" % (
            self.number, arrow, name, _details(msg))).rstrip())


def _details(msg):
    name = type(msg).__name__
    describe = _DESCRIBERS.get(name)
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
        parts.append("{0} PSK identit{1}".format(
            len(psk.identities), "y" if len(psk.identities) == 1 else "ies"))
    return ", ".join(parts)


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
    "NewSessionTicket": _new_session_ticket,
    "NewSessionTicket1_0": _new_session_ticket,
    "Alert": _alert,
}
