"""``clearance aggregate`` on 6,252 generated detainees: time, cells, primary / secondary counts.

    python bench/bench_aggregate.py [--quick]     (--quick skips the three-way table)

Cases: the documented 4x4 example (optimal and heuristic), facility x nationality, facility x
age band, and facility x nationality x age band. Each case: build the cube, suppress, audit every
suppressed cell with the attacker LP, write the xlsx, re-scan it. Results: bench/out/aggregate.*
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import TESTS_DIR, machine_line, markdown_table, write_json, write_markdown

sys.path.insert(0, str(TESTS_DIR))

from clearance.actions import aggregate as agg
from generators.people import REFERENCE_DATE, make_people

N = 6252
BANDS = "0-17,18-24,25-34,35-44,45+"
EXAMPLE = np.array([[20, 50, 10, 8], [17, 3, 40, 30], [25, 30, 15, 12], [11, 45, 22, 2]])


def case(name: str, cube: agg.Cube, tables: list[agg.TableSpec], rules: agg.Rules, out: Path) -> dict:
    t0 = time.perf_counter()
    pub = agg.protect(cube, tables, rules)
    t1 = time.perf_counter()
    agg.write_workbook(pub, out)
    import clearance

    (f,) = clearance.scan([str(out)]).files
    t2 = time.perf_counter()
    widths = [iv.width for iv in pub.audit.intervals]
    return {
        "case": name,
        "cells": len(pub.keys),
        "primary": len(pub.pattern.primary),
        "secondary": len(pub.pattern.secondary),
        "method": pub.pattern.method,
        "protected": pub.audit.ok,
        "narrowest_interval": min(widths) if widths else None,
        "suppress_audit_s": round(t1 - t0, 2),
        "write_scan_s": round(t2 - t1, 2),
        "scan": f.verdict.value,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the three-way table (about a minute)")
    opts = ap.parse_args()
    rows = [{"facility": p.facility, "nationality": p.nationality, "dob": p.dob} for p in make_people(N)]
    cols = {"facility": "facility", "nationality": "nationality"}
    bands = agg.parse_age_bands(BANDS)

    def cube(dims: tuple[str, ...]) -> agg.Cube:
        return agg.build_cube(rows, dims, cols, age_bands=bands, dob_column="dob", as_of=REFERENCE_DATE)

    example = agg.Cube(("facility", "nationality"), (tuple("ABCD"), tuple("WXYZ")), EXAMPLE)
    two = ("facility", "nationality")
    cases = [
        ("4x4 example, optimal", example, [agg.TableSpec(two)], agg.Rules(method="optimal")),
        ("4x4 example, heuristic", example, [agg.TableSpec(two)], agg.Rules(method="heuristic")),
        ("facility x nationality", cube(two), [agg.TableSpec(two)], agg.Rules()),
        (
            "facility x age band",
            cube(("facility", "age_band")),
            [agg.TableSpec(("facility", "age_band"))],
            agg.Rules(),
        ),
    ]
    if not opts.quick:
        three = ("facility", "nationality", "age_band")
        cases.append(("facility x nationality x age band", cube(three), [agg.TableSpec(three)], agg.Rules()))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, c, tables, rules) in enumerate(cases):
            results.append(case(name, c, tables, rules, Path(tmp) / f"t{i}.xlsx"))
            print(f"done: {name}", file=sys.stderr, flush=True)
    headers = list(results[0])
    table = markdown_table(headers, ([r[h] for h in headers] for r in results))
    text = (
        f"# clearance aggregate, {N:,} generated records ({dt.date.today():%Y-%m-%d})\n\n"
        f"{machine_line()}\n\n{table}\n"
    )
    print(text)
    write_markdown("aggregate", text)
    write_json("aggregate", {"records": N, "results": results})


if __name__ == "__main__":
    main()
