"""Differential testing against OpenSSL's own server.

A scenario (see the top of ``oracle/ticket_oracle.c`` for its words) runs
twice with the same OpenSSL client (``ticket_oracle client``): once against
OpenSSL's server (``ticket_oracle oracle``) and once against ours, set up
from the scenario here. Every observable of every connection must agree,
except for the differences listed in :data:`DIFFERENCES`, the one place
where they are documented.
"""

import itertools
import json
import os
import random
import socket
import subprocess
import threading

from tlslite.errors import TLSError

import tlslite_tickets as tt
from support import HOST, TIMEOUT

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "oracle", "ticket_oracle.c")
BINARY = os.path.join(HERE, os.pardir, "build", "oracle", "ticket_oracle")

#: what is compared, per connection
OBSERVABLES = ("hs", "alert", "resumed", "data", "nst", "shs", "gen", "dec",
               "dec_app", "sess_app")


def build_oracle():
    """Compile the oracle if it is missing or older than its source; return
    its path. ``make test`` builds it first, the same way."""
    if not os.path.exists(BINARY) or \
            os.path.getmtime(BINARY) < os.path.getmtime(SOURCE):
        os.makedirs(os.path.dirname(BINARY), exist_ok=True)
        subprocess.run(["cc", "-O1", "-o", BINARY, SOURCE, "-lssl",
                        "-lcrypto"], check=True, timeout=120)
    return BINARY


# -- scenarios ----------------------------------------------------------------

def scenario(v="13", n=None, opt=None, dec=None, gen=None, key="none",
             hrr=0, conns=(("none", 0), ("prev", 0)), timeout=None,
             suites=None):
    """A scenario as a dict of its words."""
    words = {"v": v, "key": key,
             "conns": ",".join("%s:%d" % c for c in conns)}
    if n is not None:
        words["n"] = str(n)
    if opt:
        words["opt"] = opt
    if dec:
        words["dec"] = dec
    if gen:
        words["gen"] = gen
    if hrr:
        words["hrr"] = "1"
    if timeout:
        words["timeout"] = str(timeout)
    if suites:
        words["suites"] = suites
    return words


def line(words):
    return " ".join("%s=%s" % item for item in sorted(words.items()))


def openssl_cases():
    """The 14 cases of OpenSSL 3.0's test_ticket_callbacks, as we read them:
    a full handshake, then its ticket offered; gen_cb sets appdata; its
    dec_cb answers IGNORE_RENEW for EMPTY and, for tickets, the test's
    value (0-7) or what the key callback asked for (8-13)."""
    cases = []
    for ret in "1234":      # IGNORE, IGNORE_RENEW, USE, USE_RENEW
        for v in ("12", "13"):
            cases.append(scenario(v=v, dec="20" + ret * 2, gen="ok"))
    for key in ("ok", "renew", "ok"):
        for v in ("12", "13"):
            cases.append(scenario(v=v, dec="2234", gen="ok", key=key))
    return cases


OFFER_CHAINS = [
    (("none", 0), ("prev", 0)),
    (("none", 0), ("prev", 0), ("prev", 0)),
    (("none", 0), ("flip", 0), ("prev", 0)),
    (("none", 1), ("prev", 2), ("prev", 0)),
    (("none", 0), ("prev", 1), ("flip", 0)),
]
KEYS = ("none", "ok", "renew", "nokey", "noenc", "err", "errenc")
RETURNS = "01234x"


def cross_product():
    """Version x dec_cb answer for good tickets x key callback x chain."""
    out = []
    for v, ret, key, conns in itertools.product(
            ("12", "13"), "01234", KEYS, OFFER_CHAINS[:3]):
        out.append(scenario(v=v, dec="22" + ret + ret, gen="ok", key=key,
                            conns=conns))
    return out


def random_scenario(rng):
    v = rng.choice(("12", "13"))
    conns = [(rng.choice(("none", "prev", "flip")) if i else "none",
              rng.choice((0, 0, 1, 2)) if v == "13" else 0)
             for i in range(rng.choice((2, 3)))]
    dec = None
    if rng.random() < 0.85:
        dec = "".join(rng.choice(RETURNS) if rng.random() < 0.3 else
                      rng.choice("24") if i < 2 else rng.choice("1234")
                      for i in range(4))
    gen = None
    if dec and rng.random() < 0.2:
        gen = "0@%d" % rng.randint(1, len(conns))
    elif dec:
        gen = "ok"
    return scenario(
        v=v, n=rng.choice((None, None, 0, 1, 3)),
        opt="notix" if v == "12" and rng.random() < 0.15 else None,
        dec=dec, gen=gen, key=rng.choice(KEYS),
        hrr=1 if v == "13" and rng.random() < 0.15 else 0, conns=conns,
        suites="shift" if rng.random() < 0.1 else None)


def suite_shift_cases():
    """The client drops the first connection's cipher suite afterwards."""
    return [scenario(v=v, dec="22" + r + r, gen="ok", key=key,
                     suites="shift", hrr=hrr,
                     conns=(("none", 0), ("prev", 0), ("prev", 0)))
            for v, hrr in (("12", 0), ("13", 0), ("13", 1)) for r in "1234"
            for key in ("none", "renew")]


def no_ticket_tls13_cases():
    """SSL_OP_NO_TICKET in TLS 1.3 (see DIFFERENCES)."""
    return [scenario(v="13", opt="notix", dec="22" + r + r, gen="ok")
            for r in "34"]


def hrr_cases():
    """HelloRetryRequest with a ticket in both ClientHellos."""
    return [scenario(v="13", dec="22" + r + r, gen="ok", key=key, hrr=1,
                     conns=(("none", 0), ("prev", 0), ("flip", 0)))
            for r in "01234" for key in ("none", "ok", "renew", "err")]


def generate(seed, count):
    """OpenSSL's 14 cases, the cross product, HRR and cipher-suite cases,
    then random ones up to ``count`` (later duplicates dropped, order
    kept)."""
    rng = random.Random(seed)
    # OpenSSL's cases 8-9 and 12-13 differ only in its key callback API,
    # which is one here: all 14 are kept
    out = openssl_cases()
    seen = set(line(words) for words in out)
    candidates = itertools.chain(cross_product(),
                                 hrr_cases(), suite_shift_cases(),
                                 no_ticket_tls13_cases(),
                                 (random_scenario(rng) for _ in
                                  itertools.count()))
    for words in candidates:
        key = line(words)
        if key not in seen:
            seen.add(key)
            out.append(words)
        if len(out) >= count:
            break
    return out


# -- OpenSSL's side -----------------------------------------------------------

def run_oracle(binary, cert, key, scenarios):
    """All scenarios on OpenSSL's server, in one process."""
    text = "".join(line(s) + "\n" for s in scenarios)
    out = subprocess.run([binary, "oracle", cert, key], input=text,
                         capture_output=True, text=True,
                         timeout=60 + len(scenarios), check=True).stdout
    results = [json.loads(row) for row in out.splitlines()]
    assert len(results) == len(scenarios)
    return results


# -- our side -----------------------------------------------------------------

KEY_NAME = b"ours-key-name-16"
KEY_SECRET = bytes(range(32))

#: encrypt/decrypt answers of each key= mode (as in ticket_oracle.c)
KEY_MODES = {"ok": (1, 1), "renew": (1, 2), "nokey": (1, 0), "noenc": (0, 1),
             "err": (1, -1), "errenc": (-1, 1)}


def key_callback(mode):
    encrypt, decrypt = KEY_MODES[mode]

    def key_cb(conn, key_name, encrypting):
        if encrypting:
            return (1, KEY_NAME, KEY_SECRET) if encrypt == 1 else encrypt
        if decrypt <= 0:
            return decrypt
        if bytes(key_name) != KEY_NAME:
            return 0
        return (decrypt, KEY_SECRET)
    return key_cb


class ServerObservation:
    def __init__(self, index):
        self.index = index
        self.gen = 0
        self.dec = []
        self.dec_app = []
        self.shs = "fail"
        self.sess_app = "-"


def _hex(data):
    return data.hex() if data else "-"


def our_settings(words, record):
    """TicketHandshakeSettings for a scenario; callbacks report to
    ``record()``, the current connection's ServerObservation."""
    settings = tt.TicketHandshakeSettings()
    version = (3, 3) if words["v"] == "12" else (3, 4)
    settings.minVersion = settings.maxVersion = version
    if "n" in words:
        tt.SSL_CTX_set_num_tickets(settings, int(words["n"]))
    if words.get("opt") == "notix":
        tt.SSL_CTX_set_options(settings, tt.SSL_OP_NO_TICKET)
    if "dec" in words:
        table = {status: (7 if ch == "x" else int(ch)) for status, ch in
                 zip(tt.TicketStatus, words["dec"])}
        fail_on = int(words["gen"][2:]) if words.get("gen", "").startswith(
            "0@") else None

        def gen_cb(conn, arg):
            obs = record()
            obs.gen += 1
            tt.SSL_SESSION_set1_ticket_appdata(
                tt.SSL_get_session(conn),
                ("c%d.%d" % (obs.index, obs.gen)).encode())
            return 0 if obs.index == fail_on else 1

        def dec_cb(conn, session, keyname, status, arg):
            obs = record()
            obs.dec.append("%d/%d" % (status, len(keyname)))
            obs.dec_app.append(_hex(
                session and tt.SSL_SESSION_get0_ticket_appdata(session)[0]))
            return table[status]
        tt.SSL_CTX_set_session_ticket_cb(settings, gen_cb, dec_cb)
    if words["key"] != "none":
        tt.SSL_CTX_set_tlsext_ticket_key_cb(settings,
                                            key_callback(words["key"]))
    if "timeout" in words:
        settings.ticketLifetime = int(words["timeout"])
    if words.get("hrr") == "1":
        settings.eccCurves = ["secp256r1"]
        settings.keyShares = ["secp256r1"]
        settings.dhGroups = []
    return settings


class OurServer:
    """Our server on a loopback port, serving one scenario at a time."""

    def __init__(self, credentials):
        self.chain, self.key = credentials
        self._listener = socket.socket()
        self._listener.bind((HOST, 0))
        self._listener.listen(8)
        self._listener.settimeout(TIMEOUT)
        self.port = self._listener.getsockname()[1]
        self.unexpected = []

    def serve(self, words):
        """Serve the scenario's connections (call in a thread)."""
        conns = [item.split(":") for item in words["conns"].split(",")]
        self.observations = []
        current = []
        settings = our_settings(words, lambda: current[-1])
        for index, (_, extra) in enumerate(conns, 1):
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                return
            obs = ServerObservation(index)
            current.append(obs)
            self.observations.append(obs)
            self._handle(sock, settings, obs, int(extra))

    def _handle(self, sock, settings, obs, extra):
        sock.settimeout(TIMEOUT)
        # tlslite-ng writes a flight as several small sends: without this,
        # delayed ACKs add tens of milliseconds to every handshake
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = tt.TicketTLSConnection(sock)
        try:
            conn.handshakeServer(certChain=self.chain, privateKey=self.key,
                                 settings=settings)
            obs.shs = "ok"
            for _ in range(extra):
                tt.SSL_new_session_ticket(conn)
            conn.write(b"done")
        except (TLSError, OSError):
            pass
        except Exception as exc:  # a bug: reported by the test
            self.unexpected.append(exc)
        finally:
            if conn.session is not None:
                obs.sess_app = _hex(tt.get_appdata(conn.session))
            sock.close()

    def close(self):
        self._listener.close()


class OracleClient:
    """The oracle's client mode, one long-lived process."""

    def __init__(self, binary):
        self.proc = subprocess.Popen([binary, "client"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, port, words):
        self.proc.stdin.write("%d %s\n" % (port, line(words)))
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(TIMEOUT)


def run_ours(server, client, words):
    """One scenario against our server: the merged observations."""
    thread = threading.Thread(target=server.serve, args=(words,))
    thread.start()
    try:
        client_side = client.run(server.port, words)
    finally:
        thread.join(TIMEOUT * 4)
    merged = []
    for seen, obs in itertools.zip_longest(client_side, server.observations):
        row = dict(seen or {})
        if obs is not None:
            row.update(gen=obs.gen, dec=obs.dec, dec_app=obs.dec_app,
                       shs=obs.shs, sess_app=obs.sess_app)
        merged.append(row)
    return merged


# -- comparison ---------------------------------------------------------------

ILLEGAL_PARAMETER = 47


def _full_instead_of_alert(words, theirs, ours):
    """Where OpenSSL's TLS 1.2 handshake ended in illegal_parameter after
    dec_cb said USE(_RENEW), ours must have made a full handshake with a
    fresh ticket; the connections after it are not compared (they start
    from different tickets)."""
    for index, row in enumerate(theirs):
        if row["alert"] != ILLEGAL_PARAMETER:
            continue
        mine = ours[index] if index < len(ours) else {}
        fallback = mine.get("hs") == "ok" and mine.get("resumed") == 0 and \
            mine.get("nst") == ["T+"] and mine.get("dec") == row["dec"]
        if fallback:
            return theirs[:index], ours[:index]
    return theirs, ours


def _stop_at_dropped_psk(words, theirs, ours):
    """Compare up to the first connection that ours ended with
    illegal_parameter at the second ClientHello, where OpenSSL saw no PSK
    in the second ClientHello (it completed, or ended at the first one):
    both made the same dec_cb calls, all for the first ClientHello."""
    for index, (row, mine) in enumerate(zip(theirs, ours)):
        if mine.get("alert") == ILLEGAL_PARAMETER and \
                mine.get("dec") == row["dec"] and 2 not in row["dec_ch"]:
            return theirs[:index], ours[:index]
    return theirs, ours


def _first_connection_only(words, theirs, ours):
    return theirs[:1], ours[:1]


#: Every known difference between OpenSSL's server and ours:
#: (name, applies(words), adjust(words, theirs, ours) -> (theirs, ours),
#: reason).
DIFFERENCES = [
    ("tls12-suite-not-offered",
     lambda words: words["v"] == "12" and words.get("suites") == "shift",
     _full_instead_of_alert,
     "A TLS 1.2 client offers a ticket whose cipher suite it does not "
     "offer (RFC 5246 7.4.1.2 says it must) and dec_cb says USE: OpenSSL "
     "ends the handshake with illegal_parameter, ours makes a full "
     "handshake with a fresh ticket (README: a ticket that cannot resume is "
     "never fatal, a full handshake with a fresh ticket is what RFC 5077 "
     "3.4 lets a server do with any ticket it does not take)."),
    ("tlslite-hrr-dropped-psk",
     lambda words: words.get("hrr") == "1" and words.get("suites") == "shift",
     _stop_at_dropped_psk,
     "tlslite-ng's own HelloRetryRequest check, not the ticket code: after "
     "a HelloRetryRequest OpenSSL's client leaves out a PSK whose hash does "
     "not suit the cipher suite (RFC 8446 4.1.2 allows it) and so sends no "
     "pre_shared_key extension at all; tlslite-ng 0.8.2 and 0.9.0b2 find "
     "the second ClientHello changed and send illegal_parameter. Later "
     "connections are not compared (they start from different tickets)."),
    ("tls13-no-ticket-stateful",
     lambda words: words["v"] == "13" and words.get("opt") == "notix",
     _first_connection_only,
     "SSL_OP_NO_TICKET in TLS 1.3: OpenSSL issues stateful tickets (session "
     "IDs in its session cache, no dec_cb when one comes back); ours are "
     "always stateless (README). Only the first connection, where both "
     "issue num_tickets tickets, is compared."),
]


def adjusted(words, oracle_rows, our_rows):
    """Both sides' rows after the documented differences."""
    theirs, ours = oracle_rows, our_rows
    for _, applies, adjust, _ in DIFFERENCES:
        if applies(words):
            theirs, ours = adjust(words, theirs, ours)
    return theirs, ours


def compare(words, oracle_rows, our_rows):
    """A list of readable mismatches (empty when they agree)."""
    want, got = adjusted(words, oracle_rows, our_rows)
    problems = []
    if len(want) != len(got):
        return ["%d connections on OpenSSL, %d on ours" % (len(want),
                                                            len(got))]
    for index, (theirs, ours) in enumerate(zip(want, got), 1):
        for name in OBSERVABLES:
            if theirs.get(name) != ours.get(name):
                problems.append("conn %d %s: OpenSSL %r, ours %r" % (
                    index, name, theirs.get(name), ours.get(name)))
    return problems
