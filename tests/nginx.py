"""A real nginx for the publishing tests: the shipped configs in deploy/nginx/, with only their
``# EDIT`` values (port, root, check upstream) substituted, started on a free loopback port.

nginx comes from the Debian package ``nginx`` (``apt-get install -y nginx``; it must have
``--with-http_auth_request_module``, which Debian's has). Without it the tests are skipped,
except under CI (``CI`` set), where a missing nginx is a failure: CI installs it.

Import the fixture into a test module: ``from nginx import fixture_nginx  # noqa: F401``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy" / "nginx"
START_TIMEOUT_S = 10
MIME_TYPES = Path("/etc/nginx/mime.types")


def nginx_binary() -> str | None:
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)


def unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"nginx tests cannot run in CI: {why} (apt-get install -y nginx)")
    pytest.skip(f"nginx not available: {why}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def site_config(template: str, *, port: int, root: Path, check_port: int | None = None) -> str:
    """The shipped config with its EDIT values replaced; each must be replaced exactly once."""
    text = (DEPLOY / template).read_text()
    subs = [("listen 80;", f"listen 127.0.0.1:{port};")]
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("root ") and "# EDIT" in s:
            subs.append((s.split(";")[0] + ";", f"root {root};"))
    if check_port is not None:
        subs.append(("server 127.0.0.1:8765;", f"server 127.0.0.1:{check_port};"))
    for old, new in subs:
        assert text.count(old) == 1, f"{template}: expected exactly one {old!r}"
        text = text.replace(old, new)
    return text


def main_config(prefix: Path, site: str, *, workers: int = 1, access_log: str = "off") -> str:
    mime = f"include {MIME_TYPES};" if MIME_TYPES.exists() else ""
    # $clearance_time is set by clearance-check.conf (auth_request_set): the check's own latency
    log_format = (
        ""
        if access_log == "off"
        else "log_format clearance '$status $body_bytes_sent $request_time $clearance_time \"$uri\"';"
    )
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes {workers};
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {mime}
    default_type application/octet-stream;
    sendfile on;
    keepalive_requests 100000;
    {log_format}
    access_log {access_log};
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
{site}
}}
"""


@dataclass
class Nginx:
    port: int
    prefix: Path
    proc: subprocess.Popen[bytes]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, *, timeout: float = 5) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def error_log(self) -> str:
        p = self.prefix / "error.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: fast shutdown
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_nginx(
    prefix: Path,
    template: str,
    *,
    root: Path,
    check_port: int | None = None,
    workers: int = 1,
    access_log: str = "off",
) -> Nginx:
    binary = nginx_binary()
    if binary is None:
        unavailable("no nginx on PATH or at /usr/sbin/nginx")
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "tmp").mkdir(exist_ok=True)
    port = free_port()
    site = site_config(template, port=port, root=root, check_port=check_port)
    conf = prefix / "nginx.conf"
    conf.write_text(main_config(prefix, site, workers=workers, access_log=access_log))
    test = subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
    if test.returncode != 0:
        if "auth_request" in test.stderr and "unknown directive" in test.stderr:
            unavailable("this nginx lacks the auth_request module")
        pytest.fail(f"nginx rejected the config:\n{test.stderr}")
    proc = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    server = Nginx(port, prefix, proc)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"nginx exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return server
        time.sleep(0.02)
    server.stop()
    pytest.fail("nginx did not start listening")


@pytest.fixture(name="nginx")
def fixture_nginx(tmp_path: Path) -> Iterator[Callable[..., Nginx]]:
    """A factory: ``nginx("clearance-check.conf", root=..., check_port=...)``; all stopped after."""
    started: list[Nginx] = []

    def start(template: str, **kw: object) -> Nginx:
        server = start_nginx(tmp_path / f"nginx{len(started)}", template, **kw)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
