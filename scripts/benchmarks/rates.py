"""Parts 4 and 5: resumed TLS 1.3 handshakes per second.

4. against ``python -m tlslite_tickets server`` (a process of its own, a
   thread per connection) from 1, 2 and 8 client processes, and
5. the same client loop against ``openssl s_server``: the C ceiling.

The client processes come from a ``spawn`` pool and run ``rate_worker``:
they import this package, which needs only the standard library.
"""

import multiprocessing
import os
import ssl
import time

from .common import (CONCURRENCY, HOST, IMPLS, RATE_VERSION, ROOT,
                     client_context, has_cryptography, na, py_connect, row,
                     summarize)
from .processes import Process, ours_server_command, process_cpu


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
    from tlslite_tickets.cli.loopback import free_port  # see __init__.py
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
