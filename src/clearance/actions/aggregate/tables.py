"""Person-level records -> a count cube and the cells of the tables published from it.

The cube is the full cross-classification of every ``--by`` dimension (the attacker's unknowns in
the disclosure check); a published table over dimensions S publishes every cell of every marginal
of S (each cross-tab with its row, column and grand totals, and every one-way margin). A cell is
a key with one category index per cube dimension, or ``TOTAL`` where it sums over that dimension,
so the same margin published by two linked tables is one cell, suppressed or not in both.

No clock here: ages are computed against an explicit ``as_of`` date.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from clearance.errors import UsageError

TOTAL = -1  # key entry of a cell that sums over a dimension
TOTAL_LABEL = "Total"
AGE_BAND = "age_band"  # derived dimension name
NOT_STATED = "Not stated"  # DOB missing, unparseable or outside every band
# DOB text formats tried in order when no --dob-format is given: ISO first (unambiguous), then the
# US month-first form that government exports (and tests/generators/tables.py) write.
DOB_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y")


@dataclass(frozen=True)
class AgeBand:
    low: int
    high: int | None  # inclusive; None = open ("65+")
    label: str

    def contains(self, age: int) -> bool:
        return age >= self.low and (self.high is None or age <= self.high)


@dataclass(frozen=True)
class Cube:
    """Counts of the full cross-classification: ``counts[i1, i2, ...]`` per category index."""

    dims: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    counts: np.ndarray

    @property
    def total(self) -> int:
        return int(self.counts.sum())


@dataclass(frozen=True)
class TableSpec:
    """One published cross-tabulation (``--by a,b``): the dimensions it crosses."""

    dims: tuple[str, ...]

    @property
    def name(self) -> str:
        return " x ".join(self.dims)


# -- reading --------------------------------------------------------------------------------------
def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).casefold()


def read_records(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of a csv / tsv / xlsx / parquet file, every value as read (no coercion)."""
    import pandas as pd  # heavy: imported when a file is read

    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        sep = "\t" if suffix == ".tsv" else None
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, sep=sep, engine="python", encoding="utf-8-sig"
        )
    elif suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, dtype=object, engine="openpyxl")
    elif suffix in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
    else:
        raise UsageError(f"{path.name}: unsupported records format {suffix!r} (csv, tsv, xlsx, parquet)")
    frame = frame.astype(object).where(frame.notna(), None)
    return [str(c) for c in frame.columns], frame.to_dict("records")


def resolve_column(columns: Sequence[str], wanted: str) -> str:
    """The column named ``wanted`` (case, spaces, ``_`` and ``-`` ignored); the error lists headers."""
    for col in columns:
        if col == wanted:
            return col
    matches = [c for c in columns if _norm(c) == _norm(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(f"no column {wanted!r}; the records have: {', '.join(map(repr, columns))}")
    raise UsageError(f"column name {wanted!r} is ambiguous: {', '.join(map(repr, matches))}")


# -- age bands ------------------------------------------------------------------------------------
def parse_age_bands(text: str) -> tuple[AgeBand, ...]:
    """``"0-17,18-24,25-34,35+"`` -> bands; they must not overlap."""
    bands: list[AgeBand] = []
    for part in (p.strip() for p in text.split(",")):
        m = re.fullmatch(r"(\d+)\s*(?:-\s*(\d+)|(\+))", part)
        if not m:
            raise UsageError(f"age band {part!r}: expected LOW-HIGH or LOW+ (e.g. 0-17,18-24,65+)")
        low, high = int(m.group(1)), (int(m.group(2)) if m.group(2) else None)
        if high is not None and high < low:
            raise UsageError(f"age band {part!r}: the upper age is below the lower one")
        bands.append(AgeBand(low, high, part.replace(" ", "")))
    bands.sort(key=lambda b: b.low)
    for a, b in itertools.pairwise(bands):
        if a.high is None or a.high >= b.low:
            raise UsageError(f"age bands {a.label} and {b.label} overlap")
    return tuple(bands)


def to_date(value: object, fmt: str | None = None) -> _dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()  # type: ignore[no-any-return]
    text = str(value).strip()
    for f in (fmt,) if fmt else DOB_FORMATS:
        try:
            return _dt.datetime.strptime(text[:10] if f == "%Y-%m-%d" else text, f).date()
        except ValueError:
            continue
    return None


def age_on(dob: _dt.date, as_of: _dt.date) -> int:
    return as_of.year - dob.year - ((as_of.month, as_of.day) < (dob.month, dob.day))


def band_of(dob: _dt.date | None, as_of: _dt.date, bands: Sequence[AgeBand]) -> str:
    if dob is None or dob > as_of:
        return NOT_STATED
    age = age_on(dob, as_of)
    return next((b.label for b in bands if b.contains(age)), NOT_STATED)


# -- the cube -------------------------------------------------------------------------------------
def build_cube(
    rows: Iterable[Mapping[str, Any]],
    dims: Sequence[str],
    columns: Mapping[str, str],
    *,
    age_bands: Sequence[AgeBand] = (),
    dob_column: str | None = None,
    as_of: _dt.date | None = None,
    dob_format: str | None = None,
    distinct_column: str | None = None,
) -> Cube:
    """Count rows (or distinct ``distinct_column`` values: a person counts once, in the cell of
    their first record, so the tables stay additive) per combination of ``dims``.

    ``columns`` maps each dimension to its column; the dimension ``age_band`` is derived from
    ``dob_column`` and ``as_of``. Categories are sorted; missing values become "Not stated".
    """
    if AGE_BAND in dims and (dob_column is None or as_of is None or not age_bands):
        raise UsageError("the age_band dimension needs --age-bands, a DOB column and --as-of DATE")
    seen: set[object] = set()
    keys: list[tuple[str, ...]] = []
    for row in rows:
        if distinct_column is not None:
            ident = row.get(distinct_column)
            if ident is None or ident == "":
                continue
            ident = str(ident).strip()
            if ident in seen:
                continue
            seen.add(ident)
        key: list[str] = []
        for d in dims:
            if d == AGE_BAND:
                assert dob_column is not None and as_of is not None
                key.append(band_of(to_date(row.get(dob_column), dob_format), as_of, age_bands))
            else:
                v = row.get(columns[d])
                key.append(NOT_STATED if v is None or str(v).strip() == "" else str(v).strip())
        keys.append(tuple(key))
    if not keys:
        raise UsageError("the records hold no rows to count")
    categories: list[tuple[str, ...]] = []
    for i, d in enumerate(dims):
        present = {k[i] for k in keys}
        if d == AGE_BAND:  # bands in age order, then "Not stated"
            cats = [b.label for b in age_bands if b.label in present]
            cats += [NOT_STATED] if NOT_STATED in present else []
        else:
            cats = sorted(present - {NOT_STATED}) + ([NOT_STATED] if NOT_STATED in present else [])
        categories.append(tuple(cats))
    index = [{c: j for j, c in enumerate(cats)} for cats in categories]
    counts = np.zeros(tuple(len(c) for c in categories), dtype=np.int64)
    for k in keys:
        counts[tuple(index[i][v] for i, v in enumerate(k))] += 1
    return Cube(tuple(dims), tuple(categories), counts)


def cell_keys(cube: Cube, tables: Sequence[TableSpec]) -> list[tuple[int, ...]]:
    """Every published cell, each once: all marginals of every table, grand total first."""
    pos = {d: i for i, d in enumerate(cube.dims)}
    keys: dict[tuple[int, ...], None] = {}
    for t in tables:
        idx = [pos[d] for d in t.dims]
        for r in range(len(idx) + 1):
            for sub in itertools.combinations(idx, r):
                ranges = [range(len(cube.categories[i])) if i in sub else (TOTAL,) for i in range(len(pos))]
                for key in itertools.product(*ranges):
                    keys[key] = None
    return sorted(keys, key=lambda k: (sum(v != TOTAL for v in k), k))


def membership(cube: Cube, keys: Sequence[tuple[int, ...]]) -> Any:
    """Sparse 0/1 matrix (cells x cube entries): which cube entries each published cell sums."""
    from scipy import sparse

    shape = cube.counts.shape
    coords = np.indices(shape).reshape(len(shape), -1).T  # flat entry -> category indices
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    for r, key in enumerate(keys):
        mask = np.ones(len(coords), dtype=bool)
        for d, v in enumerate(key):
            if v != TOTAL:
                mask &= coords[:, d] == v
        members = np.flatnonzero(mask)
        rows.append(np.full(len(members), r))
        cols.append(members)
    data = np.ones(sum(len(c) for c in cols))
    return sparse.csr_matrix(
        (data, (np.concatenate(rows), np.concatenate(cols))), shape=(len(keys), int(np.prod(shape)))
    )


def labels(cube: Cube, key: tuple[int, ...]) -> dict[str, str]:
    return {
        d: (TOTAL_LABEL if v == TOTAL else cube.categories[i][v])
        for i, (d, v) in enumerate(zip(cube.dims, key))
    }
