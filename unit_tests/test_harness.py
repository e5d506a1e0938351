"""The test harness itself: what skips, what fails, where tls.py is.

``make test`` sets TLSLITE_TICKETS_REQUIRE_TOOLS=1 so that nothing a test
needs can be missing silently; these check the switch and the look-ups.
"""

import os
import sys

import pytest

from conftest import env_flag, require_tool
from test_cli_server import find_stock_tls_py

NO_SUCH_TOOL = "tlslite-tickets-no-such-tool"


@pytest.mark.parametrize("value,on", [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("0", False), ("", False), ("false", False), ("no", False),
    ("off", False), (None, False)])
def test_env_flag_counts_only_true_values(monkeypatch, value, on):
    if value is None:
        monkeypatch.delenv("TLSLITE_TICKETS_REQUIRE_TOOLS", raising=False)
    else:
        monkeypatch.setenv("TLSLITE_TICKETS_REQUIRE_TOOLS", value)
    assert env_flag("TLSLITE_TICKETS_REQUIRE_TOOLS") is on


@pytest.mark.parametrize("value", ["0", ""])
def test_missing_tool_skips_when_not_required(monkeypatch, value):
    monkeypatch.setenv("TLSLITE_TICKETS_REQUIRE_TOOLS", value)
    with pytest.raises(pytest.skip.Exception):
        require_tool(NO_SUCH_TOOL)


def test_missing_tool_fails_when_required(monkeypatch):
    monkeypatch.setenv("TLSLITE_TICKETS_REQUIRE_TOOLS", "1")
    with pytest.raises(pytest.fail.Exception) as info:
        require_tool(NO_SUCH_TOOL)
    assert NO_SUCH_TOOL in str(info.value)


def test_stock_tls_py_is_found_without_the_interpreters_directory(
        monkeypatch):
    # run through a Python outside the venv's bin (e.g. a resolved
    # symlink), tls.py is still found where pip put it
    found = find_stock_tls_py()
    assert found is not None and os.path.basename(found) == "tls.py"
    monkeypatch.setattr(sys, "executable", "/nonexistent/bin/python3")
    elsewhere = find_stock_tls_py()
    assert elsewhere is not None
    with open(elsewhere) as handle:
        assert "tlslite" in handle.read()
