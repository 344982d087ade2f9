"""Regenerate the bundled example files (fake data only) deterministically.

    /work/venv/bin/python examples/make_examples.py

Writes, next to this script:
  leak_example.xlsx       visible aggregate sheets + 60 fake detainees in a hidden sheet (must block)
  aggregate_example.xlsx  aggregate statistics only, staff author in metadata (must pass)
  people_example.csv      60 fake detainees as a plain CSV (must block)

The generators live in tests/generators; this script borrows them rather than copying them.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from generators.people import make_people  # noqa: E402
from generators.tables import write_people_csv  # noqa: E402
from generators.workbooks import make_aggregate_workbook, make_leak_workbook  # noqa: E402

SEED = 2022
EXAMPLE_PEOPLE = 60


def main(out: Path = HERE) -> list[Path]:
    return [
        make_leak_workbook(out / "leak_example.xlsx", n=EXAMPLE_PEOPLE, placement="hidden-sheet", seed=SEED),
        make_aggregate_workbook(out / "aggregate_example.xlsx", seed=SEED),
        write_people_csv(out / "people_example.csv", make_people(EXAMPLE_PEOPLE, seed=SEED)),
    ]


if __name__ == "__main__":
    for path in main():
        print(f"wrote {path.name} ({path.stat().st_size:,} bytes)")
