"""Zip, gzip and tar archives: every member becomes a child Document (visibility archive-member).

The pipeline scans children with the extractor their sniffed type selects, so nesting is
recursion; this extractor refuses input already ``max_depth`` levels deep, which ends zip quines
and "the same zip nested 10 deep" as unscannable instead of an endless loop.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from clearance import formats
from clearance.config.schema import Limits
from clearance.model import Document, Extracted, Location, Note, Unscannable, Visibility
from clearance.plugins import ExtractContext
from clearance.safety import SafeZip

# Inflate in 1 MiB steps so a bomb is caught within a megabyte of the cap.
READ_CHUNK = 1024 * 1024
# Below this much output the ratio check is skipped: a tiny file of zeros compresses 1000x and
# is harmless (same tolerance as SafeZip).
RATIO_GRACE_BYTES = 1024 * 1024


def safe_member_name(name: str) -> str:
    """A member name fit for display: no absolute paths, no '..', no control characters.

    The member is still scanned; only its label changes, so a report never points outside.
    """
    cleaned = "".join(c if c.isprintable() else "?" for c in name.replace("\\", "/"))
    parts = [p for p in cleaned.split("/") if p not in ("", ".")]
    if parts and len(parts[0]) == 2 and parts[0][1] == ":":  # Windows drive "C:"
        parts = parts[1:]
    parts = ["__" if p == ".." else p for p in parts]
    return "/".join(parts) or "(unnamed)"


def _check_depth(doc: Document, limits: Limits) -> None:
    if doc.depth >= limits.max_depth:
        raise Unscannable(
            f"archive nesting deeper than {limits.max_depth} levels (possible recursive archive)", "depth"
        )


def _child(doc: Document, member: str, data: bytes) -> Document:
    name = safe_member_name(member)
    return formats.document_from_bytes(
        data,
        f"{doc.path}!{name}",
        members=(*doc.members, name),
        depth=doc.depth + 1,
        visibility=Visibility.ARCHIVE_MEMBER,
    )


def _inflate_gzip(raw: BinaryIO, compressed_size: int, limits: Limits, label: str) -> bytes:
    """Decompress a gzip stream under a byte cap and a ratio limit."""
    cap = min(limits.max_member_bytes, limits.max_uncompressed_bytes)
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            while chunk := gz.read(READ_CHUNK):
                out.write(chunk)
                n = out.tell()
                if n > cap:
                    raise Unscannable(
                        f"{label} inflates past {cap:,} bytes (possible decompression bomb)", "bomb"
                    )
                if n > RATIO_GRACE_BYTES and n > limits.max_compression_ratio * max(compressed_size, 1):
                    raise Unscannable(
                        f"{label} inflates more than {limits.max_compression_ratio:,.0f}x "
                        "(possible decompression bomb)",
                        "bomb",
                    )
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as exc:
        raise Unscannable(f"{label} is corrupt or truncated ({type(exc).__name__})", "corrupt") from None
    return out.getvalue()


def _gzip_member_name(doc: Document) -> str:
    base = doc.path.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    for suffix in (".tgz", ".gz", ".gzip"):
        if base.lower().endswith(suffix):
            stem = base[: -len(suffix)]
            return stem + ".tar" if suffix == ".tgz" else stem or "(gzip content)"
    return "(gzip content)"


class ArchiveExtractor:
    """Zip, gzip (and tar inside gzip) members as child Documents."""

    name: ClassVar[str] = "archive"
    media_types: ClassVar[tuple[str, ...]] = (formats.ZIP, formats.GZIP, formats.TAR)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        _check_depth(doc, ctx.limits)
        if doc.media_type == formats.GZIP:
            yield from self._gzip(doc, ctx.limits)
        elif doc.media_type == formats.TAR:
            with doc.open() as fh:
                data = fh.read(min(ctx.limits.max_uncompressed_bytes, ctx.limits.max_file_bytes) + 1)
            yield from self._tar(doc, data, ctx.limits)
        else:
            yield from self._zip(doc, ctx.limits)

    def _zip(self, doc: Document, limits: Limits) -> Iterator[Extracted]:
        with doc.open() as fh:
            sz = SafeZip(fh, limits, label="zip archive")
            try:
                seen: set[str] = set()
                for info in sz.zf.infolist():
                    if info.is_dir():
                        continue
                    if info.filename in seen:
                        # SafeZip reads one member per name; the shadowed copy cannot be inspected.
                        yield Note(
                            code="duplicate-member",
                            message="the archive holds two members with the same name; one was not inspected",
                            location=Location(members=(*doc.members, safe_member_name(info.filename))),
                            visibility=Visibility.ARCHIVE_MEMBER,
                            blocking=True,
                        )
                        continue
                    seen.add(info.filename)
                    yield _child(doc, info.filename, sz.read(info.filename))
            finally:
                sz.close()

    def _gzip(self, doc: Document, limits: Limits) -> Iterator[Extracted]:
        with doc.open() as raw:
            data = _inflate_gzip(raw, doc.size, limits, "gzip stream")
        name = _gzip_member_name(doc)
        if formats.sniff(data[: formats.SNIFF_BYTES], name) == formats.TAR:
            yield from self._tar(doc, data, limits)
        else:
            yield _child(doc, name, data)

    def _tar(self, doc: Document, data: bytes, limits: Limits) -> Iterator[Extracted]:
        total = 0
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
                count = 0
                for member in tf:
                    count += 1
                    if count > limits.max_members:
                        raise Unscannable(
                            f"tar archive has more than {limits.max_members:,} members", "limit"
                        )
                    if not member.isreg():
                        continue  # directories, links and devices hold no bytes of their own
                    if member.size > limits.max_member_bytes:
                        raise Unscannable(
                            f"tar member is {member.size:,} bytes, over the limit of "
                            f"{limits.max_member_bytes:,}",
                            "limit",
                        )
                    total += member.size
                    if total > limits.max_uncompressed_bytes:
                        raise Unscannable(
                            f"tar archive holds more than {limits.max_uncompressed_bytes:,} bytes", "limit"
                        )
                    fh = tf.extractfile(member)
                    if fh is None:
                        continue
                    yield _child(doc, member.name, fh.read(member.size))
                # tarfile stops quietly at a bad header after the first member: only the
                # end-of-archive zero block means every member was seen.
                if data[tf.offset : tf.offset + tarfile.BLOCKSIZE] != bytes(tarfile.BLOCKSIZE):
                    raise tarfile.ReadError("a header is damaged or the archive is cut short")
        except (tarfile.TarError, EOFError, OSError) as exc:
            reason = f"tar archive is corrupt or truncated ({type(exc).__name__})"
            raise Unscannable(reason, "corrupt") from None
