"""Roster matching at the founding case's scale: 6,252 exposed people against a 100,000-row roster.

The roster comes from ``tests/generators/roster.py`` (ground truth included): the exposed
people's roster rows are spelled differently (case, accents, swapped fields, dropped second
surname, transliteration variants, DOB day/month swaps, year off by one, typos), ~20% of all
roster rows have no A-number, and siblings of some exposed people share their surname.

Reported: precision and recall of auto-matches (>= 0.99) overall, for exposed people whose roster
row HAS an A-number (target P >= 0.99, R >= 0.98) and for those whose row has NONE; the review
queue (0.5-0.99 or ambiguous) and how often its best candidate is right; unmatched; recall of
match-or-review; wall time per phase on this machine; peak RSS.

    /work/venv/bin/python bench/bench_matching.py [--roster 100000] [--exposed 6252] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Any

from _common import (
    TESTS_DIR,
    machine_info,
    machine_line,
    markdown_table,
    max_rss_mb,
    write_json,
    write_markdown,
)

sys.path.insert(0, str(TESTS_DIR))


def _pr(tp: int, fp: int, fn: int) -> tuple[float, float]:
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def evaluate(fx: Any, result: Any) -> dict[str, Any]:
    roster_a = {r.key: bool(r.a_number) for r in fx.roster}
    groups: dict[str, Counter[str]] = {
        "all": Counter(),
        "with A-number": Counter(),
        "without A-number": Counter(),
    }
    misses: Counter[str] = Counter()
    for m in result.matches:
        want = fx.truth[m.exposed_key]
        g = "with A-number" if roster_a[want] else "without A-number"
        if m.decision == "match":
            outcome = "tp" if m.roster_key == want else "fp"
        elif m.decision == "review":
            outcome = "review_right" if m.roster_key == want else "review_wrong"
        else:
            outcome = "unmatched"
            misses.update(fx.variations[m.exposed_key] or ["(none)"])
        for name in ("all", g):
            groups[name][outcome] += 1
    table = {}
    for name, c in groups.items():
        fn = c["review_right"] + c["review_wrong"] + c["unmatched"]
        p, r = _pr(c["tp"], c["fp"], fn)
        _, r_any = _pr(c["tp"] + c["review_right"], c["fp"] + c["review_wrong"], c["unmatched"])
        table[name] = {
            "people": sum(c.values()),
            "auto_matched": c["tp"] + c["fp"],
            "false_matches": c["fp"],
            "precision": p,
            "recall": r,
            "review": c["review_right"] + c["review_wrong"],
            "review_best_is_right": c["review_right"],
            "unmatched": c["unmatched"],
            "recall_match_or_review": r_any,
        }
    return {"groups": table, "unmatched_variations": dict(misses.most_common(12))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--roster", type=int, default=100_000)
    ap.add_argument("--exposed", type=int, default=6_252)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--blank", type=float, default=0.2, help="share of roster rows with no A-number")
    args = ap.parse_args(argv)

    from clearance.incident.matching import match
    from generators.roster import make_roster

    t0 = time.perf_counter()
    fx = make_roster(args.roster, args.exposed, seed=args.seed, blank_a_number=args.blank)
    gen_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = match(fx.exposed, fx.roster)
    match_s = time.perf_counter() - t1
    ev = evaluate(fx, result)
    counts = result.counts()
    payload = {
        "machine": machine_info(),
        "args": vars(args),
        "roster_rows": len(fx.roster),
        "exposed": len(fx.exposed),
        "generate_s": gen_s,
        "match_s": match_s,
        "timings": dict(result.timings),
        "pairs_scored": result.pairs_scored,
        "em_trained": result.trained,
        "counts": counts,
        "evaluation": ev,
        "peak_rss_mb": max_rss_mb(),
    }
    write_json("bench_matching", payload)
    rows = [
        (
            name,
            g["people"],
            g["auto_matched"],
            g["false_matches"],
            f"{g['precision']:.4f}",
            f"{g['recall']:.4f}",
            g["review"],
            g["review_best_is_right"],
            g["unmatched"],
            f"{g['recall_match_or_review']:.4f}",
        )
        for name, g in ev["groups"].items()
    ]
    md = "\n".join(
        [
            f"# Roster matching: {len(fx.exposed):,} exposed x {len(fx.roster):,} roster rows",
            "",
            machine_line(),
            "",
            markdown_table(
                (
                    "roster row",
                    "people",
                    "auto-matched",
                    "false",
                    "precision",
                    "recall",
                    "review",
                    "review best right",
                    "unmatched",
                    "recall incl. review",
                ),
                rows,
            ),
            "",
            f"Counts: {counts}",
            "",
            f"Time: match {match_s:.1f} s (deterministic {result.timings.get('deterministic_s', 0):.2f} s, "
            f"Splink train+predict {result.timings.get('probabilistic_s', 0):.1f} s; "
            f"{result.pairs_scored:,} pairs scored >= 0.01); roster generation {gen_s:.1f} s; "
            f"peak RSS {payload['peak_rss_mb']:.0f} MB; EM trained: {result.trained}",
            "",
            f"Unmatched, by variation: {ev['unmatched_variations']}",
        ]
    )
    write_markdown("bench_matching", md + "\n")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
