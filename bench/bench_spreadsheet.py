"""Speed and column classification on the 6,252-person leak-style workbook, against Presidio.

Run:  /work/venv/bin/python bench/bench_spreadsheet.py [--presidio-rows N] [--repeats R]

Measures in one run (median of R timed runs after a warm-up, min reported too):
  (a) the parse floor: python-calamine and openpyxl read-only reading every value of every sheet;
  (b) ``clearance.scan([path])`` end to end, in-process, with the first (cold) call reported apart;
  (c) Microsoft Presidio: ``BatchAnalyzerEngine.analyze_iterator`` (batch 64) over each column's
      values with a majority entity per column, and presidio-structured's ``PandasAnalysisBuilder``
      column classification (when installed). ``--presidio-rows N`` runs Presidio on the first N
      data rows and extrapolates its time linearly to the full table (said so in the output).
Each tool's per-column classification is checked against the generator's ground truth.
Writes bench/out/bench_spreadsheet.{json,md}.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from _common import (
    Timing,
    clearance_status,
    fmt_ratio,
    fmt_s,
    leak_workbook,
    machine_line,
    markdown_table,
    max_rss_mb,
    peak_rss_subprocess,
    presidio_analyzer,
    presidio_available,
    presidio_nlp_engine,
    run_fresh,
    time_call,
    write_json,
    write_markdown,
)

# Ground truth: header keyword -> clearance entity. First match wins, so order matters
# ("case status" before anything else containing "status"; "a-number" before "name").
TRUTH_RULES: tuple[tuple[str, str], ...] = (
    (r"\bcase\b.*\bstatus\b|\bstatus\b", "case-status"),
    (r"\ba[\s\-_]*(number|no\.?|#)|\balien\b.*\bnumber|\ba-?nr\b|\banum", "a-number"),
    (r"\bdob\b|birth", "date-of-birth"),
    (r"national|citizenship|\bcountry\b", "nationality"),
    (r"facility|detention|center|centre", "detention-facility"),
    (r"name", "person-name"),
)

# Presidio entities that count as the right answer for each ground-truth column. Generous on
# purpose: Presidio has no nationality, facility, A-number or case-status entity, so a country
# tagged LOCATION/NRP counts as nationality and a facility tagged LOCATION/ORGANIZATION counts.
PRESIDIO_ACCEPTS: dict[str, set[str]] = {
    "person-name": {"PERSON"},
    "date-of-birth": {"DATE_TIME"},
    "nationality": {"NRP", "LOCATION"},
    "detention-facility": {"LOCATION", "ORGANIZATION"},
    "a-number": set(),
    "case-status": set(),
}
# Strict reading: only entities that mean the thing itself (NRP is "nationality, religious or
# political group"; Presidio has nothing for facilities, A-numbers or case status).
PRESIDIO_STRICT: dict[str, set[str]] = {
    "person-name": {"PERSON"},
    "date-of-birth": {"DATE_TIME"},
    "nationality": {"NRP"},
    "detention-facility": set(),
    "a-number": set(),
    "case-status": set(),
}
NONE = "(none)"


def truth_for(header: str) -> str | None:
    h = header.strip().lower()
    for pattern, entity in TRUTH_RULES:
        if re.search(pattern, h):
            return entity
    return None


def col_letter(idx: int) -> str:
    """0-based column index -> A1 letters."""
    s = ""
    idx += 1
    while idx:
        idx, r = divmod(idx - 1, 26)
        s = chr(65 + r) + s
    return s


def letter_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


# ------------------------------------------------------------------------------------------
# (a) parse floor


def read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    n = 0
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python():
            n += len(row)
    return n


def read_openpyxl(path: Path) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            n += len(row)
    wb.close()
    return n


def people_sheet(path: Path) -> tuple[str, list[str], list[list[str]], int]:
    """The sheet with the most rows: (name, header, data rows as strings, first column index)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    best: tuple[str, list[list[Any]], int] | None = None
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        if best is None or len(rows) > len(best[1]):
            best = (name, rows, 0)
    assert best is not None
    name, rows, _ = best
    # skip leading empty rows/columns so the header is the first non-empty row
    while rows and not any(_cell(v) for v in rows[0]):
        rows = rows[1:]
    first_col = 0
    if rows:
        while first_col < len(rows[0]) and not _cell(rows[0][first_col]):
            first_col += 1
    header = [_cell(v) for v in rows[0][first_col:]]
    data = [[_cell(v) for v in r[first_col:]] for r in rows[1:] if any(_cell(v) for v in r)]
    return name, header, data, first_col


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# ------------------------------------------------------------------------------------------
# (c) Presidio


def presidio_batch_columns(
    batch: Any, header: list[str], data: list[list[str]]
) -> dict[int, tuple[str, float]]:
    """Majority entity per column (top-scoring result per cell; no result counts as '(none)')."""
    out: dict[int, tuple[str, float]] = {}
    for c in range(len(header)):
        values = [r[c] if c < len(r) else "" for r in data]
        results = batch.analyze_iterator(values, language="en", batch_size=64)
        counts: Counter[str] = Counter()
        for cell in results:
            counts[max(cell, key=lambda r: r.score).entity_type if cell else NONE] += 1
        entity, k = counts.most_common(1)[0]
        out[c] = (entity, k / max(1, len(values)))
    return out


def presidio_structured_columns(
    analyzer: Any, header: list[str], data: list[list[str]]
) -> dict[int, tuple[str, float]]:
    import pandas as pd
    from presidio_structured import PandasAnalysisBuilder

    df = pd.DataFrame(data, columns=header)
    builder = PandasAnalysisBuilder(analyzer=analyzer, batch_size=64)
    analysis = builder.generate_analysis(df, n=len(df))
    mapping = analysis.entity_mapping
    return {c: (mapping.get(h, NONE), None) for c, h in enumerate(header)}


# ------------------------------------------------------------------------------------------
# (b) clearance


def clearance_columns(report: Any, header: list[str], first_col: int) -> dict[int, tuple[str, float]]:
    """Entity per column from the report: findings with a column range, weighted by count."""
    per_col: dict[int, Counter[str]] = {}
    for f in report.files[0].findings:
        rng = getattr(f.location, "range", None) or ""
        m = re.match(r"^\$?([A-Z]{1,3})\$?\d*(?::\$?([A-Z]{1,3})\$?\d*)?$", rng)
        col = None
        if m and (m.group(2) in (None, m.group(1))):
            col = letter_index(m.group(1)) - first_col
        elif getattr(f.location, "column", None):
            col = f.location.column - 1 - first_col
        if col is None or not 0 <= col < len(header):
            continue
        per_col.setdefault(col, Counter())[f.entity] += max(1, int(getattr(f, "count", 1) or 1))
    # fall back to the table summaries for columns no finding names
    for t in getattr(report.files[0], "tables", ()) or ():
        for label, entity in t.columns:
            if label in header:
                c = header.index(label)
                per_col.setdefault(c, Counter())[entity] += 0
    out: dict[int, tuple[str, float]] = {}
    for c in range(len(header)):
        counts = per_col.get(c)
        if not counts:
            out[c] = (NONE, 0.0)
            continue
        total = sum(counts.values()) or 1
        entity, k = counts.most_common(1)[0]
        out[c] = (entity, k / total)
    return out


def score_columns(
    header: list[str],
    truth: dict[int, str],
    got: dict[int, tuple[str, float]],
    accepts: dict[str, set[str]] | None,
) -> tuple[int, int, list[str]]:
    right = 0
    marks = []
    for c, want in truth.items():
        entity = got.get(c, (NONE, 0.0))[0]
        ok = entity in accepts[want] if accepts is not None else entity == want
        right += ok
        marks.append(f"{header[c]}: {entity} {'✓' if ok else '✗'}")
    return right, len(truth), marks


# ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=6252, help="people in the workbook (default 6252)")
    ap.add_argument("--placement", default="hidden-sheet")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per fast tool (default 5)")
    ap.add_argument(
        "--presidio-rows", type=int, default=0, help="Presidio on the first N rows, extrapolated (0 = all)"
    )
    ap.add_argument("--presidio-repeats", type=int, default=1)
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--no-structured", action="store_true", help="skip presidio-structured")
    ap.add_argument("--no-memory", action="store_true", help="skip the per-tool peak-RSS subprocesses")
    args = ap.parse_args(argv)

    wb = leak_workbook(n=args.n, placement=args.placement, seed=args.seed)
    path = wb.path
    print(f"# Leak-style workbook benchmark\n\nmachine: {machine_line()}")
    print(
        f"workbook: {path} ({path.stat().st_size:,} B; generator: {wb.generator}; n={wb.n}, {wb.placement})"
    )

    sheet, header, data, first_col = people_sheet(path)
    truth = {c: t for c, h in enumerate(header) if (t := truth_for(h))}
    n_rows, n_cells = len(data), len(data) * len(header)
    print(f"people sheet '{sheet}': {n_rows:,} rows x {len(header)} columns = {n_cells:,} cells")
    print("ground truth: " + ", ".join(f"{header[c]} -> {t}" for c, t in truth.items()) + "\n")

    results: dict[str, dict[str, Any]] = {}
    memory: dict[str, float | None] = {}

    # (a) parse floor
    t_cal, cells = time_call(lambda: read_calamine(path), repeats=max(args.repeats, 7), warmup=1)
    results["calamine (parse floor)"] = {"timing": t_cal, "cells_read": cells}
    t_opx, _ = time_call(lambda: read_openpyxl(path), repeats=max(2, args.repeats // 2), warmup=1)
    results["openpyxl read-only"] = {"timing": t_opx}
    if not args.no_memory:
        memory["calamine (parse floor)"] = peak_rss_subprocess(
            "from bench_spreadsheet import read_calamine; from pathlib import Path; "
            f"read_calamine(Path({str(path)!r}))"
        )
        memory["openpyxl read-only"] = peak_rss_subprocess(
            "from bench_spreadsheet import read_openpyxl; from pathlib import Path; "
            f"read_openpyxl(Path({str(path)!r}))"
        )

    # (b) clearance
    ready, why = clearance_status()
    clearance_cols: dict[int, tuple[str, float]] | None = None
    report_summary: dict[str, Any] = {}
    if ready:
        import clearance

        t_clr, report = time_call(
            lambda: clearance.scan([str(path)]), repeats=args.repeats, warmup=1, time_first=True
        )
        results["clearance.scan"] = {"timing": t_clr}
        f0 = report.files[0]
        report_summary = {
            "verdict": str(f0.verdict),
            "people": f0.people,
            "categories": list(f0.categories),
            "findings": [
                {
                    "entity": f.entity,
                    "range": f.location.range,
                    "sheet": f.location.sheet,
                    "visibility": str(f.visibility),
                    "count": f.count,
                }
                for f in f0.findings
            ],
        }
        clearance_cols = clearance_columns(report, header, first_col)
        # the cold cost in a fresh interpreter: import + first scan (name index etc. load once)
        rss, stdout = run_fresh(
            "import time; t0 = time.perf_counter(); import clearance; t1 = time.perf_counter(); "
            f"clearance.scan([{str(path)!r}]); t2 = time.perf_counter(); print('__T__', t1 - t0, t2 - t1)"
        )
        memory["clearance.scan"] = rss
        for line in stdout.splitlines():
            if line.startswith("__T__"):
                _, imp, first = line.split()
                t_clr.first = float(first)
                results["clearance.scan"]["import_s"] = float(imp)
    else:
        print(f"clearance.scan not measured: the pipeline does not run yet ({why})\n")

    # (c) Presidio
    presidio_cols: dict[int, tuple[str, float]] | None = None
    structured_cols: dict[int, tuple[str, float]] | None = None
    extrapolated = False
    ok, why_p = presidio_available()
    if args.no_presidio or not ok:
        if not args.no_presidio:
            print(f"Presidio not measured: {why_p}\n")
    else:
        from presidio_analyzer import BatchAnalyzerEngine

        sub = data[: args.presidio_rows] if args.presidio_rows else data
        scale = n_rows / len(sub) if sub else 1.0
        extrapolated = len(sub) < n_rows
        nlp = presidio_nlp_engine()
        analyzer = presidio_analyzer(nlp_engine=nlp)
        batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
        list(batch.analyze_iterator(["warm up John Smith 1987-03-03"], language="en", batch_size=64))
        t_p, presidio_cols = time_call(
            lambda: presidio_batch_columns(batch, header, sub), repeats=args.presidio_repeats, warmup=0
        )
        results["Presidio BatchAnalyzerEngine"] = {
            "timing": Timing([r * scale for r in t_p.runs]),
            "rows_run": len(sub),
            "measured_s": t_p.runs,
        }
        if not args.no_structured:
            try:
                import presidio_structured  # noqa: F401
            except ImportError:
                print("presidio-structured not installed: skipped\n")
            else:
                # presidio-structured builds its own AnalyzerEngine with threshold 0 by default;
                # keep that default, sharing the same spaCy model.
                s_analyzer = presidio_analyzer(threshold=0.0, nlp_engine=nlp)
                with contextlib.redirect_stderr(io.StringIO()):
                    t_s, structured_cols = time_call(
                        lambda: presidio_structured_columns(s_analyzer, header, sub),
                        repeats=args.presidio_repeats,
                        warmup=0,
                    )
                results["presidio-structured PandasAnalysisBuilder"] = {
                    "timing": Timing([r * scale for r in t_s.runs]),
                    "rows_run": len(sub),
                    "measured_s": t_s.runs,
                }
        memory["Presidio (process high-water mark)"] = max_rss_mb()

    # classification tables
    col_rows = []
    right: dict[str, str] = {}
    for tool, cols, accepts in (
        ("clearance.scan", clearance_cols, None),
        ("Presidio BatchAnalyzerEngine", presidio_cols, PRESIDIO_ACCEPTS),
        ("presidio-structured PandasAnalysisBuilder", structured_cols, PRESIDIO_ACCEPTS),
    ):
        if cols is None:
            continue
        k, total, _marks = score_columns(header, truth, cols, accepts)
        right[tool] = f"{k}/{total}"
        if accepts is not None:
            k_strict = score_columns(header, truth, cols, PRESIDIO_STRICT)[0]
            right[tool] = f"{k}/{total} (strict {k_strict}/{total})"
            results[tool]["columns_right_strict"] = k_strict
        results[tool]["columns"] = {
            header[c]: {"entity": cols[c][0], "share": cols[c][1], "truth": truth.get(c)} for c in cols
        }
        results[tool]["columns_right"] = k
        for c, want in truth.items():
            entity, share = cols.get(c, (NONE, 0.0))
            ok_c = entity in accepts[want] if accepts is not None else entity == want
            shown = entity if share is None else f"{entity} ({share:.0%})"
            col_rows.append(
                [tool, f"{col_letter(c + first_col)} {header[c]}", want, shown, "right" if ok_c else "WRONG"]
            )

    floor = t_cal.median
    clr = results.get("clearance.scan", {}).get("timing")
    rows = []
    for tool, r in results.items():
        t: Timing = r["timing"]
        vs = t.median / clr.median if clr is not None and tool != "clearance.scan" else None
        secs = fmt_s(t.median) + ("*" if "rows_run" in r and extrapolated else "")
        rows.append(
            [
                tool,
                secs,
                fmt_s(t.min),
                fmt_ratio(t.median / floor),
                fmt_ratio(vs) if vs else "–",
                right.get(tool, "–"),
                f"{memory[tool]:.0f} MiB" if memory.get(tool) else "–",
            ]
        )
    if clr is not None:
        imp = results["clearance.scan"].get("import_s")
        rows.append(
            [
                f"clearance.scan first call in a fresh process (import: {fmt_s(imp)} more)",
                fmt_s(clr.first),
                "–",
                fmt_ratio(clr.first / floor) if clr.first else "–",
                "–",
                "–",
                "–",
            ]
        )

    table = markdown_table(
        [
            "tool",
            "seconds (median)",
            "min",
            "ratio to parse floor",
            "clearance is N× faster",
            "columns right",
            "peak RSS",
        ],
        rows,
    )
    lines = [table, ""]
    if extrapolated:
        lines.append(
            f"\\* Presidio ran on the first {args.presidio_rows:,} of {n_rows:,} rows; its time is "
            "extrapolated linearly to the full table."
        )
    lines.append(
        "Presidio is credited generously: LOCATION/NRP counts as nationality and LOCATION/ORGANIZATION as "
        "detention facility (it has no entity for those, nor for A-numbers or case status); 'strict' counts "
        "only PERSON, DATE_TIME and NRP. Shares are the fraction of cells (clearance: of finding counts) "
        "behind the column's entity; presidio-structured does not expose one."
    )
    if "Presidio (process high-water mark)" in memory:
        lines.append(
            f"Process high-water mark after Presidio: {memory['Presidio (process high-water mark)']:.0f} MiB "
            "(includes everything loaded before it)."
        )
    lines += ["", markdown_table(["tool", "column", "truth", "classified as (share)", "verdict"], col_rows)]
    if clr is not None:
        targets = []
        targets.append(
            f"clearance within 2x of the parse floor: {clr.median / floor:.2f}x "
            f"-> {'MET' if clr.median <= 2 * floor else 'NOT MET'}"
        )
        p = results.get("presidio-structured PandasAnalysisBuilder") or results.get(
            "Presidio BatchAnalyzerEngine"
        )
        if p:
            sp = p["timing"].median / clr.median
            targets.append(f">= 100x faster than Presidio: {sp:,.0f}x -> {'MET' if sp >= 100 else 'NOT MET'}")
        tot = len(truth)
        k = results["clearance.scan"].get("columns_right", 0)
        targets.append(f"every column right: {k}/{tot} -> {'MET' if k == tot else 'NOT MET'}")
        targets.append(f"verdict {report_summary.get('verdict')}, people {report_summary.get('people')}")
        lines += ["", "Targets:", *[f"- {t}" for t in targets]]
    text = "\n".join(lines)
    print(text)
    write_markdown("bench_spreadsheet", f"machine: {machine_line()}\n\n{text}")
    out = write_json(
        "bench_spreadsheet",
        {
            "workbook": {
                "path": str(path),
                "bytes": path.stat().st_size,
                "generator": wb.generator,
                "n": wb.n,
                "placement": wb.placement,
                "sheet": sheet,
                "header": header,
                "rows": n_rows,
                "cells": n_cells,
            },
            "truth": {header[c]: t for c, t in truth.items()},
            "results": results,
            "peak_rss_mib": memory,
            "presidio_extrapolated": extrapolated,
            "presidio_rows": args.presidio_rows or n_rows,
            "clearance_ready": ready,
            "clearance_status": why,
            "clearance_report": report_summary,
        },
    )
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
