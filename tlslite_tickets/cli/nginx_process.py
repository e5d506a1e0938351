"""A throwaway nginx on a 127.0.0.1 port, for ``make demo-nginx`` and the
interoperability tests only (``scripts/demo_nginx.py``,
``unit_tests/test_nginx_interop.py``).

The configuration is generated into a directory of its own (prefix, pid
file, error log, temporary paths), nginx runs in the foreground with no
master process (``daemon off; master_process off;``), so it is one child
process that :meth:`NginxProcess.stop` ends by its pid. Its only location
answers ``200 nginx`` to any request. Nothing here is meant for a real
server.
"""

import os
import shutil
import socket
import subprocess
import time

HOST = "127.0.0.1"
START_TIMEOUT = 10

_CONFIG = """\
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen {host}:{port} ssl;
        server_name localhost;
{certificates}
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache off;
        ssl_session_tickets on;
        ssl_session_timeout {timeout};
{ticket_keys}
{extra}
        location / {{ return 200 "nginx\\n"; }}
    }}
}}
"""


def find_nginx():
    """The nginx binary (often in /usr/sbin, off a normal user's PATH)."""
    path = shutil.which("nginx")
    if path is None and os.access("/usr/sbin/nginx", os.X_OK):
        path = "/usr/sbin/nginx"
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class NginxProcess:
    """nginx serving TLS on 127.0.0.1 with the given ticket key files.

    ``certificates``: ``(cert, key)`` path pairs, one ``ssl_certificate``
    each, in order; ``key_files``: the ``ssl_session_ticket_key`` files in
    order (the first seals); ``extra``: more ``server`` directives. Use as
    a context manager, or call :meth:`stop`.
    """

    def __init__(self, directory, certificates, key_files, timeout=300,
                 extra=()):
        self.binary = find_nginx()
        if self.binary is None:
            raise RuntimeError("nginx is not installed: scripts/"
                               "ensure_tools.sh installs it")
        self.directory = os.path.abspath(directory)
        os.makedirs(self.directory, exist_ok=True)
        self.port = free_port()
        self.error_log = os.path.join(self.directory, "error.log")
        self.config = os.path.join(self.directory, "nginx.conf")
        keys = "\n".join("        ssl_session_ticket_key {0};".format(
            os.path.abspath(path)) for path in key_files)
        pairs = "\n".join(
            "        ssl_certificate {0};\n        ssl_certificate_key {1};"
            .format(os.path.abspath(cert), os.path.abspath(key))
            for cert, key in certificates)
        with open(self.config, "w") as handle:
            handle.write(_CONFIG.format(
                dir=self.directory, host=HOST, port=self.port,
                certificates=pairs, timeout=timeout, ticket_keys=keys,
                extra="\n".join("        {0};".format(line)
                                for line in extra)))
        self._proc = subprocess.Popen(
            [self.binary, "-p", self.directory, "-c", self.config,
             "-e", self.error_log],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_listening()

    def _wait_listening(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode("utf-8", "replace")
                raise RuntimeError("nginx exited at start (status {0}): {1}"
                                   .format(self._proc.returncode,
                                           err.strip() or self.log()))
            try:
                socket.create_connection((HOST, self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not listen within {0} s".format(
            START_TIMEOUT))

    def log(self):
        """nginx's error log so far (for failure messages)."""
        try:
            with open(self.error_log, encoding="utf-8",
                      errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def stop(self):
        """End nginx (the one process this object started)."""
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        if self._proc.stderr:
            self._proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
