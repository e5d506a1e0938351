"""TLS 1.3 with a HelloRetryRequest: both ClientHellos' PSK identities.

The server accepts only P-256; the clients' first key share is X25519, so
the server asks for another ClientHello. OpenSSL (3.0 to 3.6) judges the PSK
identities of both ClientHellos: key callback and dec_cb run for each, the
first one's binder is checked, and an ABORT, an illegal answer or a bad
binder there ends the handshake before the HelloRetryRequest is sent;
whatever else the first ClientHello decided is dropped. A single-use ticket
is claimed once, on the second ClientHello, after its binder.
"""

import collections
import contextlib
import logging
import re
import socket
import ssl
import subprocess

import pytest
from tlslite.constants import AlertDescription, CipherSuite, GroupName
from tlslite.errors import TLSLocalAlert

import tlslite_tickets as tt
from rawhello import exchange_with_retry, retry_hello, tls13_hello
from support import (CallbackLog, OpenSSLClient, PythonSSLClient,
                     TlsliteClient, ticket_settings)

TRACE = "tlslite_tickets.trace"
P256_ONLY = dict(eccCurves=["secp256r1"], keyShares=["secp256r1"],
                 dhGroups=[])
SUCCESS_RENEW = tt.SSL_TICKET_SUCCESS_RENEW
NO_DECRYPT = tt.SSL_TICKET_NO_DECRYPT


def hrr_settings(log=None, **fields):
    fields.update(P256_ONLY)
    return ticket_settings(log, **fields)


def client(name):
    if name == "python-ssl":
        return PythonSSLClient("1.3")  # OpenSSL 3: one X25519 key share
    peer = TlsliteClient("1.3")
    peer.settings.keyShares = ["x25519"]
    peer.settings.eccCurves = ["x25519", "secp256r1"]
    return peer


def retries(caplog):
    """HelloRetryRequests the server sent, per the trace."""
    return sum(1 for r in caplog.records if r.name == TRACE and
               "-> HelloRetryRequest" in r.getMessage())


@pytest.fixture
def traced(caplog):
    with caplog.at_level(logging.DEBUG, logger=TRACE):
        yield caplog


def resume_after_retry(server, log, traced):
    """Python's ssl client gets a ticket, then offers it; both connections
    get a HelloRetryRequest. Returns the second connection's result."""
    peer = PythonSSLClient("1.3")
    first = peer.connect(server)
    log.reset()
    second = peer.connect(server, session=first.session)
    assert retries(traced) == 2
    return second


@pytest.mark.parametrize("peer", ["python-ssl", "tlslite"])
def test_resumption_after_retry_runs_dec_cb_for_both_hellos(
        make_server, traced, peer):
    log = CallbackLog(appdata=b"user=alice")
    server = make_server(hrr_settings(log))
    peer = client(peer)
    first = peer.connect(server)
    assert retries(traced) == 1 and log.statuses == []
    log.reset()
    second = peer.connect(server, session=first.session)
    assert retries(traced) == 2
    assert second.resumed and server.last().resumed
    # built-in keys: every good TLS 1.3 ticket is SUCCESS_RENEW
    assert log.statuses == [SUCCESS_RENEW, SUCCESS_RENEW]
    assert log.keynames[0] == log.keynames[1]
    assert [tt.get_appdata(s) for s in log.sessions] == [b"user=alice"] * 2
    assert second.tickets == 1 and log.gen == 1
    assert server.last().appdata == b"user=alice"


def test_ignore_after_retry_resumes_nothing_and_sends_no_ticket(
        make_server, traced):
    # the first example: EMPTY/NO_DECRYPT -> IGNORE_RENEW,
    # SUCCESS/SUCCESS_RENEW -> IGNORE
    log = CallbackLog(ret=tt.SSL_TICKET_RETURN_IGNORE)
    second = resume_after_retry(make_server(hrr_settings(log)), log, traced)
    assert log.statuses == [SUCCESS_RENEW, SUCCESS_RENEW]
    assert not second.resumed and second.tickets == 0 and log.gen == 0


class KeyCallback:
    """Seals under one key; answers ``decrypt_answer`` when decrypting."""

    def __init__(self, decrypt_answer):
        self.decrypt_answer = decrypt_answer
        self.calls = collections.Counter()

    def __call__(self, conn, key_name, encrypting):
        self.calls["encrypt" if encrypting else "decrypt"] += 1
        if encrypting:
            return 1, b"k" * 16, b"s" * 32
        return self.decrypt_answer


def test_key_callback_asked_to_decrypt_for_both_hellos(make_server, traced):
    key_cb = KeyCallback((2, b"s" * 32))  # use it, and renew
    log = CallbackLog()
    server = make_server(hrr_settings(log, ticket_key_cb=key_cb))
    second = resume_after_retry(server, log, traced)
    assert key_cb.calls == {"encrypt": 2 + 1, "decrypt": 2}
    assert log.statuses == [SUCCESS_RENEW, SUCCESS_RENEW]
    assert second.resumed and second.tickets == 1


def test_key_callback_without_the_key_gives_no_decrypt_twice(make_server,
                                                             traced):
    key_cb = KeyCallback(0)
    log = CallbackLog()  # NO_DECRYPT -> IGNORE_RENEW
    server = make_server(hrr_settings(log, ticket_key_cb=key_cb))
    second = resume_after_retry(server, log, traced)
    assert log.statuses == [NO_DECRYPT, NO_DECRYPT]
    assert key_cb.calls["decrypt"] == 2
    assert not second.resumed and second.tickets == 2


def abort_on_first_call():
    answers = iter([tt.SSL_TICKET_RETURN_ABORT])
    return lambda status: next(answers, tt.SSL_TICKET_RETURN_USE_RENEW)


@pytest.mark.parametrize("answer", ["abort", "use for NO_DECRYPT", "junk"])
def test_fatal_answer_on_first_hello_sends_no_retry(make_server, traced,
                                                    answer):
    if answer == "abort":
        key_cb, ret = None, abort_on_first_call()
    elif answer == "use for NO_DECRYPT":
        key_cb, ret = KeyCallback(0), (lambda status:
                                       tt.SSL_TICKET_RETURN_USE)
    else:
        key_cb, ret = None, (lambda status: "yes")
    log = CallbackLog()
    fields = {"ticket_key_cb": key_cb} if key_cb else {}
    server = make_server(hrr_settings(log, **fields))
    peer = PythonSSLClient("1.3")
    first = peer.connect(server)
    log.reset()
    log.ret = ret
    with pytest.raises(OSError):  # ssl.SSLError: the server's alert
        peer.connect(server, session=first.session)
    error = server.last().error
    assert isinstance(error, TLSLocalAlert)
    assert error.description == AlertDescription.internal_error
    assert log.dec == 1  # the first ClientHello's only identity
    assert retries(traced) == 1  # conn 1's: none on the aborted one
    # the failure was that connection's only
    log.ret = tt.SSL_TICKET_RETURN_USE_RENEW
    assert peer.connect(server).tickets == 2


def test_key_callback_failure_on_first_hello_sends_no_retry(make_server,
                                                            traced):
    key_cb = KeyCallback(-1)
    server = make_server(hrr_settings(CallbackLog(), ticket_key_cb=key_cb))
    peer = PythonSSLClient("1.3")
    first = peer.connect(server)
    with pytest.raises(OSError):
        peer.connect(server, session=first.session)
    assert server.last().error.description == AlertDescription.internal_error
    assert key_cb.calls["decrypt"] == 1 and retries(traced) == 1


def handshake_lines(reply, arrow, name):
    """s_client -msg lines of handshake messages ``name`` sent (">>>") or
    received ("<<<")."""
    return [line for line in reply.splitlines() if line.startswith(arrow)
            and "Handshake" in line and line.endswith(", " + name)]


@pytest.mark.parametrize("ret", ["USE_RENEW", "ABORT"])
def test_openssl_client_sees_the_retry_or_the_alert(make_server, tmp_path,
                                                   ret):
    # s_client's view: with ABORT on the first ClientHello no
    # HelloRetryRequest (a ServerHello on the wire) ever arrives
    log = CallbackLog()
    server = make_server(hrr_settings(log))
    peer = OpenSSLClient("1.3", str(tmp_path),
                         options=["-groups", "X25519:P-256"])
    session = str(tmp_path / "session.pem")
    first = peer.connect(server, save_to=session)
    assert len(handshake_lines(first.reply, ">>>", "ClientHello")) == 2
    log.reset()
    log.ret = getattr(tt.TicketReturn, ret)
    second = peer.connect(server, session_file=session)
    if ret == "ABORT":
        assert len(handshake_lines(second.reply, ">>>", "ClientHello")) == 1
        assert handshake_lines(second.reply, "<<<", "ServerHello") == []
        assert "fatal internal_error" in second.reply
        assert log.statuses == [SUCCESS_RENEW]
    else:
        assert second.resumed, second.reply
        assert len(handshake_lines(second.reply, "<<<", "ServerHello")) == 2
        assert log.statuses == [SUCCESS_RENEW, SUCCESS_RENEW]
        assert second.tickets == 1


@contextlib.contextmanager
def openssl_server(cert_files, *options):
    """``openssl s_server`` on a loopback port; yields the port."""
    cert, key = cert_files
    proc = subprocess.Popen(
        ["openssl", "s_server", "-accept", "127.0.0.1:0", "-cert", cert,
         "-key", key, "-tls1_3"] + list(options),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    try:
        for _ in range(20):  # a few banner lines, then ACCEPT host:port
            line = proc.stdout.readline().decode("latin-1")
            found = re.match(r"ACCEPT .*:(\d+)", line)
            if found or not line:
                break
        assert found, "s_server did not start: " + line
        yield int(found.group(1))
    finally:
        proc.kill()
        proc.wait(20)
        proc.stdin.close()
        proc.stdout.close()


def python_resumption(port):
    """Python's ssl client: a full handshake, then a resumption; whether
    the second one resumed."""
    peer = PythonSSLClient("1.3")
    session = None
    for _ in range(2):
        raw = socket.create_connection(("127.0.0.1", port), timeout=20)
        with peer.context.wrap_socket(raw, server_hostname="localhost",
                                      session=session) as sock:
            reused = sock.session_reused
            sock.settimeout(0.5)  # s_server says nothing: just read tickets
            try:
                sock.recv(1)
            except (socket.timeout, ssl.SSLError, OSError):
                pass
            session = sock.session
            # a clean close, or OpenSSL drops the session from its cache
            sock.settimeout(20)
            sock.unwrap()
    return reused


def test_openssl_anti_replay_loses_a_retried_resumption(cert_files):
    # The deliberate difference of docs/spec.rst (HelloRetryRequest) and
    # docs/differences.rst. With early data on, OpenSSL's
    # anti-replay cache drops the ticket's session while handling the first
    # ClientHello, so the second one cannot resume; without a retry it
    # resumes (our single-use store is asked once: see the test below).
    with openssl_server(cert_files, "-groups", "P-256",
                        "-early_data") as port:
        assert not python_resumption(port)
    with openssl_server(cert_files, "-groups", "P-256:X25519",
                        "-early_data") as port:
        assert python_resumption(port)


# -- hand-built ClientHellos: binders and single-use tickets --------------

def ticket_from(server):
    """A TLS 1.3 ticket (TLS_AES_128_GCM_SHA256, the suite the hand-built
    hellos offer) and its session, from tlslite-ng's client."""
    peer = client("tlslite")
    peer.settings.cipherNames = ["aes128gcm"]
    session = peer.connect(server).session
    return session.tickets[0], session


def first_hello(ticket, session, corrupt_binder=None):
    return tls13_hello([bytes(ticket.ticket)], tickets=[ticket],
                       res_master_secret=session.resumptionMasterSecret,
                       groups=(GroupName.x25519, GroupName.secp256r1),
                       corrupt_binder=corrupt_binder)


def resume_with_retry(server, ticket, session, bad_binder_in=None):
    """Offer ``ticket`` in both ClientHellos of a HelloRetryRequest
    handshake; ``bad_binder_in`` is 1 or 2, the hello with a wrong binder.
    Returns the two flights (the second None when no retry came)."""
    first = first_hello(ticket, session,
                        corrupt_binder=0 if bad_binder_in == 1 else None)
    return exchange_with_retry(server, first, lambda retry: retry_hello(
        first, retry, tickets=[ticket],
        res_master_secret=session.resumptionMasterSecret,
        corrupt_binder=0 if bad_binder_in == 2 else None))


@pytest.fixture
def single_use(make_server):
    log = CallbackLog()
    server = make_server(hrr_settings(log, ticket_single_use=True,
                                      cipherNames=["aes128gcm"]))
    ticket, session = ticket_from(server)
    log.reset()
    return server, log, ticket, session


def test_single_use_ticket_is_claimed_once_per_handshake(single_use):
    server, log, ticket, session = single_use
    retry, final = resume_with_retry(server, ticket, session)
    assert retry.hello_retry_request and retry.alert is None
    assert retry.server_hello.cipher_suite == \
        CipherSuite.TLS_AES_128_GCM_SHA256
    # dec_cb saw the ticket twice, yet the first sighting claimed nothing:
    # the second ClientHello resumed with it
    assert log.statuses == [SUCCESS_RENEW, SUCCESS_RENEW]
    assert final.alert is None and final.selected_identity == 0
    # ... and that resumption claimed it: a replay does not resume
    log.reset()
    retry, replay = resume_with_retry(server, ticket, session)
    assert log.statuses == [SUCCESS_RENEW, SUCCESS_RENEW]
    assert replay.alert is None and replay.server_hello is not None
    assert replay.selected_identity is None


def test_bad_binder_in_first_hello_ends_before_the_retry(single_use):
    server, log, ticket, session = single_use
    retry, final = resume_with_retry(server, ticket, session, bad_binder_in=1)
    # OpenSSL checks the first ClientHello's binder too: decrypt_error,
    # and no HelloRetryRequest
    assert retry.alert == AlertDescription.decrypt_error
    assert retry.server_hello is None and final is None
    assert log.statuses == [SUCCESS_RENEW]
    # the ticket was not claimed: it still resumes
    retry, final = resume_with_retry(server, ticket, session)
    assert final.selected_identity == 0


def test_bad_binder_in_second_hello_claims_nothing(single_use):
    server, log, ticket, session = single_use
    retry, final = resume_with_retry(server, ticket, session, bad_binder_in=2)
    # a good first binder does not count: the second one decides
    assert retry.hello_retry_request
    assert final.alert == AlertDescription.decrypt_error
    assert final.server_hello is None
    assert log.statuses == [SUCCESS_RENEW, SUCCESS_RENEW]
    retry, final = resume_with_retry(server, ticket, session)
    assert final.selected_identity == 0


@pytest.mark.parametrize("hash_name", ["sha256", None])
def test_external_psk_before_the_ticket_stops_the_search(make_server,
                                                         hash_name):
    # tlslite-ng's external PSKs are not tickets: an identity that names
    # one is used (in both hellos) and the ticket after it is never judged;
    # a pskConfigs entry without a hash is a SHA-256 one
    external = (bytearray(b"external"), bytearray(b"p" * 32)) + \
        ((hash_name,) if hash_name else ())
    log = CallbackLog()
    server = make_server(hrr_settings(log, pskConfigs=[external],
                                      cipherNames=["aes128gcm"]))
    ticket, session = ticket_from(server)
    log.reset()
    identities = [b"external", bytes(ticket.ticket)]
    first = tls13_hello(identities, psk_configs=[external], tickets=[ticket],
                        res_master_secret=session.resumptionMasterSecret,
                        groups=(GroupName.x25519, GroupName.secp256r1))
    retry, final = exchange_with_retry(
        server, first, lambda retry: retry_hello(
            first, retry, psk_configs=[external], tickets=[ticket],
            res_master_secret=session.resumptionMasterSecret))
    assert retry.hello_retry_request
    assert final.alert is None and final.selected_identity == 0
    assert log.statuses == []



@pytest.mark.parametrize("server_name,resumed", [
    (b"localhost", True),       # usable: nothing after it is judged
    (b"other.example", False),  # refused (another name): OpenSSL looks
])                              # no further either
def test_first_hello_search_stops_where_the_second_one_does(
        make_server, server_name, resumed):
    log = CallbackLog()
    server = make_server(hrr_settings(log, cipherNames=["aes128gcm"]))
    ticket, session = ticket_from(server)
    log.reset()
    junk = (bytearray(b"g" * 60), bytearray(32))
    offer = dict(psk_configs=[junk], tickets=[ticket],
                 res_master_secret=session.resumptionMasterSecret)
    first = tls13_hello([bytes(ticket.ticket), b"g" * 60],
                        server_name=server_name,
                        groups=(GroupName.x25519, GroupName.secp256r1),
                        **offer)
    retry, final = exchange_with_retry(
        server, first, lambda retry: retry_hello(first, retry, **offer))
    assert retry.hello_retry_request and final.alert is None
    assert final.selected_identity == (0 if resumed else None)
    # the ticket once per hello, the junk identity after it never
    assert log.statuses == [SUCCESS_RENEW, SUCCESS_RENEW]


def test_sha384_external_psk_before_a_sha384_ticket_stops_the_search(
        make_server):
    # the external PSK's own hash counts: SHA-384, the suite's, so it is
    # used in both hellos and the ticket after it is never judged
    external = (bytearray(b"external"), bytearray(b"p" * 48), "sha384")
    log = CallbackLog()
    server = make_server(hrr_settings(log, pskConfigs=[external],
                                      cipherNames=["aes256gcm"]))
    peer = client("tlslite")
    peer.settings.cipherNames = ["aes256gcm"]
    session = peer.connect(server).session
    ticket = session.tickets[0]
    log.reset()
    offer = dict(psk_configs=[external], tickets=[ticket],
                 res_master_secret=session.resumptionMasterSecret)
    first = tls13_hello([b"external", bytes(ticket.ticket)],
                        suites=(CipherSuite.TLS_AES_256_GCM_SHA384,),
                        groups=(GroupName.x25519, GroupName.secp256r1),
                        **offer)
    retry, final = exchange_with_retry(
        server, first, lambda retry: retry_hello(first, retry, **offer))
    assert retry.hello_retry_request
    assert final.alert is None and final.selected_identity == 0
    assert log.statuses == []
