"""Clients that vanish mid-handshake, at every step, in both versions.

A proxy between a real client (OpenSSL) and the server forwards whole TLS
records and cuts both connections after the N-th record in one direction.
Whatever N, the server must end that connection cleanly and go on serving.
"""

import socket
import ssl
import struct
import threading

import pytest
from tlslite.errors import TLSError

from support import (HOST, TIMEOUT, CallbackLog, PythonSSLClient,
                     ticket_settings)


class CuttingProxy:
    """Forward records client<->server; cut after ``limit`` records sent
    in direction ``cut`` ("up" = client to server, "down" = the other)."""

    def __init__(self, server, cut, limit):
        self.server_port = server.port
        self.cut, self.limit = cut, limit
        self.listener = socket.socket()
        self.listener.bind((HOST, 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        client, _ = self.listener.accept()
        upstream = socket.create_connection((HOST, self.server_port),
                                            timeout=TIMEOUT)
        client.settimeout(TIMEOUT)
        done = threading.Event()
        pumps = [threading.Thread(target=self._pump,
                                  args=(client, upstream, "up", done)),
                 threading.Thread(target=self._pump,
                                  args=(upstream, client, "down", done))]
        for pump in pumps:
            pump.start()
        done.wait(TIMEOUT)
        for sock in (client, upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.listener.close()

    def _pump(self, src, dst, direction, done):
        sent = 0
        try:
            while not done.is_set():
                if direction == self.cut and sent >= self.limit:
                    break
                header = _recv_exact(src, 5)
                body = _recv_exact(src, struct.unpack(">H", header[3:])[0])
                dst.sendall(header + body)
                sent += 1
        except OSError:
            pass
        done.set()


def _recv_exact(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


class ViaProxy:
    port = None


@pytest.mark.parametrize("resume", [False, True], ids=["full", "resumed"])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("cut", ["up", "down"])
def test_client_vanishing_at_every_step(make_server, version, cut, resume):
    log = CallbackLog(appdata=b"survives")
    server = make_server(ticket_settings(log))
    client = PythonSSLClient(version)
    session = None
    if resume:
        session = client.connect(server).session
        assert server.last().error is None  # (waits for its record)
    for limit in range(0, 9):
        before = len(server.records)
        proxy = CuttingProxy(server, cut, limit)
        via = ViaProxy()
        via.port = proxy.port
        via.expect_connection = server.expect_connection
        try:
            client.connect(via, session=session)
        except (ssl.SSLError, OSError):
            pass
        proxy.thread.join(TIMEOUT)
        # the server finished this connection (last() waits for its record)
        # with a TLS or socket error, or none: never an exception of ours
        record = server.last()
        assert len(server.records) == before + 1
        assert record.unexpected is None
        assert record.error is None or \
            isinstance(record.error, (TLSError, OSError))
        if cut == "up" and limit == 0:
            # not even a ClientHello arrived
            assert record.error is not None and record.tickets_sent == 0
    # after all that, a normal client is served, and resumes
    again = client.connect(server, session=session)
    assert again.reply == b"echo:ping"
    assert again.resumed == resume
