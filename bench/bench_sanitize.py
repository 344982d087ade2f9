"""Benchmark `clearance sanitize`: the 6,252-row leak workbook (median of 5) and peak memory.

    python bench/bench_sanitize.py [--n 6252] [--repeats 5] [--placement hidden-sheet ...] [--pdf PATH]

Each run is the whole step: scan, plan, write, re-scan. Peak memory is measured in a fresh
interpreter per case. ``--pdf PATH`` times the registered PDF sanitizer on PATH (the PDF writer
plugs in through ``clearance.actions.sanitize.sanitizers()``; the row says so when none is there).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import (
    leak_workbook,
    machine_line,
    markdown_table,
    run_fresh,
    time_call,
    write_json,
    write_markdown,
)


def _case(label: str, path: Path, repeats: int) -> dict[str, object]:
    from clearance.config.loader import load_config
    from clearance.pipeline import Scanner
    from clearance.pipeline_sanitize import sanitize

    config = load_config(env={})
    scanner = Scanner.build(config)
    out = Path(tempfile.mkdtemp()) / ("clean" + path.suffix)
    timing, result = time_call(lambda: sanitize(path, out, config=config, scanner=scanner), repeats=repeats)
    code = (
        "from clearance.pipeline_sanitize import sanitize\n"
        f"r = sanitize({str(path)!r}, {str(out)!r})\nprint(r.status)\n"
    )
    rss, _ = run_fresh(code)
    return {
        "case": label,
        "input_bytes": path.stat().st_size,
        "status": result.status,
        "passes": result.passes,
        "median_s": timing.median
        if hasattr(timing, "median")
        else sorted(timing.runs)[len(timing.runs) // 2],
        "runs_s": timing.runs,
        "peak_rss_mb": rss,
        "removed": [x.description for x in result.removals],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=6252)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--placement", action="append", default=[])
    ap.add_argument("--pdf", type=Path, help="also time the registered PDF sanitizer on this file")
    args = ap.parse_args(argv)
    rows = []
    for placement in args.placement or ["hidden-sheet"]:
        wb = leak_workbook(args.n, placement)
        rows.append(_case(f"xlsx {placement}, {args.n:,} people", wb.path, args.repeats))
    if args.pdf is not None:
        from clearance import formats
        from clearance.actions.sanitize import sanitizers

        if formats.PDF in sanitizers():
            rows.append(_case(f"pdf {args.pdf.name}", args.pdf, args.repeats))
        else:
            rows.append({"case": f"pdf {args.pdf.name}", "status": "no PDF sanitizer registered"})
    table = markdown_table(
        ["case", "status", "passes", "median s", "peak RSS MiB", "input KiB"],
        [
            [
                r["case"],
                r["status"],
                r.get("passes", ""),
                f"{r['median_s']:.2f}" if "median_s" in r else "",
                f"{r['peak_rss_mb']:.0f}" if r.get("peak_rss_mb") else "",
                f"{r.get('input_bytes', 0) / 1024:.0f}",
            ]
            for r in rows
        ],
    )
    print(machine_line())
    print(table)
    write_json("bench_sanitize", {"rows": rows})
    write_markdown("bench_sanitize", machine_line() + "\n\n" + table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
