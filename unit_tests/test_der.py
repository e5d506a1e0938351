"""The DER/PEM reader (certificate names, PEM blocks, the elements that
OpenSSL's SSL_SESSION is made of): every malformed input is a DERError that
says what is wrong.

The SSL_SESSION codec built on it is tested in test_openssl_ticket.py; the
well-formed paths run end to end in test_cli_tools.py (an ``openssl
s_client -sess_out`` session, client certificates); here, hand-built DER.
"""

import pytest

from tlslite_tickets._der import (DERError, certificate_subject,
                                  name_to_text, parse_single, pem_blocks,
                                  read_tlv)


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
    value = b"a" * 200
    tlv, end = read_tlv(b"\x9f\x81\x01" + b"\x81\xc8" + value)
    assert (tlv.cls, tlv.constructed, tlv.number, tlv.value, end) == \
        (2, False, 129, value, 205)


@pytest.mark.parametrize("data", [
    b"\x04\x82\x00\x03abc",       # length 3 in the long form
    b"\x04\x81\x03abc",            # the same, one length byte
    b"\x9f\x1e\x00",               # tag number 30 in the long form
])
def test_non_minimal_forms_are_refused(data):
    # OpenSSL's reader is DER-strict: a ticket it would refuse, we refuse
    with pytest.raises(DERError, match="not minimally encoded"):
        read_tlv(data)


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
