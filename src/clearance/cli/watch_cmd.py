"""``clearance watch URL...``: poll sites for published files, scan what is new or changed, alert.

Thin: flags + ``[watch]`` of the project file -> WatchConfig -> Watcher (watch/runner.py).
Alerts go to standard output as JSON lines (unless ``--quiet``), to ``--webhook`` (signed with
the secret in ``$CLEARANCE_WEBHOOK_SECRET``) and to e-mail (``--smtp-host`` + ``--mail-to``).
A short summary of each pass goes to standard error.

Exit status: with ``--once``, 1 when the pass raised an alert, else 0; otherwise the loop runs
until interrupted (or ``--duration`` seconds) and exits 0. 2: usage or configuration error.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path
from typing import Any

from clearance.cli.env import Environment
from clearance.errors import ExitStatus, UsageError

DB_ENV = "CLEARANCE_DB"
DB_FILE = "clearance.db"


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "watch",
        help="watch published sites: alert on new or changed files that expose people",
        description="Poll each site (sitemaps, robots.txt, links) and explicit URLs; scan new or "
        "changed files; alert on exposures, drift and files that were never cleared.",
    )
    p.add_argument("urls", nargs="*", metavar="URL", help="site base URLs (default: [watch] sites)")
    p.add_argument(
        "--url",
        dest="extra_urls",
        action="append",
        default=[],
        metavar="URL",
        help="a document URL to check every pass (repeatable)",
    )
    p.add_argument("--once", action="store_true", help="one pass, then exit (1 if it alerted)")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    p.add_argument("--interval", type=float, metavar="S", help="seconds between passes (default 20)")
    p.add_argument("--depth", type=int, metavar="N", help="link hops from each start page (default 2)")
    p.add_argument("--rate", type=float, metavar="R", help="requests per second per host (default 5)")
    p.add_argument("--concurrency", type=int, metavar="N", help="requests in flight per host (default 4)")
    p.add_argument(
        "--ignore-robots",
        action="store_true",
        help="do not obey robots.txt (only for a site you run yourself)",
    )
    p.add_argument("--max-bytes", type=int, metavar="N", help="larger downloads stop: unscannable")
    p.add_argument("--timeout", type=float, metavar="S", help="seconds per request (default 30)")
    p.add_argument("--user-agent", metavar="TEXT")
    p.add_argument(
        "--db",
        metavar="URL",
        help=f"store URL for state and the gate (default: ${DB_ENV} or sqlite:///{DB_FILE})",
    )
    p.add_argument(
        "--no-clearance-check",
        action="store_true",
        help="do not alert on served files that were never cleared",
    )
    p.add_argument("--webhook", metavar="URL", help="POST alerts here (secret: $CLEARANCE_WEBHOOK_SECRET)")
    p.add_argument("--base-url", metavar="URL", help="review app URL for links in alerts")
    p.add_argument("--smtp-host", metavar="HOST")
    p.add_argument("--smtp-port", type=int, metavar="PORT")
    p.add_argument("--mail-from", metavar="ADDR")
    p.add_argument("--mail-to", action="append", metavar="ADDR")
    p.add_argument("--quiet", "-q", action="store_true", help="no JSON lines on standard output")
    p.add_argument("--config", type=Path, help="project configuration file (default: ./clearance.toml)")
    p.add_argument("--policy", type=Path, help="policy TOML (default: the built-in policy)")
    p.set_defaults(handler=run)


def watch_config(args: argparse.Namespace, env: Environment) -> tuple[Any, str | None]:
    """The effective WatchConfig (project file < flags) and the store URL named, if any."""
    from pydantic import ValidationError

    from clearance.config.loader import _read_toml, find_project_file
    from clearance.config.schema import ProjectFile, WatchConfig

    path = args.config or (Path(env.vars["CLEARANCE_CONFIG"]) if env.vars.get("CLEARANCE_CONFIG") else None)
    path = path or find_project_file(env.cwd)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            raw = _read_toml(Path(path).read_bytes(), str(path))
            if Path(path).name == "pyproject.toml":
                raw = raw.get("tool", {}).get("clearance", {})
            data = (ProjectFile.model_validate(raw).watch or WatchConfig()).model_dump()
        except (OSError, ValidationError) as exc:
            raise UsageError(f"{path}: {exc}") from None
    flags = {
        "interval": args.interval,
        "depth": args.depth,
        "rate": args.rate,
        "concurrency": args.concurrency,
        "max_bytes": args.max_bytes,
        "timeout": args.timeout,
        "user_agent": args.user_agent,
        "webhook_url": args.webhook,
        "base_url": args.base_url,
    }
    data.update({k: v for k, v in flags.items() if v is not None})
    if args.urls:
        data["sites"] = list(args.urls)
    if args.extra_urls:
        data["urls"] = [*data.get("urls", []), *args.extra_urls]
    if args.ignore_robots:
        data["respect_robots"] = False
    if args.smtp_host:
        data["smtp"] = {
            "host": args.smtp_host,
            "port": args.smtp_port or 25,
            "sender": args.mail_from or "clearance-watch@localhost",
            "to": args.mail_to or [],
        }
    try:
        cfg = WatchConfig.model_validate(data)
    except ValidationError as exc:
        raise UsageError(f"watch configuration: {exc}") from None
    named = args.db or env.vars.get(DB_ENV) or cfg.db
    return cfg, named


def run(args: argparse.Namespace, env: Environment) -> int:
    import logging

    from clearance.actions.store.repo import Store
    from clearance.config.loader import load_config
    from clearance.pipeline import Scanner
    from clearance.sources.http import Site
    from clearance.watch.alerts import Dispatcher, EmailChannel, StdoutChannel, WebhookChannel
    from clearance.watch.runner import USER_AGENT, PassStats, Watcher

    cfg, named_db = watch_config(args, env)
    if not cfg.sites and not cfg.urls:
        raise UsageError("nothing to watch: give a site URL or [watch] sites")
    for u in [*cfg.sites, *cfg.urls]:
        try:
            Site.parse(u)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    channels: list[Any] = [] if args.quiet else [StdoutChannel(env.stdout)]
    if cfg.webhook_url:
        secret = env.vars.get(cfg.webhook_secret_env)
        if not secret:
            raise UsageError(f"--webhook needs the signing secret in ${cfg.webhook_secret_env}")
        channels.append(WebhookChannel(cfg.webhook_url, secret, user_agent=cfg.user_agent or USER_AGENT))
    if cfg.smtp is not None:
        if not cfg.smtp.to:
            raise UsageError("e-mail alerts need --mail-to")
        channels.append(EmailChannel(cfg.smtp, env.vars.get(cfg.smtp.password_env)))
    check = cfg.check_cleared if cfg.check_cleared is not None else named_db is not None
    if args.no_clearance_check:
        check = False
    handler = logging.StreamHandler(env.stderr)
    handler.setFormatter(logging.Formatter("clearance watch: %(message)s"))
    logger = logging.getLogger("clearance.watch")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    config = load_config(args.config, env=env.vars, policy_path=args.policy, cwd=env.cwd)
    store = Store.open(named_db or f"sqlite:///{env.cwd / DB_FILE}")
    watcher = Watcher(cfg, Scanner.build(config), store, Dispatcher(channels), check_cleared=check)
    stop = threading.Event()
    timer = threading.Timer(args.duration, stop.set) if args.duration else None
    alerted = 0

    def on_pass(s: PassStats) -> None:
        nonlocal alerted
        alerted += len(s.alerts)
        env.stderr.write(
            f"clearance watch: pass {s.seconds:.1f}s, {s.requests} requests, {s.fetched} fetched, "
            f"{s.not_modified} unchanged, {s.scanned} scanned, {len(s.alerts)} alert(s), "
            f"{len(s.errors)} error(s)\n"
        )
        env.stderr.flush()

    try:
        if timer:
            timer.daemon = True
            timer.start()
        watcher.run(once=args.once, stop=stop, on_pass=on_pass)
    finally:
        if timer:
            timer.cancel()
        logger.removeHandler(handler)
        watcher.close()
        store.close()
    return ExitStatus.FINDINGS if args.once and alerted else ExitStatus.OK
