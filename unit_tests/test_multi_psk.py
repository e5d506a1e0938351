"""Several PSK identities in one ClientHello, on OpenSSL's server and ours.

OpenSSL's client never sends more than one, so the hellos are hand-built
(``rawhello.py``). Each server first gives tlslite-ng's client real tickets
(whose resumption secret the test then knows, so the binders of the good
identities are right); then the same list of identities goes to both, and
both must call dec_cb the same way and choose the same identity.
"""

import json
import subprocess
import threading
import time

import pytest
from tlslite.handshakehashes import HandshakeHashes
from tlslite.handshakehelpers import HandshakeHelpers

import differential as d
from rawhello import exchange, tls13_hello
from support import TIMEOUT, TlsliteClient
from test_differential import oracle, quiet_aborts  # noqa: F401 (fixtures)

#: ticket lifetime of the "expired" case, seconds
LIFETIME = 3


class Endpoint:
    """What the clients of support.py and rawhello.py need of a server."""

    def __init__(self, port):
        self.port = port

    def expect_connection(self):
        pass


class OpenSSLSide:
    def __init__(self, oracle, cert_files, words):
        self.proc = subprocess.Popen(
            [oracle, "serve", cert_files[0], cert_files[1], d.line(words)],
            stdout=subprocess.PIPE, text=True)
        self.endpoint = Endpoint(int(self.proc.stdout.readline().split()[1]))

    def rows(self, count):
        rows = [json.loads(self.proc.stdout.readline()) for _ in range(count)]
        self.proc.wait(TIMEOUT)
        return rows


class OurSide:
    def __init__(self, credentials, words):
        self.server = d.OurServer(credentials)
        self.endpoint = Endpoint(self.server.port)
        self.thread = threading.Thread(target=self.server.serve,
                                       args=(words,))
        self.thread.start()

    def rows(self, count):
        self.thread.join(TIMEOUT)
        self.server.close()
        assert self.server.unexpected == []
        return [{"dec": o.dec, "dec_app": o.dec_app}
                for o in self.server.observations]


def get_session(endpoint):
    client = TlsliteClient("1.3")
    client.settings.cipherNames = ["aes128gcm"]  # the suite the hellos offer
    session = client.connect(endpoint).session
    assert len(session.tickets) == 2
    return session


def hello_for(identities, sessions):
    """A ClientHello offering ``identities``; the binder of each identity
    that is a ticket of one of ``sessions`` is computed from that
    session's resumption secret, the others get a junk binder."""
    hello = tls13_hello(identities, psk_configs=[
        (bytearray(i), bytearray(32), "sha256") for i in identities])
    binders = list(hello.extensions[-1].binders)
    for session in sessions:
        mine = [bytes(t.ticket) for t in session.tickets]
        HandshakeHelpers.update_binders(
            hello, HandshakeHashes(),
            [(bytearray(i), bytearray(32), "sha256") for i in identities
             if i not in mine], session.tickets,
            session.resumptionMasterSecret)
        for index, identity in enumerate(identities):
            if identity in mine:
                binders[index] = hello.extensions[-1].binders[index]
    hello.extensions[-1].binders = binders
    return hello


def ticket(session, index):
    return bytes(session.tickets[index].ticket)


def flipped(data):
    return data[:-1] + bytes([data[-1] ^ 1])


CASES = {
    # name: (dec_cb table, identities from (fresh, other/expired session))
    "garbage-then-good": ("2244", lambda s, o: [b"g" * 60, ticket(s, 0)]),
    "short-then-good": ("2244", lambda s, o: [b"abc", ticket(s, 0)]),
    "good-then-good": ("2244", lambda s, o: [ticket(s, 0), ticket(s, 1)]),
    "good-then-garbage": ("2244", lambda s, o: [ticket(s, 0), b"g" * 60]),
    "flipped-then-good": ("2244", lambda s, o: [flipped(ticket(s, 0)),
                                                ticket(s, 1)]),
    "other-session-then-good": ("2244", lambda s, o: [ticket(o, 0),
                                                      ticket(s, 1)]),
    "ignored-then-good": ("2211", lambda s, o: [ticket(s, 0), ticket(s, 1)]),
    "garbage-aborts": ("2044", lambda s, o: [b"g" * 60, ticket(s, 0)]),
    "expired-then-good": ("2244", lambda s, o: [ticket(o, 0), ticket(s, 0)]),
}


def run_case(name, oracle, cert_files, credentials):
    table, pick = CASES[name]
    expired = name.startswith("expired")
    words = d.scenario(v="13", dec=table, gen="ok",
                       conns=[("none", 0)] * 3,
                       timeout=LIFETIME if expired else None)
    sides = [OpenSSLSide(oracle, cert_files, words),
             OurSide(credentials, words)]
    older = [get_session(side.endpoint) for side in sides]
    if expired:
        time.sleep(LIFETIME + 1.5)
    flights = []
    for side, old in zip(sides, older):
        # the fresh ticket is used at once, well within its lifetime
        new = get_session(side.endpoint)
        flights.append(exchange(side.endpoint,
                                hello_for(pick(new, old), [new, old])))
    rows = [side.rows(3)[2] for side in sides]
    return flights, rows


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_hello_same_choice(name, oracle, cert_files,  # noqa: F811
                                credentials):
    flights, rows = run_case(name, oracle, cert_files, credentials)
    theirs, ours = [(f.alert, f.server_hello and f.selected_identity)
                    for f in flights]
    assert theirs == ours
    assert rows[0]["dec"] == rows[1]["dec"]
    assert rows[0]["dec_app"] == rows[1]["dec_app"]
    # and what OpenSSL does, written out
    assert theirs + (rows[0]["dec"],) == EXPECTED[name]


#: OpenSSL's answers, written out: (alert, chosen identity, dec_cb calls)
EXPECTED = {
    "garbage-then-good": (None, 1, ["4/16", "6/16"]),
    "short-then-good": (None, 1, ["4/3", "6/16"]),
    "good-then-good": (None, 0, ["6/16"]),
    "good-then-garbage": (None, 0, ["6/16"]),
    "flipped-then-good": (None, 1, ["4/16", "6/16"]),
    "other-session-then-good": (None, 0, ["6/16"]),
    "ignored-then-good": (None, None, ["6/16", "6/16"]),
    "garbage-aborts": (80, None, ["4/16"]),
    "expired-then-good": (None, None, ["6/16"]),
}
