"""OpenSSL-style session-ticket control for tlslite-ng servers.

Public API (see README for the OpenSSL name of each)::

    TicketHandshakeSettings, TicketSettingsMixin   settings with ticket fields
    TicketTLSConnection                            server connection
    TicketKey, KeyRing, RotatingKeyRing, KeyFileRing    ticket keys
    MemorySingleUseStore, RedisSingleUseStore      single-use TLS 1.3 tickets
    TicketKeyRing, SingleUseStore                  the protocols of both
    RedisSessionCache                              TLS 1.2 session-ID cache
    TicketStatus, TicketReturn, SSL_TICKET_*       callback values
    SSL_CTX_set_session_ticket_cb and friends      OpenSSL names
    handshake_deadline, HandshakeTimeout           handshake time limit
"""

from ._constants import (KEY_NAME_LEN, MAX_APPDATA_LEN, SSL_OP_NO_TICKET,
                         SSL_TICKET_EMPTY, SSL_TICKET_NO_DECRYPT,
                         SSL_TICKET_RETURN_ABORT, SSL_TICKET_RETURN_IGNORE,
                         SSL_TICKET_RETURN_IGNORE_RENEW,
                         SSL_TICKET_RETURN_USE, SSL_TICKET_RETURN_USE_RENEW,
                         SSL_TICKET_SUCCESS, SSL_TICKET_SUCCESS_RENEW,
                         TicketReturn, TicketStatus)
from ._keyfile import KeyFileError, KeyFileRing, load_key_file
from ._keys import KeyRing, TicketKey
from ._protocols import SingleUseStore, TicketKeyRing
from ._nginx import nginx_sid_ctx
from ._openssl_ticket import OpenSSLTicketKey
from ._rotation import RotatingKeyRing
from ._settings import TicketHandshakeSettings, TicketSettingsMixin
from ._single_use import MemorySingleUseStore
from ._redis_cache import RedisSessionCache
from ._redis_store import RedisSingleUseStore, RedisUnavailable
from ._hooks import CHECKED_TLSLITE_VERSIONS
from ._connection import TicketTLSConnection
from ._deadline import HandshakeTimeout, handshake_deadline
from ._ticket import AEAD_BACKEND, TicketContents, TicketDecodeError
from ._openssl import (SSL_CTX_clear_options, SSL_CTX_get_num_tickets,
                       SSL_CTX_get_options, SSL_CTX_set_num_tickets,
                       SSL_CTX_set_options,
                       SSL_CTX_set_session_ticket_cb,
                       SSL_CTX_set_tlsext_ticket_key_cb, SSL_get_session,
                       SSL_new_session_ticket, SSL_session_reused,
                       SSL_SESSION_get0_ticket_appdata,
                       SSL_SESSION_set1_ticket_appdata)

import typing as _typing  # private: __all__ below is every public name

__version__ = "0.1.0"

# Pythonic names, documented side by side with the OpenSSL ones
set_appdata = SSL_SESSION_set1_ticket_appdata


def get_appdata(session: _typing.Any) -> _typing.Optional[bytes]:
    """The session's ticket appdata as bytes, or ``None``."""
    return SSL_SESSION_get0_ticket_appdata(session)[0]


__all__ = [name for name in dir() if not name.startswith("_")]
