"""Single-use TLS 1.3 tickets: a ticket resumes once, then never again."""

import threading

import pytest

import tlslite_tickets as tt
from support import CallbackLog, FakeClock, PythonSSLClient, ticket_settings


def test_replayed_ticket_resumes_once(make_server):
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_USE)
    server = make_server(ticket_settings(log, ticket_single_use=True))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    assert client.connect(server, session=first.session).resumed
    replay = client.connect(server, session=first.session)
    assert not replay.resumed
    assert replay.tickets == 2  # a full handshake and fresh tickets
    assert log.statuses[-1] == tt.SSL_TICKET_SUCCESS_RENEW


def test_twin_servers_sharing_a_store_refuse_the_replay(make_server):
    store = tt.MemorySingleUseStore()
    seed = b"s" * 32
    one = make_server(ticket_settings(ticket_seed=seed,
                                      ticket_single_use=store))
    two = make_server(ticket_settings(ticket_seed=seed,
                                      ticket_single_use=store))
    client = PythonSSLClient("1.3")
    first = client.connect(one)
    assert client.connect(two, session=first.session).resumed
    assert not client.connect(one, session=first.session).resumed


def test_a_claim_is_kept_until_the_ticket_expires(make_server):
    # the handshake tells the store when the ticket expires: the id is
    # kept that long (a replay is refused), then forgotten (memory stays
    # bounded by the live tickets)
    store = tt.MemorySingleUseStore()
    clock = FakeClock()
    server = make_server(ticket_settings(ticket_single_use=store,
                                         ticket_clock=clock,
                                         ticketLifetime=100))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    clock.advance(10)
    assert client.connect(server, session=first.session).resumed
    assert len(store) == 1
    clock.advance(89)  # 99 s after the ticket was made: still live
    fresh = client.connect(server)
    assert client.connect(server, session=fresh.session).resumed
    assert len(store) == 2
    clock.advance(2)  # the first ticket expired: its id is dropped
    newer = client.connect(server)
    assert client.connect(server, session=newer.session).resumed
    assert len(store) == 2


class BrokenStore:
    def claim(self, ticket_id, expires_at, now):
        raise ConnectionError("store unreachable")


def test_store_failure_fails_closed(make_server):
    server = make_server(ticket_settings(ticket_single_use=BrokenStore()))
    client = PythonSSLClient("1.3")
    first = client.connect(server)
    result = client.connect(server, session=first.session)
    assert not result.resumed and result.tickets == 2
    assert server.last().error is None


def test_memory_store_forgets_expired_and_refuses_when_full():
    store = tt.MemorySingleUseStore(max_entries=2)
    assert store.claim(b"a", 10, 0) and not store.claim(b"a", 10, 5)
    assert store.claim(b"b", 20, 5)
    assert not store.claim(b"c", 30, 5)  # full of live ids: refuse
    assert store.claim(b"c", 30, 10)  # "a" expired at 10
    assert not store.claim(b"d", 40, 11)  # "b" and "c" still live
    assert store.claim(b"a", 40, 21)  # "b" expired: "a" may be seen anew
    assert len(store) == 2


def test_memory_store_is_thread_safe():
    store = tt.MemorySingleUseStore()
    wins = []

    def race():
        wins.append(store.claim(b"same", 100, 0))

    threads = [threading.Thread(target=race) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wins.count(True) == 1


def test_bad_store_setting():
    with pytest.raises(ValueError) as info:
        ticket_settings(ticket_single_use="yes").validate()
    assert "ticket_single_use" in str(info.value)
    with pytest.raises(ValueError):
        tt.MemorySingleUseStore(max_entries=0)


def test_memory_store_bounds_and_errors():
    # the default bound, documented by the signature
    assert tt.MemorySingleUseStore().max_entries == 100000
    one = tt.MemorySingleUseStore(max_entries=1)  # the smallest store
    assert one.claim(b"a", 10, 0) and not one.claim(b"b", 10, 0)
    assert repr(one) == "MemorySingleUseStore(1/1 entries)"
    for bad in (0, -1, True, "5", 2.0, None):
        with pytest.raises(ValueError) as info:
            tt.MemorySingleUseStore(max_entries=bad)
        assert str(info.value) == \
            "max_entries must be a positive integer, got {0!r}".format(bad)
