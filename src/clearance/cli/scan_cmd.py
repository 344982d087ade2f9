"""``clearance scan PATH...``: flags -> config -> pipeline -> render -> exit status."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearance.cli.env import Environment
from clearance.config.loader import load_config
from clearance.errors import ExitStatus
from clearance.model import FileReport, ScanReport, Verdict
from clearance.pipeline import Scanner
from clearance.registry import Registry

FORMATS = ("terminal", "json", "sarif")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "scan",
        help="scan files or directories for personal data before they are published",
        description="Scan files or directories (recursively). Exit status: 0 every file passed; "
        "1 a file was blocked or needs review; 2 usage or configuration error; "
        "3 a file was unscannable and none was blocked.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", "-f", choices=FORMATS, default=None, help="report format (default: terminal)")
    p.add_argument("--output", "-o", type=Path, help="write the report to this file instead of stdout")
    p.add_argument("--policy", type=Path, help="policy TOML (default: the built-in policy)")
    p.add_argument("--config", type=Path, help="project configuration file (default: ./clearance.toml)")
    p.add_argument(
        "--rules", action="append", type=Path, default=[], help="extra rule file; extends the defaults"
    )
    p.add_argument("--ignore", action="append", default=[], metavar="GLOB", help="skip paths matching GLOB")
    p.add_argument(
        "--fail-on",
        choices=("review", "block"),
        default="review",
        help="lowest verdict that fails the run (default: review)",
    )
    p.add_argument(
        "--reveal",
        action="store_true",
        help="include raw personal values in the report (authorised investigators only)",
    )
    p.add_argument(
        "--enable",
        action="append",
        default=[],
        metavar="DETECTOR",
        help="run an optional detector too, e.g. --enable ner (pip install 'clearance[ner]')",
    )
    p.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    # Scale-out (clearance.scale, the [scale] extra). PATH may also be a URL (s3://bucket/prefix,
    # https://...) or @FILE: a manifest / URL list (one path or URL a line, or JSON lines).
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local: this process (default); ray: Ray tasks, each file scanned in a worker under "
        "per-file time and memory limits",
    )
    p.add_argument(
        "--ray-address", metavar="ADDRESS", help="join this Ray cluster (default: start a local one)"
    )
    p.add_argument("--workers", type=int, metavar="N", help="CPUs of the local Ray runtime (default: all)")
    p.add_argument("--report-jsonl", type=Path, metavar="FILE", help="also write one JSON line per file")
    p.add_argument("--report-parquet", type=Path, metavar="FILE", help="also write a Parquet report")
    p.add_argument(
        "--cache",
        metavar="DB_URL",
        help="incremental scanning: skip files whose bytes, policy and rules are unchanged "
        "(a store URL, e.g. sqlite:///scan-cache.db)",
    )
    p.set_defaults(handler=run)


def exit_status(report: ScanReport, fail_on: str = "review") -> ExitStatus:
    verdicts = {f.verdict for f in report.files}
    if Verdict.BLOCK in verdicts:
        return ExitStatus.FINDINGS
    if Verdict.UNSCANNABLE in verdicts:
        return ExitStatus.UNSCANNABLE
    if Verdict.REVIEW in verdicts and fail_on == "review":
        return ExitStatus.FINDINGS
    return ExitStatus.OK


def run(args: argparse.Namespace, env: Environment) -> int:
    overrides: dict[str, object] = {}
    if args.ignore:
        overrides["ignore"] = list(args.ignore)
    if args.reveal:
        overrides["reveal"] = True
    if args.enable:
        overrides["enable"] = list(args.enable)
    config = load_config(
        args.config,
        env=env.vars,
        policy_path=args.policy,
        rule_files=args.rules,
        overrides=overrides,
        cwd=env.cwd,
    )
    registry = Registry.default()
    scanner = Scanner.build(config, registry)
    if _scale_requested(args):
        from clearance.scale.command import run_scale

        return run_scale(args, env, scanner, registry)
    fmt = args.format or "terminal"
    files = _scan_with_progress(scanner, args.paths, env, show=not args.no_progress)
    report = scanner.report(files)
    reporter = registry.get("reporters", fmt)()
    if fmt == "terminal":
        colour = args.color == "always" or (args.color == "auto" and env.stdout_isatty and not args.output)
        data = reporter.render(report, reveal=config.scan.reveal, colour=colour)
    else:
        data = reporter.render(report, reveal=config.scan.reveal)
    if args.output:
        args.output.write_bytes(data)
    else:
        env.stdout.write(data)
        env.stdout.flush()
    return exit_status(report, args.fail_on)


def _scale_requested(args: argparse.Namespace) -> bool:
    """Whether this run needs clearance.scale: otherwise the single-process path is untouched."""
    if getattr(args, "engine", "local") != "local" or args.cache or args.report_jsonl or args.report_parquet:
        return True
    return any(p.startswith("@") or "://" in p for p in args.paths)


def _scan_with_progress(
    scanner: Scanner, paths: list[str], env: Environment, *, show: bool
) -> list[FileReport]:
    if not (show and env.stderr_isatty):
        return list(scanner.scan_paths(paths))
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    files: list[FileReport] = []
    console = Console(file=env.stderr)
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} files"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("scanning", total=None)
        for fr in scanner.scan_paths(paths):
            files.append(fr)
            progress.update(task, advance=1, description=f"scanning {fr.path[-50:]}")
    return files
