"""Run a fuzz harness for a time budget.

    python -m tests.fuzz.run --format xlsx --seconds 600            # atheris when installed
    python -m tests.fuzz.run --format all --seconds 300 --engine random --seed 1

Engines: ``atheris`` (libFuzzer, coverage-guided over the ``clearance`` package, with the
structure-aware mutator of ``mutate`` as its custom mutator; one format per process, stops at the
first broken invariant and writes it as ``crash-*``), and ``random`` (pure Python, seeded,
reproducible; keeps inputs that reach a new outcome and mutates those too; records every broken
invariant and goes on). Inputs that break an invariant are written to ``--artifacts``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import harness, mutate, seeds

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"
DEFAULT_MEMORY_MB = 2048
MAX_POOL = 64  # interesting inputs kept per format by the random engine
MAX_POOL_FILE = 256 * 1024  # corpus files larger than this are not mutated (slow to scan)


@dataclass
class Stats:
    format: str
    engine: str
    seed: int
    seconds: float = 0.0
    inputs: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    soft: dict[str, int] = field(default_factory=dict)
    findings: list[dict[str, str]] = field(default_factory=list)  # kind, detail, artifact

    @property
    def broken(self) -> int:
        return len(self.findings)


def _mapped_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def limit_memory(mb: int, *, on_top: bool = False) -> None:
    """RLIMIT_AS of ``mb`` MiB; ``on_top``: on top of what is mapped already (a forked child)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = mb * 1024 * 1024 + (_mapped_bytes() if on_top else 0)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))


def quiet_parsers() -> None:
    """pypdf and pdfminer log a warning per broken object; at fuzzing rates that drowns the output."""
    logging.disable(logging.ERROR)


def seed_pool(fmt: str) -> list[bytes]:
    """The format's seed plus corpus files of that format (named ``<fmt>-*``)."""
    pool = [seeds.seed(fmt)[0]]
    if CORPUS_DIR.is_dir():
        for p in sorted(CORPUS_DIR.glob(f"{fmt}-*")):
            # Bombs are slow to re-zip (the structure-aware mutator inflates every member).
            if p.stat().st_size <= MAX_POOL_FILE and "bomb" not in p.name:
                pool.append(p.read_bytes())
    return pool


def _save(artifacts: Path | None, fmt: str, kind: str, data: bytes) -> str:
    if artifacts is None:
        return ""
    artifacts.mkdir(parents=True, exist_ok=True)
    path = artifacts / f"{fmt}-{kind}-{hashlib.sha256(data).hexdigest()[:16]}.bin"
    path.write_bytes(data)
    return str(path)


def fuzz_random(
    scanner: harness.Scanner,
    fmt: str,
    seconds: float,
    *,
    seed: int = 0,
    time_limit: float = harness.DEFAULT_TIME_LIMIT,
    artifacts: Path | None = None,
    max_inputs: int | None = None,
) -> Stats:
    rng = random.Random(f"{fmt}:{seed}")
    name = seeds.SEEDS[fmt][1]
    pool = seed_pool(fmt)
    n_seeds = len(pool)
    zip_aware = fmt in seeds.ZIP_FORMATS
    stats = Stats(fmt, "random", seed)
    verdicts: Counter[str] = Counter()
    soft: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    seen_findings: set[tuple[str, str]] = set()
    start = time.monotonic()
    # Every seed first, unmutated: they must scan cleanly too.
    queue = list(pool)
    while time.monotonic() - start < seconds and (max_inputs is None or stats.inputs < max_inputs):
        if queue:
            data = queue.pop(0)
        else:
            # Half the time a pristine seed: mutants of mutants drift into inputs that fail early.
            base = rng.choice(pool[:n_seeds] if rng.random() < 0.5 else pool)
            data, _ = mutate.mutate(base, rng, zip_aware=zip_aware, pool=pool)
        stats.inputs += 1
        try:
            out = harness.check(scanner, fmt, data, name, time_limit=time_limit)
        except harness.InvariantBroken as exc:
            if exc.known:
                soft["known:" + exc.known] += 1
                continue
            key = (exc.kind, exc.detail.split(":", 2)[1][:60] if ":" in exc.detail else exc.detail)
            if key not in seen_findings:
                seen_findings.add(key)
                stats.findings.append(
                    {
                        "kind": exc.kind,
                        "detail": exc.detail,
                        "artifact": _save(artifacts, fmt, exc.kind, data),
                    }
                )
            continue
        verdicts[out.verdict.value] += 1
        if out.soft:
            if out.soft not in soft:
                _save(artifacts, fmt, "soft", data)
            soft[out.soft] += 1
        # Poor man's feedback: keep an input that reached an outcome not seen before.
        sig = (out.verdict.value, (out.report.error or "")[:40])
        if sig not in seen and len(data) <= MAX_POOL_FILE:
            seen.add(sig)
            if len(pool) < MAX_POOL:
                pool.append(data)
            else:
                pool[rng.randrange(n_seeds, MAX_POOL)] = data
    stats.seconds = round(time.monotonic() - start, 1)
    stats.verdicts = dict(verdicts)
    stats.soft = dict(soft)
    return stats


def fuzz_atheris(
    fmt: str, seconds: int, *, seed: int, time_limit: float, artifacts: Path, memory_mb: int
) -> None:
    """libFuzzer loop; never returns (libFuzzer exits the process)."""
    import atheris

    from clearance.pipeline import Scanner

    quiet_parsers()
    scanner = Scanner.build(reference_year=2024)
    # The harness imported clearance before atheris could hook imports; instrumenting everything
    # loaded now covers clearance and the parsers under it (pypdf, pdfminer, email, zipfile...).
    harness.check(scanner, fmt, seeds.seed(fmt)[0], seeds.SEEDS[fmt][1])  # load lazy imports first
    atheris.instrument_all()
    name = seeds.SEEDS[fmt][1]
    zip_aware = fmt in seeds.ZIP_FORMATS
    counts: Counter[str] = Counter()

    def one(data: bytes) -> None:
        counts["inputs"] += 1
        try:
            out = harness.check(scanner, fmt, data, name, time_limit=time_limit)
        except harness.InvariantBroken as exc:
            if not exc.known:
                raise
            counts["known:" + exc.known] += 1
            return
        counts[out.verdict.value] += 1
        if out.soft:
            counts[out.soft] += 1

    def custom_mutator(data: bytes, max_size: int, seed_: int) -> bytes:
        rng = random.Random(seed_)
        if rng.random() < 0.3:
            return atheris.Mutate(data, max_size)
        return mutate.mutate(data, rng, zip_aware=zip_aware)[0][:max_size]

    corpus = artifacts / f"corpus-{fmt}"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(seed_pool(fmt)):
        (corpus / f"seed-{i}").write_bytes(data)

    import atexit

    start = time.monotonic()
    atexit.register(
        lambda: print(
            "FUZZ-STATS "
            + json.dumps(
                {"format": fmt, "engine": "atheris", "seconds": round(time.monotonic() - start, 1), **counts}
            ),
            flush=True,
        )
    )
    argv = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={seconds}",
        f"-timeout={int(time_limit) + 5}",
        f"-rss_limit_mb={memory_mb}",
        "-max_len=1048576",
        f"-seed={seed or 1}",
        f"-artifact_prefix={artifacts}/{fmt}-",
        "-print_final_stats=1",
    ]
    atheris.Setup(argv, one, custom_mutator=custom_mutator)
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--format", default="all", help=f"one of {', '.join(seeds.SEEDS)} or 'all'")
    ap.add_argument("--seconds", type=float, default=60.0, help="time budget per format")
    ap.add_argument("--engine", choices=("auto", "atheris", "random"), default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=harness.DEFAULT_TIME_LIMIT, help="seconds per input")
    ap.add_argument(
        "--memory-mb", type=int, default=DEFAULT_MEMORY_MB, help="RLIMIT_AS of the fuzzing process"
    )
    ap.add_argument(
        "--artifacts", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "clearance-fuzz"
    )
    ap.add_argument("--json", action="store_true", help="print one JSON line of stats per format")
    args = ap.parse_args(argv)
    fmts = list(seeds.SEEDS) if args.format == "all" else [args.format]
    unknown = [f for f in fmts if f not in seeds.SEEDS]
    if unknown:
        ap.error(f"unknown format {unknown[0]!r}; choose from {', '.join(seeds.SEEDS)}")
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
        except ImportError:
            engine = "random"
        else:
            engine = "atheris"
    if engine == "atheris":
        if len(fmts) > 1:  # libFuzzer owns its process: one child per format
            rc = 0
            for f in fmts:
                cmd = [
                    sys.executable,
                    "-m",
                    "tests.fuzz.run",
                    "--engine",
                    "atheris",
                    "--format",
                    f,
                    "--seconds",
                    str(args.seconds),
                    "--seed",
                    str(args.seed),
                    "--time-limit",
                    str(args.time_limit),
                    "--memory-mb",
                    str(args.memory_mb),
                    "--artifacts",
                    str(args.artifacts),
                ]
                rc |= subprocess.call(cmd)
            return rc
        fuzz_atheris(
            fmts[0],
            int(args.seconds),
            seed=args.seed,
            time_limit=args.time_limit,
            artifacts=args.artifacts,
            memory_mb=args.memory_mb,
        )
        return 0
    limit_memory(args.memory_mb)
    quiet_parsers()
    from clearance.pipeline import Scanner

    scanner = Scanner.build(reference_year=2024)
    broken = 0
    for f in fmts:
        st = fuzz_random(
            scanner, f, args.seconds, seed=args.seed, time_limit=args.time_limit, artifacts=args.artifacts
        )
        broken += st.broken
        if args.json:
            print(json.dumps(asdict(st)), flush=True)
        else:
            print(
                f"{f}: {st.inputs} inputs in {st.seconds}s, verdicts {st.verdicts}, soft {st.soft}, "
                f"broken {st.broken}",
                flush=True,
            )
            for fd in st.findings:
                print(f"  {fd['kind']}: {fd['detail']} [{fd['artifact']}]", flush=True)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
