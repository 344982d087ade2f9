"""Every fuzz harness runs for a few seconds with a fixed seed (tests/fuzz; longer runs by hand:
``python -m tests.fuzz.run --format xlsx --seconds 600``).

The harnesses run in fresh child interpreters ("spawn": a fork of a long pytest run inherits
whatever state earlier tests left, and crashed there) a few at a time, with an address-space
limit, so a parser that aborts the process (a Rust panic in calamine, a segfault) fails its
format's test instead of killing pytest. The fixed seed makes the sequence of inputs
reproducible; how many of them run in the budget depends on the machine.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from typing import Any

import pytest

from fuzz import run, seeds

SECONDS_PER_FORMAT = 1.5  # 20 formats on 2+ workers, plus ~2 s start-up each: ~45 s in all
SLOW_FORMATS = {"pdf": 4.0, "png": 4.0}  # layout analysis and OCR take ~0.1-1 s per input
WORKERS = max(2, min(4, os.cpu_count() or 2))
SEED = 20240501
DEADLINE_S = 60.0  # a child that runs far past its budget is stuck (the per-input alarm failed)


def _child(fmt: str, conn: Any) -> None:
    try:
        run.limit_memory(run.DEFAULT_MEMORY_MB, on_top=True)
        run.quiet_parsers()
        from clearance.pipeline import Scanner

        scanner = Scanner.build(reference_year=2024)
        st = run.fuzz_random(
            scanner,
            fmt,
            SLOW_FORMATS.get(fmt, SECONDS_PER_FORMAT),
            seed=SEED,
            time_limit=10.0,
            artifacts=None,
        )
        conn.send({"inputs": st.inputs, "findings": st.findings, "verdicts": st.verdicts, "soft": st.soft})
    except BaseException as exc:
        conn.send({"error": f"{type(exc).__name__}: {exc}"[:300]})
    finally:
        conn.close()


@pytest.fixture(scope="module")
def fuzz_results() -> dict[str, dict[str, Any]]:
    ctx = mp.get_context("spawn")
    todo = list(seeds.SEEDS)
    running: dict[str, tuple[Any, Any, float]] = {}
    out: dict[str, dict[str, Any]] = {}
    while todo or running:
        while todo and len(running) < WORKERS:
            fmt = todo.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(fmt, child))
            proc.start()
            child.close()
            running[fmt] = (proc, parent, time.monotonic())
        time.sleep(0.02)
        for fmt, (proc, conn, started) in list(running.items()):
            if conn.poll():
                try:
                    out[fmt] = conn.recv()
                except EOFError:
                    out[fmt] = {"error": f"child died (exit code {proc.exitcode})"}
                proc.join(5)
            elif not proc.is_alive():
                proc.join()
                out[fmt] = {"error": f"child died (exit code {proc.exitcode})"}
            elif time.monotonic() - started > DEADLINE_S:
                proc.kill()
                proc.join()
                out[fmt] = {"error": f"no result within {DEADLINE_S:g} s"}
            else:
                continue
            conn.close()
            del running[fmt]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(seeds.SEEDS))
def test_harness_keeps_invariants(fmt: str, fuzz_results: dict[str, dict[str, Any]]) -> None:
    res = fuzz_results[fmt]
    assert "error" not in res, res.get("error")
    assert res["inputs"] > 0, "the harness ran no input"
    assert not res["findings"], "\n".join(f"{f['kind']}: {f['detail']}" for f in res["findings"])
    assert res["verdicts"].get("pass", 0) >= 1, "the unmutated seed must pass"
