"""``handshake_deadline``: a time limit on a handshake, for servers that
run their own accept loop.

Each test accepts one connection on a loopback listener in a thread, as
such a server would, and runs ``handshakeServer`` inside the deadline.
Time bounds are generous (the machine is shared); what must hold is that a
stalled or dripping client is cut near its deadline, not after TIMEOUT.
"""

import socket
import ssl
import threading
import time

import pytest
from tlslite.api import HandshakeSettings, TLSConnection

import tlslite_tickets as tt

from support import HOST, TIMEOUT, ticket_settings


class OneConnectionServer:
    """Accept one connection, handshake within ``seconds``, echo once."""

    def __init__(self, credentials, seconds, conn_class=tt.TicketTLSConnection,
                 settings=None):
        self.listener = socket.socket()
        self.listener.bind((HOST, 0))
        self.listener.listen(1)
        self.listener.settimeout(TIMEOUT)
        self.port = self.listener.getsockname()[1]
        self.error = None
        self.handshake_seconds = None
        self.reply_sent = False
        self._args = credentials, seconds, conn_class, settings
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        (chain, key), seconds, conn_class, settings = self._args
        try:
            sock, _ = self.listener.accept()
        except OSError as exc:
            self.error = exc
            return
        sock.settimeout(TIMEOUT)  # per read: far longer than the deadlines
        conn = conn_class(sock)
        start = time.monotonic()
        try:
            with tt.handshake_deadline(conn, seconds):
                conn.handshakeServer(certChain=chain, privateKey=key,
                                     settings=settings or ticket_settings())
            data = conn.read(max=64)
            conn.write(b"echo:" + bytes(data))
            self.reply_sent = True
            conn.close()
        except Exception as exc:
            self.error = exc
        finally:
            self.handshake_seconds = time.monotonic() - start
            sock.close()
            self.listener.close()

    def join(self):
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()


def _client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def test_stalled_client_is_cut_at_the_deadline(credentials):
    server = OneConnectionServer(credentials, 0.5)
    with socket.create_connection((HOST, server.port),
                                  timeout=TIMEOUT) as sock:
        sock.sendall(b"\x16\x03\x01\x02\x00")  # a record header, then nothing
        start = time.monotonic()
        assert sock.recv(100) == b""  # the server shut the connection
        waited = time.monotonic() - start
    server.join()
    assert isinstance(server.error, tt.HandshakeTimeout)
    assert "0.5 s" in str(server.error)
    assert server.error.__cause__ is not None  # the handshake's own error
    assert 0.4 < waited < 10


def test_dripping_client_is_cut_although_each_read_is_quick(credentials):
    # one byte every 0.1 s: no single recv ever waits long, so a socket
    # timeout would never fire; the deadline does
    server = OneConnectionServer(credentials, 1.0)
    sent = 0
    start = time.monotonic()
    with socket.create_connection((HOST, server.port),
                                  timeout=TIMEOUT) as sock:
        header = b"\x16\x03\x01\x02\x00"
        for _ in range(int(TIMEOUT / 0.1)):
            try:
                sock.sendall((header + b"\x01" * 512)[sent:sent + 1])
            except OSError:
                break
            sent += 1
            time.sleep(0.1)
            if not server.thread.is_alive():
                break
    server.join()
    assert isinstance(server.error, tt.HandshakeTimeout)
    assert server.handshake_seconds < 10
    assert time.monotonic() - start < 15 and sent < 150


@pytest.mark.parametrize("conn_class", [tt.TicketTLSConnection,
                                        TLSConnection],
                         ids=["TicketTLSConnection", "stock TLSConnection"])
def test_deadline_ends_with_the_handshake(credentials, conn_class):
    settings = ticket_settings() if conn_class is tt.TicketTLSConnection \
        else HandshakeSettings()
    server = OneConnectionServer(credentials, 1.0, conn_class, settings)
    raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
    with _client_context().wrap_socket(raw, server_hostname="localhost") \
            as sock:
        time.sleep(1.5)  # past the deadline, after the handshake
        sock.sendall(b"ping")
        assert sock.recv(100) == b"echo:ping"
    server.join()
    assert server.error is None and server.reply_sent


def test_no_deadline_with_zero_or_none(credentials):
    for seconds in (0, None):
        server = OneConnectionServer(credentials, seconds)
        raw = socket.create_connection((HOST, server.port), timeout=TIMEOUT)
        with _client_context().wrap_socket(
                raw, server_hostname="localhost") as sock:
            sock.sendall(b"ping")
            assert sock.recv(100) == b"echo:ping"
        server.join()
        assert server.error is None


@pytest.mark.parametrize("seconds", [-1, "30", True])
def test_bad_seconds_are_refused(seconds):
    with socket.socket() as sock:
        with pytest.raises(ValueError, match="seconds"):
            tt.handshake_deadline(sock, seconds)


def test_needs_a_connection_or_socket():
    with pytest.raises(TypeError, match="TLSConnection or a socket"):
        tt.handshake_deadline(object(), 1)
