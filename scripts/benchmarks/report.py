"""The results: the table on stdout, the targets, machine information and
``bench.json``.
"""

import datetime
import json
import os
import platform
import ssl
import subprocess

from .common import CONCURRENCY, IMPL_TITLES, IMPLS, KEY_COUNTS, RATE_VERSION


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
               "(parts 1-3, 6), openssl s_server (parts 4-5)")
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
    hostile = {}
    for row_id in ("hostile.flood", "hostile.keyname", "hostile.big"):
        for key in ("ours_pure/base", "ours_crypto/base"):
            hostile[row_id + " " + key] = ratio(row_id, key)
    targets["e"] = {"goal": "hostile ClientHellos (part 6): server CPU per "
                            "hello ours/stock <= 2",
                    "values": hostile, "met": verdict(hostile,
                                                      lambda v: v <= 2)}
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
            "load_average_at_start": load_average(),
            "date": datetime.datetime.now(datetime.timezone.utc)
            .replace(microsecond=0).isoformat()}


def load_average():
    """1/5/15-minute load averages: other work on the machine skews the
    wall-clock rates of parts 4-5 (thread CPU time, parts 1-3, less so)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def write_json(path, profile_name, profile, info, servers, ticket_lens, rows,
               targets, steps, elapsed, redis_trips=None):
    """``bench.json``: everything measured, and how."""
    result = {
        "profile": profile_name, "machine": info, "settings": {
            "profile": profile, "cipher_suites": [
                "TLS_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"],
            "certificate": "ECDSA P-256, self-signed (openssl req)",
            "client": "Python ssl ({0})".format(ssl.OPENSSL_VERSION),
            "cpu_clock": "time.thread_time (parts 1-3, 6)",
            "rate_version": "TLS " + RATE_VERSION,
            "key_counts": list(KEY_COUNTS),
            "concurrency": list(CONCURRENCY)},
        "servers": servers, "ticket_lengths": ticket_lens,
        "implementations": {
            "base": "stock tlslite-ng (parts 1-3, 6), openssl s_server "
                    "(parts 4-5)",
            "ours_pure": "tlslite_tickets, _aead._AESGCM = None",
            "ours_crypto": "tlslite_tickets, cryptography AESGCM"},
        "rows": rows, "targets": targets,
        "step_seconds": dict(steps), "elapsed_seconds": round(elapsed, 1),
        "redis_round_trips": redis_trips}
    with open(path, "w") as handle:
        json.dump(result, handle, indent=1, sort_keys=True)
        handle.write("\n")
