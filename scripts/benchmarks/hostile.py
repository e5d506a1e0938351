"""Part 6: hostile ClientHellos, server CPU per hello.

Three TLS 1.3 ClientHellos of about 64 KiB, built by
``unit_tests/rawhello.py``, each sent (in 16 KiB records) to a loopback
server thread that times ``handshakeServer`` with ``time.thread_time()``
until it fails (the client hangs up after the server's first answer):

(a) thousands of 1-byte PSK identities (1-byte binders);
(b) about 1,250 identities of 44 bytes (our shortest ticket) that begin
    with the server's current ticket key name, so ours looks the key up and
    tries to open each, and stock (which has no key names) tries its key;
(c) one identity of about 64 KiB under that key name.

Ours is configured as ``python -m tlslite_tickets server --ticket-seed``
configures it (the command's own settings and ticket callbacks); stock is
a ``TLSConnection`` with one ``ticketKeys`` entry, as ``tls.py server``.
The three servers are interleaved in blocks, like part 2.
"""

import os
import socket
import sys

from .common import (HOST, NO_CRYPTOGRAPHY, SCRIPTS, TIMEOUT, NoSwitch,
                     PureAEAD, has_cryptography, na, row, summarize)
from .handshakes import HandshakeServer, stock_handshake_settings

#: (row id, title, how rawhello builds it: identity_len, prefix?, count)
HELLOS = (
    ("hostile.flood", "hostile ClientHello: 1-byte PSK identities",
     1, False, None),
    ("hostile.keyname", "hostile ClientHello: ~1,250 identities, valid "
     "key name", 44, True, None),
    ("hostile.big", "hostile ClientHello: one 64 KiB identity, valid key "
     "name", None, True, 1),
)
SEED = bytes(range(32))


def _rawhello():
    tests = os.path.join(os.path.dirname(SCRIPTS), "unit_tests")
    if tests not in sys.path:
        sys.path.append(tests)
    import rawhello
    return rawhello


def ours_cli_settings():
    """The settings ``server --ticket-seed SEED`` hands to each handshake,
    and the name of the key it seals under now."""
    import time
    from tlslite_tickets.cli.server import build_parser, build_settings
    args = build_parser().parse_args([
        "{0}:0".format(HOST), "--cipherlist", "aes128gcm",
        "--ticket-seed", SEED.hex()])
    settings = build_settings(args)
    ring = settings.validate().ticket_key_ring
    return settings, ring.encryption_key(time.time()).name


def send_hello(port, records):
    """Send a hello, wait for the server's first bytes, hang up."""
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as sock:
        sock.sendall(records)
        sock.recv(5)


def bench_hostile(profile, credentials):
    from tlslite.tlsconnection import TLSConnection
    import tlslite_tickets as tt
    rawhello = _rawhello()
    ours_settings, key_name = ours_cli_settings()
    rows = []
    for row_id, title, identity_len, named, count in HELLOS:
        hello = rawhello.flood_hello(identity_len,
                                     key_name if named else b"", count)
        identities = hello.extensions[-1].identities
        records = rawhello.records_of(hello.write())
        servers = {"base": (HandshakeServer(
            TLSConnection, stock_handshake_settings(), credentials),
            NoSwitch)}
        cells = {}
        servers["ours_pure"] = (HandshakeServer(
            tt.TicketTLSConnection, ours_settings, credentials), PureAEAD)
        if has_cryptography():
            servers["ours_crypto"] = (HandshakeServer(
                tt.TicketTLSConnection, ours_settings, credentials),
                NoSwitch)
        else:
            cells["ours_crypto"] = na(NO_CRYPTOGRAPHY)
        cpu = dict((name, []) for name in servers)
        answered = dict((name, 0) for name in servers)
        try:
            for _ in range(profile["hostile_blocks"]):
                for name, (server, switch) in servers.items():
                    for _ in range(profile["hostile_per_block"]):
                        with switch():
                            try:
                                send_hello(server.port, records)
                                answered[name] += 1
                            except OSError:
                                pass
                            record = server.next_record()
                        cpu[name].append(record.get("cpu_to_error") or
                                         record["cpu"])
        finally:
            for server, _ in servers.values():
                server.close()
        for name in servers:
            cells[name] = summarize(cpu[name], 1e3, answered=answered[name])
        rows.append(row(row_id, 6, title, "ms", "lower", cells,
                        "{0} identit{1} of {2} bytes, hello {3} bytes; "
                        "hellos answered: {4}".format(
                            len(identities), "y" if len(identities) == 1
                            else "ies", len(identities[0].identity),
                            len(records), ", ".join(
                                "{0} {1}".format(name, answered[name])
                                for name in servers))))
    return rows
