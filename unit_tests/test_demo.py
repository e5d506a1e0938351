"""`make demo` and its server mode, driven as a user would drive them."""

import os
import re
import subprocess
import sys

import pytest

from support import HOST, TIMEOUT

DEMO = os.path.join(os.path.dirname(__file__), os.pardir, "scripts",
                    "demo.py")


def test_demo_shows_callbacks_and_appdata():
    out = subprocess.run([sys.executable, DEMO], capture_output=True,
                         timeout=120, check=True).stdout.decode()
    assert out.count("status EMPTY -> IGNORE_RENEW") == 1
    assert "status SUCCESS, appdata b'user=alice;ticket-batch=1' -> " \
        "USE_RENEW" in out
    assert "status SUCCESS_RENEW, appdata b'user=alice;ticket-batch=2'" in out
    assert out.count("client resumed=True") == 2


@pytest.fixture
def demo_server():
    proc = subprocess.Popen([sys.executable, DEMO, "--serve", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    line = proc.stdout.readline().decode()
    port = int(re.search(r":(\d+) ", line).group(1))
    yield port
    proc.terminate()
    proc.wait(TIMEOUT)


@pytest.mark.parametrize("flag", ["-tls1_2", "-tls1_3"])
def test_openssl_s_client_resumes_against_demo_server(demo_server, flag,
                                                      tmp_path):
    session = str(tmp_path / "session.pem")

    def s_client(*extra):
        return subprocess.run(
            ["openssl", "s_client", "-connect",
             "{0}:{1}".format(HOST, demo_server), flag, "-ign_eof"]
            + list(extra), input=b"GET /\n", capture_output=True,
            timeout=TIMEOUT).stdout.decode("latin-1")

    first = s_client("-sess_out", session)
    assert "New," in first and "Reused," not in first
    second = s_client("-sess_in", session)
    assert "Reused," in second
