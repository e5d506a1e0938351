"""The report of the ``inspect`` command: a ticket's fields as a
JSON-ready dict, and as text lines. No secret is included unless asked.
"""

import datetime

from tlslite.constants import CipherSuite

from .. import _der, _ticket
from .._trace import version_name


def iso(seconds):
    """UTC ISO 8601 time with milliseconds, ending in Z."""
    stamp = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration(seconds):
    """``1 d 2 h 3 min 4 s`` for a number of seconds."""
    seconds = int(round(abs(seconds)))
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            parts.append("{0} {1}".format(seconds // size, unit))
            seconds %= size
    if seconds or not parts:
        parts.append("{0} s".format(seconds))
    return " ".join(parts)


def printable(data):
    """The text of ``data`` if it is printable UTF-8, else None."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None


def describe_contents(contents, now, show_secret):
    """The decoded fields of a ticket."""
    created = contents.created_ms / 1000.0
    expires = created + contents.lifetime
    certs = []
    for der in contents.client_certs:
        try:
            subject = _der.certificate_subject(der)
        except (_der.DERError, IndexError):
            subject = None
        certs.append({"subject": subject, "length": len(der)})
    appdata = contents.appdata
    fields = {
        "format_version": _ticket.FORMAT_VERSION,
        "protocol": version_name(contents.protocol_version),
        "protocol_version": list(contents.protocol_version),
        "cipher_suite": contents.cipher_suite,
        "cipher_suite_name": CipherSuite.ietfNames.get(contents.cipher_suite),
        "created": iso(created), "created_ms": contents.created_ms,
        "age_seconds": round(now - created, 3),
        "lifetime": contents.lifetime, "expires": iso(expires),
        "expired": contents.expired(now),
        "server_name": contents.server_name.decode("utf-8", "replace"),
        "extended_master_secret": contents.ems,
        "encrypt_then_mac": contents.etm,
        "client_certificates": certs,
        "appdata_text": printable(appdata) if appdata is not None else None,
        "appdata_hex": appdata.hex() if appdata is not None else None,
        "ticket_age_add": contents.age_add,
        "secret_kind": "resumption PSK" if contents.protocol_version >
        (3, 3) else "master secret",
        "secret_length": len(contents.secret)}
    if show_secret:
        fields["secret_hex"] = contents.secret.hex()
    return fields


def text_lines(result, now):
    """The text report of one inspected ticket."""
    lines = ["ticket: {0} bytes, from {1}".format(result["length"],
                                                  result["source"])]
    client = result["client"]
    if client:
        lines.append("client's copy: " + ", ".join(_client_parts(client)))
    lines.append("key name: {0}".format(result["key_name"]))
    lines.append("key: {0}".format(result["key"] or result["error"]))
    if result["authenticates"] is not None:
        lines.append("authenticates: {0}".format(
            "yes" if result["authenticates"] else "no (bad AEAD tag or "
            "HMAC, or another key with the same name)"))
    if result["key"] and result["error"] and result["authenticates"]:
        lines.append("error: " + result["error"])
    fields = result["contents"]
    if fields is None:
        return lines
    if fields.get("format") == "openssl":
        # imported here: inspect_openssl uses this module's helpers
        from .inspect_openssl import session_lines
        return lines + session_lines(fields, now)
    age = fields["age_seconds"]
    left = now - (fields["created_ms"] / 1000.0 + fields["lifetime"])
    appdata = fields["appdata_hex"]
    lines += [
        "format version: {0}".format(fields["format_version"]),
        "protocol: {0}".format(fields["protocol"]),
        "cipher suite: {0} (0x{1:04x})".format(
            fields["cipher_suite_name"] or "unknown", fields["cipher_suite"]),
        "created: {0} ({1})".format(fields["created"], "{0} ago".format(
            duration(age)) if age >= 0 else "{0} in the future".format(
                duration(age))),
        "lifetime: {0} s, expires {1} ({2})".format(
            fields["lifetime"], fields["expires"],
            "EXPIRED {0} ago".format(duration(left)) if fields["expired"]
            else "valid, {0} left".format(duration(left))),
        "SNI: {0}".format(repr(fields["server_name"])
                          if fields["server_name"] else "(none)"),
        "extended master secret: {0}".format(
            "yes" if fields["extended_master_secret"] else "no"),
        "encrypt-then-MAC: {0}".format(
            "yes" if fields["encrypt_then_mac"] else "no"),
        "client certificates: {0}".format(len(fields["client_certificates"]))]
    for number, cert in enumerate(fields["client_certificates"], 1):
        lines.append("  {0}: {1} ({2} bytes)".format(
            number, cert["subject"] or "(subject not readable)",
            cert["length"]))
    if appdata is None:
        lines.append("appdata: (none)")
    else:
        text = fields["appdata_text"]
        lines.append("appdata: {0} bytes{1}".format(
            len(appdata) // 2, ", text {0!r}".format(text)
            if text is not None else ", not printable text"))
        lines.append("appdata hex: {0}".format(appdata or "(empty)"))
    lines.append("ticket_age_add: {0}".format(fields["ticket_age_add"]))
    lines.append("secret ({0}, {1} bytes): {2}".format(
        fields["secret_kind"], fields["secret_length"],
        fields.get("secret_hex", "(hidden; --show-secret shows it)")))
    return lines


def _client_parts(client):
    parts = []
    if "protocol" in client:
        parts.append(client["protocol"])
    if "cipher_suite" in client:
        parts.append(CipherSuite.ietfNames.get(
            client["cipher_suite"], hex(client["cipher_suite"])))
    if client.get("server_name"):
        parts.append("SNI {0!r}".format(client["server_name"]))
    if "lifetime_hint" in client:
        parts.append("lifetime hint {0} s".format(client["lifetime_hint"]))
    if "age_add" in client:
        parts.append("ticket_age_add {0}".format(client["age_add"]))
    if "received" in client:
        parts.append("received {0}".format(iso(client["received"])))
    if "session_time" in client:
        parts.append("session time {0}".format(iso(client["session_time"])))
    return parts
