"""Type names for the public API: the callbacks and the duck-typed objects.

Only for annotations (and readers): nothing here runs during a handshake.
tlslite-ng ships no type information, so its connections, settings and
sessions are ``Any`` to the type checker.
"""

from typing import Any, Callable, Optional, Tuple, Union

#: Bytes, or an object ``bytes()`` copies them from.
BytesLike = Union[bytes, bytearray, memoryview]

#: A tlslite-ng ``Session`` (OpenSSL's ``SSL_SESSION``).
Session = Any

#: ``gen_cb(conn, arg) -> int``: runs before each ticket is built; a falsy
#: return aborts the handshake.
GenCallback = Callable[[Any, Any], int]

#: ``dec_cb(conn, session, keyname, status, arg) -> TicketReturn``: runs
#: for each ticket offered; ``keyname`` is bytes, ``status`` a
#: :class:`~tlslite_tickets.TicketStatus`.
DecCallback = Callable[[Any, Session, bytes, int, Any], int]

#: ``key_cb(conn, key_name16 or None, enc) -> ...``: the Python form of
#: OpenSSL's ticket key callback (see ``SSL_CTX_set_tlsext_ticket_key_cb``).
KeyCallback = Callable[[Any, Optional[bytes], int],
                       Union[int, Tuple[int, bytes], Tuple[int, bytes, bytes]]]

#: A function returning the time in seconds, like ``time.time``.
Clock = Callable[[], float]

#: The duck-typed extension points (key rings, single-use stores) are
#: ``typing.Protocol`` classes of their own, in ``_protocols.py``.
