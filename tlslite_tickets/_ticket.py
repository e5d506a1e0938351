"""The ticket format and its encryption: nothing else lives here.

A ticket on the wire::

    key_name[16] || nonce[12] || AES-256-GCM(plaintext, aad=key_name)

The key name is in clear (it is what dec_cb receives as ``keyname``) and is
authenticated as additional data, so a ticket cannot be moved under another
key's name. The plaintext is versioned; version 1 is::

    u8   format version (1)
    u8   u8   protocol version (3, 3) or (3, 4)
    u16  cipher suite
    u64  creation time, milliseconds since the epoch
    u32  lifetime, seconds
    u32  ticket_age_add (TLS 1.3)
    u8   flags: 1 = extended master secret, 2 = encrypt-then-MAC,
         4 = appdata present
    u8   length, then the secret (TLS 1.2 master secret or TLS 1.3 PSK)
    u16  length, then the SNI host name
    u24  length, then client certificates, each u24 length + DER
    u16  length, then the appdata

Every way a ticket can be wrong (short, unknown key name, bad tag, bad
plaintext) is one exception, :class:`TicketDecodeError`, which the
handshake turns into status NO_DECRYPT.
"""

import os
import struct

from ._aead import AEAD_BACKEND, aead_open, aead_seal  # noqa: F401
from ._constants import KEY_NAME_LEN, MAX_APPDATA_LEN
from ._wire import DecodeError, Reader, vector

FORMAT_VERSION = 1
NONCE_LEN = 12
TAG_LEN = 16
#: The shortest string of bytes that can be a ticket of ours.
MIN_TICKET_LEN = KEY_NAME_LEN + NONCE_LEN + TAG_LEN
#: NewSessionTicket carries ``opaque ticket<1..2^16-1>`` in both versions.
MAX_TICKET_LEN = 2 ** 16 - 1

_FLAG_EMS = 1
_FLAG_ETM = 2
_FLAG_APPDATA = 4
_HEAD = struct.Struct(">BBBHQIIB")

class TicketDecodeError(DecodeError):
    """A ticket that cannot be opened or parsed (status NO_DECRYPT)."""


class TicketContents:
    """The session state a ticket carries. ``secret`` is never in ``repr``."""

    __slots__ = ("protocol_version", "cipher_suite", "secret", "created_ms",
                 "lifetime", "age_add", "server_name", "ems", "etm",
                 "client_certs", "appdata")

    def __init__(self, protocol_version, cipher_suite, secret, created_ms,
                 lifetime, age_add=0, server_name=b"", ems=False, etm=False,
                 client_certs=(), appdata=None):
        self.protocol_version = tuple(protocol_version)
        self.cipher_suite = cipher_suite
        self.secret = bytes(secret)
        self.created_ms = created_ms
        self.lifetime = lifetime
        self.age_add = age_add
        self.server_name = bytes(server_name)
        self.ems = bool(ems)
        self.etm = bool(etm)
        self.client_certs = tuple(bytes(c) for c in client_certs)
        self.appdata = None if appdata is None else bytes(appdata)

    def expired(self, now):
        """True when ``now`` (seconds) is past the ticket's lifetime."""
        return now * 1000 > self.created_ms + self.lifetime * 1000

    def encode(self):
        """Serialise to the version 1 plaintext."""
        flags = ((_FLAG_EMS if self.ems else 0) |
                 (_FLAG_ETM if self.etm else 0) |
                 (_FLAG_APPDATA if self.appdata is not None else 0))
        certs = b"".join(vector(3, c) for c in self.client_certs)
        appdata = self.appdata or b""
        if len(appdata) > MAX_APPDATA_LEN:
            raise ValueError("appdata is {0} bytes, the limit is {1}".format(
                len(appdata), MAX_APPDATA_LEN))
        return b"".join((
            _HEAD.pack(FORMAT_VERSION, self.protocol_version[0],
                       self.protocol_version[1], self.cipher_suite,
                       self.created_ms, self.lifetime, self.age_add, flags),
            vector(1, self.secret), vector(2, self.server_name),
            vector(3, certs), vector(2, appdata)))

    @classmethod
    def decode(cls, data):
        """Parse a plaintext; raise :class:`TicketDecodeError` if malformed."""
        try:
            return cls._decode(data)
        except TicketDecodeError:
            raise
        except DecodeError as exc:
            raise TicketDecodeError("ticket plaintext: {0}".format(exc)) \
                from None

    @classmethod
    def _decode(cls, data):
        reader = Reader(data)
        (fmt, major, minor, suite, created_ms, lifetime, age_add,
         flags) = reader.unpack(_HEAD)
        if fmt != FORMAT_VERSION:
            raise TicketDecodeError("unknown ticket format {0}".format(fmt))
        if flags & ~(_FLAG_EMS | _FLAG_ETM | _FLAG_APPDATA):
            raise TicketDecodeError("unknown ticket flags")
        secret = reader.vector(1)
        if not secret:
            raise TicketDecodeError("empty secret")
        server_name = reader.vector(2)
        cert_reader = Reader(reader.vector(3))
        certs = []
        while cert_reader.remaining():
            certs.append(cert_reader.vector(3))
        appdata = reader.vector(2)
        if reader.remaining():
            raise TicketDecodeError("trailing bytes in ticket")
        if not flags & _FLAG_APPDATA:
            if appdata:
                raise TicketDecodeError("appdata without its flag")
            appdata = None
        return cls((major, minor), suite, secret, created_ms, lifetime,
                   age_add, server_name, bool(flags & _FLAG_EMS),
                   bool(flags & _FLAG_ETM), certs, appdata)

    def __repr__(self):
        return ("TicketContents(version={0}, cipher_suite=0x{1:04x}, "
                "created_ms={2}, lifetime={3}, server_name={4!r}, "
                "appdata={5!r})".format(self.protocol_version,
                                        self.cipher_suite, self.created_ms,
                                        self.lifetime, self.server_name,
                                        self.appdata))


def seal(key, contents):
    """Encrypt ``contents`` under ``key``; return the ticket bytes."""
    return seal_plaintext(key, contents.encode())


def seal_plaintext(key, plaintext):
    """Encrypt raw plaintext bytes under ``key`` (tests forge tickets with
    a valid tag around malformed plaintext this way)."""
    size = KEY_NAME_LEN + NONCE_LEN + len(plaintext) + TAG_LEN
    if size > MAX_TICKET_LEN:
        # checked before encrypting: no point sealing what cannot be sent
        raise ValueError("ticket would be {0} bytes, over the {1} byte limit "
                         "of NewSessionTicket".format(size, MAX_TICKET_LEN))
    nonce = os.urandom(NONCE_LEN)
    return key.name + nonce + aead_seal(key.aead_key, nonce, plaintext,
                                        key.name)


def key_name_of(ticket):
    """The bytes dec_cb gets as ``keyname``: the first 16 (or fewer)."""
    return bytes(ticket[:KEY_NAME_LEN])


def open_ticket(key, ticket):
    """Decrypt and parse a ticket sealed under ``key``.

    Raises :class:`TicketDecodeError` for every kind of failure.
    """
    ticket = bytes(ticket)
    if len(ticket) < MIN_TICKET_LEN:
        raise TicketDecodeError("ticket too short")
    if ticket[:KEY_NAME_LEN] != key.name:
        raise TicketDecodeError("ticket is under another key name")
    nonce = ticket[KEY_NAME_LEN:KEY_NAME_LEN + NONCE_LEN]
    sealed = ticket[KEY_NAME_LEN + NONCE_LEN:]
    plaintext = aead_open(key.aead_key, nonce, sealed, key.name)
    if plaintext is None:
        raise TicketDecodeError("ticket does not authenticate")
    return TicketContents.decode(plaintext)
