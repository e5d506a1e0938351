"""Part 6: Redis round trips per handshake, with the Redis stores.

A ``TicketTLSConnection`` server in a thread with a ``RedisSessionCache``
(and, in the second run, a ``RedisSingleUseStore``) against a
``redis-server`` started here on 127.0.0.1 (no persistence, a temporary
directory). Each handshake kind is run a few times; Redis's own command
counters (``INFO commandstats``, reset with ``CONFIG RESETSTAT``) give the
commands per handshake. The stores send one command at a time, never a
pipeline, so commands are round trips. Commands that only set up a new
connection (``HELLO``, ``CLIENT SETINFO``, ``AUTH``, ``SELECT``) and the
counter queries themselves are left out.

The target: no round trip for a TLS 1.3 handshake without single-use
tickets (tlslite-ng's lookup of TLS 1.3's random session ID in the session
cache is skipped), one (the ``SET NX``) for a TLS 1.3 resumption with them.
"""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time

from .common import HOST, TIMEOUT, client_context, py_connect

#: (kind, protocol version, resume?, session IDs only?)
KINDS = [("tls13.full", "1.3", False, False),
         ("tls13.resumed", "1.3", True, False),
         ("tls12.full", "1.2", False, False),
         ("tls12.resumed_ticket", "1.2", True, False),
         ("tls12.full_session_id", "1.2", False, True),
         ("tls12.resumed_session_id", "1.2", True, True)]
_NOT_ROUND_TRIPS = ("info", "config|resetstat", "hello", "client|setinfo",
                    "auth", "select")
_SETUP = {"smoke": 2, "full": 10}


class _RedisServer:
    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="tlslite-tickets-redis-")
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", HOST,
             "--save", "", "--appendonly", "no", "--dir", self.directory],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = "redis://{0}:{1}/0".format(HOST, self.port)
        import redis
        self.client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.close()
                    raise
                time.sleep(0.05)

    def calls(self):
        """Round trips since the last call."""
        stats = self.client.info("commandstats")
        self.client.config_resetstat()
        return sum(value["calls"] for name, value in stats.items()
                   if name[len("cmdstat_"):] not in _NOT_ROUND_TRIPS)

    def close(self):
        self.client.close()
        self.process.terminate()
        self.process.wait(TIMEOUT)
        shutil.rmtree(self.directory, ignore_errors=True)


class _CacheServer:
    """Serves ``count`` connections, one at a time, in a thread."""

    def __init__(self, settings, cache, credentials):
        from tlslite_tickets import TicketTLSConnection
        self.listener = socket.socket()
        self.listener.bind((HOST, 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.errors = []

        def serve():
            while True:
                try:
                    sock, _ = self.listener.accept()
                except OSError:
                    return
                sock.settimeout(TIMEOUT)
                conn = TicketTLSConnection(sock)
                try:
                    conn.handshakeServer(
                        certChain=credentials[0], privateKey=credentials[1],
                        settings=settings, sessionCache=cache)
                    conn.read(max=1024)
                    conn.write(b"pong\n")
                    conn.close()
                except Exception as exc:  # reported with the results
                    self.errors.append("{0}: {1}".format(
                        type(exc).__name__, exc))
                finally:
                    sock.close()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()

    def close(self):
        self.listener.close()
        self.thread.join(TIMEOUT)


def _measure(redis_server, credentials, single_use, repeat):
    import tlslite_tickets as tt
    settings = tt.TicketHandshakeSettings()
    settings.cipherNames = ["aes128gcm"]
    settings.ticket_seed = os.urandom(32)
    if single_use:
        settings.ticket_single_use = tt.RedisSingleUseStore(redis_server.url)
    cache = tt.RedisSessionCache(redis_server.url, os.urandom(32))
    server = _CacheServer(settings, cache, credentials)
    results = {}
    try:
        for kind, version, resume, ids_only in KINDS:
            ctx = client_context(version)
            if ids_only:
                ctx.options |= ssl.OP_NO_TICKET
            _, session = py_connect(ctx, server.port, None)  # to resume
            redis_server.calls()
            counts = []
            for _ in range(repeat):
                resumed, newer = py_connect(ctx, server.port,
                                            session if resume else None)
                if bool(resumed) != resume:
                    raise RuntimeError("{0}: resumed={1}".format(kind,
                                                                 resumed))
                if resume:  # single-use: each ticket resumes once
                    session = newer
                counts.append(redis_server.calls())
            results[kind] = {"min": min(counts), "max": max(counts),
                             "mean": sum(counts) / len(counts)}
    finally:
        server.close()
    if server.errors:
        raise RuntimeError("server: {0}".format(server.errors[:3]))
    return results


def bench_redis_trips(profile_name, credentials):
    """``{"single_use_off": {kind: counts}, "single_use_on": ..., "target":
    ...}``, or ``{"na": reason}`` without redis-server or redis-py."""
    if shutil.which("redis-server") is None:
        return {"na": "redis-server is not installed"}
    try:
        import redis  # noqa: F401
    except ImportError:
        return {"na": "redis-py is not installed in this venv"}
    redis_server = _RedisServer()
    try:
        repeat = _SETUP[profile_name]
        result = {"repeat": repeat,
                  "single_use_off": _measure(redis_server, credentials,
                                             False, repeat),
                  "single_use_on": _measure(redis_server, credentials,
                                            True, repeat)}
    finally:
        redis_server.close()
    off = result["single_use_off"]
    on = result["single_use_on"]
    result["target"] = {
        "goal": "Redis round trips: 0 for every TLS 1.3 handshake without "
                "single-use, 1 for a TLS 1.3 resumption with it",
        "met": (off["tls13.full"]["max"] == off["tls13.resumed"]["max"] == 0
                and on["tls13.full"]["max"] == 0 and
                on["tls13.resumed"]["min"] == on["tls13.resumed"]["max"] == 1)}
    return result


def format_trips(result):
    """The round trips as a small table, and the target."""
    if "na" in result:
        return "Redis round trips per handshake: n/a ({0})".format(
            result["na"])
    lines = ["Redis round trips per handshake (mean of {0}):".format(
        result["repeat"]),
        "  {0:<26}{1:>16}{2:>16}".format("handshake", "single-use off",
                                          "single-use on")]
    for kind, _, _, _ in KINDS:
        lines.append("  {0:<26}{1:>16g}{2:>16g}".format(
            kind, result["single_use_off"][kind]["mean"],
            result["single_use_on"][kind]["mean"]))
    lines.append("  target: {0}: {1}".format(
        "MET" if result["target"]["met"] else "MISSED",
        result["target"]["goal"]))
    return "\n".join(lines)
