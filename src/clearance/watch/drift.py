"""Drift: how a URL's new version differs from the previous one, in the terms that matter.

A workbook that gains a hidden sheet, a column of names, or 6,000 rows overnight is how a
statistics release turns into a list of people. These checks compare the *profile* of two scans
of the same URL — sheet names, row counts, table kinds, classified columns, hidden parts, the
people count and the verdict — never cell values. Every drift carries its before/after figures.

Pure: FileReport in, Profile out; two Profiles in, Drifts out. The profile is what the watch
state stores (JSON) between passes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from clearance.model import FileReport, Identifier, Verdict

# Defaults of WatchConfig.drift_row_factor / drift_row_increase (see config/schema.py).
ROW_FACTOR = 2.0
ROW_INCREASE = 1000
_VERDICT_ORDER = (Verdict.PASS.value, Verdict.UNSCANNABLE.value, Verdict.REVIEW.value, Verdict.BLOCK.value)


@dataclass(frozen=True)
class TableShape:
    name: str  # sheet name, else the table key
    visibility: str
    kind: str  # people | aggregate | other
    rows: int
    columns: tuple[tuple[str, str, str], ...]  # (header, entity, identifier strength)
    hidden_rows: int = 0
    hidden_columns: int = 0
    people: int = 0


@dataclass(frozen=True)
class Profile:
    verdict: str
    people: int
    media_type: str
    tables: tuple[TableShape, ...]
    hidden: tuple[tuple[str, int], ...]  # (visibility, findings there) for hidden visibilities

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        tables = tuple(
            TableShape(**{**t, "columns": tuple(tuple(c) for c in t["columns"])}) for t in data["tables"]
        )
        hidden = tuple((str(v), int(n)) for v, n in data["hidden"])
        return cls(data["verdict"], int(data["people"]), data["media_type"], tables, hidden)


@dataclass(frozen=True)
class Drift:
    kind: str  # new-sheet | rows-jump | new-identifier-column | aggregate-to-people | new-hidden-part
    #            | people-jump | verdict-worse
    subject: str  # the sheet / part / file it is about
    before: Any
    after: Any
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def profile_of(report: FileReport) -> Profile:
    strength = {f.entity: f.identifier.value for f in report.findings}
    tables: dict[str, TableShape] = {}
    for t in report.tables:
        name = t.location.sheet or t.key
        cols = tuple((h, e, strength.get(e, Identifier.QUASI.value)) for h, e in t.columns)
        prev = tables.get(name)
        if prev is not None:  # chunks of one big table: add them up
            merged = tuple(dict.fromkeys(prev.columns + cols))
            tables[name] = TableShape(
                name,
                prev.visibility,
                "people" if "people" in (prev.kind, t.kind) else prev.kind,
                prev.rows + t.rows,
                merged,
                prev.hidden_rows + t.hidden_rows,
                max(prev.hidden_columns, t.hidden_columns),
                prev.people + t.people,
            )
        else:
            tables[name] = TableShape(
                name, t.visibility.value, t.kind, t.rows, cols, t.hidden_rows, t.hidden_columns, t.people
            )
    hidden: dict[str, int] = {}
    for f in report.findings:
        if f.visibility.hidden:
            hidden[f.visibility.value] = hidden.get(f.visibility.value, 0) + f.count
    return Profile(
        report.verdict.value,
        report.people,
        report.media_type,
        tuple(tables.values()),
        tuple(sorted(hidden.items())),
    )


def _grew(before: int, after: int, factor: float, increase: int) -> bool:
    if after <= before:
        return False
    return after - before >= increase or (before > 0 and after > before * factor)


def compare(
    before: Profile | None,
    after: Profile,
    *,
    row_factor: float = ROW_FACTOR,
    row_increase: int = ROW_INCREASE,
) -> list[Drift]:
    """What changed for the worse between two versions of one URL. No previous version: none."""
    if before is None:
        return []
    out: list[Drift] = []
    old = {t.name: t for t in before.tables}
    for t in after.tables:
        prev = old.get(t.name)
        where = f"sheet '{t.name}'" + ("" if t.visibility == "visible" else f" ({t.visibility})")
        if prev is None:
            out.append(
                Drift(
                    "new-sheet",
                    t.name,
                    {"sheets": len(before.tables)},
                    {"sheets": len(after.tables), "rows": t.rows, "visibility": t.visibility, "kind": t.kind},
                    f"new {where} with {t.rows:,} rows ({t.kind})",
                )
            )
            prev_cols: set[tuple[str, str]] = set()
        else:
            prev_cols = {(h, e) for h, e, _ in prev.columns}
            if _grew(prev.rows, t.rows, row_factor, row_increase):
                out.append(
                    Drift(
                        "rows-jump",
                        t.name,
                        {"rows": prev.rows},
                        {"rows": t.rows},
                        f"{where} grew from {prev.rows:,} to {t.rows:,} rows",
                    )
                )
            if prev.kind != "people" and t.kind == "people":
                out.append(
                    Drift(
                        "aggregate-to-people",
                        t.name,
                        {"kind": prev.kind, "rows": prev.rows},
                        {"kind": t.kind, "rows": t.rows, "people": t.people},
                        f"{where} was {prev.kind} figures and is now a list of {t.people:,} people",
                    )
                )
            for attr, label in (("hidden_rows", "hidden rows"), ("hidden_columns", "hidden columns")):
                b, a = getattr(prev, attr), getattr(t, attr)
                if a > b:
                    out.append(
                        Drift(
                            "new-hidden-part",
                            t.name,
                            {attr: b},
                            {attr: a},
                            f"{where}: {label} {b:,} -> {a:,}",
                        )
                    )
        new_cols = [
            (h, e)
            for h, e, s in t.columns
            if (h, e) not in prev_cols and s in (Identifier.DIRECT.value, Identifier.QUASI.value)
        ]
        if new_cols and prev is not None:
            out.append(
                Drift(
                    "new-identifier-column",
                    t.name,
                    {"identifier_columns": sorted({e for _, e, s in prev.columns if s != "none"})},
                    {"new_columns": [{"header": h, "entity": e} for h, e in new_cols]},
                    f"{where}: new identifier column(s) " + ", ".join(f"'{h}' ({e})" for h, e in new_cols),
                )
            )
    old_hidden = dict(before.hidden)
    for vis, n in after.hidden:
        if vis not in old_hidden:
            out.append(
                Drift(
                    "new-hidden-part",
                    vis,
                    {vis: 0},
                    {vis: n},
                    f"personal data now in a {vis} part ({n:,} finding(s); none before)",
                )
            )
    if _grew(before.people, after.people, row_factor, 1) and after.people > 0:
        out.append(
            Drift(
                "people-jump",
                "file",
                {"people": before.people},
                {"people": after.people},
                f"identifies {after.people:,} people (was {before.people:,})",
            )
        )
    if (
        _VERDICT_ORDER.index(after.verdict) > _VERDICT_ORDER.index(before.verdict)
        and after.verdict != "unscannable"
    ):
        out.append(
            Drift(
                "verdict-worse",
                "file",
                {"verdict": before.verdict},
                {"verdict": after.verdict},
                f"verdict went from {before.verdict} to {after.verdict}",
            )
        )
    return out


__all__ = ["Drift", "Profile", "TableShape", "compare", "profile_of"]
