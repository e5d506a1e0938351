#!/usr/bin/env python3
"""Coverage-guided fuzzing of the ticket decoder with atheris (make fuzz).

Each input is split by its first byte: raw bytes offered as a ticket, or a
plaintext sealed with the real key (so the parser behind a valid tag gets
fuzzed too). Anything but NO_DECRYPT or a self-consistent ticket is a bug.
"""

import sys

import atheris

with atheris.instrument_imports():
    import tlslite_tickets as tt
    from tlslite_tickets import _ticket
    from tlslite_tickets._handshake import TicketHandshake

KEY = tt.TicketKey(b"K" * 16, b"fuzzing secret, not a real one")
SETTINGS = tt.TicketHandshakeSettings()
SETTINGS.ticket_keys = [KEY]
SETTINGS = SETTINGS.validate()


def one_input(data):
    if not data:
        return
    mode, body = data[0], data[1:]
    handshake = TicketHandshake(None, SETTINGS)
    handshake.tls13 = bool(mode & 1)
    ticket = _ticket.seal_plaintext(KEY, body) if mode & 2 else body
    status, contents, session = handshake._decrypt(ticket)
    if status == tt.SSL_TICKET_NO_DECRYPT:
        assert contents is None and session is None
    else:
        assert mode & 2 and contents.encode() == body


def main():
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
