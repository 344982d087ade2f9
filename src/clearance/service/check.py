"""The serve-time check for nginx ``auth_request``: serve a file only if its bytes are cleared now.

For sites where a CMS writes straight into the public tree. nginx asks, before serving any file,
``GET /check`` with the client's raw request URI in ``X-Original-URI``; this service maps it to
the file under the document root exactly as nginx does, hashes the file (SHA-256), asks the
store (``Store.is_cleared``: one indexed read) and answers ``204`` (serve) or ``403`` (refuse).
nginx turns every other outcome (refused connection, timeout, 5xx) into 403 too
(``deploy/nginx/clearance-check.conf``), so nothing is served while clearance is down.

Mapping a URI to a file, safely:

* The raw ``$request_uri`` is sent, not nginx's decoded ``$uri`` (a decoded ``%0d%0a`` in a
  header is a classic nginx header-injection bug). The query string and fragment are cut, the
  rest percent-decoded to bytes (``%00`` and malformed escapes are refused, as nginx does), and
  ``.``/``..``/empty segments resolved; a ``..`` above the root is refused.
* Any segment starting with a dot is refused (nginx denies dotfiles as well).
* Directories are opened one by one with ``O_NOFOLLOW`` from a descriptor on the document root
  and the file is ``lstat``-ed, so a symbolic link anywhere below the root is refused (nginx:
  ``disable_symlinks on from=$document_root``). Only regular files are served.

Speed: the answer usually comes from two caches (``check_cache``): the file's SHA-256 under its
identity (path, device, inode, size, mtime, ctime; an unchanged file is never hashed twice) and
the store's answer for those bytes for ``DECISION_TTL_S`` (2 s: the revocation delay; answers in
use are re-read in one batched query every second, so busy files stay cached). Cache hits
are answered on the event loop without leaving it; misses (hashing, the store read) run on a
small thread pool so one large file never stalls the other requests. Concurrent misses for the
same file share one computation.

The HTTP server is a minimal HTTP/1.1 implementation on ``asyncio`` (keep-alive, no bodies, no
chunking: nginx's subrequest is one small GET). A framework would add ~10x the per-request cost
for nothing the check needs.

Known gap (inherent to ``auth_request``): nginx opens the file after the check answered; a file
replaced in that window (microseconds) is served unchecked. Publishing by promotion
(``clearance publish``) has no such window.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import os
import re
import stat
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

from clearance.service.check_cache import DECISION_REFRESH_S, DecisionCache, FileKey, HashCache, file_key

log = logging.getLogger("clearance.check")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
CHECK_PATH = b"/check"
HEALTH_PATH = b"/healthz"
URI_HEADER = b"x-original-uri"
# nginx's own default for large_client_header_buffers is 8 KiB per line; its subrequest to us is
# a few hundred bytes. Anything larger is not nginx.
MAX_HEAD_BYTES = 16 * 1024
HASH_THREADS = 4  # misses only; 2 cores here, and hashing releases the GIL
HASH_CHUNK = 1024 * 1024

_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


# -- answers ------------------------------------------------------------------------------------
CLEARED = "cleared"
NOT_CLEARED = "not-cleared"
BAD_URI = "bad-uri"
NOT_FOUND = "not-found"
NOT_A_FILE = "not-a-file"
DOTFILE = "dotfile"
SYMLINK = "symlink"
CHANGING = "changing"  # the file changed while it was being hashed
STORE_ERROR = "store-error"


@dataclass(frozen=True)
class Answer:
    allowed: bool
    reason: str


DENY = {r: Answer(False, r) for r in (NOT_CLEARED, BAD_URI, NOT_FOUND, NOT_A_FILE, DOTFILE, SYMLINK)}
DENY[CHANGING] = Answer(False, CHANGING)
DENY[STORE_ERROR] = Answer(False, STORE_ERROR)
ALLOW = Answer(True, CLEARED)


def split_uri(raw: str | bytes) -> tuple[str, ...] | Answer:
    """The path segments of a raw request URI, normalised as nginx does, or a refusal."""
    data = raw.encode("latin-1") if isinstance(raw, str) else raw
    for cut in (b"?", b"#"):
        data = data.split(cut, 1)[0]
    if not data.startswith(b"/") or _BAD_ESCAPE.search(data):
        return DENY[BAD_URI]
    decoded = unquote_to_bytes(data)
    if b"\x00" in decoded:
        return DENY[BAD_URI]
    parts: list[str] = []
    for seg in decoded.split(b"/"):
        if seg in (b"", b"."):
            continue
        if seg == b"..":
            if not parts:
                return DENY[BAD_URI]
            parts.pop()
            continue
        parts.append(os.fsdecode(seg))
    if any(p.startswith(".") for p in parts):
        return DENY[DOTFILE]
    if not parts or decoded.endswith(b"/"):
        return DENY[NOT_A_FILE]
    return tuple(parts)


@dataclass(frozen=True)
class Located:
    parts: tuple[str, ...]
    key: FileKey


@dataclass(frozen=True)
class Work:
    """What a miss computed off the event loop; ``settle`` puts it in the caches."""

    answer: Answer
    key: FileKey | None = None  # identity of the bytes hashed (None: do not cache the hash)
    sha256: str | None = None
    cleared: bool | None = None  # the store's answer, when it was asked just now (else None)


class Checker:
    """URI -> file -> SHA-256 -> cleared? The caches belong to one thread (the event loop)."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        is_cleared: Callable[[str], bool],
        *,
        hashes: HashCache | None = None,
        decisions: DecisionCache | None = None,
        cleared_among: Callable[[list[str]], set[str]] | None = None,
    ) -> None:
        self.root = Path(os.path.realpath(root))
        self._root_fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.is_cleared = is_cleared
        self.hashes = hashes if hashes is not None else HashCache()
        self.decisions = decisions if decisions is not None else DecisionCache()
        self.cleared_among = cleared_among
        self.hashed = 0  # files hashed (for tests and the benchmark)
        self.store_reads = 0

    @classmethod
    def for_store(cls, root: str | os.PathLike[str], store: object, **kwargs: object) -> Checker:
        def ask(sha256: str) -> bool:
            return bool(store.is_cleared(sha256, now=dt.datetime.now(dt.UTC)))  # type: ignore[attr-defined]

        def among(shas: list[str]) -> set[str]:
            return cleared_among(store, shas, now=dt.datetime.now(dt.UTC))

        return cls(root, ask, cleared_among=among, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._root_fd)

    # -- the pieces ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _parent(self, parts: tuple[str, ...]):  # type: ignore[no-untyped-def]
        """A descriptor on the file's directory, reached without following any symlink."""
        fd, owned = self._root_fd, False
        try:
            for seg in parts[:-1]:
                nfd = os.open(seg, _DIR_FLAGS, dir_fd=fd)
                if owned:
                    os.close(fd)
                fd, owned = nfd, True
            yield fd
        finally:
            if owned:
                os.close(fd)

    def locate(self, uri: str | bytes) -> Located | Answer:
        parts = split_uri(uri)
        if isinstance(parts, Answer):
            return parts
        try:
            with self._parent(parts) as dfd:
                st = os.stat(parts[-1], dir_fd=dfd, follow_symlinks=False)
        except FileNotFoundError:
            return DENY[NOT_FOUND]
        except OSError:  # ELOOP / ENOTDIR: a symlink or a file where a directory should be
            return DENY[SYMLINK]
        if stat.S_ISLNK(st.st_mode):
            return DENY[SYMLINK]
        if not stat.S_ISREG(st.st_mode):
            return DENY[NOT_A_FILE]
        return Located(parts, file_key("/".join(parts), st))

    def cached(self, loc: Located) -> Answer | None:
        sha = self.hashes.get(loc.key)
        if sha is None:
            return None
        cleared = self.decisions.get(sha)
        if cleared is None:
            return None
        return ALLOW if cleared else DENY[NOT_CLEARED]

    def work(self, loc: Located) -> Work:
        """Hash (unless known) and ask the store (unless known). Thread-safe; no cache writes."""
        key: FileKey | None = None
        sha = self.hashes.get(loc.key)
        if sha is None:
            try:
                with self._parent(loc.parts) as dfd:
                    fd = os.open(loc.parts[-1], _FILE_FLAGS, dir_fd=dfd)
            except FileNotFoundError:
                return Work(DENY[NOT_FOUND])
            except OSError:
                return Work(DENY[SYMLINK])
            with os.fdopen(fd, "rb", buffering=0) as fh:
                before = os.fstat(fd)
                if not stat.S_ISREG(before.st_mode):
                    return Work(DENY[NOT_A_FILE])
                sha = hashlib.file_digest(fh, "sha256").hexdigest()
                after = os.fstat(fd)
            self.hashed += 1
            key = file_key(loc.key[0], after)
            if key != file_key(loc.key[0], before):
                return Work(DENY[CHANGING])
        cached = self.decisions.get(sha)
        if cached is not None:  # not re-put: a cached answer must not outlive its TTL
            return Work(ALLOW if cached else DENY[NOT_CLEARED], key, sha, None)
        try:
            cleared = self.is_cleared(sha)
        except Exception as exc:  # any store failure denies; nginx would deny a timeout too
            log.warning("store check failed, refusing: %s", exc)
            return Work(DENY[STORE_ERROR], key, sha, None)
        self.store_reads += 1
        return Work(ALLOW if cleared else DENY[NOT_CLEARED], key, sha, cleared)

    def settle(self, work: Work) -> Answer:
        if work.key is not None and work.sha256 is not None:
            self.hashes.put(work.key, work.sha256)
        if work.sha256 is not None and work.cleared is not None:
            self.decisions.put(work.sha256, work.cleared)
        return work.answer

    def check(self, uri: str | bytes) -> Answer:
        """The whole check in the calling thread (tests, one-off use)."""
        loc = self.locate(uri)
        if isinstance(loc, Answer):
            return loc
        return self.cached(loc) or self.settle(self.work(loc))




def cleared_among(store: object, shas: list[str], *, now: dt.datetime) -> set[str]:
    """Which of ``shas`` are cleared at ``now`` (``Store.is_cleared`` for many, in few queries)."""
    from clearance.actions.store import repo

    with store.reading() as session:  # type: ignore[attr-defined]
        return repo.cleared_among(session, shas, now=now)


# -- HTTP ---------------------------------------------------------------------------------------
def _response(status: bytes, reason: str, *, close: bool = False) -> bytes:
    head = b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\nX-Clearance: " + reason.encode() + b"\r\n"
    return head + (b"Connection: close\r\n" if close else b"") + b"\r\n"


_ANSWERS = {
    (a.allowed, a.reason, close): _response(
        b"204 No Content" if a.allowed else b"403 Forbidden", a.reason, close=close
    )
    for a in (ALLOW, *DENY.values())
    for close in (False, True)
}
_ERRORS = {
    400: _response(b"400 Bad Request", "bad-request", close=True),
    404: _response(b"404 Not Found", "no-such-endpoint", close=True),
    405: _response(b"405 Method Not Allowed", "method", close=True),
    431: _response(b"431 Request Header Fields Too Large", "too-large", close=True),
}
_HEALTHY = _response(b"200 OK", "ok")
_UNHEALTHY = _response(b"503 Service Unavailable", STORE_ERROR)


class CheckServer:
    """asyncio HTTP/1.1 front of a ``Checker``."""

    def __init__(self, checker: Checker, *, threads: int = HASH_THREADS) -> None:
        self.checker = checker
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="clearance-check")
        self.inflight: dict[FileKey, asyncio.Future[Answer]] = {}
        self.requests = 0
        self.refreshes = 0
        self.server: asyncio.Server | None = None
        self.refresher: asyncio.Future[None] | None = None

    async def start(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> asyncio.Server:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: _Connection(self), host, port, reuse_address=True, backlog=1024
        )
        if self.checker.cleared_among is not None:
            self.refresher = asyncio.ensure_future(self._refresh_forever())
        return self.server

    async def _refresh_forever(self) -> None:
        """Keep the answers in use fresh, so cache hits stay hits (see check_cache)."""
        loop = asyncio.get_running_loop()
        ck = self.checker
        assert ck.cleared_among is not None
        while True:
            await asyncio.sleep(DECISION_REFRESH_S)
            shas = ck.decisions.take_used()
            if not shas:
                continue
            try:
                cleared = await loop.run_in_executor(self.pool, ck.cleared_among, shas)
            except Exception as exc:  # the answers expire after the TTL: everything is refused
                log.warning("refreshing cached answers failed: %s", exc)
                continue
            for sha in shas:
                ck.decisions.put(sha, sha in cleared)
            self.refreshes += 1

    def close(self) -> None:
        if self.refresher is not None:
            self.refresher.cancel()
        if self.server is not None:
            self.server.close()
        self.pool.shutdown(wait=False, cancel_futures=True)

    async def answer(self, uri: bytes) -> Answer:
        ck = self.checker
        loc = ck.locate(uri)
        if isinstance(loc, Answer):
            return loc
        fast = ck.cached(loc)
        if fast is not None:
            return fast
        pending = self.inflight.get(loc.key)
        if pending is not None:
            return await asyncio.shield(pending)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Answer] = loop.create_future()
        self.inflight[loc.key] = fut
        result = DENY[STORE_ERROR]  # whatever goes wrong below, the answer is no
        try:
            work = await loop.run_in_executor(self.pool, ck.work, loc)
            result = ck.settle(work)
        except Exception as exc:
            log.warning("check failed, refusing: %s", exc)
        finally:
            del self.inflight[loc.key]
            fut.set_result(result)  # waiters get an answer even if this task is cancelled
        return result

    async def healthy(self) -> bool:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.pool, self.checker.is_cleared, "0" * 64)
        except Exception:
            return False
        return True


class _Connection(asyncio.Protocol):
    """One keep-alive connection from nginx; requests are answered in order."""

    def __init__(self, server: CheckServer) -> None:
        self.server = server
        self.buf = b""
        self.busy = False
        self.transport: asyncio.Transport | None = None
        self.task: asyncio.Future[None] | None = None  # the request being answered off the fast path

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self._process()

    def _send(self, payload: bytes, close: bool) -> None:
        if self.transport is None:
            return
        self.transport.write(payload)
        if close:
            self.transport.close()
            self.transport = None

    def _process(self) -> None:
        while not self.busy and self.transport is not None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buf) > MAX_HEAD_BYTES:
                    self._send(_ERRORS[431], True)
                return
            head, self.buf = self.buf[:end], self.buf[end + 4 :]
            self.server.requests += 1
            parsed = _parse(head)
            if isinstance(parsed, int):
                self._send(_ERRORS[parsed], True)
                return
            target, uri, close = parsed
            if target == HEALTH_PATH:
                self.busy = True
                self.task = asyncio.ensure_future(self._health(close))
                return
            if uri is None:  # no X-Original-URI: nothing to check, nothing to serve
                self._send(_ANSWERS[(False, BAD_URI, close)], close)
                continue
            ck = self.server.checker
            loc = ck.locate(uri)
            ans = loc if isinstance(loc, Answer) else ck.cached(loc)
            if ans is not None:  # the fast path: no task, no thread
                self._send(_ANSWERS[(ans.allowed, ans.reason, close)], close)
                continue
            self.busy = True
            self.task = asyncio.ensure_future(self._slow(uri, close))
            return

    async def _slow(self, uri: bytes, close: bool) -> None:
        ans = await self.server.answer(uri)
        self.busy = False
        self._send(_ANSWERS[(ans.allowed, ans.reason, close)], close)
        self._process()

    async def _health(self, close: bool) -> None:
        ok = await self.server.healthy()
        self.busy = False
        self._send(_HEALTHY if ok else _UNHEALTHY, close)
        self._process()


def _parse(head: bytes) -> tuple[bytes, bytes | None, bool] | int:
    """(target path, X-Original-URI, close after?) or an HTTP error status."""
    lines = head.split(b"\r\n")
    try:
        method, target, version = lines[0].split(b" ")
    except ValueError:
        return 400
    if version not in (b"HTTP/1.1", b"HTTP/1.0"):
        return 400
    if method not in (b"GET", b"HEAD"):
        return 405
    path = target.split(b"?", 1)[0]
    if path not in (CHECK_PATH, HEALTH_PATH):
        return 404
    uri: bytes | None = None
    close = version == b"HTTP/1.0"
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            return 400
        name = name.strip().lower()
        value = value.strip()
        if name == URI_HEADER:
            if uri is not None:
                return 400  # two URIs: which one would nginx serve?
            uri = value
        elif name == b"connection":
            v = value.lower()
            close = v == b"close" or (close and v != b"keep-alive")
        elif name == b"transfer-encoding" or (name == b"content-length" and value not in (b"", b"0")):
            return 400  # the check has no body; refusing one keeps the framing simple and safe
    return path, uri, close


# -- running ------------------------------------------------------------------------------------
async def serve(
    checker: Checker,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    ready: Callable[[CheckServer], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    server = CheckServer(checker)
    srv = await server.start(host, port)
    if ready is not None:
        ready(server)
    try:
        if stop is None:
            await srv.serve_forever()
        else:
            await stop.wait()
    finally:
        server.close()
        srv.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(srv.wait_closed(), 1)


def warm(checker: Checker) -> float:
    """One store read before the first request (connects, loads the schema); returns seconds."""
    t0 = time.perf_counter()
    checker.is_cleared("0" * 64)
    return time.perf_counter() - t0
