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

Each mutant runs only the tests that execute the line it changed. Before a
module's mutants, one run of its tests under coverage records, per line,
which tests executed it (coverage's dynamic contexts, switched per test;
coverage follows the server threads, and a switch applies to them too).
A mutant on a line inside a function then runs those tests alone, in their
usual order, stopping at the first failure; a mutant elsewhere (module or
class level, a signature's default: code that runs at import), or in a
function that also ran outside any test (called at import), runs all the
module's tests; a mutant on a line no test executes survives without a
run, and so shows up in the report. This lets no mutant live that the whole
list would kill: a test that never reaches the changed line runs exactly as
on the unchanged code, and passes. Coverage does not follow subprocesses
here, so the tests whose code under test runs in one (SUBPROCESS_TESTS)
join every selection of their module. It is what makes ``_handshake``
(about a minute a mutant with its whole list) finish in a sitting.

Never run ``mutmut show`` (or another mutmut command) in build/mutants while
a run is going: it re-reads the file being mutated and corrupts the cache.
"""

import argparse
import ast
import json
import os
import shutil
import sqlite3
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir))
#: MUTANTS_WORK=build/mutants-2 gives a second run a copy and cache of its
#: own, so that two modules can be tested at once (one per core)
WORK = os.path.abspath(os.environ.get("MUTANTS_WORK") or
                       os.path.join(ROOT, "build", "mutants"))
EQUIVALENT = os.path.join(ROOT, "unit_tests", "mutants-equivalent.txt")
#: the module as it was before mutmut touched it, and which tests ran each
#: of its lines (written by collect_lines)
PRISTINE = os.path.join(WORK, "pristine", "{0}.py")
LINES = os.path.join(WORK, "pristine", "{0}.tests.json")
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider"]

#: module -> the tests that exercise it, the quickest killers first
#: (pytest stops at the first failure, so order is speed).
TESTS = {
    "_single_use": ["test_single_use.py", "test_claims.py",
                    "test_protocols.py", "test_redis.py"],
    "_keys": ["test_keys.py", "test_rotation.py", "test_ticket_crypto.py",
              "test_secrets.py", "test_protocols.py",
              "test_key_handshakes.py"],
    "_policy": ["test_policy.py", "test_tables.py", "test_tls12_switches.py",
                "test_resumption_checks.py"],
    "_rotation": ["test_rotation.py", "test_key_handshakes.py"],
    "_keyfile": ["test_keyfile.py", "test_openssl_ticket.py",
                 "test_key_handshakes.py"],
    "_ticket": ["test_ticket_format.py", "test_ticket_crypto.py",
                "test_claims.py", "test_fuzz.py"],
    "_hooks": ["test_claims.py", "test_resumption_checks.py",
               "test_hooks.py", "test_tables.py", "test_key_cb.py",
               "test_appdata.py", "test_stock_connection.py",
               "test_passthrough.py", "test_settings_copies.py",
               "test_hello_retry.py", "test_embedding.py", "test_threads.py",
               "test_matrix.py", "test_trace.py", "test_faulty_callbacks.py",
               "test_tls12_switches.py"],
    "_handshake": ["test_claims.py", "test_resumption_checks.py",
                   "test_tables.py", "test_key_cb.py", "test_single_use.py",
                   "test_appdata.py", "test_hello_retry.py",
                   "test_tls12_switches.py", "test_psk_flood.py",
                   "test_hostile.py", "test_multi_psk.py", "test_matrix.py",
                   "test_key_handshakes.py", "test_trace.py",
                   "test_faulty_callbacks.py", "test_stock_connection.py",
                   "test_openssl_ticket.py"],
}
#: tests whose code under test runs in a subprocess, which coverage does
#: not follow here: they join every selection for the module
SUBPROCESS_TESTS = {
    "_hooks": ["test_passthrough.py::"
               "test_stock_scenarios_are_byte_for_byte_the_same",
               "test_hooks.py::"
               "test_a_name_tlslite_ng_already_uses_stops_the_installation"],
}
#: small modules first, so a run cut short has finished whole modules
ORDER = ["_single_use", "_keys", "_policy", "_ticket", "_rotation",
         "_keyfile", "_hooks", "_handshake"]


def copy_tree():
    """Refresh the copy of the package and tests; keep mutmut's cache."""
    os.makedirs(WORK, exist_ok=True)
    # docs too: test_embedding runs the examples of docs/embedding.rst
    for name in ("tlslite_tickets", "unit_tests", "scripts", "docs"):
        target = os.path.join(WORK, name)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(os.path.join(ROOT, name), target, ignore=
                        shutil.ignore_patterns("__pycache__", ".hypothesis",
                                               ".pytest_cache"))
    shutil.rmtree(os.path.dirname(PRISTINE), ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "tlslite_tickets"),
                    os.path.dirname(PRISTINE),
                    ignore=shutil.ignore_patterns("__pycache__", "cli"))


def module_tests(module):
    return ["unit_tests/" + name for name in TESTS[module]]


class _TestContexts:
    """pytest plugin: tell coverage which test (setup, call, teardown
    alike) is running, naming it the way the command line names it."""

    def __init__(self, coverage):
        self.coverage = coverage
        self.order = []

    def _switch(self, item):
        nodeid = "::".join([os.path.relpath(str(item.fspath))] +
                           item.nodeid.split("::")[1:])
        if not self.order or self.order[-1] != nodeid:
            self.order.append(nodeid)
        self.coverage.switch_context(nodeid)

    def pytest_runtest_setup(self, item):
        self._switch(item)

    def pytest_runtest_call(self, item):
        self._switch(item)

    def pytest_runtest_teardown(self, item):
        self._switch(item)


def collect_lines(module):
    """Run the module's tests once under coverage (in build/mutants, with
    the pristine module) and write, per line, the tests that executed it."""
    import coverage
    import pytest
    filename = os.path.join(WORK, "tlslite_tickets", module + ".py")
    data_file = os.path.join(WORK, ".coverage-" + module)
    cov = coverage.Coverage(data_file=data_file, include=[filename])
    plugin = _TestContexts(cov)
    cov.start()
    try:
        status = pytest.main(PYTEST_ARGS + module_tests(module),
                             plugins=[plugin])
    finally:
        cov.stop()
    if status != 0:
        print("the tests fail on the unchanged code: fix them first")
        return 1
    cov.save()
    by_line = cov.get_data().contexts_by_lineno(filename)
    known = set(plugin.order)
    # "" is code run outside any test (imports at collection): a function
    # called at import time gets "*", all of the module's tests
    lines = {str(line): [c for c in contexts if c in known] +
             (["*"] if "" in contexts else [])
             for line, contexts in by_line.items()}
    with open(LINES.format(module), "w") as handle:
        json.dump({"order": plugin.order, "lines": lines}, handle)
    return 0


def read_source(source):
    """The lines inside function bodies (they run only when the function
    is called, never at import), and where the innermost statement that
    holds each line starts (coverage may see a statement that spans lines
    only on its first)."""
    tree = ast.parse(source)
    inside, starts = set(), {}
    statements = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(range(node.body[0].lineno, node.end_lineno + 1))
        if isinstance(node, ast.stmt):
            statements.append(node)
    # the widest first, so that a statement inside another wins its lines
    statements.sort(key=lambda node: node.lineno - node.end_lineno)
    for node in statements:
        for line in range(node.lineno, node.end_lineno + 1):
            starts[line] = node.lineno
    return inside, starts


def select_tests(module):
    """The tests to run for the mutant now in build/mutants (see the
    module's docstring); only the module's SUBPROCESS_TESTS (often none)
    when no test executed its line."""
    everything = module_tests(module)
    with open(PRISTINE.format(module)) as handle:
        pristine = handle.read()
    with open(os.path.join(WORK, "tlslite_tickets", module + ".py")) as handle:
        mutated = handle.read()
    before, after = pristine.splitlines(), mutated.splitlines()
    if before == after or len(before) != len(after):
        return everything  # mutmut's baseline run, or lines moved
    changed = [n + 1 for n, (a, b) in enumerate(zip(before, after)) if a != b]
    inside, starts = read_source(pristine)
    if not set(changed) <= inside:
        return everything
    with open(LINES.format(module)) as handle:
        recorded = json.load(handle)
    selected = set()
    for line in changed:
        for executed in (line, starts.get(line, line)):
            selected.update(recorded["lines"].get(str(executed), ()))
    if "*" in selected:
        return everything
    return [nodeid for nodeid in recorded["order"] if nodeid in selected] + \
        ["unit_tests/" + name for name in SUBPROCESS_TESTS.get(module, ())]


def forget_survivors(module):
    """Make mutmut test the module's survivors and timeouts again, against
    a baseline time of this module's own tests.

    mutmut's cache keeps a survivor while the files under unit_tests/ are
    unchanged, but a longer test list in TESTS, or a change to this
    script, may kill it now. It also keeps one baseline time for all
    modules, and a mutant whose tests run longer than ten times that
    counts as a timeout: measured on a module with quick tests, it would
    cut short the tests of another. Killed mutants stay killed."""
    cache = os.path.join(WORK, ".mutmut-cache")
    if not os.path.exists(cache):
        return
    db = sqlite3.connect(cache)
    with db:
        db.execute(
            "UPDATE Mutant SET status = 'untested' WHERE status IN "
            "('bad_survived', 'bad_timeout') AND line IN (SELECT l.id FROM "
            "Line l JOIN SourceFile s ON l.sourcefile = s.id WHERE "
            "s.filename = ?)", ("tlslite_tickets/{0}.py".format(module),))
        db.execute("DELETE FROM MiscData WHERE key IN "
                   "('baseline_time_elapsed', 'hash_of_tests')")
    db.close()


def run_module(module):
    # through run_tests(): mutmut 2 counts only exit status 1 as a kill
    runner = "{0} {1} --run-tests {2}".format(
        sys.executable, os.path.abspath(__file__), module)
    # an absolute MUTANTS_WORK: the test runs start in WORK
    env = dict(os.environ, PYTHONPATH=WORK, MUTANTS_WORK=WORK,
               TLSLITE_TICKETS_REQUIRE_TOOLS="")
    mutmut = os.path.join(os.path.dirname(sys.executable), "mutmut")
    print("== mutmut: tlslite_tickets/{0}.py ({1})".format(
        module, ", ".join(TESTS[module])), flush=True)
    if subprocess.call([sys.executable, os.path.abspath(__file__),
                        "--collect", module], cwd=WORK, env=env):
        return
    forget_survivors(module)
    # exit status 2/4/8 only says some mutants survived or timed out
    subprocess.call([mutmut, "run", "--paths-to-mutate",
                     "tlslite_tickets/{0}.py".format(module),
                     "--tests-dir", "unit_tests", "--runner", runner,
                     "--no-progress", "--simple-output"], cwd=WORK, env=env)
    run_leftovers(module, env)


def run_leftovers(module, env):
    """Run the mutants mutmut left untested, one by one, the same way.

    mutmut 2 leaves some mutants of a line whose text occurs twice in the
    module (``self._lock = threading.Lock()`` in two classes) untested;
    they are applied here by their line number and judged by the same
    test selection, and their status written to mutmut's cache."""
    from mutmut import Context, RelativeMutationID, mutate
    filename = "tlslite_tickets/{0}.py".format(module)
    target = os.path.join(WORK, filename)
    with open(PRISTINE.format(module)) as handle:
        pristine = handle.read()
    db = sqlite3.connect(os.path.join(WORK, ".mutmut-cache"))
    rows = db.execute(
        "SELECT m.id, m.`index`, l.line, l.line_number FROM Mutant m JOIN "
        "Line l ON m.line = l.id JOIN SourceFile s ON l.sourcefile = s.id "
        "WHERE s.filename = ? AND m.status = 'untested'",
        (filename,)).fetchall()
    for ident, index, line, number in rows:
        mutated, _ = mutate(Context(
            source=pristine, filename=filename,
            mutation_id=RelativeMutationID(line, index, number)))
        if mutated == pristine:
            continue
        with open(target, "w") as handle:
            handle.write(mutated)
        try:
            code = subprocess.call(
                [sys.executable, os.path.abspath(__file__), "--run-tests",
                 module], cwd=WORK, env=env, timeout=900,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            status = "ok_killed" if code == 1 else "bad_survived"
        except subprocess.TimeoutExpired:
            status = "bad_timeout"
        finally:
            with open(target, "w") as handle:
                handle.write(pristine)
        print("  left untested by mutmut: {0}:{1} #{2}: {3}".format(
            filename, number + 1, index, status), flush=True)
        with db:
            db.execute("UPDATE Mutant SET status = ? WHERE id = ?",
                       (status, ident))
    db.close()


def run_tests(module):
    """mutmut's test command for one mutant: exit 1 for any failure.
    mutmut 2 treats every status but 1 as "tests passed", so a mutant
    that breaks the import (pytest: 2) would otherwise count as a
    survivor."""
    import pytest
    tests = select_tests(module)
    if not tests:
        return 0  # no test runs the changed line: the mutant lives
    return 1 if pytest.main(PYTEST_ARGS + tests) != 0 else 0


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
        with open(os.path.join(ROOT, filename)) as handle:
            current = handle.read().splitlines()
        # only mutants of lines as they are now: a line changed since its
        # run has other mutants, counted as not run until the next one
        mine = [r for r in rows if r[5] == filename and r[4] < len(current)
                and current[r[4]] == r[3]]
        counts = [count_mutants(filename), 0, 0, 0, 0]
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
        counts[4] = counts[0] - sum(counts[1:4])  # not run (yet)
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
    if sys.argv[1:2] == ["--run-tests"]:
        return run_tests(sys.argv[2])
    if sys.argv[1:2] == ["--collect"]:
        return collect_lines(sys.argv[2])
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
