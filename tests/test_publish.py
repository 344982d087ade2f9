"""Publishing without nginx: `promote` / `sync` (actions/publish.py), the CLI, and the serve-time
check (service/check.py) called directly and over its HTTP/1.1 server."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from clearance.actions import publish
from clearance.actions.store.models import AuditEntry
from clearance.actions.workflow import Gate
from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.service import check
from clearance.service.check_cache import DECISION_TTL_S, DecisionCache, HashCache
from pg import make_gate, with_people

CLEARED = b"pass\nquarterly totals: 42 applications\n"
PENDING = b"review\nrow 1: somebody\n"


@pytest.fixture(name="gate")
def fixture_gate(tmp_path: Path) -> Gate:
    gate, _scanner, _clock = make_gate(f"sqlite:///{tmp_path / 'gate.db'}")
    with_people(gate)
    return gate


def submit(gate: Gate, tmp_path: Path, name: str, data: bytes) -> tuple[Path, str]:
    from pg import FakeScanner, config

    path = tmp_path / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    gate.submit(path, "alice", FakeScanner(config()))
    return path, hashlib.sha256(data).hexdigest()


def audit_actions(gate: Gate) -> list[tuple[str, dict]]:
    with gate.store.reading() as s:
        rows = s.query(AuditEntry).order_by(AuditEntry.seq).all()
        return [(r.action, json.loads(r.details)) for r in rows]


# -- promote ------------------------------------------------------------------------------------
def test_cleared_bytes_are_published_atomically_and_audited(gate: Gate, tmp_path: Path) -> None:
    src, sha = submit(gate, tmp_path, "totals.csv", CLEARED)
    public = tmp_path / "public"
    public.mkdir()
    done = publish.promote(gate, src, public, actor="alice", name="stats/2024/totals.csv")
    assert done.sha256 == sha
    assert (public / "stats/2024/totals.csv").read_bytes() == CLEARED
    assert [p.name for p in public.rglob(".clearance-tmp-*")] == []
    action, details = audit_actions(gate)[-1]
    assert action == "publish" and details["path"] == "stats/2024/totals.csv"


def test_uncleared_bytes_are_refused_and_the_refusal_audited(gate: Gate, tmp_path: Path) -> None:
    src, _ = submit(gate, tmp_path, "draft.csv", PENDING)
    never = tmp_path / "never.csv"
    never.write_bytes(b"pass\nnever submitted\n")
    public = tmp_path / "public"
    public.mkdir()
    for f in (src, never):
        with pytest.raises(publish.PublishError, match="not cleared"):
            publish.promote(gate, f, public, actor="alice")
    assert list(public.iterdir()) == []  # no target, no temporary file
    action, details = audit_actions(gate)[-1]
    assert action == "refused" and details["attempted"] == "publish"


@pytest.mark.parametrize(
    "name", ["../escape.csv", "/etc/escape.csv", "a/../../escape.csv", ".htaccess", "a/.git/x", ""]
)
def test_unsafe_target_names_are_refused(gate: Gate, tmp_path: Path, name: str) -> None:
    src, _ = submit(gate, tmp_path, "totals.csv", CLEARED)
    public = tmp_path / "pub" / "public"
    public.mkdir(parents=True)
    with pytest.raises(publish.PublishError, match="unsafe target name"):
        publish.promote(gate, src, public, actor="alice", name=name)
    assert not (tmp_path / "pub" / "escape.csv").exists() and list(public.iterdir()) == []


def test_links_in_the_public_directory_are_never_followed(gate: Gate, tmp_path: Path) -> None:
    src, _ = submit(gate, tmp_path, "totals.csv", CLEARED)
    public, outside = tmp_path / "public", tmp_path / "outside"
    public.mkdir()
    outside.mkdir()
    (public / "sub").symlink_to(outside)
    with pytest.raises(publish.PublishError, match="link"):
        publish.promote(gate, src, public, actor="alice", name="sub/totals.csv")
    assert list(outside.iterdir()) == []
    # a link in the file's own place is replaced, not written through
    victim = outside / "victim.txt"
    victim.write_bytes(b"untouched")
    (public / "totals.csv").symlink_to(victim)
    publish.promote(gate, src, public, actor="alice")
    assert not (public / "totals.csv").is_symlink() and (public / "totals.csv").read_bytes() == CLEARED
    assert victim.read_bytes() == b"untouched"


def test_a_copy_that_differs_from_what_was_cleared_is_not_published(
    gate: Gate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, _ = submit(gate, tmp_path, "totals.csv", CLEARED)
    public = tmp_path / "public"
    public.mkdir()
    monkeypatch.setattr(publish, "_hash_fd", lambda fd: "0" * 64)  # the disk returned other bytes
    with pytest.raises(publish.PublishError, match="differs"):
        publish.promote(gate, src, public, actor="alice")
    assert list(public.iterdir()) == []


def test_unknown_actor_is_refused(gate: Gate, tmp_path: Path) -> None:
    src, _ = submit(gate, tmp_path, "totals.csv", CLEARED)
    (tmp_path / "public").mkdir()
    with pytest.raises(publish.NotFound):
        publish.promote(gate, src, tmp_path / "public", actor="mallory")


# -- sync -----------------------------------------------------------------------------------------
def test_sync_removes_everything_not_cleared_now(gate: Gate, tmp_path: Path) -> None:
    keep, keep_sha = submit(gate, tmp_path, "keep.csv", CLEARED)
    gone, gone_sha = submit(gate, tmp_path, "gone.csv", b"pass\nlater revoked\n")
    exp, _ = submit(gate, tmp_path, "exp.csv", b"review\nexpires\n")
    gate.approve(
        hashlib.sha256(b"review\nexpires\n").hexdigest(),
        "bob",
        "ok",
        expires_at=gate.clock() + dt.timedelta(days=1),
    )
    public = tmp_path / "public"
    public.mkdir()
    for f in (keep, gone, exp):
        publish.promote(gate, f, public, actor="alice", name=f"d/{f.name}")
    (public / "byhand.csv").write_bytes(PENDING)  # a file copied in by hand
    (public / "link.csv").symlink_to(public / "d" / "keep.csv")
    (public / "linkdir").symlink_to(tmp_path / "incoming", target_is_directory=True)
    young = public / ".clearance-tmp-young"
    young.write_bytes(b"in progress")
    old = public / ".clearance-tmp-old"
    old.write_bytes(b"crash debris")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    gate.revoke(gone_sha, "bob", "contains a name after all")
    gate.clock.advance(days=2)  # type: ignore[attr-defined]

    dry = publish.sync(gate, public, actor="bob", dry_run=True)
    assert len(dry.removed) == 6 and (public / "byhand.csv").exists()
    result = publish.sync(gate, public, actor="bob")
    assert result.kept == ["d/keep.csv"]
    assert dict(result.removed) == {
        ".clearance-tmp-old": "never submitted",
        "byhand.csv": "never submitted",
        "link.csv": "symbolic link",
        "linkdir": "symbolic link",
        "d/gone.csv": "revoked",
        "d/exp.csv": "expired",
    }
    assert sorted(p.name for p in public.rglob("*")) == [".clearance-tmp-young", "d", "keep.csv"]
    assert (tmp_path / "incoming" / "keep.csv").exists()  # a link's target is never touched
    unpublished = [d for a, d in audit_actions(gate) if a == "unpublish"]
    assert len(unpublished) == 6 and keep_sha  # one audit entry per removal


# -- CLI ------------------------------------------------------------------------------------------
def cli(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.BytesIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, vars={}, cwd=tmp_path, stdout_isatty=False, stderr_isatty=False)
    code = main([*args, "--db", f"sqlite:///{tmp_path / 'gate.db'}"], env)
    return code, out.getvalue().decode(), err.getvalue()


def test_publish_cli(gate: Gate, tmp_path: Path) -> None:
    src, sha = submit(gate, tmp_path, "totals.csv", CLEARED)
    draft, _ = submit(gate, tmp_path, "draft.csv", PENDING)
    (tmp_path / "public").mkdir()
    code, out, _ = cli(tmp_path, "publish", str(src), "--to", "public", "--as", "alice")
    assert code == 0 and sha in out and (tmp_path / "public" / "totals.csv").read_bytes() == CLEARED
    code, _, err = cli(tmp_path, "publish", str(draft), "--to", "public")
    assert code == 1 and "not cleared" in err
    (tmp_path / "public" / "draft.csv").write_bytes(PENDING)
    code, out, _ = cli(tmp_path, "publish", "--sync", "public", "--format", "json")
    assert code == 0 and json.loads(out)["removed"] == [{"path": "draft.csv", "why": "pending-review"}]
    assert cli(tmp_path, "publish", str(src))[0] == 2  # neither --to nor --sync
    assert cli(tmp_path, "check-serve", "--root", "nowhere")[0] == 2


# -- the serve-time check -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/a.csv?download=1", ("a.csv",)),
        ("//stats/./2024//a.csv", ("stats", "2024", "a.csv")),
        ("/stats/x/../a.csv", ("stats", "a.csv")),
        ("/caf%C3%A9%20totals.csv", ("café totals.csv",)),
        ("/../etc/passwd", "bad-uri"),
        ("/%2e%2e/%2E%2E/etc/passwd", "bad-uri"),
        ("/a/..%2f..%2f..%2fetc/passwd", "bad-uri"),
        ("/a.csv%00.html", "bad-uri"),
        ("/a%zz.csv", "bad-uri"),
        ("a.csv", "bad-uri"),
        ("/.env", "dotfile"),
        ("/stats/%2egit/config", "dotfile"),
        ("/", "not-a-file"),
        ("/stats/", "not-a-file"),
    ],
)
def test_uri_is_normalised_like_nginx_and_traversal_refused(uri: str, expected: object) -> None:
    got = check.split_uri(uri)
    assert (got.reason if isinstance(got, check.Answer) else got) == expected


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def aged(path: Path, data: bytes) -> Path:
    """Write a file that looks old enough for its hash to be cached (outside the racy window)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    past = time.time() - 60
    os.utime(path, (past, past))
    time.sleep(0.001)
    return path


@pytest.fixture(name="docroot")
def fixture_docroot(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    aged(root / "ok.csv", CLEARED)
    aged(root / "sub" / "ok.csv", CLEARED)
    aged(root / "draft.csv", PENDING)
    (root / "dir").mkdir()
    (root / "link.csv").symlink_to(root / "ok.csv")
    (root / "linkdir").symlink_to(root / "sub")
    return root


def test_check_answers_from_the_bytes_and_refuses_links(docroot: Path) -> None:
    cleared = {hashlib.sha256(CLEARED).hexdigest()}
    ck = check.Checker(docroot, cleared.__contains__)
    assert ck.check("/ok.csv") == check.ALLOW
    assert ck.check("/sub/ok.csv") == check.ALLOW
    assert ck.check("/draft.csv").reason == "not-cleared"
    assert ck.check("/missing.csv").reason == "not-found"
    assert ck.check("/dir").reason == "not-a-file"
    assert ck.check("/link.csv").reason == "symlink"
    assert ck.check("/linkdir/ok.csv").reason == "symlink"
    assert ck.check("/ok.csv/x").reason == "symlink"  # ENOTDIR: a file used as a directory


def test_unchanged_files_are_hashed_once_and_edits_are_seen(docroot: Path) -> None:
    cleared = {hashlib.sha256(CLEARED).hexdigest()}
    later = [10.0]  # seconds added to the wall clock: the files were last changed a while ago
    ck = check.Checker(docroot, cleared.__contains__, hashes=HashCache(wall=lambda: time.time() + later[0]))
    for _ in range(5):
        assert ck.check("/ok.csv").allowed
    assert ck.hashed == 1
    # one byte changed, same size, mtime put back (touch -r): ctime still moves
    target = docroot / "ok.csv"
    st = target.stat()
    target.write_bytes(CLEARED.replace(b"42", b"43"))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert ck.check("/ok.csv").reason == "not-cleared"
    assert ck.hashed == 2
    # a file written just now is re-hashed on every request (its times are not yet trustworthy)
    later[0] = 0.0
    (docroot / "fresh.csv").write_bytes(CLEARED)
    for _ in range(3):
        assert ck.check("/fresh.csv").allowed
    assert ck.hashed == 5


def test_decisions_expire_after_the_ttl_so_revocation_takes_effect(docroot: Path) -> None:
    cleared = {hashlib.sha256(CLEARED).hexdigest()}
    clock = FakeMonotonic()
    ck = check.Checker(docroot, cleared.__contains__, decisions=DecisionCache(monotonic=clock))
    assert ck.check("/ok.csv").allowed and ck.check("/sub/ok.csv").allowed
    assert ck.store_reads == 1  # same bytes, one store read
    cleared.clear()  # revoked
    clock.t += DECISION_TTL_S - 0.01
    assert ck.check("/ok.csv").allowed  # the cached answer, within the TTL
    clock.t += 0.02
    assert ck.check("/ok.csv").reason == "not-cleared"


def test_a_failing_store_denies_and_is_not_cached(docroot: Path) -> None:
    calls = []

    def broken(sha: str) -> bool:
        calls.append(sha)
        raise RuntimeError("database is locked")

    ck = check.Checker(docroot, broken)
    assert ck.check("/ok.csv").reason == "store-error"
    assert ck.check("/ok.csv").reason == "store-error"
    assert len(calls) == 2


@contextmanager
def running(ck: check.Checker) -> Iterator[int]:
    ports: list[int] = []
    started = threading.Event()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def ready(server: check.CheckServer) -> None:
        assert server.server is not None
        ports.append(server.server.sockets[0].getsockname()[1])
        started.set()

    t = threading.Thread(
        target=loop.run_until_complete, args=(check.serve(ck, port=0, ready=ready, stop=stop),)
    )
    t.start()
    assert started.wait(5)
    try:
        yield ports[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        t.join(5)
        loop.close()


def exchange(port: int, payload: bytes, responses: int) -> list[bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(payload)
        data = b""
        while data.count(b"\r\n\r\n") < responses:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return [r.split(b"\r\n")[0] for r in data.split(b"\r\n\r\n") if r]


def req(uri: str | None, *, extra: str = "", method: str = "GET") -> bytes:
    head = f"{method} /check HTTP/1.1\r\nHost: clearance_check\r\n"
    if uri is not None:
        head += f"X-Original-URI: {uri}\r\n"
    return (head + extra + "\r\n").encode()


def test_http_server_keeps_connections_alive_and_answers_in_order(docroot: Path) -> None:
    cleared = {hashlib.sha256(CLEARED).hexdigest()}
    ck = check.Checker(docroot, cleared.__contains__)
    with running(ck) as port:
        # three pipelined requests on one connection: cold (thread pool), then cached
        got = exchange(port, req("/ok.csv") + req("/draft.csv") + req("/ok.csv"), 3)
        assert got == [b"HTTP/1.1 204 No Content", b"HTTP/1.1 403 Forbidden", b"HTTP/1.1 204 No Content"]
        assert exchange(port, req(None), 1) == [b"HTTP/1.1 403 Forbidden"]  # no URI, no file
        assert exchange(port, req("/ok.csv", method="POST"), 1) == [b"HTTP/1.1 405 Method Not Allowed"]
        chunked = req("/ok.csv", extra="Transfer-Encoding: chunked\r\n")
        assert exchange(port, chunked, 1) == [b"HTTP/1.1 400 Bad Request"]
        two = req("/draft.csv", extra="X-Original-URI: /ok.csv\r\n")
        assert exchange(port, two, 1) == [b"HTTP/1.1 400 Bad Request"]
        assert exchange(port, b"GET /healthz HTTP/1.1\r\n\r\n", 1) == [b"HTTP/1.1 200 OK"]


def test_batched_refresh_agrees_with_store_is_cleared(gate: Gate, tmp_path: Path) -> None:
    ok = submit(gate, tmp_path, "ok.csv", CLEARED)[1]
    pending = submit(gate, tmp_path, "draft.csv", PENDING)[1]
    revoked = submit(gate, tmp_path, "gone.csv", b"pass\nrevoked\n")[1]
    expiring = submit(gate, tmp_path, "exp.csv", b"review\nexpires\n")[1]
    gate.revoke(revoked, "bob", "taken down")
    gate.approve(expiring, "bob", "ok", expires_at=gate.clock() + dt.timedelta(hours=1))
    shas = [ok, pending, revoked, expiring, "0" * 64]
    for now in (gate.clock(), gate.clock() + dt.timedelta(hours=2)):
        expected = {s for s in shas if gate.store.is_cleared(s, now=now)}
        assert check.cleared_among(gate.store, shas, now=now) == expected
    assert check.cleared_among(gate.store, shas, now=gate.clock()) == {ok, expiring}
