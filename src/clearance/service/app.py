"""The FastAPI application: ``create_app(settings)`` wires the store, the Gate, sessions, the
API (``api.py``) and the pages (``pages.py``).

Everything is served from this process: templates and CSS are package files, and ``/docs`` is a
page rendered here from the OpenAPI document (FastAPI's default loads Swagger UI from a CDN,
and nothing in this app may load from the internet).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from clearance import __version__
from clearance.actions.store.repo import Store
from clearance.actions.workflow import Gate, NotFound, Refused, utc_now
from clearance.reports.json import file_dict
from clearance.service import api, incident_pages, pages
from clearance.service.auth import SESSION_COOKIE, LoginLimiter
from clearance.service.settings import Settings

HERE = Path(__file__).resolve().parent
log = logging.getLogger("clearance.service")

# Pages and API answers are private to the user who asked: never cached, never framed, scripts
# and styles only from this origin.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def create_app(settings: Settings) -> FastAPI:
    from clearance.config.loader import load_config

    config = settings.config or load_config()
    store = Store.open(settings.db_url, **dict(settings.store_kwargs))
    gate = Gate(
        store,
        config.policy,
        report_json=functools.partial(file_dict, reveal=False),
        clock=settings.clock or utc_now,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="clearance",
        version=__version__,
        summary="Review and release files before they are published; the publication gate's API.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.config = config
    app.state.gate = gate
    app.state.limiter = LoginLimiter(settings.login_max_failures, settings.login_window_s, settings.monotonic)
    app.state.scanner = settings.scanner
    app.state.scanner_lock = threading.Lock()
    # The detectors were not written for concurrent use; one scan at a time per process.
    app.state.scan_lock = threading.Lock()

    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.secure_cookies,
    )

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        # Path without the query string: a search may hold a name.
        log.info("%s %s %s", request.method, request.url.path, response.status_code)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI echoes the offending input by default; a reason or a file name may hold a
        # personal value, so only the location and the message go back.
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(Refused)
    async def refused(_request: Request, exc: Refused) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=403)

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=404)

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(incident_pages.router)  # incident follow-up dashboard (aggregates)
    pages.install(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
