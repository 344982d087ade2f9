"""The two publishing paths behind a real nginx running the shipped configs (deploy/nginx/).

Promotion: only what `clearance publish` put there is served, and `--sync` takes down what is no
longer cleared. Check: nginx asks `clearance check-serve` (a real subprocess) before every file;
it serves cleared bytes only, and when the check is down or hangs it serves nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clearance.actions import publish
from clearance.actions.workflow import Gate
from nginx import Nginx, fixture_nginx, free_port  # noqa: F401
from pg import FakeScanner, config, make_gate, with_people

CLEARED = b"pass\nquarterly totals: 42 applications received\n"
PENDING = b"review\nhidden sheet: 6,252 people\n"
REVOCATION_DEADLINE_S = 6  # the check's decision TTL is 2 s; leave room for a slow machine
SERVICE_START_S = 20


@pytest.fixture(name="gate")
def fixture_gate(tmp_path: Path) -> Gate:
    gate, _scanner, _clock = make_gate(f"sqlite:///{tmp_path / 'gate.db'}")
    with_people(gate)
    return gate


def submit(gate: Gate, path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    gate.submit(path, "alice", FakeScanner(config()))
    return hashlib.sha256(data).hexdigest()


# -- promotion ----------------------------------------------------------------------------------
def test_promote_mode_serves_only_what_publish_put_there(
    gate: Gate, tmp_path: Path, nginx: Callable[..., Nginx]
) -> None:
    public = tmp_path / "public"
    public.mkdir()
    incoming = tmp_path / "incoming"
    sha = submit(gate, incoming / "totals.csv", CLEARED)
    submit(gate, incoming / "draft.csv", PENDING)
    web = nginx("clearance-promote.conf", root=public)

    publish.promote(gate, incoming / "totals.csv", public, actor="alice")
    with pytest.raises(publish.PublishError):
        publish.promote(gate, incoming / "draft.csv", public, actor="alice")
    assert web.get("/totals.csv") == (200, CLEARED)
    assert web.get("/draft.csv")[0] == 404  # refused: never reached the public directory

    (public / "byhand.csv").write_bytes(PENDING)  # copied in by hand, around the gate
    (public / "link.csv").symlink_to(public / "totals.csv")
    (public / ".clearance-tmp-x").write_bytes(PENDING)
    assert web.get("/link.csv")[0] in (403, 404)  # disable_symlinks: try_files sees no file
    assert web.get("/.clearance-tmp-x")[0] == 404  # dotfiles never
    assert web.get("/")[0] in (403, 404)  # no listing
    publish.sync(gate, public, actor="bob")
    assert web.get("/byhand.csv")[0] == 404

    gate.revoke(sha, "bob", "a name in a footnote")
    assert web.get("/totals.csv")[0] == 200  # promotion mode: down only once synced
    publish.sync(gate, public, actor="bob")
    assert web.get("/totals.csv")[0] == 404


# -- check at serve time ------------------------------------------------------------------------
@contextlib.contextmanager
def check_service(root: Path, db: Path, log: Path) -> Iterator[int]:
    port = free_port()
    cmd = [sys.executable, "-c", "from clearance.cli.main import run; run()", "check-serve"]
    cmd += ["--root", str(root), "--db", f"sqlite:///{db}", "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVICE_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"check-serve exited: {log.read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            assert time.monotonic() < deadline, "check-serve did not start"
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(5)


def test_check_mode_serves_cleared_bytes_only(
    gate: Gate, tmp_path: Path, nginx: Callable[..., Nginx]
) -> None:
    root = tmp_path / "www"
    sha = submit(gate, root / "reports" / "totals.csv", CLEARED)
    submit(gate, root / "edited.csv", CLEARED)
    submit(gate, root / "draft.csv", PENDING)
    (root / "cms-upload.csv").write_bytes(b"pass\nwritten by the CMS, never submitted\n")
    (root / "link.csv").symlink_to(root / "reports" / "totals.csv")
    (root / ".env").write_bytes(b"SECRET=1\n")
    with check_service(root, tmp_path / "gate.db", tmp_path / "check.log") as port:
        web = nginx("clearance-check.conf", root=root, check_port=port)
        assert web.get("/reports/totals.csv") == (200, CLEARED)
        assert web.get("/reports/totals.csv?v=2") == (200, CLEARED)
        assert web.get("/edited.csv") == (200, CLEARED)
        assert web.get("/draft.csv")[0] == 403
        assert web.get("/cms-upload.csv")[0] == 403
        assert web.get("/link.csv")[0] == 403
        assert web.get("/.env")[0] == 404
        assert web.get("/missing.csv")[0] == 403
        assert web.get("/reports/")[0] == 403

        # one byte changed after clearing (size kept): other bytes, no clearance
        (root / "edited.csv").write_bytes(CLEARED.replace(b"42", b"43"))
        assert web.get("/edited.csv")[0] == 403

        gate.revoke(sha, "bob", "a name in a footnote")
        t0 = time.monotonic()
        while web.get("/reports/totals.csv")[0] == 200:
            assert time.monotonic() - t0 < REVOCATION_DEADLINE_S, "revocation did not take effect"
            time.sleep(0.1)
        assert web.get("/reports/totals.csv")[0] == 403


def test_check_down_serves_nothing(gate: Gate, tmp_path: Path, nginx: Callable[..., Nginx]) -> None:
    root = tmp_path / "www"
    submit(gate, root / "totals.csv", CLEARED)
    web = nginx("clearance-check.conf", root=root, check_port=free_port())  # nothing listens there
    status, body = web.get("/totals.csv")
    assert status == 403 and CLEARED not in body


@contextlib.contextmanager
def hanging_socket() -> Iterator[int]:
    """Accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(srv.accept()[0])

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        srv.close()


def test_check_hanging_serves_nothing_after_the_timeout(
    gate: Gate, tmp_path: Path, nginx: Callable[..., Nginx]
) -> None:
    root = tmp_path / "www"
    submit(gate, root / "totals.csv", CLEARED)
    with hanging_socket() as port:
        web = nginx("clearance-check.conf", root=root, check_port=port)
        t0 = time.monotonic()
        status, body = web.get("/totals.csv", timeout=10)
        elapsed = time.monotonic() - t0
    assert status == 403 and CLEARED not in body
    # proxy_read_timeout is 1 s: refused no sooner; the upper bound only guards against a hang.
    assert 0.9 <= elapsed < 15, elapsed
    assert "timed out" in web.error_log()


def test_shipped_configs_keep_their_safety_directives() -> None:
    deploy = Path(__file__).resolve().parent.parent / "deploy" / "nginx"
    for name in ("clearance-promote.conf", "clearance-check.conf"):
        text = (deploy / name).read_text()
        for directive in (
            "autoindex off;",
            "disable_symlinks on",
            "open_file_cache off;",
            r"location ~ (^|/)\.",
        ):
            assert directive in text, (name, directive)
    check_conf = (deploy / "clearance-check.conf").read_text()
    for directive in (
        "auth_request /_clearance_check;",
        "error_page 500 502 503 504 =403",
        "proxy_read_timeout 1s;",
        "proxy_connect_timeout 1s;",
        "X-Original-URI $request_uri;",
        "keepalive 32;",
    ):
        assert directive in check_conf, directive
    assert os.path.exists(deploy.parent / "README.md")
