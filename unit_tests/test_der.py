"""The DER/PEM reader behind ``inspect`` (OpenSSL sessions, certificate
names): every malformed input is a DERError that says what is wrong.

The well-formed paths run end to end in test_cli_tools.py (an ``openssl
s_client -sess_out`` session, client certificates); here, hand-built DER.
"""

import pytest

from tlslite_tickets._der import (DERError, certificate_subject,
                                  name_to_text, parse_openssl_session,
                                  parse_single, pem_blocks, read_tlv)


def der(tag, value, long_form=False):
    if long_form or len(value) > 127:
        size = len(value).to_bytes(2, "big")
        return bytes([tag, 0x82]) + size + value
    return bytes([tag, len(value)]) + value


def integer(n):
    return der(0x02, n.to_bytes(2, "big", signed=True))


def octets(data):
    return der(0x04, data)


def explicit(number, inner):
    return der(0xA0 | number, inner)


def seq(*items):
    return der(0x30, b"".join(items))


@pytest.mark.parametrize("data,words", [
    (b"", "element expected"),
    (b"\x1f", "truncated DER tag"),
    (b"\x1f" + b"\xff" * 5, "tag number too large"),
    (b"\x04", "truncated DER length"),
    (b"\x04\x80", "unsupported DER length form"),
    (b"\x04\x85" + b"\x00" * 5, "unsupported DER length form"),
    (b"\x04\x82\x01", "truncated DER length"),
    (b"\x04\x05ab", "runs past the end"),
])
def test_malformed_elements(data, words):
    with pytest.raises(DERError, match=words):
        read_tlv(data)


def test_long_forms_of_tag_and_length():
    tlv, end = read_tlv(b"\x9f\x81\x01" + b"\x82\x00\x03abc")
    assert (tlv.cls, tlv.constructed, tlv.number, tlv.value, end) == \
        (2, False, 129, b"abc", 9)


def test_one_element_and_nothing_else():
    assert parse_single(octets(b"x")).value == b"x"
    with pytest.raises(DERError, match="trailing bytes"):
        parse_single(octets(b"x") + b"\x00")
    with pytest.raises(DERError, match="expected a constructed element"):
        parse_single(octets(b"x")).children()


def test_pem_blocks():
    text = ("junk\n-----BEGIN SSL SESSION PARAMETERS-----\nProc-Type: 4\n"
            "AAEC\n-----END SSL SESSION PARAMETERS-----\n")
    assert pem_blocks(text) == [("SSL SESSION PARAMETERS", b"\x00\x01\x02")]
    with pytest.raises(DERError, match="bad base64"):
        pem_blocks("-----BEGIN X-----\n!!!!\n-----END X-----")


def session(*extra, version=1, cipher=b"\x13\x02"):
    return seq(integer(version), integer(0x0304), octets(cipher),
               octets(b"id"), octets(b"master key"), *extra)


def test_openssl_session_fields():
    fields = parse_openssl_session(session(
        der(0x80, b"key arg"),                 # [0] IMPLICIT: skipped
        explicit(1, integer(1000)), explicit(2, integer(300)),
        explicit(6, octets(b"example.com")), explicit(9, integer(7200)),
        explicit(10, octets(b"ticket")), explicit(13, integer(1)),
        explicit(14, integer(99)), der(0x8f, b"other")))
    assert fields == {"ssl_version": (3, 4), "cipher_suite": 0x1302,
                      "ticket": b"ticket", "time": 1000, "timeout": 300,
                      "server_name": b"example.com", "lifetime_hint": 7200,
                      "flags": 1, "age_add": 99}
    assert b"master key" not in repr(fields).encode()


@pytest.mark.parametrize("data,words", [
    (octets(b"x"), "must be a DER SEQUENCE"),
    (seq(integer(1), integer(2)), "too few fields"),
    (session(version=2), "format version 2"),
    (session(cipher=b"\x13"), "cipher is not 2 bytes"),
    (session(integer(5)), "unexpected universal field"),
    (session(explicit(1, integer(1) + integer(2))), "must hold one element"),
    (seq(integer(1), integer(0x0304), integer(1), octets(b""), octets(b"")),
     "expected an OCTET STRING"),
    (seq(der(0x02, b""), integer(1), octets(b"ab"), octets(b""),
         octets(b"")), "expected an INTEGER"),
])
def test_malformed_openssl_sessions(data, words):
    with pytest.raises(DERError, match=words):
        parse_openssl_session(data)


def attribute(oid, value, tag=0x0C):
    return der(0x31, seq(der(0x06, oid), der(tag, value)))


def test_names():
    name = seq(attribute(b"\x55\x04\x03", b"alice"),
               attribute(b"\x55\x04\x0a", "Ünï".encode("utf-16-be"), 30),
               attribute(b"\x2a\x03", b"x"))
    assert name_to_text(name) == "CN=alice, O=Ünï, 1.2.3=x"
    assert name_to_text(parse_single(name)) == name_to_text(name)
    with pytest.raises(DERError, match="bad attribute"):
        name_to_text(seq(der(0x31, seq(der(0x06, b"\x55")))))
    with pytest.raises(DERError, match="empty OBJECT IDENTIFIER"):
        name_to_text(seq(attribute(b"", b"x")))


def test_certificate_too_short():
    with pytest.raises(DERError, match="certificate too short"):
        certificate_subject(seq(seq(explicit(0, integer(2)), integer(1))))
