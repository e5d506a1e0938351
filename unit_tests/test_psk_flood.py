"""ClientHellos stuffed with TLS 1.3 PSK identities.

A hello of about 64 KiB holds over 7,000 one-byte identities. The server
must answer it (a full handshake: none of them is a ticket), judge at most
``ticket_max_psk_identities`` of them, keep its trace short, and then go on
serving ordinary clients. How much CPU such a hello costs, ours vs stock
tlslite-ng, is measured by ``make bench`` (part 6), not here.
"""

import io
import logging
import time

import pytest

import tlslite_tickets as tt
from tlslite.constants import GroupName, HandshakeType

from rawhello import exchange, flood_hello
from support import TIMEOUT, CallbackLog, PythonSSLClient, ticket_settings
from test_resumption_checks import psk_hello, tls13_ticket


@pytest.fixture(scope="module")
def one_byte_flood():
    return flood_hello(1)


def test_flood_of_one_byte_identities_is_answered(make_server,
                                                  one_byte_flood):
    assert len(one_byte_flood.extensions[-1].identities) > 7000
    log = CallbackLog()
    server = make_server(ticket_settings(log))
    start = time.monotonic()
    flight = exchange(server, one_byte_flood)
    assert time.monotonic() - start < TIMEOUT
    # no identity is a ticket: a full TLS 1.3 handshake, no PSK selected
    assert flight.alert is None
    assert HandshakeType.server_hello in flight.types
    assert flight.tls13 and flight.selected_identity is None
    server.last()
    # dec_cb saw only the first ticket_max_psk_identities of them
    assert log.dec == tt.TicketHandshakeSettings().ticket_max_psk_identities
    assert set(log.statuses) == {tt.TicketStatus.NO_DECRYPT}
    # and the server goes on serving a normal client, who resumes
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    assert first.reply == b"echo:ping" and first.tickets
    assert client.connect(server, session=first.session).resumed


def test_identity_past_the_limit_is_not_examined(make_server):
    log = CallbackLog(ret=tt.TicketReturn.USE)
    server, session = tls13_ticket(make_server, log)
    server.settings.ticket_max_psk_identities = 3
    good = bytes(session.tickets[0].ticket)
    for position, resumes in ((2, True), (3, False)):
        log.reset()
        junk = [b"garbage-%d" % i for i in range(position)]
        flight = exchange(server, psk_hello(session, junk + [good]))
        assert flight.alert is None
        assert (flight.selected_identity == position) == resumes
        assert log.dec == 3  # the limit, whether or not the ticket is in it


def test_no_limit_examines_every_identity(make_server):
    log = CallbackLog()
    server = make_server(ticket_settings(log,
                                         ticket_max_psk_identities=None))
    flight = exchange(server, flood_hello(1, count=500))
    assert flight.alert is None and flight.selected_identity is None
    server.last()
    assert log.dec == 500  # OpenSSL's behaviour: every identity is tried


@pytest.mark.parametrize("bad", [0, -1, 2.5, "64", True])
def test_limit_must_be_a_positive_integer_or_none(bad):
    settings = tt.TicketHandshakeSettings()
    settings.ticket_max_psk_identities = bad
    with pytest.raises(ValueError, match="ticket_max_psk_identities"):
        settings.validate()


@pytest.mark.parametrize("retry", [False, True])
def test_trace_of_a_flood_stays_short(make_server, retry):
    # with retry, the flood comes in a first ClientHello that the server
    # answers with a HelloRetryRequest (it judges that hello's identities
    # too, OpenSSL's way)
    flood = flood_hello(1, groups=(GroupName.x25519, GroupName.secp256r1)) \
        if retry else flood_hello(1)
    p256_only = dict(eccCurves=["secp256r1"], keyShares=["secp256r1"],
                     dhGroups=[]) if retry else {}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tlslite_tickets.trace")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        server = make_server(ticket_settings(CallbackLog(), **p256_only))
        assert exchange(server, flood).hello_retry_request == retry
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    lines = stream.getvalue().splitlines()
    count = len(flood.extensions[-1].identities)
    hello = [line for line in lines if "<- ClientHello" in line]
    assert hello and "{0} PSK identities: 1, 1, 1 bytes and {1} more".format(
        count, count - 3) in hello[0]
    judged = [line for line in lines if "NO_DECRYPT" in line]
    assert len(judged) == 4
    # the two summary lines, whole (their columns squeezed)
    squeezed = [" ".join(line.split()) for line in lines]
    for summary in ("psk trace of identity #4 and later left out",
                    "psk identities #64 to #{0} not examined "
                    "(ticket_max_psk_identities is 64)".format(count - 1)):
        assert sum(line.endswith(summary) for line in squeezed) == 1
    assert len(lines) < 40 and len(stream.getvalue()) < 8000
