"""Which cell styles (xl/styles.xml ``cellXfs`` indexes) make a value invisible to a reader.

Two tricks hide a value in plain sight: a number format whose sections are all empty (";;;")
and a font colour equal to the cell background (white on white), including theme and indexed
colours. The result is a set of style ids; the sheet scan looks only for cells using them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from clearance.safety import local

# Excel's legacy indexed palette (ECMA-376 Part 1, 18.8.27), RGB hex. 64/65 are the system
# foreground/background, which Excel renders as black text on a white window.
_PALETTE = [
    "000000",
    "FFFFFF",
    "FF0000",
    "00FF00",
    "0000FF",
    "FFFF00",
    "FF00FF",
    "00FFFF",
    "000000",
    "FFFFFF",
    "FF0000",
    "00FF00",
    "0000FF",
    "FFFF00",
    "FF00FF",
    "00FFFF",
    "800000",
    "008000",
    "000080",
    "808000",
    "800080",
    "008080",
    "C0C0C0",
    "808080",
    "9999FF",
    "993366",
    "FFFFCC",
    "CCFFFF",
    "660066",
    "FF8080",
    "0066CC",
    "CCCCFF",
    "000080",
    "FF00FF",
    "FFFF00",
    "00FFFF",
    "800080",
    "800000",
    "008080",
    "0000FF",
    "00CCFF",
    "CCFFFF",
    "CCFFCC",
    "FFFF99",
    "99CCFF",
    "FF99CC",
    "CC99FF",
    "FFCC99",
    "3366FF",
    "33CCCC",
    "99CC00",
    "FFCC00",
    "FF9900",
    "FF6600",
    "666699",
    "969696",
    "003366",
    "339966",
    "003300",
    "333300",
    "993300",
    "993366",
    "333399",
    "333333",
    "000000",
    "FFFFFF",
]
AUTO_FONT = ("000000", 0.0)  # automatic text colour: window text, black
DEFAULT_BACKGROUND = ("FFFFFF", 0.0)  # no fill: the window background, white
# Theme colour index -> clrScheme child. Excel swaps the first two pairs (0 = lt1, 1 = dk1).
_THEME_ORDER = (
    "lt1",
    "dk1",
    "lt2",
    "dk2",
    "accent1",
    "accent2",
    "accent3",
    "accent4",
    "accent5",
    "accent6",
    "hlink",
    "folHlink",
)
_BRACKETS = re.compile(r"\[[^\]]*\]")
_QUOTED_BLANK = re.compile(r'"\s*"')

Colour = tuple[str, float]  # (RGB hex, tint)


@dataclass(frozen=True)
class InvisibleStyles:
    """Style ids that hide numbers, text, or both."""

    numbers: frozenset[int] = frozenset()
    text: frozenset[int] = frozenset()

    @property
    def any(self) -> frozenset[int]:
        return self.numbers | self.text


def _split_sections(code: str) -> list[str]:
    sections, cur, quoted = [], [], False
    for ch in code:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            sections.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    sections.append("".join(cur))
    return sections


def format_hides(code: str) -> tuple[bool, bool]:
    """(hides numbers, hides text) for a number format code. ';;;' hides both; ';;' numbers only."""
    sections = _split_sections(code)
    if len(sections) < 2:
        return False, False  # one section: "" means General, anything else shows something
    blank = [not _QUOTED_BLANK.sub("", _BRACKETS.sub("", s)).strip() for s in sections]
    numbers = all(blank[:3])
    # Text uses the 4th section; without one Excel shows text as typed.
    text = len(sections) >= 4 and blank[3]
    return numbers, text


def theme_colours(theme: Any | None) -> list[str]:
    """RGB hex per theme index, from xl/theme/theme1.xml's clrScheme."""
    if theme is None:
        return []
    scheme = next((e for e in theme.iter() if local(e.tag) == "clrScheme"), None)
    if scheme is None:
        return []
    by_name: dict[str, str] = {}
    for child in scheme:
        for c in child:
            val = c.get("lastClr") if local(c.tag) == "sysClr" else c.get("val")
            if val:
                by_name[local(child.tag)] = val.upper()[-6:]
    return [by_name.get(n, "") for n in _THEME_ORDER]


def _colour(el: Any | None, theme: list[str], default: Colour) -> Colour:
    if el is None or el.get("auto") in ("1", "true"):
        return default
    tint = float(el.get("tint", "0") or 0)
    if el.get("rgb"):
        return el.get("rgb").upper()[-6:], tint
    if el.get("theme") is not None:
        i = int(el.get("theme"))
        if 0 <= i < len(theme) and theme[i]:
            return theme[i], tint
        return f"theme{i}", tint  # unresolved: still comparable to the same theme index
    if el.get("indexed") is not None:
        i = int(el.get("indexed"))
        return (_PALETTE[i], tint) if 0 <= i < len(_PALETTE) else default
    return default


def _child(el: Any, name: str) -> Any | None:
    return next((c for c in el if local(c.tag) == name), None)


def invisible_styles(styles: Any | None, theme: Any | None = None) -> InvisibleStyles:
    """Parse a styles.xml tree and return the cellXfs ids that hide their values."""
    if styles is None:
        return InvisibleStyles()
    palette = theme_colours(theme)
    sections = {local(c.tag): c for c in styles}
    formats: dict[int, tuple[bool, bool]] = {}
    if "numFmts" in sections:
        for nf in sections["numFmts"]:
            try:
                formats[int(nf.get("numFmtId", "-1"))] = format_hides(nf.get("formatCode", ""))
            except ValueError:
                continue
    fonts: list[Colour] = []
    for font in sections.get("fonts", []):
        fonts.append(_colour(_child(font, "color"), palette, AUTO_FONT))
    fills: list[Colour | None] = []
    for fill in sections.get("fills", []):
        pattern = _child(fill, "patternFill")
        kind = pattern.get("patternType", "none") if pattern is not None else "none"
        if pattern is None or kind == "none":
            fills.append(DEFAULT_BACKGROUND)
        elif kind == "solid":
            fills.append(_colour(_child(pattern, "fgColor"), palette, DEFAULT_BACKGROUND))
        else:
            fills.append(None)  # a hatch pattern: neither colour alone is the background
    numbers: set[int] = set()
    text: set[int] = set()
    for i, xf in enumerate(sections.get("cellXfs", [])):
        try:
            hide_n, hide_t = formats.get(int(xf.get("numFmtId", "0")), (False, False))
            font_id, fill_id = int(xf.get("fontId", "0")), int(xf.get("fillId", "0"))
        except ValueError:
            continue
        font = fonts[font_id] if font_id < len(fonts) else AUTO_FONT
        fill = fills[fill_id] if fill_id < len(fills) else DEFAULT_BACKGROUND
        if fill is not None and font == fill:
            hide_n = hide_t = True
        if hide_n:
            numbers.add(i)
        if hide_t:
            text.add(i)
    return InvisibleStyles(frozenset(numbers), frozenset(text))
