#!/usr/bin/env python3
"""Load test with key rotation: many clients resuming while keys rotate.

A threaded TicketTLSConnection server on 127.0.0.1 rotates its ticket keys
every --rotation seconds. Client processes (OpenSSL through Python's ssl)
each connect with their own SNI name and resume again and again, half in
TLS 1.2 and half in TLS 1.3. gen_cb stamps each new session with the
client's name; on every resumption the server and the client both check
that the appdata that came back is that client's, so a ticket that crossed
clients or lost its appdata shows up as "lost".

Bounded: --resumptions in total, and --max-seconds of wall clock.
"""

import argparse
import collections
import json
import multiprocessing
import socket
import ssl
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"


class Stats:
    """Server-side counts, updated by the connection threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.fallbacks = collections.Counter()

    def add(self, *names):
        with self.lock:
            for name in names:
                self.counts[name] += 1

    def fallback(self, reason):
        with self.lock:
            self.fallbacks[reason] += 1


def start_server(settings_fields, stats, credentials):
    """Serve in threads; return (port, stop)."""
    import tlslite_tickets as tt

    settings = tt.TicketHandshakeSettings()
    for name, value in settings_fields.items():
        setattr(settings, name, value)
    seen = threading.local()

    def gen_cb(conn, arg):
        session = tt.SSL_get_session(conn)
        if tt.get_appdata(session) is None:
            tt.set_appdata(session, b"owner=" + session.serverName.encode())
        return 1

    def dec_cb(conn, session, keyname, status, arg):
        seen.status = tt.TicketStatus(status)
        if status == tt.SSL_TICKET_SUCCESS:
            return tt.SSL_TICKET_RETURN_USE
        if status == tt.SSL_TICKET_SUCCESS_RENEW:
            return tt.SSL_TICKET_RETURN_USE_RENEW
        return tt.SSL_TICKET_RETURN_IGNORE_RENEW

    tt.SSL_CTX_set_session_ticket_cb(settings, gen_cb, dec_cb)
    chain, key = credentials
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, 0))
    listener.listen(64)
    listener.settimeout(0.2)
    stop = threading.Event()

    def handle(sock):
        seen.status = None
        conn = tt.TicketTLSConnection(sock)
        try:
            sock.settimeout(10)
            conn.handshakeServer(certChain=chain, privateKey=key,
                                 settings=settings)
            name = conn.session.serverName
            appdata = tt.get_appdata(conn.session)
            resumed = bool(tt.SSL_session_reused(conn))
            if resumed:
                stats.add("resumed")
                if appdata != b"owner=" + name.encode():
                    stats.add("lost")
            elif seen.status in (None, tt.SSL_TICKET_EMPTY):
                stats.fallback("first connection: no ticket yet")
            elif seen.status == tt.SSL_TICKET_NO_DECRYPT:
                stats.fallback("ticket key past its decryption window")
            else:
                stats.fallback("other: status {0}".format(seen.status.name))
            conn.read(max=64)
            conn.write(b"resumed=%d appdata=%s" % (resumed, appdata or b""))
            conn.close()
            stats.add("completed")
        except Exception as exc:  # counted, and the server goes on
            stats.add("errors")
            stats.fallback("error: {0}".format(type(exc).__name__))
        finally:
            sock.close()

    def accept_loop():
        while not stop.is_set():
            try:
                sock, _ = listener.accept()
            except socket.timeout:
                continue
            stats.add("attempted")
            threading.Thread(target=handle, args=(sock,), daemon=True).start()
        listener.close()

    threading.Thread(target=accept_loop, daemon=True).start()
    return listener.getsockname()[1], stop


def client_main(port, index, count, deadline, results, pause_every, pause):
    """One client process: connect, then resume ``count - 1`` times,
    going idle for ``pause`` seconds every ``pause_every`` connections."""
    version = ssl.TLSVersion.TLSv1_2 if index % 2 else ssl.TLSVersion.TLSv1_3
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = version
    name = "client-{0}.localhost".format(index)
    session = None
    tally = collections.Counter()
    for number in range(1, count + 1):
        if time.time() > deadline:
            break
        if pause_every and number % pause_every == 0:
            # idle past the decryption window: the next offer must fail
            time.sleep(pause)
            tally["pauses"] += 1
        tally["attempted"] += 1
        try:
            with socket.create_connection((HOST, port), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname=name,
                                     session=session) as sock:
                    sock.sendall(name.encode())
                    reply = b""
                    while True:
                        chunk = sock.recv(256)
                        if not chunk:
                            break
                        reply += chunk
                    tally["resumed" if sock.session_reused else "full"] += 1
                    if sock.session_reused and \
                            reply.split(b"appdata=")[-1] != \
                            b"owner=" + name.encode():
                        tally["lost"] += 1
                    session = sock.session
        except (OSError, ssl.SSLError):
            tally["errors"] += 1
    results.put(dict(tally))


def run(clients, resumptions, rotation, window, max_seconds, pause_every=0,
        pause=None):
    """Run the soak; return the report as a dict."""
    import tlslite_tickets as tt
    from tlslite_tickets.cli.selfsigned import load_credentials, make_self_signed

    stats = Stats()
    with tempfile.TemporaryDirectory() as directory:
        credentials = load_credentials(*make_self_signed(directory))
        port, stop = start_server(
            {"ticket_rotation_period": rotation,
             "ticket_decrypt_window": window}, stats, credentials)
        start = time.time()
        deadline = start + max_seconds
        spawn = multiprocessing.get_context("spawn")
        results = spawn.Queue()
        per_client = -(-resumptions // clients) + 1  # + the first handshake
        procs = [spawn.Process(target=client_main,
                               args=(port, i, per_client, deadline, results,
                                     pause_every,
                                     pause or window + rotation + 0.5))
                 for i in range(clients)]
        for proc in procs:
            proc.start()
        tallies = [results.get(timeout=max_seconds + 60) for _ in procs]
        for proc in procs:
            proc.join()
        elapsed = time.time() - start
        time.sleep(0.2)  # let the last server threads count
        stop.set()
    client = collections.Counter()
    for tally in tallies:
        client.update(tally)
    return {
        "clients": clients, "rotation_period_s": rotation,
        "decrypt_window_s": window, "seconds": round(elapsed, 1),
        "aead": tt.AEAD_BACKEND,
        "server": dict(stats.counts), "fallbacks": dict(stats.fallbacks),
        "client": dict(client),
        "key_rotations": int(elapsed // rotation),
        "resumptions_per_second": round(stats.counts["resumed"] / elapsed, 1),
    }


def print_report(report):
    server, client = report["server"], report["client"]
    print("soak: {clients} clients, keys rotating every {rotation_period_s} s "
          "(decrypt window {decrypt_window_s} s), {seconds} s, about "
          "{key_rotations} rotations, AEAD: {aead}".format(**report))
    rows = [("connections attempted", server.get("attempted", 0),
             client.get("attempted", 0)),
            ("completed", server.get("completed", 0),
             client.get("resumed", 0) + client.get("full", 0)),
            ("resumed", server.get("resumed", 0), client.get("resumed", 0)),
            ("full-handshake fallbacks",
             sum(report["fallbacks"].values()) - server.get("errors", 0),
             client.get("full", 0)),
            ("errors", server.get("errors", 0), client.get("errors", 0)),
            ("appdata lost or crossed", server.get("lost", 0),
             client.get("lost", 0)),
            ("idle spells past the window", "", client.get("pauses", 0))]
    print("  {0:<28} {1:>8} {2:>8}".format("", "server", "clients"))
    for row in rows:
        print("  {0:<28} {1:>8} {2:>8}".format(*row))
    print("  fallbacks by reason:")
    for reason, count in sorted(report["fallbacks"].items()):
        print("    {0:>6}  {1}".format(count, reason))
    print("  resumptions per second: {0}".format(
        report["resumptions_per_second"]))


def problems(report):
    """What makes the run a failure: lost appdata, errors, odd fallbacks."""
    found = []
    if report["server"].get("lost") or report["client"].get("lost"):
        found.append("appdata lost")
    if report["server"].get("errors") or report["client"].get("errors"):
        found.append("errors")
    odd = [r for r in report["fallbacks"]
           if not r.startswith(("first connection", "ticket key past"))]
    if odd:
        found.append("unexpected fallbacks: " + ", ".join(odd))
    # every idle spell longer than the window costs exactly one fallback
    expired = report["fallbacks"].get("ticket key past its decryption window",
                                      0)
    if expired != report["client"].get("pauses", 0):
        found.append("{0} fallbacks past the window for {1} idle spells"
                     .format(expired, report["client"].get("pauses", 0)))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--resumptions", type=int, default=2000,
                        help="resumptions to attempt in total")
    parser.add_argument("--rotation", type=float, default=3.0,
                        help="key rotation period, seconds")
    parser.add_argument("--window", type=float, default=None,
                        help="decryption window, seconds (default: 2 "
                             "rotation periods)")
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--pause-every", type=int, default=0, metavar="N",
                        help="each client idles once every N connections, "
                             "longer than the decryption window")
    parser.add_argument("--pause", type=float, default=None,
                        help="idle seconds (default: window + period + 0.5)")
    parser.add_argument("--json", metavar="FILE", help="also write JSON here")
    args = parser.parse_args(argv)
    report = run(args.clients, args.resumptions, args.rotation,
                 args.window or 2 * args.rotation, args.max_seconds,
                 args.pause_every, args.pause)
    print_report(report)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
    found = problems(report)
    for problem in found:
        print("FAIL: " + problem)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
