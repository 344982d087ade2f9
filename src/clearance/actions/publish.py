"""Publishing by promotion: copy a file into the public directory only if its bytes are cleared.

``promote`` is the only way in. It streams the source into a temporary file in the target
directory while hashing it, fsyncs, asks the store whether *that* SHA-256 is cleared now, hashes
what landed on disk again (refusing if it differs), then ``os.replace``-s it into place and
fsyncs the directory: readers see the old file or the new one, never a half-written one, and
never bytes nobody cleared. Every directory below the public root is opened with
``O_NOFOLLOW`` from a descriptor on the root, so neither ``..`` nor a symbolic link planted in
the tree can send the file elsewhere. Each publish, and each refusal, is an audit entry.

``sync`` is the way out: it walks the public directory (never following links) and removes
every file whose bytes are not cleared now (never submitted, rejected, revoked, expired), every
symbolic link and every special file. Run it after ``clearance revoke`` and from cron: it is
what makes a revocation or an expiry take the file down. A revoke between ``promote``'s check
and its rename is caught by the next ``sync``.

nginx serves the directory with ``deploy/nginx/clearance-promote.conf`` (no autoindex,
``disable_symlinks on``, dotfiles denied), so our temporary files are never served either.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from clearance.actions import audit
from clearance.actions.store import repo
from clearance.actions.workflow import Gate, GateError, NotFound, Refused

PUBLISH = "publish"
UNPUBLISH = "unpublish"
TMP_PREFIX = ".clearance-tmp-"
# sync leaves a temporary file alone this long: it may be a promote in progress. Older ones are
# debris of a crash (dotfiles, never served) and are removed.
TMP_GRACE_S = 300
COPY_CHUNK = 1024 * 1024
FILE_MODE = 0o644
DIR_MODE = 0o755
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class PublishError(GateError):
    """The file was not published (unsafe name, not cleared, changed while copying)."""


@dataclass(frozen=True)
class Published:
    path: Path
    sha256: str
    size: int


@dataclass
class SyncResult:
    kept: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (relative path, why)


def safe_parts(name: str) -> tuple[str, ...]:
    """The path segments of a target name inside the public directory, or PublishError."""
    if not name or "\x00" in name or name.startswith("/") or "\\" in name:
        raise PublishError(f"unsafe target name {name!r}: give a relative path inside the public directory")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if not parts:
        raise PublishError(f"unsafe target name {name!r}")
    for p in parts:
        if p == "..":
            raise PublishError(f"unsafe target name {name!r}: '..' is not allowed")
        if p.startswith("."):
            raise PublishError(f"unsafe target name {name!r}: dotfiles are never served")
    return parts


@contextlib.contextmanager
def _open_dir(root: Path, parts: tuple[str, ...], *, create: bool) -> Iterator[int]:
    """A descriptor on ``root/parts...``, reached without following symlinks."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for seg in parts:
            try:
                nfd = os.open(seg, _DIR_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                with contextlib.suppress(FileExistsError):
                    os.mkdir(seg, DIR_MODE, dir_fd=fd)
                nfd = os.open(seg, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise PublishError(
                        f"{seg!r} in the public directory is a link or not a directory"
                    ) from None
                raise
            os.close(fd)
            fd = nfd
        yield fd
    finally:
        os.close(fd)


def _hash_fd(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    h = hashlib.sha256()
    while chunk := os.read(fd, COPY_CHUNK):
        h.update(chunk)
    return h.hexdigest()


def _record(gate: Gate, actor: str, action: str, sha256: str | None, details: dict[str, object]) -> None:
    with gate.store.transaction() as s:
        audit.lock(s)
        audit.append(
            s, at=gate.clock(), actor=actor[:100], action=action, subject_sha256=sha256, details=details
        )


def _check_actor(gate: Gate, actor: str) -> None:
    with gate.store.reading() as s:
        user = repo.get_user(s, actor)
    if user is None:
        raise NotFound(f"no user named {actor!r}")
    if user.disabled:
        raise Refused(f"user {actor!r} is disabled")


def promote(
    gate: Gate,
    source: str | os.PathLike[str],
    public_dir: str | os.PathLike[str],
    *,
    actor: str,
    name: str | None = None,
    known_user: bool = True,
) -> Published:
    """Copy ``source`` to ``public_dir/name`` if its exact bytes are cleared now.

    ``known_user``: ``actor`` must be an enabled user of the store (False: record it as given,
    for an operating-system account running the CLI without ``--as``).
    """
    src, root = Path(source), Path(public_dir)
    target = name if name is not None else src.name
    try:
        if known_user:
            _check_actor(gate, actor)
        parts = safe_parts(target)
        if not root.is_dir():
            raise PublishError(f"{root}: the public directory does not exist")
        return _promote(gate, src, root, parts, actor)
    except GateError as exc:
        _record(gate, actor, "refused", None, {"attempted": PUBLISH, "target": target, "problem": str(exc)})
        raise


def _promote(gate: Gate, src: Path, root: Path, parts: tuple[str, ...], actor: str) -> Published:
    rel = "/".join(parts)
    with _open_dir(root, parts[:-1], create=True) as dfd:
        tmp = f"{TMP_PREFIX}{secrets.token_hex(8)}"
        out = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE, dir_fd=dfd
        )
        placed = False
        try:
            h, size = hashlib.sha256(), 0
            try:
                fin = src.open("rb")
            except OSError as exc:
                raise PublishError(f"{src}: cannot read: {exc.strerror}") from None
            with fin:
                while chunk := fin.read(COPY_CHUNK):
                    h.update(chunk)
                    size += len(chunk)
                    view = memoryview(chunk)
                    while view:
                        view = view[os.write(out, view) :]
            os.fsync(out)
            sha = h.hexdigest()
            if not gate.is_cleared(sha):
                raise PublishError(
                    f"{src.name} is not cleared (sha256 {sha}): submit it and have it approved first"
                )
            reread = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
            try:
                written = _hash_fd(reread)
            finally:
                os.close(reread)
            if written != sha:
                raise PublishError(f"the copy of {src.name} differs from what was cleared; not published")
            existing = _lstat(rel_name := parts[-1], dfd)
            if existing is not None and stat.S_ISDIR(existing.st_mode):
                raise PublishError(f"{rel} is a directory in the public directory")
            os.replace(tmp, rel_name, src_dir_fd=dfd, dst_dir_fd=dfd)
            placed = True
            os.fsync(dfd)
        finally:
            os.close(out)
            if not placed:
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=dfd)
    _record(
        gate, actor, PUBLISH, sha, {"path": rel, "public_dir": str(root), "size": size, "source": src.name}
    )
    return Published(root / rel, sha, size)


def _lstat(name: str, dfd: int) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def sync(gate: Gate, public_dir: str | os.PathLike[str], *, actor: str, dry_run: bool = False) -> SyncResult:
    """Remove from ``public_dir`` everything whose bytes are not cleared now."""
    root = Path(public_dir)
    if not root.is_dir():
        raise PublishError(f"{root}: the public directory does not exist")
    result = SyncResult()
    now = time.time()
    for dirpath, dirnames, filenames, dfd in os.fwalk(root, follow_symlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        entries = list(filenames)
        for d in list(dirnames):  # fwalk lists links to directories as directories
            st = _lstat(d, dfd)
            if st is not None and stat.S_ISLNK(st.st_mode):
                dirnames.remove(d)
                entries.append(d)
        for fname in sorted(entries):
            rel = fname if rel_dir == "." else f"{rel_dir}/{fname}"
            why, sha = _judge(gate, fname, dfd, now)
            if why is None:
                result.kept.append(rel)
                continue
            if why == "in progress":
                continue
            if not dry_run:
                try:
                    os.unlink(fname, dir_fd=dfd)
                except FileNotFoundError:
                    continue
                _record(gate, actor, UNPUBLISH, sha, {"path": rel, "public_dir": str(root), "why": why})
            result.removed.append((rel, why))
    return result


def _judge(gate: Gate, name: str, dfd: int, now: float) -> tuple[str | None, str | None]:
    """(None, sha) to keep; (why, sha or None) to remove."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dfd)
    except FileNotFoundError:
        return "in progress", None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link", None
        return f"unreadable ({exc.strerror})", None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "not a regular file", None
        if name.startswith(TMP_PREFIX) and now - st.st_mtime < TMP_GRACE_S:
            return "in progress", None
        sha = _hash_fd(fd)
    finally:
        os.close(fd)
    if gate.is_cleared(sha):
        return None, sha
    with gate.store.reading() as s:
        sub = repo.by_sha256(s, sha)
        status = repo.effective_status(sub, gate.clock()).value if sub is not None else "never submitted"
    return status, sha
