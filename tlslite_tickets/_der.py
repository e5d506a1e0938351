"""A tiny DER reader: just enough to read OpenSSL's saved sessions and
certificate subject names, for the ``inspect`` command.

``openssl s_client -sess_out FILE`` writes ``i2d_SSL_SESSION`` as PEM
(``-----BEGIN SSL SESSION PARAMETERS-----``). That DER is one SEQUENCE
(OpenSSL's ``ssl/ssl_asn1.c``, ``SSL_SESSION_ASN1``)::

    INTEGER version (1), INTEGER ssl_version (0x0303, 0x0304),
    OCTET STRING cipher (2 bytes), OCTET STRING session_id,
    OCTET STRING master_key (TLS 1.3: the resumption PSK),
    then optional fields, each wrapped in an EXPLICIT context tag:
    [1] INTEGER time, [2] INTEGER timeout, [3] peer certificate,
    [6] OCTET STRING host name, [9] INTEGER ticket lifetime hint,
    [10] OCTET STRING ticket, [13] INTEGER flags,
    [14] INTEGER ticket_age_add, ... (others are skipped)

Every way the input can be wrong raises :class:`DERError` with a short
message and never with the bytes themselves (they may hold secrets).
"""

import base64
import binascii
import re

PEM_SESSION_LABEL = "SSL SESSION PARAMETERS"
_PEM = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----",
                  re.S)

_UNIVERSAL_INTEGER = 0x02
_UNIVERSAL_OCTET_STRING = 0x04
_UNIVERSAL_SEQUENCE = 0x30

#: attribute type OIDs of subject names, in dotted form
_NAME_OIDS = {"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L",
              "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
              "2.5.4.5": "serialNumber", "0.9.2342.19200300.100.1.25": "DC",
              "1.2.840.113549.1.9.1": "emailAddress"}


class DERError(ValueError):
    """DER (or PEM) that cannot be read."""


class TLV(object):
    """One DER element: ``cls`` (0 universal .. 3 private), ``constructed``,
    ``number`` (the tag number) and ``value`` (the content bytes)."""

    __slots__ = ("cls", "constructed", "number", "value")

    def __init__(self, cls, constructed, number, value):
        self.cls = cls
        self.constructed = constructed
        self.number = number
        self.value = value

    def children(self):
        """The elements inside a constructed element."""
        if not self.constructed:
            raise DERError("expected a constructed element")
        return list(iterate(self.value))

    def context(self, number):
        """True for the context-specific tag ``[number]``."""
        return self.cls == 2 and self.number == number


def read_tlv(data, pos=0):
    """Parse the element at ``data[pos:]``; return ``(TLV, next_pos)``."""
    end = len(data)
    if pos >= end:
        raise DERError("truncated DER: element expected")
    first = data[pos]
    pos += 1
    number = first & 0x1F
    if number == 0x1F:  # high tag number form, base 128
        number = 0
        while True:
            if pos >= end:
                raise DERError("truncated DER tag")
            byte = data[pos]
            pos += 1
            number = (number << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
            if number > 0xFFFFFF:
                raise DERError("DER tag number too large")
    if pos >= end:
        raise DERError("truncated DER length")
    length = data[pos]
    pos += 1
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise DERError("unsupported DER length form")
        if pos + count > end:
            raise DERError("truncated DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > end:
        raise DERError("truncated DER: element runs past the end")
    return TLV(first >> 6, bool(first & 0x20), number,
               bytes(data[pos:pos + length])), pos + length


def iterate(data):
    """Every element of a concatenation of DER elements."""
    pos = 0
    while pos < len(data):
        tlv, pos = read_tlv(data, pos)
        yield tlv


def parse_single(data):
    """The one element that ``data`` must be, with nothing after it."""
    tlv, pos = read_tlv(data)
    if pos != len(data):
        raise DERError("trailing bytes after the DER element")
    return tlv


def _integer(tlv):
    if tlv.cls != 0 or tlv.number != _UNIVERSAL_INTEGER or not tlv.value:
        raise DERError("expected an INTEGER")
    return int.from_bytes(tlv.value, "big", signed=True)


def _octets(tlv):
    if tlv.cls != 0 or tlv.number != _UNIVERSAL_OCTET_STRING or \
            tlv.constructed:
        raise DERError("expected an OCTET STRING")
    return tlv.value


def _explicit(tlv):
    """The single element inside an EXPLICIT context tag."""
    inner = tlv.children()
    if len(inner) != 1:
        raise DERError("context tag [{0}] must hold one element"
                       .format(tlv.number))
    return inner[0]


def pem_blocks(text):
    """``(label, der)`` for every PEM block in ``text`` (str)."""
    blocks = []
    for match in _PEM.finditer(text):
        body = "".join(line for line in match.group(2).splitlines()
                       if ":" not in line)  # skip RFC 1421 headers
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            raise DERError("PEM block {0!r} holds bad base64".format(
                match.group(1)))
        blocks.append((match.group(1), der))
    return blocks


def parse_openssl_session(der):
    """The fields of an ``SSL_SESSION`` DER that the inspector shows.

    Returns a dict: ``ssl_version`` ((3, 3) or (3, 4)), ``cipher_suite``
    (int), ``ticket`` (bytes or None) and, when present, ``time``,
    ``timeout``, ``server_name``, ``lifetime_hint``, ``age_add``, ``flags``.
    The master key is read past, never returned.
    """
    top = parse_single(der)
    if top.cls != 0 or top.number != 0x10 or not top.constructed:
        raise DERError("an SSL session must be a DER SEQUENCE")
    items = top.children()
    if len(items) < 5:
        raise DERError("SSL session has too few fields")
    if _integer(items[0]) != 1:
        raise DERError("unknown SSL session format version {0}".format(
            _integer(items[0])))
    version = _integer(items[1])
    cipher = _octets(items[2])
    if len(cipher) != 2:
        raise DERError("SSL session cipher is not 2 bytes")
    _octets(items[3])  # session id
    _octets(items[4])  # master key: read past, never kept
    fields = {"ssl_version": ((version >> 8) & 0xFF, version & 0xFF),
              "cipher_suite": int.from_bytes(cipher, "big"),
              "ticket": None}
    for item in items[5:]:
        if item.cls != 2:
            raise DERError("unexpected universal field in SSL session")
        if item.number == 0 or not item.constructed:
            continue  # [0] IMPLICIT key_arg, or anything not EXPLICIT
        number = item.number
        if number in (1, 2, 9, 13, 14):
            name = {1: "time", 2: "timeout", 9: "lifetime_hint",
                    13: "flags", 14: "age_add"}[number]
            fields[name] = _integer(_explicit(item))
        elif number == 6:
            fields["server_name"] = _octets(_explicit(item))
        elif number == 10:
            fields["ticket"] = _octets(_explicit(item))
    return fields


def _oid(value):
    if not value:
        raise DERError("empty OBJECT IDENTIFIER")
    parts, number = [], 0
    for byte in value:
        number = (number << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(number)
            number = 0
    first = min(parts[0] // 40, 2)
    return ".".join(str(p) for p in [first, parts[0] - 40 * first] +
                    parts[1:])


def certificate_subject(der):
    """The subject of a DER X.509 certificate as ``CN=a, O=b`` text."""
    tbs = parse_single(der).children()[0].children()
    # [0] version is optional; then serial, signature, issuer, validity
    start = 1 if tbs and tbs[0].context(0) else 0
    if len(tbs) < start + 5:
        raise DERError("certificate too short")
    return name_to_text(tbs[start + 4])


def name_to_text(name):
    """An X.501 Name (a TLV, or its DER) as ``CN=a, O=b`` text."""
    if not isinstance(name, TLV):
        name = parse_single(name)
    parts = []
    for rdn in name.children():
        for attribute in rdn.children():
            pair = attribute.children()
            if len(pair) != 2 or pair[0].number != 6:
                raise DERError("bad attribute in a name")
            oid = _oid(pair[0].value)
            value = pair[1].value
            if pair[1].number == 30:  # BMPString
                text = value.decode("utf-16-be", "replace")
            else:
                text = value.decode("utf-8", "replace")
            parts.append("{0}={1}".format(_NAME_OIDS.get(oid, oid), text))
    return ", ".join(parts)
