"""OpenSSL's ``SSL_SESSION`` encoding, read strictly and written as OpenSSL
writes it (``i2d_SSL_SESSION`` / ``d2i_SSL_SESSION``, ``ssl/ssl_asn1.c``).

It is the plaintext of OpenSSL's and nginx's session tickets and what
``openssl s_client -sess_out`` saves. One DER SEQUENCE::

    INTEGER version (1)
    INTEGER ssl_version (0x0303 TLS 1.2, 0x0304 TLS 1.3)
    OCTET STRING cipher (the 2-byte suite number)
    OCTET STRING session_id (0-32 bytes)
    OCTET STRING master_key (TLS 1.3: the resumption PSK)
    [0] IMPLICIT OCTET STRING key_arg (obsolete; read past)
    then optional fields, each an EXPLICIT context tag, ascending:
    [1] INTEGER time            [2] INTEGER timeout
    [3] Certificate peer        [4] OCTET STRING session_id_context
    [5] INTEGER verify_result   [6] OCTET STRING host name
    [7] [8] PSK identity hint and identity
    [9] INTEGER ticket lifetime hint
    [10] OCTET STRING ticket (client side)
    [11] OCTET STRING compression id   [12] OCTET STRING SRP user name
    [13] INTEGER flags (1 = extended master secret)
    [14] INTEGER ticket_age_add        [15] INTEGER max_early_data
    [16] OCTET STRING ALPN protocol    [17] INTEGER max_fragment_len_mode
    [18] OCTET STRING ticket_appdata   [19] INTEGER kex_group
    [20] OCTET STRING peer raw public key (OpenSSL 3.2+)

OpenSSL omits integer fields that are zero, except ``kex_group``, and
always writes ``session_id_context``, empty or not.

The reader refuses what OpenSSL's refuses (tags out of order or unknown,
padded INTEGERs, values out of their C type's range, oversized session id,
context or key, anything after the SEQUENCE) with :class:`DERError`.
"""

from . import _der

#: ``SSL_SESSION_ASN1_VERSION``
ASN1_VERSION = 1
#: ``SSL_MAX_SSL_SESSION_ID_LENGTH`` and ``SSL_MAX_SID_CTX_LENGTH``
MAX_SESSION_ID_LEN = 32
MAX_SID_CTX_LEN = 32
#: ``TLS13_MAX_RESUMPTION_PSK_LENGTH``, the size of OpenSSL's master_key
MAX_MASTER_KEY_LEN = 64
#: ``SSL_SESS_FLAG_EXTMS``
FLAG_EMS = 1

_U32 = (0, 2 ** 32 - 1)
_I32 = (-2 ** 31, 2 ** 31 - 1)
_U64 = (0, 2 ** 64 - 1)
_I64 = (-2 ** 63, 2 ** 63 - 1)

#: tag -> (attribute, kind, bounds); kinds: "int", "octets", "cert"
_OPTIONAL = {
    1: ("time", "int", _I64),
    2: ("timeout", "int", _I64),
    3: ("peer", "cert", None),
    4: ("sid_ctx", "octets", MAX_SID_CTX_LEN),
    5: ("verify_result", "int", _I32),
    6: ("hostname", "octets", None),
    7: ("psk_identity_hint", "octets", None),
    8: ("psk_identity", "octets", None),
    9: ("lifetime_hint", "int", _U64),
    10: ("ticket", "octets", None),
    11: ("comp_id", "octets", 1),
    12: ("srp_username", "octets", None),
    13: ("flags", "int", _U64),
    14: ("age_add", "int", _U32),
    15: ("max_early_data", "int", _U32),
    16: ("alpn", "octets", None),
    17: ("max_fragment_len_mode", "int", _U32),
    18: ("ticket_appdata", "octets", None),
    19: ("kex_group", "int", _U32),
    20: ("peer_rpk", "octets", None),
}
#: what our server writes, in order; integers equal to 0 are left out
#: (OpenSSL's "Z" types) except kex_group, which OpenSSL always writes,
#: and so are octet strings that are None
_WRITTEN = (1, 2, 3, 4, 5, 6, 9, 13, 14, 15, 16, 18, 19)
_ALWAYS_WRITTEN = (19,)


class OpenSSLSession:
    """The fields of one ``SSL_SESSION``; absent optional fields are None.

    ``master_key`` (a secret) is never shown by ``repr``.
    """

    __slots__ = ("ssl_version", "cipher_suite", "session_id",
                 "master_key") + tuple(v[0] for v in _OPTIONAL.values())

    def __init__(self, ssl_version, cipher_suite, session_id=b"",
                 master_key=b"", **optional):
        self.ssl_version = ssl_version
        self.cipher_suite = cipher_suite
        self.session_id = bytes(session_id)
        self.master_key = bytes(master_key)
        for name, _, _ in _OPTIONAL.values():
            setattr(self, name, optional.pop(name, None))
        if optional:
            raise TypeError("unknown SSL_SESSION fields: {0}".format(
                ", ".join(sorted(optional))))

    @property
    def protocol_version(self):
        """``ssl_version`` as tlslite-ng's ``(3, 3)`` / ``(3, 4)`` tuple."""
        return (self.ssl_version >> 8) & 0xFF, self.ssl_version & 0xFF

    @property
    def ems(self):
        """The extended master secret flag of ``flags``."""
        return bool((self.flags or 0) & FLAG_EMS)

    def encode(self):
        """The DER ``i2d_SSL_SESSION`` writes for these fields."""
        if not 0 <= self.cipher_suite <= 0xFFFF:
            raise ValueError("cipher suite out of range")
        if len(self.session_id) > MAX_SESSION_ID_LEN or \
                len(self.master_key) > MAX_MASTER_KEY_LEN or \
                len(self.sid_ctx or b"") > MAX_SID_CTX_LEN:
            raise ValueError("session id, context or key too long")
        parts = [_der.encode_integer(ASN1_VERSION),
                 _der.encode_integer(self.ssl_version),
                 _der.encode_octets(self.cipher_suite.to_bytes(2, "big")),
                 _der.encode_octets(self.session_id),
                 _der.encode_octets(self.master_key)]
        for tag in _WRITTEN:
            name, kind, _ = _OPTIONAL[tag]
            value = getattr(self, name)
            if kind == "int":
                if not value and tag not in _ALWAYS_WRITTEN:
                    continue
                inner = _der.encode_integer(value or 0)
            elif value is None:
                continue
            elif kind == "cert":
                _der.parse_single(value)  # one DER element, nothing else
                inner = bytes(value)
            else:
                inner = _der.encode_octets(value)
            parts.append(_der.encode_explicit(tag, inner))
        return _der.encode_sequence(parts)

    def __repr__(self):
        shown = ["ssl_version=0x{0:04x}".format(self.ssl_version),
                 "cipher_suite=0x{0:04x}".format(self.cipher_suite)]
        for name, kind, _ in _OPTIONAL.values():
            value = getattr(self, name)
            if value is not None and kind == "int":
                shown.append("{0}={1}".format(name, value))
            elif value is not None:
                shown.append("{0}=<{1} bytes>".format(name, len(value)))
        return "OpenSSLSession({0})".format(", ".join(shown))


def decode(der):
    """Parse ``SSL_SESSION`` DER strictly; raise :class:`_der.DERError`.

    Mirrors ``d2i_SSL_SESSION``'s checks: version 1, a TLS ssl_version, a
    2-byte cipher, session id and context of at most 32 bytes, a master
    key of at most 64, optional fields once each in ascending tag order.
    """
    top = _der.parse_single(der)
    if top.cls != 0 or top.number != 0x10 or not top.constructed:
        raise _der.DERError("an SSL session must be a DER SEQUENCE")
    items = top.children()
    if len(items) < 5:
        raise _der.DERError("SSL session has too few fields")
    if _der.integer(items[0], *_U32) != ASN1_VERSION:
        raise _der.DERError("unknown SSL session format version")
    ssl_version = _der.integer(items[1], *_I32)
    if ssl_version >> 8 != 3:
        raise _der.DERError("SSL session is not for TLS")
    cipher = _der.octets(items[2])
    if len(cipher) != 2:
        raise _der.DERError("SSL session cipher is not 2 bytes")
    session = OpenSSLSession(
        ssl_version, int.from_bytes(cipher, "big"),
        _der.octets(items[3], MAX_SESSION_ID_LEN),
        _der.octets(items[4], MAX_MASTER_KEY_LEN))
    last = -1
    for item in items[5:]:
        if item.cls != 2 or item.number <= last:
            raise _der.DERError("SSL session fields out of order")
        last = item.number
        if item.number == 0:  # [0] IMPLICIT key_arg
            if item.constructed:
                raise _der.DERError("bad key_arg in SSL session")
            continue
        spec = _OPTIONAL.get(item.number)
        if spec is None or not item.constructed:
            raise _der.DERError("unknown field [{0}] in SSL session"
                                .format(item.number))
        name, kind, bounds = spec
        inner = _der.explicit(item)
        if kind == "int":
            value = _der.integer(inner, *bounds)
        elif kind == "octets":
            value = _der.octets(inner, bounds)
        else:
            if inner.cls != 0 or inner.number != 0x10 or \
                    not inner.constructed:
                raise _der.DERError("peer certificate is not a SEQUENCE")
            value = _der.encode_tlv(0x30, inner.value)
        setattr(session, name, value)
    return session
