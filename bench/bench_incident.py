"""Incident response at the founding case's scale: 6,252 people and 10 million log lines.

1. The exposed-people list for the 6,252-person leak workbook (hidden sheet), from file to
   deduplicated records (``clearance.incident.exposed.exposed_people``; scanner build excluded
   and reported apart).
2. ``exposure`` over 10 million combined-format log lines in one gzip file, streamed to a temp
   dir: background traffic plus the leaked URL's requests (the generator's ground truth). The
   generator writes pre-rendered lines sampled in 100k-line blocks, so writing is fast and the
   timed part is only reading + matching + aggregating. Reported: lines/s, total seconds, and
   whether the figures equal the ground truth.

    /work/venv/bin/python bench/bench_incident.py [--lines 10000000] [--people 6252]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "tests"))

from clearance.incident import logs as L  # noqa: E402
from clearance.incident.exposed import exposed_people  # noqa: E402
from clearance.incident.exposure import Exposure  # noqa: E402
from clearance.pipeline import Scanner  # noqa: E402
from generators.incident import OTHER_PATHS, combined_line, make_events  # noqa: E402
from generators.workbooks import make_leak_workbook  # noqa: E402

URL = "/sites/default/files/FY23 detention stats.xlsx"
BLOCK_LINES = 100_000
POOL = 50_000


def write_logs(
    path: Path, lines: int, file_size: int, t0: dt.datetime, t1: dt.datetime
) -> tuple[object, int]:
    """Background lines sampled from a pool of pre-rendered ones, the leak's events spread through."""
    events, truth = make_events(url=URL, file_size=file_size, t0=t0, t1=t1, noise=0)
    rng = random.Random(5)
    pool = []
    uas = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/107.0",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/107.0",
    )
    for i in range(POOL):
        t = t0 + dt.timedelta(seconds=rng.randrange(-86400, 86400))
        ip = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        p = rng.choice(OTHER_PATHS) + (f"?page={i}" if i % 7 == 0 else "")
        ts = t.strftime("%d/%b/%Y:%H:%M:%S +0000")
        pool.append(
            f'{ip} - - [{ts}] "GET {p} HTTP/1.1" 200 {rng.randrange(200, 90000)} "-" "{rng.choice(uas)}"\n'.encode()  # noqa: E501
        )
    leak_lines = [(combined_line(e) + "\n").encode() for e in events]
    background = lines - len(leak_lines)
    blocks = (background + BLOCK_LINES - 1) // BLOCK_LINES
    per_block = {}
    for i, line in enumerate(leak_lines):
        per_block.setdefault(i * blocks // len(leak_lines), []).append(line)
    written = 0
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for b in range(blocks):
            k = min(BLOCK_LINES, background - b * BLOCK_LINES)
            chunk = rng.choices(pool, k=k)
            chunk.extend(per_block.get(b, ()))
            fh.write(b"".join(chunk))
            written += len(chunk)
    return truth, written


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--people", type=int, default=6252)
    args = ap.parse_args()
    t0 = dt.datetime(2022, 11, 28, 14, 0, tzinfo=dt.UTC)
    t1 = t0 + dt.timedelta(hours=5)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-incident-") as tmp:
        d = Path(tmp)
        wb = make_leak_workbook(d / "leak.xlsx", n=args.people, placement="hidden-sheet")
        s = time.perf_counter()
        scanner = Scanner.build()
        build_s = time.perf_counter() - s
        res = exposed_people(wb, scanner)
        rows.append(("scanner build", f"{build_s:.2f} s", ""))
        rows.append(
            (
                f"exposed list, {args.people:,}-person workbook",
                f"{res.seconds:.2f} s",
                f"{len(res.people):,} people",
            )
        )

        s = time.perf_counter()
        log = d / "access.log.1.gz"
        truth, written = write_logs(log, args.lines, wb.stat().st_size, t0, t1)
        gen_s = time.perf_counter() - s
        rows.append(
            (f"generate {written:,} lines (gzip)", f"{gen_s:.1f} s", f"{log.stat().st_size / 1e6:.0f} MB gz")
        )

        s = time.perf_counter()
        stats = L.ReadStats()
        exp = Exposure(paths=[URL], file_size=wb.stat().st_size, rdns=truth.rdns, removed_at=t1)
        exp.add_all(L.read_logs([log], L.needles_for([URL], wb.stat().st_size), stats))
        summary = exp.summary()
        took = time.perf_counter() - s
        ok = (
            summary["requests"] == truth.requests
            and summary["complete_downloads"] == truth.complete
            and summary["distinct_clients"] == truth.distinct_clients
            and summary["partial_responses"] == truth.partial
        )
        rows.append(
            (
                f"exposure over {stats.lines:,} lines",
                f"{took:.1f} s",
                f"{stats.lines / took / 1e6:.2f} M lines/s; candidates {stats.candidates:,}; "
                f"ground truth {'OK' if ok else 'MISMATCH'}",
            )
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    w = max(len(r[0]) for r in rows)
    print(f"{'step':<{w}}  {'time':>9}  notes")
    for name, t, note in rows:
        print(f"{name:<{w}}  {t:>9}  {note}")
    print(f"peak RSS {rss:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
