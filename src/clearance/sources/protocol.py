"""One Source protocol for every place files come from: directory trees, manifests and URL lists,
object storage (fsspec) and web sites.

A source does two things:

* ``documents()`` yields ``Document | Problem`` exactly as ``filesystem.walk`` does: what a single
  process scans;
* ``refs()`` yields a cheap listing, ``Ref | Problem`` (path or URL, size, mtime or ETag, and the
  SHA-256 when a manifest knows it) **without reading any file's bytes**, so a driver can batch
  files for distributed workers and consult the incremental-scan cache before anything is read.

``open_ref(ref, limits)`` turns one ``Ref`` into the same ``Document | Problem`` that
``documents()`` would have yielded for it: a worker reads the bytes itself; the driver only ever
handles listings. Same bytes in, same Document out, whichever engine asks.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from clearance.config.schema import Limits
from clearance.model import Document, Problem
from clearance.sources import filesystem

__all__ = ["CompositeSource", "DirectorySource", "Ref", "Source", "open_ref", "source_for"]

# Ref.kind values: how a worker opens it.
FILE = "file"  # a local (or network-mounted) path
HTTP = "http"  # an http(s) URL, fetched with sources/http.py
FSSPEC = "fsspec"  # any other URL fsspec understands: s3://, gs://, az://, memory://, ...


@dataclass(frozen=True)
class Ref:
    """A file to scan, listed but not read. ``display`` is the path the report shows."""

    uri: str
    display: str
    size: int = 0
    kind: str = FILE
    mtime_ns: int | None = None
    etag: str | None = None
    sha256: str | None = None  # known in advance (a manifest's column); verified by the reader


@runtime_checkable
class Source(Protocol):
    """Where files come from. ``documents()`` to scan here; ``refs()`` to distribute."""

    def documents(self) -> Iterator[Document | Problem]: ...

    def refs(self) -> Iterator[Ref | Problem]: ...


def open_ref(ref: Ref, limits: Limits, options: Mapping[str, Any] | None = None) -> Document | Problem:
    """Read one listed file into a Document (hashed, sniffed, within ``limits``). Never raises."""
    if ref.kind == FILE:
        return filesystem._document(ref.uri, ref.display, limits)  # the very code walk() uses
    if ref.kind == HTTP:
        from clearance.sources.manifest import fetch_url

        return fetch_url(ref, limits)
    from clearance.sources.fsspec_source import open_fsspec

    return open_fsspec(ref, limits, options or {})


class DirectorySource:
    """Files and directory trees, listed in ``filesystem.walk``'s order with its ignore rules."""

    def __init__(self, paths: Sequence[str], *, ignore: Sequence[str] = (), limits: Limits) -> None:
        self.paths = list(paths)
        self.ignore = list(ignore)
        self.limits = limits

    def documents(self) -> Iterator[Document | Problem]:
        return filesystem.walk(self.paths, ignore=self.ignore, limits=self.limits)

    def refs(self) -> Iterator[Ref | Problem]:
        rules = filesystem.IgnoreRules(self.ignore)
        for path in self.paths:
            if not os.path.lexists(path):
                yield Problem(path, "no such file or directory", "missing")
                continue
            if os.path.isdir(path):
                yield from _list_dir(path, rules)
                continue
            norm = os.path.normpath(path).replace(os.sep, "/")
            if rules and (rules.ignored(norm, False) or rules.ignored(os.path.basename(norm), False)):
                continue
            if not os.path.exists(path):
                yield Problem(path, "symbolic link to a file that does not exist", "missing")
                continue
            yield _file_ref(path, path)


def _file_ref(fs_path: str, display: str) -> Ref:
    try:
        st = os.stat(fs_path)
    except OSError:
        return Ref(fs_path, display)  # the reader reports why it cannot be read
    return Ref(fs_path, display, st.st_size, FILE, st.st_mtime_ns)


def _list_dir(root: str, rules: filesystem.IgnoreRules) -> Iterator[Ref | Problem]:
    """``filesystem._walk_dir`` without reading files: same order, ignores, symlink and loop rules."""
    real_root = os.path.realpath(root)
    visited: set[tuple[int, int]] = set()
    try:
        st = os.stat(root)
        visited.add((st.st_dev, st.st_ino))
    except OSError as exc:
        yield Problem(root, f"cannot read directory: {exc.strerror or type(exc).__name__}", "unreadable")
        return

    def inside(real: str) -> bool:
        return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)

    yield from _list_subdir(root, "", root, rules, visited, inside)


def _emit(
    out: list[Ref | Problem | tuple[str, str]],
    root: str,
    rules: filesystem.IgnoreRules,
    visited: set[tuple[int, int]],
    inside: Any,
) -> Iterator[Ref | Problem]:
    for item in out:
        if not isinstance(item, tuple):
            yield item
            continue
        fs_path, rel = item
        display = os.path.join(root, rel)
        try:
            st = os.stat(fs_path)
        except OSError as exc:
            yield Problem(
                display, f"cannot read directory: {exc.strerror or type(exc).__name__}", "unreadable"
            )
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited or not stat.S_ISDIR(st.st_mode):
            continue
        visited.add(key)
        yield from _list_subdir(fs_path, rel, root, rules, visited, inside)


def _list_subdir(
    fs_dir: str,
    rel_dir: str,
    root: str,
    rules: filesystem.IgnoreRules,
    visited: set[tuple[int, int]],
    inside: Any,
) -> Iterator[Ref | Problem]:
    display_dir = os.path.join(root, rel_dir) if rel_dir else root
    try:
        with os.scandir(fs_dir) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield Problem(
            display_dir, f"cannot read directory: {exc.strerror or type(exc).__name__}", "unreadable"
        )
        return
    out: list[Ref | Problem | tuple[str, str]] = []
    for entry in entries:
        rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
        display = os.path.join(root, rel)
        try:
            is_link = entry.is_symlink()
            is_dir = entry.is_dir()
            is_file = entry.is_file()
        except OSError as exc:
            out.append(
                Problem(display, f"cannot read entry: {exc.strerror or type(exc).__name__}", "unreadable")
            )
            continue
        if rules.ignored(rel, is_dir):
            continue
        if is_link:
            real = os.path.realpath(entry.path)
            if not inside(real) or not (is_dir or is_file):
                continue
        if is_dir:
            out.append((entry.path, rel))
        elif is_file:
            out.append(_file_ref(entry.path, display))
    yield from _emit(out, root, rules, visited, inside)


class CompositeSource:
    """Several sources one after another, in the order given."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = list(sources)

    def documents(self) -> Iterator[Document | Problem]:
        for s in self.sources:
            yield from s.documents()

    def refs(self) -> Iterator[Ref | Problem]:
        for s in self.sources:
            yield from s.refs()


def is_url(text: str) -> bool:
    head, sep, _ = text.partition("://")
    return bool(sep) and head.replace("+", "").replace("-", "").isalnum() and len(head) > 1


def source_for(
    inputs: Sequence[str],
    *,
    ignore: Sequence[str] = (),
    limits: Limits,
    storage_options: Mapping[str, Any] | None = None,
) -> Source:
    """The source for command-line inputs: a path (file or directory tree), a URL (http(s) or
    any fsspec protocol: s3://bucket/prefix), or ``@FILE``: a manifest or URL list (one path or
    URL a line, or JSON lines with path/url, size, sha256)."""
    from clearance.sources.fsspec_source import FsspecSource
    from clearance.sources.manifest import ManifestSource, UrlSource

    sources: list[Source] = []
    plain: list[str] = []

    def flush() -> None:
        if plain:
            sources.append(DirectorySource(list(plain), ignore=ignore, limits=limits))
            plain.clear()

    for item in inputs:
        if item.startswith("@") and len(item) > 1:
            flush()
            sources.append(
                ManifestSource(item[1:], ignore=ignore, limits=limits, storage_options=storage_options)
            )
        elif item.startswith(("http://", "https://")):
            flush()
            sources.append(UrlSource([item]))
        elif is_url(item) and not item.startswith("file://"):
            flush()
            sources.append(FsspecSource(item, ignore=ignore, limits=limits, storage_options=storage_options))
        else:
            plain.append(item[len("file://") :] if item.startswith("file://") else item)
    flush()
    return sources[0] if len(sources) == 1 else CompositeSource(sources)
