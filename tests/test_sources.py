"""Filesystem walking: order, ignore globs, symlinks, limits and unreadable files."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from clearance import formats
from clearance.config.schema import Limits
from clearance.model import Document, Problem
from clearance.sources.filesystem import IgnoreRules, document_from_bytes, walk

LIMITS = Limits()


def _tree(root: Path) -> None:
    (root / "b").mkdir()
    (root / "a").mkdir()
    (root / "a" / "people.csv").write_bytes(b"name,dob\nAna,1987-03-03\n")
    (root / "a" / "notes.txt").write_text("hello\n")
    (root / "b" / "build").mkdir()
    (root / "b" / "build" / "out.csv").write_text("x,y\n1,2\n")
    (root / ".hidden.csv").write_text("name,dob\nLuis,1990-01-01\n")
    (root / "z.log").write_text("log line\n")


def _paths(items: list[Document | Problem], root: Path) -> list[str]:
    return [os.path.relpath(i.path, root) for i in items]


def test_walk_is_sorted_recursive_and_includes_hidden(tmp_path: Path) -> None:
    _tree(tmp_path)
    items = list(walk([str(tmp_path)], limits=LIMITS))
    assert all(isinstance(i, Document) for i in items)
    assert _paths(items, tmp_path) == [
        ".hidden.csv",
        "a/notes.txt",
        "a/people.csv",
        "b/build/out.csv",
        "z.log",
    ]
    doc = items[2]
    assert isinstance(doc, Document)
    data = (tmp_path / "a" / "people.csv").read_bytes()
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.size == len(data)
    assert doc.media_type == formats.CSV
    with doc.open() as fh:
        assert fh.read() == data


@pytest.mark.parametrize(
    ("ignore", "expected"),
    [
        (["*.log"], [".hidden.csv", "a/notes.txt", "a/people.csv", "b/build/out.csv"]),
        (["build/"], [".hidden.csv", "a/notes.txt", "a/people.csv", "z.log"]),
        (["b/**"], [".hidden.csv", "a/notes.txt", "a/people.csv", "z.log"]),
        (["**/*.csv"], ["a/notes.txt", "z.log"]),
        (["/a/*.csv"], [".hidden.csv", "a/notes.txt", "b/build/out.csv", "z.log"]),
        (["*.csv", "!people.csv"], ["a/notes.txt", "a/people.csv", "z.log"]),
        (["a"], [".hidden.csv", "b/build/out.csv", "z.log"]),
        (["notes.tx?", "z.[lL]og"], [".hidden.csv", "a/people.csv", "b/build/out.csv"]),
    ],
)
def test_walk_ignore_globs(tmp_path: Path, ignore: list[str], expected: list[str]) -> None:
    _tree(tmp_path)
    assert _paths(list(walk([str(tmp_path)], ignore=ignore, limits=LIMITS)), tmp_path) == expected


def test_ignore_rules_dir_only() -> None:
    rules = IgnoreRules(["logs/"])
    assert rules.ignored("x/logs", is_dir=True)
    assert not rules.ignored("x/logs", is_dir=False)


def test_missing_path_is_problem(tmp_path: Path) -> None:
    (item,) = walk([str(tmp_path / "nope.csv")], limits=LIMITS)
    assert isinstance(item, Problem) and item.code == "missing"


def test_over_limit_is_problem_with_numbers(tmp_path: Path) -> None:
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(b"%PDF-1.7\n" + b"0" * 2000)
    csv_file = tmp_path / "big.csv"
    csv_file.write_bytes(b"a,b\n" + b"1,2\n" * 500)
    limits = Limits(max_file_bytes=1000, max_text_file_bytes=5000)
    items = {os.path.basename(i.path): i for i in walk([str(tmp_path)], limits=limits)}
    prob = items["big.pdf"]
    assert isinstance(prob, Problem) and prob.code == "limit"
    assert "2,009" in prob.reason and "1,000" in prob.reason and prob.size == 2009
    assert isinstance(items["big.csv"], Document)  # text may be larger: it is streamed


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_is_problem(tmp_path: Path) -> None:
    f = tmp_path / "secret.csv"
    f.write_text("a,b\n")
    f.chmod(0)
    try:
        (item,) = walk([str(tmp_path)], limits=LIMITS)
    finally:
        f.chmod(0o600)
    assert isinstance(item, Problem) and item.code == "unreadable"
    assert "ermission" in item.reason


def test_unreadable_file_is_problem_even_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clearance.sources import filesystem

    (tmp_path / "a.csv").write_text("a,b\n")
    (tmp_path / "b.csv").write_text("a,b\n")
    real_open = open

    def fake_open(path: str, mode: str = "r", *args: object, **kwargs: object) -> object:
        if str(path).endswith("a.csv"):
            raise PermissionError(13, "Permission denied", path)
        if str(path).endswith("b.csv"):
            raise FileNotFoundError(2, "No such file or directory", path)
        return real_open(path, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(filesystem, "open", fake_open, raising=False)
    a, b = walk([str(tmp_path)], limits=LIMITS)
    assert isinstance(a, Problem) and a.code == "unreadable" and "Permission denied" in a.reason
    assert isinstance(b, Problem) and b.code == "unreadable" and "vanished" in b.reason


def test_symlinks_out_of_tree_and_loops_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("a,b\n")
    root = tmp_path / "root"
    (root / "d").mkdir(parents=True)
    (root / "d" / "f.txt").write_text("x\n")
    (root / "d" / "loop").symlink_to(root)  # loop back to the root
    (root / "escape").symlink_to(outside)
    (root / "dangling").symlink_to(tmp_path / "gone")
    (root / "link.txt").symlink_to(root / "d" / "f.txt")  # inside the tree: scanned
    items = list(walk([str(root)], limits=LIMITS))
    assert _paths(items, root) == ["d/f.txt", "link.txt"]


def test_explicit_files_keep_order_and_display_path(tmp_path: Path) -> None:
    _tree(tmp_path)
    paths = [str(tmp_path / "z.log"), str(tmp_path / "a" / "people.csv")]
    items = list(walk(paths, limits=LIMITS))
    assert [i.path for i in items] == paths


def test_empty_file_is_empty_type(tmp_path: Path) -> None:
    (tmp_path / "empty.xlsx").write_bytes(b"")
    (item,) = walk([str(tmp_path)], limits=LIMITS)
    assert isinstance(item, Document) and item.media_type == formats.EMPTY and item.size == 0


def test_fifo_is_skipped_or_problem(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert list(walk([str(tmp_path)], limits=LIMITS)) == []
    (item,) = walk([str(fifo)], limits=LIMITS)
    assert isinstance(item, Problem) and item.code == "unreadable"


def test_document_from_bytes_reexported() -> None:
    assert document_from_bytes(b"", "x").media_type == formats.EMPTY
