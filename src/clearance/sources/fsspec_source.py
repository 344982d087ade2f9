"""Object storage and other remote filesystems through fsspec: ``s3://bucket/prefix``,
``gs://``, ``az://``, ``memory://`` ... (the protocol's fsspec backend must be installed, e.g.
``s3fs`` for S3).

The listing (``refs``) costs one paginated LIST of the prefix: path, size, ETag and modification
time, no bytes. A worker opens each object itself (``open_fsspec``) and reads at most the size
limit plus one byte, so a lying listing cannot make it read more. Credentials come from the
backend's usual places (environment, instance role); ``storage_options`` passes anything else,
e.g. ``{"endpoint_url": ...}`` for an S3-compatible server.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from clearance import formats
from clearance.config.schema import Limits
from clearance.formats import document_from_bytes
from clearance.model import Document, Problem
from clearance.sources import filesystem, protocol
from clearance.sources.protocol import FSSPEC, Ref

__all__ = ["FsspecSource", "open_fsspec"]


def _fs(url: str, options: Mapping[str, Any]) -> tuple[Any, str]:
    import fsspec  # optional: the [scale] extra

    return fsspec.core.url_to_fs(url, **dict(options))


def _mtime_ns(info: Mapping[str, Any]) -> int | None:
    for key in ("mtime", "LastModified", "last_modified", "created"):
        v = info.get(key)
        if isinstance(v, dt.datetime):
            return int(v.timestamp() * 1e9)
        if isinstance(v, int | float):
            return int(v * 1e9)
    return None


def _etag(info: Mapping[str, Any]) -> str | None:
    v = info.get("ETag") or info.get("etag") or info.get("md5Hash")
    return str(v).strip('"') if v else None


class FsspecSource:
    """Every object under a URL prefix (or the one object it names), sorted by path."""

    def __init__(
        self,
        url: str,
        *,
        ignore: Sequence[str] = (),
        limits: Limits,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        self.url = url
        self.ignore = list(ignore)
        self.limits = limits
        self.storage_options = dict(storage_options or {})

    def refs(self) -> Iterator[Ref | Problem]:
        try:
            fs, root = _fs(self.url, self.storage_options)
            if fs.isfile(root):
                listing = {root: fs.info(root)}
                root_dir = root.rsplit("/", 1)[0]
            else:
                listing = fs.find(root, detail=True)
                root_dir = root.rstrip("/")
        except FileNotFoundError:
            yield Problem(self.url, "no such object or prefix", "missing")
            return
        except Exception as exc:  # credentials, network, unknown protocol: say so, scan nothing
            yield Problem(self.url, f"cannot list: {type(exc).__name__}: {exc}", "unreadable")
            return
        rules = filesystem.IgnoreRules(self.ignore)
        for path in sorted(listing):
            info = listing[path]
            if info.get("type", "file") != "file":
                continue
            rel = path[len(root_dir) :].lstrip("/") if path.startswith(root_dir) else path
            if rules and rules.ignored(rel, False):
                continue
            display = fs.unstrip_protocol(path)
            yield Ref(display, display, int(info.get("size") or 0), FSSPEC, _mtime_ns(info), _etag(info))

    def documents(self) -> Iterator[Document | Problem]:
        for ref in self.refs():
            yield (
                ref if isinstance(ref, Problem) else protocol.open_ref(ref, self.limits, self.storage_options)
            )


def open_fsspec(ref: Ref, limits: Limits, options: Mapping[str, Any]) -> Document | Problem:
    """Read one object (at most the size limit + 1 byte) into a Document. Never raises."""
    cap = max(limits.max_file_bytes, limits.max_text_file_bytes)
    try:
        fs, path = _fs(ref.uri, options)
        with fs.open(path, "rb") as fh:
            data = fh.read(cap + 1)
    except FileNotFoundError:
        return Problem(ref.display, "file vanished while being read", "unreadable")
    except Exception as exc:
        return Problem(ref.display, f"cannot read file: {type(exc).__name__}", "unreadable")
    doc = document_from_bytes(data, ref.display)
    limit = limits.max_text_file_bytes if doc.media_type in formats.STREAMED_TEXT else limits.max_file_bytes
    if doc.size > limit:
        return Problem(
            ref.display,
            f"file is {doc.size:,} bytes, over the limit of {limit:,} bytes for {doc.media_type}",
            "limit",
            doc.size,
        )
    return doc
