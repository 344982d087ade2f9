"""HTML pages: visible text by block, tables, and every place on a page a reader does not see.

Parsed with the standard library's event parser (``html.parser``): it is lenient with broken
markup, streams (the file is fed in chunks), and never recurses, so a page nested 100,000 levels
deep costs a list, not the C stack. On top of it a small tree builder keeps a stack of open
elements and applies the few implicit-close rules that matter for text (``<p>``, ``<li>``,
table cells).

What comes out:

* one ``Segment`` per block element (``<p>``, ``<li>``, ``<div>``...) with the nearest heading as
  context and ``Location.field`` a short CSS-like path (``body > div:nth-of-type(2) > p``). Paths
  use tag names and positions only: ids and classes can hold names and paths are reported;
* ``<table>`` as ``Table`` chunks (``<th>`` first row as header), hidden rows and cells marked;
* lists (``<li>`` items, or short blocks of one shape under a heading: ``text_lists``) as
  one-column ``Table``s (role "list", ``Location.field`` = "PATH (list)"), their items no longer
  read as prose;
* hidden content (``hidden``, inline styles that hide, ``aria-hidden``, ``<template>``,
  ``<noscript>``, hiding classes) as ``Visibility.HTML_HIDDEN``; comments as ``COMMENT``;
* attributes that carry text (alt, title, aria-label, placeholder, input values, ``data-*``)
  with ``field = "attr:NAME"`` and the element's path in ``Location.part``;
* ``<meta name=author|description|keywords...>`` as ``METADATA``;
* inline JSON (``<script type="application/json">``, JSON-LD, ``var x = {...}`` assignments);
* linked documents as one ``LinksNote``; URLs with query strings, mailto: and tel: as Segments;
* ``data:`` URLs and ``<iframe srcdoc>`` as child Documents (``EMBEDDED_FILE``).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import ClassVar
from urllib.parse import unquote, urlsplit

from clearance import formats
from clearance.extractors.archive import safe_member_name
from clearance.extractors.text import MAX_SEGMENT_CHARS, detect, json_extracted
from clearance.extractors.text_lists import ListRun, find_runs
from clearance.extractors.xlsx_tables import HEADER_PROBE_ROWS, HEADER_TEXT_SHARE, header_evidence, is_text
from clearance.model import (
    Document,
    Extracted,
    Location,
    Note,
    Segment,
    Table,
    Unscannable,
    Visibility,
)
from clearance.plugins import ExtractContext

# Bytes decoded and fed to the parser at a time; output is handed on after each chunk.
READ_CHUNK = 1024 * 1024
# Chromium's HTML tree builder stops nesting at 512 levels (kMaximumHTMLParserDOMTreeDepth) and
# adds deeper elements as siblings. We do the same: deeper elements keep their text and hiding,
# but no longer extend the path, and one Note says so.
MAX_DOM_DEPTH = 512
# A path names at most this many elements (the innermost ones); longer ones start with "… > ".
MAX_PATH_PARTS = 8
# Implicit closes (a new <li> closes the open one) look this far down the stack, no further: a
# hostile page cannot make each start tag walk 100,000 frames.
MAX_IMPLICIT_WALK = 64
# Inline script/JSON kept in memory for parsing; a larger inline JSON block is reported, not read.
MAX_SCRIPT_CHARS = 16 * 1024 * 1024
# JavaScript is not parsed; only "= {...}" / "= [...]" assignments are tried as JSON, this often.
MAX_JS_JSON_ATTEMPTS = 200
# Characters of one script read token by token as JavaScript literals (strict JSON is read by the
# C decoder and does not count); past it, the rest of the script gives its string literals only.
MAX_JS_LITERAL_CHARS = 4 * 1024 * 1024
# A heading used as context is cut to this length.
MAX_HEADING_CHARS = 200
# Links listed in the LinksNote (all are counted).
MAX_LINKS = 10_000
# The HTML standard clamps colspan to 1000.
MAX_COLSPAN = 1000
# A data: URL bigger than this is not decoded (a blocking Note says so).
MAX_DATA_URL_CHARS = 64 * 1024 * 1024

VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements whose start and end break text into a new Segment.
BLOCKS = (
    frozenset(
        [
            "address",
            "article",
            "aside",
            "blockquote",
            "body",
            "caption",
            "center",
            "dd",
            "details",
            "dialog",
            "div",
            "dl",
            "dt",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "form",
            "header",
            "hgroup",
            "html",
            "li",
            "main",
            "menu",
            "nav",
            "ol",
            "option",
            "p",
            "pre",
            "section",
            "summary",
            "table",
            "tbody",
            "td",
            "tfoot",
            "th",
            "thead",
            "title",
            "tr",
            "ul",
            "textarea",
            "select",
            "legend",
            "button",
            "label",
            "template",
            "noscript",
            "head",
        ]
    )
    | HEADINGS
)
# Start tags that close an open <p> (the HTML standard's list, shortened to block containers).
CLOSES_P = (
    frozenset(
        [
            "address",
            "article",
            "aside",
            "blockquote",
            "center",
            "details",
            "dialog",
            "div",
            "dl",
            "fieldset",
            "figcaption",
            "figure",
            "footer",
            "form",
            "header",
            "hgroup",
            "hr",
            "main",
            "menu",
            "nav",
            "ol",
            "p",
            "pre",
            "section",
            "table",
            "ul",
        ]
    )
    | HEADINGS
)
# Inline elements a <p> auto-close may look through.
INLINE = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "cite",
        "code",
        "data",
        "dfn",
        "em",
        "font",
        "i",
        "kbd",
        "mark",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "var",
    ]
)
# Classes that hide content in the common CSS frameworks (Bootstrap, Tailwind, WordPress...).
HIDING_CLASSES = frozenset(
    {
        "sr-only",
        "visually-hidden",
        "visuallyhidden",
        "screen-reader-text",
        "hidden",
        "d-none",
        "invisible",
        "is-hidden",
    }
)
# "d-none d-md-block" / "hidden md:block" show the element on larger screens: not hidden.
_RESPONSIVE_SHOW = re.compile(
    r"^(?:d-(?:sm|md|lg|xl|xxl)-|(?:sm|md|lg|xl|2xl):)"
    r"(?:block|inline|inline-block|flex|inline-flex|grid|inline-grid|table|table-cell|contents)$"
)
# Inline style declarations that hide an element (whitespace removed, lower case).
_HIDING_STYLE = re.compile(
    r"(?:^|;)(?:display:none|visibility:(?:hidden|collapse)"
    r"|font-size:0(?:\.0*)?(?:px|pt|em|rem|%)?(?:!important)?(?:;|$)"
    r"|opacity:0(?:\.0*)?%?(?:!important)?(?:;|$)"
    r"|(?:left|top|text-indent|margin-left):-\d{3,}(?:\.\d+)?(?:px|em|rem|pt)?(?:!important)?(?:;|$)"
    r"|clip:rect\(0(?:px)?,?0(?:px)?,?0(?:px)?,?0(?:px)?\)"
    r"|clip-path:inset\(50%\))"
)
_ZERO_BOX = re.compile(r"(?:^|;)(?:max-)?(?:height|width):0(?:px)?(?:!important)?(?:;|$)")
_OVERFLOW_HIDDEN = re.compile(r"(?:^|;)overflow:hidden")
# <script type> values that are JavaScript (an empty type is JavaScript too).
JS_TYPES = frozenset(
    {
        "",
        "text/javascript",
        "application/javascript",
        "module",
        "text/ecmascript",
        "application/ecmascript",
        "text/jscript",
        "application/x-javascript",
    }
)
# Meta names that hold no text about anyone.
META_SKIP = frozenset(
    {"viewport", "robots", "theme-color", "color-scheme", "format-detection", "referrer", "charset"}
)
META_AUTHOR = frozenset(
    {"author", "article:author", "dc.creator", "dcterms.creator", "creator", "twitter:creator", "og:author"}
)
# Elements whose URL attribute points at another document, and the attribute.
LINK_ATTRS = {
    "a": "href",
    "area": "href",
    "link": "href",
    "iframe": "src",
    "frame": "src",
    "embed": "src",
    "object": "data",
    "form": "action",
}
URL_ATTRS = frozenset({"href", "src", "data", "action", "formaction", "poster", "cite", "background"})
# Attributes shown as a tooltip or read by assistive technology: text a reader does not see.
ALT_ATTRS = frozenset({"alt", "title", "aria-label", "aria-description", "aria-placeholder"})
# Input types whose value is shown on the page.
SHOWN_VALUE_INPUTS = frozenset(
    {"", "text", "email", "tel", "search", "url", "number", "date", "submit", "button", "reset"}
)
# data: URL types that are pictures, sound or fonts: not decoded (counted in a Note).
_MEDIA_PREFIXES = ("image/", "audio/", "video/", "font/")
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_TAGS = re.compile(r"<[^>]*>")
_JS_ASSIGN = re.compile(r"=\s*(?=[\[{])")
# The tokens of a JavaScript object/array literal. Anything else ("other") makes the literal code
# rather than data: its string literals are then scanned as text instead.
_JS_TOKEN = re.compile(
    r"""(?P<ws>\s+|//[^\n]*|/\*.*?\*/)
    |(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\$]|\\.|\$(?!\{))*`)
    |(?P<num>-?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![\w$]))
    |(?P<ident>[A-Za-z_$][\w$]*)
    |(?P<punct>[{}\[\],:])
    |(?P<other>.)""",
    re.S | re.X,
)
_JS_STRING = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`""", re.S)
_JS_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|.)", re.S)
_JS_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_JS_ESCAPES.update({"\n": "", "\r": "", "\r\n": ""})  # a line continuation
_JS_CONSTANTS = {"true": "true", "false": "false", "null": "null", "undefined": "null", "NaN": "null"}


@dataclass(frozen=True)
class LinksNote(Note):
    """Documents a page links to (query strings and fragments removed), for a later watcher."""

    links: tuple[str, ...] = ()


class _Frame:
    """One open element."""

    __slots__ = (
        "cell",
        "children",
        "owner",
        "parts",
        "script",
        "script_buf",
        "script_len",
        "table",
        "tag",
        "trunc",
        "vis",
    )

    def __init__(self, tag: str, parts: tuple[str, ...], trunc: bool, vis: Visibility) -> None:
        self.tag = tag
        self.parts = parts
        self.trunc = trunc
        self.vis = vis
        self.owner: _Frame = self  # the block (or hiding element) whose Segment gets this text
        self.children: dict[str, int] | None = None
        self.cell: _Cell | None = None
        self.table: _TableBuilder | None = None
        self.script: str | None = None  # "js" | "json" | "template" | "style"
        self.script_buf: list[str] = []
        self.script_len = 0

    @property
    def path(self) -> str:
        joined = " > ".join(self.parts)
        return f"… > {joined}" if self.trunc else joined


def _clean(parts: Iterable[str], pre: bool = False) -> str:
    """Collapse HTML whitespace; keep line breaks that came from <br> (marked as "\\n")."""
    text = "".join(parts)
    if pre:
        return text.strip("\n")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


class _Cell:
    __slots__ = ("colspan", "is_th", "parts", "vis")

    def __init__(self, is_th: bool, colspan: int, vis: Visibility) -> None:
        self.is_th = is_th
        self.colspan = colspan
        self.vis = vis
        self.parts: list[str] = []


class _TableBuilder:
    """Rows of one <table>, emitted in chunks of ``chunk_rows`` (the last one flagged)."""

    def __init__(self, key: str, location: Location, vis: Visibility, chunk_rows: int) -> None:
        self.key = key
        self.location = location
        self.vis = vis
        self.chunk_rows = max(1, chunk_rows)
        self.header: tuple[str, ...] | None = None
        self.decided = False  # whether the first row (header or data) has been seen
        self.td_first = False  # the first row is of <td> cells: a header only if its cells look like labels
        self.rows: list[list[str | None]] = []
        self.row_vis: list[Visibility] = []
        self.cell_vis: dict[tuple[int, int], Visibility] = {}
        self.row: list[str | None] | None = None
        self.row_hidden_cells: list[int] = []
        self.row_all_th = True
        self.row_v = Visibility.VISIBLE
        self.cell: _Cell | None = None
        self.next_row = 1  # table row number of rows[0]
        self.chunk = 0
        self.pending: Table | None = None

    def start_row(self, vis: Visibility) -> Iterator[Table]:
        yield from self.end_row()
        self.row, self.row_hidden_cells, self.row_all_th, self.row_v = [], [], True, vis

    def start_cell(self, is_th: bool, colspan: int, vis: Visibility) -> Iterator[Table]:
        if self.row is None:
            yield from self.start_row(self.vis)
        self.end_cell()
        self.cell = _Cell(is_th, colspan, vis)

    def end_cell(self) -> None:
        cell, row = self.cell, self.row
        if cell is None or row is None:
            return
        self.cell = None
        text = _clean(cell.parts)[:MAX_SEGMENT_CHARS] or None
        if cell.vis is not self.row_v and cell.vis is not Visibility.VISIBLE:
            self.row_hidden_cells.extend(range(len(row), len(row) + cell.colspan))
        row.append(text)
        row.extend([None] * (cell.colspan - 1))
        self.row_all_th = self.row_all_th and cell.is_th

    def end_row(self) -> Iterator[Table]:
        self.end_cell()
        row = self.row
        self.row = None
        if not row:
            return
        if not self.decided:
            self.decided = True
            if self.row_all_th and any(row):
                self.header = tuple(v or "" for v in row)
                self.next_row = 2
                return
            self.td_first = True
        r = len(self.rows)
        self.rows.append(row)
        self.row_vis.append(self.row_v)
        for c in self.row_hidden_cells:
            self.cell_vis[(r, c)] = Visibility.HTML_HIDDEN
        if len(self.rows) >= self.chunk_rows:
            if self.pending is not None:
                yield self.pending
            self.pending = self._make(last=False)

    def _td_header(self) -> None:
        """Many pages write the header row with <td>: it is taken as the header when its cells
        are mostly text and look like labels over the rows below ("DOB" over dates)."""
        self.td_first = False
        rows = self.rows
        if len(rows) < 2:
            return
        values = [v for v in rows[0] if v and v.strip()]
        if not values or sum(1 for v in values if is_text(v)) / len(values) <= HEADER_TEXT_SHARE:
            return
        if header_evidence(rows[0], rows[1 : 1 + HEADER_PROBE_ROWS]) <= 0:
            return
        self.header = tuple(v or "" for v in rows[0])
        self.rows, self.row_vis = rows[1:], self.row_vis[1:]
        self.cell_vis = {(r - 1, c): v for (r, c), v in self.cell_vis.items() if r > 0}
        self.next_row += 1

    def _make(self, last: bool) -> Table:
        if self.td_first and self.chunk == 0:
            self._td_header()
        rows, row_vis, cells = self.rows, self.row_vis, self.cell_vis
        width = max([len(self.header or ()), *(len(r) for r in rows)])
        for r in rows:
            r.extend([None] * (width - len(r)))
        header = self.header
        if header is not None and len(header) < width:
            header = header + ("",) * (width - len(header))
        table = Table(
            key=self.key,
            location=self.location,
            header=header,
            rows=rows,
            first_row=self.next_row,
            header_row=1 if self.header is not None else None,
            visibility=self.vis,
            row_visibility=tuple(row_vis) if any(v is not Visibility.VISIBLE for v in row_vis) else (),
            cell_visibility=cells,
            chunk=self.chunk,
            last_chunk=last,
            role="html-table",
        )
        self.next_row += len(rows)
        self.chunk += 1
        self.rows, self.row_vis, self.cell_vis = [], [], {}
        return table

    def finish(self) -> Iterator[Table | Segment]:
        yield from self.end_row()
        if self.rows or (self.pending is None and self.header is not None):
            if self.pending is not None:
                yield self.pending
            if not self.rows and self.header is not None:
                # a lone header row is data: nothing says its cells are labels
                self.rows, self.row_vis = [list(self.header)], [self.vis]
                self.header, self.next_row = None, 1
            yield self._make(last=True)
        elif self.pending is not None:
            yield replace(self.pending, last_chunk=True)


def hides(tag: str, attrs: dict[str, str | None]) -> bool:
    """True when this element hides itself and everything inside it from a reader."""
    if not attrs:
        return tag in ("template", "noscript")
    if tag in ("template", "noscript") or "hidden" in attrs:
        return True
    if (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = attrs.get("style")
    if style:
        s = re.sub(r"\s+", "", style.lower())
        if _HIDING_STYLE.search(s) or (_ZERO_BOX.search(s) and _OVERFLOW_HIDDEN.search(s)):
            return True
    classes = (attrs.get("class") or "").split()
    if classes and HIDING_CLASSES.intersection(classes):
        return not any(_RESPONSIVE_SHOW.match(c) for c in classes)
    return False


def _data_url(url: str) -> tuple[str, bytes] | None:
    """(media type, bytes) of a data: URL, or None when it is malformed."""
    head, sep, payload = url[5:].partition(",")
    if not sep:
        return None
    params = head.split(";")
    media = params[0].strip().lower() or "text/plain"
    try:
        if "base64" in (p.strip().lower() for p in params[1:]):
            data = base64.b64decode(unquote(payload).strip() + "==", validate=False)
        else:
            data = unquote(payload).encode("utf-8", "surrogateescape")
    except (binascii.Error, ValueError):
        return None
    return media, data


class _Builder(HTMLParser):
    """Turns parser events into Segments, Tables, Notes and child Documents (``self.out``)."""

    def __init__(self, doc: Document, chunk_rows: int) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = doc
        self.members = doc.members
        self.chunk_rows = chunk_rows
        self.out: list[Extracted] = []
        root = _Frame("#root", (), False, Visibility.VISIBLE)
        self.stack: list[_Frame] = [root]
        self.open: Counter[str] = Counter()
        self.buf: list[str] = []
        self.buf_len = 0
        self.buf_owner: _Frame | None = None
        self.buf_vis = Visibility.VISIBLE
        self.heading = ""
        self.pre = 0
        self.flattened = 0
        self.tables = 0
        self.scripts = 0
        self.children = 0
        self.links: dict[str, None] = {}
        self.link_count = 0
        self.media_urls = 0

    # -- output helpers -------------------------------------------------------------------------
    def _context(self) -> tuple[str, ...]:
        return (self.heading,) if self.heading else ()

    def flush(self) -> None:
        owner = self.buf_owner
        if owner is None:
            return
        text = _clean(self.buf, pre=self.pre > 0)
        self.buf, self.buf_len, self.buf_owner = [], 0, None
        if not text:
            return
        self.out.append(
            Segment(
                text=text,
                location=Location(field=owner.path or owner.tag, members=self.members),
                visibility=self.buf_vis,
                context=self._context(),
                role="text",
            )
        )
        if owner.tag in HEADINGS and self.buf_vis is Visibility.VISIBLE:
            self.heading = text[:MAX_HEADING_CHARS]

    def _text(self, frame: _Frame, data: str, raw: bool = False) -> None:
        owner = frame.owner
        if self.buf_owner is not owner or self.buf_vis is not frame.vis:
            self.flush()
            self.buf_owner, self.buf_vis = owner, frame.vis
        if not self.pre and not raw:
            data = data.replace("\n", " ")
        while self.buf_len + len(data) > MAX_SEGMENT_CHARS:
            room = MAX_SEGMENT_CHARS - self.buf_len
            self.buf.append(data[:room])
            data = data[room:]
            self.flush()
            self.buf_owner, self.buf_vis = owner, frame.vis
        self.buf.append(data)
        self.buf_len += len(data)

    def _attr_segment(
        self,
        text: str,
        name: str,
        path: str,
        vis: Visibility,
        context: tuple[str, ...] = (),
        role: str = "text",
    ) -> None:
        text = text.strip()[:MAX_SEGMENT_CHARS]
        if text:
            self.out.append(
                Segment(
                    text=text,
                    location=Location(part=path, field=f"attr:{name}", members=self.members),
                    visibility=vis,
                    context=(*self._context(), *context),
                    role=role,
                )
            )

    def _child(
        self, data: bytes, label: str, filename: str | None = None, media_type: str | None = None
    ) -> None:
        self.children += 1
        name = safe_member_name(
            f"{label}-{self.children}" + (f"-{filename.strip()[:100]}" if filename else "")
        )
        child = formats.document_from_bytes(
            data,
            f"{self.doc.path}!{name}",
            members=(*self.members, name),
            depth=self.doc.depth + 1,
            visibility=Visibility.EMBEDDED_FILE,
        )
        self.out.append(replace(child, media_type=media_type) if media_type else child)

    # -- attributes -----------------------------------------------------------------------------
    def _attributes(self, tag: str, attrs: dict[str, str | None], frame_vis: Visibility, path: str) -> None:
        if not attrs:
            return
        hidden = frame_vis is not Visibility.VISIBLE
        if tag == "meta":
            self._meta(attrs, path)
        label = tuple(v for v in (attrs.get("name"), attrs.get("id")) if v and len(v) <= 64)
        for name, value in attrs.items():
            if value is None or not value.strip():
                continue
            if name in URL_ATTRS:
                self._url(tag, name, value.strip(), path, attrs.get("download"))
            elif name in ALT_ATTRS:
                vis = Visibility.HTML_HIDDEN if hidden else Visibility.ALT_TEXT
                self._attr_segment(value, name, path, vis, label)
            elif name == "placeholder":
                self._attr_segment(value, name, path, frame_vis, label)
            elif name == "value" and tag in ("input", "option", "button", "param", "data", "li"):
                kind = (attrs.get("type") or "").strip().lower()
                shown = tag == "input" and kind in SHOWN_VALUE_INPUTS
                vis = frame_vis if shown and not hidden else Visibility.HTML_HIDDEN
                self._attr_segment(value, name, path, vis, label)
            elif name.startswith("data-") or name == "download":
                self._data_attr(name, value, path)
            elif name == "srcdoc" and tag == "iframe":
                self._child(
                    value.encode("utf-8", "surrogateescape"), "iframe-srcdoc", "page.html", formats.HTML
                )

    def _data_attr(self, name: str, value: str, path: str) -> None:
        context = (name.removeprefix("data-"),)
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and len(stripped) <= MAX_SCRIPT_CHARS:
            try:
                parsed = json.loads(stripped)
            except (ValueError, RecursionError):
                parsed = None
            if isinstance(parsed, dict | list):
                self.out.extend(
                    json_extracted(
                        parsed,
                        base=Location(part=path, members=self.members),
                        chunk_rows=self.chunk_rows,
                        root=f"attr:{name}",
                        key_prefix=f"html-attr:{path}:",
                        visibility=Visibility.HTML_HIDDEN,
                        context=context,
                    )
                )
                return
        self._attr_segment(value, name, path, Visibility.HTML_HIDDEN, context)

    def _meta(self, attrs: dict[str, str | None], path: str) -> None:
        key = (attrs.get("name") or attrs.get("property") or attrs.get("itemprop") or "").strip().lower()
        content = attrs.get("content")
        if not key or not content or key in META_SKIP or len(key) > 64:
            return
        role = "metadata-author" if key in META_AUTHOR else "metadata"
        text = content.strip()[:MAX_SEGMENT_CHARS]
        if text:
            self.out.append(
                Segment(
                    text=text,
                    location=Location(part=path, field=f"meta:{key}", members=self.members),
                    visibility=Visibility.METADATA,
                    context=(key,),
                    role=role,
                )
            )

    def _url(self, tag: str, name: str, url: str, path: str, download: str | None = None) -> None:
        low = url[:16].lower()
        if low.startswith("data:"):
            self._data_url_child(tag, url, path, download)
            return
        if low.startswith("javascript:"):
            return
        if LINK_ATTRS.get(tag) == name:
            self.link_count += 1
            if len(self.links) < MAX_LINKS and not url.startswith("#"):
                try:
                    bare = urlsplit(url)._replace(query="", fragment="").geturl()
                except ValueError:
                    bare = ""
                if bare:
                    self.links.setdefault(bare)
        # The query string, fragment or mailto:/tel: target is where a URL carries data about
        # someone (?email=..., mailto:ana@...): it is text a reader does not see.
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        personal = parts is None or parts.scheme.lower() in ("mailto", "tel", "sms")
        if parts is not None and ("=" in parts.query or "=" in parts.fragment or "@" in parts.path):
            personal = True
        if personal:
            self._attr_segment(unquote(url), name, path, Visibility.HTML_HIDDEN, (tag,))

    def _data_url_child(self, tag: str, url: str, path: str, download: str | None) -> None:
        if len(url) > MAX_DATA_URL_CHARS:
            self.out.append(
                Note(
                    code="data-url-too-large",
                    message=f"a data: URL of {len(url):,} characters was not decoded",
                    location=Location(part=path, members=self.members),
                    visibility=Visibility.EMBEDDED_FILE,
                    blocking=True,
                )
            )
            return
        parsed = _data_url(url)
        if parsed is None:
            self.out.append(
                Note(
                    code="data-url-unreadable",
                    message="a data: URL could not be decoded",
                    location=Location(part=path, members=self.members),
                    visibility=Visibility.EMBEDDED_FILE,
                    blocking=True,
                )
            )
            return
        media, data = parsed
        if media.startswith(_MEDIA_PREFIXES):
            self.media_urls += 1
            return
        if data:
            self._child(data, f"{tag}-data-url", download)

    # -- tree building --------------------------------------------------------------------------
    def _pop(self) -> None:
        frame = self.stack.pop()
        self.open[frame.tag] -= 1
        tag = frame.tag
        if frame.script is not None:
            self._script(frame)
        if tag in ("td", "th"):
            table = frame.table
            if table is not None and table.cell is frame.cell:
                table.end_cell()
        elif tag == "tr":
            table = frame.table
            if table is not None:
                self.out.extend(table.end_row())
        if tag in BLOCKS or frame.owner is frame:
            self.flush()
        if tag == "table" and frame.table is not None:
            self.out.extend(frame.table.finish())
        if tag == "pre":
            self.pre = max(0, self.pre - 1)

    def _pop_to(self, tag: str) -> None:
        while len(self.stack) > 1:
            top = self.stack[-1]
            self._pop()
            if top.tag == tag:
                return

    def _close_nearest(self, targets: frozenset[str] | set[str], barriers: frozenset[str] | set[str]) -> None:
        """Close the nearest open element in ``targets`` unless a barrier comes first."""
        stack = self.stack
        for i in range(len(stack) - 1, max(0, len(stack) - 1 - MAX_IMPLICIT_WALK), -1):
            t = stack[i].tag
            if t in targets:
                while len(stack) > i:
                    self._pop()
                return
            if t in barriers:
                return

    def _implicit_close(self, tag: str) -> None:
        if tag in CLOSES_P and self.open["p"]:
            self._close_nearest({"p"}, BLOCKS - {"p"})
        if tag == "li" and self.open["li"]:
            self._close_nearest({"li"}, {"ul", "ol", "menu", "table"})
        elif tag in ("dt", "dd") and (self.open["dt"] or self.open["dd"]):
            self._close_nearest({"dt", "dd"}, {"dl", "table"})
        elif tag in ("td", "th") and (self.open["td"] or self.open["th"]):
            self._close_nearest({"td", "th"}, {"tr", "table"})
        elif tag == "tr" and (self.open["tr"] or self.open["td"] or self.open["th"]):
            self._close_nearest({"tr"}, {"table", "tbody", "thead", "tfoot"})
            self._close_nearest({"td", "th"}, {"table"})
            self._close_nearest({"tr"}, {"table", "tbody", "thead", "tfoot"})
        elif tag in ("tbody", "thead", "tfoot") and self.open["table"]:
            self._close_nearest({"tbody", "thead", "tfoot", "tr", "td", "th"}, {"table"})
        elif tag in ("option", "optgroup") and self.open["option"]:
            self._close_nearest({"option"}, {"select", "datalist"})

    def handle_starttag(self, tag: str, attr_list: list[tuple[str, str | None]]) -> None:
        attrs: dict[str, str | None] = {}
        for k, v in attr_list:
            attrs.setdefault(k, v)  # the first of duplicated attributes wins, as in browsers
        self._implicit_close(tag)
        parent = self.stack[-1]
        vis = (
            Visibility.HTML_HIDDEN
            if parent.vis is not Visibility.VISIBLE or hides(tag, attrs)
            else (Visibility.VISIBLE)
        )
        if tag == "input" and (attrs.get("type") or "").strip().lower() == "hidden":
            vis = Visibility.HTML_HIDDEN
        counts = parent.children
        if counts is None:
            counts = parent.children = {}
        n = counts[tag] = counts.get(tag, 0) + 1
        me = tag if n == 1 else f"{tag}:nth-of-type({n})"
        flatten = len(self.stack) > MAX_DOM_DEPTH
        if tag == "html" or flatten:
            parts, trunc = parent.parts, parent.trunc
        else:
            parts = (*parent.parts, me)
            trunc = parent.trunc or len(parts) > MAX_PATH_PARTS
            parts = parts[-MAX_PATH_PARTS:]
        path = (" > ".join(parts) if not trunc else "… > " + " > ".join(parts)) or tag
        self._attributes(tag, attrs, vis, path)
        if tag in VOID:
            if tag == "br":
                self._br()
            return
        if flatten and not self.flattened:
            self.out.append(
                Note(
                    code="html-depth",
                    message=(
                        f"elements are nested deeper than {MAX_DOM_DEPTH} levels; deeper ones were "
                        "read as siblings, as browsers do (their text is still scanned)"
                    ),
                    location=Location(members=self.members),
                )
            )
        if flatten:
            self.flattened += 1
        frame = _Frame(tag, parts, trunc, vis)
        frame.cell = parent.cell
        frame.table = parent.table
        if tag in BLOCKS or (vis is not parent.vis):
            self.flush()
            frame.owner = frame
        else:
            frame.owner = parent.owner
        if tag == "table":
            self.tables += 1
            frame.table = _TableBuilder(
                f"html-table:{self.tables}",
                Location(field=path, members=self.members),
                vis,
                self.chunk_rows,
            )
            frame.cell = None
        elif tag == "tr" and frame.table is not None:
            self.out.extend(frame.table.start_row(vis))
        elif tag in ("td", "th") and frame.table is not None:
            try:
                span = int((attrs.get("colspan") or "1").strip())
            except ValueError:
                span = 1
            span = min(max(span, 1), MAX_COLSPAN)
            self.out.extend(frame.table.start_cell(tag == "th", span, vis))
            frame.cell = frame.table.cell
        elif tag == "pre":
            self.pre += 1
        elif tag in ("script", "style"):
            kind = (attrs.get("type") or "").strip().lower().split(";")[0].strip()
            if tag == "style":
                frame.script = "style"
            elif kind in JS_TYPES:
                frame.script = "js"
            elif kind.endswith("json") or kind in ("importmap", "speculationrules"):
                frame.script = "json"
            else:
                frame.script = "template"  # text/template, text/html, text/x-handlebars-template...
        self.stack.append(frame)
        self.open[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":
            self._br()
            return
        if not self.open[tag]:
            return  # a stray end tag closes nothing (browsers ignore it too)
        self._pop_to(tag)

    def _br(self) -> None:
        top = self.stack[-1]
        if top.script is not None:
            return
        if top.cell is not None and top.vis is top.cell.vis:
            top.cell.parts.append("\n")
        else:
            self._text(top, "\n", raw=True)

    def handle_data(self, data: str) -> None:
        top = self.stack[-1]
        if top.script is not None:
            if top.script != "style" and top.script_len <= MAX_SCRIPT_CHARS:
                top.script_buf.append(data)
                top.script_len += len(data)
            return
        cell = top.cell
        if cell is not None and top.vis is cell.vis:
            cell.parts.append(data if self.pre else data.replace("\n", " "))
            return
        self._text(top, data)

    def handle_comment(self, data: str) -> None:
        text = _clean([_TAGS.sub(" ", data)])
        if not text:
            return
        path = self.stack[-1].path or "document"
        self.out.append(
            Segment(
                text=text[:MAX_SEGMENT_CHARS],
                location=Location(part=path, field="comment", members=self.members),
                visibility=Visibility.COMMENT,
                context=self._context(),
                role="comment",
            )
        )

    def handle_decl(self, decl: str) -> None:
        # An internal DTD subset (<!DOCTYPE html [ <!ENTITY ...> ]>) is how XHTML smuggles entity
        # expansion (billion laughs, external entities): no web page needs one.
        if "[" in decl or "<!entity" in decl.lower():
            raise Unscannable("page declares a DTD internal subset (entities); refused", "xml-attack")

    def unknown_decl(self, data: str) -> None:
        if data.lower().startswith("cdata["):
            self.handle_comment(data[6:])
        elif "entity" in data.lower():
            raise Unscannable("page declares entities; refused", "xml-attack")

    def handle_pi(self, data: str) -> None:
        if not data.lower().startswith("xml"):
            self.handle_comment(data.rstrip("?"))
        elif "<!entity" in data.lower():
            raise Unscannable("page declares entities; refused", "xml-attack")

    # -- scripts --------------------------------------------------------------------------------
    def _script(self, frame: _Frame) -> None:
        if frame.script == "style":
            return
        text = "".join(frame.script_buf)
        frame.script_buf = []
        if not text.strip():
            return
        self.scripts += 1
        path = frame.path or "script"
        base = Location(part=path, members=self.members)
        key = f"html-script:{self.scripts}:"
        if frame.script_len > MAX_SCRIPT_CHARS:
            if frame.script == "json":
                self.out.append(
                    Note(
                        code="inline-json-too-large",
                        message=f"an inline JSON block over {MAX_SCRIPT_CHARS:,} characters was not read",
                        location=base,
                        visibility=Visibility.HTML_HIDDEN,
                        blocking=True,
                    )
                )
            return
        if frame.script == "json":
            try:
                value = json.loads(text)
            except RecursionError:
                raise Unscannable("inline JSON is nested too deeply", "limit") from None
            except ValueError:
                self._attr_segment(text, "script", path, Visibility.HTML_HIDDEN)
                return
            self.out.extend(
                json_extracted(
                    value,
                    base=base,
                    chunk_rows=self.chunk_rows,
                    key_prefix=key,
                    visibility=Visibility.HTML_HIDDEN,
                    context=("script",),
                )
            )
        elif frame.script == "template":
            for piece in _chunks(_clean([_TAGS.sub(" ", text)])):
                self._attr_segment(piece, "script", path, Visibility.HTML_HIDDEN)
        else:
            self._js_json(text, base, key)

    def _js_json(self, text: str, base: Location, key: str) -> None:
        """Literals assigned in inline JavaScript (``window.__STATE__ = {...}``): strict JSON
        first, then JavaScript's own spelling (bare keys, single quotes, trailing commas); a
        literal holding code gives its string literals as text instead."""
        decoder = json.JSONDecoder()
        attempts = 0
        pos = 0
        budget = MAX_JS_LITERAL_CHARS
        path = base.part or "script"
        while attempts < MAX_JS_JSON_ATTEMPTS:
            m = _JS_ASSIGN.search(text, pos)
            if m is None:
                return
            attempts += 1
            try:
                value, end = decoder.raw_decode(text, m.end())
            except (ValueError, RecursionError):
                if budget <= 0:
                    self._js_strings(text[m.end() :], path)  # the rest: its strings only
                    return
                read = _js_literal(text, m.end(), budget)
                if read is None:  # unterminated (or past the budget): not a literal
                    pos = m.end()
                    continue
                value, end, strings = read
                budget -= end - m.end()
                pos = end
                if value is None:
                    self._js_strings_of(strings, path)
                    continue
            else:
                pos = end
            if value:
                self.out.extend(
                    json_extracted(
                        value,
                        base=base,
                        chunk_rows=self.chunk_rows,
                        key_prefix=f"{key}{attempts}:",
                        visibility=Visibility.HTML_HIDDEN,
                        context=("script",),
                    )
                )

    def _js_strings(self, text: str, path: str) -> None:
        self._js_strings_of([_js_unquote(m[0]) for m in _JS_STRING.finditer(text)], path)

    def _js_strings_of(self, strings: list[str], path: str) -> None:
        """String literals of script code, one per line, as hidden text segments."""
        lines = [" ".join(t.split()) for t in strings]
        text = "\n".join(t for t in lines if any(ch.isalnum() for ch in t))
        for piece in _chunks(text):
            self._attr_segment(piece, "script", path, Visibility.HTML_HIDDEN, ("script strings",))

    # -- end ------------------------------------------------------------------------------------
    def finish(self) -> None:
        self.close()
        while len(self.stack) > 1:
            self._pop()
        self.flush()
        if self.link_count:
            self.out.append(
                LinksNote(
                    code="links",
                    message=f"page links to {self.link_count:,} document(s) (not fetched)",
                    location=Location(field="links", members=self.members),
                    links=tuple(self.links),
                )
            )
        if self.media_urls:
            self.out.append(
                Note(
                    code="embedded-media",
                    message=f"{self.media_urls:,} embedded image/audio/font data: URL(s) were not inspected",
                    location=Location(members=self.members),
                    visibility=Visibility.EMBEDDED_FILE,
                )
            )

    def drain(self) -> list[Extracted]:
        out, self.out = self.out, []
        return out


def _js_unquote(literal: str) -> str:
    """The value of a JavaScript string literal (quotes included)."""

    def one(m: re.Match[str]) -> str:
        e = m[1]
        if e[0] == "u" or e[0] == "x":
            code = int(e[2:-1] if e[1] == "{" else e[1:], 16)
            return chr(code) if code <= 0x10FFFF else "\ufffd"
        return _JS_ESCAPES.get(e, e)

    body = literal[1:-1]
    return _JS_ESCAPE.sub(one, body) if "\\" in body else body


def _js_literal(text: str, start: int, budget: int) -> tuple[object, int, list[str]] | None:
    """Read the object/array literal at ``text[start]`` by its tokens (not a JavaScript parser).

    Returns (value, end, strings): value is None when the literal holds anything but data (a
    call, a function, a variable), strings its string literals either way. None when the
    brackets never close within ``budget`` characters.
    """
    out: list[str] = []
    strings: list[str] = []
    stack: list[str] = []
    data = True
    pos = start
    limit = min(len(text), start + budget)
    while pos < limit:
        m = _JS_TOKEN.match(text, pos)
        assert m is not None  # "other" matches any character
        pos = m.end()
        kind, tok = m.lastgroup, m[0]
        if kind == "ws":
            continue
        if kind == "str":
            value = _js_unquote(tok)
            strings.append(value)
            out.append(json.dumps(value))
        elif kind == "punct":
            if tok in "{[":
                stack.append(tok)
            elif tok in "}]":
                if not stack or stack.pop() != ("{" if tok == "}" else "["):
                    return None
                if out and out[-1] == ",":
                    out.pop()  # trailing comma
            out.append(tok)
            if not stack:
                break
        elif kind in ("ident", "num") and data:
            nxt = _JS_TOKEN.match(text, pos)
            while nxt is not None and nxt.lastgroup == "ws":
                nxt = _JS_TOKEN.match(text, nxt.end())
            is_key = stack[-1:] == ["{"] and out[-1:] in (["{"], [","]) and nxt is not None and nxt[0] == ":"
            if is_key:
                out.append(json.dumps(tok))
            elif kind == "num":
                hexadecimal = tok.lstrip("-")[:2] in ("0x", "0X")
                if hexadecimal:
                    out.append(str(int(tok, 16)))
                else:  # "5." and ".5" are not JSON numbers
                    out.append(json.dumps(float(tok)) if "." in tok else tok)
            elif tok in _JS_CONSTANTS:
                out.append(_JS_CONSTANTS[tok])
            else:
                data = False  # a variable, a call, a function: code
        else:
            data = False
    if stack or not out:
        return None
    if data:
        try:
            return json.loads("".join(out)), pos, strings
        except (ValueError, RecursionError):
            pass
    return None, pos, strings


def _chunks(text: str) -> Iterator[str]:
    for i in range(0, len(text), MAX_SEGMENT_CHARS):
        yield text[i : i + MAX_SEGMENT_CHARS]


def extract_html(doc: Document, pieces: Iterable[str], chunk_rows: int) -> Iterator[Extracted]:
    """Parse decoded HTML text fed in ``pieces``; shared with the e-mail extractor (HTML bodies)."""
    builder = _Builder(doc, chunk_rows)
    lists = _Lists(doc.members, chunk_rows)
    for piece in pieces:
        builder.feed(piece)
        yield from lists.feed(builder.drain())
    builder.finish()
    yield from lists.feed(builder.drain())
    yield from lists.flush()


# Visible blocks looked at together for lists; beyond it a list is cut in two.
MAX_LIST_WINDOW = 5000


def _last_tag(path: str) -> str:
    return path.rsplit(" > ", 1)[-1].split(":", 1)[0]


class _Lists:
    """Consecutive visible text blocks that form a list (``<li>`` items, or short blocks of one
    shape under a heading) become one Table; the blocks are then not given to prose."""

    def __init__(self, members: tuple[str, ...], chunk_rows: int) -> None:
        self.members = members
        self.chunk_rows = chunk_rows
        self.held: list[Extracted] = []
        self.lines: list[int] = []  # indexes in ``held`` of the visible text blocks
        self.n = 0

    def feed(self, items: list[Extracted]) -> Iterator[Extracted]:
        for item in items:
            if isinstance(item, Table):
                yield from self.flush()
                yield item
                continue
            if (
                isinstance(item, Segment)
                and item.role == "text"
                and item.visibility is Visibility.VISIBLE
                and item.location.part is None
                and not (item.location.field or "").startswith(("attr:", "meta:", "comment"))
            ):
                self.lines.append(len(self.held))
            self.held.append(item)
            if len(self.lines) >= MAX_LIST_WINDOW:
                yield from self.flush()

    def flush(self) -> Iterator[Extracted]:
        held, lines = self.held, self.lines
        self.held, self.lines = [], []
        if len(lines) < 3:
            yield from held
            return
        # One line per block; a blank line where the blocks change parent or element, so that
        # only siblings of one kind (the <li> of a list, the <p> under a heading) make a list.
        found: list[tuple[str, bool, bool]] = []
        index: list[list[int]] = []  # line -> indexes in ``held`` (an element cut by hidden text)
        paths: dict[int, str] = {}
        shape = None
        last_path = None
        for i in lines:
            seg = held[i]
            assert isinstance(seg, Segment)
            path = seg.location.field or ""
            paths[i] = path
            if path == last_path:
                text, li, heading = found[-1]
                found[-1] = (f"{text} {seg.text}", li, heading)
                index[-1].append(i)
                continue
            last_path = path
            tag = _last_tag(path)
            parent = path.rsplit(" > ", 1)[0] if " > " in path else ""
            heading = tag in HEADINGS
            if shape is not None and not heading and shape != (parent, tag):
                found.append(("", False, False))
                index.append([])
            shape = None if heading else (parent, tag)
            found.append((seg.text, tag == "li", heading))
            index.append([i])
        runs = find_runs(found, self.chunk_rows)
        at: dict[int, ListRun] = {}
        taken: set[int] = set()
        for run in runs:
            idx = [i for j in run.lines for i in index[j]]
            if idx:
                at[idx[0]] = run
                taken.update(idx)
        for k, item in enumerate(held):
            run = at.get(k)
            if run is not None:
                self.n += 1
                first = paths[k]
                parent = first.rsplit(" > ", 1)[0] if " > " in first else first
                loc = Location(field=f"{parent} (list)", members=self.members)
                yield from run.placed(f"html-list:{self.n}", loc)
            if k not in taken:
                yield item


def _decoded(doc: Document, encoding: str) -> Iterator[str]:
    dec = codecs.getincrementaldecoder(encoding)(errors="replace")
    first = True
    with doc.open() as fh:
        while True:
            raw = fh.read(READ_CHUNK)
            text = dec.decode(raw, final=not raw)
            if first:
                text = text.lstrip("\ufeff")
                first = False
            if "\x00" in text and not formats.is_utf16_or_32(encoding):
                text = text.replace("\x00", "\ufffd")
            if text:
                yield text
            if not raw:
                return


class HtmlExtractor:
    """HTML (and XHTML) pages: visible, hidden and linked content."""

    name: ClassVar[str] = "html"
    media_types: ClassVar[tuple[str, ...]] = (formats.HTML,)

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]:
        if doc.size == 0:
            return
        encoding, _ = detect(doc)
        yield from extract_html(doc, _decoded(doc, encoding), ctx.limits.chunk_rows)


def html_text_extract(doc: Document, html: str, chunk_rows: int) -> Iterator[Extracted]:
    """Parse one HTML string (an e-mail body) in the context of ``doc``."""
    yield from extract_html(doc, _chunks_of(html), chunk_rows)


def _chunks_of(text: str) -> Iterator[str]:
    for i in range(0, len(text), READ_CHUNK):
        yield text[i : i + READ_CHUNK]


__all__ = ["HtmlExtractor", "LinksNote", "extract_html", "hides", "html_text_extract"]
