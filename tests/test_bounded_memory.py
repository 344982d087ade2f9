"""A streamed table is scanned in memory that does not grow with its rows once the caps are met.

The caps are lowered here (people counted exactly, a finding's distinct values, rows kept while a
table's kind is uncertain, rows per chunk) so that a few tens of thousands of rows behave as a
multi-gigabyte export does with the defaults: what clearance holds once the file is read stays
about the same for four times the rows. ``bench/bench_big_csv.py`` measures the real thing (1 GB, defaults).
"""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from clearance.assess import Assessor, findings, tables
from clearance.config.loader import load_config
from clearance.extractors import text
from clearance.model import Assessment, FileReport, Verdict
from clearance.pipeline import Scanner

GIVEN = ["Maria", "Jose", "Jean", "Wei", "Olga", "Priya", "Ahmed", "Fatima", "Kwame", "Amina"]
FAMILY = ["GARCIA", "PIERRE", "WANG", "IVANOVA", "SHARMA", "HASSAN", "OKAFOR", "MWANGI", "LOPEZ"]


def _people_csv(path: Path, rows: int) -> Path:
    rnd = random.Random(rows)
    lines = ["Name,DOB,Country of Citizenship,A-Number"]
    for i in range(rows):
        name = f"{rnd.choice(FAMILY)} {rnd.choice(FAMILY)}, {rnd.choice(GIVEN)} {rnd.choice(GIVEN)}"
        dob = f"{1950 + rnd.randrange(50)}-{1 + rnd.randrange(12):02d}-{1 + rnd.randrange(28):02d}"
        lines.append(f'"{name}",{dob},{rnd.choice(["Haiti", "China", "Mexico"])},A{200_000_000 + i:09d}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _contacts_csv(path: Path, rows: int) -> Path:
    """Facilities with distinct phone numbers: a table whose kind stays uncertain (rows deferred)."""
    lines = ["Detention Facility,Phone"]
    lines += [f"Stewart Detention Center,+1 202 555 {i % 10_000:04d} ext {i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _prose_txt(path: Path, paragraphs: int) -> Path:
    """A long text of case notes, one person per paragraph: prose planned before the end."""
    rnd = random.Random(paragraphs)
    text = "".join(
        f"Case note: {rnd.choice(GIVEN)} {rnd.choice(FAMILY).title()} was born on {1 + i % 28} March "
        f"{1950 + i % 50} and holds A-number A{200_000_000 + i:09d}. The claim for asylum is pending.\n\n"
        for i in range(paragraphs)
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> Scanner:
    monkeypatch.setattr(findings, "MAX_MEMBERS", 150)
    monkeypatch.setattr(tables, "MAX_DEFERRED_ROWS", 500)
    monkeypatch.setattr("clearance.assess.assessor.MAX_DEFERRED_ROWS", 500)
    monkeypatch.setattr("clearance.assess.assessor.MAX_PENDING_CELLS", 500)
    monkeypatch.setattr("clearance.assess.assessor.MAX_PENDING_CANDIDATES", 200)
    monkeypatch.setattr(text, "_BLOCK_CHARS", 8 * 1024)  # text decoded a block at a time
    config = load_config(overrides={"limits": {"max_tracked_people": 500, "chunk_rows": 250}})
    return Scanner.build(config)


def _held(scanner: Scanner, path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, FileReport]:
    """Bytes that clearance's own code holds when the file has been read, just before the
    assessment is finished: the state that would grow with the rows if anything were unbounded
    (transient buffers of one chunk or one block are freed by then)."""
    held: list[int] = []
    finish = Assessor.finish

    def measuring_finish(self: Assessor) -> Assessment:
        snapshot = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, "*/clearance/*")])
        held.append(sum(stat.size for stat in snapshot.statistics("filename")))
        return finish(self)

    monkeypatch.setattr(Assessor, "finish", measuring_finish)
    tracemalloc.start()
    try:
        report = next(scanner.scan_paths([str(path)]))
    finally:
        tracemalloc.stop()
        monkeypatch.setattr(Assessor, "finish", finish)
    return held[0], report


@pytest.mark.parametrize(
    ("make", "n"),
    [(_people_csv, 6_000), (_contacts_csv, 6_000), (_prose_txt, 1_500)],
    ids=["people", "uncertain-kind", "prose"],
)
def test_memory_stays_flat_past_the_caps(
    tmp_path: Path, small_caps: Scanner, make, n: int, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    suffix = make.__name__.rsplit("_", 1)[1]
    small = make(tmp_path / f"small.{suffix}", n)
    large = make(tmp_path / f"large.{suffix}", 4 * n)
    for path in (small, large):  # warm the process's own bounded caches (name index tokens)
        next(small_caps.scan_paths([str(path)]))
    held_small, _ = _held(small_caps, small, monkeypatch)
    held_large, report = _held(small_caps, large, monkeypatch)
    # Held in proportion to the rows, four times the rows would hold about four times as much
    # (an unbounded table state measured ~3.9x here); bounded, it stays about the same (allocator
    # free lists and the last chunk's leftovers make up the rest).
    assert held_large < 1.3 * held_small, (held_small, held_large)
    if make is not _contacts_csv:
        assert report.verdict is Verdict.BLOCK and not report.people_exact  # "at least ..."
    if make is _people_csv:
        assert report.people == 500
        assert any("Counting stopped at 500 distinct people" in note for note in report.notes)


def test_a_huge_id_column_stays_a_list_of_people(tmp_path: Path, small_caps: Scanner) -> None:
    """Distinct A-numbers far past the distinct-value cap still read as distinct (the share is
    taken over the values the cap let in), so the table stays a list of people."""
    path = tmp_path / "ids.csv"
    path.write_text(
        "A-Number,Country of Citizenship\n"
        + "".join(f"A{200_000_000 + i:09d},Haiti\n" for i in range(3_000)),
        encoding="utf-8",
    )
    report = next(small_caps.scan_paths([str(path)]))
    assert [t.kind for t in report.tables] == ["people"]
    assert report.verdict is Verdict.BLOCK and report.people == 500 and not report.people_exact
