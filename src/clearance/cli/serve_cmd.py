"""``clearance serve``: the review web app and HTTP API (the ``[web]`` extra).

The one command a newcomer runs: SQLite in the working directory by default, schema migrated on
start, and on first start an ``admin`` user whose password comes from
``$CLEARANCE_ADMIN_PASSWORD`` or is generated and printed once. Binds 127.0.0.1 by default; put
it behind a TLS proxy and pass ``--secure-cookies`` (or ``CLEARANCE_SECURE_COOKIES=1``) before
anyone else can reach it. ``CLEARANCE_SECRET_KEY`` keeps sessions across restarts.
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path
from typing import Any

from clearance.cli import gate_cmd
from clearance.cli.env import Environment
from clearance.errors import ExitStatus, UsageError

ADMIN_ENV = "CLEARANCE_ADMIN_PASSWORD"
ADMIN_NAME = "admin"
GENERATED_PASSWORD_BYTES = 15  # 20 URL-safe characters


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "serve",
        help="run the review web app and HTTP API (pip install 'clearance[web]')",
        description="Serve the review pages and the JSON API (/docs, /openapi.json). On first start "
        f"an '{ADMIN_NAME}' user is created: password from ${ADMIN_ENV}, else printed once.",
    )
    p.add_argument(
        "--db", metavar="URL", help=f"store URL (default: ${gate_cmd.DB_ENV} or sqlite:///{gate_cmd.DB_FILE})"
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)"
    )
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--secure-cookies",
        action="store_true",
        default=None,
        help="send the session cookie over HTTPS only (use behind TLS)",
    )
    p.add_argument("--policy", type=Path, help="policy TOML (default: the built-in policy)")
    p.add_argument("--config", type=Path, help="project configuration file (default: ./clearance.toml)")
    p.set_defaults(handler=_serve)


def prepare(args: argparse.Namespace, env: Environment) -> Any:
    """Build the app and make sure someone can log in; returns the FastAPI app."""
    try:
        from clearance.service.app import create_app
        from clearance.service.settings import Settings
    except ImportError as exc:
        missing = exc.name
        raise UsageError(
            f"the web app needs the [web] extra: pip install 'clearance[web]' ({missing} missing)"
        ) from None
    config = gate_cmd._config(args, env)
    settings = Settings.from_env(
        env.vars, db_url=gate_cmd.db_url(args, env), config=config, secure_cookies=args.secure_cookies
    )
    app = create_app(settings)
    bootstrap_admin(app.state.gate, env)
    return app


def bootstrap_admin(gate: Any, env: Environment) -> str | None:
    """Until some admin has a password, give one: to a CLI-created admin, else a new ``admin``.
    Returns the password when it was generated (and printed), else None."""
    from clearance.actions.store import repo
    from clearance.actions.store.models import Role
    from clearance.service import auth

    with gate.store.reading() as s:
        admins = [u for u in repo.list_users(s) if u.role == Role.ADMIN.value and not u.disabled]
    if any(u.password_hash for u in admins):
        return None
    given = env.vars.get(ADMIN_ENV)
    password = given or secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    hashed = auth.hash_password(password)
    if admins:
        name = admins[0].name
        auth.set_password(gate, name, name, password)
    else:
        name = ADMIN_NAME
        gate.add_user(name, Role.ADMIN, password_hash=hashed)
    if given:
        print(f"Admin user '{name}' can log in with the password from ${ADMIN_ENV}.", file=env.stderr)
        return None
    print(
        f"Created the first login: user '{name}', password {password}\n"
        "It is shown only now: log in, then add people on the Admin page.",
        file=env.stderr,
    )
    return password


@gate_cmd._guard
def _serve(args: argparse.Namespace, env: Environment) -> int:
    app = prepare(args, env)
    import uvicorn

    print(f"clearance: serving on http://{args.host}:{args.port}/ (API docs at /docs)", file=env.stderr)
    # The app logs each request itself, without query strings (a search may hold a name).
    uvicorn.run(app, host=args.host, port=args.port, access_log=False, proxy_headers=True)
    return ExitStatus.OK
