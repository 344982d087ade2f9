"""Incremental scanning: unchanged files are not read again, their cached report is reused
byte for byte, and a policy or rule change re-scans exactly what it affects."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.config.loader import load_config
from clearance.pipeline import TOOL_VERSION, Scanner
from clearance.scale import EngineOptions, Summary, scan_source
from clearance.scale import engine as engine_mod
from clearance.scale.cache import ScanCache, decode, encode
from clearance.sources.protocol import DirectorySource
from generators.people import make_people
from generators.tables import write_people_csv
from generators.workbooks import make_leak_workbook


def run(args: list[str], cwd: Path) -> tuple[int, dict, str]:
    out, err = io.BytesIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, vars={}, cwd=cwd, stdout_isatty=False, stderr_isatty=False)
    code = main(args, env)
    return code, json.loads(out.getvalue()), err.getvalue()


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "sub").mkdir(parents=True)
    write_people_csv(root / "people.csv", make_people(10, seed=1))
    make_leak_workbook(root / "sub" / "leak.xlsx", n=20)
    (root / "a.txt").write_text("nothing personal\n")
    (root / "b.txt").write_text("Dear Ana María Gómez, born 3 March 1987.\n")
    (root / "empty.txt").write_bytes(b"")
    return root


def test_second_run_reuses_every_report_without_reading(tree: Path, tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    _, plain, _ = run(["scan", str(tree), "--format", "json"], tmp_path)
    code1, first, _ = run(["scan", str(tree), "--format", "json", "--cache", url], tmp_path)
    assert first["summary"] == {
        "files": 5,
        "new": 5,
        "changed": 0,
        "unchanged": 0,
        "rescanned": 0,
        "scanned": 5,
    }
    assert first["files"] == plain["files"]

    def no_reads(*a, **k):
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(engine_mod, "open_ref", no_reads)
    code2, second, _ = run(["scan", str(tree), "--format", "json", "--cache", url], tmp_path)
    assert code1 == code2 == 1
    assert second["files"] == plain["files"]  # identical reports, from the cache
    assert second["summary"]["unchanged"] == 5 and second["summary"]["scanned"] == 0


def test_changes_and_policy_changes_rescan_exactly_what_they_affect(tree: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    run(["scan", str(tree), "--format", "json", "--cache", url], tmp_path)
    (tree / "a.txt").write_text("changed: John Smith, born 1 May 1970\n")
    st = os.stat(tree / "b.txt")
    os.utime(tree / "b.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched, same bytes
    (tree / "new.txt").write_text("new file\n")
    _, out, _ = run(["scan", str(tree), "--format", "json", "--cache", url], tmp_path)
    assert out["summary"] == {
        "files": 6,
        "new": 1,
        "changed": 1,
        "unchanged": 3,
        "rescanned": 1,
        "scanned": 3,
    }
    _, plain, _ = run(["scan", str(tree), "--format", "json"], tmp_path)
    assert out["files"] == plain["files"]

    policy = tmp_path / "policy.toml"
    policy.write_text('name = "stricter"\nreview_hidden_content = true\n')
    _, out2, _ = run(
        ["scan", str(tree), "--format", "json", "--cache", url, "--policy", str(policy)], tmp_path
    )
    assert out2["summary"]["rescanned"] == 6 and out2["summary"]["unchanged"] == 0
    _, again, _ = run(
        ["scan", str(tree), "--format", "json", "--cache", url, "--policy", str(policy)], tmp_path
    )
    assert again["summary"]["unchanged"] == 6
    assert again["files"] == out2["files"]


def test_codec_round_trips_every_report(tree: Path) -> None:
    scanner = Scanner.build(load_config())
    for fr in scanner.scan_paths([str(tree)]):
        assert decode(encode(fr)) == fr


def test_reveal_is_never_cached(tree: Path, tmp_path: Path) -> None:
    config = load_config(overrides={"reveal": True})
    cache = ScanCache(f"sqlite:///{tmp_path / 'c.db'}", config, TOOL_VERSION)
    scanner = Scanner.build(config)
    source = DirectorySource([str(tree)], limits=config.scan.limits)
    for _ in range(2):
        summary = Summary()
        list(scan_source(scanner, source, EngineOptions(), cache=cache, summary=summary))
        assert summary.scanned == 5
    cache.close()
