"""AES-256-GCM with the best available backend, and nothing else.

The optional ``cryptography`` package (the ``[fast]`` extra) when it is
installed, else tlslite-ng's pure-Python AES-GCM; both give the same bytes.
Used to seal tickets (``_ticket.py``) and cached sessions
(``_redis_cache.py``).
"""

import threading

from tlslite.utils.cipherfactory import createAESGCM

try:  # the fast path, when the optional ``cryptography`` extra is installed
    from cryptography.exceptions import InvalidTag as _InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM as _AESGCM
    AEAD_BACKEND = "cryptography"
except ImportError:  # pragma: no cover - depends on the environment
    _AESGCM = None  # type: ignore[assignment,misc]
    AEAD_BACKEND = "tlslite-ng (pure Python)"


_local = threading.local()
_MAX_CACHED_CIPHERS = 64


def _cipher(key):
    """The AES-GCM object for a raw key, made once per key and thread.

    Making one costs two AES key schedules (and, in pure Python, a GHASH
    table): about half of a pure-Python seal. tlslite-ng's objects keep
    per-call counter state, so each thread has its own.
    """
    cache = getattr(_local, "ciphers", None)
    if cache is None:
        cache = _local.ciphers = {}
    slot = (_AESGCM is None, key)
    cipher = cache.get(slot)
    if cipher is None:
        if len(cache) >= _MAX_CACHED_CIPHERS:
            cache.clear()
        if _AESGCM is not None:
            cipher = _AESGCM(key)
        else:
            cipher = createAESGCM(bytearray(key))
        cache[slot] = cipher
    return cipher


def aead_seal(key, nonce, plaintext, aad):
    """AES-256-GCM encrypt with the active backend (both give the same
    bytes); ``key`` is the raw 32-byte AEAD key."""
    if _AESGCM is not None:
        return _cipher(key).encrypt(nonce, plaintext, aad)
    return bytes(_cipher(key).seal(bytearray(nonce), bytearray(plaintext),
                                   bytearray(aad)))


def aead_open(key, nonce, sealed, aad):
    """AES-256-GCM decrypt; the plaintext, or ``None`` if the tag (compared
    in constant time by either backend) does not authenticate."""
    if _AESGCM is not None:
        try:
            return _cipher(key).decrypt(nonce, sealed, aad)
        except _InvalidTag:
            return None
    plaintext = _cipher(key).open(bytearray(nonce), bytearray(sealed),
                                  bytearray(aad))
    return None if plaintext is None else bytes(plaintext)
