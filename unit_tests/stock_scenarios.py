"""Stock tlslite-ng scenarios, made reproducible, for test_passthrough.py.

Run as ``python stock_scenarios.py CERT KEY [--install]``: a stock
``TLSConnection`` server with plain ``HandshakeSettings`` (tickets under
``ticketKeys``, session IDs, ticket counts, alerts) and tlslite-ng's client
talk over 127.0.0.1, and what the server sent is printed as JSON: per
connection a SHA-256 of every byte it wrote, the tickets the client got,
their sizes, ``resumed`` on both ends and the error the server raised.

Randomness and the wall clock are made deterministic (``os.urandom`` gives
each thread its own seeded stream, ``time.time`` is frozen), so two runs of
the same code write the same bytes. ``--install`` first builds a
``TicketHandshakeSettings`` (installing tlslite_tickets' hooks into
``TLSConnection``); without it ``tlslite_tickets`` is never imported. The
test compares the two outputs: plain settings must pass straight through.
"""

import hashlib
import json
import os
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
TIMEOUT = 20


class Streams:
    """``os.urandom`` replacement: a SHA-256 counter stream per thread."""

    def __init__(self):
        self._local = threading.local()

    def start(self, label):
        self._local.seed = label.encode("ascii")
        self._local.counter = 0

    def urandom(self, count):
        local = self._local
        if not hasattr(local, "seed"):
            self.start("unlabelled-" + threading.current_thread().name)
        out = bytearray()
        while len(out) < count:
            local.counter += 1
            out += hashlib.sha256(local.seed + b"/" + str(
                local.counter).encode("ascii")).digest()
        return bytes(out[:count])


class RecordingSocket:
    """A socket that keeps every byte sent through it."""

    def __init__(self, sock):
        self._sock = sock
        self.sent = bytearray()

    def send(self, data):
        count = self._sock.send(data)
        self.sent += bytes(data[:count])
        return count

    def sendall(self, data):
        self._sock.sendall(data)
        self.sent += bytes(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def run(cert_path, key_path, install):
    if install:
        import tlslite_tickets
        from tlslite_tickets import _hooks
        tlslite_tickets.TicketHandshakeSettings()
        assert _hooks.hooks_installed()
        ticket_settings_class = tlslite_tickets.TicketHandshakeSettings
    else:
        ticket_settings_class = None

    from tlslite.api import (HandshakeSettings, SessionCache, TLSConnection,
                             X509CertChain, parsePEMKey)
    from tlslite.errors import TLSError
    if not install:
        assert "tlslite_tickets" not in sys.modules

    with open(cert_path) as handle:
        chain = X509CertChain()
        chain.parsePemList(handle.read())
    with open(key_path) as handle:
        key = parsePEMKey(handle.read(), private=True)

    streams = Streams()
    os.urandom = streams.urandom
    frozen = 1700000000.0
    time.time = lambda: frozen

    def server_settings(ticket_keys=True, count=None, versions=None,
                        ciphers=None, settings_class=HandshakeSettings):
        settings = settings_class()
        if ticket_keys:
            settings.ticketKeys = [bytearray(b"K" * 32)]
        if count is not None:
            settings.ticket_count = count
        if versions:
            settings.minVersion, settings.maxVersion = versions
        if ciphers:
            settings.cipherNames = ciphers
        return settings

    def client_settings(version, ciphers=None):
        settings = HandshakeSettings()
        settings.minVersion = settings.maxVersion = version
        if ciphers:
            settings.cipherNames = ciphers
        return settings

    def connect(label, settings, client, session=None, cache=None):
        """One connection; returns (what the server did, client session)."""
        listener = socket.socket()
        listener.bind((HOST, 0))
        listener.listen(1)
        listener.settimeout(TIMEOUT)
        server_side = {}

        def serve():
            streams.start("server/" + label)
            sock, _ = listener.accept()
            sock.settimeout(TIMEOUT)
            recording = RecordingSocket(sock)
            conn = TLSConnection(recording)
            try:
                conn.handshakeServer(certChain=chain, privateKey=key,
                                     settings=settings, sessionCache=cache)
                server_side["resumed"] = conn.resumed
                conn.write(b"echo:" + bytes(conn.read(max=64)))
                conn.close()
            except TLSError as exc:
                server_side["error"] = "{0}: {1}".format(
                    type(exc).__name__, getattr(exc, "description", ""))
            finally:
                sock.close()
                server_side["sent"] = hashlib.sha256(
                    recording.sent).hexdigest()
                server_side["sent_bytes"] = len(recording.sent)

        thread = threading.Thread(target=serve)
        thread.start()
        streams.start("client/" + label)
        raw = socket.create_connection((HOST, listener.getsockname()[1]),
                                       timeout=TIMEOUT)
        conn = TLSConnection(raw)
        result = {}
        try:
            conn.handshakeClientCert(session=session, settings=client,
                                     serverName="localhost")
            conn.write(b"ping")
            result["reply"] = bytes(conn.read(max=64)).decode("ascii")
            result["client_resumed"] = conn.resumed
            tickets = list(conn.tickets or []) + list(
                conn.tls_1_0_tickets or [])
            result["tickets"] = len(tickets)
            result["ticket_sizes"] = [len(t.ticket) for t in tickets]
            new_session = conn.session
        except TLSError as exc:
            result["client_error"] = type(exc).__name__
            new_session = None
        finally:
            raw.close()
            thread.join(TIMEOUT)
            listener.close()
        result.update(server_side)
        return result, new_session

    def first_then_resume(label, settings, version, cache=None,
                          spoil_ticket=False):
        client = client_settings(version)
        first, session = connect(label + "/1", settings, client, cache=cache)
        if spoil_ticket and session.tickets:
            ticket = session.tickets[0]
            ticket.ticket = bytearray(len(ticket.ticket))
        second, _ = connect(label + "/2", settings, client, session=session,
                            cache=cache)
        return [first, second]

    tls12, tls13 = (3, 3), (3, 4)
    out = {}
    out["tls13 tickets"] = first_then_resume("a", server_settings(), tls13)
    out["tls12 tickets"] = first_then_resume("b", server_settings(), tls12)
    out["tls12 session id"] = first_then_resume(
        "c", server_settings(ticket_keys=False), tls12, cache=SessionCache())
    out["tls13 no ticketKeys"] = first_then_resume(
        "d", server_settings(ticket_keys=False), tls13)
    out["tls13 spoiled ticket"] = first_then_resume(
        "e", server_settings(), tls13, spoil_ticket=True)
    for count in (0, 1, 3):
        out["tls13 ticket_count %d" % count] = first_then_resume(
            "f%d" % count, server_settings(count=count), tls13)
    out["tls12 ticket_count 0"] = first_then_resume(
        "g", server_settings(count=0), tls12)
    out["alert protocol_version"] = [connect(
        "h", server_settings(versions=(tls12, tls12)),
        client_settings(tls13))[0]]
    out["alert no shared cipher"] = [connect(
        "i", server_settings(ciphers=["aes256gcm"]),
        client_settings(tls12, ciphers=["chacha20-poly1305"]))[0]]
    if ticket_settings_class is not None:
        # the same as "tls13 tickets", with ticket settings: must differ,
        # which shows the comparison sees what the hooks do
        out["ticket settings"] = first_then_resume(
            "a", server_settings(settings_class=ticket_settings_class),
            tls13)
    return out


if __name__ == "__main__":
    result = run(sys.argv[1], sys.argv[2], "--install" in sys.argv[3:])
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
