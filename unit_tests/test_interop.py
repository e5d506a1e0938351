"""Interop: real clients resume against our server, counts per the spec.

Four clients, both protocol versions, two dec_cb answers (USE and
USE_RENEW): OpenSSL's s_client (session files and -msg), GnuTLS's
gnutls-cli (--resume), Python's ssl (OpenSSL 3) and tlslite-ng's client.
"""

import pytest

import tlslite_tickets as tt
from conftest import require_tool
from support import (CallbackLog, GnuTLSClient, OpenSSLClient,
                     PythonSSLClient, TlsliteClient, ticket_settings)

USE = tt.SSL_TICKET_RETURN_USE
USE_RENEW = tt.SSL_TICKET_RETURN_USE_RENEW
FIRST = {"1.2": 1, "1.3": 2}
CASES = [(v, r) for v in ("1.2", "1.3") for r in (USE, USE_RENEW)]
IDS = ["tls%s-%s" % (v, r.name) for v, r in CASES]


def server_for(make_server, ret):
    log = CallbackLog(ret=lambda status: {
        tt.SSL_TICKET_EMPTY: tt.SSL_TICKET_RETURN_IGNORE_RENEW,
        tt.SSL_TICKET_NO_DECRYPT: tt.SSL_TICKET_RETURN_IGNORE_RENEW,
    }.get(status, ret), appdata=b"interop")
    return make_server(ticket_settings(log)), log


def expected_second(ret):
    return 1 if ret == USE_RENEW else 0


@pytest.mark.parametrize("version,ret", CASES, ids=IDS)
@pytest.mark.parametrize("client_class", [PythonSSLClient, TlsliteClient])
def test_library_clients(make_server, client_class, version, ret):
    server, log = server_for(make_server, ret)
    client = client_class(version)
    first = client.connect(server)
    assert (first.resumed, first.tickets) == (False, FIRST[version])
    second = client.connect(server, session=first.session)
    assert second.resumed and server.last().appdata == b"interop"
    assert second.tickets == expected_second(ret)


@pytest.mark.parametrize("version,ret", CASES, ids=IDS)
def test_openssl_s_client(make_server, tmp_path, version, ret):
    server, log = server_for(make_server, ret)
    client = OpenSSLClient(version, str(tmp_path))
    session = str(tmp_path / "session.pem")
    first = client.connect(server, save_to=session)
    assert (first.resumed, first.tickets) == (False, FIRST[version])
    second = client.connect(server, session_file=session)
    assert second.resumed, second.reply
    assert second.tickets == expected_second(ret)
    assert server.last().appdata == b"interop"


@pytest.mark.parametrize("version,ret", CASES, ids=IDS)
def test_gnutls_cli(make_server, version, ret):
    require_tool("gnutls-cli")
    server, log = server_for(make_server, ret)
    resumed, tickets, text = GnuTLSClient(version).connect_twice(server)
    assert resumed, text[-2000:]
    assert tickets == FIRST[version] + expected_second(ret)
    assert server.last().appdata == b"interop"
    assert log.statuses[-1] in (tt.SSL_TICKET_SUCCESS,
                                tt.SSL_TICKET_SUCCESS_RENEW)
