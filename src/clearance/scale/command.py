"""The scale-out half of ``clearance scan`` (``--engine ray``, ``--cache``, ``--report-jsonl``,
``--report-parquet``, URL and ``@manifest`` inputs). ``cli/scan_cmd.py`` parses the flags and
calls ``run_scale``; the single-process path there is unchanged.

Output: with a report file (``--report-jsonl``/``--report-parquet``) and no ``--format``, the
per-file reports go only to those files, written as they arrive, and standard output gets a
short summary: memory stays flat however many files. Otherwise the usual report is rendered
(files in listing order, so ``--engine ray --format json`` is byte-identical to the local engine)
with, when ``--cache`` is used, a top-level ``"summary"`` object: files new, changed, unchanged
(report reused) and re-scanned.
"""

from __future__ import annotations

import json
from collections import Counter
from contextlib import ExitStack
from typing import Any

from clearance.errors import ExitStatus, UsageError
from clearance.model import FileReport, Verdict
from clearance.pipeline import TOOL_VERSION, Scanner
from clearance.registry import Registry
from clearance.scale.engine import EngineOptions, Summary, scan_source
from clearance.sources.protocol import source_for


def exit_for(verdicts: Counter[Verdict], fail_on: str) -> ExitStatus:
    """``scan_cmd.exit_status`` over counts instead of a list of reports (same rules)."""
    if verdicts[Verdict.BLOCK]:
        return ExitStatus.FINDINGS
    if verdicts[Verdict.UNSCANNABLE]:
        return ExitStatus.UNSCANNABLE
    if verdicts[Verdict.REVIEW] and fail_on == "review":
        return ExitStatus.FINDINGS
    return ExitStatus.OK


def summary_line(summary: Summary) -> str:
    return (
        f"Incremental scan: {summary.files:,} files: {summary.new:,} new, {summary.changed:,} changed, "
        f"{summary.unchanged:,} unchanged, {summary.rescanned:,} re-scanned "
        f"({summary.scanned:,} read and scanned in {summary.seconds:.1f} s)\n"
    )


def run_scale(args: Any, env: Any, scanner: Scanner, registry: Registry) -> int:
    config = scanner.config
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    source = source_for(args.paths, ignore=config.scan.ignore, limits=config.scan.limits)
    options = EngineOptions(engine=args.engine, workers=args.workers, address=args.ray_address)
    summary = Summary()
    verdicts: Counter[Verdict] = Counter()
    reveal = config.scan.reveal
    keep = args.format is not None or not (args.report_jsonl or args.report_parquet)
    kept: list[tuple[int, FileReport]] = []
    with ExitStack() as stack:
        cache = None
        if args.cache:
            from clearance.scale.cache import ScanCache

            cache = ScanCache(args.cache, config, TOOL_VERSION)
            stack.callback(cache.close)
        sinks: list[Any] = []
        if args.report_jsonl:
            from clearance.scale.sinks import JsonlSink

            sinks.append(JsonlSink(args.report_jsonl, reveal=reveal))
        if args.report_parquet:
            from clearance.scale.sinks import ParquetSink

            sinks.append(ParquetSink(args.report_parquet, reveal=reveal))
        for sink in sinks:
            stack.callback(sink.close)
        progress = _Progress(env, show=not args.no_progress)
        stack.enter_context(progress)
        for idx, fr in scan_source(
            scanner, source, options, cache=cache, summary=summary, on_listed=progress.listed
        ):
            for sink in sinks:
                sink.write(fr)
            verdicts[fr.verdict] += 1
            if keep:
                kept.append((idx, fr))
            progress.advance(fr.path)
    if keep:
        kept.sort(key=lambda t: t[0])
        report = scanner.report(fr for _, fr in kept)
        fmt = args.format or "terminal"
        reporter = registry.get("reporters", fmt)()
        if fmt == "terminal":
            colour = args.color == "always" or (
                args.color == "auto" and env.stdout_isatty and not args.output
            )
            data = reporter.render(report, reveal=reveal, colour=colour)
            if args.cache:
                data += summary_line(summary).encode()
        else:
            data = reporter.render(report, reveal=reveal)
            if fmt == "json" and args.cache:
                doc = json.loads(data)
                doc["summary"] = summary.as_dict()
                data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    else:
        counts = ", ".join(f"{verdicts[v]:,} {v.value}" for v in Verdict)
        data = (f"{sum(verdicts.values()):,} files: {counts}\n" + summary_line(summary)).encode()
    if args.output:
        args.output.write_bytes(data)
    else:
        env.stdout.write(data)
        env.stdout.flush()
    return exit_for(verdicts, args.fail_on)


class _Progress:
    """files done / listed so far, as a rich bar on stderr when it is a terminal."""

    def __init__(self, env: Any, *, show: bool) -> None:
        self.enabled = show and env.stderr_isatty
        self.env = env
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=self.env.stderr),
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("scanning", total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def listed(self, n: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=n)

    def advance(self, path: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=f"scanning {path[-40:]}")
