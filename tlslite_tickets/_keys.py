"""Ticket keys: a named secret, and the set of keys a server accepts.

A ticket starts with the 16-byte name of the key that sealed it, so the
server finds the key with one dictionary lookup instead of trying every key
(stock tlslite-ng tries them all, so rejecting a bad ticket costs one AEAD
attempt per configured key).
"""

import hashlib
import hmac
import os
from typing import Dict, Iterable, Optional, Tuple

from ._constants import KEY_NAME_LEN
from ._types import BytesLike

_NAME_LABEL = b"tlslite-tickets key name v1"
_AEAD_LABEL = b"tlslite-tickets aead key v1"


class TicketKey:
    """One ticket key: a public 16-byte ``name`` and a secret.

    The AEAD key is derived from the secret once, here, so sealing a ticket
    does no key schedule work. The secret never appears in ``repr``.
    """

    __slots__ = ("name", "aead_key")

    def __init__(self, name: BytesLike, secret: BytesLike) -> None:
        name = bytes(name)
        secret = bytes(secret)
        if len(name) != KEY_NAME_LEN:
            raise ValueError("ticket key name must be {0} bytes, got {1}"
                             .format(KEY_NAME_LEN, len(name)))
        if len(secret) < 16:
            raise ValueError("ticket key secret must be at least 16 bytes, "
                             "got {0}".format(len(secret)))
        self.name = name
        #: AES-256-GCM key used for tickets under this name.
        self.aead_key = hmac.new(secret, _AEAD_LABEL, hashlib.sha256).digest()

    @classmethod
    def from_secret(cls, secret: BytesLike) -> "TicketKey":
        """A key whose name is derived from the secret (for ``ticketKeys``)."""
        secret = bytes(secret)
        name = hmac.new(secret, _NAME_LABEL, hashlib.sha256).digest()
        return cls(name[:KEY_NAME_LEN], secret)

    @classmethod
    def generate(cls) -> "TicketKey":
        """A fresh random key, as OpenSSL makes for every new SSL_CTX."""
        return cls(os.urandom(KEY_NAME_LEN), os.urandom(32))

    def __repr__(self) -> str:
        return "TicketKey(name={0})".format(self.name.hex())


class KeyRing:
    """The keys a server uses: the first seals, all of them open.

    ``lookup`` reports whether a ticket's key is the current one; tickets
    under an older key decrypt but are marked for renewal so that clients
    move to the current key.
    """

    def __init__(self, keys: Iterable[TicketKey]) -> None:
        keys = list(keys)
        if not keys:
            raise ValueError("ticket_keys: a key ring needs at least one key")
        self._current = keys[0]
        self._by_name: Dict[bytes, TicketKey] = {}
        for key in keys:
            if not isinstance(key, TicketKey):
                raise ValueError("ticket_keys: expected TicketKey, got {0}"
                                 .format(type(key).__name__))
            self._by_name.setdefault(key.name, key)

    def encryption_key(self, now: float) -> Optional[TicketKey]:
        """The key that seals new tickets (``None``: issue no ticket)."""
        return self._current

    def lookup(self, name: BytesLike,
               now: float) -> Tuple[Optional[TicketKey], bool]:
        """Return ``(key, renew)`` for a key name, ``(None, False)`` if unknown."""
        key = self._by_name.get(bytes(name))
        if key is None:
            return None, False
        return key, key is not self._current

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        return "KeyRing(current={0}, keys={1})".format(
            self._current.name.hex(), len(self._by_name))
