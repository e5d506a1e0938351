"""The one module that touches tlslite-ng's private API stays honest."""

import os
import socket
import subprocess
import sys

import pytest
import tlslite
from tlslite.api import HandshakeSettings

import tlslite_tickets
from tlslite_tickets import _hooks
from support import HOST, TIMEOUT, PythonSSLClient, ticket_settings

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
def test_import_error_message_in_full(monkeypatch):
    monkeypatch.delenv("TLSLITE_TICKETS_UNCHECKED_TLSLITE", raising=False)
    monkeypatch.setattr(tlslite, "__version__", "0.7.9")
    try:
        _hooks._check_tlslite()
    except ImportError as exc:
        message = str(exc)
    else:
        raise AssertionError("no ImportError")
    assert message == (
        "tlslite_tickets supports tlslite-ng 0.8.2 and 0.9.0b2, found 0.7.9. "
        "Install a supported version (pip install tlslite-ng==0.8.2), or set "
        "TLSLITE_TICKETS_UNCHECKED_TLSLITE=1 to try anyway.")


def test_missing_hooks_are_named_even_when_trying_anyway(monkeypatch):
    # a tlslite-ng without the private methods we override cannot be
    # tried: the variable does not help, and the error says what is missing
    monkeypatch.setenv("TLSLITE_TICKETS_UNCHECKED_TLSLITE", "1")
    monkeypatch.setattr(_hooks, "TLSConnection", type(
        "TLSConnection", (), {name: None for name in _hooks._HOOKED[2:]}))
    try:
        _hooks._check_tlslite()
    except ImportError as exc:
        assert "0.9.0b2, found {0} (missing: _handshakeServerAsyncHelper, " \
            "_serverGetClientHello). Install".format(
                _hooks.tlslite.__version__) in str(exc)
    else:
        raise AssertionError("no ImportError")


def test_tlslite_without_a_version_is_unknown(monkeypatch):
    monkeypatch.delenv("TLSLITE_TICKETS_UNCHECKED_TLSLITE", raising=False)
    monkeypatch.delattr(tlslite, "__version__")
    try:
        _hooks._check_tlslite()
    except ImportError as exc:
        assert "and 0.9.0b2, found unknown. Install" in str(exc)
    else:
        raise AssertionError("no ImportError")


@pytest.mark.parametrize("version", [(3, 3), (3, 4)])
def test_connection_as_a_client(make_server, version):
    # a TicketTLSConnection is a plain TLSConnection on the client side
    server = make_server(ticket_settings())
    server.expect_connection()
    raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
    conn = tlslite_tickets.TicketTLSConnection(raw)
    try:
        assert conn.tickets_sent == 0
        settings = HandshakeSettings()
        settings.minVersion = settings.maxVersion = version
        conn.handshakeClientCert(settings=settings, serverName="localhost")
        assert conn.new_session_ticket() == 0  # only servers send tickets
        conn.write(b"ping")
        assert bytes(conn.read()) == b"echo:ping"
        assert conn.tickets_sent == 0
        assert len(conn.tickets) + len(conn.tls_1_0_tickets) == \
            (1 if version == (3, 3) else 2)
    finally:
        raw.close()
    assert server.last().error is None


def test_tickets_sent_after_a_handshake_that_never_began():
    # the settings fail validation before any ClientHello is read
    ours, theirs = socket.socketpair()
    conn = tlslite_tickets.TicketTLSConnection(ours)
    settings = tlslite_tickets.TicketHandshakeSettings()
    settings.ticket_seed = b"too short"
    try:
        conn.handshakeServer(certChain=None, privateKey=None,
                             settings=settings)
    except ValueError:
        pass
    else:
        raise AssertionError("bad settings were accepted")
    finally:
        ours.close()
        theirs.close()
    assert conn.tickets_sent == 0


def test_plain_settings_give_stock_behaviour(make_server):
    # README: with plain HandshakeSettings a TicketTLSConnection behaves
    # like stock tlslite-ng (no ticket state at all)
    server = make_server(HandshakeSettings())
    for version in ("1.2", "1.3"):
        result = PythonSSLClient(version).connect(server)
        record = server.last()
        assert result.reply == b"echo:ping" and record.error is None
        assert record.tickets_sent == 0 and result.tickets == 0
    # stock tickets (ticketKeys) resume through the stock code
    stock = HandshakeSettings()
    stock.ticketKeys = [bytearray(os.urandom(32))]
    server = make_server(stock)
    for version, tickets in (("1.2", 1), ("1.3", 2)):
        client = PythonSSLClient(version)
        first = client.connect(server)
        assert first.tickets == tickets
        again = client.connect(server, session=first.session)
        assert again.resumed and server.last().error is None
        # stock tlslite-ng sends no ticket on a TLS 1.2 resumption
        assert version == "1.3" or again.tickets == 0


CLASH = """
from tlslite.api import TLSConnection
TLSConnection._ticket_state = "a later tlslite-ng's own attribute"
import tlslite_tickets
try:
    tlslite_tickets.TicketHandshakeSettings()
except RuntimeError as exc:
    print(exc)
    assert TLSConnection._ticket_state == "a later tlslite-ng's own attribute"
else:
    raise SystemExit("installed over tlslite-ng's own attribute")
"""


def test_a_name_tlslite_ng_already_uses_stops_the_installation():
    # a later tlslite-ng with an attribute of the same name: refuse to
    # install rather than overwrite it
    result = subprocess.run([sys.executable, "-c", CLASH],
                            capture_output=True, check=True)
    assert result.stdout.decode().strip() == (
        "tlslite-ng's TLSConnection already has _ticket_state; "
        "tlslite_tickets cannot add its own")
