"""Bounded readers for hostile input: zip containers and XML. Shared by sources and extractors.

Every limit comes from ``config.schema.Limits``; breaking one raises ``model.Unscannable`` with a
plain reason, so the file fails closed instead of exhausting memory or time.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO, Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from clearance.config.schema import Limits
from clearance.model import Unscannable

_READ_CHUNK = 1 << 20


class SafeZip:
    """A zip archive whose members are read within size, ratio and count limits.

    Declared sizes in a zip header can lie, so ``read`` counts the bytes actually inflated.
    """

    def __init__(self, fileobj: IO[bytes], limits: Limits, label: str = "archive") -> None:
        self.limits = limits
        self.label = label
        self._inflated = 0
        try:
            self.zf = zipfile.ZipFile(fileobj)
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise Unscannable(f"{label} is corrupt or truncated ({exc})", "corrupt") from None
        if len(infos) > limits.max_members:
            raise Unscannable(
                f"{label} has {len(infos):,} members, over the limit of {limits.max_members:,}", "limit"
            )
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_uncompressed_bytes:
            raise Unscannable(
                f"{label} would inflate to {declared:,} bytes, over the limit of "
                f"{limits.max_uncompressed_bytes:,} (possible zip bomb)",
                "bomb",
            )
        self.infos = {i.filename: i for i in infos}
        for i in infos:
            if i.flag_bits & 0x1:
                raise Unscannable(f"{label} member '{i.filename}' is encrypted", "encrypted")
            ratio = i.file_size / max(i.compress_size, 1)
            # Tiny highly-compressible parts (empty XML) are normal; only large ones can be bombs.
            if i.compress_size and ratio > limits.max_compression_ratio and i.file_size > 1 << 20:
                raise Unscannable(
                    f"{label} member '{i.filename}' inflates {i.file_size / i.compress_size:,.0f}x "
                    f"(limit {limits.max_compression_ratio:,.0f}x; possible zip bomb)",
                    "bomb",
                )

    def names(self) -> list[str]:
        return list(self.infos)

    def has(self, name: str) -> bool:
        return name in self.infos

    def read(self, name: str) -> bytes:
        info = self.infos.get(name)
        if info is None:
            raise KeyError(name)
        cap = min(self.limits.max_member_bytes, self.limits.max_uncompressed_bytes - self._inflated)
        buf = io.BytesIO()
        try:
            with self.zf.open(info) as fh:
                while True:
                    chunk = fh.read(_READ_CHUNK)
                    if not chunk:
                        break
                    buf.write(chunk)
                    if buf.tell() > cap:
                        raise Unscannable(
                            f"{self.label} member '{name}' inflates past {cap:,} bytes (possible zip bomb)",
                            "bomb",
                        )
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise Unscannable(f"{self.label} member '{name}' is corrupt ({exc})", "corrupt") from None
        self._inflated += buf.tell()
        return buf.getvalue()

    def close(self) -> None:
        self.zf.close()


def parse_xml(data: bytes, label: str) -> Any:
    """Parse XML with entity expansion, external entities and DTDs refused (defusedxml)."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise Unscannable(
            f"{label}: XML declares entities or a DTD ({type(exc).__name__}); refused", "xml-attack"
        ) from None
    except SafeET.ParseError as exc:
        raise Unscannable(f"{label}: malformed XML ({exc})", "corrupt") from None


def local(tag: str) -> str:
    """Tag name without its namespace: '{ns}row' -> 'row'."""
    return tag.rsplit("}", 1)[-1]
