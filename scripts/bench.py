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
5. the same client loop against ``openssl s_server``: the C ceiling;
6. hostile ClientHellos of about 64 KiB stuffed with PSK identities:
   server CPU per hello, ours vs stock tlslite-ng;
7. Redis round trips per handshake kind with ``RedisSessionCache`` and,
   then, ``RedisSingleUseStore`` against a ``redis-server`` started for it
   (``benchmarks/redis_trips.py``; n/a without redis-server or redis-py).

Output: one table on stdout, ``bench.json`` (with machine information) and
``bench.png`` (only when matplotlib is importable) in ``--out``.

This file parses the arguments and runs the parts in order; the parts
themselves are in the ``benchmarks`` package next to it (one module per
concern, see ``benchmarks/__init__.py``). Only the standard library is
imported at module level, here and there: the client processes of parts 4
and 5 import them and need nothing else.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # the benchmarks package, from any directory
    sys.path.insert(0, HERE)

from benchmarks.chart import plot  # noqa: E402
from benchmarks.common import PROFILES, ROOT  # noqa: E402
from benchmarks.crypto import bench_crypto  # noqa: E402
from benchmarks.handshakes import bench_handshakes  # noqa: E402
from benchmarks.hostile import bench_hostile  # noqa: E402
from benchmarks.processes import serve  # noqa: E402
from benchmarks.rates import bench_rates  # noqa: E402
from benchmarks.redis_trips import bench_redis_trips, format_trips  # noqa
from benchmarks.reject import bench_reject  # noqa: E402
from benchmarks.report import (  # noqa: E402
    evaluate_targets, format_table, format_targets, load_average,
    machine_info, write_json)


#: progress steps of main(): parts 4 and 5 of the list above run as one
STEPS = 6


def run_part(steps, name, label, function, *args):
    """Print the progress line, run one part and note its seconds in
    ``steps`` (they go to bench.json and the last line)."""
    print("{0}/{1} {2} ...".format(len(steps) + 1, STEPS, label), flush=True)
    began = time.monotonic()
    result = function(*args)
    steps.append((name, time.monotonic() - began))
    return result


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
    from tlslite_tickets.cli.selfsigned import load_credentials, make_self_signed
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
        cert, key = make_self_signed(workdir)
        credentials = load_credentials(cert, key)
        steps = []
        rows, ticket_lens = run_part(steps, "crypto", "ticket seal and open",
                                     bench_crypto, profile)
        rows += run_part(steps, "handshakes", "server CPU per handshake",
                         bench_handshakes, profile, credentials)
        rows += run_part(steps, "reject", "unknown key names", bench_reject,
                         profile, ticket_lens)
        rate_rows, servers = run_part(
            steps, "rates", "resumptions per second (ours, then openssl "
            "s_server)", bench_rates, profile, cert, key)
        rows += rate_rows
        rows += run_part(steps, "hostile", "hostile ClientHellos",
                         bench_hostile, profile, credentials)
        redis_trips = run_part(steps, "redis", "Redis round trips per "
                               "handshake", bench_redis_trips, profile_name,
                               credentials)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    targets = evaluate_targets(rows)
    info["load_average_at_end"] = load_average()
    elapsed = time.monotonic() - began
    print()
    print(format_table(rows))
    print()
    print(format_targets(targets))
    print()
    print(format_trips(redis_trips))
    os.makedirs(args.out, exist_ok=True)
    json_path = os.path.join(args.out, "bench.json")
    png_path = os.path.join(args.out, "bench.png")
    write_json(json_path, profile_name, profile, info, servers, ticket_lens,
               rows, targets, steps, elapsed, redis_trips=redis_trips)
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
