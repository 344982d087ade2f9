"""What Word, PowerPoint and OpenDocument text share: opening the package, runs of text with their
visibility, alt text, document properties, custom XML, SmartArt and chart text, embedded files,
macros, external links.

``docx``, ``pptx`` and ``odf_text`` build on these; none of them knows about the others. Every part
is read through ``xlsx_package.Package`` (``safety.SafeZip`` limits, DTD/entity refusal).
"""

from __future__ import annotations

import io
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from clearance import formats
from clearance.extractors import xlsx_parts
from clearance.extractors.embedded import embedded_file
from clearance.extractors.xlsx_package import Package
from clearance.extractors.xlsx_tables import grid_tables
from clearance.model import Document, Extracted, Location, Note, Segment, Unscannable, Visibility
from clearance.plugins import ExtractContext
from clearance.safety import local

_CUSTOM_XML_PART = re.compile(r"^customxml/item\d*\.xml$", re.I)
_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple[Any, ...]:
    """'slide10.xml' after 'slide9.xml'."""
    return tuple(int(t) if t.isdigit() else t.lower() for t in _DIGITS.split(name))


def attr(el: Any, name: str, default: str | None = None) -> str | None:
    """An attribute by local name, whatever its namespace prefix ('w:val', 'val', '{ns}val')."""
    for k, v in el.attrib.items():
        if k == name or k.rsplit("}", 1)[-1] == name or k.rsplit(":", 1)[-1] == name:
            return v
    return default


def rel_id(el: Any) -> str:
    """The ``r:id`` of an element (not its plain ``id``): the relationship it points through."""
    for k, v in el.attrib.items():
        if k == "r:id" or (k.startswith("{") and k.endswith("}id") and "relationships" in k):
            return v
    return ""


def child(el: Any, name: str) -> Any | None:
    return next((c for c in el if local(c.tag) == name), None)


def open_package(doc: Document, ctx: ExtractContext, what: str) -> Package:
    """Read the document's bytes into a guarded ``Package``; refuse encrypted (CFB) files."""
    with doc.open() as fh:
        data = fh.read()
    if data.startswith(formats.CFB_MAGIC):
        raise Unscannable(f"{what} is encrypted (password-protected); it cannot be inspected", "encrypted")
    return Package(io.BytesIO(data), ctx.limits, label=f"{what} '{doc.path}'")


def guarded(run: Callable[[], Iterator[Extracted]], pkg: Package, what: str) -> Iterator[Extracted]:
    """Run an extraction; any unforeseen failure fails closed, without values in the message."""
    try:
        yield from run()
    except Unscannable:
        raise
    except Exception as exc:  # a malformed part we did not foresee
        raise Unscannable(f"{what} could not be read ({type(exc).__name__})", "corrupt") from None
    finally:
        pkg.zip.close()


def main_part(pkg: Package, default: str, what: str) -> str:
    """The package's main part from its root relationships, else the conventional name."""
    office = [r.target for r in pkg.rels("") if r.type == "officeDocument" and not r.external]
    part = office[0] if office and pkg.has(office[0]) else default
    if not pkg.has(part):
        raise Unscannable(f"not a valid {what} (no {default})", "corrupt")
    return part


# --- runs of text with their visibility ----------------------------------------------------------


@dataclass
class Pieces:
    """The text of one paragraph, kept apart by visibility.

    Adjacent runs with the same visibility and kind join (a name split over runs stays whole);
    ``kind`` keeps a deletion apart from the insertion that replaced it.
    """

    items: list[list[Any]] = field(default_factory=list)  # [kind, visibility, text]

    def add(self, text: str, vis: Visibility = Visibility.VISIBLE, kind: str = "") -> None:
        if not text:
            return
        if self.items and self.items[-1][0] == kind and self.items[-1][1] is vis:
            self.items[-1][2] += text
        else:
            self.items.append([kind, vis, text])

    @property
    def visible(self) -> str:
        return "".join(t for _, v, t in self.items if v is Visibility.VISIBLE)

    def hidden(self) -> list[tuple[str, Visibility, str]]:
        return [(k, v, t) for k, v, t in self.items if v is not Visibility.VISIBLE and t.strip()]


def emit(
    pieces: Pieces,
    loc: Callable[[str], Location],
    where: str,
    context: tuple[str, ...],
    role: str = "text",
    base: Visibility = Visibility.VISIBLE,
) -> Iterator[Segment]:
    """One Segment for the visible text and one per stretch of hidden/deleted text.

    ``base`` is what a reader sees of the whole part (a hidden slide, a comment): text visible
    within the part takes it.
    """
    text = pieces.visible
    if text.strip():
        yield Segment(text, loc(where), base, context, role)
    for kind, vis, t in pieces.hidden():
        yield Segment(t, loc(f"{where} ({kind})" if kind else where), vis, context, role)


def alt_text(
    el: Any, loc: Location, context: tuple[str, ...], seen: set[str] | None = None
) -> Iterator[Segment]:
    """Image/shape descriptions and titles (``descr``/``title``; VML ``alt``/``o:title``)."""
    for name in ("descr", "title", "alt"):
        value = attr(el, name)
        if value and value.strip() and (seen is None or value not in seen):
            if seen is not None:
                seen.add(value)
            yield Segment(value, loc, Visibility.ALT_TEXT, (*context, f"alt text ({name})"), "alt-text")


def walk_choice(el: Any) -> Iterator[Any]:
    """``el`` and its descendants in document order, reading only the first ``mc:Choice`` of each
    ``mc:AlternateContent`` (the fallback repeats the same content for older readers)."""
    yield el
    if local(el.tag) == "AlternateContent":
        branch = choose(el)
        if branch is not None:
            yield from walk_choice(branch)
        return
    for c in el:
        yield from walk_choice(c)


def choose(alt: Any) -> Any | None:
    """The branch of an ``mc:AlternateContent`` to read: its first Choice, else its Fallback."""
    return child(alt, "Choice") if child(alt, "Choice") is not None else child(alt, "Fallback")


def author_segment(name: str, loc: Location, what: str) -> Segment:
    return Segment(name, loc, Visibility.METADATA, (what,), "metadata-author")


def unique_authors(
    names: Iterable[tuple[str, str]], loc: Callable[[str], Location], what: str
) -> Iterator[Segment]:
    """One metadata-author Segment per distinct (name, field) author."""
    seen: set[str] = set()
    for name, where in names:
        if name and name.strip() and name not in seen:
            seen.add(name)
            yield author_segment(name, loc(where), what)


# --- package-wide parts ---------------------------------------------------------------------------


def properties(pkg: Package, members: tuple[str, ...], chunk_rows: int) -> Iterator[Segment]:
    """docProps/core, app and custom: the same fields as a workbook's."""
    yield from xlsx_parts.properties(pkg, xlsx_parts.Where(members, chunk_rows))


def custom_xml(pkg: Package, members: tuple[str, ...]) -> Iterator[Segment]:
    """customXml/item*.xml: data stores behind content controls and SharePoint columns (often
    names and emails of owners and approvers), invisible to a reader."""
    for name in pkg.names():
        if not _CUSTOM_XML_PART.match(name):
            continue
        root = pkg.xml(name)
        for el in root.iter():
            text = (el.text or "").strip()
            if text and not len(el):
                yield Segment(
                    text,
                    Location(part=name, field=local(el.tag), members=members),
                    Visibility.METADATA,
                    (f"custom XML {local(el.tag)}",),
                    "metadata",
                )


def external_links(pkg: Package, members: tuple[str, ...]) -> Iterator[Extracted]:
    """Relationships that point outside the package. Hyperlink targets (a ``mailto:`` behind a
    word) are scanned as text; other targets (attached template, linked image, linked object) are
    noted: their content is not in the file, but the path itself often names a person."""
    for name in pkg.names():
        if not name.lower().endswith(".rels"):
            continue
        folder = posixpath.dirname(posixpath.dirname(name))
        source = posixpath.join(folder, posixpath.basename(name)[: -len(".rels")])
        for rel in pkg.rels(source):
            if not rel.external or not rel.target.strip():
                continue
            loc = Location(part=source, field=f"relationship {rel.id}", members=members)
            if rel.type == "hyperlink":
                yield Segment(rel.target, loc, Visibility.VISIBLE, ("hyperlink target",), "hyperlink")
                continue
            yield Note(
                "external-link",
                f"part '{source}' links to an external {rel.type or 'resource'}; "
                "its content is not in the file",
                loc,
                Visibility.EXTERNAL_LINK,
                False,
            )
            yield Segment(
                rel.target, loc, Visibility.EXTERNAL_LINK, (f"external {rel.type} target",), "metadata"
            )


def macros(pkg: Package, members: tuple[str, ...]) -> Iterator[Note]:
    for name in pkg.names():
        if name.lower().endswith("vbaproject.bin"):
            yield Note("macro", "the document contains VBA macros", Location(part=name, members=members))


def embeddings(pkg: Package, folder: str, parent: Document, max_depth: int) -> Iterator[Extracted]:
    """Every file under ``<folder>/embeddings/`` (OLE objects, workbooks behind charts)."""
    prefix = f"{folder}/embeddings/".lower()
    for name in sorted(pkg.names(), key=natural_key):
        if name.lower().startswith(prefix) and not name.endswith("/"):
            yield from embedded_file(pkg, name, parent, max_depth)


_DIAGRAM_DATA = re.compile(r"^[^/]+/diagrams/data\d*\.xml$", re.I)
_CHART = re.compile(r"^[^/]+/charts/chart\d*\.xml$", re.I)


def diagrams(pkg: Package, members: tuple[str, ...]) -> Iterator[Segment]:
    """SmartArt text: shown on the page, but stored in its own part (``*/diagrams/data*.xml``)."""
    for name in sorted(pkg.names(), key=natural_key):
        if not _DIAGRAM_DATA.match(name):
            continue
        k = 0
        for el in pkg.xml(name).iter():
            if local(el.tag) != "p":
                continue
            text = "".join(t.text or "" for t in el.iter() if local(t.tag) == "t")
            k += 1
            if text.strip():
                yield Segment(
                    text,
                    Location(part=name, field=f"diagram paragraph {k}", members=members),
                    Visibility.VISIBLE,
                    ("diagram",),
                )


def charts(pkg: Package, members: tuple[str, ...], chunk_rows: int) -> Iterator[Extracted]:
    """Chart caches: category labels (a chart of individuals lists their names), series names and
    titles. The numbers are left out; the embedded workbook, when present, holds the source."""
    for name in sorted(pkg.names(), key=natural_key):
        if not _CHART.match(name):
            continue
        root = pkg.xml(name)
        seen: set[str] = set()
        for k, cat in enumerate((e for e in root.iter() if local(e.tag) == "cat"), 1):
            labels = [v.text for v in cat.iter() if local(v.tag) == "v" and v.text]
            key = "\n".join(labels)
            if not labels or key in seen:  # every series repeats the same categories
                continue
            seen.add(key)
            yield from grid_tables(
                [[v] for v in labels],
                key=f"{name}#cat{k}",
                location=Location(part=name, field=f"chart categories {k}", members=members),
                first_row=1,
                first_column=1,
                chunk_rows=chunk_rows,
                role="chart",
                header_policy="none",
                context=("chart categories",),
            )
        for el in root.iter():
            tag = local(el.tag)
            if tag == "tx":
                texts = [v.text for v in el.iter() if local(v.tag) in ("v", "t") and v.text]
                what = "chart series name"
            elif tag == "title":
                texts = [t.text for t in el.iter() if local(t.tag) == "t" and t.text]
                what = "chart title"
            else:
                continue
            text = " ".join(texts)
            if text.strip() and text not in seen:
                seen.add(text)
                yield Segment(
                    text, Location(part=name, field=what, members=members), Visibility.VISIBLE, (what,)
                )


def package_extras(pkg: Package, folder: str, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
    """The parts every OOXML document may carry besides its text."""
    members = doc.members
    yield from diagrams(pkg, members)
    yield from charts(pkg, members, ctx.limits.chunk_rows)
    yield from embeddings(pkg, folder, doc, ctx.limits.max_depth)
    yield from macros(pkg, members)
    yield from external_links(pkg, members)
    yield from custom_xml(pkg, members)
    yield from properties(pkg, members, ctx.limits.chunk_rows)
