"""Status and return values of the ticket callbacks, by OpenSSL's numbers.

The numbers are the ones in OpenSSL's ``<openssl/ssl.h>``, so that code
ported from C that compares against literals keeps working.
"""

import enum

#: Length of the key name that starts every ticket (``TLSEXT_KEYNAME_LENGTH``).
KEY_NAME_LEN = 16

#: ``SSL_OP_NO_TICKET``, OpenSSL's option bit that turns TLS 1.2 tickets off.
SSL_OP_NO_TICKET = 0x00004000

#: Largest application data a ticket may carry, in bytes. Chosen so that a
#: ticket with a long client certificate chain still fits the 2^16-1 byte
#: ``ticket`` field of NewSessionTicket.
MAX_APPDATA_LEN = 16 * 1024


class TicketStatus(enum.IntEnum):
    """What the server found in a ticket; given to ``dec_cb`` as ``status``.

    Mirrors OpenSSL's ``SSL_TICKET_STATUS`` values passed to the
    ``SSL_CTX_decrypt_session_ticket_fn`` callback.
    """

    #: TLS 1.2 only: the client sent an empty SessionTicket extension.
    EMPTY = 3
    #: The ticket could not be decrypted or parsed (or no key for it).
    NO_DECRYPT = 4
    #: Decrypted and parsed; no renewal suggested.
    SUCCESS = 5
    #: Decrypted and parsed; the key is no longer current, or TLS 1.3.
    SUCCESS_RENEW = 6


class TicketReturn(enum.IntEnum):
    """What ``dec_cb`` tells the server to do; mirrors ``SSL_TICKET_RETURN``."""

    #: Fatal ``internal_error`` alert.
    ABORT = 0
    #: Do not use the ticket, do not send a new one.
    IGNORE = 1
    #: Do not use the ticket, send a new one.
    IGNORE_RENEW = 2
    #: Resume with the ticket, do not send a new one.
    USE = 3
    #: Resume with the ticket and send a new one.
    USE_RENEW = 4


SSL_TICKET_EMPTY = TicketStatus.EMPTY
SSL_TICKET_NO_DECRYPT = TicketStatus.NO_DECRYPT
SSL_TICKET_SUCCESS = TicketStatus.SUCCESS
SSL_TICKET_SUCCESS_RENEW = TicketStatus.SUCCESS_RENEW

SSL_TICKET_RETURN_ABORT = TicketReturn.ABORT
SSL_TICKET_RETURN_IGNORE = TicketReturn.IGNORE
SSL_TICKET_RETURN_IGNORE_RENEW = TicketReturn.IGNORE_RENEW
SSL_TICKET_RETURN_USE = TicketReturn.USE
SSL_TICKET_RETURN_USE_RENEW = TicketReturn.USE_RENEW
