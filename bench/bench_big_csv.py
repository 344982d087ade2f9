"""A 1 GB CSV of people, scanned in bounded memory: time, throughput and peak memory.

    python bench/bench_big_csv.py [--gb 1.0] [--keep]

Generates the file in a temporary directory (rows of fake people: name, DOB, nationality,
facility, A-number, case status; each row distinct), runs ``clearance scan --format json`` on it
in a child process and reports wall time, MB/s, the child's peak RSS (ru_maxrss) and the verdict
and people count. The extractor streams the file in chunks (``Limits.chunk_rows``) and the
people index counts exactly up to ``Limits.max_tracked_people`` distinct people, then reports
"at least" — so memory stays bounded however large the file.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Names as immigration rosters hold them ("FAMILY FAMILY2, Given Given2"): about a million
# combinations (namesakes repeat in a big file, as in life), and no digits or other marks a real
# name never has.
GIVEN = [
    "Maria",
    "Jose",
    "Jean",
    "Wei",
    "Olga",
    "Priya",
    "Ahmed",
    "Fatima",
    "Kwame",
    "Amina",
    "Luis",
    "Ana",
    "Carlos",
    "Rosa",
    "Pierre",
    "Mei",
    "Ivan",
    "Anjali",
    "Omar",
    "Aisha",
    "Kofi",
    "Grace",
    "Miguel",
    "Lucia",
    "Juan",
    "Yan",
    "Sergei",
    "Rahul",
    "Hassan",
    "Mariam",
    "Samuel",
    "Esther",
    "Pedro",
    "Elena",
]
FAMILY = [
    "GARCIA",
    "PIERRE",
    "WANG",
    "IVANOVA",
    "SHARMA",
    "HASSAN",
    "OKAFOR",
    "MWANGI",
    "LOPEZ",
    "DIALLO",
    "HERNANDEZ",
    "JOSEPH",
    "LI",
    "PETROV",
    "PATEL",
    "ALI",
    "MENSAH",
    "OTIENO",
    "MARTINEZ",
    "TRAORE",
    "RODRIGUEZ",
    "CHARLES",
    "ZHANG",
    "SMIRNOV",
    "SINGH",
    "KHAN",
    "ASANTE",
    "KAMAU",
    "GOMEZ",
    "BAH",
]
NATIONS = ["Guatemala", "Honduras", "Haiti", "China", "Russia", "India", "Mexico", "Nigeria", "Kenya"]
FACILITIES = [
    "Otay Mesa Detention Center",
    "Stewart Detention Center",
    "Port Isabel Service Processing Center",
]
STATUS = ["Credible fear - positive", "Asylum application pending", "Withholding of removal", "Parole"]


def generate(path: Path, target_bytes: int, seed: int = 0) -> int:
    rnd = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("Name,DOB,Country of Citizenship,Detention Facility,A-Number,Case Status\n")
        written = 0
        while written < target_bytes:
            block = []
            for _ in range(10_000):
                rows += 1
                block.append(
                    f'"{rnd.choice(FAMILY)} {rnd.choice(FAMILY)}, {rnd.choice(GIVEN)} {rnd.choice(GIVEN)}",'
                    f"{1950 + rnd.randrange(60)}-{1 + rnd.randrange(12):02d}-{1 + rnd.randrange(28):02d},"
                    f"{rnd.choice(NATIONS)},{rnd.choice(FACILITIES)},A{200_000_000 + rows:09d},"
                    f"{rnd.choice(STATUS)}\n"
                )
            text = "".join(block)
            fh.write(text)
            written += len(text)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="clearance-bigcsv-"))
    path = tmp / "people.csv"
    t0 = time.perf_counter()
    rows = generate(path, int(args.gb * 1024**3))
    size = path.stat().st_size
    print(f"generated {size / 1e6:,.0f} MB, {rows:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "clearance", "scan", str(path), "--format", "json", "--no-progress"],
        capture_output=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = json.loads(proc.stdout)["files"][0]
    print("| file | rows | seconds | MB/s | peak RSS (MB) | verdict | people |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {size / 1e6:,.0f} MB CSV | {rows:,} | {wall:.1f} | {size / 1e6 / wall:.1f} | {peak_mb:,.0f} | "
        f"{report['verdict']} | {report['people']:,}{'' if report.get('people_exact', True) else '+'} |"
    )
    if not args.keep:
        path.unlink()
        tmp.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
