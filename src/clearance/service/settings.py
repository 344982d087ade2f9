"""Settings of the web service: where the store is, how cookies are set, the login limits."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clearance.actions.store.db import DEFAULT_URL

# Five wrong passwords per user and address in fifteen minutes, then 429: enough for typos, far
# too few for guessing (OWASP Authentication Cheat Sheet, "Login Throttling").
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_S = 15 * 60
# A working day; after it the reviewer logs in again.
SESSION_MAX_AGE_S = 8 * 60 * 60
# Uploads larger than this are refused before scanning (the scanner has its own, lower limits
# per format; this one protects the web server's memory).
MAX_UPLOAD_BYTES = 512 * 1024 * 1024

ENV_DB = "CLEARANCE_DB"
ENV_SECRET = "CLEARANCE_SECRET_KEY"
ENV_SECURE = "CLEARANCE_SECURE_COOKIES"


@dataclass
class Settings:
    db_url: str = DEFAULT_URL
    # Signs session cookies. Random by default: sessions then end when the process restarts.
    # Set CLEARANCE_SECRET_KEY to keep them (and to run more than one worker).
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # Secure cookies are sent over HTTPS only: turn on behind TLS (always, in production).
    secure_cookies: bool = False
    session_max_age_s: int = SESSION_MAX_AGE_S
    login_max_failures: int = LOGIN_MAX_FAILURES
    login_window_s: int = LOGIN_WINDOW_S
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    config: Any = None  # clearance.config.loader.Config; None: load_config() from the environment
    scanner: Any = None  # a ready Scanner (tests inject one); None: Scanner.build(config)
    store_kwargs: Mapping[str, Any] = field(default_factory=dict)  # passed to Store.open
    clock: Any = None  # Callable[[], datetime] for the Gate; None: UTC now
    monotonic: Callable[[], float] = time.monotonic  # the login limiter's clock

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: Any) -> Settings:
        kw: dict[str, Any] = {}
        if env.get(ENV_DB):
            kw["db_url"] = env[ENV_DB]
        if env.get(ENV_SECRET):
            kw["secret_key"] = env[ENV_SECRET]
        if env.get(ENV_SECURE, "").lower() in ("1", "true", "yes", "on"):
            kw["secure_cookies"] = True
        kw.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kw)
