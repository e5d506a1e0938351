"""AES-CBC without padding, with the best available backend, and nothing else.

OpenSSL's and nginx's tickets are AES-CBC (AES-256 for 80-byte keys,
AES-128 for 48-byte ones) plus HMAC-SHA256 (``_openssl_ticket.py``). The
optional ``cryptography`` package (the ``[fast]`` extra) encrypts when it is
installed, else tlslite-ng's pure-Python AES; both give the same bytes.
Padding is the caller's business: these functions take whole blocks.
"""

from tlslite.utils.cipherfactory import createAES

try:  # the fast path, when the optional ``cryptography`` extra is installed
    from cryptography.hazmat.primitives.ciphers import (
        Cipher as _Cipher, algorithms as _algorithms, modes as _modes)
    CBC_BACKEND = "cryptography"
except ImportError:  # pragma: no cover - depends on the environment
    _Cipher = None  # type: ignore[assignment,misc]
    CBC_BACKEND = "tlslite-ng (pure Python)"

BLOCK_LEN = 16


def _check(key, iv, data):
    if len(key) not in (16, 32) or len(iv) != BLOCK_LEN or \
            len(data) % BLOCK_LEN:
        raise ValueError("AES-CBC needs a 16 or 32 byte key, a 16 byte IV "
                         "and whole blocks")


def cbc_encrypt(key, iv, plaintext, pure=False):
    """AES-CBC encrypt whole blocks; ``pure`` forces the pure-Python path
    (tests compare both)."""
    _check(key, iv, plaintext)
    if _Cipher is not None and not pure:
        encryptor = _Cipher(_algorithms.AES(bytes(key)),
                            _modes.CBC(bytes(iv))).encryptor()
        return encryptor.update(bytes(plaintext)) + encryptor.finalize()
    cipher = createAES(bytearray(key), bytearray(iv), ["python"])
    return bytes(cipher.encrypt(bytearray(plaintext)))


def cbc_decrypt(key, iv, ciphertext, pure=False):
    """AES-CBC decrypt whole blocks (see :func:`cbc_encrypt`)."""
    _check(key, iv, ciphertext)
    if _Cipher is not None and not pure:
        decryptor = _Cipher(_algorithms.AES(bytes(key)),
                            _modes.CBC(bytes(iv))).decryptor()
        return decryptor.update(bytes(ciphertext)) + decryptor.finalize()
    cipher = createAES(bytearray(key), bytearray(iv), ["python"])
    return bytes(cipher.decrypt(bytearray(ciphertext)))
