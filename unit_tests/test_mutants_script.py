"""scripts/mutants.py (``make mutants``): which tests a mutant runs.

The selection must never leave out a test that could see the mutant: a
line in a function runs the tests that executed it, code that runs at
import runs them all, and a line no test reached runs none.
"""

import importlib.util
import json
import os

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      os.pardir, "scripts", "mutants.py")

SOURCE = '''\
import os

LIMIT = 3


def check(value,
          default=LIMIT):
    if value > default:
        return os.path.join("a",
                            "b")
    return None


def at_import():
    return 1


VALUE = at_import()
'''


@pytest.fixture
def mutants(tmp_path, monkeypatch):
    monkeypatch.setenv("MUTANTS_WORK", str(tmp_path))
    spec = importlib.util.spec_from_file_location("mutants_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "pristine").mkdir()
    (tmp_path / "tlslite_tickets").mkdir()
    (tmp_path / "pristine" / "_policy.py").write_text(SOURCE)
    lines = {"8": ["t1", "t2"], "9": ["t2"], "15": ["*"], "18": ["*"]}
    (tmp_path / "pristine" / "_policy.tests.json").write_text(json.dumps(
        {"order": ["t1", "t2"], "lines": lines}))

    def select(old, new):
        """The tests for the mutant that turns ``old`` into ``new``."""
        assert SOURCE.count(old) == 1
        (tmp_path / "tlslite_tickets" / "_policy.py").write_text(
            SOURCE.replace(old, new))
        return module.select_tests("_policy")
    module.select = select
    return module


def test_function_bodies_and_statement_starts(mutants):
    inside, starts = mutants.read_source(SOURCE)
    assert inside == {8, 9, 10, 11, 15}  # not the def lines, nor defaults
    assert starts[10] == 9  # a continuation line belongs to its statement
    assert starts[8] == 8 and starts[7] == 6


def test_what_each_mutant_runs(mutants):
    everything = mutants.module_tests("_policy")
    assert mutants.select("value > default", "value >= default") == \
        ["t1", "t2"]
    # a continuation line: the tests of the statement it belongs to
    assert mutants.select('"b")', '"XXbXX")') == ["t2"]
    assert mutants.select("return None", "return 0") == []  # never reached
    assert mutants.select("LIMIT = 3", "LIMIT = 4") == everything
    assert mutants.select("default=LIMIT", "default=None") == everything
    # a function that ran at import: all of them
    assert mutants.select("return 1", "return 2") == everything
    # mutmut's baseline run: no change, all of them
    assert mutants.select("LIMIT = 3", "LIMIT = 3") == everything
