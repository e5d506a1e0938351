"""The layout rule: the core never imports the command-line tools.

Every module directly under ``tlslite_tickets/`` is the library; the tools
live in ``tlslite_tickets/cli/``. An application importing the library
must not pay for (or depend on) the tools. (``http.server`` itself is
imported by tlslite-ng's ``tlslite.api``, so it is not checked here.)
"""

import os
import subprocess
import sys

import tlslite_tickets

PACKAGE_DIR = os.path.dirname(tlslite_tickets.__file__)


def core_modules():
    return sorted("tlslite_tickets." + name[:-3]
                  for name in os.listdir(PACKAGE_DIR)
                  if name.endswith(".py") and name != "__main__.py")


def test_core_never_imports_the_cli():
    code = ("import importlib, sys\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name)\n"
            "bad = sorted(m for m in sys.modules if m.startswith("
            "'tlslite_tickets.cli'))\n"
            "print(' '.join(bad))\n")
    modules = core_modules()
    assert "tlslite_tickets._handshake" in modules
    out = subprocess.run([sys.executable, "-c", code] + modules,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_the_cli_is_a_subpackage():
    cli = os.path.join(PACKAGE_DIR, "cli")
    names = set(os.listdir(cli))
    assert {"server.py", "client.py", "inspect.py"} <= names
    # no tool module left flat in the core
    assert not [n for n in os.listdir(PACKAGE_DIR) if n.startswith("_cli_")]
