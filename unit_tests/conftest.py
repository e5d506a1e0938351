"""Fixtures: a certificate made at test time, and loopback ticket servers."""

import pytest

from support import TicketServer, load_credentials, make_certificate


@pytest.fixture(scope="session")
def credentials(tmp_path_factory):
    directory = tmp_path_factory.mktemp("certs")
    return load_credentials(*make_certificate(str(directory)))


@pytest.fixture(scope="session")
def cert_files(credentials, tmp_path_factory):
    directory = tmp_path_factory.getbasetemp()
    return str(directory / "certs0" / "cert.pem"), \
        str(directory / "certs0" / "key.pem")


@pytest.fixture
def make_server(credentials):
    """``make_server(settings)`` starts a TicketServer, closed after the test."""
    servers = []

    def start(settings, **kwargs):
        server = TicketServer(credentials, settings, **kwargs)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
    # whatever a test did to it, no server may have hit a bug
    for server in servers:
        assert server.unexpected_errors() == []
