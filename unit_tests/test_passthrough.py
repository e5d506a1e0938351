"""Plain HandshakeSettings pass straight through the installed hooks.

stock_scenarios.py runs stock tlslite-ng scenarios reproducibly (seeded
randomness, frozen clock) in a subprocess; run once where tlslite_tickets
was never imported and once after ticket settings installed the hooks into
TLSConnection, every byte the server wrote, every ticket count and size,
every ``resumed`` flag and every alert must be the same.
"""

import json
import os
import subprocess
import sys

import tlslite_tickets as tt
from tlslite.api import HandshakeSettings, TLSConnection

from support import PythonSSLClient, TlsliteClient

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "stock_scenarios.py")


def _start(cert_files, *flags):
    env = dict(os.environ, PYTHONHASHSEED="0")
    return subprocess.Popen([sys.executable, SCRIPT] + list(cert_files) +
                            list(flags), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=HERE)


def _result(process):
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode(errors="replace")
    return json.loads(out)


def test_stock_scenarios_are_byte_for_byte_the_same(cert_files):
    never, installed = [_start(cert_files), _start(cert_files, "--install")]
    never, installed = _result(never), _result(installed)
    with_tickets = installed.pop("ticket settings")
    assert installed == never
    # the scenarios are worth comparing: tickets, resumptions and alerts
    assert never["tls13 tickets"][0]["tickets"] == 2
    assert never["tls12 tickets"][1]["client_resumed"] is True
    assert never["tls12 session id"][1]["resumed"] is True
    assert [c["tickets"] for c in never["tls13 ticket_count 3"]] == [3, 3]
    assert "error" in never["alert protocol_version"][0]
    assert "error" in never["alert no shared cipher"][0]
    # ...and the comparison would notice the hooks at work
    assert with_tickets[0]["sent"] != never["tls13 tickets"][0]["sent"]
    assert with_tickets[1]["resumed"] is True
    assert never["tls13 tickets"][1]["resumed"] is False


def test_plain_settings_on_installed_connection_counts(make_server):
    # in this process, with the hooks installed: stock counts and sizes
    tt.TicketHandshakeSettings()
    settings = HandshakeSettings()
    settings.ticketKeys = [bytearray(b"K" * 32)]
    server = make_server(settings, connection_class=TLSConnection)
    for version, count in (("1.2", 1), ("1.3", 2)):
        client = PythonSSLClient(version)
        first = client.connect(server)
        assert first.tickets == count and not server.last().resumed
        second = client.connect(server, session=first.session)
        assert second.resumed
        # stock tlslite-ng: a TLS 1.3 resumption reports resumed=False and
        # brings two more tickets; a TLS 1.2 one brings none
        assert server.last().resumed is (version == "1.2")
        assert second.tickets == (2 if version == "1.3" else 0)
    plain = HandshakeSettings()  # no ticketKeys: no tickets at all
    other = make_server(plain, connection_class=TLSConnection)
    assert TlsliteClient("1.3").connect(other).tickets == 0
