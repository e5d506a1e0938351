"""The extension points: TicketKeyRing and SingleUseStore protocols."""

import logging
import typing

import pytest

import tlslite_tickets as tt
from support import CallbackLog, PythonSSLClient, ticket_settings

LOGGER = "tlslite_tickets"


class OnlyLookup:
    def lookup(self, name, now):
        return None, False


class OnlyEncryptionKey:
    def encryption_key(self, now):
        return None


class NoClaim:
    def claim_ticket(self, ticket_id, expires_at, now):
        return True


class ClaimNotCallable:
    claim = True


def test_protocols_are_exported_protocols():
    for protocol in (tt.TicketKeyRing, tt.SingleUseStore):
        assert issubclass(protocol, typing.Protocol)
    assert {"encryption_key", "lookup"} <= set(vars(tt.TicketKeyRing))
    assert "claim" in vars(tt.SingleUseStore)


@pytest.mark.parametrize("ring,missing", [
    (OnlyLookup(), "encryption_key"),
    (OnlyEncryptionKey(), "lookup"),
])
def test_incomplete_key_ring_names_the_missing_method(ring, missing):
    with pytest.raises(ValueError) as info:
        ticket_settings(ticket_keys=ring).validate()
    message = str(info.value)
    assert "ticket_keys" in message and missing + "()" in message
    assert type(ring).__name__ in message


def test_not_a_key_ring_names_both_methods():
    with pytest.raises(ValueError) as info:
        ticket_settings(ticket_keys=3).validate()
    assert "encryption_key()" in str(info.value)
    assert "lookup()" in str(info.value)


@pytest.mark.parametrize("store", [NoClaim(), ClaimNotCallable(), "yes"])
def test_store_without_claim_names_it(store):
    with pytest.raises(ValueError) as info:
        ticket_settings(ticket_single_use=store).validate()
    message = str(info.value)
    assert "ticket_single_use" in message and "claim()" in message
    assert "SingleUseStore" in message


class OneKeyRing:
    """A custom TicketKeyRing: one key, counting its calls."""

    def __init__(self):
        self.key = tt.TicketKey(b"c" * 16, b"custom secret, 32 bytes long...")
        self.calls = []

    def encryption_key(self, now):
        self.calls.append("encryption_key")
        return self.key

    def lookup(self, name, now):
        self.calls.append("lookup")
        return (self.key, False) if name == self.key.name else (None, False)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_custom_key_ring_seals_and_opens(make_server, version):
    ring = OneKeyRing()
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_USE)
    server = make_server(ticket_settings(log, ticket_keys=ring))
    client = PythonSSLClient(version)
    first = client.connect(server)
    assert client.connect(server, session=first.session).resumed
    assert log.keynames[-1] == ring.key.name
    assert "encryption_key" in ring.calls and "lookup" in ring.calls


class FlakyStore:
    """A custom SingleUseStore that fails while ``down`` is set."""

    def __init__(self):
        self.down = False
        self.inner = tt.MemorySingleUseStore()

    def claim(self, ticket_id, expires_at, now):
        if self.down:
            raise ConnectionError("store at 127.0.0.1:1 refused")
        return self.inner.claim(ticket_id, expires_at, now)


def warnings_about_store(caplog):
    return [r for r in caplog.records if r.name == LOGGER and
            r.levelno == logging.WARNING and "single-use store" in
            r.getMessage()]


def test_custom_store_outage_is_one_warning(make_server, caplog):
    store = FlakyStore()
    settings = ticket_settings(ticket_single_use=store)
    # the handshakes use a watcher around the store (validate() puts it
    # there); it names the store
    assert repr(settings.validate().ticket_single_use_store) == \
        "WatchedStore(FlakyStore)"
    server = make_server(settings)
    client = PythonSSLClient("1.3")
    caplog.set_level(logging.DEBUG, logger=LOGGER)

    store.down = True
    for _ in range(3):  # three refused resumptions, one outage
        result = client.connect(server, session=client.connect(
            server).session)
        assert not result.resumed and result.tickets == 2
    warnings = warnings_about_store(caplog)
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert message == ("single-use store FlakyStore failed (ConnectionError: "
                       "store at 127.0.0.1:1 refused); tickets will not "
                       "resume (full handshakes, fresh tickets) until it "
                       "answers")
    # the traceback of the outage's first failure, at DEBUG only
    traced = [r for r in caplog.records if r.name == LOGGER and r.exc_info]
    assert [r.levelno for r in traced] == [logging.DEBUG]
    assert traced[0].exc_info[0] is ConnectionError

    store.down = False
    first = client.connect(server)
    assert client.connect(server, session=first.session).resumed
    assert [r.getMessage() for r in caplog.records
            if r.levelno == logging.INFO and "FlakyStore" in
            r.getMessage()] == ["single-use store FlakyStore answers again; "
                                "tickets resume again"]

    store.down = True  # a second outage: a second warning
    client.connect(server, session=client.connect(server).session)
    assert len(warnings_about_store(caplog)) == 2
