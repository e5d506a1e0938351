"""Wire helpers shared by every byte format of the package.

Length-prefixed vectors (TLS presentation language style, big-endian
lengths) and a bounds-checked reader: used by the ticket format
(``_ticket.py``) and the Redis session format (``_redis_session.py``). Also
the rebuild of a tlslite-ng certificate chain from the DER certificates a
ticket or a cached session carries.
"""

from tlslite.x509 import X509
from tlslite.x509certchain import X509CertChain


class DecodeError(ValueError):
    """Bytes that do not parse; each format subclasses it."""


def vector(length_bytes, data):
    """``data`` after its length in ``length_bytes`` big-endian bytes;
    ``ValueError`` (never a malformed field) when it does not fit."""
    data = bytes(data)
    if len(data) >= 1 << (8 * length_bytes):
        raise ValueError("a field of {0} bytes does not fit a {1}-byte "
                         "length".format(len(data), length_bytes))
    return len(data).to_bytes(length_bytes, "big") + data


class Reader:
    """A bounds-checked cursor over bytes; every overrun is a decode error."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data):
        self._data = bytes(data)
        self._pos = 0

    def remaining(self):
        return len(self._data) - self._pos

    def take(self, length):
        if length > self.remaining():
            raise DecodeError("truncated: {0} bytes wanted, {1} left".format(
                length, self.remaining()))
        start = self._pos
        self._pos += length
        return self._data[start:self._pos]

    def unpack(self, fmt):
        return fmt.unpack(self.take(fmt.size))

    def vector(self, length_bytes):
        return self.take(int.from_bytes(self.take(length_bytes), "big"))


def certificate_chain(ders):
    """An X509CertChain of DER certificates, or None when there are none."""
    certs = []
    for der in ders:
        cert = X509()
        cert.parseBinary(bytearray(der))  # fills the object, returns None
        certs.append(cert)
    return X509CertChain(certs) if certs else None
