"""Fixtures: a certificate made at test time, and loopback ticket servers."""

import os
import shutil

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


def env_flag(name):
    """An on/off switch from the environment: "1", "true", "yes" and "on"
    (any case) turn it on; unset, empty, "0", "false"... leave it off."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes",
                                                        "on")


def skip_or_fail(message, required):
    """Skip a test that cannot run here, or fail it when ``required``."""
    if required:
        pytest.fail(message)
    pytest.skip(message)


def tools_required():
    """Under ``make test`` (TLSLITE_TICKETS_REQUIRE_TOOLS=1) a missing
    tool fails the run instead of hiding a test."""
    return env_flag("TLSLITE_TICKETS_REQUIRE_TOOLS")


def require_tool(name):
    """Skip a test whose system tool is missing, except under ``make test``
    (which installs the tools and sets TLSLITE_TICKETS_REQUIRE_TOOLS=1):
    there a missing tool fails the run instead of hiding a test."""
    if shutil.which(name):
        return
    skip_or_fail("{0} is missing: scripts/ensure_tools.sh installs it"
                 .format(name), tools_required())
