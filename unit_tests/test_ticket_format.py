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
    session = TicketHandshake._session_of(contents(client_certs=[der, der]),
                                          b"example.test")
    certs = session.clientCertChain.x509List
    assert [bytes(c.writeBytes()) for c in certs] == [der, der]
    assert session.clientCertChain.getNumCerts() == 2
    assert session.serverName == "example.test"


def test_contents_defaults():
    plain = TicketContents((3, 3), 0xc02f, b"m" * 48, 5, 60)
    assert (plain.age_add, plain.server_name, plain.ems, plain.etm,
            plain.client_certs, plain.appdata) == (0, b"", False, False, (),
                                                   None)
    back = TicketContents.decode(plain.encode())
    for name in TicketContents.__slots__:
        assert getattr(back, name) == getattr(plain, name), name


def test_repr_is_exactly_the_public_fields():
    assert repr(contents()) == (
        "TicketContents(version=(3, 4), cipher_suite=0x1301, "
        "created_ms=1700000000123, lifetime=7200, server_name=b'example', "
        "appdata=b'app')")


def _plain(**changes):
    return contents(**changes).encode()


# the inspect command shows these messages, and tells a bad tag apart by its
# message: they are part of the interface
@pytest.mark.parametrize("data,message", [
    (b"\x02" + _plain()[1:], "unknown ticket format 2"),
    (_plain()[:21] + b"\x0f" + _plain()[22:], "unknown ticket flags"),
    (_plain() + b"\x00", "trailing bytes in ticket"),
    (_plain(appdata=None)[:-2] + b"\x00\x01x",
     "appdata without its flag"),
    (_plain(secret=b"s")[:22] + b"\x00" + _plain(secret=b"s")[24:],
     "empty secret"),
    (b"\x01", "ticket plaintext: truncated: 22 bytes wanted, 1 left"),
])
def test_decode_error_messages(data, message):
    with pytest.raises(TicketDecodeError) as info:
        TicketContents.decode(data)
    assert str(info.value) == message


def test_open_error_messages():
    ticket = _ticket.seal(KEY, contents())
    cases = [(ticket[:43], "ticket too short"),
             (b"M" * 16 + ticket[16:], "ticket is under another key name"),
             (ticket[:44], "ticket does not authenticate"),
             (ticket[:-1] + bytes([ticket[-1] ^ 1]),
              "ticket does not authenticate")]
    for data, message in cases:
        with pytest.raises(TicketDecodeError) as info:
            _ticket.open_ticket(KEY, data)
        assert str(info.value) == message
    assert _ticket.MIN_TICKET_LEN == 44
    assert _ticket.key_name_of(ticket) == KEY.name
    assert _ticket.key_name_of(b"abc") == b"abc"


def test_largest_ticket_and_appdata_are_accepted_one_more_is_not():
    # NewSessionTicket's 2^16-1 bytes, exactly
    largest = _ticket.seal_plaintext(KEY, b"p" * (65535 - 44))
    assert len(largest) == 65535
    with pytest.raises(ValueError) as info:
        _ticket.seal_plaintext(KEY, b"p" * (65535 - 43))
    assert str(info.value) == ("ticket would be 65536 bytes, over the 65535 "
                               "byte limit of NewSessionTicket")
    # appdata: MAX_APPDATA_LEN bytes, exactly
    assert TicketContents.decode(_plain(appdata=b"a" * 16384)).appdata == \
        b"a" * 16384
    with pytest.raises(ValueError) as info:
        _plain(appdata=b"a" * 16385)
    assert str(info.value) == "appdata is 16385 bytes, the limit is 16384"


def test_several_client_certificates_round_trip():
    chain = [b"\x30\x01a", b"\x30\x02bb", b"\x30\x00"]
    back = TicketContents.decode(contents(client_certs=chain).encode())
    assert back.client_certs == tuple(chain)
