"""The ``inspect`` sub-command: open a ticket and show what it carries.

The ticket comes from the command line, a file, an ``openssl s_client
-sess_out`` PEM session or a session file of the ``client`` command (see
``cli/ticket_input.py``); the keys from key files (80 or 48 bytes a key), a
rotation seed or a stock tlslite-ng ``ticketKeys`` secret. Tickets are the
package's own (``_ticket.py``) or, under key-file keys, OpenSSL's and
nginx's (``cli/inspect_openssl.py``); nothing here re-implements either.
"""

import argparse
import json
import sys
import time

from .. import _ticket
from .inspect_report import describe_contents, iso, text_lines
from .._keyfile import KeyFileError, load_key_file
from .._keys import TicketKey
from .._nginx import nginx_sid_ctx
from .._openssl_ticket import OpenSSLTicketKey
from .inspect_openssl import describe_session, open_openssl_ticket
from .._rotation import (DEFAULT_ROTATION_PERIOD, MIN_SEED_LEN,
                         derive_slot_key, slot_key_names)
from .ticket_input import FORMATS, InputError, read_tickets

#: What open_ticket says when the AEAD tag does not verify.
_BAD_TAG = "ticket does not authenticate"
#: Largest --search-slots: 2 * 100,000 + 1 key names (one HMAC each, about
#: half a second), 11 years either way at the default hourly rotation.
MAX_SEARCH_SLOTS = 100000


class UsageError(Exception):
    """Bad flags or key material; the message is one line."""


def build_parser(prog="tlslite_tickets inspect"):
    """The argument parser; its --help documents every flag."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Decrypt a tlslite-tickets session ticket "
        "(or an OpenSSL/nginx ticket) and show its fields: key name, which "
        "key opened it, protocol, cipher suite, times, SNI, EMS/ETM, client "
        "certificates, appdata.",
        epilog="Exit status: 0 every ticket opened, 1 a ticket has no "
        "matching key or does not authenticate, 2 bad input.")
    add = parser.add_argument
    add("ticket", metavar="TICKET", help="the ticket as hex or base64, or "
        "a file ('-' for stdin) holding it raw, as hex or base64 text, as "
        "an 'openssl s_client -sess_out' PEM session, or as a session file "
        "of this package's client command (every ticket in it is shown)")
    add("--format", choices=FORMATS, default="auto", help="how to read "
        "TICKET (default auto: a file if one exists by that name, then PEM "
        "/ client session / raw bytes / hex / base64 by content)")
    keys = parser.add_argument_group("key material (at least one)")
    add = keys.add_argument
    add("--key-file", metavar="PATH", action="append", default=[],
        help="OpenSSL/nginx ticket key file (80 or 48 bytes a key, raw or "
        "base64); repeat for several files. Opens both our tickets and "
        "OpenSSL/nginx ones")
    add("--seed", metavar="HEX", help="rotation seed of the server "
        "(settings.ticket_seed, 16+ bytes as hex): slot keys around now "
        "are derived until one has the ticket's key name")
    add("--rotation-period", metavar="SECONDS", type=float,
        default=DEFAULT_ROTATION_PERIOD, help="the server's rotation period "
        "for --seed (default {0})".format(DEFAULT_ROTATION_PERIOD))
    add("--search-slots", metavar="N", type=int, default=1000, help="with "
        "--seed, try at most N slots before and N after the current one "
        "(default 1000, at most {0}; each slot is one HMAC and nothing is "
        "kept, so memory does not grow with N)".format(MAX_SEARCH_SLOTS))
    add("--ticket-key", metavar="HEX", action="append", default=[],
        help="a stock tlslite-ng ticketKeys secret (hex); repeatable")
    nginx = parser.add_argument_group("OpenSSL/nginx tickets (opened with "
                                      "--key-file keys, 80 or 48 bytes)")
    add = nginx.add_argument
    add("--nginx-cert", metavar="PATH", action="append", default=[],
        help="nginx's ssl_certificate file(s), in its order: say whether "
        "the ticket's session id context matches that configuration")
    add("--nginx-client-ca", metavar="PATH", help="with --nginx-cert: "
        "nginx's ssl_client_certificate file (when it verifies clients)")
    out = parser.add_argument_group("output")
    add = out.add_argument
    add("--now", metavar="EPOCH", type=float, help="judge age and expiry "
        "at this time (seconds since the epoch) instead of now; also the "
        "time --seed searches around")
    add("--show-secret", action="store_true", help="print the secret the "
        "ticket holds (TLS 1.2 master secret / TLS 1.3 resumption PSK); "
        "hidden by default")
    add("--json", action="store_true", help="print one JSON object "
        "instead of text: {\"now\": EPOCH, \"tickets\": [{\"key_name\", "
        "\"key\", \"authenticates\", \"error\", \"client\", \"contents\"}, "
        "...]}, one entry per ticket")
    return parser


class SeedSearch:
    """The slots of a seed around now, searched for key names.

    One pass over the slots, outward from the current one, for every name
    wanted at once; only the names found are kept, so memory stays flat
    however many slots are searched.
    """

    def __init__(self, seed, period, now, limit):
        self.seed, self.period, self.limit = seed, period, limit
        self.current = int(now // period)
        if not -2 ** 63 <= self.current - limit <= \
                self.current + limit < 2 ** 63:
            raise UsageError("--now / --rotation-period put the slots out "
                             "of range")
        self._found = {}  # name -> (key, slot)
        self._searched = set()  # names looked for already

    def prepare(self, names):
        """Search for every name in ``names`` in one pass over the slots."""
        wanted = set(names) - self._searched
        self._searched |= wanted
        if not wanted:
            return
        # offsets 0, -1, 1, -2, 2, ...: the nearest slot wins
        slots = (self.current + (index + 1) // 2 * (1 if index % 2 == 0
                                                     else -1)
                 for index in range(2 * self.limit + 1))
        for slot, name in slot_key_names(self.seed, slots):
            if name in wanted:
                self._found[name] = (derive_slot_key(self.seed, slot), slot)
                wanted.discard(name)
                if not wanted:
                    return

    def find(self, name):
        """``(key, slot)`` for a key name, or ``(None, None)``."""
        self.prepare([name])
        return self._found.get(name, (None, None))

    def describe(self, slot):
        offset = slot - self.current
        when = "the current slot" if offset == 0 else \
            "{0} slot{1} {2} now".format(abs(offset), "" if abs(offset) == 1
                                         else "s", "before" if offset < 0
                                         else "after")
        return "seed slot {0} ({1}, {2} to {3})".format(
            slot, when, iso(slot * self.period), iso((slot + 1) * self.period))


def gather_keys(args, now):
    """``(candidates, seed_search)``: labelled keys, and the seed search."""
    candidates = []
    for path in args.key_file:
        try:
            keys = load_key_file(path)
        except KeyFileError as exc:
            raise UsageError(str(exc))
        for index, key in enumerate(keys, 1):
            candidates.append(("key file {0!r}, key {1} of {2}{3}".format(
                path, index, len(keys), " (the sealing key)" if index == 1
                else ""), key))
    for index, text in enumerate(args.ticket_key, 1):
        try:
            secret = bytes.fromhex(text)
        except ValueError:
            raise UsageError("--ticket-key #{0} must be hex".format(index))
        try:
            key = TicketKey.from_secret(secret)
        except ValueError as exc:
            raise UsageError("--ticket-key #{0}: {1}".format(index, exc))
        candidates.append(("--ticket-key #{0} (stock ticketKeys secret)"
                           .format(index), key))
    search = None
    if args.seed is not None:
        try:
            seed = bytes.fromhex(args.seed)
        except ValueError:
            raise UsageError("--seed must be hex")
        if len(seed) < MIN_SEED_LEN:
            raise UsageError("--seed must be at least {0} bytes, got {1}"
                             .format(MIN_SEED_LEN, len(seed)))
        if not args.rotation_period > 0:
            raise UsageError("--rotation-period must be positive")
        if not 0 <= args.search_slots <= MAX_SEARCH_SLOTS:
            raise UsageError("--search-slots must be from 0 to {0}".format(
                MAX_SEARCH_SLOTS))
        search = SeedSearch(seed, args.rotation_period, now,
                            args.search_slots)
    if not candidates and search is None:
        raise UsageError("no key material: give --key-file, --seed or "
                         "--ticket-key")
    return candidates, search


def inspect(source, candidates, search, now, show_secret,
            nginx_sid_ctx=None):
    """Everything known about one ticket, as a JSON-ready dict.

    Key-file keys open both formats: the package's own, then OpenSSL's.
    """
    ticket = source.ticket
    name = _ticket.key_name_of(ticket)
    result = {"source": source.origin, "length": len(ticket),
              "key_name": name.hex(), "key": None, "authenticates": None,
              "error": None, "client": source.client, "contents": None}
    key = next(((label, k) for label, k in candidates if k.name == name),
               None)
    if key is None and search is not None:
        found, slot = search.find(name)
        if found is not None:
            key = search.describe(slot), found
    if key is None:
        result["error"] = "no key with this name"
        return result
    result["key"] = key[0]
    try:
        contents = _ticket.open_ticket(key[1], ticket)
    except _ticket.TicketDecodeError as exc:
        if str(exc) == _BAD_TAG and isinstance(key[1], OpenSSLTicketKey):
            session, error, authenticates = open_openssl_ticket(key[1],
                                                                ticket)
            if authenticates:
                result["authenticates"] = True
                result["error"] = error
                if session is not None:
                    result["contents"] = describe_session(
                        session, now, show_secret, nginx_sid_ctx)
                return result
        result["authenticates"] = str(exc) != _BAD_TAG
        result["error"] = str(exc) if str(exc) == _BAD_TAG else \
            "authenticates, but the plaintext is malformed: {0}".format(exc)
        return result
    result["authenticates"] = True
    result["contents"] = describe_contents(contents, now, show_secret)
    return result


def nginx_context(args):
    """nginx's session id context from --nginx-cert, or None."""
    if args.nginx_client_ca and not args.nginx_cert:
        raise UsageError("--nginx-client-ca needs --nginx-cert")
    if not args.nginx_cert:
        return None
    try:
        return nginx_sid_ctx(args.nginx_cert, [args.nginx_client_ca]
                             if args.nginx_client_ca else [])
    except ValueError as exc:
        raise UsageError("--nginx-cert: {0}".format(exc))


def main(argv, prog="tlslite_tickets inspect"):
    """Inspect the ticket(s); return the exit status."""
    args = build_parser(prog).parse_args(argv)
    now = time.time() if args.now is None else args.now
    try:
        if not -1e11 < now < 1e11:
            raise UsageError("--now is out of range")
        sources = read_tickets(args.ticket, args.format)
        for source in sources:
            if len(source.ticket) < _ticket.MIN_TICKET_LEN:
                raise InputError("the ticket from {0} is truncated: {1} "
                                 "bytes, a ticket has at least {2}".format(
                                     source.origin, len(source.ticket),
                                     _ticket.MIN_TICKET_LEN))
        candidates, search = gather_keys(args, now)
        nginx_ctx = nginx_context(args)
        if search is not None:
            search.prepare(_ticket.key_name_of(source.ticket)
                           for source in sources)
    except (InputError, UsageError) as exc:
        print("{0}: error: {1}".format(prog, exc), file=sys.stderr)
        return 2
    results = [inspect(source, candidates, search, now, args.show_secret,
                       nginx_ctx) for source in sources]
    if args.json:
        print(json.dumps({"now": now, "tickets": results}, indent=2))
    else:
        for number, result in enumerate(results):
            if len(results) > 1:
                print("{0}== ticket {1} of {2} ==".format(
                    "\n" if number else "", number + 1, len(results)))
            print("\n".join(text_lines(result, now)))
    if any(r["contents"] is None for r in results):
        return 1
    return 0
