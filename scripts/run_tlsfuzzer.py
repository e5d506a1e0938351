#!/usr/bin/env python3
"""Run tlsfuzzer's ticket/resumption scripts against tls.py and our server.

    run_tlsfuzzer.py /path/to/tlsfuzzer [--python PY] [--match REGEX]

tlsfuzzer is not part of this project: give the path of a checkout. Its
``tests/tlslite-ng.json`` says which server flags and script arguments its
own CI (``tests/scripts_retention.py``) uses; this driver takes the server
configurations with a script whose name matches ``--match``, starts each
twice with the same flags, once as tlslite-ng's ``tls.py server`` and once
as ``python tlslite_tickets/__main__.py server``, runs the matching scripts
against both, and prints a table of exit codes. A few extra rows run
scripts in ways the JSON does not, against our ticket policies.

Everything listens on and connects to 127.0.0.1 only: the JSON's
``localhost:PORT`` is rewritten to ``127.0.0.1:<free port>`` and every script
gets ``-h 127.0.0.1 -p <port>``. The interpreter (``--python``, by default
this one) needs tlslite-ng 0.9.0b2 and ecdsa, as tlsfuzzer does, and
``tls.py`` next to it unless ``--tls-py`` says where it is.
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUR_SERVER = os.path.join(REPO, "tlslite_tickets", "__main__.py")
DEFAULT_MATCH = r"ticket|resum|0rtt|session|psk"

# Rows the JSON does not have: (label, flags for both servers, flags for
# ours only, script, script arguments). The JSON runs
# test-session-ticket-resumption with --no-new-ticket-on-resumption because
# stock tlslite-ng never renews a TLS 1.2 ticket; with --ticket-policy
# use-renew ours does, so the script can check the renewal too (stock runs
# the same row as a reference, and is expected to fail it).
RENEGOTIATION_SKIPS = [
    "-x", "renegotiation with removal of session_ticket ext",
    "-X", "Alert(warning, no_renegotiation)",
    "-x", "session resumption with renegotiation",
    "-X", "Alert(warning, no_renegotiation)"]
EXTRA_ROWS = [
    ("use-renew: renewal expected", [], ["--ticket-policy", "use-renew"],
     "test-session-ticket-resumption.py", RENEGOTIATION_SKIPS),
    ("use: no renewal", [], ["--ticket-policy", "use"],
     "test-session-ticket-resumption.py",
     ["--no-new-ticket-on-resumption"] + RENEGOTIATION_SKIPS),
    ("use-renew", [], ["--ticket-policy", "use-renew"],
     "test-tls13-session-resumption.py", []),
    ("use-renew", [], ["--ticket-policy", "use-renew"],
     "test-tls13-0rtt-garbage.py", ["--cookie"]),
    ("--tickets 3", ["--tickets", "3"], [],
     "test-tls13-count-tickets.py", ["-t", "3"]),
]


def free_port():
    # tlslite_tickets.cli.loopback.free_port, written out again: this driver
    # uses only the standard library, so that any python3 can run it while
    # tlsfuzzer and both servers run under --python
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_till_listening(port, proc, timeout=30):
    """What scripts_retention.py waits for: a TCP connect that succeeds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection((HOST, port), timeout=5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class Server:
    """One server process (stock or ours) for one JSON configuration."""

    def __init__(self, command, cwd, env, log_path):
        self.port = free_port()
        # the JSON's last argument is HOST:PORT
        command = command[:-1] + ["{0}:{1}".format(HOST, self.port)]
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(command, cwd=cwd, env=env,
                                     stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.ready = wait_till_listening(self.port, self.proc)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM, as scripts_retention.py sends; return the exit code."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.log.close()
        return code


def run_script(opts, server, script, arguments, log_path):
    """Run one tlsfuzzer script; return a short result word."""
    if not server.ready or not server.alive():
        return "no-server"
    command = [opts.python, "-u", os.path.join("scripts", script),
               "-h", HOST, "-p", str(server.port)] + arguments
    env = dict(os.environ, PYTHONPATH=opts.tlsfuzzer)
    with open(log_path, "wb") as log:
        try:
            code = subprocess.run(command, cwd=opts.tlsfuzzer, env=env,
                                  stdout=log, stderr=subprocess.STDOUT,
                                  timeout=opts.timeout).returncode
        except subprocess.TimeoutExpired:
            return "timeout"
    if not server.alive():
        return "server-died"
    word = "pass" if code == 0 else "fail({0})".format(code)
    return word + conversation_counts(log_path)


def conversation_counts(log_path):
    """`` [ok/total]`` from a script's summary; ``+Nx`` counts XFAILs."""
    with open(log_path, "rb") as log:
        text = log.read().decode("utf-8", "replace")
    counts = dict((name, int(number)) for name, number in re.findall(
        r"^(TOTAL|PASS|XFAIL): (\d+)$", text, re.M))
    if "TOTAL" not in counts:
        return ""
    xfail = counts.get("XFAIL", 0)
    return " [{0}{1}/{2}]".format(counts.get("PASS", 0),
                                  "+{0}x".format(xfail) if xfail else "",
                                  counts["TOTAL"])


def without_address(arguments):
    """Drop the JSON's own -h/-p: ours go first, and getopt lets a later
    one win (the echo configuration, for one, passes -p 4434)."""
    kept, skip = [], False
    for arg in arguments:
        if skip:
            skip = False
        elif arg in ("-h", "-p"):
            skip = True
        else:
            kept.append(arg)
    return kept


def load_rows(opts):
    """[(server args, [(label, flags for both, flags for ours, script,
    script args, exp_pass)])], one entry per server configuration."""
    with open(os.path.join(opts.tlsfuzzer, "tests", opts.config)) as handle:
        config = json.load(handle)
    match = re.compile(opts.match)
    groups, first = [], None
    for entry in config:
        # ["{python}", "-u", "{command}", "server", ...flags..., HOST:PORT]
        server_args = entry["server_command"][3:]
        rows = [("", [], [], test["name"],
                 without_address(entry.get("common_arguments", []) +
                                 test.get("arguments", [])),
                 test.get("exp_pass", True))
                for test in entry["tests"] if match.search(test["name"])]
        rows = [row for row in rows
                if not any("{" in arg for arg in row[4])]  # {expected_size}
        if rows:
            groups.append((server_args, rows))
            first = first or entry
    if groups and not opts.no_extra:
        # the extra rows reuse the first configuration's flags and the
        # script arguments it gives every script (e.g. -n 0: all tests)
        common = without_address(first.get("common_arguments", []))
        groups.append((groups[0][0], [
            (label, both, ours, script, common + arguments, True)
            for label, both, ours, script, arguments in EXTRA_ROWS]))
    return groups


def run_group(opts, server_args, rows, index):
    """Run a group's rows against stock, then ours; return table lines."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([opts.tlsfuzzer,
                                                       REPO]))
    results = {}
    for side, program in (("stock", opts.tls_py), ("ours", OUR_SERVER)):
        for label, both, ours, script, arguments, exp_pass in rows:
            flags = both + (ours if side == "ours" else [])
            log = os.path.join(opts.log_dir, "{0}-{1}-{2}-{3}".format(
                index, side, len(results), script))
            # one server per row: a row's ticket policy must not leak into
            # the next, and a crash is charged to the row that caused it
            server = Server([opts.python, "-u", program] + server_args[:-1] +
                            flags + server_args[-1:], opts.tlsfuzzer, env,
                            log + ".server.log")
            try:
                result = run_script(opts, server, script, arguments,
                                    log + ".log")
            finally:  # never leave a server behind, even when interrupted
                code = server.stop()
            if code != 0 and side == "ours":
                result += " (exit {0})".format(code)
            results[side, label, script, tuple(arguments)] = result
    lines = []
    for label, both, ours, script, arguments, exp_pass in rows:
        key = (label, script, tuple(arguments))
        lines.append((script + (" [{0}]".format(label) if label else ""),
                      " ".join(server_args[:-1] + both + (
                          ["(ours: {0})".format(" ".join(ours))]
                          if ours else [])),
                      " ".join(arguments), "pass" if exp_pass else "fail",
                      results[("stock",) + key], results[("ours",) + key]))
    return lines


def print_table(lines):
    header = ("script", "expected", "stock tls.py", "ours")
    table = [header] + [(row[0], row[3], row[4], row[5]) for row in lines]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    for number, row in enumerate(table):
        print("  ".join(cell.ljust(width) for cell, width in
                        zip(row, widths)).rstrip())
        if number == 0:
            print("  ".join("-" * width for width in widths))
    print()
    for number, line in enumerate(lines, 1):
        print("{0:>2}. {1}\n    server: {2}\n    script args: {3}".format(
            number, line[0], line[1] or "-", line[2] or "-"))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tlsfuzzer", help="path of a tlsfuzzer checkout")
    parser.add_argument("--python", default=sys.executable, help="Python "
                        "with tlslite-ng 0.9.0b2 and ecdsa (default: this)")
    parser.add_argument("--tls-py", help="tlslite-ng's tls.py (default: "
                        "the one next to --python)")
    parser.add_argument("--config", default="tlslite-ng.json",
                        help="JSON file under tests/ (default %(default)s)")
    parser.add_argument("--match", default=DEFAULT_MATCH, help="regex for "
                        "the script names to run (default %(default)s)")
    parser.add_argument("--no-extra", action="store_true",
                        help="skip the rows that are not in the JSON")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds one script may take")
    parser.add_argument("--log-dir", default="/tmp/run_tlsfuzzer-logs",
                        help="where each server's and script's output goes")
    opts = parser.parse_args(argv)
    opts.tlsfuzzer = os.path.abspath(opts.tlsfuzzer)
    opts.tls_py = opts.tls_py or os.path.join(
        os.path.dirname(opts.python), "tls.py")
    for path in (os.path.join(opts.tlsfuzzer, "scripts"), opts.tls_py):
        if not os.path.exists(path):
            parser.error("{0} does not exist".format(path))
    os.makedirs(opts.log_dir, exist_ok=True)
    return opts


def main(argv=None):
    opts = parse_args(sys.argv[1:] if argv is None else argv)
    # SIGTERM unwinds like Ctrl-C, so the finally clauses stop the servers
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    lines = []
    for index, (server_args, rows) in enumerate(load_rows(opts)):
        lines.extend(run_group(opts, server_args, rows, index))
    print_table(lines)
    print("\nlogs: {0}".format(opts.log_dir))
    # the JSON rows must agree; the extra rows must pass for ours
    bad = [line for line in lines if _word(line[5]) != (
        "pass" if line[0].endswith("]") else _word(line[4]))]
    return 1 if bad else 0


def _word(result):
    """``pass``/``fail(1)``/... without the conversation counts."""
    return result.split(" ")[0]


if __name__ == "__main__":
    sys.exit(main())
