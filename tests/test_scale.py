"""The Ray engine: same verdicts byte for byte as the single-process engine; per-file watchdog
and crash handling in workers; streaming report files. One local Ray runtime for the module."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import pytest

from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.config.loader import load_config
from clearance.model import Verdict
from clearance.pipeline import Scanner
from clearance.scale import EngineOptions, scan_source
from clearance.sources.protocol import DirectorySource
from generators.people import make_people
from generators.tables import write_aggregate_csv, write_people_csv
from generators.workbooks import make_aggregate_workbook, make_leak_workbook

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module", autouse=True)
def ray_runtime():
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    if started:
        ray.shutdown()


def make_mixed(root: Path) -> Path:
    """Pass, review, block and unscannable files, nested, in several formats."""
    root.mkdir(parents=True, exist_ok=True)
    write_people_csv(root / "people.csv", make_people(25, seed=3))
    write_aggregate_csv(root / "aggregate.csv")
    make_leak_workbook(root / "leak.xlsx", n=40)
    make_aggregate_workbook(root / "stats.xlsx")
    (root / "notes.txt").write_text("Meeting at 10am about the budget. Nothing personal.\n")
    (root / "letter.txt").write_text("Dear Ana María Gómez, born 3 March 1987, your case A123456789.\n")
    (root / "empty.txt").write_bytes(b"")
    (root / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (root / "page.html").write_text("<html><body><p>Contact: jane.doe@example.org</p></body></html>")
    (root / "data.json").write_text(json.dumps({"rows": [{"name": "Ana Gómez", "dob": "1987-03-03"}]}))
    sub = root / "sub" / "deeper"
    sub.mkdir(parents=True)
    with zipfile.ZipFile(sub / "bundle.zip", "w") as z:
        z.write(root / "people.csv", "inner/people.csv")
        z.writestr("readme.txt", "hello")
    (sub / "blob.bin").write_bytes(bytes(range(256)) * 4)
    return root


def run(args: list[str], cwd: Path) -> tuple[int, bytes, str]:
    out, err = io.BytesIO(), io.StringIO()
    env = Environment(stdout=out, stderr=err, vars={}, cwd=cwd, stdout_isatty=False, stderr_isatty=False)
    return main(args, env), out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_mixed(tmp_path_factory.mktemp("mixed") / "site")


def test_ray_engine_gives_the_same_report_byte_for_byte(mixed: Path, tmp_path: Path) -> None:
    code_l, out_l, err_l = run(["scan", str(mixed), "--format", "json"], tmp_path)
    code_r, out_r, err_r = run(["scan", str(mixed), "--format", "json", "--engine", "ray"], tmp_path)
    assert code_l == code_r == 1, (err_l, err_r)
    local, remote = json.loads(out_l), json.loads(out_r)
    verdicts = {f["verdict"] for f in local["files"]}
    assert {"pass", "block", "unscannable"} <= verdicts
    key = lambda f: f["path"]  # noqa: E731
    files_l = [json.dumps(f, sort_keys=True) for f in sorted(local["files"], key=key)]
    files_r = [json.dumps(f, sort_keys=True) for f in sorted(remote["files"], key=key)]
    assert files_l == files_r
    assert out_l == out_r  # listing order is restored: the whole document is identical


def test_report_files_stream_without_a_stdout_report(mixed: Path, tmp_path: Path) -> None:
    jsonl, parquet = tmp_path / "r.jsonl", tmp_path / "r.parquet"
    code, out, _ = run(
        [
            "scan",
            str(mixed),
            "--engine",
            "ray",
            "--report-jsonl",
            str(jsonl),
            "--report-parquet",
            str(parquet),
        ],
        tmp_path,
    )
    assert code == 1
    _, full, _ = run(["scan", str(mixed), "--format", "json"], tmp_path)
    expected = sorted(json.loads(full)["files"], key=lambda f: f["path"])
    lines = sorted((json.loads(x) for x in jsonl.read_text().splitlines()), key=lambda f: f["path"])
    assert lines == expected
    import pyarrow.parquet as pq

    table = pq.read_table(parquet).to_pylist()
    assert sorted(r["path"] for r in table) == [f["path"] for f in expected]
    assert {r["path"]: r["verdict"] for r in table} == {f["path"]: f["verdict"] for f in expected}
    assert b"files:" in out and b"block" in out  # a short summary, not the per-file report


# A sandbox child that hangs on "hang" files and dies on "crash" files, else scans normally.
FAULTY_CHILD = """
import os, sys, time
from clearance.scale import sandbox
def scan_one(scanner, ref, limits, options):
    name = os.path.basename(ref.display)
    if "hang" in name:
        time.sleep(60)
    if "crash" in name:
        os._exit(9)
    return sandbox._scan_one(scanner, ref, limits, options)
sandbox.serve(scan_one)
"""


def test_hung_and_crashing_files_are_unscannable_and_the_run_goes_on(tmp_path: Path) -> None:
    root = tmp_path / "d"
    root.mkdir()
    (root / "a_ok.txt").write_text("nothing personal here\n")
    (root / "b_hang.txt").write_text("this file hangs its parser\n")
    (root / "c_crash.txt").write_text("this file kills its parser\n")
    (root / "d_ok.txt").write_text("Dear Ana María Gómez, born 3 March 1987, your case A123456789.\n")
    config = load_config()
    scanner = Scanner.build(config)
    options = EngineOptions(
        engine="ray", file_timeout=8.0, sandbox_argv=[sys.executable, "-c", FAULTY_CHILD], batch_files=2
    )
    source = DirectorySource([str(root)], limits=config.scan.limits)
    got = {Path(fr.path).name: fr for _, fr in scan_source(scanner, source, options)}
    assert got["a_ok.txt"].verdict is Verdict.PASS
    assert got["d_ok.txt"].verdict in (Verdict.BLOCK, Verdict.REVIEW)
    hang, crash = got["b_hang.txt"], got["c_crash.txt"]
    assert hang.verdict is Verdict.UNSCANNABLE and "longer than the 8 s limit" in (hang.error or "")
    assert crash.verdict is Verdict.UNSCANNABLE and "crashed the scanner twice" in (crash.error or "")
    assert "exit status 9" in (crash.error or "")
