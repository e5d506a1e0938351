"""The server processes of parts 4 and 5.

``python -m tlslite_tickets server`` (or, for a package without the CLI,
the fallback server below, run as ``bench.py --serve``) and ``openssl
s_server``, each a subprocess whose output a thread drains; and the CPU
time such a process has used.
"""

import os
import socket
import subprocess
import sys
import threading

from .common import BENCH_SCRIPT, HOST, ROOT, TIMEOUT


class Process:
    """A server subprocess whose output is drained by a thread."""

    def __init__(self, argv, ready_prefix=None, env=None):
        self.argv = argv
        self.lines = []
        self.port = None
        self._ready = threading.Event()
        self._ready_prefix = ready_prefix
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            if len(self.lines) < 50:
                self.lines.append(line)
            if self._ready_prefix and not self._ready.is_set() and \
                    line.startswith(self._ready_prefix):
                self.port = int(line.rsplit(":", 1)[1])
                self._ready.set()
        self._ready.set()

    def wait_port(self, timeout=20):
        self._ready.wait(timeout)
        if self.port is None:
            raise RuntimeError("{0} did not start: {1}".format(
                " ".join(self.argv[:4]), "\n".join(self.lines[-10:])))
        return self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._thread.join(5)


def ours_server_command(cert, key):
    """``python -m tlslite_tickets server`` when the package has it, else
    the minimal server below (``bench.py --serve``)."""
    try:
        from tlslite_tickets.__main__ import COMMANDS
        has_cli = "server" in COMMANDS
    except ImportError:
        has_cli = False
    if has_cli:
        return [sys.executable, "-m", "tlslite_tickets", "server",
                "{0}:0".format(HOST), "-c", cert, "-k", key, "--echo",
                "--cipherlist", "aes128gcm"], \
            "python -m tlslite_tickets server"
    return [sys.executable, BENCH_SCRIPT, "--serve", cert,
            key], "scripts/bench.py --serve"


def serve(cert, key):
    """The fallback server: TicketTLSConnection, a thread per connection,
    echo. Prints the same ready line as the package's CLI server."""
    import tlslite_tickets as tt
    from tlslite.errors import TLSError
    from tlslite_tickets.cli.selfsigned import load_credentials
    credentials = load_credentials(cert, key)
    settings = tt.TicketHandshakeSettings()
    settings.cipherNames = ["aes128gcm"]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, 0))
    listener.listen(64)

    def handle(sock):
        sock.settimeout(TIMEOUT)
        conn = tt.TicketTLSConnection(sock)
        try:
            conn.handshakeServer(certChain=credentials[0],
                                 privateKey=credentials[1], settings=settings)
            conn.write(conn.read(max=1024))
            conn.close()
        except (TLSError, OSError):
            pass
        finally:
            sock.close()

    print("I am an echo test server, I will listen on {0}:{1}".format(
        HOST, listener.getsockname()[1]), flush=True)
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=handle, args=(sock,), daemon=True).start()


def process_cpu(pid):
    """User + system CPU seconds of process ``pid`` (Linux), or None."""
    try:
        with open("/proc/{0}/stat".format(pid)) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / \
            float(os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None
