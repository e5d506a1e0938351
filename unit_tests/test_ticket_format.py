"""The ticket format: every malformed ticket is a TicketDecodeError."""

import pytest

from tlslite_tickets import TicketContents, TicketDecodeError, TicketKey
from tlslite_tickets import _ticket

KEY = TicketKey(b"N" * 16, b"s" * 32)


def contents(**changes):
    fields = dict(protocol_version=(3, 4), cipher_suite=0x1301,
                  secret=b"\x11" * 32, created_ms=1700000000123,
                  lifetime=7200, age_add=0xdeadbeef, server_name=b"example",
                  ems=True, etm=False, client_certs=[b"\x30\x03abc"],
                  appdata=b"app")
    fields.update(changes)
    return TicketContents(**fields)


def test_round_trip_keeps_every_field():
    original = contents()
    back = _ticket.open_ticket(KEY, _ticket.seal(KEY, original))
    for name in TicketContents.__slots__:
        assert getattr(back, name) == getattr(original, name), name


@pytest.mark.parametrize("appdata", [None, b"", b"\x00", bytes(range(256))])
def test_appdata_none_and_empty_are_distinct(appdata):
    back = TicketContents.decode(contents(appdata=appdata).encode())
    assert back.appdata == appdata


def test_ticket_layout():
    ticket = _ticket.seal(KEY, contents())
    assert ticket[:16] == KEY.name
    plaintext = contents().encode()
    assert len(ticket) == 16 + 12 + len(plaintext) + 16


def test_every_bit_flip_is_detected():
    ticket = bytearray(_ticket.seal(KEY, contents(appdata=None)))
    for index in range(len(ticket)):
        tampered = bytearray(ticket)
        tampered[index] ^= 0x01
        with pytest.raises(TicketDecodeError):
            _ticket.open_ticket(KEY, bytes(tampered))


def test_every_truncation_is_detected():
    ticket = _ticket.seal(KEY, contents())
    for length in range(len(ticket)):
        with pytest.raises(TicketDecodeError):
            _ticket.open_ticket(KEY, ticket[:length])


def test_key_name_is_authenticated():
    # the same secret under another name must not open the ticket
    other = TicketKey(b"M" * 16, b"s" * 32)
    ticket = _ticket.seal(KEY, contents())
    with pytest.raises(TicketDecodeError):
        _ticket.open_ticket(other, other.name + ticket[16:])


def test_every_plaintext_truncation_is_detected():
    plaintext = contents().encode()
    for length in range(len(plaintext)):
        with pytest.raises(TicketDecodeError):
            TicketContents.decode(plaintext[:length])


@pytest.mark.parametrize("mutate", [
    lambda p: b"\x02" + p[1:],                      # unknown format version
    lambda p: p + b"\x00",                          # trailing byte
    lambda p: p[:21] + bytes([p[21] | 0x80]) + p[22:],  # unknown flag
])
def test_malformed_plaintext(mutate):
    with pytest.raises(TicketDecodeError):
        TicketContents.decode(mutate(contents().encode()))


def test_oversized_ticket_is_refused_not_truncated():
    big = contents(client_certs=[b"c" * 60000], appdata=b"a" * 10000)
    with pytest.raises(ValueError) as info:
        _ticket.seal(KEY, big)
    assert "65535" in str(info.value)


def test_expiry():
    ticket = contents(created_ms=1000000, lifetime=10)
    assert not ticket.expired(1010)
    assert ticket.expired(1010.001)


def test_repr_hides_secret():
    text = repr(contents(secret=b"\xab" * 32))
    assert "abab" not in text and "\\xab" not in text


def test_client_certificates_come_back_as_certificates(cert_files):
    from tlslite.api import X509CertChain
    from tlslite_tickets._handshake import TicketHandshake

    chain = X509CertChain()
    with open(cert_files[0]) as handle:
        chain.parsePemList(handle.read())
    der = bytes(chain.x509List[0].writeBytes())
    session = TicketHandshake._session_of(contents(client_certs=[der, der]))
    certs = session.clientCertChain.x509List
    assert [bytes(c.writeBytes()) for c in certs] == [der, der]
    assert session.clientCertChain.getNumCerts() == 2
