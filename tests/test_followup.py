"""Follow-up cases: status workflow, audit, bulk CSV updates, summary, CLI, dashboard page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from clearance.actions import audit
from clearance.actions.store.incident_tables import ExposedPerson, Incident
from clearance.actions.store.models import AuditEntry
from clearance.actions.store.repo import Store
from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.fingerprint import mask
from clearance.incident import followup
from clearance.incident.crypto import IncidentKey, generate_secret, record_context
from clearance.incident.followup import Change, FollowupError
from clearance.incident.followup_models import FollowupCase
from clearance.incident.models import PersonRecord as Leaked
from generators.people import Person, make_people

T0 = dt.datetime(2022, 11, 30, 9, 0, tzinfo=dt.UTC)
SECRET = generate_secret()


def add_incident(store: Store, people: list[Person], key: IncidentKey) -> tuple[int, dict[str, int]]:
    """An incident with these people as its exposed records (encrypted, as `incident open` stores them).
    Returns the incident id and A-number -> ExposedPerson.id."""
    ids = {}
    with store.transaction() as s:
        inc = Incident(
            title="FY23 detention statistics", file_sha256="a" * 64, file_name="FY23_detentionStats.xlsx",
            file_size=1, media_type="application/vnd.ms-excel", urls=["/doclib/FY23_detentionStats.xlsx"],
            published_at=dt.datetime(2022, 11, 28, 12, tzinfo=dt.UTC),
            removed_at=dt.datetime(2022, 11, 28, 17, tzinfo=dt.UTC), times_source="given", status="open",
            created_by="lead", created_at=T0, people=len(people), key_id=key.key_id, scan_summary={},
        )  # fmt: skip
        s.add(inc)
        s.flush()
        for p in people:
            values = {
                "person-name": p.display_name("last-first"),
                "date-of-birth": p.dob.isoformat(),
                "nationality": p.nationality,
                "a-number": f"A{p.a_number}",
                "detention-facility": p.facility,
                "immigration-status": p.case_status,
            }
            pk = key.hash("person", p.a_number)
            blob = key.encrypt(json.dumps(Leaked(values).to_dict()).encode(), record_context(inc.id, pk))
            ep = ExposedPerson(
                incident_id=inc.id, person_key=pk, a_number_hash=key.hash_a_number(p.a_number),
                name_dob_hash=None,
                record=blob, fields=sorted(values), where=[], visibilities=["hidden-sheet"], hidden_only=True,
                masked=mask("person-name", p.display_name("first-last")), created_at=T0,
            )  # fmt: skip
            s.add(ep)
            s.flush()
            ids[p.a_number] = ep.id
        return inc.id, ids


@pytest.fixture
def store(tmp_path: Path):
    s = Store.open(f"sqlite:///{tmp_path / 'c.db'}", poolclass=NullPool)
    yield s
    s.close()


@pytest.fixture
def key() -> IncidentKey:
    return IncidentKey.from_secret(SECRET)


@pytest.fixture
def people() -> list[Person]:
    return make_people(12, seed=5)


def test_case_goes_through_every_status_with_events_and_audit(store, key, people) -> None:
    inc, _ = add_incident(store, people, key)
    assert followup.open_cases(store, inc, actor="lead", now=T0) == 12
    assert followup.open_cases(store, inc, actor="lead", now=T0) == 0  # idempotent
    case = followup.list_cases(store, inc)[0].id
    with pytest.raises(FollowupError, match="needs --via"):
        followup.update(store, case, Change(status="notified"), actor="ana", now=T0)
    with pytest.raises(FollowupError, match="cannot go from to-notify to closed"):
        followup.update(store, case, Change(status="closed"), actor="ana", now=T0)
    steps = [
        Change(owner="ana", due=T0 + dt.timedelta(days=14)),
        Change(status="notified", via="mail", to="counsel"),
        Change(status="review-pending"),
        Change(status="outcome", outcome="released"),
        Change(status="closed", note="letter of release sent"),
    ]
    for k, ch in enumerate(steps):
        followup.update(store, case, ch, actor="ana", now=T0 + dt.timedelta(hours=k))
    c = followup.list_cases(store, inc, status="closed")[0]
    assert (c.outcome, c.custody, c.notified_via, c.notified_to, c.owner) == (
        "released",
        "released",
        "mail",
        "counsel",
        "ana",
    )
    events = followup.history(store, case)
    assert [(e.action, e.from_status, e.to_status) for e in events][-4:] == [
        ("status", "to-notify", "notified"),
        ("status", "notified", "review-pending"),
        ("status", "review-pending", "outcome"),
        ("status", "outcome", "closed"),
    ]
    assert all(e.actor for e in events) and events[0].action == "open"
    with store.reading() as s:
        assert audit.verify(s).ok
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions.count("followup.update") == 5 and actions[0] == "followup.open"
    # reopened after an outcome
    followup.update(store, case, Change(status="review-pending"), actor="ana", now=T0 + dt.timedelta(days=30))
    assert followup.history(store, case)[-1].details == {"reopened_from": "released"}


def test_bulk_update_by_case_id_hash_or_a_number_all_or_nothing(store, key, people) -> None:
    inc, ids = add_incident(store, people, key)
    followup.open_cases(store, inc, actor="lead", now=T0)
    cases = followup.list_cases(store, inc)
    by_ep = {c.exposed_person_id: c for c in cases}
    _, p1, p2 = people[:3]
    good = (
        "case_id,a_number_hash,a_number,status,via,to,owner,custody\n"
        f"{cases[5].id},,,notified,email,person,bo,\n"
        f",{by_ep[ids[p1.a_number]].a_number_hash},,review-pending,,,bo,\n"
        f",,A-{p2.a_number[:3]}-{p2.a_number[3:6]}-{p2.a_number[6:]},,,,cy,removed\n"
    )
    n = followup.bulk_update(store, inc, good, actor="lead", now=T0, hash_a_number=key.hash_a_number)
    assert n == 3
    s = followup.summary(store, inc, now=T0)
    assert (
        s["figures"]["notified"] == 1 and s["figures"]["under_review"] == 1 and s["figures"]["removed"] == 1
    )
    bad = f"case_id,status\n{cases[0].id},notified\n{cases[1].id},review-pending\n"
    with pytest.raises(FollowupError, match=r"line 2: case .*notified needs"):
        followup.bulk_update(store, inc, bad, actor="lead", now=T0)
    assert followup.summary(store, inc, now=T0)["figures"]["under_review"] == 1  # nothing applied
    with pytest.raises(FollowupError, match="unknown column"):
        followup.bulk_update(store, inc, "case_id,name\n1,x\n", actor="lead", now=T0)


def test_summary_counts_only(store, key, people) -> None:
    inc, _ = add_incident(store, people, key)
    followup.open_cases(store, inc, actor="lead", now=T0, due=T0 - dt.timedelta(days=1))
    s = followup.summary(store, inc, now=T0)
    assert s["cases"] == 12 and s["by_status"]["to-notify"] == 12 and s["figures"]["overdue"] == 12
    text = json.dumps(s)
    assert not any(p.family in text or p.a_number in text for p in people)


def _env(tmp_path: Path, url: str) -> tuple[Environment, io.BytesIO, io.StringIO]:
    out, err = io.BytesIO(), io.StringIO()
    env = Environment(
        stdout=out, stderr=err, vars={"CLEARANCE_DB": url, "CLEARANCE_INCIDENT_KEY": SECRET}, cwd=tmp_path
    )
    return env, out, err


def roster_csv(path: Path, people: list[Person], *, counsel: bool = True) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "Case ID",
                "A-Number",
                "First Name",
                "Last Name",
                "DOB",
                "Nationality",
                "Custody",
                "Counsel",
                "Counsel Contact",
                "Address",
            ]
        )
        for i, p in enumerate(people):
            a = "" if i % 4 == 0 else p.a_number  # a quarter with no A-number in the roster
            w.writerow([f"R{i:03d}", a, p.given.upper(), p.family, p.dob.strftime("%m/%d/%Y"), p.nationality,
                        "removed" if i == 1 else "detained", f"Counsel {i}" if counsel and i % 2 else "",
                        f"counsel{i}@example.org" if counsel and i % 2 else "", f"{i} Main St"])  # fmt: skip
        for j, p in enumerate(make_people(40, seed=99)):  # people not in the leak
            w.writerow(
                [
                    f"X{j:03d}",
                    p.a_number,
                    p.given,
                    p.family,
                    p.dob.isoformat(),
                    p.nationality,
                    "detained",
                    "",
                    "",
                    "",
                ]
            )
    return path


def test_cli_match_followup_and_summary(tmp_path: Path, key, people) -> None:
    pytest.importorskip("splink")
    url = f"sqlite:///{tmp_path / 'c.db'}"
    store = Store.open(url, poolclass=NullPool)
    inc, _ = add_incident(store, people, key)
    store.close()
    roster = roster_csv(tmp_path / "roster.csv", people)
    env, out, err = _env(tmp_path, url)
    rc = main(
        [
            "match",
            "--incident",
            str(inc),
            "--roster",
            str(roster),
            "--as",
            "lead",
            "--no-train",
            "-f",
            "json",
        ],
        env,
    )
    assert rc == 0, err.getvalue()
    res = json.loads(out.getvalue())
    assert res["counts"]["matched"] == 12
    env, out, err = _env(tmp_path, url)
    assert main(["followup", "list", str(inc), "--csv", "-"], env) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode())))
    assert len(rows) == 12 and all(r["match"] == "match" for r in rows)
    assert sum(r["custody"] == "removed" for r in rows) == 1
    bulk = tmp_path / "bulk.csv"
    bulk.write_text(
        "case_id,status,via,to\n" + "".join(f"{r['case_id']},notified,mail,person\n" for r in rows[:5])
    )
    env, out, err = _env(tmp_path, url)
    assert main(["followup", "bulk", str(inc), str(bulk), "--as", "clerk"], env) == 0, err.getvalue()
    env, out, err = _env(tmp_path, url)
    assert main(["followup", "update", rows[0]["case_id"], "--as", "clerk", "--status", "closed"], env) == 1
    assert "cannot go from notified to closed" in err.getvalue()
    env, out, err = _env(tmp_path, url)
    assert main(["followup", "summary", str(inc), "-f", "json"], env) == 0
    s = json.loads(out.getvalue())
    assert s["figures"]["notified"] == 5 and s["by_match"] == {"match": 12}
    everything = out.getvalue().decode() + json.dumps(res)
    assert not any(p.a_number in everything or p.family in everything for p in people)
    store = Store.open(url, poolclass=NullPool)
    with store.reading() as s2:
        assert audit.verify(s2).ok
        reveals = [e for e in s2.scalars(select(AuditEntry)) if e.action == "incident.reveal"]
        assert len(reveals) == 1 and json.loads(reveals[0].details)["purpose"] == "roster match"
        assert {c.roster_key for c in s2.scalars(select(FollowupCase))} == {f"R{i:03d}" for i in range(12)}
    store.close()


def test_dashboard_shows_aggregates_only(tmp_path: Path, key, people) -> None:
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from clearance.service import auth, create_app
    from clearance.service.settings import Settings
    from pg import FakeScanner, config

    url = f"sqlite:///{tmp_path / 'c.db'}"
    cfg = config()
    app = create_app(
        Settings(db_url=url, config=cfg, scanner=FakeScanner(cfg), store_kwargs={"poolclass": NullPool})
    )
    pw = "correct horse battery staple"
    gate = app.state.gate
    gate.add_user("root", "admin", password_hash=auth.hash_password(pw))
    gate.add_user("alice", "publisher", actor="root", password_hash=auth.hash_password(pw))
    inc, _ = add_incident(gate.store, people, key)
    followup.open_cases(gate.store, inc, actor="lead", now=T0)
    case = followup.list_cases(gate.store, inc)[0].id
    followup.update(gate.store, case, Change(status="notified", via="phone", to="person"), actor="x", now=T0)
    with TestClient(app) as tc:
        assert tc.get("/incidents/followup", follow_redirects=False).status_code in (302, 303, 307)
        _login(tc, "alice", pw)
        assert tc.get("/incidents/followup").status_code == 403
        tc.post("/logout", data={"csrf_token": _csrf(tc.get("/").text)})
        _login(tc, "root", pw)
        r = tc.get(f"/incidents/followup?incident={inc}")
        assert r.status_code == 200 and "under review" in r.text and "notified" in r.text
        assert not any(p.family in r.text or p.a_number in r.text for p in people)
        assert tc.get("/incidents/followup?incident=999").status_code == 404
    gate.store.close()


def _csrf(html: str) -> str:
    import re

    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m
    return m.group(1)


def _login(tc: Any, name: str, pw: str) -> None:
    page = tc.get("/login")
    r = tc.post(
        "/login",
        data={"username": name, "password": pw, "csrf_token": _csrf(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303
