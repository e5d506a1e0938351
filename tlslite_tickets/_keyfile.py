"""Ticket keys from files in the format of OpenSSL and nginx.

One key is 80 bytes: a 16-byte key name, a 32-byte HMAC secret and a 32-byte
AES key, the layout of OpenSSL's ``SSL_CTX_set_tlsext_ticket_keys`` and of
nginx's ``ssl_session_ticket_key`` files; or, in nginx's older 48-byte
layout, a 16-byte name, a 16-byte AES-128 key and a 16-byte HMAC secret
(note the order). Deployments already generate, distribute and rotate such
files (``openssl rand 80 > key``), so accepting them lets a tlslite-ng
server reuse that tooling. Each key keeps its raw AES and HMAC parts
(:class:`OpenSSLTicketKey`): with ``ticket_format = "openssl"`` tickets are
OpenSSL's own, interchangeable with nginx; with the default format they are
AES-256-GCM under a key derived from the secret bytes (see ``_keys.py``).

A file holds one key or several back to back (the first one seals), either
raw or as base64 text: one blob, one key per line, or wrapped the way
``openssl rand -base64 80`` wraps it. A file of exactly 48 bytes is one
48-byte key; other sizes are read as 80-byte keys if they are a multiple of
80 (so 240 bytes are three 80-byte keys), else as 48-byte keys.
"""

import base64
import binascii
import logging
import os
import re
import stat
import threading
from typing import Iterable, List, Optional, Tuple, Union

from ._constants import KEY_NAME_LEN
from ._openssl_ticket import OpenSSLTicketKey
from ._keys import TicketKey
from ._types import BytesLike

#: A file name, as ``open`` takes it.
PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

log = logging.getLogger("tlslite_tickets")

#: Size of one key in the file (``sizeof`` OpenSSL's tlsext ticket keys).
KEY_FILE_ENTRY_LEN = 80
#: Size of one key in nginx's AES-128 layout.
SHORT_KEY_FILE_ENTRY_LEN = 48
#: Largest file read; a path to /dev/zero must not eat the memory.
MAX_KEY_FILE_LEN = 64 * 1024

_TEXT_BYTES = frozenset(range(0x20, 0x7f)) | frozenset(b"\t\n\r\v\f")
_BOM = b"\xef\xbb\xbf"
_BAD_PADDING = "bad base64: truncated or badly padded"
_B64_CHUNK = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/=\s]")


class KeyFileError(ValueError):
    """A key file that cannot be used; the message names file and problem.

    It never contains key bytes, so it is safe to log.
    """


def _fail(path, problem):
    return KeyFileError("ticket key file {0!r}: {1}".format(
        os.fsdecode(path), problem))


def read_regular_file(path, limit):
    """The contents of ``path``, which must be a regular file of at most
    ``limit`` bytes.

    Opened with ``O_NONBLOCK``, so a FIFO or a device put in the file's
    place cannot block the caller (``open`` of a FIFO waits for a writer);
    they, directories and larger files are refused before anything is
    read. Raises ``ValueError`` with a message that names the problem (and
    never the contents).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | \
        getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ValueError("cannot be read: {0}".format(
            exc.strerror or type(exc).__name__)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("cannot be read: not a regular file")
        if info.st_size > limit:
            raise ValueError("is larger than {0} bytes".format(limit))
        chunks, size = [], 0
        while size <= limit:  # the file may grow after the fstat
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ValueError("cannot be read: {0}".format(
            exc.strerror or type(exc).__name__)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise ValueError("is larger than {0} bytes".format(limit))
    return b"".join(chunks)


def _read(path):
    try:
        return read_regular_file(path, MAX_KEY_FILE_LEN)
    except ValueError as exc:
        raise _fail(path, str(exc)) from None


def _decode_base64(path, text):
    """Strictly decode base64 text, padded per key or once at the end."""
    bad = _NOT_BASE64.search(text)
    if bad:
        line_start = text.rfind(b"\n", 0, bad.start()) + 1
        # where, never what: the character may sit inside key material
        raise _fail(path, "bad base64: unexpected character at line {0}, "
                    "column {1}".format(text.count(b"\n", 0, line_start) + 1,
                                        bad.start() - line_start + 1))
    blob = b"".join(text.split())
    decoded = []
    pos = 0
    # each chunk ends at its padding, so "key1=\nkey2=" decodes too
    while pos < len(blob):
        chunk = _B64_CHUNK.match(blob, pos).group()
        if not chunk.rstrip(b"=") or len(chunk) % 4:
            raise _fail(path, _BAD_PADDING)
        try:
            decoded.append(base64.b64decode(chunk, validate=True))
        except binascii.Error:
            raise _fail(path, _BAD_PADDING) from None
        pos += len(chunk)
    return b"".join(decoded)


def parse_keys(path, data):
    """The keys in a key file's contents; ``path`` only names the file."""
    if not data:
        raise _fail(path, "is empty")
    text = data[len(_BOM):] if data.startswith(_BOM) else data
    if set(text) <= _TEXT_BYTES:
        # 80 random bytes are all printable with probability ~1e-32, so
        # printable content is base64 text, never a raw key
        if not text.strip():
            raise _fail(path, "is empty")
        raw = _decode_base64(path, text)
        what = "decodes to {0} bytes".format(len(raw))
    else:
        raw = data
        what = "is {0} bytes".format(len(raw))
    size = entry_size(len(raw))
    if size is None:
        raise _fail(path, "wrong size: {0}, expected {1} bytes per key (a "
                    "multiple of {1}, or of {2})".format(
                        what, KEY_FILE_ENTRY_LEN, SHORT_KEY_FILE_ENTRY_LEN))
    keys = []
    for start in range(0, len(raw), size):
        entry = raw[start:start + size]
        keys.append(OpenSSLTicketKey(entry[:KEY_NAME_LEN],
                                     entry[KEY_NAME_LEN:]))
    return keys


def entry_size(length):
    """Bytes per key in a key file of ``length`` bytes, or None."""
    if length == SHORT_KEY_FILE_ENTRY_LEN:
        return SHORT_KEY_FILE_ENTRY_LEN
    if length and length % KEY_FILE_ENTRY_LEN == 0:
        return KEY_FILE_ENTRY_LEN
    if length and length % SHORT_KEY_FILE_ENTRY_LEN == 0:
        return SHORT_KEY_FILE_ENTRY_LEN
    return None


def load_key_file(path: PathLike) -> List[TicketKey]:
    """Read a key file; return its :class:`TicketKey` list, first seals.

    Raises :class:`KeyFileError` if the file is unreadable, empty, not a
    multiple of 80 (or 48) bytes, or bad base64.
    """
    return parse_keys(path, _read(path))


def _signature(path):
    """What tells us a file changed (``None``: cannot be stat'ed).

    With the inode, as tools replace key files by rename, which may keep
    both size and a coarse mtime.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class _KeyFile:
    """One watched file: its signature and the keys last loaded from it."""

    __slots__ = ("path", "signature", "keys", "error")

    def __init__(self, path):
        self.path = path
        self.signature = _signature(path)
        self.keys = load_key_file(path)
        self.error = None


class KeyFileRing:
    """A key ring read from key files, reloaded when they change.

    Like nginx's ``ssl_session_ticket_key`` list: the first key of the first
    file seals, every key of every file opens (the first of two with one
    name wins), and tickets under any key but the sealing one get renewed.

    Files are ``stat``-ed at most once per ``check_interval`` seconds of the
    ``now`` given to ``lookup``/``encryption_key``, so ``ticket_clock``
    drives it and tests need no sleeps. A changed file is re-read; if it is
    bad, its previous keys stay in use, one warning naming file and problem
    goes to the ``tlslite_tickets`` logger and the error is kept in
    ``last_error``. A bad file at construction raises :class:`KeyFileError`.
    Only regular files are read, without blocking (a FIFO or device in a
    key file's place is a bad file), and the lock that lets one thread
    reload at a time is never held while a file is read.
    """

    def __init__(self, paths: Union[PathLike, Iterable[PathLike]],
                 check_interval: float = 1.0) -> None:
        if isinstance(paths, (str, bytes, os.PathLike)):
            paths = [paths]
        paths = list(paths)
        if not paths:
            raise ValueError("paths: a key file ring needs at least one file")
        if isinstance(check_interval, bool) or not isinstance(
                check_interval, (int, float)) or not check_interval >= 0:
            raise ValueError("check_interval must be a number of seconds "
                             ">= 0, got {0!r}".format(check_interval))
        self.check_interval = check_interval
        self._files = [_KeyFile(path) for path in paths]
        #: The :class:`KeyFileError` of the latest failed reload, or
        #: ``None`` once every file has loaded successfully again.
        self.last_error = None
        self._last_check = None
        self._lock = threading.Lock()
        self._reloading = False
        self._snapshot = self._build()

    def _build(self):
        by_name = {}
        for watched in self._files:
            for key in watched.keys:
                by_name.setdefault(key.name, key)
        # one tuple, swapped in whole: readers need no lock
        return self._files[0].keys[0], by_name

    def encryption_key(self, now: float) -> TicketKey:
        """The first key of the first file."""
        self._maybe_reload(now)
        return self._snapshot[0]

    def lookup(self, name: BytesLike,
               now: float) -> Tuple[Optional[TicketKey], bool]:
        """Return ``(key, renew)``; every key but the sealing one renews."""
        self._maybe_reload(now)
        current, by_name = self._snapshot
        key = by_name.get(bytes(name))
        if key is None:
            return None, False
        return key, key is not current

    def _maybe_reload(self, now):
        last = self._last_check
        # also check when the clock went backwards, or it would stall
        if last is not None and 0 <= now - last < self.check_interval:
            return
        # a handshake never waits for another thread's file I/O: it uses
        # the keys it has while the other thread checks
        if self._begin_reload(now):
            self._run_reload()

    def reload(self) -> bool:
        """Re-read every file whose signature changed; return True if any did.

        For a SIGHUP handler that wants a change picked up at once. Returns
        False at once when another thread is reloading just then.
        """
        return self._begin_reload(None) and self._run_reload()

    def _begin_reload(self, now):
        """Claim the one reload allowed at a time. The lock guards only
        this bookkeeping, never file I/O, so nobody waits on a slow disk."""
        with self._lock:
            if self._reloading:
                return False
            self._reloading = True
            if now is not None:
                self._last_check = now
            return True

    def _run_reload(self):
        try:
            return self._reload()
        finally:
            self._reloading = False

    def _reload(self):
        changed = False
        for watched in self._files:
            signature = _signature(watched.path)
            if signature == watched.signature:
                continue
            # remembered even on failure: one warning per bad version, and
            # a missing file is not retried until it reappears
            watched.signature = signature
            try:
                watched.keys = load_key_file(watched.path)
            except KeyFileError as exc:
                watched.error = self.last_error = exc
                log.warning("%s; keeping the %d key(s) loaded before", exc,
                            len(watched.keys))
                continue
            watched.error = None
            changed = True
            log.info("ticket key file %r reloaded: %d key(s)",
                     os.fsdecode(watched.path), len(watched.keys))
        if changed:
            self._snapshot = self._build()
        if all(f.error is None for f in self._files):
            self.last_error = None
        return changed

    def __len__(self) -> int:
        return len(self._snapshot[1])

    def __repr__(self) -> str:
        current, by_name = self._snapshot
        return "KeyFileRing(files={0}, current={1}, keys={2})".format(
            len(self._files), current.name.hex(), len(by_name))
