"""``inspect`` for OpenSSL's and nginx's tickets: open one with a key-file
key and report every ``SSL_SESSION`` field by name (JSON-ready dict and
text lines). The format itself lives in ``_openssl_ticket.py`` and
``_openssl_session.py``; nothing here re-implements it.
"""

from tlslite.constants import CipherSuite, GroupName

from .. import _der, _openssl_session, _openssl_ticket
from .._ticket import TicketDecodeError
from .._trace import version_name
from .inspect_report import duration, iso, printable

#: X509_V_OK and the verify results a reader meets most
_VERIFY_RESULTS = {0: "ok", 18: "self-signed certificate",
                   19: "self-signed certificate in chain",
                   20: "unable to get local issuer certificate",
                   10: "certificate has expired",
                   50: "application verification failure: not verified "
                   "by the TLS library"}


def open_openssl_ticket(key, ticket):
    """``(session, error, authenticates)`` for an OpenSSL-format ticket
    under ``key`` (an :class:`OpenSSLTicketKey`)."""
    if not isinstance(key, _openssl_ticket.OpenSSLTicketKey):
        return None, "not an OpenSSL ticket key", None
    try:
        der = _openssl_ticket.open_der(key, ticket)
    except TicketDecodeError as exc:
        return None, str(exc), "authenticate" not in str(exc) and \
            "length" not in str(exc)
    try:
        return _openssl_session.decode(der), None, True
    except _der.DERError as exc:
        return None, "authenticates, but the SSL_SESSION is malformed: " \
            "{0}".format(exc), True


def _iso(seconds):
    """ISO time, or None for a time no calendar can show (the fields are
    64-bit and attacker-chosen once a key leaks)."""
    try:
        return iso(seconds)
    except (OverflowError, OSError, ValueError):
        return None


def _text_and_hex(data, prefix):
    if data is None:
        return {prefix + "_text": None, prefix + "_hex": None}
    return {prefix + "_text": printable(data), prefix + "_hex": data.hex()}


def describe_session(session, now, show_secret, nginx_sid_ctx=None):
    """Every field of an OpenSSL session, named; secrets only if asked.

    ``nginx_sid_ctx``: the context of an nginx configuration
    (``--nginx-cert``), to say whether the ticket resumes there.
    """
    created = session.time if session.time else None
    timeout = session.timeout if session.timeout else 3
    peer = None
    if session.peer is not None:
        try:
            peer = _der.certificate_subject(session.peer)
        except (_der.DERError, IndexError):
            peer = "(subject not readable)"
    fields = {
        "format": "openssl",
        "protocol": version_name(session.protocol_version),
        "ssl_version": session.ssl_version,
        "cipher_suite": session.cipher_suite,
        "cipher_suite_name": CipherSuite.ietfNames.get(session.cipher_suite),
        "session_id_hex": session.session_id.hex(),
        "time": session.time,
        "created": _iso(created) if created is not None else None,
        "age_seconds": round(now - created, 3) if created else None,
        "timeout": session.timeout,
        "expires": _iso(created + timeout) if created is not None else None,
        # OpenSSL: expired when now - time > timeout (whole seconds)
        "expired": bool(created is not None and
                        int(now) - created > timeout),
        "session_id_context_hex": (session.sid_ctx or b"").hex(),
        "nginx_session_id_context_matches": None if nginx_sid_ctx is None
        else (session.sid_ctx or b"") == nginx_sid_ctx,
        "hostname": None if session.hostname is None else
        session.hostname.decode("utf-8", "replace"),
        "flags": session.flags or 0,
        "extended_master_secret": session.ems,
        "ticket_age_add": session.age_add,
        "max_early_data": session.max_early_data,
        "lifetime_hint": session.lifetime_hint,
        "kex_group": session.kex_group,
        "kex_group_name": GroupName.toRepr(session.kex_group)
        if session.kex_group else None,
        "peer_certificate": peer,
        "verify_result": session.verify_result,
        "secret_kind": "resumption PSK" if session.protocol_version >
        (3, 3) else "master secret",
        "secret_length": len(session.master_key)}
    fields.update(_text_and_hex(session.alpn, "alpn"))
    fields.update(_text_and_hex(session.ticket_appdata, "appdata"))
    if show_secret:
        fields["secret_hex"] = session.master_key.hex()
    return fields


def session_lines(fields, now):
    """The text report of :func:`describe_session`'s fields."""
    if fields["time"] is None:
        created = "(not set: OpenSSL takes the time it reads the ticket)"
    elif fields["created"] is None:
        created = "{0} (out of the calendar's range)".format(fields["time"])
    else:
        age = fields["age_seconds"]
        created = "{0} ({1})".format(fields["created"], "{0} ago".format(
            duration(age)) if age >= 0 else "{0} in the future (accepted "
            "by OpenSSL)".format(duration(age)))
    timeout = fields["timeout"]
    lines = [
        "format: OpenSSL SSL_SESSION (AES-CBC + HMAC-SHA256)",
        "protocol: {0}".format(fields["protocol"]),
        "cipher suite: {0} (0x{1:04x})".format(
            fields["cipher_suite_name"] or "unknown", fields["cipher_suite"]),
        "session id: {0}".format(fields["session_id_hex"] or "(empty)"),
        "created: {0}".format(created),
        "timeout: {0}".format("{0} s, expires {1} ({2})".format(
            timeout, fields["expires"] or "(out of range)",
            "EXPIRED" if fields["expired"]
            else "valid") if timeout else "(not set: OpenSSL uses 3 s)"),
        "session id context: {0}".format(
            fields["session_id_context_hex"] or "(empty)")]
    matches = fields["nginx_session_id_context_matches"]
    if matches is not None:
        lines.append("nginx configuration: {0}".format(
            "matches (resumes there)" if matches else
            "DIFFERS (a full handshake there)"))
    lines += [
        "SNI: {0}".format(repr(fields["hostname"]) if fields["hostname"]
                          else "(none)"),
        "ALPN: {0}".format(_shown(fields, "alpn")),
        "extended master secret: {0}".format(
            "yes" if fields["extended_master_secret"] else "no"),
        "ticket_age_add: {0}".format(_or_none(fields["ticket_age_add"])),
        "max_early_data: {0}".format(_or_none(fields["max_early_data"])),
        "lifetime hint: {0}".format(_or_none(fields["lifetime_hint"])),
        "key exchange group: {0}".format(
            "{0} ({1})".format(fields["kex_group_name"], fields["kex_group"])
            if fields["kex_group"] else "(not recorded)"),
        "peer certificate: {0}".format(fields["peer_certificate"] or
                                       "(none)"),
        "verify result: {0}".format(
            "(not set: ok)" if fields["verify_result"] is None else
            "{0} ({1})".format(fields["verify_result"], _VERIFY_RESULTS.get(
                fields["verify_result"], "see openssl verify"))),
        "appdata: {0}".format(_shown(fields, "appdata")),
        "secret ({0}, {1} bytes): {2}".format(
            fields["secret_kind"], fields["secret_length"],
            fields.get("secret_hex", "(hidden; --show-secret shows it)"))]
    return lines


def _or_none(value):
    return "(none)" if value is None else str(value)


def _shown(fields, prefix):
    data = fields[prefix + "_hex"]
    if data is None:
        return "(none)"
    text = fields[prefix + "_text"]
    return "{0} bytes{1}, hex {2}".format(
        len(data) // 2, ", text {0!r}".format(text) if text is not None
        else "", data or "(empty)")
