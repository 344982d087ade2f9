"""``clearance`` command line: a thin adapter from flags to the pipeline and back to an exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from clearance import __version__
from clearance.cli import (
    aggregate_cmd,
    gate_cmd,
    incident_cmd,
    incident_followup_cmd,
    publish_cmd,
    rules_cmd,
    sanitize_cmd,
    scan_cmd,
    serve_cmd,
    watch_cmd,
)
from clearance.cli.env import Environment
from clearance.errors import ClearanceError, ExitStatus


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors map to ExitStatus.USAGE."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"{message}\n{self.format_usage().strip()}")


class _UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="clearance", description="Stop personal data from being published by mistake.")
    p.add_argument("--version", action="version", version=f"clearance {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scan_cmd.add_parser(sub)
    rules_cmd.add_parser(sub)
    gate_cmd.add_parser(sub)  # submit approve reject override revoke status audit users
    serve_cmd.add_parser(sub)  # the web app and API ([web] extra, imported when run)
    publish_cmd.add_parser(sub)  # publish check-serve
    aggregate_cmd.add_parser(sub)  # safe counts from person-level records (cell suppression)
    watch_cmd.add_parser(sub)  # watch published sites (polls, scans, alerts)
    sanitize_cmd.add_parser(sub)  # sanitize IN -o OUT (clean copy, re-scanned)
    incident_cmd.add_parser(sub)  # incident open/people/exposure/report (a published leak)
    incident_followup_cmd.add_parser(sub)  # match, followup, letters (after a leak)
    return p


def main(argv: Sequence[str] | None = None, env: Environment | None = None) -> int:
    env = env or Environment()
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _UsageError as exc:
        env.error(str(exc))
        return ExitStatus.USAGE
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    try:
        return int(args.handler(args, env))
    except ClearanceError as exc:
        env.error(str(exc))
        return ExitStatus.USAGE
    except KeyboardInterrupt:
        env.error("interrupted")
        return 130


def run() -> None:
    sys.exit(main())
