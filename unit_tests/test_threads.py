"""One settings object, many connection threads, keys changing underneath.

Several client threads resume concurrently against a server that handles
each connection in its own thread with one shared settings object, while
the keys rotate (an injected ticket clock) or the key file is replaced.
gen_cb stamps each client's SNI name into the appdata, so a resumption
that came back with no appdata or another client's appdata shows.
"""

import os
import threading
import time

import pytest

import tlslite_tickets as tt
from support import FakeClock, PythonSSLClient, ticket_settings
from test_key_handshakes import write_keys

CLIENTS = 4
RESUMPTIONS = 6
PERIOD = 100
MAX_SECONDS = 120


class Stamp:
    """gen_cb/dec_cb that stamp and check the client's name; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = []
        self.key_names = set()

    def gen_cb(self, conn, arg):
        session = tt.SSL_get_session(conn)
        if tt.get_appdata(session) is None:
            tt.set_appdata(session, b"sni=" + session.serverName.encode())
        return 1

    def dec_cb(self, conn, session, key_name, status, arg):
        with self.lock:
            self.statuses.append(status)
            if key_name:
                self.key_names.add(bytes(key_name))
        if status in (tt.SSL_TICKET_SUCCESS, tt.SSL_TICKET_SUCCESS_RENEW):
            return tt.SSL_TICKET_RETURN_USE_RENEW
        return tt.SSL_TICKET_RETURN_IGNORE_RENEW


def run_clients(server, change_keys, paced=False):
    """CLIENTS threads resuming RESUMPTIONS times each while
    ``change_keys()`` runs over and over in another thread."""
    seen = []  # (sni, resumed, appdata) as the server saw them
    server.after_handshake = lambda conn: seen.append(
        (conn.session.serverName, bool(conn.resumed),
         tt.get_appdata(conn.session)))
    failures, resumed = [], []
    done = threading.Event()

    def client(index):
        sni = "client-{0}.test".format(index)
        ssl_client = PythonSSLClient("1.3" if index % 2 else "1.2")
        try:
            session = ssl_client.connect(server, sni=sni).session
            for _ in range(RESUMPTIONS):
                result = ssl_client.connect(server, session=session, sni=sni)
                assert result.reply == b"echo:ping"
                resumed.append(result.resumed)
                session = result.session
        except Exception as exc:  # reported by the test
            failures.append(exc)

    def keys_changer():
        # with ``paced``, a change also waits for CLIENTS more handshakes,
        # so that a loaded machine (slow handshakes) still resumes between
        # changes that invalidate tickets
        last = 0
        while not done.wait(0.05):
            if not paced or len(server.records) >= last + CLIENTS:
                last = len(server.records)
                change_keys()

    changer = threading.Thread(target=keys_changer)
    changer.start()
    threads = [threading.Thread(target=client, args=(i,))
               for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(MAX_SECONDS)
    done.set()
    changer.join(MAX_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert len(resumed) == CLIENTS * RESUMPTIONS
    return seen, resumed


def check_server_side(server, seen, min_resumed=CLIENTS):
    expected = CLIENTS * (RESUMPTIONS + 1)
    # a server thread records its connection just after the client is done
    deadline = time.monotonic() + 20
    while len(server.records) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(server.records) == expected
    assert [r.error for r in server.records if r.error] == []
    assert len(seen) == len(server.records)
    for sni, resumed, appdata in seen:
        # never lost, never another client's
        assert appdata == b"sni=" + sni.encode(), (sni, resumed, appdata)
    assert sum(1 for _, resumed, _ in seen if resumed) >= min_resumed


def test_resumptions_while_keys_rotate(make_server):
    clock = FakeClock(now=1000 * PERIOD)
    clock_lock = threading.Lock()
    stamp = Stamp()
    settings = ticket_settings(
        ticket_seed=os.urandom(32), ticket_rotation_period=PERIOD,
        ticket_decrypt_window=3 * PERIOD, ticket_clock=clock,
        ticketLifetime=100 * PERIOD)
    tt.SSL_CTX_set_session_ticket_cb(settings, stamp.gen_cb, stamp.dec_cb)
    server = make_server(settings, threaded=True)

    def rotate():
        with clock_lock:
            clock.advance(PERIOD / 4)

    seen, resumed = run_clients(server, rotate)
    check_server_side(server, seen)
    assert clock.now >= 1000 * PERIOD + PERIOD  # at least one rotation
    assert len(stamp.key_names) >= 2
    assert tt.SSL_TICKET_SUCCESS_RENEW in stamp.statuses


@pytest.mark.parametrize("keep_old_key", [True, False])
def test_resumptions_while_the_key_file_is_replaced(make_server, tmp_path,
                                                    keep_old_key):
    clock = FakeClock()
    path = write_keys(tmp_path / "ticket.key", os.urandom(80))
    stamp = Stamp()
    settings = ticket_settings(ticket_key_files=[path], ticket_clock=clock)
    tt.SSL_CTX_set_session_ticket_cb(settings, stamp.gen_cb, stamp.dec_cb)
    server = make_server(settings, threaded=True)
    state = {"key": open(path, "rb").read(), "replaced": 0}

    def replace_key_file():
        # a rotation tool writes a new file and renames it into place
        new_key = os.urandom(80)
        data = new_key + state["key"][:80] if keep_old_key else new_key
        temporary = path + ".new"
        with open(temporary, "wb") as handle:
            handle.write(data)
        stamp_time = clock.now + 2
        os.utime(temporary, (stamp_time, stamp_time))
        os.replace(temporary, path)
        clock.advance(2)  # past the once-a-second reload check
        state["key"] = data
        state["replaced"] += 1

    seen, resumed = run_clients(server, replace_key_file, paced=True)
    # without the old key, a ticket made just before a change cannot resume
    check_server_side(server, seen, CLIENTS if keep_old_key else 1)
    assert state["replaced"] >= 2 and len(stamp.key_names) >= 2
