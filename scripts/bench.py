#!/usr/bin/env python3
"""Benchmarks: tlslite-tickets vs stock tlslite-ng vs ``openssl s_server``.

``make bench`` runs this file; ``make bench-smoke`` (and the test
``unit_tests/test_bench_smoke.py``) runs it with ``--smoke``: every row, a
few iterations each, so that the benchmark cannot rot.

One process, one certificate (ECDSA P-256, made with the openssl command
line tool in a temporary directory) and one cipher suite per protocol
version (AES-128-GCM: TLS_AES_128_GCM_SHA256 and
ECDHE-ECDSA-AES128-GCM-SHA256) for every server. Everything talks to
127.0.0.1 only; every loop is bounded in count and in time.

1. ticket seal / open alone: ours (``_ticket.seal``/``open_ticket``) with
   the pure-Python AEAD forced and with ``cryptography``, vs stock
   tlslite-ng's ticket crypto: seal is the sequence of stock functions
   that ``TLSConnection._serverSendTickets`` runs (``SessionTicketPayload``,
   ``_derive_key_iv``, ``createAESGCM(...).seal``); open is stock's own
   ``TLSConnection._tryDecrypt`` in its TLS 1.2 form (derive, createAESGCM,
   open, parse: its TLS 1.3 form only adds the PSK derivation, which is not
   ticket crypto).
2. server CPU per handshake (``time.thread_time()`` around
   ``handshakeServer`` in the server thread) over loopback, Python's ``ssl``
   as the client: full, resumed with USE, resumed with USE_RENEW, TLS 1.2
   and 1.3. The three servers are interleaved in small blocks so that noise
   from the rest of the machine hits them alike.
3. rejecting a ticket under an unknown key name with 1..1,000 keys: ours
   ``TicketHandshake._decrypt`` on a ``KeyRing``; stock ``_tryDecrypt`` on a
   bare ``TLSConnection`` with N ``ticketKeys`` (it tries them all).
4. resumed TLS 1.3 handshakes per second against ``python -m
   tlslite_tickets server`` (a process of its own, a thread per
   connection) from 1, 2 and 8 client processes, and
5. the same client loop against ``openssl s_server``: the C ceiling.

Output: one table on stdout, ``bench.json`` (with machine information) and
``bench.png`` (only when matplotlib is importable) in ``--out``.

Only the standard library is imported at module level: the client
processes of parts 4 and 5 import this file and need nothing else.
"""

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import queue
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HOST = "127.0.0.1"
TIMEOUT = 20

#: Iteration counts and time budgets. The full run fits in 3 minutes on a
#: 2-core machine; the smoke run only proves every row still works.
PROFILES = {
    "full": {
        "batch_s": 0.003,        # part 1/3: one sample = a batch this long
        "crypto_samples": 41,    # part 1: samples per implementation
        "hs_blocks": 16,         # part 2: interleaved blocks per row ...
        "hs_per_block": 5,       # ... of this many handshakes per server
        "hs_warmup": 2,
        "reject_samples": 41,    # part 3: ours
        "reject_budget_s": 1.6,  # part 3: stock, per key-ring size
        "rate_duration_s": 4.0,  # part 4/5: per concurrency level
        "rate_bin_s": 0.5,
        "rate_max_per_client": 20000,
    },
    "smoke": {
        "batch_s": 0.0005,
        "crypto_samples": 3,
        "hs_blocks": 1,
        "hs_per_block": 2,
        "hs_warmup": 0,
        "reject_samples": 3,
        "reject_budget_s": 0.05,
        "rate_duration_s": 0.6,
        "rate_bin_s": 0.2,
        "rate_max_per_client": 200,
    },
}

KEY_COUNTS = (1, 10, 100, 1000)
CONCURRENCY = (1, 2, 8)
RATE_VERSION = "1.3"

#: The implementations, in table order; ``base`` is stock tlslite-ng for
#: parts 1-3 and openssl s_server for parts 4-5.
IMPLS = ("base", "ours_pure", "ours_crypto")
IMPL_TITLES = {"base": "baseline", "ours_pure": "ours, pure-Python AEAD",
               "ours_crypto": "ours, cryptography AEAD"}


# -- statistics ---------------------------------------------------------------

def _percentile(ordered, fraction):
    """Linear interpolation between closest ranks (numpy's default)."""
    if len(ordered) == 1:
        return ordered[0]
    pos = fraction * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summarize(samples, scale=1.0, **extra):
    """Median and p10-p90 of ``samples`` (times ``scale``)."""
    ordered = sorted(s * scale for s in samples)
    if not ordered:
        raise ValueError("no samples")
    result = {"median": _percentile(ordered, 0.5),
              "p10": _percentile(ordered, 0.1),
              "p90": _percentile(ordered, 0.9), "n": len(ordered)}
    result.update(extra)
    return result


def na(reason):
    """A cell that does not apply, and why."""
    return {"median": None, "na": reason}


def timed_batches(op, samples, batch_s):
    """Seconds per call of ``op``: ``samples`` batches, each about
    ``batch_s`` of this thread's CPU time (``time.thread_time``, so that
    other processes on the machine do not count). ``batch_s=0``: one call
    per sample, no warm-up."""
    per_batch = 1
    if batch_s:
        op()  # warm up (and fail early)
        start = time.thread_time()
        op()
        once = max(time.thread_time() - start, 1e-7)
        per_batch = max(1, int(batch_s / once))
    results = []
    for _ in range(samples):
        start = time.thread_time()
        for _ in range(per_batch):
            op()
        results.append((time.thread_time() - start) / per_batch)
    return results


# -- certificates and credentials ---------------------------------------------

def make_certificate(directory):
    """A self-signed ECDSA P-256 certificate (as unit_tests/support.py)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
         "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True, capture_output=True)
    return cert, key


def load_credentials(cert, key):
    from tlslite.api import X509CertChain, parsePEMKey
    chain = X509CertChain()
    with open(cert) as handle:
        chain.parsePemList(handle.read())
    with open(key) as handle:
        private = parsePEMKey(handle.read(), private=True)
    return chain, private


# -- Python ssl clients (parts 2, 4, 5) ---------------------------------------

def client_context(version):
    """Python's ssl (OpenSSL) as the client, one protocol version."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    tls = ssl.TLSVersion.TLSv1_2 if version == "1.2" else \
        ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = ctx.maximum_version = tls
    if version == "1.2":
        ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    return ctx


class TicketCounter(object):
    """Counts NewSessionTicket messages a context receives."""

    def __init__(self, ctx):
        self.count = 0
        ctx._msg_callback = self._on_message

    def _on_message(self, conn, direction, version, content_type, msg_type,
                    data):
        if direction == "read" and \
                msg_type == ssl._TLSMessageType.NEWSESSION_TICKET:
            self.count += 1


def py_connect(ctx, port, session, payload=b"ping\n"):
    """One connection: handshake, send, read the answer (and, in TLS 1.3,
    the tickets before it), close. Returns ``(resumed, session)``."""
    raw = socket.create_connection((HOST, port), timeout=TIMEOUT)
    try:
        with ctx.wrap_socket(raw, server_hostname="localhost",
                             session=session) as sock:
            sock.sendall(payload)
            sock.recv(256)
            return sock.session_reused, sock.session
    finally:
        raw.close()


# -- 1. ticket seal and open alone --------------------------------------------

class PureAEAD(object):
    """Force our pure-Python AEAD path for the duration of a ``with``."""

    def __enter__(self):
        from tlslite_tickets import _ticket
        self._saved = _ticket._AESGCM
        _ticket._AESGCM = None
        return self

    def __exit__(self, *exc):
        from tlslite_tickets import _ticket
        _ticket._AESGCM = self._saved


class NoSwitch(object):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def has_cryptography():
    from tlslite_tickets import _ticket
    return _ticket._AESGCM is not None


NO_CRYPTOGRAPHY = "cryptography not installed"

SECRET = bytes(range(32))
SNI = b"localhost"


def stock_settings(keys=1):
    """Stock tlslite-ng settings, validated, with ``keys`` ticket keys."""
    from tlslite.handshakesettings import HandshakeSettings
    settings = HandshakeSettings()
    settings.ticketKeys = [bytearray(os.urandom(32)) for _ in range(keys)]
    return settings.validate()


def stock_seal(settings):
    """What ``TLSConnection._serverSendTickets`` does for one TLS 1.3
    ticket, with stock's own functions, in its order."""
    from tlslite.messages import SessionTicketPayload
    from tlslite.tlsconnection import TLSConnection
    from tlslite.utils.cipherfactory import createAESGCM
    from tlslite.utils.cryptomath import getRandomBytes
    ticket = SessionTicketPayload()
    ticket.create(bytearray(SECRET), (3, 4), 0x1301, int(time.time()),
                  getRandomBytes(len(settings.ticketKeys[0])),
                  client_cert_chain=None, encrypt_then_mac=False,
                  extended_master_secret=True, server_name=bytearray(SNI))
    nonce = getRandomBytes(32)
    key, iv = TLSConnection._derive_key_iv(nonce, settings.ticketKeys[0],
                                           settings)
    cipher = createAESGCM(key, settings.cipherImplementations)
    return nonce + cipher.seal(iv, ticket.write(), b'')


def bare_connection(version):
    """A TLSConnection without a socket, enough for ``_tryDecrypt``."""
    from tlslite.tlsconnection import TLSConnection
    conn = TLSConnection(None)
    conn.version = version
    return conn


def ours_contents():
    from tlslite_tickets import TicketContents
    return TicketContents((3, 4), 0x1301, SECRET, int(time.time() * 1000),
                          24 * 3600, age_add=0x12345678, server_name=SNI)


def bench_crypto(profile):
    from tlslite_tickets import TicketKey, _ticket
    samples, batch_s = profile["crypto_samples"], profile["batch_s"]
    settings = stock_settings()
    stock_ticket = stock_seal(settings)
    conn = bare_connection((3, 3))
    opened = conn._tryDecrypt(settings, ticket=stock_ticket)[1]
    assert opened is not None and bytes(opened.master_secret) == SECRET

    key = TicketKey.generate()
    contents = ours_contents()
    ours_ticket = _ticket.seal(key, contents)
    assert _ticket.open_ticket(key, ours_ticket).secret == SECRET

    seal, open_ = {}, {}
    seal["base"] = summarize(timed_batches(
        lambda: stock_seal(settings), samples, batch_s), 1e6,
        bytes=len(stock_ticket))
    open_["base"] = summarize(timed_batches(
        lambda: conn._tryDecrypt(settings, ticket=stock_ticket), samples,
        batch_s), 1e6)
    variants = [("ours_pure", PureAEAD)]
    if has_cryptography():
        variants.append(("ours_crypto", NoSwitch))
    else:
        seal["ours_crypto"] = open_["ours_crypto"] = na(NO_CRYPTOGRAPHY)
    for name, switch in variants:
        with switch():
            seal[name] = summarize(timed_batches(
                lambda: _ticket.seal(key, contents), samples, batch_s), 1e6,
                bytes=len(ours_ticket))
            open_[name] = summarize(timed_batches(
                lambda: _ticket.open_ticket(key, ours_ticket), samples,
                batch_s), 1e6)
    return [
        row("seal", 1, "ticket seal (TLS 1.3 session state)", "us", "lower",
            seal, "baseline: stock _serverSendTickets steps "
            "(_derive_key_iv + createAESGCM.seal)"),
        row("open", 1, "ticket open (decrypt + parse)", "us", "lower", open_,
            "baseline: stock _tryDecrypt, 1 key"),
    ], {"stock_ticket_len": len(stock_ticket),
        "ours_ticket_len": len(ours_ticket)}


# -- 2. server CPU per handshake ----------------------------------------------

class HandshakeServer(object):
    """A loopback server in a thread that records, per connection, the
    thread CPU time of ``handshakeServer``."""

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
            try:
                start = time.thread_time()
                conn.handshakeServer(certChain=self.chain,
                                     privateKey=self.key,
                                     settings=self.settings)
                record["cpu"] = time.thread_time() - start
                conn.read(max=1024)
                conn.write(b"pong\n")
                conn.close()
            except Exception as exc:  # reported by the client side
                record["error"] = "{0}: {1}".format(type(exc).__name__, exc)
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


class HandshakeClient(object):
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
                    tickets=_percentile(sorted(client.tickets), 0.5),
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


# -- 3. rejecting a ticket under an unknown key name --------------------------

def bench_reject(profile, ticket_lens):
    import tlslite_tickets as tt
    from tlslite.extensions import PskIdentity
    from tlslite_tickets._handshake import TicketHandshake
    rows = []
    for count in KEY_COUNTS:
        cells = {}
        # ours: the ring lookup misses, nothing is decrypted
        ring = tt.KeyRing([tt.TicketKey.generate() for _ in range(count)])
        settings = tt.TicketHandshakeSettings()
        settings.ticket_keys = ring
        handshake = TicketHandshake(None, settings.validate())
        handshake.version, handshake.tls13 = (3, 4), True
        garbage = os.urandom(ticket_lens["ours_ticket_len"])
        assert handshake._decrypt(garbage)[0] == tt.TicketStatus.NO_DECRYPT
        variants = [("ours_pure", PureAEAD)]
        if has_cryptography():
            variants.append(("ours_crypto", NoSwitch))
        else:
            cells["ours_crypto"] = na(NO_CRYPTOGRAPHY)
        for name, switch in variants:
            with switch():
                cells[name] = summarize(timed_batches(
                    lambda: handshake._decrypt(garbage),
                    profile["reject_samples"], profile["batch_s"]), 1e6)
        # stock: _tryDecrypt tries every key
        stock = stock_settings(count)
        conn = bare_connection((3, 4))
        identity = PskIdentity().create(
            bytearray(os.urandom(ticket_lens["stock_ticket_len"])), 0)
        start = time.thread_time()
        assert conn._tryDecrypt(stock, identity=identity) == (None, None)
        once = time.thread_time() - start
        samples = int(max(2, min(profile["reject_samples"],
                                 profile["reject_budget_s"] / once)))
        cells["base"] = summarize(timed_batches(
            lambda: conn._tryDecrypt(stock, identity=identity), samples,
            0), 1e6)
        rows.append(row("reject.{0}".format(count), 3,
                        "reject unknown key name, {0} key{1}".format(
                            count, "s" if count > 1 else ""),
                        "us", "lower", cells,
                        "stock: _tryDecrypt over {0} ticketKeys; ours: "
                        "TicketHandshake._decrypt, KeyRing".format(count)))
    return rows


# -- 4 and 5. resumed handshakes per second -----------------------------------

def rate_worker(port, version, start_at, duration, max_count):
    """A client process: one full handshake, then resume in a loop from
    ``start_at`` (time.monotonic, shared by all processes on Linux) for
    ``duration`` seconds or ``max_count`` connections. Returns the times
    (relative to ``start_at``) of the resumed handshakes, plus counts."""
    ctx = client_context(version)
    session = None
    for _ in range(50):
        try:
            session = py_connect(ctx, port, None)[1]
            break
        except (OSError, ssl.SSLError):
            time.sleep(0.05)
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    stamps, full, failed = [], 0, 0
    end = start_at + duration
    while len(stamps) + full + failed < max_count and \
            time.monotonic() < end:
        try:
            resumed, new = py_connect(ctx, port, session)
        except (OSError, ssl.SSLError):
            failed += 1
            if failed > 20 and not stamps:
                break
            continue
        if resumed:
            stamps.append(time.monotonic() - start_at)
        else:
            full += 1
        if new is not None:
            session = new
    return stamps, full, failed


def wait_for_tls(port, version, deadline_s=15):
    """Until a server on ``port`` completes a handshake (warms it up too)."""
    ctx = client_context(version)
    end = time.monotonic() + deadline_s
    while True:
        try:
            py_connect(ctx, port, None)
            return
        except (OSError, ssl.SSLError):
            if time.monotonic() > end:
                raise RuntimeError("no TLS server on port {0}".format(port))
            time.sleep(0.05)


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Process(object):
    """A server subprocess whose output is drained by a thread."""

    def __init__(self, argv, ready_prefix=None, env=None):
        self.argv = argv
        self.lines = []
        self.port = None
        self._ready = threading.Event()
        self._ready_prefix = ready_prefix
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            if len(self.lines) < 50:
                self.lines.append(line)
            if self._ready_prefix and not self._ready.is_set() and \
                    line.startswith(self._ready_prefix):
                self.port = int(line.rsplit(":", 1)[1])
                self._ready.set()
        self._ready.set()

    def wait_port(self, timeout=20):
        self._ready.wait(timeout)
        if self.port is None:
            raise RuntimeError("{0} did not start: {1}".format(
                " ".join(self.argv[:4]), "\n".join(self.lines[-10:])))
        return self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._thread.join(5)


def ours_server_command(cert, key):
    """``python -m tlslite_tickets server`` when the package has it, else
    the minimal server below (``bench.py --serve``)."""
    try:
        from tlslite_tickets.__main__ import COMMANDS
        has_cli = "server" in COMMANDS
    except ImportError:
        has_cli = False
    if has_cli:
        return [sys.executable, "-m", "tlslite_tickets", "server",
                "{0}:0".format(HOST), "-c", cert, "-k", key, "--echo",
                "--cipherlist", "aes128gcm"], \
            "python -m tlslite_tickets server"
    return [sys.executable, os.path.abspath(__file__), "--serve", cert,
            key], "scripts/bench.py --serve"


def serve(cert, key):
    """The fallback server: TicketTLSConnection, a thread per connection,
    echo. Prints the same ready line as the package's CLI server."""
    import tlslite_tickets as tt
    from tlslite.errors import TLSError
    credentials = load_credentials(cert, key)
    settings = tt.TicketHandshakeSettings()
    settings.cipherNames = ["aes128gcm"]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, 0))
    listener.listen(64)

    def handle(sock):
        sock.settimeout(TIMEOUT)
        conn = tt.TicketTLSConnection(sock)
        try:
            conn.handshakeServer(certChain=credentials[0],
                                 privateKey=credentials[1], settings=settings)
            conn.write(conn.read(max=1024))
            conn.close()
        except (TLSError, OSError):
            pass
        finally:
            sock.close()

    print("I am an echo test server, I will listen on {0}:{1}".format(
        HOST, listener.getsockname()[1]), flush=True)
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=handle, args=(sock,), daemon=True).start()


def process_cpu(pid):
    """User + system CPU seconds of process ``pid`` (Linux), or None."""
    try:
        with open("/proc/{0}/stat".format(pid)) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / \
            float(os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


def run_rates(pool, port, profile, pid):
    """Resumptions per second for each concurrency level, from bins; and
    the server process's CPU time per connection it served."""
    results = {}
    duration, width = profile["rate_duration_s"], profile["rate_bin_s"]
    for level in CONCURRENCY:
        start_at = time.monotonic() + 0.4 + 0.05 * level
        cpu_before = process_cpu(pid)
        jobs = [pool.apply_async(rate_worker, (
            port, RATE_VERSION, start_at, duration,
            profile["rate_max_per_client"])) for _ in range(level)]
        outcomes = [job.get(duration + 60) for job in jobs]
        cpu_after = process_cpu(pid)
        stamps = [t for got in outcomes for t in got[0]]
        full = sum(got[1] for got in outcomes)
        failed = sum(got[2] for got in outcomes)
        bins = int(round(duration / width))
        counts = [0] * bins
        for stamp in stamps:
            index = int(stamp / width)
            if 0 <= index < bins:
                counts[index] += 1
        # the first bin is a warm-up (processes waking, first resumption)
        rates = [c / width for c in (counts[1:] if bins > 2 else counts)]
        served = len(stamps) + full + level  # + each client's first
        cpu_ms = None
        if cpu_before is not None and cpu_after is not None:
            cpu_ms = (cpu_after - cpu_before) * 1e3 / served
        results[level] = summarize(rates, 1.0, total=len(stamps),
                                   full=full, failed=failed,
                                   mean=len(stamps) / duration,
                                   server_cpu_ms_per_connection=cpu_ms)
    return results


def bench_rates(profile, cert, key):
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(max(CONCURRENCY))
    info = {}
    try:
        argv, label = ours_server_command(cert, key)
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep +
                   os.environ.get("PYTHONPATH", ""))
        ours = Process(argv, "I am an echo test server", env=env)
        try:
            port = ours.wait_port()
            wait_for_tls(port, RATE_VERSION)
            ours_rates = run_rates(pool, port, profile, ours.proc.pid)
        finally:
            ours.stop()
        info["ours_server"] = label

        port = free_port()
        openssl = Process(["openssl", "s_server", "-accept",
                           "{0}:{1}".format(HOST, port), "-cert", cert,
                           "-key", key, "-rev", "-quiet",
                           "-ciphersuites", "TLS_AES_128_GCM_SHA256",
                           "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"])
        try:
            wait_for_tls(port, RATE_VERSION)
            openssl_rates = run_rates(pool, port, profile,
                                      openssl.proc.pid)
        finally:
            openssl.stop()
        info["openssl_server"] = "openssl s_server -rev (tickets on, " \
            "default: stateless, 1 ticket after a resumption)"
    finally:
        pool.terminate()
        pool.join()
    ours_column = "ours_crypto" if has_cryptography() else "ours_pure"
    rows = []
    for level in CONCURRENCY:
        cells = {"base": openssl_rates[level], ours_column: ours_rates[level]}
        for name in IMPLS:
            cells.setdefault(name, na("the server runs one AEAD backend: "
                                      "the one installed"))
        note = "baseline: openssl s_server (part 5, the C ceiling); " \
            "ours: {0}".format(info["ours_server"])
        cpu = [(label, cells[name]["server_cpu_ms_per_connection"])
               for label, name in (("openssl", "base"), ("ours", ours_column))]
        if all(value is not None for _, value in cpu):
            note += "; server process CPU/connection: " + ", ".join(
                "{0} {1:.2f} ms".format(label, value) for label, value in cpu)
        failed = sum(cells[name].get("failed", 0) + cells[name].get("full", 0)
                     for name in ("base", ours_column))
        if failed:
            note += "; WARNING: {0} connections failed or did not " \
                "resume".format(failed)
        rows.append(row("rate.c{0}".format(level), 4,
                        "resumed TLS {0} handshakes/s, {1} client "
                        "process{2}".format(RATE_VERSION, level,
                                            "es" if level > 1 else ""),
                        "1/s", "higher", cells, note))
    return rows, info


# -- table, JSON, chart -------------------------------------------------------

def row(row_id, part, title, unit, better, cells, note=""):
    ratios = {}
    base = cells.get("base", {}).get("median")
    for name in ("ours_pure", "ours_crypto"):
        value = cells.get(name, {}).get("median")
        ratios[name + "/base"] = value / base if value and base else None
    pure = cells.get("ours_pure", {}).get("median")
    crypto = cells.get("ours_crypto", {}).get("median")
    ratios["ours_pure/ours_crypto"] = pure / crypto if pure and crypto \
        else None
    return {"id": row_id, "part": part, "title": title, "unit": unit,
            "better": better, "cells": cells, "ratios": ratios, "note": note}


def _fmt(value):
    if value is None:
        return "n/a"
    if value >= 100:
        return "{0:.0f}".format(value)
    if value >= 10:
        return "{0:.1f}".format(value)
    return "{0:.3g}".format(value)


def _cell(cell):
    if cell.get("median") is None:
        return "n/a"
    return "{0} [{1}-{2}]".format(_fmt(cell["median"]), _fmt(cell["p10"]),
                                  _fmt(cell["p90"]))


def _ratio(value):
    if value is None:
        return "n/a"
    return "{0:.3f}".format(value) if value < 10 else "{0:.0f}".format(value)


def format_table(rows):
    head = ("#", "benchmark", "unit", "baseline", IMPL_TITLES["ours_pure"],
            IMPL_TITLES["ours_crypto"], "pure/base", "crypto/base",
            "pure/crypto")
    lines = [head]
    for item in rows:
        lines.append((str(item["part"]), item["title"], item["unit"])
                     + tuple(_cell(item["cells"][name]) for name in IMPLS)
                     + tuple(_ratio(item["ratios"][key]) for key in (
                         "ours_pure/base", "ours_crypto/base",
                         "ours_pure/ours_crypto")))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(text.ljust(width) if i < 3 else
                             text.rjust(width)
                             for i, (text, width) in
                             enumerate(zip(line, widths))).rstrip())
        if index == 0:
            out.append("-" * len(out[0]))
    out.append("")
    out.append("cells: median [p10-p90]; baseline = stock tlslite-ng "
               "(parts 1-3), openssl s_server (parts 4-5)")
    for item in rows:
        if item["note"]:
            out.append("  {0}: {1}".format(item["id"], item["note"]))
    return "\n".join(out)


def evaluate_targets(rows):
    by_id = dict((item["id"], item) for item in rows)

    def ratio(row_id, key):
        return by_id[row_id]["ratios"][key]

    def verdict(values, test):
        known = [v for v in values.values() if v is not None]
        if not known:
            return None
        return all(test(v) for v in known)

    targets = {}
    # the handshakes where both servers do the same ticket work: as many
    # tickets sealed/opened, both with tlslite-ng's pure-Python AES-GCM
    equal = dict((row_id, ratio(row_id, "ours_pure/base")) for row_id in (
        "hs.tls12.full", "hs.tls13.full", "hs.tls12.use"))
    targets["a"] = {
        "goal": "callback layer overhead at equal crypto: server CPU per "
                "handshake, ours with the pure-Python AEAD / stock, <= 1.05 "
                "where both do the same ticket work (full handshakes, "
                "TLS 1.2 resumption without a new ticket)",
        "values": equal, "met": verdict(equal, lambda v: v <= 1.05)}
    resumed = {}
    for row_id in ("hs.tls13.use", "hs.tls13.use_renew"):
        for key in ("ours_crypto/base", "ours_pure/base"):
            resumed[row_id + " " + key] = ratio(row_id, key)
    targets["b"] = {"goal": "TLS 1.3 resumption server CPU ours/stock < 1",
                    "values": resumed, "met": verdict(resumed,
                                                      lambda v: v < 1)}
    flat = {}
    for name in ("base", "ours_pure", "ours_crypto"):
        one = by_id["reject.1"]["cells"][name].get("median")
        many = by_id["reject.1000"]["cells"][name].get("median")
        flat[name + " 1000/1"] = many / one if one and many else None
    ours_flat = dict((k, v) for k, v in flat.items()
                     if not k.startswith("base"))
    stock_growth = flat["base 1000/1"]
    met = verdict(ours_flat, lambda v: v <= 1.5)
    if met is not None and stock_growth is not None:
        met = met and stock_growth >= 100
    targets["c"] = {"goal": "key-name lookup flat from 1 to 1,000 keys "
                            "(ours 1000/1 <= 1.5) while stock grows "
                            "linearly (stock 1000/1 ~ 1000)",
                    "values": flat, "met": met}
    speed = dict((row_id, ratio(row_id, "ours_pure/ours_crypto"))
                 for row_id in ("seal", "open"))
    targets["d"] = {"goal": "cryptography ticket path >= 20x faster than "
                            "the pure-Python one",
                    "values": speed, "met": verdict(speed, lambda v: v >= 20)}
    return targets


def format_targets(targets):
    out = ["targets:"]
    for name in sorted(targets):
        target = targets[name]
        met = {True: "MET", False: "MISSED", None: "n/a"}[target["met"]]
        values = ", ".join("{0} {1}".format(k, _ratio(v))
                           for k, v in target["values"].items())
        out.append("  ({0}) {1}: {2}\n      {3}".format(
            name, met, target["goal"], values))
    return "\n".join(out)


def machine_info():
    import tlslite
    import tlslite_tickets
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import cryptography
        crypto_version = cryptography.__version__
    except ImportError:
        crypto_version = None
    openssl = subprocess.run(["openssl", "version"], capture_output=True,
                             text=True).stdout.strip()
    return {"cpu_model": cpu, "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            "tlslite_ng": getattr(tlslite, "__version__", "unknown"),
            "tlslite_tickets": tlslite_tickets.__version__,
            "aead_backend": tlslite_tickets.AEAD_BACKEND,
            "cryptography": crypto_version,
            "python_ssl": ssl.OPENSSL_VERSION, "openssl_cli": openssl,
            "load_average_at_start": _load_average(),
            "date": datetime.datetime.now(datetime.timezone.utc)
            .replace(microsecond=0).isoformat()}


def _load_average():
    """1/5/15-minute load averages: other work on the machine skews the
    wall-clock rates of parts 4-5 (thread CPU time, parts 1-3, less so)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def plot(rows, path):
    """A PNG bar chart; returns False when matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    colors = {"base": "#888888", "ours_pure": "#e08a2c",
              "ours_crypto": "#2c7be0"}
    panels = [
        ("1. ticket seal / open (us, log)", [1], True, IMPLS),
        ("2. server CPU per handshake (ms)", [2], False, IMPLS),
        ("3. reject unknown key name (us, log)", [3], True, IMPLS),
        ("4/5. resumed TLS 1.3 handshakes/s", [4], False, IMPLS),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(15, 9.5))
    for ax, (title, parts, log, names) in zip(axes.flat, panels):
        items = [item for item in rows if item["part"] in parts]
        names = [name for name in names
                 if any(item["cells"][name].get("median") is not None
                        for item in items)]
        width = 0.8 / len(names)
        for offset, name in enumerate(names):
            xs, heights, lows, highs = [], [], [], []
            for x, item in enumerate(items):
                cell = item["cells"][name]
                if cell.get("median") is None:
                    continue
                xs.append(x + (offset - (len(names) - 1) / 2.0) * width)
                heights.append(cell["median"])
                lows.append(cell["median"] - cell["p10"])
                highs.append(cell["p90"] - cell["median"])
            label = IMPL_TITLES[name]
            if name == "base":
                label = "openssl s_server" if 4 in parts else \
                    "stock tlslite-ng"
            ax.bar(xs, heights, width, yerr=[lows, highs], capsize=2,
                   color=colors[name], label=label)
        ax.set_xticks(range(len(items)))
        ax.set_xticklabels([_label(item) for item in items], fontsize=8,
                           rotation=20 if 2 in parts else 0, ha="right"
                           if 2 in parts else "center")
        if log:
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("tlslite-tickets vs stock tlslite-ng vs openssl s_server "
                 "(median, bars p10-p90)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def _label(item):
    parts = item["id"].split(".")
    if parts[0] == "hs":
        return "TLS {0}.{1} {2}".format(parts[1][3], parts[1][4],
                                        parts[2].replace("_", "-"))
    if parts[0] == "reject":
        return "{0} key{1}".format(parts[1], "s" if parts[1] != "1" else "")
    if parts[0] == "rate":
        return "{0} client(s)".format(parts[1][1:])
    return item["id"]


# -- main ---------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true",
                        help="a few iterations of every row (for tests)")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench-results"),
                        help="directory for bench.json and bench.png")
    parser.add_argument("--no-png", action="store_true",
                        help="do not draw the chart")
    parser.add_argument("--serve", nargs=2, metavar=("CERT", "KEY"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(*args.serve)
    if shutil.which("openssl") is None:
        parser.error("the openssl command line tool is needed")
    sys.path.insert(0, ROOT)
    profile_name = "smoke" if args.smoke else "full"
    profile = PROFILES[profile_name]
    began = time.monotonic()
    info = machine_info()  # imports the package: fails early if broken
    print("tlslite-tickets benchmark ({0}): {1}, {2} cores, Python {3}, "
          "tlslite-ng {4}, AEAD {5}".format(
              profile_name, info["cpu_model"], info["cores"], info["python"],
              info["tlslite_ng"], info["aead_backend"]), flush=True)
    workdir = tempfile.mkdtemp(prefix="tlslite-tickets-bench-")
    try:
        cert, key = make_certificate(workdir)
        credentials = load_credentials(cert, key)
        steps = []
        print("1/4 ticket seal and open ...", flush=True)
        step = time.monotonic()
        rows, ticket_lens = bench_crypto(profile)
        steps.append(("crypto", time.monotonic() - step))
        print("2/4 server CPU per handshake ...", flush=True)
        step = time.monotonic()
        rows += bench_handshakes(profile, credentials)
        steps.append(("handshakes", time.monotonic() - step))
        print("3/4 unknown key names ...", flush=True)
        step = time.monotonic()
        rows += bench_reject(profile, ticket_lens)
        steps.append(("reject", time.monotonic() - step))
        print("4/4 resumptions per second (ours, then openssl s_server) ...",
              flush=True)
        step = time.monotonic()
        rate_rows, servers = bench_rates(profile, cert, key)
        rows += rate_rows
        steps.append(("rates", time.monotonic() - step))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    targets = evaluate_targets(rows)
    info["load_average_at_end"] = _load_average()
    elapsed = time.monotonic() - began
    print()
    print(format_table(rows))
    print()
    print(format_targets(targets))
    os.makedirs(args.out, exist_ok=True)
    json_path = os.path.join(args.out, "bench.json")
    png_path = os.path.join(args.out, "bench.png")
    result = {
        "profile": profile_name, "machine": info, "settings": {
            "profile": profile, "cipher_suites": [
                "TLS_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"],
            "certificate": "ECDSA P-256, self-signed (openssl req)",
            "client": "Python ssl ({0})".format(ssl.OPENSSL_VERSION),
            "cpu_clock": "time.thread_time (parts 1-3)",
            "rate_version": "TLS " + RATE_VERSION,
            "key_counts": list(KEY_COUNTS),
            "concurrency": list(CONCURRENCY)},
        "servers": servers, "ticket_lengths": ticket_lens,
        "implementations": {
            "base": "stock tlslite-ng (parts 1-3), openssl s_server "
                    "(parts 4-5)",
            "ours_pure": "tlslite_tickets, _ticket._AESGCM = None",
            "ours_crypto": "tlslite_tickets, cryptography AESGCM"},
        "rows": rows, "targets": targets,
        "step_seconds": dict(steps), "elapsed_seconds": round(elapsed, 1)}
    with open(json_path, "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
        handle.write("\n")
    drawn = not args.no_png and plot(rows, png_path)
    print()
    print("wrote {0}{1}".format(json_path, " and " + png_path if drawn else
                                " (no PNG: matplotlib not installed)"
                                if not args.no_png else ""))
    print("run time {0:.0f} s ({1})".format(elapsed, ", ".join(
        "{0} {1:.0f} s".format(name, secs) for name, secs in steps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
