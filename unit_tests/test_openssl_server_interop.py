"""OpenSSL-format tickets against OpenSSL's own server, both ways (issue 15).

OpenSSL's server is the conformance oracle (``oracle/ticket_oracle.c``) in
``serve`` mode: the same 80-byte key file as ours, given to it with
SSL_CTX_set_tlsext_ticket_keys (several keys: a key callback, as nginx's),
the same session id context (``--sid-ctx``), and a gen_cb/dec_cb that set
and report ticket appdata. The client is Python's ``ssl``: one SSLContext,
its session carried from one server to the other.
"""

import json
import os
import socket
import subprocess

import pytest

import tlslite_tickets as tt
from support import HOST, TIMEOUT, CallbackLog, nst_ticket, ticket_settings
from test_differential import oracle  # noqa: F401 (fixture)
from test_nginx_interop import Client, Hop, assert_ours_answered, name_of

VERSIONS = ("1.2", "1.3")
#: what OpenSSL's dec_cb answers for EMPTY, NO_DECRYPT, SUCCESS,
#: SUCCESS_RENEW: ignore (and issue a ticket), use, use and renew
DEC_ANSWERS = "2234"
APPDATA = b"user=alice;\x00\xffbin"
SID_CTX = os.urandom(20)


class OpenSSLServer:
    """``ticket_oracle serve``: OpenSSL's server for ``conns`` connections;
    :meth:`row` is what its callbacks saw on the next one."""

    def __init__(self, binary, cert_files, key_path, version, conns,
                 sid_ctx=SID_CTX):
        scenario = "v={0} dec={1} gen=ok conns={2}".format(
            version.replace(".", ""), DEC_ANSWERS,
            ",".join(["prev:0"] * conns))
        self.process = subprocess.Popen(
            [binary, "serve", cert_files[0], cert_files[1], "--keyfile",
             key_path, "--sid-ctx", sid_ctx.hex(), scenario],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline().split()[1])

    def row(self):
        return json.loads(self.process.stdout.readline())

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(TIMEOUT)
        self.process.stdout.close()


class OracleClient(Client):
    """The nginx tests' client; OpenSSL's server sends its reply unasked."""

    def connect(self, server, session=None):
        if not isinstance(server, OpenSSLServer):
            return super().connect(server, session)
        del self._messages[:]
        raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
        with self.context.wrap_socket(raw, server_hostname="localhost",
                                      session=session) as sock:
            reply = sock.recv(16)
            tickets = [nst_ticket(m, self.tls13) for m in self._messages]
            return Hop(sock.session_reused, sock.session, tickets, reply)


@pytest.fixture
def key_file(tmp_path):
    """``key_file(count)``: a fresh file of ``count`` random 80-byte keys."""
    made = []

    def make(count=1):
        path = str(tmp_path / "keys{0}.key".format(len(made)))
        with open(path, "wb") as handle:
            handle.write(os.urandom(80 * count))
        made.append(path)
        return path
    return make


@pytest.fixture
def openssl_server(oracle, cert_files):  # noqa: F811
    """``openssl_server(key_path, version, conns, sid_ctx)``; all stopped
    after the test."""
    started = []

    def start(key_path, version, conns=1, sid_ctx=SID_CTX):
        server = OpenSSLServer(oracle, cert_files, key_path, version, conns,
                               sid_ctx)
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()


@pytest.fixture
def ours(make_server):
    """``ours(key_paths, log)``: our server, OpenSSL's format, SID_CTX."""
    def start(key_paths, log=None):
        return make_server(ticket_settings(
            log, ticket_key_files=list(key_paths), ticket_format="openssl",
            openssl_sid_ctx=SID_CTX))
    return start


def status_of(row):
    """dec_cb's statuses on OpenSSL's server, without the keyname length."""
    return [int(item.split("/")[0]) for item in row["dec"]]


#: OpenSSL reports a good ticket under its one key (set with
#: SSL_CTX_set_tlsext_ticket_keys) as SUCCESS in TLS 1.2, and as
#: SUCCESS_RENEW in TLS 1.3 (every TLS 1.3 ticket is replaced)
OPENSSL_STATUS = {"1.2": tt.SSL_TICKET_SUCCESS,
                  "1.3": tt.SSL_TICKET_SUCCESS_RENEW}


@pytest.mark.parametrize("version", VERSIONS)
class TestOpenSSLServer:

    def test_our_appdata_arrives_on_openssl_with_the_same_bytes(
            self, version, key_file, openssl_server, ours):
        keys = key_file()
        issuer = CallbackLog(appdata=APPDATA)
        server, theirs = ours([keys], issuer), openssl_server(keys, version)
        client = OracleClient(version)
        first = client.connect(server)
        assert_ours_answered(first)
        assert issuer.gen >= 1 and first.key_names()[-1] == name_of(keys)
        hop = client.connect(theirs, first.session)
        row = theirs.row()
        assert hop.reply == b"done" and hop.resumed
        assert status_of(row) == [OPENSSL_STATUS[version]]
        assert row["dec"] == ["{0}/16".format(OPENSSL_STATUS[version])]
        assert row["dec_app"] == [APPDATA.hex()]

    def test_openssl_appdata_arrives_on_ours(self, version, key_file,
                                             openssl_server, ours):
        keys = key_file()
        log = CallbackLog()
        theirs, server = openssl_server(keys, version), ours([keys], log)
        client = OracleClient(version)
        first = client.connect(theirs)
        row = theirs.row()
        assert first.reply == b"done" and not first.resumed
        assert row["gen"] == len(first.tickets) >= 1
        assert first.key_names()[-1] == name_of(keys)
        hop = client.connect(server, first.session)
        assert_ours_answered(hop)
        assert hop.resumed and server.last().resumed
        assert log.statuses == [OPENSSL_STATUS[version]]
        assert log.keynames == [name_of(keys)]
        # the appdata OpenSSL's gen_cb put in the client's (last) ticket
        sealed = bytes.fromhex(row["sess_app"])
        assert sealed == "c1.{0}".format(row["gen"]).encode()
        assert [tt.get_appdata(s) for s in log.sessions] == [sealed]

    def test_a_different_session_id_context_gives_a_full_handshake(
            self, version, key_file, openssl_server, ours):
        keys = key_file()
        server = ours([keys], CallbackLog(appdata=APPDATA))
        theirs = openssl_server(keys, version, sid_ctx=b"another context")
        client = OracleClient(version)
        first = client.connect(server)
        hop = client.connect(theirs, first.session)
        row = theirs.row()
        assert hop.reply == b"done" and not hop.resumed and hop.tickets
        # the ticket opened (same key) but its context is not OpenSSL's
        assert status_of(row) == [OPENSSL_STATUS[version]]
        assert row["dec_app"] == [APPDATA.hex()]

    def test_a_ticket_under_a_non_first_key_is_renewed_under_the_first(
            self, version, key_file, openssl_server, ours):
        both = key_file(2)
        with open(both, "rb") as handle:
            first_key, second_key = handle.read(80), handle.read(80)
        second = os.path.join(os.path.dirname(both), "second.key")
        with open(second, "wb") as handle:
            handle.write(second_key)
        old = ours([second], CallbackLog(appdata=APPDATA))
        theirs = openssl_server(both, version, conns=2)
        client = OracleClient(version)
        hop = client.connect(old)
        assert hop.key_names()[-1] == second_key[:16]
        renewed = client.connect(theirs, hop.session)
        row = theirs.row()
        assert renewed.resumed and row["dec_app"] == [APPDATA.hex()]
        assert status_of(row) == [tt.SSL_TICKET_SUCCESS_RENEW]
        assert renewed.tickets, "no ticket under the first key"
        assert set(renewed.key_names()) == {first_key[:16]}
        again = client.connect(theirs, renewed.session)
        row = theirs.row()
        assert again.resumed
        # under the first key: no renewal asked for
        assert status_of(row) == [tt.SSL_TICKET_SUCCESS]

    def test_a_key_openssl_does_not_hold_gives_a_full_handshake(
            self, version, key_file, openssl_server, ours):
        server = ours([key_file()], CallbackLog(appdata=APPDATA))
        theirs = openssl_server(key_file(), version)
        client = OracleClient(version)
        first = client.connect(server)
        hop = client.connect(theirs, first.session)
        row = theirs.row()
        assert hop.reply == b"done" and not hop.resumed and hop.tickets
        assert status_of(row) == [tt.SSL_TICKET_NO_DECRYPT]
        assert row["dec_app"] == ["-"]
