"""A short soak: concurrent clients resuming while keys rotate, nothing
lost (``make soak`` runs the long one)."""

import json
import os
import subprocess
import sys

SOAK = os.path.join(os.path.dirname(__file__), os.pardir, "scripts",
                    "soak.py")


def test_short_soak_loses_nothing(tmp_path):
    out = tmp_path / "soak.json"
    result = subprocess.run(
        [sys.executable, SOAK, "--clients", "4", "--resumptions", "120",
         "--rotation", "1", "--pause-every", "20", "--max-seconds", "90",
         "--json", str(out)], capture_output=True, timeout=180)
    report = result.stdout.decode()
    assert result.returncode == 0, report
    data = json.loads(out.read_text())
    assert data["server"]["resumed"] == data["client"]["resumed"] >= 100
    assert data["client"]["pauses"] >= 4
    for side in ("server", "client"):
        # appdata lost or crossed, and connection errors: none on either side
        assert data[side].get("lost", 0) == 0, report
        assert data[side].get("errors", 0) == 0, report
    assert data["server"]["attempted"] == data["client"]["attempted"]
    assert data["server"]["completed"] == \
        data["client"]["resumed"] + data["client"]["full"]
    # every fallback has one of the two expected reasons: the first
    # connection of a client, or an idle spell past the decrypt window
    assert set(data["fallbacks"]) <= {
        "first connection: no ticket yet",
        "ticket key past its decryption window"}, data["fallbacks"]
    assert data["fallbacks"]["first connection: no ticket yet"] == 4
