"""`clearance publish` (promote cleared bytes into a public directory, or --sync it) and
`clearance check-serve` (the nginx auth_request check service).

Exit status: 0 done; 1 refused (not cleared, unsafe name, unknown user); 2 usage or store error.
``publish --sync`` exits 0 whether or not it removed files and lists what it removed.
"""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

from clearance.cli import gate_cmd
from clearance.cli.env import Environment
from clearance.errors import ExitStatus, UsageError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "publish",
        help="copy a cleared file into the public directory, or --sync it (remove what is not cleared)",
        description="Copy FILE into PUBLIC_DIR only if the store says its exact bytes are cleared now "
        "(atomic; never through a symbolic link). With --sync, remove from PUBLIC_DIR every file "
        "whose bytes are not cleared now: run it after `clearance revoke` and from cron.",
    )
    p.add_argument("file", type=Path, nargs="?", metavar="FILE")
    p.add_argument("--to", type=Path, metavar="PUBLIC_DIR", help="the directory the web server serves")
    p.add_argument("--name", metavar="PATH", help="path inside PUBLIC_DIR (default: FILE's name)")
    p.add_argument("--sync", type=Path, metavar="PUBLIC_DIR", help="remove everything not cleared now")
    p.add_argument("--dry-run", action="store_true", help="with --sync: list, remove nothing")
    p.add_argument(
        "--as", dest="actor", metavar="USER", help="acting user (default: the operating-system account)"
    )
    p.add_argument("--db", metavar="URL", help=f"store URL (default: ${gate_cmd.DB_ENV} or ./clearance.db)")
    p.add_argument("--format", "-f", choices=("text", "json"), default="text")
    p.set_defaults(handler=_publish)

    c = sub.add_parser(
        "check-serve",
        help="serve the nginx auth_request check: 204 if the requested file's bytes are cleared, else 403",
        description="HTTP service for nginx `auth_request` (deploy/nginx/clearance-check.conf). "
        "Maps X-Original-URI to a file under --root, hashes it (cached by inode, size, mtime and "
        "ctime) and asks the store; answers are cached for 2 s, the revocation delay.",
    )
    c.add_argument("--root", type=Path, required=True, metavar="DOCROOT", help="nginx's document root")
    c.add_argument("--db", metavar="URL", help=f"store URL (default: ${gate_cmd.DB_ENV} or ./clearance.db)")
    c.add_argument("--host", default="127.0.0.1")
    c.add_argument("--port", type=int, default=8765)
    c.add_argument("--log-level", default="warning", choices=("debug", "info", "warning", "error"))
    c.set_defaults(handler=_check_serve)


def _abs(env: Environment, p: Path) -> Path:
    return p if p.is_absolute() else env.cwd / p


@gate_cmd._guard
def _publish(args: argparse.Namespace, env: Environment) -> int:
    from clearance.actions import publish

    if (args.sync is None) == (args.to is None):
        raise UsageError("give either FILE --to PUBLIC_DIR, or --sync PUBLIC_DIR")
    gate = gate_cmd._gate(args, env)
    actor, known = (args.actor, True) if args.actor else (f"os:{getpass.getuser()}", False)
    if args.sync is not None:
        if args.file is not None or args.name:
            raise UsageError("--sync takes no FILE or --name")
        if not known:
            actor = f"os:{getpass.getuser()}"
        result = publish.sync(gate, _abs(env, args.sync), actor=actor, dry_run=args.dry_run)
        if args.format == "json":
            out = {"kept": result.kept, "removed": [{"path": p, "why": w} for p, w in result.removed]}
            gate_cmd._write(env, json.dumps(out, indent=2) + "\n")
        else:
            verb = "would remove" if args.dry_run else "removed"
            lines = [f"{verb} {p} ({w})" for p, w in result.removed]
            lines.append(f"{len(result.kept)} cleared file(s) kept, {len(result.removed)} {verb}")
            gate_cmd._write(env, "\n".join(lines) + "\n")
        return ExitStatus.OK
    if args.file is None:
        raise UsageError("publish: FILE is required with --to")
    src = _abs(env, args.file)
    if not src.is_file():
        raise UsageError(f"{args.file}: not a file")
    done = publish.promote(gate, src, _abs(env, args.to), actor=actor, name=args.name, known_user=known)
    if args.format == "json":
        out = {"path": str(done.path), "sha256": done.sha256, "size": done.size}
        gate_cmd._write(env, json.dumps(out, indent=2) + "\n")
    else:
        gate_cmd._write(env, f"published {done.path} (sha256 {done.sha256}, {done.size:,} bytes)\n")
    return ExitStatus.OK


def _check_serve(args: argparse.Namespace, env: Environment) -> int:
    import asyncio
    import logging

    from sqlalchemy.exc import SQLAlchemyError

    from clearance.actions.store import db
    from clearance.actions.store.repo import Store
    from clearance.service import check

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    root = _abs(env, args.root)
    if not root.is_dir():
        raise UsageError(f"--root {args.root}: not a directory")
    url = gate_cmd.db_url(args, env)
    try:
        store = Store.open(url, migrate=False)
        have, want = db.current_revision(store.engine), db.head_revision()
    except SQLAlchemyError as exc:
        env.error(f"cannot use the store at {url}: {str(exc).splitlines()[0]}")
        return ExitStatus.USAGE
    if have != want:  # an empty or old database would answer "not cleared" to everything
        env.error(f"the store at {url} is at schema {have}, not {want}: run a clearance command on it first")
        return ExitStatus.USAGE
    checker = check.Checker.for_store(root, store)
    check.warm(checker)

    def ready(_server: check.CheckServer) -> None:
        print(
            f"clearance check: listening on http://{args.host}:{args.port}/check, root {root}",
            file=env.stderr,
            flush=True,
        )

    try:
        asyncio.run(check.serve(checker, args.host, args.port, ready=ready))
    except OSError as exc:
        env.error(f"cannot listen on {args.host}:{args.port}: {exc.strerror}")
        return ExitStatus.USAGE
    finally:
        checker.close()
        store.close()
    return ExitStatus.OK
