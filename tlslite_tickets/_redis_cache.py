"""A TLS 1.2 session cache in Redis, shared by several server processes.

tlslite-ng's ``handshakeServer(sessionCache=...)`` uses two operations of
the object it is given: ``cache[session_id] = session`` after a full
handshake, and ``cache[session_id]`` when a ClientHello offers a session
ID, where ``KeyError`` means "unknown: do a full handshake". (It also tests
the cache for truth, so this class is always true.) With
:class:`RedisSessionCache` a session made by one process resumes in any
other that shares the Redis, the namespace and the secret.

What Redis holds, under ``<namespace>:session:<hex session ID>``::

    0x01 || nonce[12] || AES-256-GCM(session state, aad = 0x01 || redis key)

The session state (``_redis_session.py``) contains the master secret, so
it is sealed before it leaves the process, under a key derived from
``secret`` (HMAC-SHA256 with a versioned label): whoever can read Redis
learns neither the secret nor the appdata. The Redis key is authenticated
as additional data, so an entry copied under another session ID does not
open. The entry expires in Redis after ``lifetime`` seconds (``SET ... PX``)
and is checked against its sealed creation time when read, so an entry
restored from an old dump is still refused.

The session ID itself is stored in clear, in the key: it travels in clear
in every ClientHello and ServerHello anyway.

When Redis fails, a lookup is a miss (full handshake) and a store is
dropped; the outage is logged once (see ``_redis_common.py``). Unlike
tlslite-ng's in-memory cache, a lookup returns a new ``Session``, so a
session invalidated later by a fatal alert stays resumable here until it
expires; call :meth:`discard` to drop one.
"""

import hashlib
import hmac
import os
import time

from ._redis_common import (DEFAULT_SOCKET_TIMEOUT, RedisBacked,
                            RedisUnavailable, log)
from ._aead import aead_open, aead_seal
from ._redis_session import (SessionDecodeError, decode_session,
                             encode_session)

__all__ = ["RedisSessionCache"]

_KEY_LABEL = b"tlslite-tickets redis session cache v1"
_VERSION = b"\x01"
_NONCE_LEN = 12
#: tlslite-ng's SessionCache keeps sessions 4 hours by default; so do we.
DEFAULT_LIFETIME = 14400
MIN_SECRET_LEN = 16


class RedisSessionCache(RedisBacked):
    """tlslite-ng ``sessionCache`` whose sessions live, sealed, in Redis.

    ``client_or_url``: a ``redis://`` URL (a client with short timeouts and
    no retries is made) or a redis-py client. ``secret``: at least 16
    bytes, the same in every server that shares sessions; never logged or
    shown. ``lifetime``: seconds a session stays resumable.
    ``socket_timeout``, ``retry_interval``: see ``RedisSingleUseStore``.
    ``clock``: function returning the time in seconds (tests).
    """

    def __init__(self, client_or_url, secret, namespace="tlslite-tickets",
                 lifetime=DEFAULT_LIFETIME,
                 socket_timeout=DEFAULT_SOCKET_TIMEOUT, retry_interval=None,
                 clock=time.time):
        if isinstance(secret, str) or \
                not isinstance(secret, (bytes, bytearray, memoryview)):
            raise ValueError("secret must be bytes, got {0}".format(
                type(secret).__name__))
        if len(secret) < MIN_SECRET_LEN:
            raise ValueError("secret must be at least {0} bytes, got {1}"
                             .format(MIN_SECRET_LEN, len(secret)))
        if isinstance(lifetime, bool) or not isinstance(lifetime, int) or \
                not 0 < lifetime < 2 ** 32:
            raise ValueError("lifetime must be a positive whole number of "
                             "seconds, got {0!r}".format(lifetime))
        self._connect(client_or_url, namespace, "session", "session cache",
                      "TLS 1.2 sessions will not resume by session ID",
                      socket_timeout, retry_interval)
        self.lifetime = lifetime
        self._clock = clock
        self._aead_key = hmac.new(bytes(secret), _KEY_LABEL,
                                  hashlib.sha256).digest()
        self._bad_entry_logged = False

    def __setitem__(self, session_id, session):
        """Seal and store ``session``; dropped silently if Redis fails."""
        session_id = bytes(session_id)
        if not session_id or not session.masterSecret:
            return
        key = self.key_of(session_id)
        now_ms = int(self._clock() * 1000)
        try:
            state = encode_session(session, now_ms, self.lifetime)
        except ValueError as exc:  # a field too long for the format
            log.warning("session cache %r: session not stored (%s)",
                        self.namespace, exc)
            return
        value = self._seal(key, state)
        try:
            self._guard.call(self.client.set, key, value,
                             px=self.lifetime * 1000)
        except RedisUnavailable:
            pass  # logged once per outage; the session just won't resume

    def __getitem__(self, session_id):
        """The cached session; ``KeyError`` when unknown, expired, or
        unreadable, and while Redis is down."""
        session_id = bytes(session_id)
        if not session_id:
            raise KeyError(session_id)
        key = self.key_of(session_id)
        try:
            value = self._guard.call(self.client.get, key)
        except RedisUnavailable:
            raise KeyError(session_id) from None
        if value is None:
            raise KeyError(session_id)
        try:
            session, created_ms, lifetime = decode_session(
                self._open(key, value))
        except SessionDecodeError as exc:
            self._log_bad_entry(exc)
            raise KeyError(session_id) from None
        if bytes(session.sessionID) != session_id or \
                self._clock() * 1000 > created_ms + lifetime * 1000:
            raise KeyError(session_id)
        return session

    def get(self, session_id, default=None):
        """``cache[session_id]``, or ``default`` on a miss."""
        try:
            return self[session_id]
        except KeyError:
            return default

    def discard(self, session_id):
        """Forget a session (e.g. after a fatal alert); True if it was there.

        Raises :class:`RedisUnavailable` when Redis does not answer.
        """
        return bool(self._guard.call(self.client.delete,
                                     self.key_of(session_id)))

    def _seal(self, key, plaintext):
        nonce = os.urandom(_NONCE_LEN)
        return _VERSION + nonce + aead_seal(self._aead_key, nonce, plaintext,
                                            _VERSION + key)

    def _open(self, key, value):
        value = bytes(value)
        if len(value) < 1 + _NONCE_LEN + 16 or value[:1] != _VERSION:
            raise SessionDecodeError("not a sealed session")
        nonce, sealed = value[1:1 + _NONCE_LEN], value[1 + _NONCE_LEN:]
        plaintext = aead_open(self._aead_key, nonce, sealed, _VERSION + key)
        if plaintext is None:
            raise SessionDecodeError("entry does not authenticate")
        return plaintext

    def _log_bad_entry(self, exc):
        # a wrong secret on one server would otherwise only show as misses;
        # said once, so that a flood of bad entries cannot flood the log
        level = log.debug if self._bad_entry_logged else log.warning
        self._bad_entry_logged = True
        level("session cache %r: an entry could not be opened (%s); "
              "do all servers share the same secret?", self.namespace, exc)

    def __repr__(self):
        return "RedisSessionCache({0}, lifetime={1})".format(
            self._describe(), self.lifetime)
