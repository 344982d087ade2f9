"""An OOXML package read through ``safety.SafeZip``: guarded part reads, relationships, parsing.

Every part is inflated within the configured limits and refused if it declares a DTD or
entities, before any parser (ours or calamine's) sees it.
"""

from __future__ import annotations

import posixpath
import xml.parsers.expat
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from clearance.config.schema import Limits
from clearance.model import Unscannable
from clearance.safety import SafeZip, local, parse_xml

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_WHITESPACE = b" \t\r\n\xef\xbb\xbf"  # and the UTF-8 BOM


def declares_dtd(data: bytes) -> bool:
    """True if the XML prolog holds a DOCTYPE (the only place entities can be declared).

    Walks the prolog only (declaration, comments, processing instructions), so the cost does not
    grow with the document.
    """
    pos, n = 0, len(data)
    while pos < n:
        while pos < n and data[pos] in _WHITESPACE:
            pos += 1
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos)
            pos = n if end < 0 else end + 2
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos)
            pos = n if end < 0 else end + 3
        else:
            return data.startswith(b"<!", pos)
    return False


def refuse_dtd(data: bytes, label: str) -> None:
    """Raise Unscannable if XML bytes declare a DTD or entities (billion laughs, XXE)."""
    head = data[:4]
    if head[:2] in _UTF16_BOMS or b"\x00" in head:
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise Unscannable(f"{label}: undecodable XML", "corrupt") from None
        found = "<!DOCTYPE" in text or "<!ENTITY" in text
    else:
        found = declares_dtd(data)
    if found:
        raise Unscannable(f"{label}: XML declares entities or a DTD; refused", "xml-attack")


def expat_walk(
    data: bytes,
    label: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
    chars: Callable[[str], None] | None = None,
) -> None:
    """Stream XML through expat (no namespace processing, so prefixes need no declarations)."""

    def no_dtd(*_: Any) -> None:
        raise Unscannable(f"{label}: XML declares entities or a DTD; refused", "xml-attack")

    p = xml.parsers.expat.ParserCreate()
    p.StartDoctypeDeclHandler = no_dtd
    p.EntityDeclHandler = no_dtd
    p.buffer_text = True
    p.StartElementHandler = start
    if end is not None:
        p.EndElementHandler = end
    if chars is not None:
        p.CharacterDataHandler = chars
    try:
        p.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise Unscannable(f"{label}: malformed XML ({exc})", "corrupt") from None


def check_well_formed(data: bytes, label: str) -> None:
    """Raise Unscannable unless ``data`` is well-formed XML.

    calamine's reader is lenient: it skips a broken tag, or stops at a cut-off part, without an
    error, and the cells there are silently lost. Expat without handlers costs little next to it.
    """
    try:
        xml.parsers.expat.ParserCreate().Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise Unscannable(f"{label}: malformed XML ({exc})", "corrupt") from None


@dataclass(frozen=True)
class Rel:
    id: str
    type: str  # last path segment of the relationship type, e.g. "worksheet", "comments"
    target: str  # part name inside the package, or the raw target when external
    external: bool


class Package:
    """Case-insensitive part access with limits; parts are read at most once."""

    def __init__(self, fileobj: IO[bytes], limits: Limits, label: str) -> None:
        self.zip = SafeZip(fileobj, limits, label=label)
        self.label = label
        self._names = {n.lstrip("/").replace("\\", "/").lower(): n for n in self.zip.names()}
        self._cache: dict[str, bytes] = {}

    def names(self) -> list[str]:
        """Part names as stored, without a leading '/'."""
        return sorted(n.lstrip("/").replace("\\", "/") for n in self._names.values())

    def has(self, name: str) -> bool:
        return name.lower() in self._names

    def read(self, name: str) -> bytes:
        key = name.lower()
        if key not in self._cache:
            data = self.zip.read(self._names[key])
            if key.endswith((".xml", ".rels", ".vml")):
                refuse_dtd(data, f"{self.label}: part '{name}'")
            self._cache[key] = data
        return self._cache[key]

    def forget(self, name: str) -> None:
        self._cache.pop(name.lower(), None)

    def xml(self, name: str) -> Any | None:
        """Parsed root of a part (defusedxml), or None when the part is absent."""
        if not self.has(name):
            return None
        return parse_xml(self.read(name), f"{self.label}: part '{name}'")

    def rels(self, part: str) -> list[Rel]:
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        if root is None:
            return []
        out = []
        for r in root:
            if local(r.tag) != "Relationship":
                continue
            target = r.get("Target", "")
            external = r.get("TargetMode") == "External"
            if not external:
                target = (
                    target.lstrip("/")
                    if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target))
                )
                target = self._names.get(target.lower(), target).lstrip("/")
            out.append(Rel(r.get("Id", ""), r.get("Type", "").rsplit("/", 1)[-1], target, external))
        return out
