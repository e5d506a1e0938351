"""Loopback servers and real TLS clients for the tests.

Everything here talks to 127.0.0.1 only. The server is a
TicketTLSConnection in a thread; the clients are real peers: tlslite-ng's
own client, Python's ``ssl`` (OpenSSL), ``openssl s_client`` and, where
installed, ``gnutls-cli``.
"""

import socket
import ssl
import subprocess

from tlslite.api import HandshakeSettings, TLSConnection
from tlslite.errors import TLSError

import tlslite_tickets as tt
# the tests' self-signed certificate, under the names conftest.py and
# test_cli_server.py import
from tlslite_tickets.cli.selfsigned import (  # noqa: F401
    load_credentials, make_self_signed as make_certificate)
# (free_port: for the tests that start server processes)
from tlslite_tickets.cli.loopback import LoopbackServer, free_port  # noqa: F401

HOST = "127.0.0.1"
TIMEOUT = 20


class ConnectionRecord:
    """What the server saw on one connection."""

    def __init__(self):
        self.resumed = None
        self.appdata = None
        self.error = None
        self.tickets_sent = 0
        self.version = None
        #: an exception that is neither a TLS error nor a socket error
        self.unexpected = None


class TicketServer(LoopbackServer):
    """A TicketTLSConnection server on a loopback port, in a thread.

    Each connection: handshake, read one request, answer, close. Records
    land in ``self.records``; ``after_handshake(conn)`` runs after the
    handshake if set (e.g. to call SSL_new_session_ticket).
    """

    def __init__(self, credentials, settings, connection_class=None,
                 family=socket.AF_INET, threaded=False):
        self.chain, self.key = credentials
        self.settings = settings
        self.connection_class = connection_class or tt.TicketTLSConnection
        self.after_handshake = None
        #: more handshakeServer arguments (e.g. ``reqCert=True``)
        self.handshake_args = {}
        self.records = []
        self._expected = 0
        # threaded: a thread per connection, as real servers
        super().__init__(family, threaded, join_timeout=TIMEOUT)

    def handle(self, sock):
        sock.settimeout(TIMEOUT)
        record = ConnectionRecord()
        conn = self.connection_class(sock)
        try:
            conn.handshakeServer(certChain=self.chain, privateKey=self.key,
                                 settings=self.settings,
                                 **self.handshake_args)
            record.resumed = bool(tt.SSL_session_reused(conn))
            record.version = conn.version
            record.appdata = tt.SSL_SESSION_get0_ticket_appdata(
                conn.session)[0]
            if self.after_handshake:
                self.after_handshake(conn)
            request = conn.read(max=1024)
            conn.write(b"echo:" + bytes(request))
            record.tickets_sent = _tickets_sent(conn)
            conn.close()
        except (TLSError, OSError) as exc:
            record.error = exc
            record.tickets_sent = _tickets_sent(conn)
        except Exception as exc:  # a bug: tests assert there are none
            record.error = record.unexpected = exc
        finally:
            self.records.append(record)
            sock.close()

    def expect_connection(self):
        """Note that a client is about to connect (see :meth:`last`)."""
        self._expected += 1

    def last(self):
        """The record of the latest announced connection, once it is done."""
        for _ in range(TIMEOUT * 100):
            if len(self.records) >= self._expected:
                return self.records[-1]
            self._done.wait(0.01)
        raise AssertionError("server recorded no connection")

    def unexpected_errors(self):
        """Exceptions other than TLS or socket errors, from every connection."""
        return [r.unexpected for r in self.records if r.unexpected]


def _tickets_sent(conn):
    # a stock TLSConnection (hooks installed) has no counter of its own
    return getattr(conn, "tickets_sent", None)


class ClientResult:
    def __init__(self, resumed, tickets, session, reply=b""):
        self.resumed = resumed
        self.tickets = tickets
        self.session = session
        self.reply = reply


PY_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


class PythonSSLClient:
    """Python's ``ssl`` module (OpenSSL 3), counting NewSessionTickets."""

    name = "python-ssl"

    def __init__(self, version):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = PY_VERSIONS[version]
        self._tickets = []
        ctx._msg_callback = self._on_message
        self.context = ctx

    def _on_message(self, conn, direction, version, content_type, msg_type,
                    data):
        if direction == "read" and \
                msg_type == ssl._TLSMessageType.NEWSESSION_TICKET:
            self._tickets.append(bytes(data))

    #: what the client sends; the server answers and closes
    request = b"ping"

    def connect(self, server, session=None, sni="localhost"):
        del self._tickets[:]
        server.expect_connection()
        raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
        with self.context.wrap_socket(raw, server_hostname=sni,
                                      session=session) as sock:
            sock.sendall(self.request)
            reply = _read_all(sock)
            return ClientResult(sock.session_reused, len(self._tickets),
                                sock.session, reply)


class TlsliteClient:
    """tlslite-ng's own client."""

    name = "tlslite"

    def __init__(self, version):
        self.settings = HandshakeSettings()
        version = (3, 3) if version == "1.2" else (3, 4)
        self.settings.minVersion = self.settings.maxVersion = version
        #: (certificate chain, private key) to answer a certificate request
        self.certificate = (None, None)

    def connect(self, server, session=None, sni="localhost"):
        server.expect_connection()
        raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
        conn = TLSConnection(raw)
        try:
            chain, key = self.certificate
            conn.handshakeClientCert(chain, key, session=session,
                                     settings=self.settings, serverName=sni)
            conn.write(b"ping")
            reply = _read_all(conn)
            tickets = len(conn.tickets) + len(conn.tls_1_0_tickets)
            return ClientResult(conn.resumed, tickets, conn.session, reply)
        finally:
            raw.close()


def nst_ticket(message, tls13):
    """The ticket inside a NewSessionTicket handshake message (as
    PythonSSLClient records it, with its 4-byte header)."""
    body = message[4:]
    # TLS 1.3: lifetime, age_add, nonce<1>, ticket<2>; 1.2: lifetime, ticket
    start = 9 + body[8] if tls13 else 4
    size = int.from_bytes(body[start:start + 2], "big")
    return bytes(body[start + 2:start + 2 + size])


def _read_all(sock):
    chunks = []
    while True:
        try:
            data = sock.recv(4096)
        except (ssl.SSLError, OSError, TLSError):
            break
        if not data:
            break
        chunks.append(bytes(data))
    return b"".join(chunks)


CLIENTS = {"python-ssl": PythonSSLClient, "tlslite": TlsliteClient}


class OpenSSLClient:
    """``openssl s_client`` with -sess_out/-sess_in and -msg."""

    name = "openssl-s_client"

    def __init__(self, version, workdir, options=()):
        self.flag = "-tls1_2" if version == "1.2" else "-tls1_3"
        self.workdir = workdir
        self.options = list(options)  # e.g. ["-groups", "X25519:P-256"]

    def connect(self, server, session_file=None, save_to=None,
                sni="localhost"):
        cmd = ["openssl", "s_client", "-connect",
               "{0}:{1}".format(HOST, server.port), self.flag,
               "-servername", sni, "-msg", "-ign_eof"] + self.options
        if session_file:
            cmd += ["-sess_in", session_file]
        if save_to:
            cmd += ["-sess_out", save_to]
        server.expect_connection()
        out = subprocess.run(cmd, input=b"ping\n", capture_output=True,
                             timeout=TIMEOUT).stdout.decode("latin-1")
        tickets = sum(1 for line in out.splitlines()
                      if line.startswith("<<<") and "NewSessionTicket" in line)
        return ClientResult("Reused," in out, tickets, save_to, out)


class CallbackLog:
    """gen_cb/dec_cb that count their calls and answer as told.

    ``ret`` is what dec_cb returns for decrypted tickets (or a function of
    the status); EMPTY/NO_DECRYPT get IGNORE_RENEW unless ``ret`` is a
    function. gen_cb attaches ``appdata`` when the session has none yet.
    """

    def __init__(self, ret=tt.TicketReturn.USE_RENEW, appdata=None,
                 gen_result=1):
        self.ret = ret
        self.appdata = appdata
        self.gen_result = gen_result
        self.gen = 0
        self.statuses = []
        self.keynames = []
        self.sessions = []

    @property
    def dec(self):
        return len(self.statuses)

    def reset(self):
        self.gen = 0
        self.statuses = []
        self.keynames = []
        self.sessions = []

    def gen_cb(self, conn, arg):
        self.gen += 1
        session = tt.SSL_get_session(conn)
        if self.appdata is not None and \
                tt.SSL_SESSION_get0_ticket_appdata(session)[0] is None:
            tt.SSL_SESSION_set1_ticket_appdata(session, self.appdata)
        if isinstance(self.gen_result, BaseException):
            raise self.gen_result
        return self.gen_result

    def dec_cb(self, conn, session, keyname, status, arg):
        self.statuses.append(status)
        self.keynames.append(keyname)
        self.sessions.append(session)
        if callable(self.ret):
            return self.ret(status)
        if status in (tt.SSL_TICKET_EMPTY, tt.SSL_TICKET_NO_DECRYPT):
            return tt.SSL_TICKET_RETURN_IGNORE_RENEW
        return self.ret

    def install(self, settings):
        tt.SSL_CTX_set_session_ticket_cb(settings, self.gen_cb, self.dec_cb,
                                         self)
        return settings


def ticket_settings(log=None, **fields):
    """TicketHandshakeSettings with ``log``'s callbacks and extra fields."""
    settings = tt.TicketHandshakeSettings()
    for name, value in fields.items():
        setattr(settings, name, value)
    if log is not None:
        log.install(settings)
    return settings


class FakeClock:
    """An injectable ``ticket_clock`` that only moves when told to."""

    def __init__(self, now=1700000000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class GnuTLSClient:
    """``gnutls-cli --resume``: a full handshake, then a resumption.

    Its debug log (-d 4) names every NewSessionTicket; stdout and stderr
    interleave unpredictably, so only totals over both connections count.
    """

    name = "gnutls-cli"

    def __init__(self, version):
        self.priority = "NORMAL:-VERS-ALL:+VERS-TLS" + version

    def connect_twice(self, server, sni="localhost"):
        """Return (resumed on the second connection, total tickets)."""
        server.expect_connection()
        server.expect_connection()
        out = subprocess.run(
            ["gnutls-cli", "-d", "4", "--insecure", "--resume",
             "--priority", self.priority, "--sni-hostname", sni,
             "-p", str(server.port), HOST],
            input=b"ping\n", capture_output=True, timeout=TIMEOUT)
        text = (out.stdout + out.stderr).decode("latin-1")
        tickets = sum(1 for line in text.splitlines()
                      if "NEW SESSION TICKET" in line and "was received" in
                      line)
        return "This is a resumed session" in text, tickets, text
