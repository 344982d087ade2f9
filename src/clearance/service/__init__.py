"""The review web app and HTTP API (the ``[web]`` extra): ``create_app(Settings(...))``.

No workflow logic lives here: every decision goes through ``clearance.actions.workflow.Gate``;
this package adds HTTP, logins, sessions, CSRF, API tokens and the pages.
"""

from clearance.service.settings import Settings

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    """Build the FastAPI app (imported lazily so ``import clearance.service`` needs no extra)."""
    from clearance.service.app import create_app as _create

    return _create(settings or Settings())
