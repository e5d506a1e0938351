"""The ``server`` sub-command: a test server with OpenSSL-style tickets.

It takes the flags of tlslite-ng's ``tls.py server`` that test suites such
as tlsfuzzer use, serves the same way (files over HTTP/1.0 from a directory,
or an echo service), and adds flags that drive the ticket callbacks of
``SSL_CTX_set_session_ticket_cb``. Unlike tls.py it never lets one client
stop it: every per-connection failure is reported as one line.
"""

import argparse
import functools
import os
import socket
import socketserver
import struct
import sys
import threading
from http.server import HTTPServer

from tlslite.api import SessionCache, parseDH
from tlslite.constants import CipherSuite
from tlslite.utils.dns_utils import is_valid_hostname

from . import common, secret_sources, stopping
from .limits import ConnectionLimitsMixIn, add_limit_flags, check_limits
from .workers import (add_fleet_flags, prepare_fleet, serve_in_workers,
                           start_worker)
from .._connection import TicketTLSConnection
from .._deadline import HandshakeTimeout, handshake_deadline
from .._nginx import nginx_sid_ctx
from .._rotation import DEFAULT_ROTATION_PERIOD
from .._settings import TicketHandshakeSettings


def build_parser(prog="tlslite_tickets server"):
    """The argument parser; its --help documents every flag."""
    parser = argparse.ArgumentParser(
        prog=prog, description="TLS test server (flags of tlslite-ng's "
        "'tls.py server') with OpenSSL-style session-ticket control. Serves "
        "files from the current directory over HTTP/1.0, or echoes.")
    add = parser.add_argument
    add("address", metavar="HOST:PORT", help="address to listen on (port 0: "
        "any free port; the ready line names the one chosen)")
    add("-c", dest="certs", metavar="CERT", action="append", default=[],
        help="PEM certificate chain; repeat with -k for more pairs (e.g. "
        "RSA and ECDSA): the n-th -c goes with the n-th -k")
    add("-k", dest="keys", metavar="KEY", action="append", default=[],
        help="PEM private key for the matching -c")
    add("-d", dest="directory", metavar="DIR", help="serve files from DIR "
        "instead of the current directory")
    add("--reqcert", action="store_true",
        help="ask for a client certificate in the handshake")
    add("--request-pha", action="store_true", help="ask for a client "
        "certificate by TLS 1.3 post-handshake authentication")
    add("--require-pha", action="store_true", help="abort the connection "
        "when post-handshake authentication yields no certificate")
    add("--echo", action="store_true",
        help="echo what the client sends instead of serving HTTP")
    add("--psk", metavar="HEX", help="TLS 1.3 external PSK, hex-encoded "
        "(other local users can read it: prefer --psk-file)")
    add("--psk-file", metavar="PATH", help="read the PSK from a file (hex "
        "text or raw bytes; keep it mode 0600)")
    add("--psk-ident", metavar="IDENTITY", help="identity of --psk")
    add("--psk-sha384", action="store_true",
        help="use SHA-384 with --psk (default SHA-256)")
    add("--max-ver", choices=sorted(common.VERSIONS),
        help="highest protocol version to negotiate")
    add("--ssl3", action="store_true", help="enable SSLv3 as well")
    add("--cipherlist", metavar="NAMES", action="append", default=[],
        help="comma-separated tlslite-ng cipher names to enable, e.g. "
        "aes128gcm,chacha20-poly1305; may be repeated")
    add("--groups", metavar="GROUPS", help="comma-separated key-exchange "
        "groups, e.g. x25519,secp256r1,ffdhe2048")
    add("--param", metavar="DHFILE", help="PEM file with DH parameters")
    add("--tickets", metavar="COUNT", type=int, help="TLS 1.3 tickets after "
        "a full handshake (settings.ticket_count); 0 also turns TLS 1.2 "
        "tickets off. Default 2")
    tickets = parser.add_argument_group("session tickets")
    add = tickets.add_argument
    add("--ticket-policy", choices=list(common.POLICIES), default="default",
        help="what dec_cb returns for a ticket that decrypted: 'default' "
        "is OpenSSL's (use, renewing when the key asks for it); tickets "
        "that are empty or do not decrypt always get ignore-renew, except "
        "with 'abort', which aborts every handshake dec_cb sees")
    add("--appdata", metavar="TEXT", help="application data that gen_cb "
        "attaches to each ticket (SSL_SESSION_set1_ticket_appdata)")
    add("--ticket-lifetime", metavar="SECONDS", type=int,
        help="ticket lifetime (settings.ticketLifetime; default one day)")
    add("--ticket-key-file", metavar="PATH", help="ticket keys from an "
        "OpenSSL/nginx key file (80 bytes a key, raw or base64; the first "
        "seals), re-read when it changes (settings.ticket_key_files)")
    add("--ticket-seed", metavar="HEX", help="derive the rotating ticket "
        "keys from this hex seed (16+ bytes), so servers sharing it open "
        "each other's tickets (settings.ticket_seed; default: random). "
        "Other local users can read it: prefer --ticket-seed-file or the "
        "environment variable " + secret_sources.SEED_ENV + " (hex)")
    add("--ticket-seed-file", metavar="PATH", help="read the seed from a "
        "file: hex text or raw bytes, 32 bytes recommended (keep it mode "
        "0600; `head -c 32 /dev/urandom > seed` makes one)")
    add("--rotation-period", metavar="SECONDS", type=int, help="rotate the "
        "seed-derived key every SECONDS (settings.ticket_rotation_period; "
        "default {0})".format(DEFAULT_ROTATION_PERIOD))
    add("--ticket-format", choices=["native", "openssl"], default="native",
        help="'openssl': tickets in OpenSSL's and nginx's format (AES-CBC + "
        "HMAC around an SSL_SESSION), interchangeable with an nginx or "
        "OpenSSL server sharing --ticket-key-file (80 or 48 bytes a key) "
        "and the session id context (settings.ticket_format; default "
        "'native', the package's own AES-GCM format)")
    add("--openssl-sid-ctx", metavar="HEX", help="with --ticket-format "
        "openssl: the session id context tickets carry and must match "
        "(SSL_CTX_set_session_id_context; default empty)")
    add("--nginx-cert", metavar="PATH", action="append", default=[],
        help="with --ticket-format openssl: compute the session id context "
        "as nginx does from its ssl_certificate file(s), repeated in "
        "nginx's order")
    add("--nginx-client-ca", metavar="PATH", help="with --nginx-cert: "
        "nginx's ssl_client_certificate file (when it verifies clients)")
    add("--trace", action="store_true", help="log every ticket decision "
        "(logger tlslite_tickets.trace) to stderr")
    add_fleet_flags(parser)
    add_limit_flags(parser)
    return parser


def build_settings(args):
    """TicketHandshakeSettings for the parsed flags (not yet validated)."""
    settings = TicketHandshakeSettings()
    if args.tickets is not None:
        # tls.py's meaning: 0 also turns TLS 1.2 tickets off
        settings.ticket_count = args.tickets
    psk = secret_sources.resolve(args.psk, args.psk_file, None, "--psk",
                                 common.warn)
    if psk is not None or args.psk_ident:
        if psk is None or not args.psk_ident:
            raise common.CliError("--psk and --psk-ident go together")
        settings.pskConfigs = [(bytearray(args.psk_ident, "utf-8"),
                                bytearray(psk),
                                "sha384" if args.psk_sha384 else "sha256")]
    if args.ssl3:
        settings.minVersion = (3, 0)
    if args.max_ver:
        settings.maxVersion = common.VERSIONS[args.max_ver]
    if args.cipherlist:
        settings.cipherNames = [name for names in args.cipherlist
                                for name in names.split(",") if name]
    if args.groups:
        settings.dhGroups, settings.eccCurves = common.split_groups(
            args.groups.split(","))
        settings.keyShares = []  # a HelloRetryRequest picks from the list
    if args.param:
        try:
            settings.dhParams = parseDH(common.read_text(args.param,
                                                         "--param"))
        except (SyntaxError, ValueError) as exc:
            raise common.CliError("--param: {0}".format(exc))
    if args.ticket_lifetime is not None:
        settings.ticketLifetime = args.ticket_lifetime
    set_ticket_keys(settings, args)
    set_ticket_format(settings, args)
    appdata = args.appdata.encode("utf-8") if args.appdata else None
    settings.ticket_gen_cb = common.gen_cb
    settings.ticket_dec_cb = common.dec_cb
    settings.ticket_cb_arg = common.TicketPolicy(args.ticket_policy, appdata)
    try:  # report a bad combination now, not at the first handshake
        settings.validate()
    except ValueError as exc:
        raise common.CliError("invalid settings: {0}".format(exc))
    return settings


def set_ticket_keys(settings, args):
    """Map the key flags to the settings' key fields.

    The settings build the key ring from these fields once, in validate(),
    and size the seed ring's decrypt window from ticketLifetime, so every
    ticket stays usable for its advertised lifetime across rotations.
    """
    seed_flags = args.ticket_seed is not None or \
        args.ticket_seed_file is not None
    if args.ticket_key_file and (seed_flags or
                                 args.rotation_period is not None):
        raise common.CliError("--ticket-key-file cannot be combined with "
                              "--ticket-seed or --rotation-period")
    if args.ticket_key_file:
        problem = secret_sources.loose_permissions(args.ticket_key_file)
        if problem:
            common.warn("--ticket-key-file " + problem)
        settings.ticket_key_files = [args.ticket_key_file]
    else:  # the environment's seed only stands in for the seed flags
        seed = secret_sources.resolve(
            args.ticket_seed, args.ticket_seed_file, secret_sources.SEED_ENV,
            "--ticket-seed", common.warn)
        if seed is not None:
            settings.ticket_seed = seed
    if args.rotation_period is not None:
        settings.ticket_rotation_period = args.rotation_period
    prepare_fleet(settings, args)


def set_ticket_format(settings, args):
    """Map --ticket-format, --openssl-sid-ctx and --nginx-cert."""
    if args.ticket_format != "openssl":
        if args.openssl_sid_ctx or args.nginx_cert or args.nginx_client_ca:
            raise common.CliError("--openssl-sid-ctx, --nginx-cert and "
                                  "--nginx-client-ca need --ticket-format "
                                  "openssl")
        return
    settings.ticket_format = "openssl"
    if args.openssl_sid_ctx and args.nginx_cert:
        raise common.CliError("give --openssl-sid-ctx or --nginx-cert, "
                              "not both")
    if args.nginx_client_ca and not args.nginx_cert:
        raise common.CliError("--nginx-client-ca needs --nginx-cert")
    if args.openssl_sid_ctx:
        try:
            settings.openssl_sid_ctx = bytes.fromhex(args.openssl_sid_ctx)
        except ValueError:
            raise common.CliError("--openssl-sid-ctx must be hex")
    elif args.nginx_cert:
        try:
            settings.openssl_sid_ctx = nginx_sid_ctx(
                args.nginx_cert, [args.nginx_client_ca]
                if args.nginx_client_ca else [])
        except ValueError as exc:
            raise common.CliError("--nginx-cert: {0}".format(exc))


class TicketServerMixIn:
    """Runs the TLS handshake, then the request handler, per connection."""

    daemon_threads = True  # a stop never waits for a slow client
    block_on_close = False
    allow_reuse_address = True
    tag = ""  # "worker N: " with --workers

    def finish_request(self, sock, client_address):
        peer = "{0}:{1}".format(*client_address[:2])
        # trace lines carry the thread name: make it say which client
        threading.current_thread().name = peer
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # like tls.py: let the last alert reach the client before the close
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 5))
        conn = TicketTLSConnection(sock)
        phase = "handshake"
        try:
            with handshake_deadline(sock, self.options.handshake_timeout):
                self.handshake(conn, peer)
            phase = "request"
            sock.settimeout(self.options.idle_timeout or None)
            self.RequestHandlerClass(conn, client_address, self)
            conn.close()
        except Exception as exc:  # one client must never stop the server
            common.say("{0}{1}: {2} failed: {3}".format(
                self.tag, peer, phase, _describe(exc)))

    def handshake(self, conn, peer):
        opts = self.options
        conn.client_cert_required = opts.require_pha
        conn.handshakeServer(
            certChain=self.chain, privateKey=self.key, reqCert=opts.reqcert,
            sessionCache=self.session_cache, settings=self.settings,
            nextProtos=[b"http/1.1"], alpn=[bytearray(b"http/1.1")],
            sni=self.sni)
        if opts.request_pha:
            try:
                for _ in conn.request_post_handshake_auth():
                    pass
            except ValueError:
                pass  # TLS 1.2, or a client without PHA: go on without it
        conn.ignoreAbruptClose = True
        appdata = self.settings.ticket_cb_arg.offered.get(conn)
        common.say("{0}{1}: {2} {3}, resumed: {4}, tickets sent: {5}{6}"
                   .format(self.tag, peer, conn.getVersionName(),
            CipherSuite.ietfNames.get(conn.session.cipherSuite, "?"),
            "yes" if conn.resumed else "no", conn.tickets_sent,
            ", ticket appdata: {0!r}".format(appdata) if appdata else ""))

    def handle_error(self, request, client_address):
        # only reached for errors outside finish_request (e.g. the accept)
        common.say("{0}: error: {1}".format(client_address, sys.exc_info()[1]))


def _describe(exc):
    """One line for a per-connection error."""
    if isinstance(exc, HandshakeTimeout):
        return str(exc)  # says what happened; the cause is a broken pipe
    if isinstance(exc, socket.timeout):
        return "idle for longer than --idle-timeout"
    if isinstance(exc, OSError) and "NoneType" in str(exc):
        # tlslite-ng reports the end of the stream as None, and io chokes;
        # the wire behaviour is left as tls.py has it, only the words differ
        return "the client closed the connection without a request"
    return "{0}: {1}".format(type(exc).__name__, exc)


class TicketHTTPServer(ConnectionLimitsMixIn, TicketServerMixIn,
                       socketserver.ThreadingMixIn, HTTPServer):
    """HTTP over TLS, a thread per connection."""


class TicketEchoServer(ConnectionLimitsMixIn, TicketServerMixIn,
                       socketserver.ThreadingMixIn, socketserver.TCPServer):
    """Echo over TLS, a thread per connection."""


def make_server(args):
    """Bind the listening socket and attach everything a handshake needs."""
    host, port = common.parse_address(args.address)
    chain, key, virtual_hosts = common.load_credentials(args.certs, args.keys)
    check_limits(args)
    settings = build_settings(args)
    secret_sources.warn_command_line(args, common.warn)  # once all is well
    settings.virtual_hosts = virtual_hosts
    if args.echo:
        server = TicketEchoServer((host, port), common.EchoHandler)
    else:
        directory = os.path.abspath(args.directory or os.getcwd())
        server = TicketHTTPServer(
            (host, port),
            functools.partial(common.HTTPHandler, directory=directory))
        server.directory = directory
    server.options, server.settings = args, settings
    server.chain, server.key = chain, key
    server.session_cache = SessionCache()  # TLS 1.2 session-ID resumption
    # tls.py passes a host name (not an IP) as the expected SNI
    server.sni = host if is_valid_hostname(host) else None
    return server


def main(argv, prog="tlslite_tickets server"):
    """Run the server until SIGINT/SIGTERM; return the exit status."""
    args = build_parser(prog).parse_args(argv)
    stopping.catch_stop_signals()
    server = status = None
    try:
        if args.trace:
            common.enable_trace()
        try:
            server = make_server(args)
        except common.CliError as exc:
            common.say("{0}: error: {1}".format(prog, exc), sys.stderr)
            return 2
        except OSError as exc:
            common.say("{0}: cannot listen on {1}: {2}".format(
                prog, args.address, exc), sys.stderr)
            return 1
        host, port = server.server_address[:2]
        # the line tls.py prints; harnesses may wait for it
        common.say("I am an {0} test server, I will listen on {1}:{2}".format(
            "echo" if args.echo else "HTTP", host, port))
        if not args.echo:
            common.say("Serving files from {0}".format(server.directory))
        if args.workers > 1:
            status = serve_in_workers(server, args.workers,
                                      functools.partial(start_worker, server),
                                      _describe)
        else:
            start_worker(server, None)
            server.serve_forever()
    except stopping.Stop as stop:
        stopping.ignore_stop_signals()
        stopping.say_if_writable("Stopping on {0}".format(stop.name))
        status = 0
    finally:
        if server is not None:
            server.server_close()
    if status is not None:  # served: stdout may be a pipe nobody reads
        stopping.exit_now(status)
    return 0
