"""Part 2: server CPU per handshake.

``time.thread_time()`` around ``handshakeServer`` in the server thread,
over loopback, Python's ``ssl`` as the client: full, resumed with USE,
resumed with USE_RENEW, TLS 1.2 and 1.3. The three servers (stock
tlslite-ng, ours with the pure-Python AEAD, ours with ``cryptography``) are
interleaved in small blocks so that noise from the rest of the machine
hits them alike.
"""

import os
import queue
import socket
import ssl
import threading
import time

from .common import (HOST, IMPLS, NO_CRYPTOGRAPHY, TIMEOUT, NoSwitch,
                     PureAEAD, TicketCounter, client_context,
                     has_cryptography, na, percentile, py_connect, row,
                     summarize)


class HandshakeServer:
    """A loopback server in a thread that records, per connection, the
    thread CPU time of ``handshakeServer``.

    Its accept loop is the one of ``tlslite_tickets.cli.loopback``'s
    ``LoopbackServer``, written out again on purpose: the benchmark modules
    import only the standard library at module level (the ``spawn`` client
    processes of parts 4 and 5 import them; see ``__init__.py``), and a
    subclass would load tlslite_tickets and tlslite-ng into every one.
    """

    def __init__(self, conn_class, settings, credentials):
        self.conn_class = conn_class
        self.settings = settings
        self.chain, self.key = credentials
        self.records = queue.Queue()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind((HOST, 0))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._done.is_set():
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            sock.settimeout(TIMEOUT)
            record = {"cpu": None, "error": None}
            conn = self.conn_class(sock)
            start = time.thread_time()
            try:
                conn.handshakeServer(certChain=self.chain,
                                     privateKey=self.key,
                                     settings=self.settings)
                record["cpu"] = time.thread_time() - start
                conn.read(max=1024)
                conn.write(b"pong\n")
                conn.close()
            except Exception as exc:  # reported by the client side
                record["error"] = "{0}: {1}".format(type(exc).__name__, exc)
                # until the failure (part 6's hellos never complete)
                record["cpu_to_error"] = time.thread_time() - start
            finally:
                sock.close()
                self.records.put(record)

    def next_record(self):
        return self.records.get(timeout=TIMEOUT)

    def close(self):
        self._done.set()
        self._thread.join(TIMEOUT)
        self._listener.close()


def ours_handshake_settings(answer):
    """TicketHandshakeSettings with no-op callbacks: gen_cb says yes,
    dec_cb gives ``answer`` for a good ticket, IGNORE_RENEW otherwise."""
    import tlslite_tickets as tt
    good = (tt.TicketStatus.SUCCESS, tt.TicketStatus.SUCCESS_RENEW)

    def gen_cb(conn, arg):
        return 1

    def dec_cb(conn, session, keyname, status, arg):
        return answer if status in good else \
            tt.TicketReturn.IGNORE_RENEW

    settings = tt.TicketHandshakeSettings()
    settings.cipherNames = ["aes128gcm"]
    tt.SSL_CTX_set_session_ticket_cb(settings, gen_cb, dec_cb)
    return settings


def stock_handshake_settings():
    from tlslite.handshakesettings import HandshakeSettings
    settings = HandshakeSettings()
    settings.cipherNames = ["aes128gcm"]
    settings.ticketKeys = [bytearray(os.urandom(32))]
    return settings


class HandshakeClient:
    """One server's client side: its own context, ticket count, session."""

    def __init__(self, server, version, switch):
        self.server = server
        self.switch = switch
        self.ctx = client_context(version)
        self.counter = TicketCounter(self.ctx)
        self.session = None
        self.cpu = []
        self.tickets = []
        self.unexpected = 0
        self.errors = []

    def once(self, resume, record=True):
        self.counter.count = 0
        failure = None
        with self.switch():
            try:
                resumed, session = py_connect(
                    self.ctx, self.server.port,
                    self.session if resume else None)
            except (OSError, ssl.SSLError) as exc:
                failure = "client: {0}: {1}".format(type(exc).__name__, exc)
            result = self.server.next_record()
        if result["error"] or failure:
            self.errors.append(result["error"] or failure)
            if len(self.errors) > 3:
                raise RuntimeError("handshakes keep failing: {0}".format(
                    self.errors))
            return
        if self.counter.count:  # keep the newest ticket
            self.session = session
        if record:
            self.cpu.append(result["cpu"])
            self.tickets.append(self.counter.count)
            if bool(resumed) != resume:
                self.unexpected += 1


HS_MODES = (("full", "full handshake", None),
            ("use", "resumed, dec_cb USE", "USE"),
            ("use_renew", "resumed, dec_cb USE_RENEW", "USE_RENEW"))


def bench_handshakes(profile, credentials):
    import tlslite_tickets as tt
    from tlslite.tlsconnection import TLSConnection
    rows = []
    for version in ("1.2", "1.3"):
        for mode, title, answer in HS_MODES:
            resume = answer is not None
            servers = {}
            cells = {}
            if version == "1.2" and mode == "use_renew":
                cells["base"] = na("stock tlslite-ng never renews a TLS 1.2 "
                                   "ticket")
            else:
                servers["base"] = (HandshakeServer(
                    TLSConnection, stock_handshake_settings(), credentials),
                    NoSwitch)
            ret = getattr(tt.TicketReturn, answer or "USE_RENEW")
            servers["ours_pure"] = (HandshakeServer(
                tt.TicketTLSConnection, ours_handshake_settings(ret),
                credentials), PureAEAD)
            if has_cryptography():
                servers["ours_crypto"] = (HandshakeServer(
                    tt.TicketTLSConnection, ours_handshake_settings(ret),
                    credentials), NoSwitch)
            else:
                cells["ours_crypto"] = na(NO_CRYPTOGRAPHY)
            clients = dict((name, HandshakeClient(server, version, switch))
                           for name, (server, switch) in servers.items())
            try:
                for client in clients.values():
                    if resume:  # the ticket to resume with
                        client.once(False, record=False)
                    for _ in range(profile["hs_warmup"]):
                        client.once(resume, record=False)
                for _ in range(profile["hs_blocks"]):
                    for client in clients.values():
                        for _ in range(profile["hs_per_block"]):
                            client.once(resume)
            finally:
                for server, _ in servers.values():
                    server.close()
            for name, client in clients.items():
                if not client.cpu:
                    raise RuntimeError("TLS {0} {1}, {2}: no handshake "
                                       "completed: {3}".format(
                                           version, mode, name,
                                           client.errors))
                cells[name] = summarize(
                    client.cpu, 1e3,
                    tickets=percentile(sorted(client.tickets), 0.5),
                    unexpected=client.unexpected, errors=len(client.errors))
            note = "NewSessionTickets/handshake: " + ", ".join(
                "{0} {1:g}".format(_short(name), cells[name]["tickets"])
                for name in IMPLS if cells[name].get("median") is not None)
            bad = [name for name in IMPLS
                   if cells[name].get("unexpected") or
                   cells[name].get("errors")]
            if bad:
                note += "; WARNING: unexpected resumption state or errors " \
                    "in " + ", ".join(bad)
            rows.append(row("hs.tls{0}.{1}".format(version.replace(".", ""),
                                                   mode), 2,
                            "server CPU/handshake TLS {0}, {1}".format(
                                version, title),
                            "ms", "lower", cells, note))
    return rows


def _short(name):
    return {"base": "stock", "ours_pure": "pure",
            "ours_crypto": "crypto"}[name]
