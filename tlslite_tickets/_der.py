"""A small strict DER reader and writer, and PEM blocks.

Enough for OpenSSL's ``SSL_SESSION`` encoding (``_openssl_session.py``:
saved client sessions and the plaintext of OpenSSL/nginx tickets) and the
subject names of certificates (``inspect``, nginx's session id context).
The reader accepts DER only (shortest tag and length forms, minimal
INTEGERs, bounded lengths), as OpenSSL's reader does for sessions, since a
ticket plaintext is attacker-controlled once a ticket key leaks.

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


class TLV:
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


#: Longest content accepted, in bytes: nothing we read comes near it, and
#: a bound keeps a hostile length from describing gigabytes.
MAX_LENGTH = 2 ** 24 - 1


def read_tlv(data, pos=0):
    """Parse the element at ``data[pos:]``; return ``(TLV, next_pos)``.

    Strict DER: the shortest tag and length forms only, definite lengths
    of at most :data:`MAX_LENGTH`, nothing past the end of ``data``.
    """
    end = len(data)
    if pos >= end:
        raise DERError("truncated DER: element expected")
    first = data[pos]
    pos += 1
    number = first & 0x1F
    if number == 0x1F:  # high tag number form, base 128
        number = 0
        if pos < end and data[pos] == 0x80:
            raise DERError("DER tag number is not minimally encoded")
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
        if number < 0x1F:
            raise DERError("DER tag number is not minimally encoded")
    if pos >= end:
        raise DERError("truncated DER length")
    length = data[pos]
    pos += 1
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 3:
            raise DERError("unsupported DER length form")
        if pos + count > end:
            raise DERError("truncated DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
        # DER: the long form only from 128 on, and no leading zero byte
        if length < 0x80 or length < 1 << (8 * (count - 1)):
            raise DERError("DER length is not minimally encoded")
    if length > MAX_LENGTH:
        raise DERError("DER element too long")
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


def integer(tlv, low=None, high=None):
    """The value of a minimally encoded INTEGER, within ``[low, high]``.

    A padded INTEGER (``00 01``, ``FF 80``) is an error, as in OpenSSL's
    reader; so is a value out of range (an unsigned 32-bit field holding
    2^31 or more must carry a leading zero byte to be positive).
    """
    value = tlv.value
    if tlv.cls != 0 or tlv.number != _UNIVERSAL_INTEGER or \
            tlv.constructed or not value:
        raise DERError("expected an INTEGER")
    if len(value) > 1 and ((value[0] == 0 and not value[1] & 0x80) or
                           (value[0] == 0xFF and value[1] & 0x80)):
        raise DERError("INTEGER is not minimally encoded")
    if len(value) > 9:
        raise DERError("INTEGER too large")
    number = int.from_bytes(value, "big", signed=True)
    if (low is not None and number < low) or \
            (high is not None and number > high):
        raise DERError("INTEGER out of range")
    return number


def octets(tlv, high=None):
    """The content of a primitive OCTET STRING of at most ``high`` bytes."""
    if tlv.cls != 0 or tlv.number != _UNIVERSAL_OCTET_STRING or \
            tlv.constructed:
        raise DERError("expected an OCTET STRING")
    if high is not None and len(tlv.value) > high:
        raise DERError("OCTET STRING too long")
    return tlv.value


def explicit(tlv):
    """The one element inside an EXPLICIT context tag."""
    inner = tlv.children()
    if len(inner) != 1:
        raise DERError("context tag [{0}] must hold one element"
                       .format(tlv.number))
    return inner[0]


# -- writing ---------------------------------------------------------------

def encode_tlv(tag, value):
    """One element: the identifier octet ``tag`` (low tag numbers only),
    the minimal DER length, then ``value``."""
    length = len(value)
    if length > MAX_LENGTH:
        raise ValueError("DER element too long")
    if length < 0x80:
        head = bytes((tag, length))
    else:
        size = (length.bit_length() + 7) // 8
        head = bytes((tag, 0x80 | size)) + length.to_bytes(size, "big")
    return head + bytes(value)


def encode_integer(number):
    """A minimal two's complement INTEGER."""
    size = (number + (number < 0)).bit_length() // 8 + 1
    return encode_tlv(_UNIVERSAL_INTEGER,
                      number.to_bytes(size, "big", signed=True))


def encode_octets(value):
    """An OCTET STRING."""
    return encode_tlv(_UNIVERSAL_OCTET_STRING, value)


def encode_sequence(elements):
    """A SEQUENCE of already encoded elements."""
    return encode_tlv(_UNIVERSAL_SEQUENCE, b"".join(elements))


def encode_explicit(number, element):
    """An EXPLICIT context tag ``[number]`` (0 to 30) around one element."""
    return encode_tlv(0xA0 | number, element)


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


def _subject(der):
    tbs = parse_single(der).children()[0].children()
    # [0] version is optional; then serial, signature, issuer, validity
    start = 1 if tbs and tbs[0].context(0) else 0
    if len(tbs) < start + 5:
        raise DERError("certificate too short")
    return tbs[start + 4]


def certificate_subject(der):
    """The subject of a DER X.509 certificate as ``CN=a, O=b`` text."""
    return name_to_text(_subject(der))


def certificate_subject_der(der):
    """The DER of a certificate's subject Name (strict DER encodes one
    way only, so this is the certificate's own bytes)."""
    name = _subject(der)
    if name.cls != 0 or name.number != 0x10 or not name.constructed:
        raise DERError("certificate subject is not a SEQUENCE")
    return encode_tlv(_UNIVERSAL_SEQUENCE, name.value)


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
