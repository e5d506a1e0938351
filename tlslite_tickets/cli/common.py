"""Helpers of the command-line tools: credentials, names, logging, the
ticket callbacks behind the server's ticket flags, and the request handlers
of the tls.py-compatible server.

Everything here turns command-line text into tlslite-ng objects and reports
bad input as :class:`CliError`, which the commands print as one line (no
traceback) before exiting with status 2, as argparse does for bad flags.
"""

import logging
import socketserver
import sys
import threading
import weakref
from http.server import SimpleHTTPRequestHandler

from tlslite.api import X509CertChain, parsePEMKey
from tlslite.constants import KeyUpdateMessageType
from tlslite.handshakesettings import Keypair, VirtualHost

from .._constants import TicketReturn, TicketStatus
from .._openssl import SSL_get_session, SSL_SESSION_set1_ticket_appdata
from .._policy import default_return
from .._trace import TRACE_LOGGER

#: ``--max-ver`` names, the ones tlslite-ng's own tls.py accepts.
VERSIONS = {"ssl3": (3, 0), "tls1.0": (3, 1), "tls1.1": (3, 2),
            "tls1.2": (3, 3), "tls1.3": (3, 4)}

#: Held while a line is printed (see :func:`say`).
print_lock = threading.Lock()

#: dec_cb calls per connection that the policy trace line is shown for.
TRACED_DEC_CB_CALLS = 4

trace = logging.getLogger(TRACE_LOGGER + ".cli")

#: --ticket-policy: dec_cb's answer for a ticket that decrypted.
POLICIES = {"default": None,  # OpenSSL's own: USE, or USE_RENEW on renewal
            "ignore": TicketReturn.IGNORE,
            "ignore-renew": TicketReturn.IGNORE_RENEW,
            "use": TicketReturn.USE,
            "use-renew": TicketReturn.USE_RENEW,
            "abort": TicketReturn.ABORT}


class CliError(Exception):
    """Bad command-line input; the message is shown to the user as is."""


def say(text, stream=None):
    """Print one line and flush it at once.

    The server runs a thread per connection and is usually read through a
    pipe (block-buffered), so every line is flushed, and a lock keeps lines
    of concurrent connections from interleaving.
    """
    with print_lock:
        print(text, file=stream or sys.stdout, flush=True)


def warn(text):
    """One warning line on stderr."""
    say("warning: {0}".format(text), sys.stderr)


def read_text(path, what):
    """The contents of a PEM file, or a CliError naming the flag."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError("cannot read {0} {1!r}: {2}".format(what, path, exc))


def load_chain(path):
    """An X509CertChain from a PEM file (``-c``)."""
    chain = X509CertChain()
    text = read_text(path, "certificate")
    try:
        chain.parsePemList(text)
    except Exception as exc:  # e.g. ImportError for an ML-DSA certificate
        raise CliError("certificate {0!r} cannot be used: {1}: {2}".format(
            path, type(exc).__name__, exc))
    return chain


def load_key(path):
    """A private key from a PEM file (``-k``).

    The pure-Python implementation is asked for on purpose: it is the one
    that handles every key type tlslite-ng supports, RSA-PSS included.
    """
    text = read_text(path, "key")
    try:
        return parsePEMKey(text, private=True, implementations=["python"])
    except Exception as exc:  # tlslite-ng raises NameError for some types
        raise CliError("key {0!r} cannot be used: {1}: {2}".format(
            path, type(exc).__name__, exc))


def load_credentials(cert_paths, key_paths):
    """Pair ``-c`` and ``-k`` files by position.

    Returns ``(chain, key, virtual_hosts)``: the first pair is the default
    certificate; every further pair (an ECDSA next to an RSA one, say) goes
    into one catch-all VirtualHost, from which tlslite-ng picks the pair the
    client can use. ``(None, None, [])`` when no files were given.
    """
    if len(cert_paths) != len(key_paths):
        raise CliError("give -c CERT and -k KEY together: got {0} "
                       "certificate(s) and {1} key(s)".format(
                           len(cert_paths), len(key_paths)))
    if not cert_paths:
        return None, None, []
    chain, key = load_chain(cert_paths[0]), load_key(key_paths[0])
    extra = VirtualHost()
    for cert_path, key_path in zip(cert_paths[1:], key_paths[1:]):
        extra.keys.append(Keypair(load_key(key_path),
                                  load_chain(cert_path).x509List))
    return chain, key, [extra] if extra.keys else []


def split_groups(names):
    """Split ``--groups`` names into (finite-field, elliptic-curve) lists."""
    ffdh = [name for name in names if name.startswith("ffdhe")]
    ecc = [name for name in names if not name.startswith("ffdhe")]
    return ffdh, ecc


def parse_address(text):
    """``HOST:PORT`` to a ``(host, port)`` tuple; port 0 picks a free one."""
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise CliError("address must be HOST:PORT, got {0!r}".format(text))
    try:
        port = int(port)
    except ValueError:
        raise CliError("port must be a number, got {0!r}".format(port))
    if not 0 <= port < 65536:
        raise CliError("port {0} is out of range".format(port))
    return host.strip("[]"), port


def enable_trace(stream=None):
    """Send the ticket decisions (``tlslite_tickets.trace``) to stderr."""
    logger = logging.getLogger(TRACE_LOGGER)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(
        "%(asctime)s.%(msecs)03d [trace] %(threadName)s: %(message)s",
        datefmt="%H:%M:%S"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    # a single, readable copy even if the root logger is configured too
    logger.propagate = False
    return logger


class TicketPolicy:
    """State of the CLI's ticket callbacks, given to them as ``arg``."""

    def __init__(self, name, appdata):
        self.name = name
        self.answer = POLICIES[name]
        self.appdata = appdata
        #: appdata found in the ticket each connection offered
        self.offered = weakref.WeakKeyDictionary()
        #: dec_cb calls per connection, so a trace of a hello with
        #: thousands of PSK identities shows only the first few
        self.calls = weakref.WeakKeyDictionary()


def gen_cb(conn, policy):
    """Attach --appdata to the session the ticket will carry."""
    if policy.appdata:
        SSL_SESSION_set1_ticket_appdata(SSL_get_session(conn), policy.appdata)
    return 1


def dec_cb(conn, session, keyname, status, policy):
    """Answer by --ticket-policy; remember what appdata came back."""
    if policy.answer == TicketReturn.ABORT:
        answer = TicketReturn.ABORT
    elif status not in (TicketStatus.SUCCESS, TicketStatus.SUCCESS_RENEW):
        answer = TicketReturn.IGNORE_RENEW
    else:
        answer = policy.answer or default_return(status)
    appdata = getattr(session, "ticket_appdata", None)
    if session is not None:
        policy.offered[conn] = appdata
    if trace.isEnabledFor(logging.DEBUG):
        calls = policy.calls[conn] = policy.calls.get(conn, 0) + 1
        if calls <= TRACED_DEC_CB_CALLS:
            trace.debug("policy %s: ticket %s, appdata %r -> %s",
                        policy.name, status.name, appdata, answer.name)
        elif calls == TRACED_DEC_CB_CALLS + 1:
            trace.debug("policy %s: further calls on this connection not "
                        "traced", policy.name)
    return answer


class HTTPHandler(SimpleHTTPRequestHandler):
    """Files over HTTP/1.0, plus tls.py's /keyupdate and /secret paths."""

    # buffer the whole answer: headers and body leave in one TLS record,
    # as tlsfuzzer scripts (one ApplicationData, then close) expect
    wbufsize = -1

    def do_GET(self):
        conn = self.connection
        if self.path.startswith("/keyupdate"):
            for _ in conn.send_keyupdate_request(
                    KeyUpdateMessageType.update_requested):
                pass
        if self.path.startswith("/secret") and \
                not getattr(self.server.options, "request_pha", False) and \
                not self._client_certificate():
            self.send_response(401, "Certificate authentication required")
            self.send_header("Connection", "close")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().do_GET()

    def _client_certificate(self):
        """Ask for a certificate after the handshake; True if one came."""
        try:
            for _ in self.connection.request_post_handshake_auth():
                pass
        except ValueError:  # not TLS 1.3, or the client did not offer PHA
            return False
        self.connection.read(0, 0)  # process the client's answer
        return bool(self.connection.session.clientCertChain)

    def log_message(self, fmt, *args):
        say("{0} - {1}".format(self.address_string(), fmt % args))


class EchoHandler(socketserver.BaseRequestHandler):
    """Send back whatever arrives until the client closes."""

    def handle(self):
        while True:
            data = self.request.recv(2 ** 14)  # one TLS record at most
            if not data:
                return
            self.request.sendall(data)
