"""``scripts/bench.py --smoke`` still runs and still reports every row.

A few iterations of each benchmark, in a subprocess, with this venv's
Python (so on both tlslite-ng versions; without ``cryptography`` its column
is n/a). Nothing here looks at how fast anything was: only that each row
is there, with numbers or with a reason why it does not apply.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import require_tool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "scripts", "bench.py")

ROWS = (["seal", "open"] +
        ["hs.tls{0}.{1}".format(version, mode) for version in ("12", "13")
         for mode in ("full", "use", "use_renew")] +
        ["reject.{0}".format(count) for count in (1, 10, 100, 1000)] +
        ["rate.c{0}".format(level) for level in (1, 2, 8)] +
        ["hostile.flood", "hostile.keyname", "hostile.big"])
IMPLS = ("base", "ours_pure", "ours_crypto")
REDIS_KINDS = ["tls13.full", "tls13.resumed", "tls12.full",
               "tls12.resumed_ticket", "tls12.full_session_id",
               "tls12.resumed_session_id"]
MACHINE = ("cpu_model", "cores", "python", "tlslite_ng", "aead_backend",
           "date")


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    require_tool("openssl")  # the certificate, and part 5's s_server
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, BENCH, "--smoke", "--out",
                           str(out)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(str(out / "bench.json")) as handle:
        data = json.load(handle)
    return data, proc.stdout, out


def _installed(module):
    return importlib.util.find_spec(module) is not None


def test_every_row_is_reported(result):
    data, stdout, _ = result
    assert [row["id"] for row in data["rows"]] == ROWS
    for row in data["rows"]:
        assert row["title"] in stdout  # and printed in the one table
        assert set(IMPLS) <= set(row["cells"])


def test_every_cell_has_numbers_or_a_reason(result):
    data, _, _ = result
    for row in data["rows"]:
        for name in IMPLS:
            cell = row["cells"][name]
            if cell["median"] is None:
                assert cell["na"], (row["id"], name)
                continue
            assert cell["n"] >= 1
            for key in ("median", "p10", "p90"):
                assert isinstance(cell[key], (int, float)), (row["id"], name)
            assert cell["p10"] <= cell["median"] <= cell["p90"]


def test_what_applies_is_measured(result):
    data, _, _ = result
    rows = dict((row["id"], row) for row in data["rows"])
    crypto = _installed("cryptography")
    for row_id, row in rows.items():
        cells = row["cells"]
        if row_id.startswith("rate."):
            # one server process: the AEAD backend installed
            ours = "ours_crypto" if crypto else "ours_pure"
            assert cells[ours]["median"] is not None, row_id
            assert cells["base"]["median"] is not None, row_id
            continue
        assert cells["ours_pure"]["median"] is not None, row_id
        assert (cells["ours_crypto"]["median"] is not None) == crypto, row_id
        stock_na = row_id == "hs.tls12.use_renew"  # stock never renews
        assert (cells["base"]["median"] is None) == stock_na, row_id


def test_machine_info_and_targets(result):
    data, stdout, out = result
    assert set(MACHINE) <= set(data["machine"])
    assert data["profile"] == "smoke"
    assert sorted(data["targets"]) == ["a", "b", "c", "d", "e"]
    assert "targets:" in stdout
    # the chart is drawn exactly when matplotlib is there
    assert (out / "bench.png").exists() == _installed("matplotlib")


def test_redis_round_trips_are_counted(result):
    data, stdout, _ = result
    trips = data["redis_round_trips"]
    assert "na" not in trips, trips  # redis-server and redis-py: make test
    for run in ("single_use_off", "single_use_on"):
        assert sorted(trips[run]) == sorted(REDIS_KINDS)
    # counts, not speed: the lookup of TLS 1.3's session ID is gone
    assert trips["target"]["met"] is True, trips
    assert "Redis round trips per handshake" in stdout
