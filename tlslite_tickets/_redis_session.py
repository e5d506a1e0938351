"""A tlslite-ng ``Session`` as bytes, for caches outside the process.

tlslite-ng's own ``SessionCache`` keeps ``Session`` objects in memory. A
cache shared by several processes has to store bytes instead, so this
module writes down what a server needs to resume a TLS 1.2 (or older)
session by session ID, and nothing else. Version 1 of the format::

    u8   format version (1)
    u16  cipher suite
    u64  creation time, milliseconds since the epoch
    u32  lifetime, seconds
    u8   flags: 1 = extended master secret, 2 = encrypt-then-MAC,
         4 = ticket appdata present
    u8   length, then the master secret
    u8   length, then the session ID
    u16  length, then the SNI host name (UTF-8)
    u16  length, then the SRP user name (UTF-8)
    u8   length, then the negotiated ALPN protocol
    u24  length, then client certificates, each u24 length + DER
    u16  length, then the ticket appdata

The bytes hold the master secret: callers encrypt them before they leave
the process (``_redis_cache.py`` does). Not kept: the server's own
certificate chain, TACK and TLS 1.3 secrets, which session-ID resumption
does not use (tlslite-ng never resumes TLS 1.3 from a session cache).
"""

import struct

from tlslite.session import Session

from ._wire import DecodeError, Reader, certificate_chain, vector

FORMAT_VERSION = 1

_FLAG_EMS = 1
_FLAG_ETM = 2
_FLAG_APPDATA = 4
_HEAD = struct.Struct(">BHQIB")


class SessionDecodeError(DecodeError):
    """Bytes that are not a session of ours (treated as a cache miss)."""


def _text(value):
    if not value:
        return b""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8")


def encode_session(session, created_ms, lifetime):
    """The version 1 bytes of ``session`` (a tlslite-ng ``Session``)."""
    appdata = getattr(session, "ticket_appdata", None)
    flags = ((_FLAG_EMS if session.extendedMasterSecret else 0) |
             (_FLAG_ETM if session.encryptThenMAC else 0) |
             (_FLAG_APPDATA if appdata is not None else 0))
    chain = session.clientCertChain
    certs = b"".join(vector(3, cert.bytes) for cert in
                     (chain.x509List if chain is not None else ()))
    return b"".join((
        _HEAD.pack(FORMAT_VERSION, session.cipherSuite, int(created_ms),
                   int(lifetime), flags),
        vector(1, session.masterSecret),
        vector(1, session.sessionID),
        vector(2, _text(session.serverName)),
        vector(2, _text(session.srpUsername)),
        vector(1, _text(session.appProto)),
        vector(3, certs),
        vector(2, appdata or b"")))


def decode_session(data):
    """Parse version 1 bytes: ``(session, created_ms, lifetime)``.

    Raises :class:`SessionDecodeError` for anything malformed.
    """
    try:
        return _decode(data)
    except SessionDecodeError:
        raise
    except DecodeError as exc:
        raise SessionDecodeError(str(exc)) from None
    except Exception as exc:  # bad UTF-8 or DER: authenticated, so a bug
        raise SessionDecodeError("malformed session ({0})".format(
            type(exc).__name__)) from None


def _decode(data):
    reader = Reader(data)
    fmt, suite, created_ms, lifetime, flags = reader.unpack(_HEAD)
    if fmt != FORMAT_VERSION:
        raise SessionDecodeError("unknown session format {0}".format(fmt))
    if flags & ~(_FLAG_EMS | _FLAG_ETM | _FLAG_APPDATA):
        raise SessionDecodeError("unknown session flags")
    master_secret = reader.vector(1)
    session_id = reader.vector(1)
    server_name = reader.vector(2).decode("utf-8")
    srp_username = reader.vector(2).decode("utf-8")
    app_proto = reader.vector(1)
    cert_reader = Reader(reader.vector(3))
    appdata = reader.vector(2)
    if reader.remaining():
        raise SessionDecodeError("trailing bytes in session")
    if not master_secret or not session_id:
        raise SessionDecodeError("session without master secret or ID")
    ders = []
    while cert_reader.remaining():
        ders.append(cert_reader.vector(3))
    session = Session()
    session.create(bytearray(master_secret), bytearray(session_id), suite,
                   srp_username, certificate_chain(ders),
                   None, None, False, server_name, resumable=True,
                   encryptThenMAC=bool(flags & _FLAG_ETM),
                   extendedMasterSecret=bool(flags & _FLAG_EMS),
                   appProto=bytearray(app_proto), ec_point_format=0)
    if flags & _FLAG_APPDATA:
        session.ticket_appdata = appdata
    elif appdata:
        raise SessionDecodeError("appdata without its flag")
    else:
        session.ticket_appdata = None
    return session, created_ms, lifetime
