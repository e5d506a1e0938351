"""The two AEAD paths of ``_ticket`` produce and accept the same bytes.

A server farm may run some hosts with the ``cryptography`` extra and some
without; a ticket sealed on one kind must open on the other. The pure path
(tlslite-ng's AES-GCM) is forced by setting ``_aead._AESGCM`` to None.
"""

import contextlib
import types

import pytest

from tlslite_tickets import _aead, _ticket
from tlslite_tickets._keys import TicketKey
from conftest import env_flag, skip_or_fail

#: The ``cryptography`` AESGCM class, or None where it is not installed.
FAST = _aead._AESGCM


def require_fast():
    """Skip where ``cryptography`` is not installed; but fail in the venv
    that ``make test`` builds with the ``fast`` extra (the Makefile sets
    TLSLITE_TICKETS_REQUIRE_CRYPTOGRAPHY=1 there), so that a venv that lost
    it cannot skip the comparisons silently."""
    if FAST is None:
        skip_or_fail("cryptography is not installed",
                     env_flag("TLSLITE_TICKETS_REQUIRE_CRYPTOGRAPHY"))


@pytest.fixture
def fast_backend():
    require_fast()


needs_fast = pytest.mark.usefixtures("fast_backend")

KEY = TicketKey(b"N" * 16, b"ticket key secret, 32 bytes long")


def contents():
    return _ticket.TicketContents(
        protocol_version=(3, 4), cipher_suite=0x1301, secret=b"\x42" * 32,
        created_ms=1700000000000, lifetime=7200, age_add=0xdeadbeef,
        server_name=b"example.com", ems=True, etm=False,
        client_certs=[b"\x30\x03\x02\x01\x01"], appdata=b"Hello World")


@contextlib.contextmanager
def pure():
    """Run the block on tlslite-ng's AES-GCM, whatever is installed."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_aead, "_AESGCM", None)
        yield


@pytest.fixture
def fixed_nonce(monkeypatch):
    fake_os = types.SimpleNamespace(urandom=lambda n: bytes(range(n)))
    monkeypatch.setattr(_ticket, "os", fake_os)


def same_contents(a, b):
    return all(getattr(a, f) == getattr(b, f)
               for f in _ticket.TicketContents.__slots__)


def test_pure_round_trip():
    with pure():
        # the path under test really is tlslite-ng's, not cryptography's
        cipher = _aead._cipher(KEY.aead_key)
        assert type(cipher).__module__.startswith("tlslite.")
        ticket = _ticket.seal(KEY, contents())
        assert same_contents(_ticket.open_ticket(KEY, ticket), contents())
    if _aead._AESGCM is not None:
        # and the cache does not hand the pure object to the fast path
        assert _aead._cipher(KEY.aead_key) is not cipher


def test_threads_do_not_share_pure_cipher_objects():
    import threading
    seen = []
    with pure():
        worker = threading.Thread(
            target=lambda: seen.append(_aead._cipher(KEY.aead_key)))
        worker.start()
        worker.join()
        assert seen[0] is not _aead._cipher(KEY.aead_key)


def test_pure_rejects_tampering():
    with pure():
        ticket = bytearray(_ticket.seal(KEY, contents()))
        ticket[-1] ^= 1
        with pytest.raises(_ticket.TicketDecodeError):
            _ticket.open_ticket(KEY, ticket)


@pytest.mark.parametrize("use_pure", [False, True], ids=["fast", "pure"])
def test_key_name_is_authenticated(use_pure):
    if not use_pure:
        require_fast()
    # same secret, so the same AEAD key: only the AAD tells them apart
    other = TicketKey(b"M" * 16, b"ticket key secret, 32 bytes long")
    assert other.aead_key == KEY.aead_key
    ticket = _ticket.seal(KEY, contents())
    moved = other.name + ticket[16:]
    with pure() if use_pure else contextlib.nullcontext():
        with pytest.raises(_ticket.TicketDecodeError):
            _ticket.open_ticket(other, moved)


@needs_fast
def test_sealed_fast_opens_pure():
    ticket = _ticket.seal(KEY, contents())
    with pure():
        assert same_contents(_ticket.open_ticket(KEY, ticket), contents())


@needs_fast
def test_sealed_pure_opens_fast():
    with pure():
        ticket = _ticket.seal(KEY, contents())
    assert same_contents(_ticket.open_ticket(KEY, ticket), contents())


@needs_fast
def test_same_nonce_same_bytes(fixed_nonce):
    fast_ticket = _ticket.seal(KEY, contents())
    with pure():
        pure_ticket = _ticket.seal(KEY, contents())
    assert fast_ticket == pure_ticket
    assert fast_ticket[16:28] == bytes(range(12))
    assert len(fast_ticket) == (_ticket.MIN_TICKET_LEN +
                                len(contents().encode()))


@needs_fast
def test_tampering_rejected_by_both():
    ticket = bytearray(_ticket.seal(KEY, contents()))
    ticket[30] ^= 0x80
    with pytest.raises(_ticket.TicketDecodeError):
        _ticket.open_ticket(KEY, ticket)
    with pure():
        with pytest.raises(_ticket.TicketDecodeError):
            _ticket.open_ticket(KEY, ticket)
