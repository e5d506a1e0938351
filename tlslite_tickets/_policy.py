"""The decision table: what the server does with a dec_cb answer.

This is the heart of ``SSL_CTX_set_session_ticket_cb`` semantics, kept free
of any TLS machinery so it can be read (and tested) as a table:

=============  ==========================  =================================
return         status SUCCESS(_RENEW)      status EMPTY / NO_DECRYPT
=============  ==========================  =================================
ABORT          fatal internal_error        fatal internal_error
IGNORE         no resumption, no ticket    no resumption, no ticket
IGNORE_RENEW   no resumption, new ticket   no resumption, new ticket
USE            resume, no ticket           fatal internal_error
USE_RENEW      resume, new ticket          fatal internal_error
=============  ==========================  =================================

"New ticket" is OpenSSL's ``ticket_expected`` flag; the handshake events
that set and clear it are the table :data:`TICKET_EXPECTED`. How many
NewSessionTicket messages it turns into depends on the protocol version and
on whether the handshake resumed; see :func:`tickets_to_send`.
"""

import collections

from ._constants import TicketReturn, TicketStatus

Decision = collections.namedtuple("Decision", "resume renew")
Decision.__doc__ = """Outcome of one dec_cb call.

resume: use this ticket's session; renew: a new ticket is expected.
"""

_GOOD = (TicketStatus.SUCCESS, TicketStatus.SUCCESS_RENEW)


class TicketAbort(Exception):
    """The handshake must end with a fatal alert because of a ticket callback.

    ``__cause__`` is the callback's own exception when it raised one.
    """

    def __init__(self, message, alert=None):
        super().__init__(message)
        #: TLS alert description to send; ``None`` means internal_error.
        self.alert = alert


def default_return(status):
    """The answer OpenSSL gives when no dec_cb is registered."""
    if status == TicketStatus.SUCCESS:
        return TicketReturn.USE
    if status == TicketStatus.SUCCESS_RENEW:
        return TicketReturn.USE_RENEW
    return TicketReturn.IGNORE_RENEW


def coerce_return(value):
    """Turn what a dec_cb returned into a :class:`TicketReturn`.

    Anything that is not one of the five integer values (a bool, None, a
    string, 7) is a programming error in the callback and aborts.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TicketAbort("dec_cb returned {0!r}, not a TicketReturn"
                          .format(type(value).__name__))
    try:
        return TicketReturn(value)
    except ValueError:
        raise TicketAbort("dec_cb returned {0}, not a TicketReturn value"
                          .format(int(value))) from None


def decide(status, ret):
    """Apply the table above; raise :class:`TicketAbort` for fatal rows."""
    if ret == TicketReturn.ABORT:
        raise TicketAbort("dec_cb returned SSL_TICKET_RETURN_ABORT")
    if ret in (TicketReturn.USE, TicketReturn.USE_RENEW):
        if status not in _GOOD:
            raise TicketAbort("dec_cb returned {0} for status {1}".format(
                ret.name, status.name))
        return Decision(resume=True, renew=ret == TicketReturn.USE_RENEW)
    if ret == TicketReturn.IGNORE:
        return Decision(resume=False, renew=False)
    return Decision(resume=False, renew=True)


#: What each handshake event does to OpenSSL's ``ticket_expected`` flag.
#: ``True``/``False`` set/clear it; ``RENEW`` sets it when the dec_cb answer
#: asks for a new ticket (IGNORE_RENEW, USE_RENEW) and otherwise leaves it,
#: so once set it stays set for the rest of the ClientHello, unless a TLS 1.3
#: ticket for another hash clears it (OpenSSL does; the next identities'
#: answers may set it again).
RENEW = "renew"
TICKET_EXPECTED = {
    # event              effect  where OpenSSL does it
    "client_hello":      False,  # tls_get_ticket_from_client (TLS 1.2)
    "tls13_hello":       True,   # ssl_get_prev_session: TLS 1.3 issues
                                 # tickets by default
    "tls13_identities":  False,  # tls_parse_ctos_psk: usable PSK identities
                                 # are there, their dec_cb answers decide
    "dec_cb":            RENEW,  # tls_decrypt_ticket, after dec_cb
    "tls13_other_hash":  False,  # tls_parse_ctos_psk: a ticket dec_cb
                                 # wanted is for another hash than the
                                 # suite's; the next identities decide
    "tickets_off":       False,  # SSL_OP_NO_TICKET: TLS 1.2 tickets are
                                 # neither read nor made
    "ticket_refused":    True,   # ssl_get_prev_session: a ticket dec_cb
                                 # wanted cannot resume (expired, other
                                 # SNI, ...; or, ours, already used once):
                                 # issue a fresh one
}


def ticket_expected_after(event, expected, renew=False):
    """OpenSSL's ``ticket_expected`` after ``event`` (a key of
    :data:`TICKET_EXPECTED`); ``renew`` is the dec_cb decision's."""
    effect = TICKET_EXPECTED[event]
    if effect == RENEW:
        return expected or renew
    return effect


def tickets_to_send(tls13, resumed, renew, num_tickets):
    """How many NewSessionTicket messages end the handshake.

    TLS 1.2 sends at most one. TLS 1.3 sends ``num_tickets`` after a full
    handshake and at most one after a resumption (as OpenSSL does), and none
    when no dec_cb answer asked for a ticket.
    """
    if not renew or num_tickets <= 0:
        return 0
    if not tls13 or resumed:
        return 1
    return num_tickets
