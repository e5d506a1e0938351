"""What every part of the benchmark shares: constants and profiles,
statistics, timed batches, the Python ``ssl`` client, the switch between
our two AEAD backends, and the row every part reports.

Only the standard library is imported at module level (see
``benchmarks/__init__.py``).
"""

import os
import socket
import ssl
import time

#: scripts/, where bench.py (the driver) lives, and the repository root
SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(SCRIPTS)
BENCH_SCRIPT = os.path.join(SCRIPTS, "bench.py")
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
        "hostile_blocks": 6,     # part 6: interleaved blocks per hello ...
        "hostile_per_block": 3,  # ... of this many hellos per server
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
        "hostile_blocks": 1,
        "hostile_per_block": 1,
    },
}

KEY_COUNTS = (1, 10, 100, 1000)
CONCURRENCY = (1, 2, 8)
RATE_VERSION = "1.3"

#: The implementations, in table order; ``base`` is stock tlslite-ng for
#: parts 1-3 and 6, openssl s_server for parts 4-5.
IMPLS = ("base", "ours_pure", "ours_crypto")
IMPL_TITLES = {"base": "baseline", "ours_pure": "ours, pure-Python AEAD",
               "ours_crypto": "ours, cryptography AEAD"}


# -- statistics ---------------------------------------------------------------

def percentile(ordered, fraction):
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
    result = {"median": percentile(ordered, 0.5),
              "p10": percentile(ordered, 0.1),
              "p90": percentile(ordered, 0.9), "n": len(ordered)}
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


class TicketCounter:
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


# -- switching our AEAD backend (parts 1-3) -----------------------------------

class PureAEAD:
    """Force our pure-Python AEAD path for the duration of a ``with``."""

    def __enter__(self):
        from tlslite_tickets import _aead
        self._saved = _aead._AESGCM
        _aead._AESGCM = None
        return self

    def __exit__(self, *exc):
        from tlslite_tickets import _aead
        _aead._AESGCM = self._saved


class NoSwitch:
    """Leave the AEAD backend as installed (the ``PureAEAD`` stand-in)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def has_cryptography():
    """Whether our ticket AEAD runs on ``cryptography`` here."""
    from tlslite_tickets import _aead
    return _aead._AESGCM is not None


NO_CRYPTOGRAPHY = "cryptography not installed"


# -- one row of the table -----------------------------------------------------

def row(row_id, part, title, unit, better, cells, note=""):
    """A table row: ``cells`` by implementation, and the ratios of their
    medians that the table and the targets use."""
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
