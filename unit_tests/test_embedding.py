"""The README's ways of building a server, run as the README shows them.

Each example (http.server with TLSSocketServerMixIn, a plain socketserver,
a selectors event loop driving handshakeServerAsync) is taken from
README.md, run with ticket settings, and resumed by Python's ssl client in
TLS 1.2 and TLS 1.3; the server reports the appdata it got back.
"""

import os
import re
import socket
import socketserver
import threading

import pytest

import tlslite_tickets as tt
from support import HOST, CallbackLog, PythonSSLClient, ticket_settings

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                      "README.md")
APPDATA = b"user=alice"


def readme_example(title):
    """The code of the README block that starts with ``# example: title``."""
    with open(README) as handle:
        text = handle.read()
    blocks = re.findall(r"```python\n(# example: (.*?)\n.*?)```", text,
                        re.DOTALL)
    found = [code for code, name in blocks if name == title]
    assert len(found) == 1, "README has no single example " + title
    return found[0]


def run_example(title, credentials, settings):
    namespace = {"chain": credentials[0], "key": credentials[1],
                 "settings": settings, "__name__": "readme_example"}
    exec(compile(readme_example(title), "README.md: " + title, "exec"),
         namespace)
    return namespace


class Running(object):
    """A server from an example, serving in a thread on a loopback port."""

    def __init__(self, title, credentials, settings):
        example = run_example(title, credentials, settings)
        self.stop = threading.Event()
        if title == "event loop":
            listener = socket.socket()
            listener.bind((HOST, 0))
            listener.listen(8)
            self.port = listener.getsockname()[1]
            self._close = listener.close
            target = lambda: example["event_loop"](  # noqa: E731
                listener, lambda: not self.stop.is_set())
        else:
            if title == "http.server":
                server = example["TicketHTTPServer"]((HOST, 0),
                                                     example["Handler"])
            else:
                server = socketserver.TCPServer((HOST, 0),
                                                example["TicketHandler"])
            self.port = server.server_address[1]
            self._close = server.server_close
            self.stop.set = server.shutdown
            target = lambda: server.serve_forever(0.1)  # noqa: E731
        self._thread = threading.Thread(target=target, daemon=True)
        self._thread.start()

    def expect_connection(self):
        pass  # (PythonSSLClient announces connections to test servers)

    def close(self):
        self.stop.set()
        self._thread.join(20)
        self._close()
        assert not self._thread.is_alive()


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("title", ["http.server", "socketserver",
                                   "event loop"])
def test_readme_server_resumes_with_appdata(credentials, title, version):
    log = CallbackLog(appdata=APPDATA)
    server = Running(title, credentials, ticket_settings(log))
    try:
        client = PythonSSLClient(version)
        if title == "http.server":
            client.request = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"
        first = client.connect(server)
        assert not first.resumed
        # gen_cb attached the appdata to the new session
        assert b"resumed=0 appdata=b'user=alice'" in first.reply
        assert first.tickets == (2 if version == "1.3" else 1)
        log.reset()
        log.appdata = None  # from now on it can only come from the ticket
        second = client.connect(server, session=first.session)
        assert second.resumed
        assert b"resumed=1 appdata=b'user=alice'" in second.reply
        assert log.statuses and log.statuses[0] in (
            tt.SSL_TICKET_SUCCESS, tt.SSL_TICKET_SUCCESS_RENEW)
        if title == "http.server":
            assert second.reply.startswith(b"HTTP/1.0 200")
    finally:
        server.close()
