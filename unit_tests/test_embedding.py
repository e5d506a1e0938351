"""The documentation's ways of building a server, run exactly as written.

Each example (http.server with TLSSocketServerMixIn, a plain socketserver,
a selectors event loop driving handshakeServerAsync) is taken from
docs/embedding.rst, run with ticket settings, and resumed by Python's ssl
client in TLS 1.2 and TLS 1.3; the server reports the appdata it got back.
"""

import os
import re
import socket
import socketserver
import textwrap
import threading

import pytest

import tlslite_tickets as tt
from support import HOST, CallbackLog, PythonSSLClient, ticket_settings

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                    "docs", "embedding.rst")
APPDATA = b"user=alice"


def page_example(title):
    """The code of the page's block that starts with ``# example: title``."""
    with open(PAGE, encoding="utf-8") as handle:
        text = handle.read()
    # a code block: the directive, a blank line, then indented or blank lines
    blocks = [textwrap.dedent(body) for body in re.findall(
        r"^\.\. code-block:: python\n\n((?:(?:   .*)?\n)+)", text, re.M)]
    found = [code for code in blocks
             if code.startswith("# example: " + title + "\n")]
    assert len(found) == 1, "docs/embedding.rst has no single example " + title
    return found[0]


def run_example(title, credentials, settings):
    namespace = {"chain": credentials[0], "key": credentials[1],
                 "settings": settings, "__name__": "docs_example"}
    exec(compile(page_example(title), "docs/embedding.rst: " + title, "exec"),
         namespace)
    return namespace


class Running:
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
def test_documented_server_resumes_with_appdata(credentials, title, version):
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
