"""Incidents: the exposed-people list, encryption at rest, audited reveal, the oversight report."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from clearance.actions import audit
from clearance.actions.store.repo import Store
from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.incident import case
from clearance.incident.crypto import IncidentKey, IncidentKeyError, generate_secret
from clearance.incident.exposed import exposed_people
from clearance.incident.report import render_html, render_pdf, timeline_svg
from clearance.pipeline import Scanner
from clearance.pipeline_incident import check_report
from generators.incident import make_access_logs, make_incident_workbook

T0 = dt.datetime(2022, 11, 28, 14, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(hours=5)
URL = "/sites/default/files/FY23 detention stats.xlsx"
NOW = dt.datetime(2022, 11, 29, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner.build()


@pytest.fixture(scope="module")
def leak(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("leak")
    return make_incident_workbook(d / "FY23 detention stats.xlsx", n=40)


@pytest.fixture(scope="module")
def exposed(leak, scanner):
    return exposed_people(leak[0], scanner)


@pytest.fixture(scope="module")
def opened(leak, scanner, tmp_path_factory: pytest.TempPathFactory):
    path, _ = leak
    d = tmp_path_factory.mktemp("store")
    logs, log_truth = make_access_logs(d / "logs", url=URL, file_size=path.stat().st_size, t0=T0, t1=T1)
    secret = generate_secret()
    key = IncidentKey.from_secret(secret)
    url = f"sqlite:///{d / 'clearance.db'}"
    store = Store.open(url)
    res = case.open_incident(
        store, key, path, urls=[URL], actor="oncall", logs=logs, rdns=log_truth.rdns, scanner=scanner, now=NOW
    )
    yield {"store": store, "key": key, "secret": secret, "url": url, "dir": d, "id": res.incident.id,
           "res": res, "logs": logs, "log_truth": log_truth}  # fmt: skip
    store.close()


def _a(person) -> str:
    return person.a_number


def test_people_counted_once_across_parts_and_spellings(exposed, leak) -> None:
    _, truth = leak
    assert len(exposed.people) == truth.distinct
    assert exposed.report.people == truth.distinct  # agrees with the scanner's own count
    by_a = {p.a_number: p for p in exposed.people}
    assert set(by_a) == {p.a_number for p in truth.people}
    full = {"person-name", "date-of-birth", "nationality", "a-number", "detention-facility", "case-status"}
    for a in truth.full_fields:  # visible sheet + hidden sheet + pivot cache, fields unioned
        p = by_a[a]
        assert set(p.fields) == full
        assert p.visibilities == ["visible", "hidden-sheet", "pivot-cache"]
        assert {w["sheet"] for w in p.where} >= {"Detainees", "Archive"}
        assert len(p.variants.get("person-name", [])) == 2  # "MARIA GARCIA LOPEZ", "Garcia Lopez, Maria"
    for a in truth.hidden_only:
        assert by_a[a].hidden_only and by_a[a].visibilities == ["hidden-sheet"]
        assert "case-status" not in by_a[a].fields
    one, other = (by_a[a] for a in truth.namesake)  # same name, two people
    assert one is not other
    assert one.values["person-name"] == other.values["person-name"]


def test_name_normalisation_merges_order_case_accents() -> None:
    from clearance.incident.exposed import _Row, build_records
    from clearance.model import Visibility

    rows = [
        _Row("a", "p1", "S1", 2, Visibility.VISIBLE, {"person-name": "GARCÍA LÓPEZ, María", "date-of-birth": "1990-03-04"}),  # noqa: E501
        _Row("b", "p2", "S2", 2, Visibility.HIDDEN_SHEET, {"person-name": "maria garcia lopez", "date-of-birth": "03/04/1990"}),  # noqa: E501
        _Row("c", "p3", None, 2, Visibility.PIVOT_CACHE, {"person-name": "Maria Garcia Lopez", "nationality": "Mexico"}),  # noqa: E501
        _Row("c", "p3", None, 3, Visibility.PIVOT_CACHE, {"person-name": "Maria Garcia Lopez", "nationality": "Peru"}),  # noqa: E501
    ]  # fmt: skip
    people = build_records(rows)
    # rows 1+2 merge by name + DOB; the two pivot rows share a name but one source: the first
    # cannot merge with the group (one candidate each, but they are two people of one part ->
    # ambiguous), so they stay apart rather than guess
    merged = [p for p in people if len(p.where) >= 2]
    assert merged and "date-of-birth" in merged[0].fields
    assert len(people) == 3


def test_records_are_encrypted_at_rest(opened, leak) -> None:
    _, truth = leak
    opened["store"].engine.dispose()  # flush WAL into the main file too
    raw = b"".join(p.read_bytes() for p in opened["dir"].glob("clearance.db*"))
    assert raw
    for p in truth.people[:10]:
        for needle in (p.family.upper(), p.given, p.a_number, p.dob.isoformat()):
            if len(needle) >= 5:
                assert needle.encode() not in raw, needle
    with opened["store"].reading() as s:
        from clearance.incident.models import ExposedPerson

        rows = s.query(ExposedPerson).all()
        assert len(rows) == truth.distinct
        assert all(r.record[:1] == b"\x01" and len(r.a_number_hash or "") == 64 for r in rows)


def test_a_number_hash_matches_a_roster(opened, leak) -> None:
    _, truth = leak
    key = opened["key"]
    from clearance.incident.models import ExposedPerson

    with opened["store"].reading() as s:
        hashes = {r.a_number_hash for r in s.query(ExposedPerson)}
    for p in truth.people[:5]:
        assert key.hash_a_number(p.a_number_formatted("A-123-456-789")) in hashes


def test_masked_by_default_reveal_is_audited(opened, leak) -> None:
    _, truth = leak
    store, key, iid = opened["store"], opened["key"], opened["id"]
    masked = case.people_view(store, iid)
    text = json.dumps(masked)
    assert truth.people[0].a_number not in text and truth.people[0].family.upper() not in text
    with store.reading() as s:
        before = len(list(s.scalars(audit.select(audit.AuditEntry))))
    with pytest.raises(case.IncidentError):
        case.people_view(store, iid, key=key, reveal=True, actor="oncall", purpose="")
    shown = case.people_view(
        store, iid, key=key, reveal=True, actor="counsel-liaison", purpose="notify lawyers", now=NOW
    )
    assert any(p["values"].get("a-number", "").endswith(truth.people[0].a_number) for p in shown)
    with store.reading() as s:
        entries = list(s.scalars(audit.select(audit.AuditEntry).order_by(audit.AuditEntry.seq)))
        assert len(entries) == before + 1
        last = entries[-1]
        assert last.action == "incident.reveal" and last.actor == "counsel-liaison"
        assert json.loads(last.details) == {
            "incident": iid,
            "records": truth.distinct,
            "purpose": "notify lawyers",
        }
        assert audit.verify(s).ok
    wrong = IncidentKey.from_secret(generate_secret())
    with pytest.raises(IncidentKeyError):
        case.people_view(store, iid, key=wrong, reveal=True, actor="x", purpose="y")


def test_open_records_exposure_and_times_from_logs(opened) -> None:
    res, truth = opened["res"], opened["log_truth"]
    assert res.exposure["complete_downloads"] == truth.complete
    assert res.exposure["distinct_clients"] == truth.distinct_clients
    inc = res.incident
    assert inc.times_source == "logs"
    assert inc.published_at == truth.first_serve and inc.removed_at == truth.last_serve


def test_report_passes_scan_and_has_no_raw_values(opened, leak, scanner) -> None:
    _, truth = leak
    case.add_action(
        opened["store"], opened["id"], actor="oncall", kind="takedown", description="File removed", now=NOW
    )
    data = case.report_data(opened["store"], opened["id"], key=opened["key"], actor="oncall", now=NOW)
    assert data["people"] == truth.distinct
    html = render_html(data)
    for p in truth.people:
        for needle in (p.a_number, p.family.upper(), f"{p.given} {p.family}", p.dob.isoformat()):
            assert needle not in html
    assert "&lt;10" in html  # small cells suppressed
    for table in re.findall(r"<h3>By (?:nationality|facility|case status)</h3>(.*?)</table>", html, re.S):
        counts = re.findall(r"<td>(\d[\d,]*)</td>", table)
        assert all(int(c.replace(",", "")) >= 10 for c in counts)
    assert "<svg" in html and "incident.open" in html and "takedown" in html
    verdict, reasons = check_report(html.encode(), "report.html", scanner)
    assert verdict == "pass", reasons
    pdf = render_pdf(data)
    assert pdf.startswith(b"%PDF")
    verdict, reasons = check_report(pdf, "report.pdf", scanner)
    assert verdict == "pass", reasons


def test_timeline_svg_empty_and_bars() -> None:
    assert "No requests" in timeline_svg([])
    svg = timeline_svg(
        [{"start": "2022-11-28T14:00:00Z", "minutes": 15, "requests": 3, "served": 2, "complete": 1}]
    )
    assert svg.count("<rect") == 3


def _env(tmp: Path, secret: str | None) -> Environment:
    vars_ = {"CLEARANCE_DB": f"sqlite:///{tmp / 'cli.db'}"}
    if secret:
        vars_["CLEARANCE_INCIDENT_KEY"] = secret
    return Environment(stdout=io.BytesIO(), stderr=io.StringIO(), vars=vars_, cwd=tmp)


def test_cli_end_to_end(tmp_path: Path, leak, opened, monkeypatch: pytest.MonkeyPatch, scanner) -> None:
    monkeypatch.setattr(Scanner, "build", classmethod(lambda cls, *a, **k: scanner))
    path, truth = leak
    secret = generate_secret()
    env = _env(tmp_path, None)
    assert main(["incident", "open", "--file", str(path), "--url", URL, "--as", "oncall"], env) == 1
    assert "CLEARANCE_INCIDENT_KEY" in env.stderr.getvalue()
    env = _env(tmp_path, secret)
    logs = [str(p) for p in opened["logs"]]
    rc = main(
        ["incident", "open", "--file", str(path), "--url", URL, "--published-at", T0.isoformat(), "--as", "oncall",  # noqa: E501
         "--logs", *logs, "-f", "json"],
        env,
    )  # fmt: skip
    assert rc == 0, env.stderr.getvalue()
    out = json.loads(env.stdout.getvalue())
    assert out["people"] == truth.distinct and out["times_source"] == "given+logs"
    iid = str(out["incident"])
    env = _env(tmp_path, secret)
    assert main(["incident", "people", iid], env) == 0
    assert truth.people[0].a_number not in env.stdout.getvalue().decode()
    env = _env(tmp_path, secret)
    assert main(["incident", "people", iid, "--reveal"], env) == 2  # needs --as and --purpose
    env = _env(tmp_path, secret)
    assert main(["incident", "people", iid, "--reveal", "--as", "lead", "--purpose", "letters"], env) == 0
    assert truth.people[0].a_number in env.stdout.getvalue().decode()
    env = _env(tmp_path, secret)
    chart = tmp_path / "timeline.svg"
    assert (
        main(["incident", "exposure", iid, "--logs", *logs, "--as", "oncall", "--chart", str(chart)], env)
        == 0
    )
    assert "complete downloads" in env.stdout.getvalue().decode() and chart.read_text().startswith("<svg")
    env = _env(tmp_path, secret)
    assert main(["incident", "report", iid, "-o", "report.html", "--as", "oncall"], env) == 0, (
        env.stderr.getvalue()
    )
    assert (tmp_path / "report.html").exists()
    env = _env(tmp_path, generate_secret())  # another key: refused
    assert main(["incident", "people", iid, "--reveal", "--as", "lead", "--purpose", "x"], env) == 1
