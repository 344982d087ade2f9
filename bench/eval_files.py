"""File-level verdicts on the public benchmark files, against the benchmark README's ground truth.

Run:  /work/venv/bin/python bench/eval_files.py [--only SUBSTRING]

Each file is scanned alone with ``clearance.scan([path])`` (in-process, after one warm-up scan)
so its seconds are its own. Expectation ("Suggested file-level ground truth" in
/work/shared/benchmarks/README.md): flag = verdict block or review; do-not-flag = pass;
unscannable never counts as a match (it is not a pass, and it did not find the people either).
The two edge cases the README leaves to policy are listed but not scored.
Writes bench/out/eval_files.{json,md}.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from _common import (
    DATA_DIR,
    OUT_DIR,
    clearance_status,
    machine_line,
    markdown_table,
    write_json,
    write_markdown,
)

FLAG, PASS, POLICY = "flag", "do not flag", "policy decision"

# exact people counts we know (README §4): legislators-current 537 members; historical 12,230
EXPECTED_PEOPLE = {
    "congress_legislators/legislators-current.csv": 537,
    "congress_legislators/legislators-historical.csv": 12230,
    "presidio_research_synth/FakeNameGenerator.com_3000.csv": 3000,
    "ice_detainee_deaths/all_250_deaths_detailed.csv": 250,
}


def ground_truth() -> list[tuple[str, str]]:
    """(path relative to the data dir, expectation)."""
    d = DATA_DIR
    items: list[tuple[str, str]] = []
    pos = [
        *sorted(d.glob("congress_legislators/*.csv")),
        d / "presidio_research_synth/FakeNameGenerator.com_3000.csv",
        d / "ice_detainee_deaths/all_250_deaths_detailed.csv",
        d / "ice_detainee_deaths/detaineedeaths-2003-2017.pdf",
        *sorted(d.glob("ice_detainee_deaths/death_reports/*.pdf")),
    ]
    items += [(str(p.relative_to(d)), FLAG) for p in pos]
    neg = [
        *sorted(d.glob("ice_detention_stats/*.xlsx")),
        *sorted(
            p for p in d.glob("public_sector_aggregates/**/*") if p.is_file() and p.suffix.lower() != ".txt"
        ),
    ]
    for p in neg:
        rel = str(p.relative_to(d))
        items.append((rel, POLICY if rel.endswith("detentions_deaths_details.csv") else PASS))
    return items


def matches(expect: str, verdict: str) -> bool | None:
    if expect == POLICY:
        return None
    if expect == FLAG:
        return verdict in ("block", "review")
    return verdict == "pass"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="", help="scan only paths containing this substring")
    args = ap.parse_args(argv)

    ready, why = clearance_status()
    if not ready:
        print(f"clearance.scan does not run yet ({why}); nothing to measure.")
        write_json("eval_files", {"clearance_ready": False, "clearance_status": why})
        return 1
    import clearance

    # warm-up on a tiny table of people, so lazy imports and the name index are not charged to
    # the first benchmark file
    warm_csv = OUT_DIR / "warmup_people.csv"
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    warm_csv.write_text(
        "Name,Date of birth\nJohn Smith,1980-01-02\nMaria Garcia,1975-11-30\n", encoding="utf-8"
    )
    t0 = time.perf_counter()
    clearance.scan([str(warm_csv)])
    warm = time.perf_counter() - t0

    rows, recs = [], []
    right = scored = 0
    for rel, expect in ground_truth():
        if args.only and args.only not in rel:
            continue
        path = DATA_DIR / rel
        t0 = time.perf_counter()
        try:
            report = clearance.scan([str(path)])
            f0 = report.files[0]
            verdict, people, err = str(f0.verdict), f0.people, f0.error
            entities = sorted({f.entity for f in f0.findings})
            vis = sorted({str(f.visibility) for f in f0.findings})
            reasons = list(f0.reasons)
            exact = getattr(f0, "people_exact", True)
        except Exception as exc:  # a crash is reported, not hidden
            verdict, people, err, entities, vis, reasons, exact = (
                "crash",
                0,
                f"{type(exc).__name__}: {exc}",
                [],
                [],
                [],
                True,
            )
        secs = time.perf_counter() - t0
        ok = matches(expect, verdict)
        if ok is not None:
            scored += 1
            right += ok
        want_people = EXPECTED_PEOPLE.get(rel)
        people_s = f"{people:,}" + ("" if exact else "≈")
        if want_people is not None:
            people_s += f" (expect {want_people:,})"
        mark = "–" if ok is None else ("yes" if ok else "NO")
        detail = err or "; ".join(reasons)[:120]
        rows.append([rel, expect, verdict, people_s, f"{secs:.2f}", mark, ", ".join(vis), detail])
        recs.append(
            {
                "path": rel,
                "bytes": path.stat().st_size,
                "expect": expect,
                "verdict": verdict,
                "people": people,
                "people_exact": exact,
                "expected_people": want_people,
                "seconds": secs,
                "match": ok,
                "entities": entities,
                "visibilities": vis,
                "reasons": reasons,
                "error": err,
            }
        )
        print(f"  {verdict:<11} {secs:6.2f}s {rel}", file=sys.stderr)

    table = markdown_table(
        ["file", "expected", "verdict", "people", "seconds", "match", "where", "reason / error"], rows
    )
    total_s = sum(r["seconds"] for r in recs)
    lines = [
        table,
        "",
        f"Matches: {right}/{scored} scored files (policy-decision files not scored). "
        f"Total scan time {total_s:.1f} s; warm-up scan {warm:.2f} s.",
    ]
    for expect in (FLAG, PASS):
        group = [r for r in recs if r["expect"] == expect]
        lines.append(f"- expected '{expect}': {sum(bool(r['match']) for r in group)}/{len(group)} match")
    unscannable = [r["path"] for r in recs if r["verdict"] == "unscannable"]
    if unscannable:
        lines.append(f"Unscannable ({len(unscannable)}): " + ", ".join(unscannable))
    for rel in (
        "congress_legislators/legislators-current.csv",
        "congress_legislators/legislators-historical.csv",
    ):
        r = next((x for x in recs if x["path"] == rel), None)
        if r:
            lines.append(
                f"People in {rel}: {r['people']:,} (expected {r['expected_people']:,}; "
                f"{'exact' if r['people'] == r['expected_people'] else 'differs'})"
            )
    text = "\n".join(lines)
    print(text)
    write_markdown("eval_files", f"machine: {machine_line()}\n\n{text}")
    payload: dict[str, Any] = {"files": recs, "right": right, "scored": scored, "clearance_ready": True}
    print(f"\nwrote {write_json('eval_files', payload)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
