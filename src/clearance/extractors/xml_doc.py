"""XML documents: repeated records as Tables, every other text node and attribute as a Segment.

Parsed with defusedxml and DTDs refused (a DTD is how XML smuggles entity expansion and
external entities: billion laughs, XXE), exactly like ``safety.parse_xml``, but with a tree
builder that keeps comments and processing instructions, which a reader of the rendered data
never sees and which often hold notes about people.

Records: sibling elements with the same tag (at least ``MIN_TABLE_ROWS``) whose content is
fields (child elements, attributes, nested one or more levels) become one Table whose header
is the ordered union of field names (``name``, ``@id``, ``address.city``). Repeated leaves
(``<name>Ana</name><name>Luis</name>``) become a one-column Table named after the tag. The walk
is iterative: a document nested 100,000 levels deep costs a list, not the C stack.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, ClassVar

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from clearance import formats
from clearance.extractors.text import MAX_SEGMENT_CHARS
from clearance.model import Document, Extracted, Location, Segment, Table, Unscannable, Visibility
from clearance.plugins import ExtractContext
from clearance.safety import local

# XML is parsed whole (ElementTree); larger files are refused rather than half-read.
MAX_XML_BYTES = 256 * 1024 * 1024
# Siblings needed before repeated elements are read as a table of records.
MIN_TABLE_ROWS = 2
# A record with more fields than this is a document, not a row.
MAX_RECORD_FIELDS = 500
# Record fields are flattened this many levels below the record element.
MAX_RECORD_DEPTH = 8
# A path names at most this many elements (the innermost ones); longer ones start with "…".
MAX_PATH_PARTS = 12

# Comments before the root element are looked for in this much of the file.
PROLOG_BYTES = 1024 * 1024

_COMMENT_RE = re.compile(rb"<!--(.*?)-->", re.S)
_ROOT_START = re.compile(rb"<(?![?!])")
_COMMENT = ET.Comment
_PI = ET.ProcessingInstruction


def parse(data: bytes, label: str) -> Any:
    """Parse with DTDs, entities and external references refused; comments and PIs kept."""
    try:
        parser = SafeET.DefusedXMLParser(
            target=ET.TreeBuilder(insert_comments=True, insert_pis=True), forbid_dtd=True
        )
        parser.feed(data)
        return parser.close()
    except DefusedXmlException as exc:
        raise Unscannable(
            f"{label}: XML declares entities or a DTD ({type(exc).__name__}); refused", "xml-attack"
        ) from None
    except ET.ParseError as exc:
        raise Unscannable(f"{label}: malformed XML ({exc})", "corrupt") from None
    except RecursionError:
        raise Unscannable(f"{label}: XML nested too deeply", "limit") from None


def _name(elem: Any) -> str:
    return local(elem.tag) if isinstance(elem.tag, str) else ""


def _is_element(elem: Any) -> bool:
    return isinstance(elem.tag, str)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value[:MAX_SEGMENT_CHARS] if value else None


def _fields(elem: Any) -> dict[str, str | None] | None:
    """A record's fields (attributes, descendants' text), or None when it is not a flat record."""
    out: dict[str, str | None] = {}
    stack: list[tuple[Any, str, int]] = [(elem, "", 0)]
    while stack:
        node, prefix, depth = stack.pop()
        if depth > MAX_RECORD_DEPTH:
            return None
        for k, v in node.attrib.items():
            out[_unique(out, f"{prefix}@{local(k)}")] = _text(v)
        kids = [c for c in node if _is_element(c)]
        text = _text(node.text)
        if node is elem:
            if text and kids:
                return None  # mixed content: prose, not a record
            if not kids:
                out[_unique(out, _name(elem))] = text
        elif kids:
            if text:
                out[_unique(out, prefix.rstrip("."))] = text
        else:
            out[_unique(out, prefix.rstrip("."))] = text
        for child in reversed(kids):
            stack.append((child, f"{prefix}{_name(child)}.", depth + 1))
        if len(out) > MAX_RECORD_FIELDS:
            return None
    return out


def _unique(out: dict[str, Any], key: str) -> str:
    if key not in out:
        return key
    n = 2
    while f"{key}[{n}]" in out:
        n += 1
    return f"{key}[{n}]"


def _all_text(elem: Any) -> str:
    """Text of an element and its descendants in document order (iterative, comments skipped)."""
    out: list[str] = []
    size = 0
    stack: list[tuple[Any, bool]] = [(elem, False)]
    while stack and size <= MAX_SEGMENT_CHARS:
        node, tail = stack.pop()
        piece = node.tail if tail else (node.text if _is_element(node) else None)
        if piece:
            out.append(piece)
            size += len(piece)
        if not tail:
            for child in reversed(list(node)):
                stack.append((child, True))
                stack.append((child, False))
    return " ".join("".join(out).split())[:MAX_SEGMENT_CHARS]


def _mixed(elem: Any) -> bool:
    """An element with text next to child elements (``<p>Call <b>Eva</b> today</p>``): prose."""
    kids = list(elem)
    if not kids:
        return False
    if elem.text and elem.text.strip():
        return True
    return any(c.tail and c.tail.strip() for c in kids)


def _prolog_comments(data: bytes) -> list[str]:
    """Comments before the root element (the tree builder keeps only those inside it)."""
    head = data[:PROLOG_BYTES]
    m = _ROOT_START.search(head)
    if m is not None:
        head = head[: m.start()]
    return [c.decode("utf-8", "replace") for c in _COMMENT_RE.findall(head)]


def _path(parts: tuple[str, ...], trunc: bool) -> str:
    return ("/…/" if trunc else "/") + "/".join(parts)


class XmlExtractor:
    """XML files: record lists as Tables, other text and attributes as Segments."""

    name: ClassVar[str] = "xml"
    media_types: ClassVar[tuple[str, ...]] = (formats.XML,)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        if doc.size == 0:
            return
        if doc.size > MAX_XML_BYTES:
            raise Unscannable(f"XML over {MAX_XML_BYTES:,} bytes is not parsed", "limit")
        with doc.open() as fh:
            data = fh.read(MAX_XML_BYTES + 1)
        if len(data) > MAX_XML_BYTES:
            raise Unscannable(f"XML over {MAX_XML_BYTES:,} bytes is not parsed", "limit")
        root = parse(data, "XML document")
        for comment in _prolog_comments(data):
            yield from self._segment(doc, comment, "/comment()", Visibility.COMMENT, "comment")
        yield from self._walk(doc, root, ctx.limits.chunk_rows)

    def _segment(
        self,
        doc: Document,
        text: str | None,
        field: str,
        vis: Visibility = Visibility.VISIBLE,
        role: str = "text",
    ) -> Iterator[Segment]:
        text = _text(text)
        if text:
            yield Segment(
                text=text,
                location=Location(field=field, members=doc.members),
                visibility=vis,
                context=(field,),
                role=role,
            )

    def _walk(self, doc: Document, root: Any, chunk_rows: int) -> Iterator[Extracted]:
        # quiet: inside a mixed-content element whose text was already read as one Segment
        stack: list[tuple[Any, tuple[str, ...], bool, bool]] = [(root, (_name(root),), False, False)]
        while stack:
            elem, parts, trunc, quiet = stack.pop()
            path = _path(parts, trunc)
            for k, v in elem.attrib.items():
                yield from self._segment(doc, v, f"{path}/@{local(k)}")
            if not quiet and _mixed(elem):
                yield from self._segment(doc, _all_text(elem), path)
                quiet_kids = True
            else:
                quiet_kids = quiet
                if not quiet:
                    yield from self._segment(doc, elem.text, path)
            children = list(elem)
            groups: dict[str, list[Any]] = {}
            for child in children:
                if _is_element(child):
                    groups.setdefault(_name(child), []).append(child)
            tabled: set[int] = set()
            for tag, group in groups.items():
                if len(group) < MIN_TABLE_ROWS:
                    continue
                records = [_fields(c) for c in group]
                if any(r is None or not r for r in records):
                    continue
                tabled.update(id(c) for c in group)
                yield from self._table(doc, f"{path}/{tag}", records, chunk_rows)  # type: ignore[arg-type]
            seen: dict[str, int] = {}
            pending: list[tuple[Any, tuple[str, ...], bool, bool]] = []
            for child in children:
                if child.tag is _COMMENT:
                    yield from self._segment(
                        doc, child.text, f"{path}/comment()", Visibility.COMMENT, "comment"
                    )
                elif child.tag is _PI:
                    yield from self._segment(
                        doc, child.text, f"{path}/processing-instruction()", Visibility.COMMENT, "comment"
                    )
                elif id(child) not in tabled:
                    tag = _name(child)
                    seen[tag] = seen.get(tag, 0) + 1
                    me = tag if len(groups.get(tag, ())) == 1 else f"{tag}[{seen[tag]}]"
                    sub = (*parts, me)
                    pending.append(
                        (child, sub[-MAX_PATH_PARTS:], trunc or len(sub) > MAX_PATH_PARTS, quiet_kids)
                    )
                if not quiet_kids:
                    yield from self._segment(doc, child.tail, path)
            stack.extend(reversed(pending))

    def _table(
        self, doc: Document, field: str, records: list[dict[str, str | None]], chunk_rows: int
    ) -> Iterator[Table]:
        header: dict[str, None] = {}
        for rec in records:
            for k in rec:
                header.setdefault(k)
        cols = list(header)
        step = max(1, chunk_rows)
        n_chunks = max(1, -(-len(records) // step))
        for i in range(n_chunks):
            part = records[i * step : (i + 1) * step]
            yield Table(
                key=f"xml:{field}",
                location=Location(field=field, members=doc.members),
                header=tuple(cols),
                rows=[[r.get(c) for c in cols] for r in part],
                first_row=i * step + 1,
                header_row=None,
                chunk=i,
                last_chunk=i == n_chunks - 1,
                role="xml",
            )
