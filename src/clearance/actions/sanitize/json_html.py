"""JSON / NDJSON and HTML writers.

JSON: a finding names a list of records by key path (``Location.field``, "$.records"; "$" is
the top level, or the lines of an NDJSON file) and a column by letter (``range``, "B1:B10"),
the column being the n-th key in first-seen order across the records, as the extractor
flattens them. Removal drops the key from every record; other treatments rewrite the values.

HTML: elements hidden from a reader (``Location.field`` holds the CSS-like path the extractor
wrote) are removed whole when they hold personal data; comments, author/generator meta tags
are always removed; visible table cells are treated per entity. Lists ("PATH (list)") are
refused: the path names only the first item's parent, and the items (text blocks as the
extractor's own tree builder cut them, a loose list running on into a following list) cannot be
found again in the parsed page with certainty.
"""

from __future__ import annotations

import json
import re
from typing import Any, BinaryIO, ClassVar

from clearance import formats
from clearance.actions.sanitize.base import (
    DONE,
    ActionKind,
    CannotSanitize,
    Plan,
    Removal,
    Summary,
    Treatment,
    entity_words,
    plural,
    treat,
)
from clearance.actions.sanitize.delimited import parse_range
from clearance.model import Location, Visibility

_CELL_KINDS = (
    ActionKind.CLEAR_CELLS,
    ActionKind.MASK_CELLS,
    ActionKind.PSEUDONYMISE,
    ActionKind.GENERALISE,
    ActionKind.DROP_FIELD,
    ActionKind.REDACT_TEXT,
)
_HYGIENE = (ActionKind.DROP_METADATA, ActionKind.DROP_COMMENTS, ActionKind.DROP_MACROS)
_PATH_STEP = re.compile(r"^([\w-]+)(?::nth-of-type\((\d+)\))?$")


# -- JSON ----------------------------------------------------------------------------------


def _records_at(doc: Any, path: str) -> list[Any]:
    node = doc
    for key in [k for k in re.split(r"\.(?![^\[]*\])", path.lstrip("$").lstrip(".")) if k]:
        m = re.fullmatch(r"(.*?)((?:\[\d+\])*)", key)
        assert m
        if m.group(1):
            if not isinstance(node, dict) or m.group(1) not in node:
                raise CannotSanitize(f"the key path {path!r} named by a finding is not in the file")
            node = node[m.group(1)]
        for idx in re.findall(r"\[(\d+)\]", m.group(2)):
            node = node[int(idx)]
    if not isinstance(node, list):
        raise CannotSanitize(f"the key path {path!r} does not hold a list of records")
    return node


def _flat_keys(rec: Any, prefix: str = "") -> list[str]:
    if not isinstance(rec, dict):
        return []
    keys: list[str] = []
    for k, v in rec.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            keys.extend(_flat_keys(v, name + "."))
        else:
            keys.append(name)
    return keys


def _get_parent(rec: dict[str, Any], dotted: str) -> tuple[dict[str, Any] | None, str]:
    if dotted in rec:
        return rec, dotted
    head, _, rest = dotted.partition(".")
    if rest and isinstance(rec.get(head), dict):
        return _get_parent(rec[head], rest)
    return None, dotted


class JsonSanitizer:
    media_types: ClassVar[tuple[str, ...]] = (formats.JSON, formats.NDJSON)

    def sanitize(self, data: BinaryIO, plan: Plan, out: BinaryIO) -> Summary:
        raw = data.read()
        text = raw.decode("utf-8-sig")
        ndjson = False
        try:
            doc: Any = json.loads(text)
        except json.JSONDecodeError:
            try:
                doc = [json.loads(line) for line in text.splitlines() if line.strip()]
                ndjson = True
            except json.JSONDecodeError as exc:
                raise CannotSanitize("the JSON could not be parsed") from exc
        removals: list[Removal] = []
        columns: dict[str, list[str]] = {}
        for a in plan.actions:
            if a.kind in _HYGIENE:
                continue
            if a.kind not in _CELL_KINDS or a.location.members:
                raise CannotSanitize(f"JSON files have no way to {a.kind.value} ({a.location.describe()})")
            path = a.location.field or "$"
            records = _records_at(doc, path)
            if path not in columns:  # as the file was read: earlier removals must not shift them
                keys: dict[str, None] = {}
                for rec in records:
                    keys.update(dict.fromkeys(_flat_keys(rec)))
                columns[path] = list(keys)
            cols = columns[path]
            c1, c2, r1, r2 = parse_range(a.location.range)
            treatment = a.treatment or Treatment.REMOVE
            first, last = (r1 or 1) - 1, (r2 or len(records)) - 1
            for c in range(c1, min(c2, len(cols) - 1) + 1):
                key, n = cols[c], 0
                for rec in records[first : last + 1]:
                    if not isinstance(rec, dict):
                        continue
                    parent, leaf = _get_parent(rec, key)
                    if parent is None or leaf not in parent:
                        continue
                    value = parent[leaf]
                    if treatment is Treatment.REMOVE:
                        del parent[leaf]
                    elif value is not None:
                        new = treat(a.entity or "", str(value), treatment, plan.options)
                        if new is None:
                            del parent[leaf]
                        else:
                            parent[leaf] = new
                    n += 1
                removals.append(
                    Removal(
                        a.kind,
                        Location(field=f"{path}[*].{key}"),
                        f"key '{key}' {DONE[treatment]} in {plural(n, 'record')} at {path}"
                        f" ({entity_words([a.entity or ''])})",
                        n,
                    )
                )
        if ndjson:
            body = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in doc)
        else:
            body = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        out.write(body.encode("utf-8"))
        return Summary(tuple(removals))


# -- HTML ----------------------------------------------------------------------------------


def _find(root: Any, path: str) -> Any:
    """Resolve the extractor's "body > div:nth-of-type(2) > table" path (tags counted per parent)."""
    if path.startswith("…"):
        raise CannotSanitize("the element's path was truncated by the extractor; it cannot be found again")
    node = root
    for step in path.split(" > "):
        m = _PATH_STEP.match(step.strip())
        if not m:
            raise CannotSanitize(f"cannot follow the element path {path!r}")
        tag, nth = m.group(1), int(m.group(2) or 1)
        if tag == "html":
            continue
        kids = [k for k in node if isinstance(k.tag, str) and k.tag.lower() == tag]
        if len(kids) < nth:
            raise CannotSanitize(f"the element {path!r} named by a finding is not in the page")
        node = kids[nth - 1]
    return node


class HtmlSanitizer:
    media_types: ClassVar[tuple[str, ...]] = (formats.HTML,)

    def sanitize(self, data: BinaryIO, plan: Plan, out: BinaryIO) -> Summary:
        import lxml.html
        from lxml import etree

        raw = data.read()
        try:
            root = lxml.html.document_fromstring(raw)
        except (etree.ParserError, ValueError) as exc:
            raise CannotSanitize("the page could not be parsed") from exc
        removals: list[Removal] = []
        # comments and author meta: always (hygiene)
        comments = root.xpath("//comment()")
        for c in comments:
            c.getparent().remove(c)
        if comments:
            removals.append(
                Removal(
                    ActionKind.DROP_COMMENTS,
                    Location(field="comment"),
                    f"{plural(len(comments), 'HTML comment')} removed",
                    len(comments),
                )
            )
        metas = [
            m
            for m in root.xpath("//meta[@name]")
            if m.get("name", "").lower() in {"author", "creator", "publisher", "last-modified-by", "owner"}
        ]
        for m in metas:
            m.getparent().remove(m)
        if metas:
            removals.append(
                Removal(
                    ActionKind.DROP_METADATA,
                    Location(field="meta"),
                    "meta tags removed: " + ", ".join(m.get("name", "") for m in metas),
                    len(metas),
                )
            )
        base = root  # paths start at "body" (the extractor skips "html")
        dropped: list[tuple[str, Any, Any]] = []
        cells: list[tuple[Any, Any]] = []
        for a in plan.actions:
            if a.kind in _HYGIENE:
                continue
            if a.kind is ActionKind.DROP_COMMENTS or (a.location.field == "comment"):
                continue
            if a.location.field and a.location.field.startswith(("meta:", "attr:")):
                continue  # meta handled above; attributes: see below
            if a.visibility is Visibility.HTML_HIDDEN or a.kind is ActionKind.DROP_ELEMENT:
                el = _find(base, a.location.field or "")
                top = _hidden_ancestor(el)
                dropped.append((a.location.field or "", top, a))
                continue
            if (a.location.field or "").endswith(" (list)"):
                raise CannotSanitize(f"HTML lists cannot be placed item by item ({a.location.describe()})")
            if a.kind in _CELL_KINDS and a.location.range and a.location.field:
                cells.append((_find(base, a.location.field), a))
                continue
            raise CannotSanitize(f"HTML pages have no way to {a.kind.value} ({a.location.describe()})")
        for el, a in cells:
            rows = [r for r in el.iter("tr")]
            c1, c2, r1, r2 = parse_range(a.location.range)
            treatment = a.treatment or Treatment.REMOVE
            n = 0
            for r in range((r1 or 2) - 1, min((r2 or len(rows)), len(rows))):
                tds = [c for c in rows[r] if isinstance(c.tag, str) and c.tag.lower() in ("td", "th")]
                for c in range(c1, min(c2, len(tds) - 1) + 1):
                    value = tds[c].text_content()
                    if value.strip():
                        new = treat(a.entity or "", value, treatment, plan.options) or ""
                        for child in list(tds[c]):
                            tds[c].remove(child)
                        tds[c].text = new
                        n += 1
            removals.append(
                Removal(
                    a.kind,
                    a.location,
                    f"{plural(n, 'table cell')} {DONE[treatment]} in "
                    f"{a.location.field} ({entity_words([a.entity or ''])})",
                    n,
                )
            )
        seen: set[int] = set()
        for path, top, a in dropped:
            if id(top) in seen:
                continue
            seen.add(id(top))
            ents = [e for p, t, x in dropped if t is top for e in x.entities]
            if top.getparent() is not None:
                top.getparent().remove(top)
            removals.append(
                Removal(
                    ActionKind.DROP_ELEMENT,
                    Location(field=path),
                    f"hidden element <{top.tag}> removed ({entity_words(ents)})",
                    a.count,
                )
            )
        html = lxml.html.tostring(root, doctype="<!DOCTYPE html>", encoding="utf-8", method="html")
        out.write(html)
        return Summary(tuple(removals))


def _hidden_ancestor(el: Any) -> Any:
    """The outermost ancestor that hides its content (display:none, hidden, aria-hidden...)."""
    top, node = el, el
    while node is not None and isinstance(node.tag, str) and node.tag.lower() not in ("body", "html"):
        style = (node.get("style") or "").replace(" ", "").lower()
        if (
            node.get("hidden") is not None
            or "display:none" in style
            or "visibility:hidden" in style
            or node.get("aria-hidden") == "true"
            or node.tag.lower() == "template"
        ):
            top = node
        node = node.getparent()
    return top


SANITIZERS = (JsonSanitizer, HtmlSanitizer)
