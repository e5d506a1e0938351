"""The one module that touches tlslite-ng's private API stays honest."""

import os
import subprocess
import sys

import tlslite_tickets
from tlslite_tickets import _hooks

PRETEND = ("import tlslite; tlslite.__version__ = '0.7.9'; "
           "import tlslite_tickets")


def test_every_hook_is_listed_in_the_module_docstring():
    for name in _hooks._HOOKED:
        assert "``{0}``".format(name) in _hooks.__doc__, name


def test_overrides_are_exactly_the_listed_hooks():
    _hooks.install_hooks()
    overridden = {name for name in vars(_hooks.TicketHooks)
                  if name.startswith("_") and not name.startswith("__") and
                  callable(getattr(_hooks.TicketHooks, name)) and
                  name in _hooks._originals}
    assert overridden <= set(_hooks._HOOKED)
    # the rest was added to TLSConnection as is: new names, no overrides
    for name, value in vars(_hooks.TicketHooks).items():
        if name.startswith("__"):
            continue
        installed = vars(_hooks.TLSConnection)[name]
        if name in overridden:
            assert installed.ticket_hook is value
        else:
            assert installed is value and name not in _hooks._originals


def test_checked_versions_are_documented():
    for version in tlslite_tickets.CHECKED_TLSLITE_VERSIONS:
        assert version in _hooks.__doc__


def test_unsupported_tlslite_version_is_a_clear_import_error():
    env = dict(os.environ)
    env.pop("TLSLITE_TICKETS_UNCHECKED_TLSLITE", None)
    result = subprocess.run([sys.executable, "-c", PRETEND],
                            capture_output=True, env=env)
    assert result.returncode != 0
    message = result.stderr.decode()
    assert "ImportError" in message and "0.7.9" in message
    assert "0.8.2" in message and "0.9.0b2" in message


def test_unsupported_version_can_be_tried_on_purpose():
    env = dict(os.environ, TLSLITE_TICKETS_UNCHECKED_TLSLITE="1")
    subprocess.run([sys.executable, "-c", PRETEND], check=True, env=env)


INSTALL_ON_SETTINGS = """
from tlslite.api import TLSConnection
stock = dict(vars(TLSConnection))
import tlslite_tickets
from tlslite_tickets import _hooks
assert not _hooks.hooks_installed()
assert dict(vars(TLSConnection)) == stock, "patched at import"
settings = tlslite_tickets.TicketHandshakeSettings()
assert _hooks.hooks_installed()
for name in _hooks._originals:
    original = stock[name] if name in stock else getattr(
        TLSConnection.__mro__[1], name)
    assert _hooks._originals[name] is original, name
    assert vars(TLSConnection)[name] is not stock.get(name), name
print("ok")
"""


def test_nothing_is_patched_at_import_only_when_settings_are_built():
    result = subprocess.run([sys.executable, "-c", INSTALL_ON_SETTINGS],
                            capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.strip() == b"ok"


def test_copies_and_unpickled_settings_install_too():
    # __new__ installs, so no way of making settings skips it
    code = ("import copy, pickle; import tlslite_tickets as tt; "
            "from tlslite_tickets import _hooks; "
            "s = tt.TicketHandshakeSettings.__new__(tt.TicketHandshakeSettings)"
            "; print(_hooks.hooks_installed())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert result.stdout.strip() == b"True", result.stderr.decode()
