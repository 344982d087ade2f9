"""Editing an Office Open XML package in place: parts, relationships, content types.

Shared by the Word and PowerPoint writers. XML is parsed with lxml (prefixes survive a round
trip, which Office needs: ``mc:Ignorable`` names prefixes) with entities, DTDs and the network
switched off; a part with a DOCTYPE is refused. Dropping a part removes it everywhere it is
known: the zip, ``[Content_Types].xml``, every relationship that targets it, and every element
that points at such a relationship (``r:id``, ``r:embed``...), so the output stays consistent.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from typing import Any

from clearance.actions.sanitize.base import CannotSanitize

CT = "[Content_Types].xml"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# Total inflated size we are willing to rewrite in memory (the scan enforces tighter limits).
MAX_PACKAGE_BYTES = 1 << 30


def local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parser() -> Any:
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse(data: bytes, name: str) -> Any:
    from lxml import etree

    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
        raise CannotSanitize(f"part '{name}' declares a DTD; refused")
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        raise CannotSanitize(f"part '{name}' is not well-formed XML") from None


def attr(el: Any, name: str) -> str | None:
    for k, v in el.attrib.items():
        if local(k) == name:
            return v
    return None


def rel_attrs(el: Any) -> list[str]:
    """Attribute names of ``el`` in the relationships namespace (r:id, r:embed, r:link...)."""
    return [k for k in el.attrib if k.startswith(f"{{{R_NS}}}")]


class Package:
    """An OOXML package held in memory; XML parts parsed on demand and written back on save."""

    def __init__(self, data: bytes) -> None:
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_PACKAGE_BYTES:
                raise CannotSanitize("package too large to rewrite")
            self.parts: dict[str, bytes] = {i.filename: zf.read(i) for i in infos if not i.is_dir()}
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise CannotSanitize(f"not a readable package ({type(exc).__name__})") from None
        self._xml: dict[str, Any] = {}
        if CT not in self.parts:
            raise CannotSanitize("package has no [Content_Types].xml")

    # --- parts ---------------------------------------------------------------------------

    def names(self) -> list[str]:
        return list(self.parts)

    def has(self, name: str) -> bool:
        return name in self.parts

    def xml(self, name: str) -> Any:
        if name not in self._xml:
            self._xml[name] = parse(self.parts[name], name)
        return self._xml[name]

    def set_xml(self, name: str, root: Any) -> None:
        self._xml[name] = root
        self.parts.setdefault(name, b"")

    # --- relationships -------------------------------------------------------------------

    @staticmethod
    def rels_name(source: str) -> str:
        folder, base = posixpath.split(source)
        return posixpath.join(folder, "_rels", f"{base}.rels")

    @staticmethod
    def source_of(rels_name: str) -> str:
        folder = posixpath.dirname(posixpath.dirname(rels_name))
        return posixpath.join(folder, posixpath.basename(rels_name)[: -len(".rels")])

    def rels(self, source: str) -> list[Any]:
        name = self.rels_name(source)
        if name not in self.parts:
            return []
        return [r for r in self.xml(name) if local(r.tag) == "Relationship"]

    def target(self, source: str, rel: Any) -> str | None:
        """Part name a relationship points at (None for external targets)."""
        if attr(rel, "TargetMode") == "External":
            return None
        t = attr(rel, "Target") or ""
        if t.startswith("/"):
            return posixpath.normpath(t[1:])
        return posixpath.normpath(posixpath.join(posixpath.dirname(source), t))

    def related(self, source: str, type_suffix: str) -> list[str]:
        """Targets of the source's relationships whose type ends with ``/type_suffix``."""
        out = []
        for r in self.rels(source):
            if (attr(r, "Type") or "").rsplit("/", 1)[-1] == type_suffix:
                t = self.target(source, r)
                if t and t in self.parts:
                    out.append(t)
        return out

    def rel_sources(self) -> Iterator[str]:
        for name in list(self.parts):
            if name.endswith(".rels"):
                yield name

    # --- dropping -------------------------------------------------------------------------

    def drop(self, name: str) -> bool:
        """Remove a part and every reference to it. True if it was there."""
        if name not in self.parts:
            return False
        del self.parts[name]
        self._xml.pop(name, None)
        own = self.rels_name(name)
        self.parts.pop(own, None)
        self._xml.pop(own, None)
        ct = self.xml(CT)
        for o in list(ct):
            if local(o.tag) == "Override" and (attr(o, "PartName") or "").lstrip("/") == name:
                ct.remove(o)
        for rels_name in list(self.rel_sources()):
            source = self.source_of(rels_name)
            for r in self.rels(source):
                if self.target(source, r) == name:
                    self.unlink(source, r)
        return True

    def unlink(self, source: str, rel: Any) -> None:
        """Remove one relationship and the elements of ``source`` that point through it."""
        rid = attr(rel, "Id")
        rel.getparent().remove(rel)
        if source in self.parts and source.endswith(".xml") and rid:
            root = self.xml(source)
            for el in list(root.iter()):
                if any(el.get(k) == rid for k in rel_attrs(el)):
                    parent = el.getparent()
                    if parent is not None:
                        parent.remove(el)

    def drop_matching(self, pred: Any) -> list[str]:
        dropped = [n for n in list(self.parts) if pred(n) and n != CT]
        for n in dropped:
            self.drop(n)
        return dropped

    # --- writing --------------------------------------------------------------------------

    def save(self) -> bytes:
        from lxml import etree

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            # [Content_Types].xml first, as Office writes it.
            for name in [CT, *[n for n in self.parts if n != CT]]:
                if name in self._xml:
                    data = etree.tostring(
                        self._xml[name], xml_declaration=True, encoding="UTF-8", standalone=True
                    )
                else:
                    data = self.parts[name]
                z.writestr(name, data)
        return buf.getvalue()


def clear_alt_text(root: Any) -> int:
    """Empty ``descr``/``title`` of drawing properties and VML ``alt``/``o:title``."""
    n = 0
    for el in root.iter():
        if local(el.tag) not in ("docPr", "cNvPr", "shape", "imagedata", "rect", "roundrect", "oval"):
            continue
        for k in list(el.attrib):
            if local(k) in ("descr", "title", "alt") and (el.get(k) or "").strip():
                del el.attrib[k]
                n += 1
    return n


def strip_properties(pkg: Package, fields: set[str] | None) -> int:
    """Clear docProps/core and app personal fields; drop docProps/custom. ``fields`` None = all."""
    n = 0
    core = "docProps/core.xml"
    if pkg.has(core):
        root = pkg.xml(core)
        for el in list(root):
            if local(el.tag) in ("created", "modified"):
                continue
            if fields is None or local(el.tag) in fields or not fields:
                if (el.text or "").strip() or len(el):
                    n += 1
                root.remove(el)
    app = "docProps/app.xml"
    if pkg.has(app):
        root = pkg.xml(app)
        for el in list(root):
            if local(el.tag) in ("Company", "Manager", "HyperlinkBase", "TitlesOfParts", "HeadingPairs"):
                if local(el.tag) in ("Company", "Manager", "HyperlinkBase"):
                    n += 1 if (el.text or "").strip() else 0
                root.remove(el)
    if pkg.drop("docProps/custom.xml"):
        n += 1
    return n


def drop_custom_xml(pkg: Package) -> int:
    return len(pkg.drop_matching(lambda n: n.lower().startswith("customxml/") and not n.endswith(".rels")))
