"""File lists, manifests and URL lists as a Source.

A manifest is a text file given as ``@FILE`` on the command line, in one of two shapes:

* plain: one path or URL a line; blank lines and lines starting with ``#`` are skipped;
* JSON lines (first non-blank line starts with ``{``): ``{"path": ..., "size": ..., "sha256": ...}``
  or ``{"url": ...}``, extra keys ignored. ``size`` and ``sha256`` let a driver batch and skip
  without touching the files; the bytes a worker reads are still what is hashed and scanned.

Local paths are resolved like command-line paths (against the working directory); a directory
entry is walked as a tree. ``http(s)://`` entries (a site crawl's URL list) are fetched by
``sources/http.py``, bounded in bytes and time, polite (robots.txt, rate limit); other URLs
(``s3://``, ``gs://`` ...) go through fsspec.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from clearance.config.schema import Limits
from clearance.formats import document_from_bytes
from clearance.model import Document, Problem
from clearance.sources import protocol
from clearance.sources.protocol import FSSPEC, HTTP, DirectorySource, Ref

__all__ = ["ManifestSource", "UrlSource", "fetch_url"]

# An HTTP body larger than this is refused even when the file limits allow more: it is held in
# memory while hashed and sniffed (sources/http.py's own default is 100 MiB).
HTTP_MAX_BYTES = 256 * 1024**2
HTTP_TIMEOUT_S = 60.0  # whole-request budget: a server dripping bytes cannot hold a worker


class UrlSource:
    """http(s) URLs, fetched one by one with the project's only network fetcher."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = list(urls)

    def refs(self) -> Iterator[Ref | Problem]:
        for url in self.urls:
            yield Ref(url, url, 0, HTTP)

    def documents(self) -> Iterator[Document | Problem]:
        for ref in self.refs():
            yield ref if isinstance(ref, Problem) else fetch_url(ref, Limits())


class ManifestSource:
    """The files a manifest or URL list names, in its order."""

    def __init__(
        self,
        manifest: str,
        *,
        ignore: Sequence[str] = (),
        limits: Limits,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.manifest = manifest
        self.ignore = list(ignore)
        self.limits = limits
        self.storage_options = dict(storage_options or {})

    def documents(self) -> Iterator[Document | Problem]:
        for ref in self.refs():
            if isinstance(ref, Problem):
                yield ref
            else:
                yield protocol.open_ref(ref, self.limits, self.storage_options)

    def refs(self) -> Iterator[Ref | Problem]:
        try:
            fh = open(self.manifest, encoding="utf-8")  # noqa: SIM115 - closed below, streamed
        except OSError as exc:
            yield Problem(f"@{self.manifest}", f"cannot read manifest: {exc.strerror or exc}", "missing")
            return
        with fh:
            jsonl: bool | None = None
            for n, raw in enumerate(fh, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                if jsonl is None:
                    jsonl = line.startswith("{")
                if jsonl:
                    try:
                        entry = json.loads(line)
                        target = str(entry.get("url") or entry["path"])
                    except (ValueError, KeyError, TypeError, AttributeError):
                        yield Problem(
                            f"@{self.manifest}:{n}",
                            "manifest line is not a JSON object with path or url",
                            "manifest",
                        )
                        continue
                    yield from self._entry(target, entry)
                else:
                    yield from self._entry(line, {})

    def _entry(self, target: str, entry: dict[str, Any]) -> Iterator[Ref | Problem]:
        size = _int(entry.get("size"))
        sha = entry.get("sha256") if isinstance(entry.get("sha256"), str) else None
        if target.startswith(("http://", "https://")):
            yield Ref(target, target, size, HTTP, sha256=sha)
        elif protocol.is_url(target) and not target.startswith("file://"):
            yield Ref(target, target, size, FSSPEC, etag=entry.get("etag"), sha256=sha)
        else:
            path = target[len("file://") :] if target.startswith("file://") else target
            for ref in DirectorySource([path], ignore=self.ignore, limits=self.limits).refs():
                if isinstance(ref, Ref) and sha and ref.display == path:
                    ref = Ref(ref.uri, ref.display, ref.size, ref.kind, ref.mtime_ns, None, sha)
                yield ref


def _int(value: object) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


# One fetcher per site and process: robots.txt is read once and the per-host rate limit holds
# across all the files a worker fetches from that site.
_FETCHERS: dict[str, Any] = {}
_FETCHERS_LOCK = threading.Lock()


def _fetcher(url: str) -> Any:
    from clearance.sources.http import HttpSource

    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}/"
    with _FETCHERS_LOCK:
        f = _FETCHERS.get(origin)
        if f is None:
            f = _FETCHERS[origin] = HttpSource([origin], timeout=HTTP_TIMEOUT_S, max_bytes=HTTP_MAX_BYTES)
        return f


def fetch_url(ref: Ref, limits: Limits) -> Document | Problem:
    """GET one listed URL (bounded) and make it a Document; a failed fetch is a Problem."""
    try:
        result = _fetcher(ref.uri).fetch(ref.uri)
    except Exception as exc:  # a fetcher bug must not stop a run: the file is unscannable
        return Problem(ref.display, f"could not be fetched ({type(exc).__name__})", "unreadable")
    if not result.ok or result.data is None:
        why = result.error or result.code
        return Problem(ref.display, f"could not be fetched: {why}", "unreadable", len(result.data or b""))
    data = result.data
    if len(data) > limits.max_file_bytes:
        return Problem(
            ref.display,
            f"file is {len(data):,} bytes, over the limit of {limits.max_file_bytes:,} bytes",
            "limit",
            len(data),
        )
    return document_from_bytes(data, ref.display)
