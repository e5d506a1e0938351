"""The ``client`` sub-command: tlslite-ng's client, for demos and scripts.

It connects, sends one request, reads the answer (so TLS 1.3
NewSessionTickets arrive), reports what happened and can save the session
to resume from it later (``--sess-out`` / ``--sess-in``; the file format is
documented in ``cli/session_file.py``). Every failure is one line on stderr:
exit status 1 for the connection, 2 for bad input.
"""

import argparse
import ipaddress
import socket
import sys

from tlslite.api import HandshakeSettings, TLSConnection
from tlslite.constants import AlertDescription, CipherSuite
from tlslite.errors import (TLSAbruptCloseError, TLSError, TLSLocalAlert,
                            TLSRemoteAlert)
from tlslite.utils.dns_utils import is_valid_hostname

from . import common
from . import session_file

VERSIONS = {"1.2": (3, 3), "1.3": (3, 4)}
DEFAULT_REQUEST = "GET / HTTP/1.0\\r\\nHost: {host}\\r\\n\\r\\n"
_ESCAPES = {"\\": "\\", "r": "\r", "n": "\n", "t": "\t", "0": "\0"}


class ConnectionFailed(Exception):
    """The connection or handshake failed; the message is one line."""


def build_parser(prog="tlslite_tickets client"):
    """The argument parser; its --help documents every flag."""
    parser = argparse.ArgumentParser(
        prog=prog, description="TLS client (tlslite-ng's) for demos and "
        "scripts: connect, send one request, read the answer, report the "
        "version, cipher, resumption and tickets, and save or resume the "
        "session. The server certificate is NOT verified.",
        epilog="Exit status: 0 done, 1 connection or handshake failed, 2 "
        "bad input (flags, session file).")
    add = parser.add_argument
    add("address", metavar="HOST:PORT", help="server to connect to")
    add("--tls", choices=sorted(VERSIONS), help="protocol version to use "
        "(only that one). Default: the session's version with --sess-in, "
        "else the best both sides support")
    add("--sni", metavar="NAME", help="server name to send (SNI). Default: "
        "the session's with --sess-in, else HOST if it is a host name (an "
        "IP address is never sent)")
    add("--no-sni", action="store_true", help="send no server name at all")
    add("--sess-out", metavar="FILE", help="save the session and the "
        "tickets received to FILE (JSON, mode 0600: it holds the secret "
        "that resumes the session)")
    add("--sess-in", metavar="FILE", help="resume the session saved in FILE "
        "by --sess-out (TLS 1.3: its first ticket; TLS 1.2: its ticket, or "
        "its session ID)")
    add("--send", metavar="TEXT", default=DEFAULT_REQUEST, help="what to "
        "send after the handshake; \\r \\n \\t \\0 \\\\ are escapes, {host} "
        "is the server name or HOST, '' sends nothing. Default: "
        "'GET / HTTP/1.0\\r\\nHost: {host}\\r\\n\\r\\n'")
    add("--show-reply", action="store_true",
        help="print the data received (as text) after the report")
    add("--timeout", metavar="SECONDS", type=float, default=10.0,
        help="give up connecting and handshaking after SECONDS (default 10)")
    add("--wait", metavar="SECONDS", type=float, default=2.0, help="stop "
        "reading once the server has sent nothing for SECONDS and has not "
        "closed (default 2; an HTTP server closes at once)")
    return parser


def unescape(text):
    """Turn the --send escapes into characters."""
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
        else:
            out.append(char)
    return "".join(out)


def default_sni(host):
    """HOST when it is a host name; None for an IP address."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        return host if is_valid_hostname(host) else None


def _describe_alert(exc):
    name = AlertDescription.toStr(exc.description) \
        if hasattr(AlertDescription, "toStr") else str(exc.description)
    if isinstance(exc, TLSRemoteAlert):
        return "the server sent the alert {0}".format(name)
    detail = " ({0})".format(exc.message) if getattr(exc, "message", None) \
        else ""
    return "we sent the alert {0}{1}".format(name, detail)


def handshake(args, record):
    """Connect and handshake; return ``(conn, sni, peer)``."""
    host, port = common.parse_address(args.address)
    settings = HandshakeSettings()
    version = args.tls or (record and {(3, 3): "1.2", (3, 4): "1.3"}[
        session_file.PROTOCOLS[record["protocol"]]])
    if version:
        settings.minVersion = settings.maxVersion = VERSIONS[version]
    session = session_file.to_session(record) if record else None
    if args.no_sni:
        sni = None
    elif args.sni:
        sni = args.sni
    elif record:
        sni = record.get("server_name")
    else:
        sni = default_sni(host)
    if sni is not None and not is_valid_hostname(sni):
        raise common.CliError("--sni {0!r} is not a valid host name"
                              .format(sni))
    if session is not None and session.serverName != sni:
        # tlslite-ng refuses such a session; offer it anyway, which lets a
        # demo show the server's SNI check
        common.say("note: the session was saved for server name {0!r}, "
                   "offering it with {1!r}".format(session.serverName, sni))
        session.serverName = sni
    try:
        sock = socket.create_connection((host, port), timeout=args.timeout)
    except OSError as exc:
        raise ConnectionFailed("cannot connect to {0}: {1}".format(
            args.address, exc.strerror or exc))
    conn = TLSConnection(sock)
    offered_tls12_ticket = bool(session is not None and
                                session.tls_1_0_tickets)
    try:
        conn.handshakeClientCert(session=session, settings=settings,
                                 serverName=sni)
    except (TLSError, OSError, ValueError) as exc:
        sock.close()
        raise ConnectionFailed(_handshake_failure(
            exc, offered_tls12_ticket and version != "1.3"))
    peer = "{0}:{1}".format(*sock.getpeername()[:2])
    # tlslite-ng forgets the version when the connection closes
    conn.negotiated = tuple(conn.version)
    return conn, sni, peer


def _handshake_failure(exc, offered_tls12_ticket):
    if offered_tls12_ticket and isinstance(exc, TLSLocalAlert) and \
            exc.description == AlertDescription.unexpected_message:
        # tlslite-ng assumes resumption once it sent a ticket, so a
        # Certificate where it expects ChangeCipherSpec is this case
        return ("handshake failed: the server did not accept the TLS 1.2 "
                "ticket and began a full handshake, which tlslite-ng's TLS "
                "1.2 client cannot complete after offering a ticket; run "
                "again without --sess-in")
    if isinstance(exc, (TLSRemoteAlert, TLSLocalAlert)):
        return "handshake failed: {0}".format(_describe_alert(exc))
    if isinstance(exc, socket.timeout):
        return "handshake failed: timed out"
    if isinstance(exc, TLSAbruptCloseError):
        return "handshake failed: the server closed the connection"
    if isinstance(exc, ValueError):
        return "cannot use the session: {0}".format(exc)
    return "handshake failed: {0}: {1}".format(type(exc).__name__, exc)


def exchange(conn, args, host):
    """Send the request, read until EOF or --wait of silence."""
    conn.ignoreAbruptClose = True
    data = unescape(args.send).replace("{host}", host).encode("utf-8")
    if data:
        conn.write(data)
    conn.sock.settimeout(args.wait)
    chunks = []
    while True:
        try:
            chunk = conn.read()
        except (socket.timeout, TLSAbruptCloseError):
            break
        except TLSRemoteAlert as exc:
            common.say("note: reading stopped: {0}".format(
                _describe_alert(exc)))
            break
        if not chunk:
            break
        chunks.append(bytes(chunk))
    return b"".join(chunks)


def report(conn, sni, peer, reply):
    """The lines that describe the connection."""
    session = conn.session
    lines = ["connected: {0}, SNI {1}".format(
        peer, repr(sni) if sni else "none"),
        "version: {0}".format(session_file.protocol_name(conn.negotiated) or
                              conn.negotiated),
        "cipher: {0}".format(CipherSuite.ietfNames.get(
            session.cipherSuite, hex(session.cipherSuite))),
        "resumed: {0}".format("yes" if conn.resumed else "no")]
    tickets = list(conn.tickets) if conn.negotiated > (3, 3) else \
        list(conn.tls_1_0_tickets)
    lines.append("tickets received: {0}".format(len(tickets)))
    for number, ticket in enumerate(tickets, 1):
        lines.append("  ticket {0}: {1} bytes, lifetime {2} s".format(
            number, len(ticket.ticket), ticket.ticket_lifetime))
    lines.append("bytes received: {0}".format(len(reply)))
    return lines


def run(args):
    record = session_file.load(args.sess_in) if args.sess_in else None
    conn, sni, peer = handshake(args, record)
    try:
        try:
            reply = exchange(conn, args,
                             sni or common.parse_address(args.address)[0])
        except (TLSError, OSError) as exc:
            raise ConnectionFailed("after the handshake: {0}: {1}".format(
                type(exc).__name__, exc))
        for line in report(conn, sni, peer, reply):
            common.say(line)
        if args.sess_out:
            saved = session_file.record_of(conn, conn.negotiated, record)
            if saved is None:
                common.say("session: not saved, the server sent no ticket "
                           "(and no TLS 1.2 session ID)")
            else:
                session_file.save(args.sess_out, saved)
                common.say("session: saved to {0} ({1}, {2} ticket{3})"
                           .format(args.sess_out, saved["protocol"],
                                   len(saved["tickets"]),
                                   "" if len(saved["tickets"]) == 1 else "s"))
        if args.show_reply:
            common.say("reply:")
            sys.stdout.write(reply.decode("utf-8", "replace"))
            sys.stdout.flush()
    finally:
        try:
            conn.close()
        except Exception:  # the server may be gone; nothing to report
            pass
        conn.sock.close()
    return 0


def main(argv, prog="tlslite_tickets client"):
    """Run the client once; return the exit status."""
    args = build_parser(prog).parse_args(argv)
    try:
        if args.timeout <= 0 or args.wait <= 0:
            raise common.CliError("--timeout and --wait must be positive")
        if args.sni and args.no_sni:
            raise common.CliError("--sni and --no-sni cannot be combined")
        return run(args)
    except (common.CliError, session_file.SessionFileError) as exc:
        common.say("{0}: error: {1}".format(prog, exc), sys.stderr)
        return 2
    except ConnectionFailed as exc:
        common.say("{0}: {1}".format(prog, exc), sys.stderr)
        return 1
    except KeyboardInterrupt:
        common.say("{0}: interrupted".format(prog), sys.stderr)
        return 130
