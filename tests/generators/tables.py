"""CSV / TSV writers for fake people and for clean aggregates (fake data only)."""

from __future__ import annotations

import csv
import datetime
import random
from collections.abc import Iterable
from pathlib import Path

from .people import FACILITIES, Person, headers, nationalities, record

CSV_DATE_FORMAT = "%m/%d/%Y"  # US exports write dates month first


def write_people_csv(
    path: str | Path,
    people: Iterable[Person],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    header_style: str = "en",
) -> Path:
    """One row per person: name, DOB, nationality, facility, A-number, case status.

    Columns and formats follow ``header_style`` exactly as the workbook generator does; "none"
    writes no header row. ``encoding`` is passed through (e.g. "utf-8-sig", "cp1252", "utf-16").
    """
    path = Path(path)
    head = headers(header_style)
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        if head:
            writer.writerow(head)
        for p in people:
            writer.writerow(
                v.strftime(CSV_DATE_FORMAT) if isinstance(v, datetime.date) else v
                for v in record(p, header_style)
            )
    return path


def write_aggregate_csv(path: str | Path, *, seed: int = 0) -> Path:
    """Book-ins by facility and country of citizenship: labels and counts only, every count >= 10."""
    path = Path(path)
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(
            ["Fiscal Year", "Facility Name", "State", "Country of Citizenship", "Book-ins", "ALOS (days)"]
        )
        for name, _address, _city, state in FACILITIES:
            for nat in sorted(set(nationalities()))[:8]:
                writer.writerow(
                    ["FY2023", name, state, nat, rng.randint(10, 1500), round(rng.uniform(10, 90), 1)]
                )
    return path
