"""``clearance aggregate RECORDS -o TABLES.xlsx --by facility,nationality``: safe statistics.

Flags -> read records -> cube -> suppression + attacker audit -> xlsx + report -> re-scan the
workbook with the full scanner -> exit status (0 only when the audit and the scan both pass).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
from pathlib import Path

from clearance.actions import aggregate as agg
from clearance.cli.env import Environment
from clearance.errors import ExitStatus, UsageError
from clearance.model import Verdict


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "aggregate",
        help="publish counts from person-level records with small cells suppressed and audited",
        description="Count person-level records (csv, tsv, xlsx, parquet) by the --by dimensions, "
        "suppress small cells and enough complementary cells that none can be recovered from the "
        "totals (checked by the attacker's linear programs), write an xlsx and re-scan it. "
        "Exit status: 0 written and checked; 1 the audit or the scan of the output failed; 2 usage error.",
    )
    p.add_argument("records", type=Path, metavar="RECORDS")
    p.add_argument("--output", "-o", type=Path, required=True, help="the workbook to write (.xlsx)")
    p.add_argument(
        "--by",
        action="append",
        required=True,
        metavar="DIM,DIM,...",
        help="one cross-tabulation (column names; age_band is derived); repeat for linked tables",
    )
    p.add_argument("--age-bands", metavar="0-17,18-24,...,65+", help="bands for the age_band dimension")
    p.add_argument("--dob-column", default="dob", help="date-of-birth column for age_band (default: dob)")
    p.add_argument("--dob-format", help="strptime format of the DOB column (default: ISO, then m/d/Y)")
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="reference date for ages (required)")
    p.add_argument("--count-distinct", metavar="COLUMN", help="count distinct values of COLUMN, not rows")
    p.add_argument("--threshold", type=int, default=10, help="smallest publishable count (default: 10)")
    p.add_argument(
        "--protection",
        type=float,
        default=0.5,
        help="protection level as a share of the threshold (default: 0.5: +/-5 for threshold 10)",
    )
    p.add_argument("--zeros", choices=("publish", "suppress"), default="publish", help="zero cells")
    p.add_argument(
        "--cost", choices=("value", "cells"), default="value", help="what secondary suppression minimises"
    )
    p.add_argument("--method", choices=("auto", "optimal", "heuristic"), default="auto")
    p.add_argument("--round", type=int, default=0, metavar="BASE", help="round published counts to BASE")
    p.add_argument("--symbol", default="x", help="what a suppressed cell shows (default: x)")
    p.add_argument("--report", type=Path, help="disclosure-check json (default: OUTPUT.disclosure.json)")
    p.add_argument("--format", "-f", choices=("terminal", "json"), default="terminal")
    p.add_argument("--no-scan", action="store_true", help="skip the re-scan of the workbook")
    p.set_defaults(handler=run)


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from exc


def _abs(env: Environment, p: Path) -> Path:
    return p if p.is_absolute() else env.cwd / p


def _options(args: argparse.Namespace) -> agg.Rules:
    if args.threshold < 1:
        raise UsageError("--threshold must be at least 1")
    if not 0 < args.protection <= 10:
        raise UsageError("--protection must be a positive share of the threshold (e.g. 0.5)")
    if args.round < 0:
        raise UsageError("--round must be 0 (exact) or a positive base")
    if args.round > args.threshold:
        raise UsageError("--round may not exceed --threshold: rounding would publish 0 for small counts")
    return agg.Rules(args.threshold, args.protection, args.zeros, args.cost, args.method)


def run(args: argparse.Namespace, env: Environment) -> int:
    rules = _options(args)
    records, output = _abs(env, args.records), _abs(env, args.output)
    if output.suffix.lower() != ".xlsx":
        raise UsageError("--output must be an .xlsx file")
    if not records.is_file():
        raise UsageError(f"{args.records}: no such file")
    specs = [tuple(d.strip() for d in by.split(",") if d.strip()) for by in args.by]
    if any(not s or len(set(s)) != len(s) for s in specs):
        raise UsageError("--by needs distinct dimension names, e.g. --by facility,nationality")
    dims = tuple(dict.fromkeys(d for s in specs for d in s))
    columns, rows = agg.read_records(records)
    mapping = {d: agg.resolve_column(columns, d) for d in dims if d != agg.AGE_BAND}
    bands: tuple[agg.AgeBand, ...] = ()
    dob = None
    if agg.AGE_BAND in dims:
        if not args.age_bands or args.as_of is None:
            raise UsageError("the age_band dimension needs --age-bands and --as-of YYYY-MM-DD")
        bands, dob = agg.parse_age_bands(args.age_bands), agg.resolve_column(columns, args.dob_column)
    distinct = agg.resolve_column(columns, args.count_distinct) if args.count_distinct else None
    cube = agg.build_cube(
        rows,
        dims,
        mapping,
        age_bands=bands,
        dob_column=dob,
        as_of=args.as_of,
        dob_format=args.dob_format,
        distinct_column=distinct,
    )
    pub = agg.protect(
        cube, [agg.TableSpec(s) for s in specs], rules, symbol=args.symbol, round_base=args.round
    )
    agg.write_workbook(pub, output)
    report_path = _abs(env, args.report) if args.report else output.with_suffix(".disclosure.json")
    agg.write_report(pub, report_path)
    verdict = None if args.no_scan else _scan(output)
    if args.format == "json":
        doc = {**agg.report(pub), "output": str(output), "scan": verdict}
        env.stdout.write((json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())
    else:
        text = agg.render_terminal(pub)
        text += f"wrote {output} and {report_path.name}\n"
        if verdict is not None:
            text += f"clearance scan of the workbook: {verdict}\n"
        env.stdout.write(text.encode())
    env.stdout.flush()
    if not pub.audit.ok or verdict not in (None, Verdict.PASS.value):
        return ExitStatus.FINDINGS
    return ExitStatus.OK


def _scan(path: Path) -> str:
    """Verdict of the full scanner on the written workbook (the output is never trusted unscanned)."""
    from clearance.pipeline import Scanner

    scanner = Scanner.build()
    (fr,) = list(scanner.scan_paths([str(path)]))
    return str(fr.verdict.value)
