#!/usr/bin/env python3
"""tlslite-tickets + nginx demo: one ticket hopping between the two servers.

Starts nginx and a tlslite-tickets server on 127.0.0.1, both with the same
ticket key file and nginx's session id context, our server in OpenSSL's
ticket format. An OpenSSL client (Python's ssl) carries one session from
server to server: ours -> nginx -> ours -> nginx, for TLS 1.2 and 1.3.
Each hop prints our server's trace (or, for nginx, what the client saw) and
what the ticket the client now holds carries, opened with the key file.
Exit status 0 when every hop after the first resumed.
"""

import argparse
import logging
import os
import socket
import ssl
import sys
import tempfile
import threading

import tlslite_tickets as tt
from tlslite_tickets.cli.inspect_openssl import (describe_session,
                                                 open_openssl_ticket)
from tlslite_tickets.cli.nginx_process import NginxProcess
from tlslite_tickets.cli.selfsigned import load_credentials, make_self_signed

from demo import say, serve  # scripts/demo.py: our server's accept loop

HOST = "127.0.0.1"
APPDATA = b"user=alice;plan=gold"
REQUEST = b"GET / HTTP/1.0\r\n\r\n"


def gen_cb(conn, arg):
    """Stamp new sessions; a resumed one keeps what its ticket carried."""
    session = tt.SSL_get_session(conn)
    if tt.get_appdata(session) is None:
        tt.set_appdata(session, APPDATA)
    return 1


def dec_cb(conn, session, keyname, status, arg):
    if status in (tt.SSL_TICKET_SUCCESS, tt.SSL_TICKET_SUCCESS_RENEW):
        say("ours", "dec_cb sees appdata {0!r}".format(tt.get_appdata(
            session)))
        return tt.SSL_TICKET_RETURN_USE_RENEW
    return tt.SSL_TICKET_RETURN_IGNORE_RENEW


class Client:
    """Python's ssl; keeps the ticket bytes of each NewSessionTicket."""

    def __init__(self, version):
        self.tls13 = version == ssl.TLSVersion.TLSv1_3
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE
        self.context.minimum_version = self.context.maximum_version = version
        self.context._msg_callback = self._record
        self.tickets = []

    def _record(self, conn, direction, version, content, msg_type, data):
        if direction == "read" and \
                msg_type == ssl._TLSMessageType.NEWSESSION_TICKET:
            body = bytes(data)[4:]
            start = 9 + body[8] if self.tls13 else 4
            size = int.from_bytes(body[start:start + 2], "big")
            self.tickets.append(body[start + 2:start + 2 + size])

    def connect(self, port, session=None):
        self.tickets = []
        raw = socket.create_connection((HOST, port), timeout=10)
        with self.context.wrap_socket(raw, server_hostname="localhost",
                                      session=session) as sock:
            sock.sendall(REQUEST)
            while True:
                try:
                    if not sock.recv(4096):
                        break
                except (ssl.SSLError, OSError):
                    break
            return sock.session, sock.session_reused


def show_ticket(ticket, issuer, keys, now):
    """One line on what the ticket carries (opened with the key file)."""
    key = next((k for k in keys if k.name == ticket[:16]), None)
    session, error, _ = open_openssl_ticket(key, ticket) if key else \
        (None, "no key with this name", None)
    if session is None:
        say("ticket", "{0}: does not open ({1})".format(ticket[:16].hex(),
                                                        error))
        return
    fields = describe_session(session, now, False)
    say("ticket", "from {6}: key {0}, {1} {2}, created {3}, timeout {4} s, "
        "appdata {5!r}".format(ticket[:16].hex(), fields["protocol"],
                       fields["cipher_suite_name"], fields["created"],
                       fields["timeout"], session.ticket_appdata, issuer))


def run(directory):
    cert, key = make_self_signed(directory)
    key_file = os.path.join(directory, "ticket.key")
    with open(key_file, "wb") as handle:
        handle.write(os.urandom(80))
    keys = tt.load_key_file(key_file)
    settings = tt.TicketHandshakeSettings()
    settings.ticket_key_files = [key_file]
    settings.ticket_format = "openssl"
    settings.openssl_sid_ctx = tt.nginx_sid_ctx(cert)
    tt.SSL_CTX_set_session_ticket_cb(settings, gen_cb, dec_cb)
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(8)
    ours = listener.getsockname()[1]
    threading.Thread(target=serve, args=(listener, load_credentials(
        cert, key), settings), daemon=True).start()
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("  ours   %(message)s"))
    trace = logging.getLogger("tlslite_tickets.trace")
    trace.addHandler(handler)
    trace.setLevel(logging.DEBUG)
    failures = 0
    with NginxProcess(os.path.join(directory, "nginx"), [(cert, key)],
                      [key_file]) as web:
        print("nginx on {0}:{1}, tlslite-tickets on {0}:{2}; one key file, "
              "session id context {3}\n".format(
                  HOST, web.port, ours, settings.openssl_sid_ctx.hex()))
        for name, version in (("TLS 1.2", ssl.TLSVersion.TLSv1_2),
                              ("TLS 1.3", ssl.TLSVersion.TLSv1_3)):
            print("== {0} ==".format(name))
            client = Client(version)
            session = None
            held = issuer = None
            for hop, (server, port) in enumerate(
                    (("ours", ours), ("nginx", web.port), ("ours", ours),
                     ("nginx", web.port)), 1):
                print("hop {0}: {1}{2}".format(hop, server, "" if session
                                               is None else ", offering the "
                                               "ticket the client holds"))
                session, reused = client.connect(port, session)
                if hop > 1 and not reused:
                    failures += 1
                if client.tickets:
                    held, issuer = client.tickets[-1], server
                say("client", "resumed={0}, {1} new ticket(s){2}".format(
                    reused, len(client.tickets), "" if client.tickets else
                    " (keeps the one it offered)"))
                show_ticket(held, issuer, keys, settings.ticket_clock())
            print()
    trace.removeHandler(handler)
    listener.close()
    print("every hop resumed" if not failures else
          "{0} hop(s) did not resume".format(failures))
    return failures


def main(argv=None):
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(
        argv)
    with tempfile.TemporaryDirectory() as directory:
        return 1 if run(directory) else 0


if __name__ == "__main__":
    sys.exit(main())
