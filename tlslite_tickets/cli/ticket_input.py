"""Where the ``inspect`` command gets tickets from.

A ticket can be given as hex or base64 text, or as a file (``-`` for
stdin) holding the raw ticket, its hex or base64 text, an ``openssl
s_client -sess_out`` PEM session, or a session file of our ``client``
command (every ticket in it). Each way in yields :class:`TicketSource`
objects; every failure is one :class:`InputError` line.
"""

import base64
import binascii
import os
import re
import string
import sys

from .. import _der, _openssl_session
from . import session_file as _session_file
from .._trace import version_name

#: Largest input file read.
MAX_INPUT_LEN = 1024 * 1024
FORMATS = ("auto", "hex", "base64", "raw", "pem", "session")

_HEX = re.compile(r"^[0-9a-fA-F]+$")
_B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
_TEXT = frozenset(string.printable.encode("ascii"))


class InputError(ValueError):
    """Input that is not a ticket; the message is one line."""


class TicketSource:
    """One ticket, where it came from and what the client knew of it.

    ``client``: a dict of what the client's copy says (``protocol``,
    ``cipher_suite``, ``server_name``, ``lifetime_hint``, ``age_add``,
    ``received`` / ``session_time``, ``timeout``), empty for bare tickets.
    """

    def __init__(self, ticket, origin, client=None):
        self.ticket = bytes(ticket)
        self.origin = origin
        self.client = client or {}


def read_tickets(arg, fmt="auto"):
    """The tickets that the command-line argument ``arg`` names."""
    if fmt not in FORMATS:
        raise InputError("unknown input format {0!r}".format(fmt))
    if arg == "-" or (fmt in ("auto", "raw", "pem", "session") and
                      os.path.exists(arg)):
        return from_bytes(_read(arg), _name(arg), fmt)
    if fmt in ("raw", "pem", "session"):
        return from_bytes(_read(arg), _name(arg), fmt)  # reports the error
    try:
        ticket, encoding = from_text(arg, fmt)
        return [TicketSource(ticket, "the {0} argument".format(encoding))]
    except InputError as exc:
        if fmt == "auto" and not os.path.exists(arg):
            raise InputError("{0!r} is not a file, and {1}".format(
                _short(arg), exc))
        raise


def _name(arg):
    return "stdin" if arg == "-" else "file {0!r}".format(arg)


def _short(text):
    return text if len(text) <= 40 else text[:37] + "..."


def _read(path):
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_LEN + 1)
        else:
            with open(path, "rb") as handle:
                data = handle.read(MAX_INPUT_LEN + 1)
    except OSError as exc:
        raise InputError("cannot read {0}: {1}".format(
            _name(path), exc.strerror or exc))
    if len(data) > MAX_INPUT_LEN:
        raise InputError("{0} is larger than {1} bytes".format(
            _name(path), MAX_INPUT_LEN))
    return data


def from_text(text, fmt="auto"):
    """``(ticket, "hex" or "base64")`` from hex (whitespace and colons
    allowed) or base64 (standard or URL-safe, padding optional)."""
    blob = "".join(text.split())
    if not blob:
        raise InputError("the ticket is empty")
    if fmt in ("auto", "hex"):
        digits = blob.replace(":", "")
        if digits[:2] in ("0x", "0X"):
            digits = digits[2:]
        if digits and _HEX.match(digits):
            if len(digits) % 2 == 0:
                return bytes.fromhex(digits), "hex"
            if fmt == "auto" and len(digits) > 8:
                raise InputError("the ticket is an odd number of hex digits "
                                 "(truncated?)")
        if fmt == "hex":
            raise InputError("the ticket is not hex (an even number of hex "
                             "digits)")
    standard = _B64.match(blob)
    if standard or _B64URL.match(blob):
        bare = blob.rstrip("=")
        try:
            data = base64.b64decode(bare + "=" * (-len(bare) % 4),
                                    altchars=None if standard else b"-_",
                                    validate=True)
        except (binascii.Error, ValueError):
            data = b""
        if data:
            return data, "base64"
    raise InputError("the ticket is neither hex nor base64"
                     if fmt == "auto" else "the ticket is not base64")


def from_bytes(data, origin, fmt="auto"):
    """The tickets in a file's contents."""
    if not data.strip():
        raise InputError("{0} is empty".format(origin))
    head = data.lstrip()
    if fmt == "pem" or (fmt == "auto" and b"-----BEGIN " in data):
        return [_from_pem(data, origin)]
    if fmt == "session" or (fmt == "auto" and head.startswith(b"{")):
        return _from_session_file(data, origin)
    if fmt == "raw" or (fmt == "auto" and not set(data) <= _TEXT):
        return [TicketSource(data, "{0} (raw)".format(origin))]
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise InputError("{0} is not hex or base64 text".format(origin))
    try:
        ticket, encoding = from_text(text, fmt)
    except InputError as exc:
        raise InputError("{0}: {1}".format(origin, exc))
    return [TicketSource(ticket, "{0} ({1} text)".format(origin, encoding))]


def _from_pem(data, origin):
    try:
        blocks = _der.pem_blocks(data.decode("ascii"))
    except UnicodeDecodeError:
        raise InputError("{0}: PEM must be ASCII text".format(origin))
    except _der.DERError as exc:
        raise InputError("{0}: {1}".format(origin, exc))
    ders = [der for label, der in blocks
            if label == _der.PEM_SESSION_LABEL]
    if not ders:
        raise InputError("{0} has no complete '-----BEGIN {1}-----' block"
                         .format(origin, _der.PEM_SESSION_LABEL))
    try:
        session = _openssl_session.decode(ders[0])
    except _der.DERError as exc:
        raise InputError("{0}: bad OpenSSL session: {1}".format(origin, exc))
    if not session.ticket:
        raise InputError("{0}: the OpenSSL session holds no ticket"
                         .format(origin))
    client = {"protocol": version_name(session.protocol_version),
              "cipher_suite": session.cipher_suite}
    for name, key in (("time", "session_time"), ("timeout", "timeout"),
                      ("lifetime_hint", "lifetime_hint"),
                      ("age_add", "age_add")):
        if getattr(session, name) is not None:
            client[key] = getattr(session, name)
    if session.hostname is not None:
        client["server_name"] = session.hostname.decode("utf-8", "replace")
    return TicketSource(session.ticket,
                        "{0} (OpenSSL session)".format(origin), client)


def _from_session_file(data, origin):
    try:
        record = _session_file.parse(data.decode("utf-8", "replace"),
                                     origin)
    except _session_file.SessionFileError as exc:
        raise InputError(str(exc))
    tickets = record["tickets"]
    if not tickets:
        raise InputError("{0}: the session holds no ticket".format(origin))
    sources = []
    for number, item in enumerate(tickets, 1):
        client = {"protocol": record["protocol"],
                  "cipher_suite": record["cipher_suite"],
                  "server_name": record.get("server_name") or "",
                  "lifetime_hint": item["ticket_lifetime"],
                  "received": item["time"]}
        if "ticket_age_add" in item:
            client["age_add"] = item["ticket_age_add"]
        sources.append(TicketSource(item["ticket"], "{0} (client session, "
                                    "ticket {1} of {2})".format(
                                        origin, number, len(tickets)),
                                    client))
    return sources
