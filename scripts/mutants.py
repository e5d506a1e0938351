"""Mutation testing of the core modules (``make mutants``).

mutmut 2 changes one thing in a module at a time (an operator, a constant,
a keyword...) and runs that module's tests; a mutant the tests do not
notice "survives". Every survivor must be killed by a test or explained in
``unit_tests/mutants-equivalent.txt`` (a mutant that cannot change
behaviour, e.g. a change to a log message nobody may rely on).

mutmut rewrites the files it mutates, so it works on a copy of the package
and tests in ``build/mutants/`` (the tests import that copy through
PYTHONPATH): the working tree is never touched, and its results cache
(``build/mutants/.mutmut-cache``) survives between runs, so a second run
only retests what changed.

    python scripts/mutants.py [MODULE ...]     run, then report
    python scripts/mutants.py --report         report only

Never run ``mutmut show`` (or another mutmut command) in build/mutants while
a run is going: it re-reads the file being mutated and corrupts the cache.
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
WORK = os.path.join(ROOT, "build", "mutants")
EQUIVALENT = os.path.join(ROOT, "unit_tests", "mutants-equivalent.txt")

#: module -> the tests that exercise it, the quickest killers first
#: (pytest stops at the first failure, so order is speed).
TESTS = {
    "_single_use": ["test_single_use.py", "test_claims.py"],
    "_keys": ["test_keys.py", "test_rotation.py", "test_ticket_crypto.py",
              "test_secrets.py", "test_key_handshakes.py"],
    "_policy": ["test_policy.py", "test_tables.py"],
    "_rotation": ["test_rotation.py", "test_key_handshakes.py"],
    "_keyfile": ["test_keyfile.py", "test_key_handshakes.py"],
    "_ticket": ["test_ticket_format.py", "test_ticket_crypto.py",
                "test_claims.py"],
    "_hooks": ["test_claims.py", "test_resumption_checks.py",
               "test_hooks.py", "test_tables.py", "test_key_cb.py",
               "test_appdata.py", "test_matrix.py", "test_trace.py",
               "test_faulty_callbacks.py"],
    "_handshake": ["test_claims.py", "test_resumption_checks.py",
                   "test_tables.py", "test_key_cb.py", "test_single_use.py",
                   "test_appdata.py", "test_matrix.py",
                   "test_key_handshakes.py", "test_trace.py",
                   "test_faulty_callbacks.py"],
}
#: small modules first, so a run cut short has finished whole modules
ORDER = ["_single_use", "_keys", "_policy", "_ticket", "_rotation",
         "_keyfile", "_hooks", "_handshake"]


def copy_tree():
    """Refresh the copy of the package and tests; keep mutmut's cache."""
    os.makedirs(WORK, exist_ok=True)
    for name in ("tlslite_tickets", "unit_tests", "scripts"):
        target = os.path.join(WORK, name)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, name), target, ignore=
                        shutil.ignore_patterns("__pycache__", ".hypothesis",
                                               ".pytest_cache"))


def run_module(module):
    tests = " ".join("unit_tests/" + name for name in TESTS[module])
    # through run_tests(): mutmut 2 counts only exit status 1 as a kill
    runner = "{0} {1} --pytest -x -q -p no:cacheprovider {2}".format(
        sys.executable, os.path.abspath(__file__), tests)
    env = dict(os.environ, PYTHONPATH=WORK, TLSLITE_TICKETS_REQUIRE_TOOLS="")
    mutmut = os.path.join(os.path.dirname(sys.executable), "mutmut")
    print("== mutmut: tlslite_tickets/{0}.py ({1})".format(
        module, ", ".join(TESTS[module])), flush=True)
    # exit status 2/4/8 only says some mutants survived or timed out
    subprocess.call([mutmut, "run", "--paths-to-mutate",
                     "tlslite_tickets/{0}.py".format(module),
                     "--tests-dir", "unit_tests", "--runner", runner,
                     "--no-progress", "--simple-output"], cwd=WORK, env=env)


def run_tests(pytest_args):
    """Run pytest; exit 1 for any failure. mutmut 2 treats every status but
    1 as "tests passed", so a mutant that breaks the import (pytest: 2)
    or leaves no test to run (5) would otherwise count as a survivor."""
    import pytest
    return 1 if pytest.main(pytest_args) != 0 else 0


def load_equivalent():
    """``module :: index :: source line :: reason`` entries."""
    found = {}
    if not os.path.exists(EQUIVALENT):
        return found
    with open(EQUIVALENT) as handle:
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            module, index, source, reason = [
                part.strip() for part in line.split(" :: ", 3)]
            found[(module, int(index), source)] = reason
    return found


def count_mutants(filename):
    """How many mutants mutmut makes of a module (for one never run)."""
    from mutmut import Context, list_mutations
    with open(os.path.join(ROOT, filename)) as handle:
        return len(list_mutations(Context(source=handle.read(),
                                          filename=filename)))


def mutant_diff(filename, line, number, index):
    """The changed line(s) of one mutant, rebuilt from the source the way
    mutmut makes it (never through mutmut's cache, see above)."""
    import difflib
    from mutmut import Context, RelativeMutationID, mutate
    with open(os.path.join(ROOT, filename)) as handle:
        source = handle.read()
    mutated, _ = mutate(Context(
        source=source, filename=filename,
        mutation_id=RelativeMutationID(line, index, number)))
    return [text.strip() for text in difflib.unified_diff(
        source.splitlines(), mutated.splitlines(), lineterm="", n=0)
        if text[:1] in "+-" and text[:3] not in ("---", "+++")]


def report(modules):
    """Counts per module from mutmut's cache; exit 1 on an unexplained
    survivor."""
    cache = os.path.join(WORK, ".mutmut-cache")
    if not os.path.exists(cache):
        print("no results yet: run make mutants")
        return 1
    equivalent = load_equivalent()
    used = set()
    db = sqlite3.connect(cache)
    rows = db.execute(
        "SELECT m.id, m.status, m.`index`, l.line, l.line_number, "
        "s.filename FROM Mutant m JOIN Line l ON m.line = l.id "
        "JOIN SourceFile s ON l.sourcefile = s.id ORDER BY m.id").fetchall()
    print("{0:<14}{1:>8}{2:>8}{3:>11}{4:>10}{5:>8}".format(
        "module", "mutants", "killed", "equivalent", "survived", "not run"))
    bad = []
    totals = [0] * 5
    for module in modules:
        filename = "tlslite_tickets/{0}.py".format(module)
        mine = [r for r in rows if r[5] == filename]
        counts = [len(mine) or count_mutants(filename), 0, 0, 0, 0]
        for ident, status, index, line, number, _ in mine:
            key = (module + ".py", index, line.strip())
            if status in ("ok_killed", "bad_timeout", "ok_suspicious"):
                counts[1] += 1  # a hang or a slowdown is noticed too
            elif status == "bad_survived" and key in equivalent:
                counts[2] += 1
                used.add(key)
            elif status == "bad_survived":
                counts[3] += 1
                bad.append("  {0}:{1} #{2}: {3}".format(
                    filename, number + 1, index, line.strip()))
                bad.extend("      " + text for text in
                           mutant_diff(filename, line, number, index))
            else:
                counts[4] += 1
        if not mine:
            counts[4] = counts[0]  # never run
        totals = [a + b for a, b in zip(totals, counts)]
        print("{0:<14}{1:>8}{2:>8}{3:>11}{4:>10}{5:>8}".format(
            module, *counts))
    print("{0:<14}{1:>8}{2:>8}{3:>11}{4:>10}{5:>8}".format("total", *totals))
    if bad:
        print("survivors to kill or explain in unit_tests/"
              "mutants-equivalent.txt:")
        print("\n".join(bad))
    stale = [k for k in equivalent if k not in used and
             k[0][:-3] in modules]
    if stale:
        print("entries in mutants-equivalent.txt that match no survivor "
              "(killed now, or the line changed):")
        for module, index, line in stale:
            print("  {0} #{1}: {2}".format(module, index, line))
    return 1 if bad else 0


def main():
    if sys.argv[1:2] == ["--pytest"]:
        return run_tests(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=ORDER,
                        help="core modules, e.g. _keys (default: all)")
    parser.add_argument("--report", action="store_true",
                        help="only print the counts of the last runs")
    args = parser.parse_args()
    modules = [m if m.startswith("_") else "_" + m for m in args.modules]
    unknown = [m for m in modules if m not in TESTS]
    if unknown:
        parser.error("not a core module: " + ", ".join(unknown))
    if not args.report:
        for module in modules:
            copy_tree()  # each module gets the tests as they are now
            run_module(module)
    return report(modules)


if __name__ == "__main__":
    sys.exit(main())
