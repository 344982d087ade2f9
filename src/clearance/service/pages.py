"""Server-rendered pages: login, dashboard, upload, review queue, submission detail with the
preview of where findings sit, search, audit trail, admin (users and API tokens), API docs.

The preview of a spreadsheet finding is drawn from the finding's location and its masked
sample values only; the file itself is never re-read (the store does not even keep it).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from clearance.actions.store import repo
from clearance.actions.store.models import Action, Role, Status
from clearance.actions.workflow import PERMISSIONS, NotFound, Refused, SubmissionView
from clearance.service import api, auth

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)

AUDIT_PAGE = 50
SEARCH_LIMIT = 50
RECENT = 10
PREVIEW_DATA_ROWS = 3  # first rows drawn before the "more rows" line
PREVIEW_MAX_COLS = 12

VISIBILITY = {
    "visible": "visible",
    "hidden-sheet": "hidden sheet",
    "very-hidden-sheet": "very hidden sheet (only macros can show it)",
    "hidden-row": "hidden rows",
    "hidden-column": "hidden columns",
    "filtered-row": "rows hidden by a filter",
    "invisible-format": "text formatted to be invisible",
    "pivot-cache": "pivot table cache",
    "comment": "comments",
    "tracked-change": "tracked changes",
    "metadata": "document properties",
    "defined-name": "defined names",
    "external-link": "external link cache",
    "embedded-file": "an embedded file",
    "under-redaction": "text under a black box (not removed)",
    "earlier-revision": "an earlier revision of the file",
    "speaker-notes": "speaker notes",
    "alt-text": "image alt text",
    "html-hidden": "hidden HTML",
    "archive-member": "a file inside an archive",
}
SHEET_LEVEL = ("hidden-sheet", "very-hidden-sheet")
STATUS_LABEL = {
    "pending-review": "waiting for review",
    "cleared": "cleared",
    "rejected": "rejected",
    "blocked": "blocked",
    "revoked": "taken down",
    "expired": "clearance expired",
}


class LoginRequired(Exception):
    def __init__(self, path: str) -> None:
        self.path = path


# -- presentation helpers (pure) --------------------------------------------------------------------
def where(finding: dict[str, Any]) -> str:
    """Plain words for a finding's location: "hidden sheet 'Detainees', B2:B6253"."""
    loc = finding.get("location") or {}
    vis = str(finding.get("visibility") or "visible")
    label = VISIBILITY.get(vis, vis.replace("-", " "))
    bits: list[str] = []
    if loc.get("members"):
        bits.append(" › ".join(loc["members"]))
    if loc.get("sheet") is not None:
        bits.append(f"{label} '{loc['sheet']}'" if vis in SHEET_LEVEL else f"sheet '{loc['sheet']}'")
    if loc.get("range"):
        bits.append(str(loc["range"]))
    elif loc.get("row") is not None:
        bits.append(f"row {loc['row']}")
    if loc.get("field"):
        bits.append(str(loc["field"]))
    if loc.get("page") is not None:
        bits.append(f"page {loc['page']}")
    if loc.get("revision") is not None:
        bits.append(f"revision {loc['revision']}")
    if not bits and loc.get("part"):
        bits.append(str(loc["part"]))
    text = ", ".join(bits) or "the file"
    if vis not in ("visible", *SHEET_LEVEL):
        text += f" ({label})"
    return text


_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def parse_range(text: str) -> list[tuple[int, int, int, int]]:
    """A1 ranges ("B2:B6253", "C4", "A2:A9,A12") as (col0, row0, col1, row1); [] if unreadable."""
    out = []
    for part in str(text).replace(" ", "").split(","):
        ends = part.split(":")
        if len(ends) > 2:
            return []
        cells = [_CELL.match(e.upper()) for e in ends]
        if not all(cells):
            return []
        (c0, r0), (c1, r1) = [(col_number(m.group(1)), int(m.group(2))) for m in cells if m] * (
            2 if len(cells) == 1 else 1
        )
        out.append((min(c0, c1), min(r0, r1), max(c0, c1), max(r0, r1)))
    return out


def samples(masked: str) -> list[str]:
    """The masked sample values of a finding ("A****, F******, ..." -> ["A****", "F******"])."""
    return [s for s in (x.strip() for x in str(masked or "").split(", ")) if s and s not in ("...", "…")]


@dataclass
class Cell:
    text: str = ""
    flagged: bool = False
    entity: str = ""


@dataclass
class Preview:
    sheet: str
    visibility: str
    columns: list[str]
    header: list[Cell]
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)  # (row label, cells)
    entities: list[tuple[str, str]] = field(default_factory=list)  # (column letter, entity)


def previews(report: dict[str, Any]) -> list[Preview]:
    """One small grid per sheet with findings: column letters, rows, flagged columns highlighted,
    masked samples in the flagged cells. Built from locations and masked values only."""
    by_sheet: dict[str, list[tuple[dict[str, Any], list[tuple[int, int, int, int]]]]] = {}
    for f in report.get("findings", []):
        loc = f.get("location") or {}
        if loc.get("sheet") is None or not loc.get("range"):
            continue
        boxes = parse_range(loc["range"])
        if boxes:
            by_sheet.setdefault(str(loc["sheet"]), []).append((f, boxes))
    headers: dict[tuple[str, str], str] = {}
    for t in report.get("tables", []):
        sheet = (t.get("location") or {}).get("sheet")
        for c in t.get("columns", []):
            headers.setdefault((str(sheet), str(c.get("entity"))), str(c.get("header") or ""))
    out = []
    for sheet, items in by_sheet.items():
        flagged: dict[int, tuple[dict[str, Any], tuple[int, int, int, int]]] = {}
        for f, boxes in items:
            for box in boxes:
                for c in range(box[0], box[2] + 1):
                    flagged.setdefault(c, (f, box))
        lo, hi = min(flagged), max(flagged)
        if hi - lo < PREVIEW_MAX_COLS - 2:
            cols = list(range(max(1, lo - 1), hi + 2))
        else:
            cols = sorted(flagged)[:PREVIEW_MAX_COLS]
        first = min(b[1] for _, bs in items for b in bs)
        last = max(b[3] for _, bs in items for b in bs)
        vis = str(items[0][0].get("visibility") or "visible")
        p = Preview(sheet, VISIBILITY.get(vis, vis), [col_letters(c) for c in cols], [])
        p.entities = [(col_letters(c), str(flagged[c][0].get("entity"))) for c in cols if c in flagged]
        if first > 1:
            p.header = [
                Cell(headers.get((sheet, str(flagged[c][0].get("entity"))), ""), True)
                if c in flagged
                else Cell()
                for c in cols
            ]
        shown = list(range(first, min(last, first + PREVIEW_DATA_ROWS - 1) + 1))

        def row_cells(r: int, cols: list[int] = cols, flagged: dict[int, Any] = flagged) -> list[Cell]:
            cells = []
            for c in cols:
                if c not in flagged or not (flagged[c][1][1] <= r <= flagged[c][1][3]):
                    cells.append(Cell())
                    continue
                f, box = flagged[c]
                vals = samples(str(f.get("masked", "")))
                i = r - box[1]
                cells.append(Cell(vals[i] if i < len(vals) else "•••", True, str(f.get("entity"))))
            return cells

        p.rows = [(str(r), row_cells(r)) for r in shown]
        if last > shown[-1]:
            hidden = last - shown[-1] - 1
            if hidden:
                gap = [Cell(f"{hidden:,} more rows" if i == 0 else "") for i in range(len(cols))]
                p.rows.append(("⋮", gap))
            p.rows.append((str(last), row_cells(last)))
        out.append(p)
    return out


def when(value: Any) -> str:
    if not value:
        return ""
    t = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


templates.env.filters["when"] = when
templates.env.filters["number"] = lambda n: f"{int(n):,}"
templates.env.filters["status_label"] = lambda s: STATUS_LABEL.get(str(s), str(s))
templates.env.globals["VISIBILITY"] = VISIBILITY


# -- plumbing -------------------------------------------------------------------------------------
def install(app: FastAPI) -> None:
    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
            )
        return templates.TemplateResponse(
            request,
            "error.html",
            {"who": None, "status": exc.status_code, "message": exc.detail},
            status_code=exc.status_code,
        )

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(StarletteHTTPException, http_error)


def user(request: Request) -> auth.Principal:
    who = auth.authenticate(request, allow_token=False)
    if who is None:
        raise LoginRequired(request.url.path)
    return who


def flash(request: Request, kind: str, text: str) -> None:
    request.session.setdefault("flash", []).append([kind, text])
    request.session["flash"] = request.session["flash"][-5:]


def render(
    request: Request, name: str, who: auth.Principal | None, status_code: int = 200, **ctx: Any
) -> Response:
    ctx.update(
        who=who,
        csrf=auth.csrf_token(request),
        flashes=request.session.pop("flash", []),
        path=request.url.path,
        Role=Role,
    )
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def gate_of(request: Request) -> Any:
    return request.app.state.gate


# -- login ----------------------------------------------------------------------------------------
@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", None, next=safe_next(next))


@router.post("/login")
def login_post(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    auth.check_csrf(request, csrf_token)
    limiter, address = request.app.state.limiter, auth.client_address(request)
    username = username.strip()[:100]
    if limiter.blocked(username, address):
        minutes = request.app.state.settings.login_window_s // 60
        return render(
            request,
            "login.html",
            None,
            status_code=429,
            next=safe_next(next),
            username=username,
            error=f"Too many failed attempts. Wait {minutes} minutes, or ask an admin.",
        )
    who = auth.login(request, username, password)
    if who is None:
        limiter.failed(username, address)
        return render(
            request,
            "login.html",
            None,
            status_code=401,
            next=safe_next(next),
            username=username,
            error="Wrong user name or password.",
        )
    limiter.succeeded(username, address)
    return back(safe_next(next))


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    auth.check_csrf(request, csrf_token)
    auth.logout(request)
    flash(request, "ok", "You are logged out.")
    return back("/login")


# -- dashboard, upload ------------------------------------------------------------------------------
@router.get("/")
def dashboard(request: Request) -> Response:
    who = user(request)
    gate = gate_of(request)
    with gate.store.reading() as s:
        counts = repo.count_by_status(s, now=gate.clock())
    order = [
        s.value
        for s in (
            Status.PENDING,
            Status.BLOCKED,
            Status.CLEARED,
            Status.REJECTED,
            Status.REVOKED,
            Status.EXPIRED,
        )
    ]
    return render(
        request,
        "dashboard.html",
        who,
        counts=[(k, counts.get(k, 0)) for k in order],
        total=sum(counts.values()),
        recent=gate.list(limit=RECENT),
    )


@router.get("/upload")
def upload_page(request: Request) -> Response:
    return render(request, "upload.html", user(request))


@router.post("/upload")
def upload_post(
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = user(request)
    auth.check_csrf(request, csrf_token)
    if file is None or not file.filename:
        flash(request, "error", "Choose a file to upload.")
        return back("/upload")
    data = api.read_upload(request, file)
    try:
        view, created = api.do_submit(request, who, data, api.safe_filename(file.filename))
    except (Refused, NotFound) as exc:
        flash(request, "error", str(exc))
        return back("/upload")
    if not created:
        flash(request, "info", "These exact bytes were submitted before; here is their record.")
    return back(f"/submissions/{view.id}")


# -- queue, search, detail --------------------------------------------------------------------------
@router.get("/queue")
def queue(request: Request) -> Response:
    who = user(request)
    views = gate_of(request).list(statuses=[Status.PENDING.value, Status.BLOCKED.value], limit=200)
    return render(
        request, "queue.html", who, views=views, title="Review queue", empty="Nothing is waiting for review."
    )


@router.get("/submissions")
def search(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query()] = "",
) -> Response:
    who = user(request)
    gate = gate_of(request)
    if q.strip():
        with gate.store.reading() as s:
            ids = repo.search_submission_ids(s, q, limit=SEARCH_LIMIT)
        views = [gate.status(i) for i in ids]
        if status:
            views = [v for v in views if v.status.value == status]
    else:
        views = gate.list(statuses=[status] if status else None, limit=SEARCH_LIMIT)
    return render(
        request,
        "queue.html",
        who,
        views=views,
        title="Submissions",
        q=q,
        status=status,
        statuses=[s.value for s in Status],
        search=True,
        empty="No submission matches.",
    )


def _forms(who: auth.Principal, view: SubmissionView) -> dict[str, bool]:
    open_ = view.status in (Status.PENDING, Status.BLOCKED, Status.EXPIRED)
    return {
        "approve": open_ and who.role in PERMISSIONS[Action.APPROVE],
        "reject": open_ and who.role in PERMISSIONS[Action.REJECT],
        "override": open_ and who.role in PERMISSIONS[Action.OVERRIDE],
        "revoke": view.status is not Status.REVOKED
        and (who.role in PERMISSIONS[Action.REVOKE] or who.name == view.submitter),
    }


@router.get("/submissions/{ref}")
def detail(request: Request, ref: str) -> Response:
    who = user(request)
    try:
        view = gate_of(request).status(ref)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    report = dict(view.report or {})
    findings = [{**f, "where": where(f)} for f in report.get("findings", [])]
    return render(
        request,
        "submission.html",
        who,
        v=view,
        findings=findings,
        previews=previews(report),
        notes=report.get("notes", []),
        forms=_forms(who, view),
    )


@router.post("/submissions/{ref}/decide")
def decide(
    request: Request,
    ref: str,
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = user(request)
    auth.check_csrf(request, csrf_token)
    try:
        act = Action(action)
    except ValueError:
        raise HTTPException(422, "unknown action") from None
    try:
        view = api.decide(request, who, ref, act, reason)
    except Refused as exc:
        flash(request, "error", f"Refused: {exc}")
        return back(f"/submissions/{quote(ref)}")
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    done = {"approve": "approved", "reject": "rejected", "override": "overridden", "revoke": "taken down"}
    if act in (Action.APPROVE, Action.OVERRIDE) and view.status in (Status.PENDING, Status.BLOCKED):
        flash(
            request,
            "ok",
            f"{view.filename}: {done[act.value]} by you ({len(view.approvals)} of {view.approvals_needed}); "
            f"another person must also {act.value} it before it is cleared.",
        )
        return back(f"/submissions/{view.id}")
    flash(
        request, "ok", f"{view.filename}: {done[act.value]}; status is now {STATUS_LABEL[view.status.value]}."
    )
    return back(f"/submissions/{view.id}")


# -- audit ----------------------------------------------------------------------------------------
@router.get("/audit")
def audit_page(request: Request, before: Annotated[int | None, Query(ge=1)] = None) -> Response:
    who = user(request)
    if who.role not in api.READ_AUDIT:
        raise HTTPException(403, "only reviewers, override approvers and admins may read the audit log")
    gate = gate_of(request)
    entries = api.audit_entries(gate, limit=AUDIT_PAGE, before=before)
    older = entries[-1]["seq"] if entries and entries[-1]["seq"] > 1 else None
    return render(request, "audit.html", who, entries=entries, verify=api.verify_dict(gate), older=older)


# -- admin ----------------------------------------------------------------------------------------
def _admin(request: Request) -> auth.Principal:
    who = user(request)
    if who.role is not Role.ADMIN:
        raise HTTPException(403, "only an admin may manage users and API tokens")
    return who


def _admin_page(request: Request, who: auth.Principal, **ctx: Any) -> Response:
    gate = gate_of(request)
    return render(
        request,
        "admin.html",
        who,
        users=gate.users(),
        tokens=auth.list_tokens(gate),
        roles=[r.value for r in Role],
        **ctx,
    )


@router.get("/admin")
def admin(request: Request) -> Response:
    return _admin_page(request, _admin(request))


@router.post("/admin/users")
def admin_add_user(
    request: Request,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _admin(request)
    auth.check_csrf(request, csrf_token)
    try:
        hashed = auth.hash_password(password)
        gate_of(request).add_user(name, role, actor=who.name, password_hash=hashed)
    except (Refused, NotFound) as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "ok", f"Added {name.strip()} ({role}).")
    return back("/admin")


@router.post("/admin/password")
def admin_password(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _admin(request)
    auth.check_csrf(request, csrf_token)
    try:
        auth.set_password(gate_of(request), who.name, name, password)
    except (Refused, NotFound) as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "ok", f"Password of {name} set; their sessions have ended.")
    return back("/admin")


@router.post("/admin/tokens")
def admin_token(
    request: Request,
    user_name: Annotated[str, Form(alias="user")] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    who = _admin(request)
    auth.check_csrf(request, csrf_token)
    try:
        token, token_id = auth.create_token(gate_of(request), who.name, user_name, name, role or None)
    except (Refused, NotFound) as exc:
        flash(request, "error", str(exc))
        return back("/admin")
    # Rendered, not flashed: the session cookie is signed, not encrypted.
    return _admin_page(request, who, new_token={"id": token_id, "token": token, "user": user_name})


@router.post("/admin/tokens/{token_id}/revoke")
def admin_revoke_token(request: Request, token_id: int, csrf_token: Annotated[str, Form()] = "") -> Response:
    who = _admin(request)
    auth.check_csrf(request, csrf_token)
    try:
        auth.revoke_token(gate_of(request), who.name, token_id)
    except (Refused, NotFound) as exc:
        flash(request, "error", str(exc))
    else:
        flash(request, "ok", f"Token {token_id} revoked.")
    return back("/admin")


# -- API docs and health ------------------------------------------------------------------------------
@router.get("/docs")
def docs(request: Request) -> Response:
    spec = request.app.openapi()
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [p.get("name", "") for p in op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {})
            ops.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": params,
                    "body": ", ".join(body),
                    "responses": sorted(op.get("responses", {})),
                }
            )
    who = auth.authenticate(request, allow_token=False)
    return render(
        request, "docs.html", who, ops=ops, title=spec["info"]["title"], version=spec["info"]["version"]
    )


@router.get("/healthz")
def healthz() -> HTMLResponse:
    return HTMLResponse("ok")
