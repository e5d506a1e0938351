"""OpenSSL-format tickets against a real nginx, both ways.

Each test starts nginx on 127.0.0.1 with a generated configuration
(``tlslite_tickets/cli/nginx_process.py``) and the same ticket key files as
our server, and stops it afterwards. The client is Python's ``ssl``
(OpenSSL): one SSLContext, its session carried from one server to the
other, its NewSessionTicket messages recorded to see which key sealed them.
"""

import hashlib
import hmac
import os
import socket
import ssl
import subprocess
import sys
import time

import pytest

import tlslite_tickets as tt
from conftest import require_tool
from rawhello import exchange, tls12_hello
from support import (HOST, TIMEOUT, CallbackLog, _read_all, nst_ticket,
                     ticket_settings)
from tlslite_tickets import _cbc
from tlslite_tickets.cli.nginx_process import NginxProcess, find_nginx

VERSIONS = ("1.2", "1.3")
KEY_SIZES = (80, 48)
REQUEST = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"


@pytest.fixture(autouse=True)
def _nginx_installed():
    if find_nginx() is None:
        require_tool("nginx")


class Hop:
    """One connection of the client: what it saw."""

    def __init__(self, resumed, session, tickets, reply):
        self.resumed = resumed
        self.session = session
        #: the ticket bytes of every NewSessionTicket received
        self.tickets = tickets
        self.reply = reply

    def key_names(self):
        return [ticket[:16] for ticket in self.tickets]


class Client:
    """Python's ``ssl``, one context for every server."""

    def __init__(self, version):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.minimum_version = ctx.maximum_version = {
            "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[
                version]
        ctx._msg_callback = self._on_message
        self.tls13 = version == "1.3"
        self.context = ctx
        self._messages = []

    def _on_message(self, conn, direction, version, content_type, msg_type,
                    data):
        if direction == "read" and \
                msg_type == ssl._TLSMessageType.NEWSESSION_TICKET:
            self._messages.append(bytes(data))

    def connect(self, server, session=None):
        """One connection to ``server`` (ours or nginx), offering
        ``session`` (an ``ssl.SSLSession``) if given."""
        del self._messages[:]
        if hasattr(server, "expect_connection"):
            server.expect_connection()
        raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
        with self.context.wrap_socket(raw, server_hostname="localhost",
                                      session=session) as sock:
            sock.sendall(REQUEST)
            reply = _read_all(sock)
            tickets = [nst_ticket(m, self.tls13) for m in self._messages]
            return Hop(sock.session_reused, sock.session, tickets, reply)


@pytest.fixture
def key_files(tmp_path):
    """``key_files(size, count)``: paths of fresh random key files."""
    made = []

    def make(size, count=1):
        paths = []
        for _ in range(count):
            path = str(tmp_path / "ticket{0}.key".format(len(made)))
            with open(path, "wb") as handle:
                handle.write(os.urandom(size))
            made.append(path)
            paths.append(path)
        return paths
    return make


def name_of(path):
    with open(path, "rb") as handle:
        return handle.read(16)


@pytest.fixture
def nginx(tmp_path, cert_files):
    """``nginx(key_files, ...)`` starts nginx; every one is stopped after."""
    started = []

    def start(key_paths, certificates=None, extra=()):
        process = NginxProcess(str(tmp_path / "nginx{0}".format(
            len(started))), certificates or [cert_files], key_paths,
            extra=extra)
        started.append(process)
        return process
    yield start
    for process in started:
        process.stop()


@pytest.fixture
def ours(make_server, cert_files):
    """``ours(key_paths, log=None, sid_ctx=None)``: our server in OpenSSL's
    format, with nginx's session id context for the test certificate."""
    def start(key_paths, log=None, sid_ctx=None):
        if sid_ctx is None:
            sid_ctx = tt.nginx_sid_ctx(cert_files[0])
        return make_server(ticket_settings(
            log, ticket_key_files=list(key_paths), ticket_format="openssl",
            openssl_sid_ctx=sid_ctx))
    return start


def assert_nginx_answered(hop):
    assert hop.reply.startswith(b"HTTP/1.1 200") and b"nginx" in hop.reply


def assert_ours_answered(hop):
    assert hop.reply == b"echo:" + REQUEST


@pytest.mark.parametrize("size", KEY_SIZES)
@pytest.mark.parametrize("version", VERSIONS)
class TestBothWays:

    def test_a_ticket_from_nginx_resumes_on_ours(self, version, size,
                                                 key_files, nginx, ours):
        keys = key_files(size)
        log = CallbackLog()
        web, server = nginx(keys), ours(keys, log)
        client = Client(version)
        first = client.connect(web)
        assert_nginx_answered(first)
        assert not first.resumed and first.key_names()[-1] == name_of(keys[0])
        hop = client.connect(server, first.session)
        assert_ours_answered(hop)
        assert hop.resumed and server.last().resumed
        # OpenSSL's built-in keys: every good TLS 1.3 ticket is renewed
        assert log.statuses == [tt.SSL_TICKET_SUCCESS_RENEW if version ==
                                "1.3" else tt.SSL_TICKET_SUCCESS]
        assert log.keynames == [name_of(keys[0])]

    def test_a_ticket_from_ours_resumes_on_nginx(self, version, size,
                                                 key_files, nginx, ours):
        keys = key_files(size)
        web, server = nginx(keys), ours(keys)
        client = Client(version)
        first = client.connect(server)
        assert_ours_answered(first)
        assert not first.resumed and first.key_names()[-1] == name_of(keys[0])
        hop = client.connect(web, first.session)
        assert_nginx_answered(hop)
        assert hop.resumed
        again = client.connect(web, hop.session)
        assert again.resumed

    def test_appdata_of_our_gen_cb_survives_a_trip_through_nginx(
            self, version, size, key_files, nginx, ours):
        keys = key_files(size)
        appdata = b"user=alice;\x00\xffbinary"
        issuer = CallbackLog(appdata=appdata)
        reader = CallbackLog()
        web, first_server = nginx(keys), ours(keys, issuer)
        last_server = ours(keys, reader)
        client = Client(version)
        hop1 = client.connect(first_server)
        assert issuer.gen == len(hop1.tickets) >= 1
        hop2 = client.connect(web, hop1.session)
        assert hop2.resumed
        if version == "1.3":
            # nginx renewed the ticket: the next hop offers nginx's ticket
            assert hop2.tickets and hop2.tickets[-1] not in hop1.tickets
        hop3 = client.connect(last_server, hop2.session)
        assert hop3.resumed
        assert [tt.get_appdata(s) for s in reader.sessions] == [appdata]
        assert reader.statuses[0] in (tt.SSL_TICKET_SUCCESS,
                                      tt.SSL_TICKET_SUCCESS_RENEW)
        assert last_server.last().appdata == appdata

    def test_a_ticket_under_a_non_first_key_is_renewed_under_the_first(
            self, version, size, key_files, nginx, ours):
        first_key, second_key = key_files(size, 2)
        # tickets under the second key, from each kind of server
        old_nginx = nginx([second_key])
        old_ours = ours([second_key])
        web = nginx([first_key, second_key])
        log = CallbackLog()
        server = ours([first_key, second_key], log)
        for issuer in (old_nginx, old_ours):
            for renewer in (web, server):
                client = Client(version)
                hop = client.connect(issuer)
                assert hop.key_names()[-1] == name_of(second_key)
                renewed = client.connect(renewer, hop.session)
                assert renewed.resumed
                assert renewed.tickets, "no ticket under the first key"
                assert set(renewed.key_names()) == {name_of(first_key)}
                again = client.connect(renewer, renewed.session)
                assert again.resumed
        assert log.statuses[::2] == [tt.SSL_TICKET_SUCCESS_RENEW] * 2

    def test_a_wrong_session_id_context_gives_a_full_handshake(
            self, version, size, key_files, nginx, ours):
        keys = key_files(size)
        web = nginx(keys)
        log = CallbackLog()
        stranger = ours(keys, log, sid_ctx=b"another context")
        client = Client(version)
        from_nginx = client.connect(web)
        hop = client.connect(stranger, from_nginx.session)
        assert not hop.resumed and not stranger.last().resumed
        assert hop.tickets, "a full handshake gets a fresh ticket"
        # the ticket opened (right key) but its context is not ours
        assert log.statuses[0] in (tt.SSL_TICKET_SUCCESS,
                                   tt.SSL_TICKET_SUCCESS_RENEW)
        back = client.connect(web, hop.session)
        assert not back.resumed
        assert_nginx_answered(back)

    def test_an_unknown_key_gives_a_full_handshake(self, version, size,
                                                   key_files, nginx, ours):
        keys, other = key_files(size), key_files(size)
        web, server = nginx(keys), ours(keys)
        web_other, log = nginx(other), CallbackLog()
        server_other = ours(other, log)
        client = Client(version)
        from_nginx = client.connect(web)
        hop = client.connect(server_other, from_nginx.session)
        assert not hop.resumed and hop.tickets
        assert log.statuses[0] == tt.SSL_TICKET_NO_DECRYPT
        from_ours = client.connect(server)
        hop = client.connect(web_other, from_ours.session)
        assert not hop.resumed and hop.tickets
        assert_nginx_answered(hop)


def _self_signed_rsa(directory):
    cert = os.path.join(directory, "rsa-cert.pem")
    key = os.path.join(directory, "rsa-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=localhost/O=RSA test"], check=True,
                   capture_output=True)
    return cert, key


def test_nginx_sid_ctx_with_two_certificates_and_client_cas(
        tmp_path, cert_files, key_files, nginx, ours):
    """The helper's value matches nginx's own: several ssl_certificate
    (the last configured counts first) and client CA names."""
    rsa = _self_signed_rsa(str(tmp_path))
    cas = str(tmp_path / "client-cas.pem")
    with open(cas, "w") as out:
        for path in (cert_files[0], rsa[0], cert_files[0]):  # one repeated
            with open(path) as handle:
                out.write(handle.read())
    keys = key_files(80)
    web = nginx(keys, certificates=[cert_files, rsa],
                extra=["ssl_client_certificate " + cas,
                       "ssl_verify_client optional_no_ca"])
    right = tt.nginx_sid_ctx([cert_files[0], rsa[0]], [cas])
    wrong_order = tt.nginx_sid_ctx([rsa[0], cert_files[0]], [cas])
    without_cas = tt.nginx_sid_ctx([cert_files[0], rsa[0]])
    assert len({right, wrong_order, without_cas}) == 3
    client = Client("1.3")
    from_nginx = client.connect(web)
    for sid_ctx, resumes in ((wrong_order, False), (without_cas, False),
                             (right, True)):
        hop = client.connect(ours(keys, sid_ctx=sid_ctx), from_nginx.session)
        assert hop.resumed == resumes


def test_make_demo_nginx_hops_one_ticket_between_the_servers():
    demo = os.path.join(os.path.dirname(__file__), os.pardir, "scripts",
                        "demo_nginx.py")
    run = subprocess.run([sys.executable, demo], capture_output=True,
                         timeout=120)
    out = run.stdout.decode()
    assert run.returncode == 0, out + run.stderr.decode()
    assert "every hop resumed" in out
    assert out.count("client resumed=True") == 6
    assert out.count("dec_cb sees appdata b'user=alice;plan=gold'") == 2
    # TLS 1.3: nginx renewed the ticket and kept our appdata in it
    assert "from nginx: key " in out
    for line in out.splitlines():
        if "from nginx: key " in line:
            assert line.endswith("appdata b'user=alice;plan=gold'")


class _Listening:
    """What rawhello.exchange needs of a server: a port."""

    def __init__(self, port):
        self.port = port

    def expect_connection(self):
        pass


def test_nginx_drops_a_ticket_whose_padding_is_bad_under_a_good_mac(
        key_files, nginx):
    """Why we never seal bad padding: nginx fails the handshake with
    "bad decrypt" instead of just doing a full one, as it does for a
    ticket whose MAC is wrong."""
    keys = key_files(80)
    web = nginx(keys)
    key = tt.load_key_file(keys[0])[0]
    iv = os.urandom(16)
    body = key.name + iv + _cbc.cbc_encrypt(key.aes_key, iv, b"\x00" * 32)
    bad_padding = body + hmac.new(key.hmac_key, body,
                                  hashlib.sha256).digest()
    bad_mac = body + os.urandom(32)
    for ticket, fails in ((bad_mac, False), (bad_padding, True)):
        flight = exchange(_Listening(web.port), tls12_hello(ticket))
        assert flight.alert is None and not flight.resumed_tls12
        # nginx logs the failure once it sees the client go away
        deadline = time.monotonic() + 5
        while fails and "bad decrypt" not in web.log() and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        assert ("bad decrypt" in web.log()) == fails
