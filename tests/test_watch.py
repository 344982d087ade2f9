"""clearance watch against the local test site (tests/watch_site.py): discovery, conditional
requests, drift, the gate check, alerts to a local webhook receiver and SMTP sink, and the CLI
end to end. All traffic is to 127.0.0.1."""

from __future__ import annotations

import functools
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from clearance.actions.store.repo import Store
from clearance.cli.env import Environment
from clearance.cli.main import main
from clearance.config.schema import WatchConfig
from clearance.pipeline import Scanner
from clearance.watch import state
from clearance.watch.alerts import SIGNATURE_HEADER, Alert, Dispatcher, StdoutChannel, WebhookChannel, verify
from clearance.watch.drift import Profile, TableShape, compare
from clearance.watch.runner import Watcher
from generators.workbooks import make_aggregate_workbook, make_leak_workbook
from watch_site import TestSite, small_csv

SECRET = "test-webhook-secret"
LEAK_PEOPLE = 40


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner.build()


@pytest.fixture(scope="module")
def leak_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_leak_workbook(tmp_path_factory.mktemp("leak") / "l.xlsx", n=LEAK_PEOPLE).read_bytes()


@pytest.fixture(scope="module")
def aggregate_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_aggregate_workbook(tmp_path_factory.mktemp("agg") / "a.xlsx").read_bytes()


@pytest.fixture
def site() -> Iterator[TestSite]:
    with TestSite(slow_seconds=2.0) as s:
        for i in range(5):
            s.put(f"/docs/d{i}.csv", small_csv(i))
        yield s


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'watch.db'}")
    yield s
    s.close()


class Receiver:
    """A webhook receiver on 127.0.0.1: records bodies and signature headers; can fail first."""

    def __init__(self, fail_first: int = 0) -> None:
        self.got: list[tuple[bytes, str | None]] = []
        self.fail_first = fail_first
        self.calls = 0
        rec = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                rec.calls += 1
                code = 500 if rec.calls <= rec.fail_first else 204
                if code == 204:
                    rec.got.append((body, self.headers.get(SIGNATURE_HEADER)))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def watcher(site: TestSite, scanner: Scanner, store: Store, *channels: Any, **cfg: Any) -> Watcher:
    opts: dict[str, Any] = {"sites": [site.url], "rate": 500.0, "timeout": 1.0, "revalidate_per_pass": 0}
    opts.update(cfg)
    check = bool(opts.pop("check_cleared", False))
    return Watcher(WatchConfig(**opts), scanner, store, Dispatcher(list(channels)), check_cleared=check)


def lines(out: io.BytesIO) -> list[dict[str, Any]]:
    return [json.loads(x) for x in out.getvalue().splitlines()]


def test_new_file_alerted_unchanged_not_redownloaded_changed_file_drift(
    site: TestSite, scanner: Scanner, store: Store, leak_bytes: bytes, aggregate_bytes: bytes
) -> None:
    out = io.BytesIO()
    w = watcher(site, scanner, store, StdoutChannel(out))
    site.put("/stats/fy23.xlsx", aggregate_bytes)
    first = w.run_pass()
    assert first.scanned == 8 and first.alerts == [] and first.errors == {}  # 6 documents + 2 pages
    assert site.count("/docs/d0.csv", 200) == 1

    site.reset_counts()
    second = w.run_pass()
    assert second.fetched == 0 and second.scanned == 0
    assert site.count("/docs/d0.csv") == 0  # sitemap <lastmod> unchanged: not even asked
    assert site.statuses("/sitemap.xml") == {304: 1}

    # revalidation asks conditionally: one 304 per file, no body
    w.config = w.config.model_copy(update={"revalidate_per_pass": 100})
    site.reset_counts()
    w.run_pass()
    assert site.statuses("/docs/d0.csv") == {304: 1}
    assert site.statuses("/stats/fy23.xlsx") == {304: 1}
    w.config = w.config.model_copy(update={"revalidate_per_pass": 0})

    # a new file and a changed one
    site.put("/docs/new.csv", small_csv(99))
    site.put("/stats/fy23.xlsx", leak_bytes)
    site.reset_counts()
    third = w.run_pass()
    assert site.count("/docs/new.csv", 200) == 1 and site.count("/stats/fy23.xlsx", 200) == 1
    assert site.count("/docs/d1.csv") == 0
    [alert] = [a for a in lines(out) if a["url"].endswith("fy23.xlsx")]
    assert alert["verdict"] == "block" and alert["people"] == LEAK_PEOPLE
    assert set(alert["kinds"]) == {"exposure", "drift"}
    drift = {d["kind"]: d for d in alert["drift"]}
    new_sheet = drift["new-sheet"]
    assert new_sheet["subject"] == "Detainees" and new_sheet["after"]["visibility"] == "hidden-sheet"
    assert new_sheet["after"]["rows"] == LEAK_PEOPLE
    assert drift["people-jump"]["before"] == {"people": 0}
    assert drift["people-jump"]["after"] == {"people": LEAK_PEOPLE}
    assert len(third.alerts) == 1
    # never a leak itself: masked values only
    body = out.getvalue().decode()
    assert "*" in alert["findings"][0]["masked"]
    assert not any(raw in body for raw in _raw_names(LEAK_PEOPLE))

    # the same bytes alert once
    w.config = w.config.model_copy(update={"revalidate_per_pass": 100})
    assert w.run_pass().alerts == []
    with store.reading() as s:
        first_seen, last_seen = state.exposure_window(s, alert["sha256"])
        assert first_seen <= last_seen
        assert state.exposure_window(s, site.url + "stats/fy23.xlsx")[0] < first_seen
        assert state.exposure_window(s, "0" * 64) is None
    w.close()


def _raw_names(n: int) -> list[str]:
    """Raw values from the leak workbook's generator (same seed): none may reach an alert."""
    from generators.people import make_people

    people = make_people(n, 0)
    return [p.a_number for p in people] + [p.display_name() for p in people]


def test_drift_figures_for_rows_columns_and_kind() -> None:
    before = Profile(
        "pass",
        0,
        "text/csv",
        (TableShape("Data", "visible", "aggregate", 100, (("Region", "place", "quasi"),)),),
        (),
    )
    after = Profile(
        "block",
        900,
        "text/csv",
        (
            TableShape(
                "Data",
                "visible",
                "people",
                900,
                (("Region", "place", "quasi"), ("Name", "person-name", "direct")),
                3,
                0,
                900,
            ),
        ),
        (("hidden-row", 3),),
    )
    got = {d.kind: d for d in compare(before, after)}
    assert got["rows-jump"].before == {"rows": 100} and got["rows-jump"].after == {"rows": 900}
    assert got["aggregate-to-people"].before["kind"] == "aggregate"
    assert got["new-identifier-column"].after == {
        "new_columns": [{"header": "Name", "entity": "person-name"}]
    }
    hidden = [d.after for d in compare(before, after) if d.kind == "new-hidden-part"]
    assert hidden == [{"hidden_rows": 3}, {"hidden-row": 3}]
    assert got["verdict-worse"].after == {"verdict": "block"}
    assert compare(None, after) == []
    assert compare(after, after) == []


def test_errors_timeouts_robots_and_off_site_links(site: TestSite, scanner: Scanner, store: Store) -> None:
    with TestSite() as other:
        other.put("/elsewhere.csv", small_csv(5))
        site.extra_links += ["/error", "/slow", other.url + "elsewhere.csv", "/private/p.csv"]
        site.robots_disallow.append("/private/")
        site.put("/private/p.csv", small_csv(6))
        site.version += 1
        out = io.BytesIO()
        w = watcher(site, scanner, store, StdoutChannel(out), timeout=0.5)
        s1 = w.run_pass()
        assert set(s1.errors) == {site.url + "error", site.url + "slow"}
        assert "HTTP 500" in s1.errors[site.url + "error"]
        assert other.count() == 0  # off-site link not followed
        assert site.count("/private/p.csv") == 0  # robots.txt disallow respected
        site.put("/docs/later.csv", small_csv(7))
        w.run_pass()
        assert site.count("/docs/later.csv", 200) == 1  # failures did not stop later files
        w.close()


def test_served_but_never_cleared_with_a_sqlite_store(site: TestSite, scanner: Scanner, store: Store) -> None:
    from clearance.actions.workflow import Gate
    from clearance.reports.json import file_dict

    gate = Gate(store, scanner.config.policy, report_json=functools.partial(file_dict, reveal=False))
    gate.add_user("root", "admin")
    gate.add_user("alice", "publisher", actor="root")
    for i in range(4):  # d0..d3 go through the gate and are cleared; d4 is published without
        assert (
            gate.submit(small_csv(i), "alice", scanner, filename=f"d{i}.csv").submission.status == "cleared"
        )
    out = io.BytesIO()
    w = watcher(
        site, scanner, store, StdoutChannel(out), check_cleared=True, base_url="https://review.example"
    )
    w.run_pass()
    [alert] = lines(out)
    assert alert["url"] == site.url + "docs/d4.csv" and alert["kinds"] == ["not-cleared"]
    assert alert["verdict"] == "pass" and alert["cleared"] is False
    assert alert["review_url"] == f"https://review.example/submissions/{alert['sha256']}"
    assert "never cleared" in alert["reasons"][0]
    # revoking a cleared file makes it an alert on the next pass, without downloading it again
    sha0 = gate.submit(small_csv(0), "alice", scanner, filename="d0.csv").submission.sha256
    gate.revoke(sha0, "root", "taken down")
    site.reset_counts()
    w.run_pass()
    assert [a["url"] for a in lines(out)][1:] == [site.url + "docs/d0.csv"]
    assert site.count("/docs/d0.csv") == 0
    w.close()


def test_too_large_is_unscannable_and_webhook_retries(site: TestSite, scanner: Scanner, store: Store) -> None:
    rx = Receiver(fail_first=2)
    try:
        site.put("/docs/huge.csv", small_csv(0) * 2000)
        hook = WebhookChannel(rx.url, SECRET, backoff=0.01)
        w = watcher(site, scanner, store, hook, max_bytes=50_000)
        w.run_pass()
        [(body, sig)] = rx.got
        assert rx.calls == 3 and verify(body, SECRET, sig)
        alert = json.loads(body)
        assert alert["kinds"] == ["unscannable"] and alert["url"].endswith("huge.csv")
        assert "limit" in alert["reasons"][0]
        w.close()
    finally:
        rx.close()


def test_failed_webhook_stays_pending_and_is_retried_next_pass(
    site: TestSite, scanner: Scanner, store: Store, leak_bytes: bytes
) -> None:
    rx = Receiver(fail_first=3)
    try:
        site.put("/leak.xlsx", leak_bytes)
        w = watcher(site, scanner, store, WebhookChannel(rx.url, SECRET, attempts=3, backoff=0.01))
        w.run_pass()  # three 500s: not delivered, the loop goes on
        assert rx.got == []
        with store.reading() as s:
            assert [r.pending for r in state.pending_alerts(s)] == [["webhook"]]
        w.run_pass()
        assert len(rx.got) == 1 and verify(rx.got[0][0], SECRET, rx.got[0][1])
        with store.reading() as s:
            assert state.pending_alerts(s) == []
        w.close()
    finally:
        rx.close()


def test_cli_end_to_end_signed_webhook_and_email_within_seconds(
    site: TestSite, tmp_path: Path, leak_bytes: bytes
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    mails: list[Any] = []

    class Sink(Message):
        def handle_message(self, message: Any) -> None:
            mails.append(message)

    with socket.socket() as probe:  # aiosmtpd's start() self-test needs a real port, not 0
        probe.bind(("127.0.0.1", 0))
        smtp_port = probe.getsockname()[1]
    smtp = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    rx = Receiver()
    out, err = io.BytesIO(), io.StringIO()
    env = Environment(
        stdout=out,
        stderr=err,
        vars={"CLEARANCE_WEBHOOK_SECRET": SECRET},
        cwd=tmp_path,
        stdout_isatty=False,
        stderr_isatty=False,
    )
    args = [
        "watch",
        site.url,
        "--interval",
        "0.3",
        "--duration",
        "12",
        "--rate",
        "500",
        "--timeout",
        "2",
        "--db",
        f"sqlite:///{tmp_path / 'c.db'}",
        "--no-clearance-check",
        "--webhook",
        rx.url,
        "--base-url",
        "http://review.local",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(smtp.port),
        "--mail-to",
        "dpo@example.org",
    ]
    codes: list[int] = []
    t_start = time.monotonic()
    t = threading.Thread(target=lambda: codes.append(main(args, env)), daemon=True)
    t.start()
    try:
        deadline = time.monotonic() + 30
        while "pass" not in err.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "pass" in err.getvalue(), err.getvalue()
        dropped = time.monotonic()
        site.put("/reports/FY23_detentionStats.xlsx", leak_bytes)
        while (not rx.got or not mails) and time.monotonic() - dropped < 10:
            time.sleep(0.05)
        took = time.monotonic() - dropped
        print(f"detected {took:.2f}s after the file appeared; started {dropped - t_start:.2f}s")
        assert rx.got and mails, err.getvalue()
        assert took < 6, took
        body, sig = rx.got[0]
        assert verify(body, SECRET, sig) and not verify(body, "wrong", sig)
        alert = json.loads(body)
        assert alert["url"].endswith("FY23_detentionStats.xlsx") and alert["verdict"] == "block"
        assert alert["review_url"] == f"http://review.local/submissions/{alert['sha256']}"
        assert Alert.from_json(alert).people == LEAK_PEOPLE
        mail = mails[0]
        assert mail["To"] == "dpo@example.org" and "BLOCK" in mail["Subject"]
        text = mail.get_payload(decode=True).decode()
        assert "FY23_detentionStats.xlsx" in text and "Findings (masked)" in text
    finally:
        t.join(timeout=20)
        rx.close()
        smtp.stop()
    assert codes == [0]
    assert any(json.loads(x)["sha256"] == alert["sha256"] for x in out.getvalue().splitlines())
