"""The web service's HTTP API and pages (FastAPI TestClient), on SQLite and PostgreSQL.

The leak-style workbook goes through the real scanner; the workflow rules use the fake scanner
of tests/pg.py (verdict chosen by the file's first line). Every response body is checked for
the generated people's names and A-numbers: none may ever appear.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")

from fastapi.testclient import TestClient
from sqlalchemy.pool import NullPool

from clearance.actions.store import repo
from clearance.cli.env import Environment
from clearance.pipeline import Scanner
from clearance.service import auth, create_app, pages
from clearance.service.settings import Settings
from generators.people import make_people
from generators.workbooks import make_leak_workbook
from pg import (  # noqa: F401
    FakeScanner,
    config,
    fixture_pg_server,
    fixture_pg_store_server,
    fixture_pg_url,
    fixture_store_url,
)

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = auth.hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
PEOPLE_N = 200  # the leak workbook's hidden sheet; small keeps the scan at ~0.1 s
USERS = [
    ("root", "admin"),
    ("alice", "publisher"),
    ("bob", "reviewer"),
    ("carol", "reviewer"),
    ("olga", "approver-override"),
    ("oscar", "approver-override"),
]


class Tick:
    """The login limiter's clock."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def leak(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = make_leak_workbook(tmp_path_factory.mktemp("leak") / "FY23_detentionStats.xlsx", n=PEOPLE_N)
    return path.read_bytes()


@pytest.fixture(scope="module")
def raw_values() -> list[str]:
    """Strings that must never leave the service: full names (both orders) and A-numbers."""
    out = []
    for p in make_people(PEOPLE_N, 0):  # make_leak_workbook's default seed
        out += [f"{p.given} {p.family}", f"{p.family}, {p.given}", p.a_number]
    return out


@pytest.fixture(scope="module")
def real_scanner() -> Scanner:
    return Scanner.build(config())


def build_app(url: str, scanner: Any = None, **kw: Any) -> Any:
    """An app on ``url`` with USERS (all with PASSWORD) and the given scanner."""
    cfg = config()
    settings = Settings(
        db_url=url,
        config=cfg,
        scanner=scanner if scanner is not None else FakeScanner(cfg),
        store_kwargs={"poolclass": NullPool},
        **kw,
    )
    app = create_app(settings)
    gate = app.state.gate
    gate.add_user("root", "admin", password_hash=PASSWORD_HASH)
    for name, role in USERS[1:]:
        gate.add_user(name, role, actor="root", password_hash=PASSWORD_HASH)
    return app


def token_for(app: Any, user: str, role: str | None = None) -> dict[str, str]:
    token, _ = auth.create_token(app.state.gate, "root", user, f"test {user}", role)
    return {"Authorization": f"Bearer {token}"}


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
        follow_redirects=False,
    )


class Recorder:
    """Wraps a TestClient and keeps every response body, to search them for raw values."""

    def __init__(self, client: TestClient) -> None:
        self.client, self.bodies = client, []

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(*a: Any, **kw: Any) -> Any:
            r = getattr(self.client, method)(*a, **kw)
            self.bodies.append(r.text)
            return r

        return call


@pytest.fixture
def app(store_url: str) -> Iterator[Any]:
    a = build_app(store_url)
    yield a
    a.state.gate.store.close()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def upload(client: Any, headers: dict[str, str], data: bytes, name: str = "file.txt") -> Any:
    return client.post("/api/v1/submissions", headers=headers, files={"file": (name, data)})


# -- the founding case ------------------------------------------------------------------------------
def test_leak_workbook_is_blocked_with_reasons_and_only_masked_values(
    store_url: str, leak: bytes, raw_values: list[str], real_scanner: Scanner
) -> None:
    app = build_app(store_url, real_scanner)
    with TestClient(app) as tc:
        c = Recorder(tc)
        alice, bob = token_for(app, "alice"), token_for(app, "bob")
        r = upload(c, alice, leak, "FY23_detentionStats.xlsx")
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["status"], body["verdict"], body["people"]) == ("blocked", "block", PEOPLE_N)
        assert body["categories"] == ["asylum-immigration"]
        assert any("hidden sheet 'Detainees'" in reason for reason in body["reasons"])
        assert body["sha256"] == hashlib.sha256(leak).hexdigest()
        ranges = {f["entity"]: f["location"]["range"] for f in body["findings"]}
        assert ranges["person-name"] == f"A2:A{PEOPLE_N + 1}"
        assert all("*" in f["masked"] for f in body["findings"])
        # the same bytes again: nothing new
        again = upload(c, alice, leak, "copy.xlsx")
        assert again.status_code == 200 and again.json()["created"] is False
        sha = body["sha256"]
        assert c.get(f"/api/v1/submissions/{sha[:12]}", headers=bob).json()["id"] == body["id"]
        listed = c.get("/api/v1/submissions", params={"status": "blocked"}, headers=bob).json()
        assert [s["sha256"] for s in listed["submissions"]] == [sha]
        assert c.get(f"/api/v1/cleared/{sha}", headers=alice).status_code == 404
        # the pages too: detail with the preview grid, queue, audit
        assert login(tc, "bob").status_code == 303
        page = c.get(f"/submissions/{body['id']}")
        assert "hidden sheet &#39;Detainees&#39;, A2:A201" in page.text
        assert 'class="grid"' in page.text and "196 more rows" in page.text
        assert body["findings"][0]["masked"].split(", ")[0] in page.text
        assert "FY23_detentionStats.xlsx" in c.get("/queue").text
        assert "Chain verified" in c.get("/audit").text
        entries = c.get("/api/v1/audit", headers=bob).json()["entries"]
        assert entries[0]["action"] == "submit" and entries[0]["details"]["people"] == PEOPLE_N
        assert c.get("/api/v1/audit/verify", headers=bob).json()["ok"] is True
    app.state.gate.store.close()
    leaked = [v for v in raw_values for text in c.bodies if v in text]
    assert not leaked, f"raw personal values in responses: {leaked[:3]}"
    assert len(c.bodies) >= 10
    # positive control: the values searched for really are in the file that was uploaded
    wb = openpyxl.load_workbook(io.BytesIO(leak), read_only=True)
    cells = "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    assert sum(v in cells for v in raw_values) >= PEOPLE_N


# -- the workflow rules, over HTTP --------------------------------------------------------------------
def test_self_approval_and_two_person_rule(app: Any, client: TestClient) -> None:
    bob, carol, alice = token_for(app, "bob"), token_for(app, "carol"), token_for(app, "alice")
    own = upload(client, bob, b"review\nbob's own file\n").json()
    r = client.post(f"/api/v1/submissions/{own['id']}/approve", headers=bob, json={"reason": "fine"})
    assert r.status_code == 403 and "separation of duties" in r.json()["detail"]

    special = upload(client, alice, b"review\nspecial\n").json()
    assert special["approvals_needed"] == 2
    url = f"/api/v1/submissions/{special['id']}/approve"
    first = client.post(url, headers=bob, json={"reason": "aggregates only"})
    assert first.status_code == 200 and first.json()["status"] == "pending-review"
    assert first.json()["approvals"] == ["bob"]
    twice = client.post(url, headers=bob, json={"reason": "really"})
    assert twice.status_code == 403 and "another person" in twice.json()["detail"]
    assert client.get(f"/api/v1/cleared/{special['sha256']}", headers=alice).status_code == 404
    second = client.post(url, headers=carol, json={"reason": "agreed"})
    assert second.json()["status"] == "cleared"
    assert client.get(f"/api/v1/cleared/{special['sha256']}", headers=alice).json() == {
        "cleared": True,
        "sha256": special["sha256"],
    }
    # the refusals are in the audit log, and the chain holds
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=bob).json()["entries"]]
    assert actions.count("refused") == 2
    assert client.get("/api/v1/audit/verify", headers=bob).json()["ok"] is True


def test_blocked_file_needs_the_override_role_and_a_reason(app: Any, client: TestClient) -> None:
    alice, bob, olga = token_for(app, "alice"), token_for(app, "bob"), token_for(app, "olga")
    root = token_for(app, "root")
    sub = upload(client, alice, b"block\nhidden sheet\n").json()
    base = f"/api/v1/submissions/{sub['id']}"
    r = client.post(f"{base}/approve", headers=bob, json={"reason": "looks fine"})
    assert r.status_code == 403 and "only an override" in r.json()["detail"]
    for who in (bob, root):  # an admin alone cannot release a blocked file
        r = client.post(f"{base}/override", headers=who, json={"reason": "publish it"})
        assert r.status_code == 403 and "may not override" in r.json()["detail"]
    assert client.post(f"{base}/override", headers=olga, json={"reason": ""}).status_code == 422
    assert client.post(f"{base}/override", headers=olga, json={}).status_code == 422
    ok = client.post(f"{base}/override", headers=olga, json={"reason": "sheet removed upstream; false alarm"})
    assert ok.status_code == 200 and ok.json()["status"] == "cleared"
    assert ok.json()["decisions"][-1] == {**ok.json()["decisions"][-1], "actor": "olga", "action": "override"}
    down = client.post(
        "/api/v1/revocations", headers=bob, json={"sha256": sub["sha256"], "reason": "complaint"}
    )
    assert down.json()["status"] == "revoked"
    assert client.get(f"/api/v1/cleared/{sub['sha256']}", headers=alice).status_code == 404
    assert client.get("/api/v1/submissions/999999", headers=bob).status_code == 404
    assert (
        client.post("/api/v1/submissions/999999/reject", headers=bob, json={"reason": "x"}).status_code == 404
    )


def test_validation_errors_do_not_echo_the_input(app: Any, client: TestClient) -> None:
    bob = token_for(app, "bob")
    secret = "Fatemeh Azizi A101976931 " * 200  # over the 4,000-character limit
    r = client.post("/api/v1/submissions/1/approve", headers=bob, json={"reason": secret})
    assert r.status_code == 422
    assert "Azizi" not in r.text and r.json()["detail"][0]["loc"] == ["body", "reason"]


# -- authentication -----------------------------------------------------------------------------------
def test_bearer_tokens(app: Any, client: TestClient) -> None:
    assert client.get("/api/v1/submissions").status_code == 401
    r = client.get("/api/v1/submissions", headers={"Authorization": "Bearer clr_wrong"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    # an admin creates a token over the API; it is shown once and stored as its SHA-256
    root = token_for(app, "root")
    made = client.post(
        "/api/v1/tokens", headers=root, json={"user": "bob", "name": "CI", "role": "publisher"}
    )
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith("clr_") and len(token) > 40
    listed = client.get("/api/v1/tokens", headers=root).text
    assert token not in listed
    with app.state.gate.store.reading() as s:
        assert repo.token_by_hash(s, hashlib.sha256(token.encode()).hexdigest()) is not None
    scoped = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=scoped).json() == {
        "name": "bob",
        "role": "publisher",
        "user_role": "reviewer",
        "via": "token",
    }
    # the token is narrowed to publisher: it submits, but cannot approve although bob could
    sub = upload(client, token_for(app, "alice"), b"review\nx\n").json()
    r = client.post(f"/api/v1/submissions/{sub['id']}/approve", headers=scoped, json={"reason": "ok"})
    assert r.status_code == 403 and "publisher token" in r.json()["detail"]
    assert upload(client, scoped, b"pass\nfrom CI\n").status_code == 201
    # non-admins cannot make tokens; a role above the user's is refused
    assert client.post("/api/v1/tokens", headers=scoped, json={"user": "bob", "name": "x"}).status_code == 403
    up = client.post("/api/v1/tokens", headers=root, json={"user": "alice", "name": "x", "role": "admin"})
    assert up.status_code == 403
    # revoked: 401
    assert client.delete(f"/api/v1/tokens/{made.json()['id']}", headers=root).status_code == 200
    assert client.get("/api/v1/me", headers=scoped).status_code == 401


def test_csrf_is_required_on_every_form_and_cookie_write(client: TestClient) -> None:
    page = client.get("/login")
    r = client.post("/login", data={"username": "bob", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    assert login(client, "bob").status_code == 303
    r = client.post("/upload", files={"file": ("a.txt", b"pass\n")}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post(
        "/submissions/1/decide", data={"action": "approve", "reason": "x", "csrf_token": "forged"}
    )
    assert r.status_code == 403
    # the API with the session cookie needs the header; with it, it works
    assert client.post("/api/v1/revocations", json={"sha256": "a" * 64, "reason": "x"}).status_code == 403
    csrf = csrf_of(client.get("/upload").text)
    assert csrf != csrf_of(page.text)  # a fresh token after login (no session fixation)
    r = client.post(
        "/api/v1/revocations", headers={"X-CSRF-Token": csrf}, json={"sha256": "a" * 64, "reason": "x"}
    )
    assert r.status_code == 404  # past the CSRF check: no such file


def test_login_rate_limit_and_logout(store_url: str) -> None:
    tick = Tick()
    app = build_app(store_url, monotonic=tick)
    with TestClient(app) as client:
        for _ in range(5):
            assert login(client, "bob", "wrong password!").status_code == 401
        r = login(client, "bob")  # even the right password, while limited
        assert r.status_code == 429 and "Too many failed attempts" in r.text
        assert login(client, "carol").status_code == 303  # other users are not affected
        tick.t += 15 * 60 + 1
        assert login(client, "bob").status_code == 303
        assert client.get("/", follow_redirects=False).status_code == 200
        csrf = csrf_of(client.get("/").text)
        assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
        r = client.get("/", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert login(client, "nobody").status_code == 401
    app.state.gate.store.close()


def test_cookie_flags_headers_and_offline_docs(tmp_path: Path) -> None:
    app = build_app(f"sqlite:///{tmp_path / 'c.db'}", secure_cookies=True)
    with TestClient(app, base_url="https://testserver") as client:
        cookie = client.get("/login").headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
        r = client.get("/docs")
        assert r.status_code == 200 and "/api/v1/submissions" in r.text
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert not re.search(r'(src|href)="(https?:)?//', r.text), "the docs page loads something external"
        spec = client.get("/openapi.json").json()
        assert {"/api/v1/submissions", "/api/v1/cleared/{sha256}", "/api/v1/audit/verify"} <= set(
            spec["paths"]
        )
    app.state.gate.store.close()


def test_pages_dashboard_search_and_admin(tmp_path: Path) -> None:
    app = build_app(f"sqlite:///{tmp_path / 'p.db'}")
    with TestClient(app) as client:
        alice = token_for(app, "alice")
        upload(client, alice, b"review\nquarterly\n", "quarterly-report.csv")
        blocked = upload(client, alice, b"block\nx\n", "detention.xlsx").json()
        assert login(client, "root").status_code == 303
        dash = client.get("/").text
        assert re.search(r'<span class="n">1</span><span>blocked</span>', dash)
        found = client.get("/submissions", params={"q": "DETENT"}).text
        assert "detention.xlsx" in found and "quarterly-report.csv" not in found
        assert "detention.xlsx" in client.get("/submissions", params={"q": blocked["sha256"][:10]}).text
        # an admin adds a user with a password, who can then log in; override form only for them
        csrf = csrf_of(client.get("/admin").text)
        r = client.post(
            "/admin/users",
            data={"name": "ola", "role": "approver-override", "password": PASSWORD, "csrf_token": csrf},
        )
        assert "Added ola" in r.text
        made = client.post(
            "/admin/tokens", data={"user": "alice", "name": "CMS", "role": "", "csrf_token": csrf}
        )
        token = re.search(r'<code class="token">(clr_[^<]+)</code>', made.text).group(1)
        assert (
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["name"] == "alice"
        )
        assert 'id="do-override"' not in client.get(f"/submissions/{blocked['id']}").text  # admin
    with TestClient(app) as other:
        assert login(other, "ola").status_code == 303
        assert 'id="do-override"' in other.get(f"/submissions/{blocked['id']}").text
        assert other.get("/admin").status_code == 403
    with TestClient(app) as pub:
        login(pub, "alice")
        assert pub.get("/audit").status_code == 403
    app.state.gate.store.close()


# -- presentation helpers ----------------------------------------------------------------------------
def test_where_and_preview_are_built_from_locations_and_masked_values_only() -> None:
    f = {"visibility": "hidden-sheet", "location": {"sheet": "Detainees", "range": "B2:B6253"}}
    assert pages.where(f) == "hidden sheet 'Detainees', B2:B6253"
    assert pages.where({"visibility": "comment", "location": {"sheet": "S", "range": "C4"}}) == (
        "sheet 'S', C4 (comments)"
    )
    assert pages.where({"visibility": "under-redaction", "location": {"page": 3}}).startswith(
        "page 3 (text under"
    )
    assert pages.parse_range("B2:B6253") == [(2, 2, 2, 6253)]
    assert pages.parse_range("AA10") == [(27, 10, 27, 10)]
    assert pages.parse_range("not a range") == []
    report = {
        "findings": [
            {
                "entity": "person-name",
                "visibility": "hidden-sheet",
                "masked": "G****** M****, A**** B*, ...",
                "location": {"sheet": "Detainees", "range": "B2:B6253"},
            },
            {
                "entity": "a-number",
                "visibility": "hidden-sheet",
                "masked": "A*******31, ...",
                "location": {"sheet": "Detainees", "range": "D2:D6253"},
            },
        ],
        "tables": [
            {"location": {"sheet": "Detainees"}, "columns": [{"header": "Name", "entity": "person-name"}]}
        ],
    }
    (p,) = pages.previews(report)
    assert p.columns == ["A", "B", "C", "D", "E"]
    assert [c.text for c in p.header] == ["", "Name", "", "", ""]
    assert [label for label, _ in p.rows] == ["2", "3", "4", "⋮", "6253"]
    first = p.rows[0][1]
    assert [(c.text, c.flagged) for c in first] == [
        ("", False),
        ("G****** M****", True),
        ("", False),
        ("A*******31", True),
        ("", False),
    ]
    assert p.rows[3][1][0].text == "6,248 more rows"


# -- clearance serve ------------------------------------------------------------------------------
def test_serve_creates_the_first_admin_once(tmp_path: Path) -> None:
    from clearance.cli import serve_cmd

    args = argparse.Namespace(
        db=f"sqlite:///{tmp_path / 's.db'}", config=None, policy=None, secure_cookies=None
    )
    err = io.StringIO()
    app = serve_cmd.prepare(args, Environment(stderr=err, vars={}, cwd=tmp_path))
    password = re.search(r"user 'admin', password (\S+)", err.getvalue()).group(1)
    with TestClient(app) as client:
        assert login(client, "admin", password).status_code == 303
        assert client.get("/api/v1/me").json()["role"] == "admin"
    app.state.gate.store.close()
    err2 = io.StringIO()
    again = serve_cmd.prepare(args, Environment(stderr=err2, vars={"CLEARANCE_ADMIN_PASSWORD": "x" * 12}))
    assert "password" not in err2.getvalue()  # an admin with a password exists: nothing printed
    again.state.gate.store.close()
    # a CLI-created admin without a password gets the one from the environment
    args.db = f"sqlite:///{tmp_path / 't.db'}"
    from clearance.cli.main import main

    assert (
        main(
            ["users", "add", "chief", "--role", "admin", "--db", args.db],
            Environment(stdout=io.BytesIO(), stderr=io.StringIO()),
        )
        == 0
    )
    env = Environment(stderr=io.StringIO(), vars={"CLEARANCE_ADMIN_PASSWORD": PASSWORD}, cwd=tmp_path)
    app3 = serve_cmd.prepare(args, env)
    with TestClient(app3) as client:
        assert login(client, "chief").status_code == 303
    app3.state.gate.store.close()
