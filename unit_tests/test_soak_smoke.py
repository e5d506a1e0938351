"""A short soak: concurrent clients resuming while keys rotate, nothing
lost (``make soak`` runs the long one)."""

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
    import json
    data = json.loads(out.read_text())
    assert data["server"]["resumed"] == data["client"]["resumed"] >= 100
    assert data["client"]["pauses"] >= 4
    assert "appdata lost or crossed" in report
