"""The public connection class: tlslite-ng's TLSConnection plus tickets."""

from tlslite.tlsconnection import TLSConnection

from ._hooks import install_hooks


class TicketTLSConnection(TLSConnection):
    """A ``tlslite.TLSConnection`` whose server side runs the ticket hooks.

    Use it exactly like ``TLSConnection``; pass a
    :class:`~tlslite_tickets.TicketHandshakeSettings` to ``handshakeServer``
    to get OpenSSL's ticket-callback semantics. With plain
    ``HandshakeSettings`` it behaves like stock tlslite-ng.

    The ticket hooks live in tlslite-ng's ``TLSConnection`` itself (see
    ``_hooks.py``), so a stock ``TLSConnection`` given ticket settings does
    the same; this class is the explicit form, and adds
    :meth:`new_session_ticket` (``SSL_new_session_ticket``) and
    :attr:`tickets_sent`.
    """

    def __init__(self, *args, **kwargs):
        install_hooks()  # also with settings made later, or plain ones
        super().__init__(*args, **kwargs)

    @property
    def tickets_sent(self) -> int:
        """NewSessionTickets built on this connection so far."""
        state = self._ticket_state
        return 0 if state is None else state.tickets_sent

    def new_session_ticket(self) -> int:
        """Queue one more TLS 1.3 ticket, sent before the next write.

        Mirrors ``SSL_new_session_ticket``: returns 1 when queued, 0 on
        TLS 1.2, on a client, or before the handshake has completed.
        """
        if not self._tls13_server_ready():
            return 0
        self._pending_tickets += 1
        return 1

    def writeAsync(self, s):
        """``TLSConnection.writeAsync``, sending queued tickets first."""
        if self._pending_tickets:
            for result in self._send_pending_tickets():
                yield result
        for result in super().writeAsync(s):
            yield result
