#!/usr/bin/env python3
"""tlslite-tickets demo: a ticket issued with appdata, then a resumption.

Runs a TicketTLSConnection server and an OpenSSL client (Python's ssl) on
127.0.0.1, for TLS 1.2 and TLS 1.3, and prints every gen_cb/dec_cb call.
With --serve PORT it only runs the server, for openssl s_client:

    python scripts/demo.py --serve 4433
    openssl s_client -connect 127.0.0.1:4433 -tls1_3 -sess_out s.pem
    openssl s_client -connect 127.0.0.1:4433 -tls1_3 -sess_in s.pem
"""

import argparse
import socket
import ssl
import sys
import tempfile
import threading

import tlslite_tickets as tt
from tlslite_tickets.cli.selfsigned import load_credentials, make_self_signed

HOST = "127.0.0.1"


def say(who, text):
    print("  {0:<6} {1}".format(who, text), flush=True)


class DemoCallbacks:
    """gen_cb stamps each new session with who/when; dec_cb resumes."""

    def __init__(self):
        self.issued = 0

    def gen_cb(self, conn, arg):
        session = tt.SSL_get_session(conn)
        data, _ = tt.SSL_SESSION_get0_ticket_appdata(session)
        if data is None:
            self.issued += 1
            data = b"user=alice;ticket-batch=%d" % self.issued
            tt.SSL_SESSION_set1_ticket_appdata(session, data)
            say("server", "gen_cb: new session, attach appdata {0!r}".format(
                data))
        else:
            say("server", "gen_cb: session already carries appdata {0!r}, "
                "the ticket keeps it".format(data))
        return 1

    def dec_cb(self, conn, session, keyname, status, arg):
        status = tt.TicketStatus(status)
        if status in (tt.SSL_TICKET_SUCCESS, tt.SSL_TICKET_SUCCESS_RENEW):
            ret = tt.SSL_TICKET_RETURN_USE_RENEW
            detail = ", appdata {0!r}".format(
                tt.SSL_SESSION_get0_ticket_appdata(session)[0])
        else:
            ret = tt.SSL_TICKET_RETURN_IGNORE_RENEW
            detail = ""
        say("server", "dec_cb: key name {0}, status {1}{2} -> {3}".format(
            keyname.hex() or "(none)", status.name, detail, ret.name))
        return ret


def serve(listener, credentials, settings, quiet=False):
    """Accept connections forever; one request and one answer each."""
    chain, key = credentials
    while True:
        try:
            sock, _ = listener.accept()
        except OSError:
            return
        conn = tt.TicketTLSConnection(sock)
        try:
            conn.handshakeServer(certChain=chain, privateKey=key,
                                 settings=settings)
            appdata = tt.SSL_SESSION_get0_ticket_appdata(conn.session)[0]
            say("server", "handshake done: resumed={0}, appdata {1!r}".format(
                bool(tt.SSL_session_reused(conn)), appdata))
            conn.read(max=1024)
            conn.write(b"hello from tlslite-tickets\n")
            conn.close()
        except Exception as exc:  # one bad client must not stop the demo
            say("server", "connection failed: {0}".format(exc))
        finally:
            sock.close()


class Client:
    """Python's ssl (OpenSSL), counting the NewSessionTickets it reads."""

    def __init__(self, version, port):
        self.port = port
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE
        self.context.minimum_version = self.context.maximum_version = version
        self.tickets = 0
        self.context._msg_callback = self._count

    def _count(self, conn, direction, version, content, msg_type, data):
        if direction == "read" and \
                msg_type == ssl._TLSMessageType.NEWSESSION_TICKET:
            self.tickets += 1

    def connect(self, session=None):
        self.tickets = 0
        raw = socket.create_connection((HOST, self.port), timeout=10)
        with self.context.wrap_socket(raw, server_hostname="localhost",
                                      session=session) as sock:
            sock.sendall(b"GET /\n")
            while sock.recv(1024):
                pass
            return sock.session, sock.session_reused


def run_demo(credentials):
    settings = tt.TicketHandshakeSettings()
    callbacks = DemoCallbacks()
    tt.SSL_CTX_set_session_ticket_cb(settings, callbacks.gen_cb,
                                     callbacks.dec_cb)
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    threading.Thread(target=serve, args=(listener, credentials, settings),
                     daemon=True).start()
    print("tlslite-tickets demo: server on {0}:{1}, ticket crypto: {2}\n"
          .format(HOST, port, tt.AEAD_BACKEND))
    failures = 0
    for name, version in (("TLS 1.2", ssl.TLSVersion.TLSv1_2),
                          ("TLS 1.3", ssl.TLSVersion.TLSv1_3)):
        client = Client(version, port)
        print("== {0} ==".format(name))
        print("connection 1: no ticket yet, full handshake")
        session, reused = client.connect()
        say("client", "resumed={0}, NewSessionTickets received: {1}".format(
            reused, client.tickets))
        print("connection 2: offers the ticket from connection 1")
        session, reused = client.connect(session)
        say("client", "resumed={0}, NewSessionTickets received: {1}".format(
            reused, client.tickets))
        failures += not reused
        print()
    listener.close()
    return failures


def run_server(credentials, port):
    settings = tt.TicketHandshakeSettings()
    callbacks = DemoCallbacks()
    tt.SSL_CTX_set_session_ticket_cb(settings, callbacks.gen_cb,
                                     callbacks.dec_cb)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, port))
    listener.listen(8)
    print("demo server on {0}:{1} (Ctrl-C stops it). Try:".format(
        HOST, listener.getsockname()[1]), flush=True)
    for flag in ("-tls1_2", "-tls1_3"):
        print("  openssl s_client -connect {0}:{1} {2} -sess_out s.pem\n"
              "  openssl s_client -connect {0}:{1} {2} -sess_in s.pem".format(
                  HOST, listener.getsockname()[1], flag), flush=True)
    try:
        serve(listener, credentials, settings)
    except KeyboardInterrupt:
        pass
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", metavar="PORT", type=int,
                        help="only run the demo server on 127.0.0.1:PORT "
                             "(0 picks a free port)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        credentials = load_credentials(*make_self_signed(directory))
        if args.serve is not None:
            return run_server(credentials, args.serve)
        return 1 if run_demo(credentials) else 0


if __name__ == "__main__":
    sys.exit(main())
