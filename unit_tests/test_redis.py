"""Redis-backed single-use store and session cache, against a real Redis.

Every test that needs Redis starts its own redis-server on a free
127.0.0.1 port (``redis_fixture.py``); the servers are TicketServers in
threads, each with its *own* store or cache object and so its own Redis
connections, as separate processes would have. Runs across real processes
(``server --workers``) are in ``test_fleet.py``.
"""

import logging
import ssl
import threading
import time

import pytest

import tlslite_tickets as tt
from redis_fixture import redis_server  # noqa: F401 (a fixture)
from redis_fixture import RedisProcess, make_tls_files, require_redis_py
from support import CallbackLog, PythonSSLClient, ticket_settings
from tlslite_tickets._redis_cache import RedisSessionCache
from tlslite_tickets._redis_store import RedisSingleUseStore, RedisUnavailable

SEED = b"redis-test-seed-" * 2
SECRET = b"redis-cache-secret-0123456789ab"
FAST = {"retry_interval": 0.2}


def cache_connection(cache):
    """A TicketTLSConnection class whose handshakes use ``cache``."""

    class CachedConnection(tt.TicketTLSConnection):
        def handshakeServer(self, **kwargs):
            kwargs.setdefault("sessionCache", cache)
            return super().handshakeServer(**kwargs)

    return CachedConnection


def session_id_client():
    """Python's ssl, TLS 1.2, no tickets: it resumes by session ID."""
    client = PythonSSLClient("1.2")
    client.context.options |= ssl.OP_NO_TICKET
    return client


def start_pair(make_server, url, log=None):
    """Two servers sharing a seed, each with its own store and cache."""
    servers = []
    for _ in range(2):
        settings = ticket_settings(log, ticket_seed=SEED,
                                   ticket_single_use=RedisSingleUseStore(
                                       url, **FAST))
        cache = RedisSessionCache(url, SECRET, **FAST)
        server = make_server(settings,
                             connection_class=cache_connection(cache))
        server.store, server.cache = settings.ticket_single_use, cache
        servers.append(server)
    return servers


def redis_messages(caplog, level):
    return [r.getMessage() for r in caplog.records
            if r.name == "tlslite_tickets" and r.levelno == level and
            "Redis" in r.getMessage()]


def redis_calls(url):
    """Commands Redis ran since the last call, by name (INFO commandstats,
    then CONFIG RESETSTAT), without those that set up a connection."""
    import redis
    client = redis.Redis.from_url(url)
    try:
        stats = client.info("commandstats")
        client.config_resetstat()
    finally:
        client.close()
    calls = {name[len("cmdstat_"):]: value["calls"]
             for name, value in stats.items()}
    # ours, and what redis-py sends once per new connection
    for name in ("info", "config|resetstat", "hello", "client|setinfo",
                 "select", "auth"):
        calls.pop(name, None)
    return calls


# -- through real handshakes ------------------------------------------------

@pytest.mark.parametrize("single_use", [False, True])
def test_redis_round_trips_per_handshake(make_server, redis_server,
                                         single_use):
    fields = {"ticket_seed": SEED}
    if single_use:
        fields["ticket_single_use"] = RedisSingleUseStore(redis_server.url)
    cache = RedisSessionCache(redis_server.url, SECRET)
    server = make_server(ticket_settings(**fields),
                         connection_class=cache_connection(cache))
    redis_calls(redis_server.url)
    # TLS 1.3: the random legacy session ID is never looked up
    tls13 = PythonSSLClient("1.3")
    full = tls13.connect(server)
    assert not full.resumed and redis_calls(redis_server.url) == {}
    assert tls13.connect(server, session=full.session).resumed
    assert redis_calls(redis_server.url) == (
        {"set": 1} if single_use else {})
    # TLS 1.2 by session ID: one SET to store, one GET to resume
    tls12 = session_id_client()
    full = tls12.connect(server)
    assert not full.resumed and redis_calls(redis_server.url) == {"set": 1}
    assert tls12.connect(server, session=full.session).resumed
    assert redis_calls(redis_server.url) == {"get": 1}
    # TLS 1.2 with a ticket: the full handshake caches its session too,
    # the ticket resumption asks nothing
    tls12 = PythonSSLClient("1.2")
    full = tls12.connect(server)
    assert not full.resumed and redis_calls(redis_server.url) == {"set": 1}
    assert tls12.connect(server, session=full.session).resumed
    assert redis_calls(redis_server.url) == {}


def test_tls13_ticket_replayed_to_another_server_resumes_once(
        make_server, redis_server):
    one, two = start_pair(make_server, redis_server.url)
    client = PythonSSLClient("1.3")
    first = client.connect(one)
    assert not first.resumed and first.tickets == 2
    assert client.connect(two, session=first.session).resumed
    for server in (one, two, two):
        replay = client.connect(server, session=first.session)
        assert not replay.resumed and replay.tickets == 2
        assert server.last().error is None


def test_tls12_session_id_resumes_on_another_server(make_server,
                                                    redis_server):
    one, two = start_pair(make_server, redis_server.url)
    client = session_id_client()
    first = client.connect(one)
    assert not first.resumed and first.tickets == 0
    again = client.connect(two, session=first.session)
    assert again.resumed and again.reply == b"echo:ping"
    assert two.last().resumed and two.last().version == (3, 3)
    assert client.connect(one, session=first.session).resumed


def test_server_with_another_secret_does_a_full_handshake(
        make_server, redis_server, caplog):
    one, _ = start_pair(make_server, redis_server.url)
    other = make_server(ticket_settings(), connection_class=cache_connection(
        RedisSessionCache(redis_server.url, b"another secret, 16+ bytes")))
    client = session_id_client()
    first = client.connect(one)
    with caplog.at_level(logging.WARNING, logger="tlslite_tickets"):
        result = client.connect(other, session=first.session)
    assert not result.resumed and other.last().error is None
    assert any("same secret" in r.getMessage() for r in caplog.records)


def test_outage_fails_closed_logs_once_and_recovers(make_server,
                                                    redis_server, caplog):
    caplog.set_level(logging.INFO, logger="tlslite_tickets")
    servers = start_pair(make_server, redis_server.url)
    tls13, tls12 = PythonSSLClient("1.3"), session_id_client()
    ticket = tls13.connect(servers[0]).session
    session = tls12.connect(servers[0]).session

    redis_server.kill()
    started = time.monotonic()
    for _ in range(3):
        for server in servers:
            result = tls13.connect(server, session=ticket)
            assert not result.resumed and result.tickets == 2
            assert not tls12.connect(server, session=session).resumed
            assert server.last().error is None
    assert time.monotonic() - started < 10  # no handshake waited long
    warnings = redis_messages(caplog, logging.WARNING)
    assert len(warnings) == 4, warnings  # 2 stores + 2 caches, once each
    assert sum("single-use store" in m for m in warnings) == 2
    assert all(not s.store.available and not s.cache.available
               for s in servers)

    redis_server.start()
    time.sleep(FAST["retry_interval"] * 1.5)
    # never claimed while Redis was down, so the old ticket resumes once
    assert tls13.connect(servers[1], session=ticket).resumed
    assert not tls13.connect(servers[0], session=ticket).resumed
    fresh = tls12.connect(servers[0]).session
    assert tls12.connect(servers[1], session=fresh).resumed
    assert len(redis_messages(caplog, logging.INFO)) == 4
    assert len(redis_messages(caplog, logging.WARNING)) == 4
    for server in servers:
        assert server.store.outages == server.cache.outages == 1
        assert server.store.available and server.cache.available


def test_redis_holds_nothing_secret(make_server, redis_server):
    appdata = b"user=alice;appdata-is-private"
    one, two = start_pair(make_server, redis_server.url,
                          CallbackLog(appdata=appdata))
    seen = []
    for server in (one, two):
        server.after_handshake = lambda conn: seen.append(conn.session)
    tls12 = PythonSSLClient("1.2")  # a ticket too, so gen_cb sets appdata
    tls13 = PythonSSLClient("1.3")
    tls12.connect(one)
    session_id = bytes(seen[0].sessionID)  # the server's, not the client's
    assert tls13.connect(two, session=tls13.connect(one).session).resumed
    needles = [appdata, SECRET, SEED]
    for session in seen:
        for secret in (session.masterSecret, session.resumptionMasterSecret):
            if secret:
                needles += [bytes(secret), bytes(secret).hex().encode()]
    assert len(needles) >= 7
    client = one.cache.client
    keys = list(client.scan_iter(match="*"))
    assert any(b":single-use:" in k for k in keys)
    assert one.cache.key_of(session_id) in keys
    for key in keys:
        assert client.type(key) == b"string"
        blob = key + client.get(key)
        for needle in needles:
            assert needle not in blob, (key, needle[:8])
    # and yet the sealed entry gives the appdata back
    assert tt.get_appdata(two.cache[session_id]) == appdata



def test_redis_restart_while_idle_goes_unnoticed(make_server, redis_server,
                                                 caplog):
    """Pooled connections to the old Redis are replaced, not failed on."""
    caplog.set_level(logging.INFO, logger="tlslite_tickets")
    one, two = start_pair(make_server, redis_server.url)
    tls13, tls12 = PythonSSLClient("1.3"), session_id_client()
    assert tls13.connect(two, session=tls13.connect(one).session).resumed
    tls12.connect(one)
    redis_server.kill()
    redis_server.start()  # empty again: no persistence
    assert tls13.connect(two, session=tls13.connect(one).session).resumed
    assert tls12.connect(two, session=tls12.connect(one).session).resumed
    assert redis_messages(caplog, logging.WARNING) == []

# -- the store on its own ---------------------------------------------------

def test_claim_is_one_set_nx_px(redis_server):
    store = RedisSingleUseStore(redis_server.url, namespace="ns")
    ticket_id = bytes(range(16))
    assert store.claim(ticket_id, expires_at=1100.0, now=1000.0)
    assert not store.claim(ticket_id, expires_at=1100.0, now=1000.0)
    key = b"ns:single-use:" + ticket_id.hex().encode()
    assert store.key_of(ticket_id) == key
    assert store.client.get(key) == b"1"
    ttl = store.client.pttl(key)
    assert 100000 < ttl <= (100 + store.skew_margin) * 1000
    # another namespace is another store; an expired ticket is refused
    assert RedisSingleUseStore(redis_server.url, "other").claim(
        ticket_id, 1100.0, 1000.0)
    assert not store.claim(b"x" * 16, expires_at=999.0, now=1000.0)


def test_concurrent_claims_from_separate_clients(redis_server):
    stores = [RedisSingleUseStore(redis_server.url) for _ in range(16)]
    wins = []
    barrier = threading.Barrier(len(stores))

    def race(store):
        barrier.wait()
        wins.append(store.claim(b"same ticket id..", 2e9, 1e9))

    threads = [threading.Thread(target=race, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False] * 15 + [True]


class FlakyClient:
    """A stand-in client: fails while ``down``, counting calls."""

    def __init__(self):
        self.down = True
        self.calls = 0

    def set(self, *args, **kwargs):
        self.calls += 1
        if self.down:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:1")
        return True


def test_outage_circuit_breaker_and_single_warning(caplog):
    caplog.set_level(logging.INFO, logger="tlslite_tickets")
    client = FlakyClient()
    store = RedisSingleUseStore(client, retry_interval=60)
    for _ in range(5):
        with pytest.raises(RedisUnavailable):
            store.claim(b"i" * 16, 2e9, 1e9)
    assert client.calls == 1  # the others failed at once, without a call
    assert len(redis_messages(caplog, logging.WARNING)) == 1
    store = RedisSingleUseStore(client, retry_interval=0)
    for _ in range(3):
        with pytest.raises(RedisUnavailable):
            store.claim(b"i" * 16, 2e9, 1e9)
    client.down = False
    assert store.claim(b"i" * 16, 2e9, 1e9) and store.available
    assert len(redis_messages(caplog, logging.WARNING)) == 2
    assert len(redis_messages(caplog, logging.INFO)) == 1


def test_unreachable_url_fails_fast():
    require_redis_py()
    from redis_fixture import free_port
    store = RedisSingleUseStore("redis://127.0.0.1:{0}/0".format(free_port()))
    started = time.monotonic()
    with pytest.raises(RedisUnavailable) as info:
        store.claim(b"i" * 16, 2e9, 1e9)
    assert time.monotonic() - started < 2
    assert info.value.__cause__ is not None


def test_redis_py_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "redis", None)
    with pytest.raises(ImportError) as info:
        RedisSingleUseStore("redis://127.0.0.1:6379/0")
    assert "pip install" in str(info.value)


def test_bad_arguments():
    require_redis_py()
    url = "redis://127.0.0.1:6379/0"
    for kwargs in ({"namespace": ""}, {"skew_margin": -1},
                   {"retry_interval": -1}):
        with pytest.raises(ValueError):
            RedisSingleUseStore(url, **kwargs)
    with pytest.raises(ValueError):
        RedisSingleUseStore(object())
    for secret in (b"short", "a str secret of 16+ chars", None):
        with pytest.raises(ValueError):
            RedisSessionCache(url, secret)
    for lifetime in (0, 1.5, True):
        with pytest.raises(ValueError):
            RedisSessionCache(url, SECRET, lifetime=lifetime)


def test_repr_shows_no_password_or_secret():
    require_redis_py()
    url = "redis://:hunter2-password@127.0.0.1:6390/3"
    store, cache = RedisSingleUseStore(url), RedisSessionCache(url, SECRET)
    for text in (repr(store), repr(cache)):
        assert "127.0.0.1:6390/3" in text and "hunter2" not in text
        assert SECRET.decode() not in text and SECRET.hex() not in text


# -- the session cache on its own -------------------------------------------

def make_session(chain=None, appdata=b"user=bob"):
    from tlslite.session import Session
    session = Session()
    session.create(bytearray(range(48)), bytearray(b"\x07" * 32), 0xC02B,
                   "", chain, None, None, False, "localhost",
                   encryptThenMAC=True, extendedMasterSecret=True,
                   appProto=bytearray(b"h2"))
    tt.set_appdata(session, appdata)
    return session


def test_session_round_trip_through_redis(redis_server, credentials):
    from support import FakeClock
    clock = FakeClock()
    cache = RedisSessionCache(redis_server.url, SECRET, namespace="c",
                              lifetime=600, clock=clock)
    original = make_session(credentials[0])
    cache[original.sessionID] = original
    other = RedisSessionCache(redis_server.url, SECRET, namespace="c",
                              clock=clock)  # as another process would
    got = other[bytearray(original.sessionID)]
    for name in ("masterSecret", "sessionID", "cipherSuite", "serverName",
                 "encryptThenMAC", "extendedMasterSecret", "appProto",
                 "srpUsername", "resumable"):
        assert getattr(got, name) == getattr(original, name), name
    assert tt.get_appdata(got) == b"user=bob" and got.valid()
    assert [bytes(c.bytes) for c in got.clientCertChain.x509List] == \
        [bytes(c.bytes) for c in credentials[0].x509List]
    key = cache.key_of(original.sessionID)
    assert key == b"c:session:" + b"07" * 32
    assert 599000 < cache.client.pttl(key) <= 600000
    clock.advance(601)  # past its sealed lifetime, even if Redis kept it
    with pytest.raises(KeyError):
        other[original.sessionID]


def test_moved_or_altered_entries_do_not_open(redis_server):
    cache = RedisSessionCache(redis_server.url, SECRET)
    session = make_session(appdata=None)
    cache[session.sessionID] = session
    assert tt.get_appdata(cache[session.sessionID]) is None
    value = cache.client.get(cache.key_of(session.sessionID))
    moved = b"\x08" * 32
    cache.client.set(cache.key_of(moved), value)
    flipped = bytearray(value)
    flipped[-1] ^= 1
    cache.client.set(cache.key_of(b"\x09" * 32), bytes(flipped))
    for session_id in (moved, b"\x09" * 32, b"\x0a" * 32, b""):
        with pytest.raises(KeyError):
            cache[session_id]
        assert cache.get(session_id) is None
    assert cache.discard(session.sessionID)
    with pytest.raises(KeyError):
        cache[session.sessionID]


class DownClient:
    def set(self, *args, **kwargs):
        raise ConnectionError("down")

    get = delete = set


def test_cache_outage_is_a_miss_and_a_dropped_store(caplog):
    cache = RedisSessionCache(DownClient(), SECRET, retry_interval=0)
    session = make_session()
    with caplog.at_level(logging.WARNING, logger="tlslite_tickets"):
        cache[session.sessionID] = session  # does not raise
        for _ in range(3):
            with pytest.raises(KeyError):
                cache[session.sessionID]
    assert len(redis_messages(caplog, logging.WARNING)) == 1
    assert cache and not cache.available and cache.outages == 1


# -- TLS to Redis, passwords, persistence, what Redis keeps ----------------

PASSWORD = "pw-for-the-test-redis"


@pytest.fixture
def secured_redis(tmp_path):
    """A redis-server speaking only TLS and requiring a password."""
    require_redis_py()
    server = RedisProcess(tmp_path, password=PASSWORD,
                          tls=make_tls_files(tmp_path)).start()
    try:
        yield server
    finally:
        server.stop()


def test_rediss_with_password(make_server, secured_redis):
    url = secured_redis.url
    assert url.startswith("rediss://:{0}@".format(PASSWORD))
    one, two = start_pair(make_server, url)
    client = PythonSSLClient("1.3")
    first = client.connect(one)
    assert client.connect(two, session=first.session).resumed
    assert not client.connect(one, session=first.session).resumed
    tls12 = session_id_client()
    assert tls12.connect(two, session=tls12.connect(one).session).resumed
    assert one.store.available and one.cache.available
    for store in (one.store, one.cache):
        assert PASSWORD not in repr(store)


@pytest.mark.parametrize("wrong", ["plain", "no-password", "bad-password"])
def test_rediss_misconfigured_fails_closed(secured_redis, wrong):
    url = secured_redis.url
    url = {"plain": url.replace("rediss://", "redis://").split("?")[0],
           "no-password": url.replace(":{0}@".format(PASSWORD), ""),
           "bad-password": url.replace(PASSWORD, "not-it")}[wrong]
    store = RedisSingleUseStore(url, **FAST)
    with pytest.raises(RedisUnavailable):
        store.claim(b"\x01" * 16, 100.0, 0.0)
    assert not store.available


@pytest.mark.parametrize("persistent", [False, True])
def test_used_tickets_after_a_redis_restart(make_server, tmp_path,
                                            persistent):
    """Without persistence a restarted Redis forgets which tickets were
    used; with an fsync'ed append-only file it does not, even after a
    crash (SIGKILL)."""
    require_redis_py()
    extra = ["--appendonly", "yes", "--appendfsync", "always"] \
        if persistent else []
    redis_process = RedisProcess(tmp_path, extra_args=extra).start()
    try:
        one, two = start_pair(make_server, redis_process.url)
        client = PythonSSLClient("1.3")
        first = client.connect(one)
        assert client.connect(two, session=first.session).resumed
        redis_process.kill()
        redis_process.start()
        time.sleep(FAST["retry_interval"] * 1.5)  # past the outage probe
        replay = client.connect(one, session=first.session)
        assert replay.resumed is not persistent
    finally:
        redis_process.stop()


def test_what_redis_keeps(make_server, redis_server):
    """One key per TLS 1.3 resumption (single-use) and one per TLS 1.2
    session-ID handshake (cache); their lifetimes and sizes, as
    docs/operations.rst ("What Redis keeps") states them."""
    one, two = start_pair(make_server, redis_server.url)
    client = one.store.client
    tls13, tls12 = PythonSSLClient("1.3"), session_id_client()
    for _ in range(3):
        first = tls13.connect(one)
        assert tls13.connect(two, session=first.session).resumed
    for _ in range(2):
        tls12.connect(one)
    keys = list(client.scan_iter(match="*"))
    used = [k for k in keys if b":single-use:" in k]
    sessions = [k for k in keys if b":session:" in k]
    assert len(used) == 3 and len(sessions) == 2 and len(keys) == 5
    lifetime = one.settings.ticketLifetime
    for key in used:
        # the ticket's remaining lifetime plus the 60 s clock margin
        assert lifetime < client.ttl(key) <= lifetime + 60
        assert client.get(key) == b"1" and len(key) == 59
        assert 64 <= client.memory_usage(key) <= 128  # "about 100 bytes"
    for key in sessions:
        assert 14400 - 60 < client.ttl(key) <= 14400
        assert len(key) == 88
        assert 140 <= client.strlen(key) <= 160  # "146 bytes"
        assert 200 <= client.memory_usage(key) <= 384  # "about 300 bytes"
