"""A throwaway self-signed certificate, for the demo, the tests and the
benchmarks only (``scripts/demo.py``, ``scripts/soak.py``,
``scripts/bench.py``, ``unit_tests/support.py``).

The certificate is made by the ``openssl`` command line tool: an ECDSA
P-256 key, a subjectAltName ``DNS:<name>`` and a validity of two days. The
files are ``cert.pem`` and ``key.pem`` in the directory given (callers and
tests rely on those names). Nothing here is meant for a real server.
"""

import os
import shutil
import subprocess

from .common import load_credentials as load_pairs

#: Days the certificate is valid: long enough for any test run, no more.
VALID_DAYS = 2


def make_self_signed(directory, name="localhost"):
    """Write ``cert.pem`` and ``key.pem`` for ``name`` into ``directory``.

    Returns ``(cert_path, key_path)``. Raises RuntimeError when the openssl
    command line tool is missing or fails (with what it printed).
    """
    if shutil.which("openssl") is None:
        raise RuntimeError("the openssl command line tool is needed to make "
                           "a self-signed certificate, and it is not on PATH")
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    proc = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
         "-days", str(VALID_DAYS), "-subj", "/CN=" + name,
         "-addext", "subjectAltName=DNS:" + name],
        capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("openssl req could not make a self-signed "
                           "certificate (exit status {0}): {1}".format(
                               proc.returncode, proc.stderr.strip()))
    return cert, key


def load_credentials(cert_path, key_path):
    """``(X509CertChain, private key)``, tlslite-ng objects, from PEM files
    (the server command's own loader, so both read PEM the same way)."""
    chain, key, _ = load_pairs([cert_path], [key_path])
    return chain, key
