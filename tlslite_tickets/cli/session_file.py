"""The session file of the ``client`` command (``--sess-out``/``--sess-in``).

One JSON object, binary fields in standard base64, written with mode 0600
because it holds the secret that resumes the session::

    {
      "format": "tlslite-tickets client session",
      "format_version": 1,
      "protocol": "TLS 1.3" | "TLS 1.2",
      "cipher_suite": 4866,                  (number; the name is a comment)
      "cipher_suite_name": "TLS_AES_256_GCM_SHA384",
      "server_name": "localhost" | null,     (the SNI sent, null for none)
      "saved_at": 1700000000.25,             (seconds since the epoch)

      TLS 1.3 (tlslite-ng's session.resumptionMasterSecret and
      session.tickets, its NewSessionTicket messages):
      "resumption_master_secret": "<base64>",
      "tickets": [{"ticket": "<base64>", "ticket_lifetime": 86400,
                   "ticket_age_add": 123, "ticket_nonce": "<base64>",
                   "time": 1700000000.25}],

      TLS 1.2 (session.masterSecret, .sessionID, .extendedMasterSecret,
      .encryptThenMAC and session.tls_1_0_tickets, tlslite-ng's Ticket
      objects, whose master secret and cipher suite are the session's):
      "master_secret": "<base64>", "session_id": "<base64>",
      "extended_master_secret": true, "encrypt_then_mac": false,
      "tickets": [{"ticket": "<base64>", "ticket_lifetime": 86400,
                   "time": 1700000000.25}]
    }

``time`` is when the client received the ticket; tlslite-ng uses it for
the TLS 1.3 obfuscated ticket age and to drop expired tickets. A TLS 1.2
``ticket_lifetime`` of 0 is saved as received: RFC 5077 section 3.3 makes it
"unspecified" (OpenSSL's servers, and ours, send it for a ticket renewed on
a resumed handshake), and it is read back as
:data:`UNSPECIFIED_TLS12_LIFETIME`, since tlslite-ng's client would
otherwise take it for an expired ticket.
"""

import base64
import binascii
import json
import os
import tempfile
import time

from tlslite.constants import CipherSuite
from tlslite.messages import NewSessionTicket
from tlslite.session import Session, Ticket

FORMAT = "tlslite-tickets client session"
FORMAT_VERSION = 1
PROTOCOLS = {"TLS 1.2": (3, 3), "TLS 1.3": (3, 4)}
#: Largest session file read.
MAX_FILE_LEN = 1024 * 1024
#: Upper bounds (exclusive) of the numeric fields: their wire sizes, and
#: for times the year 5138, far past any real ticket but small enough that
#: no arithmetic on it overflows.
_LIMITS = {"cipher_suite": 2 ** 16, "ticket_lifetime": 2 ** 32,
           "ticket_age_add": 2 ** 32, "time": 1e11}


class SessionFileError(ValueError):
    """A session file that cannot be written or used; never holds secrets."""


def _b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def _jsonable(value):
    """A record with its bytes as base64 text, as the file holds it."""
    if isinstance(value, dict):
        return dict((k, _jsonable(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return _b64(value)
    return value


def protocol_name(version):
    for name, value in PROTOCOLS.items():
        if value == tuple(version):
            return name
    return None


def record_of(conn, version, previous=None):
    """The record (bytes not yet base64) for a finished client connection,
    or ``None`` when there is nothing to resume with.

    ``version``: the negotiated protocol version (tlslite-ng resets
    ``conn.version`` on close). ``previous``: the record the connection
    resumed from. A TLS 1.3 resumption that brought no new ticket keeps it:
    each ticket belongs to the resumption secret of the connection that
    issued it, so old tickets cannot be saved with the new secret.
    """
    session = conn.session
    name = protocol_name(version)
    if name is None:
        return None
    record = {"format": FORMAT, "format_version": FORMAT_VERSION,
              "protocol": name, "cipher_suite": session.cipherSuite,
              "cipher_suite_name": CipherSuite.ietfNames.get(
                  session.cipherSuite, "unknown"),
              "server_name": session.serverName or None,
              "saved_at": time.time()}
    if name == "TLS 1.3":
        if not conn.tickets:
            return previous if previous and \
                previous["protocol"] == name else None
        record["resumption_master_secret"] = bytes(
            session.resumptionMasterSecret)
        record["tickets"] = [
            {"ticket": bytes(t.ticket), "ticket_lifetime": t.ticket_lifetime,
             "ticket_age_add": t.ticket_age_add,
             "ticket_nonce": bytes(t.ticket_nonce), "time": t.time}
            for t in conn.tickets]
        return record
    tickets = conn.tls_1_0_tickets or session.tls_1_0_tickets or []
    if not tickets and not session.sessionID:
        return None
    record.update({
        "master_secret": bytes(session.masterSecret),
        "session_id": bytes(session.sessionID),
        "extended_master_secret": bool(session.extendedMasterSecret),
        "encrypt_then_mac": bool(session.encryptThenMAC),
        "tickets": [{"ticket": bytes(t.ticket),
                     "ticket_lifetime": t.ticket_lifetime,
                     "time": t.time_received} for t in tickets]})
    return record


def save(path, record):
    """Write ``record`` to ``path`` atomically, readable by the owner only."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temp = tempfile.mkstemp(prefix=".session-", dir=directory)
    except OSError as exc:
        raise SessionFileError("cannot write session file {0!r}: {1}".format(
            path, exc.strerror or exc))
    try:
        with os.fdopen(fd, "w") as handle:  # mkstemp made it 0600
            json.dump(_jsonable(record), handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise SessionFileError("cannot write session file {0!r}: {1}".format(
            path, exc.strerror or exc))


def parse(text, what):
    """Check a session file's JSON text; return the record (a dict whose
    binary fields are decoded to bytes)."""
    def fail(problem):
        return SessionFileError("{0}: {1}".format(what, problem))
    try:
        record = json.loads(text, parse_constant=_no_constant)
    except ValueError:
        raise fail("not JSON (or NaN/Infinity, which JSON does not have)")
    except RecursionError:  # json recurses once per nesting level
        raise fail("nested too deeply")
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise fail("not a {0} file".format(FORMAT))
    if record.get("format_version") != FORMAT_VERSION:
        raise fail("unknown format_version {0!r}".format(
            record.get("format_version")))
    if record.get("protocol") not in PROTOCOLS:
        raise fail("protocol must be one of {0}".format(sorted(PROTOCOLS)))
    tls13 = record["protocol"] == "TLS 1.3"
    binary = ["resumption_master_secret"] if tls13 else \
        ["master_secret", "session_id"]
    ticket_fields = {"ticket": bytes, "ticket_lifetime": int, "time": float}
    if tls13:
        ticket_fields.update(ticket_age_add=int, ticket_nonce=bytes)
    try:
        _check(record, "cipher_suite", int)
        if record.get("server_name") is not None:
            _check(record, "server_name", str)
        for name in binary:
            record[name] = _decode(record, name)
        if not isinstance(record.get("tickets"), list):
            raise ValueError("tickets must be a list")
        for index, ticket in enumerate(record["tickets"]):
            if not isinstance(ticket, dict):
                raise ValueError("tickets[{0}] must be an object".format(
                    index))
            for name, kind in ticket_fields.items():
                if kind is bytes:
                    ticket[name] = _decode(ticket, name)
                else:
                    _check(ticket, name, kind)
    except ValueError as exc:
        raise fail(exc)
    if tls13 and not record["tickets"]:
        raise fail("a TLS 1.3 session needs at least one ticket")
    if not tls13 and not record["tickets"] and not record["session_id"]:
        raise fail("a TLS 1.2 session needs a ticket or a session ID")
    return record


def _no_constant(name):
    # json.loads accepts NaN and Infinity by default; no field can use them
    raise ValueError(name)


def _check(obj, name, kind):
    value = obj.get(name)
    if isinstance(value, bool) or not isinstance(
            value, (int, float) if kind is float else kind):
        raise ValueError("{0} must be {1}".format(
            name, {int: "an integer", float: "a number",
                   str: "a string"}[kind]))
    if kind is not str and value < 0:
        raise ValueError("{0} must not be negative".format(name))
    if name in _LIMITS and not value < _LIMITS[name]:
        raise ValueError("{0} must be below {1:g}".format(
            name, _LIMITS[name]))
    return value


def _decode(obj, name):
    value = obj.get(name)
    if not isinstance(value, str):
        raise ValueError("{0} must be a base64 string".format(name))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("{0} is not valid base64".format(name))


def load(path):
    """Read and check a session file; return its record."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_LEN + 1)
    except OSError as exc:
        raise SessionFileError("cannot read session file {0!r}: {1}".format(
            path, exc.strerror or exc))
    if len(data) > MAX_FILE_LEN:
        raise SessionFileError("session file {0!r} is larger than {1} bytes"
                               .format(path, MAX_FILE_LEN))
    return parse(data.decode("utf-8", "replace"),
                 "session file {0!r}".format(path))


#: Seconds a TLS 1.2 ticket with lifetime hint 0 ("unspecified") is kept:
#: the default session timeout of OpenSSL's client.
UNSPECIFIED_TLS12_LIFETIME = 7200


def to_session(record):
    """A tlslite-ng ``Session`` that handshakeClientCert can resume."""
    suite = record["cipher_suite"]
    session = Session()
    common = dict(srpUsername=None, clientCertChain=None,
                  serverCertChain=None, tackExt=None, tackInHelloExt=False,
                  serverName=record.get("server_name"), resumable=True)
    if record["protocol"] == "TLS 1.3":
        tickets = []
        for item in record["tickets"]:
            ticket = NewSessionTicket().create(
                item["ticket_lifetime"], item["ticket_age_add"],
                bytearray(item["ticket_nonce"]), bytearray(item["ticket"]),
                [])
            ticket.time = item["time"]
            tickets.append(ticket)
        session.create(bytearray(0), bytearray(0), suite,
                       extendedMasterSecret=True,
                       resumptionMasterSecret=bytearray(
                           record["resumption_master_secret"]),
                       tickets=tickets, **common)
        return session
    master = bytearray(record["master_secret"])
    tickets = []
    for item in record["tickets"]:
        ticket = Ticket(bytearray(item["ticket"]),
                        item["ticket_lifetime"] or UNSPECIFIED_TLS12_LIFETIME,
                        master, suite)
        ticket.time_received = item["time"]
        tickets.append(ticket)
    session.create(master, bytearray(record["session_id"]), suite,
                   encryptThenMAC=bool(record.get("encrypt_then_mac")),
                   extendedMasterSecret=bool(
                       record.get("extended_master_secret")),
                   tls_1_0_tickets=tickets, ec_point_format=0, **common)
    return session
