"""The dec_cb decision table (spec section 3) as a table."""

import pytest

from tlslite_tickets import TicketReturn as R, TicketStatus as S
from tlslite_tickets._policy import (Decision, TicketAbort, coerce_return,
                                     decide, default_return,
                                     ticket_expected_after, tickets_to_send)

GOOD = [S.SUCCESS, S.SUCCESS_RENEW]
BAD = [S.EMPTY, S.NO_DECRYPT]


@pytest.mark.parametrize("status", GOOD + BAD)
def test_abort_always_fatal(status):
    with pytest.raises(TicketAbort):
        decide(status, R.ABORT)


@pytest.mark.parametrize("status", GOOD + BAD)
def test_ignore_rows(status):
    assert decide(status, R.IGNORE) == Decision(resume=False, renew=False)
    assert decide(status, R.IGNORE_RENEW) == Decision(resume=False, renew=True)


@pytest.mark.parametrize("status", GOOD)
def test_use_rows(status):
    assert decide(status, R.USE) == Decision(resume=True, renew=False)
    assert decide(status, R.USE_RENEW) == Decision(resume=True, renew=True)


@pytest.mark.parametrize("ret", [R.USE, R.USE_RENEW])
@pytest.mark.parametrize("status", BAD)
def test_use_without_session_is_fatal(status, ret):
    with pytest.raises(TicketAbort) as info:
        decide(status, ret)
    assert status.name in str(info.value)


def test_defaults_match_openssl():
    assert default_return(S.EMPTY) == R.IGNORE_RENEW
    assert default_return(S.NO_DECRYPT) == R.IGNORE_RENEW
    assert default_return(S.SUCCESS) == R.USE
    assert default_return(S.SUCCESS_RENEW) == R.USE_RENEW


@pytest.mark.parametrize("junk", [None, True, False, "3", 3.0, 5, -1, []])
def test_junk_returns_abort(junk):
    with pytest.raises(TicketAbort):
        coerce_return(junk)


def test_numbers_are_openssls():
    assert [int(r) for r in R] == [0, 1, 2, 3, 4]
    assert [int(s) for s in S] == [3, 4, 5, 6]
    assert coerce_return(4) is R.USE_RENEW


@pytest.mark.parametrize("tls13,resumed,renew,num,expected", [
    (False, False, True, 2, 1), (False, True, True, 2, 1),
    (False, True, False, 2, 0), (False, False, True, 0, 0),
    (True, False, True, 2, 2), (True, False, True, 5, 5),
    (True, True, True, 5, 1), (True, True, False, 5, 0),
    (True, False, False, 2, 0), (True, True, True, 0, 0),
])
def test_ticket_counts(tls13, resumed, renew, num, expected):
    assert tickets_to_send(tls13, resumed, renew, num) == expected


def test_ticket_expected_events():
    # OpenSSL's flag: a TLS 1.3 hello expects tickets until usable PSK
    # identities are offered; then only a dec_cb answer asking for one, or
    # a refused ticket, sets it again; a new hello or a TLS 1.3 ticket for
    # another hash clears it
    flag = ticket_expected_after("client_hello", True)
    assert flag is False
    assert ticket_expected_after("tls13_hello", flag) is True
    flag = ticket_expected_after("tls13_identities", True)
    assert flag is False
    assert ticket_expected_after("dec_cb", flag, renew=False) is False
    assert ticket_expected_after("dec_cb", flag) is False  # renew: no
    flag = ticket_expected_after("dec_cb", flag, renew=True)
    assert ticket_expected_after("dec_cb", flag, renew=False) is True
    assert ticket_expected_after("ticket_refused", False) is True
    # ... or a TLS 1.3 ticket for another hash, which clears it
    assert ticket_expected_after("tls13_other_hash", True) is False
    with pytest.raises(KeyError):
        ticket_expected_after("no such event", False)
@pytest.mark.parametrize("call,message", [
    (lambda: decide(S.SUCCESS, R.ABORT),
     "dec_cb returned SSL_TICKET_RETURN_ABORT"),
    (lambda: decide(S.EMPTY, R.USE), "dec_cb returned USE for status EMPTY"),
    (lambda: coerce_return("3"), "dec_cb returned 'str', not a TicketReturn"),
    (lambda: coerce_return(7), "dec_cb returned 7, not a TicketReturn value"),
])
def test_abort_messages_say_what_dec_cb_did(call, message):
    # these are the messages logged and carried by the alert's exception
    with pytest.raises(TicketAbort) as info:
        call()
    assert str(info.value) == message
    assert info.value.alert is None  # internal_error


def test_abort_carries_the_alert_it_was_given():
    assert TicketAbort("bad binder", 51).alert == 51


@pytest.mark.parametrize("resumed", [False, True])
def test_one_ticket_asked_for_is_one_ticket_sent(resumed):
    # SSL_CTX_set_num_tickets(ctx, 1) in TLS 1.3
    assert tickets_to_send(True, resumed, True, 1) == 1
