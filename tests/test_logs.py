"""Access-log readers (combined, W3C/IIS, CloudFront, JSON lines; gzip, rotation) and exposure
figures against the generator's ground truth."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest

from clearance.incident import logs as L
from clearance.incident.exposure import Exposure, load_crawlers
from generators.incident import make_access_logs

T0 = dt.datetime(2022, 11, 28, 14, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(hours=5)
URL = "/sites/default/files/FY23 detention stats.xlsx"
SIZE = 123_457


@pytest.mark.parametrize("fmt", ["combined", "w3c", "cloudfront", "jsonl"])
def test_every_format_gives_the_ground_truth(tmp_path: Path, fmt: str) -> None:
    paths, truth = make_access_logs(tmp_path, url=URL, file_size=SIZE, t0=T0, t1=T1, fmt=fmt)
    assert paths[0].name.endswith(".gz") and gzip.decompress(paths[0].read_bytes())
    stats = L.ReadStats()
    exp = Exposure(paths=[URL], file_size=SIZE, rdns=truth.rdns, removed_at=T1)
    exp.add_all(L.read_logs(paths, L.needles_for([URL], SIZE), stats))
    s = exp.summary()
    assert stats.files == 3 and stats.unparsed == 0
    assert stats.lines >= truth.total_lines
    assert s["requests"] == truth.requests
    assert s["served"] == truth.served
    assert s["complete_downloads"] == truth.complete
    assert s["complete_from_ranges"] == truth.complete_from_ranges
    assert s["partial_responses"] == truth.partial
    assert s["revalidated_304"] == truth.revalidated
    assert s["refused_after_removal"] == truth.refused_after_removal
    assert s["distinct_clients"] == truth.distinct_clients
    assert s["clients_with_complete_copy"] == truth.clients_complete
    assert s["first_serve"] == truth.first_serve.isoformat().replace("+00:00", "Z")
    assert s["last_serve"] == truth.last_serve.isoformat().replace("+00:00", "Z")
    assert {c["id"]: c["requests"] for c in s["crawlers"]} == truth.crawlers
    google = next(c for c in s["crawlers"] if c["id"] == "googlebot")
    assert google["unverified_requests"] == 1  # the impostor's rDNS is not googlebot.com
    assert s["referrer_hosts"] == truth.referrer_hosts
    assert s["other_url_copies"] == {truth.other_url: 1}
    assert sum(b["requests"] for b in s["timeline"]) == truth.requests
    assert all(b["minutes"] == 15 for b in s["timeline"])
    assert {p["via"] for p in s["persists"]} >= {"Googlebot", "Internet Archive (Wayback Machine)"}
    # no raw address anywhere in the summary
    text = repr(s)
    assert not any(e.ip in text for e in truth.events if e.path == URL)


def test_read_all_matches_the_prefilter(tmp_path: Path) -> None:
    paths, truth = make_access_logs(tmp_path, url=URL, file_size=SIZE, t0=T0, t1=T1, noise=50)
    every = list(L.read_all(paths))
    assert len(every) == truth.total_lines
    assert [r.time for r in every] == sorted(r.time for r in every)  # rotation read oldest first
    mine = [r for r in every if r.path == URL]
    filtered = [r for r in L.read_logs(paths, L.needles_for([URL])) if r.path == URL]
    assert mine == filtered


def test_rotation_order_and_gzip_by_magic(tmp_path: Path) -> None:
    names = ["access.log", "access.log.10.gz", "access.log.2.gz", "access.log.1"]
    assert [p.name for p in L.order_rotated(tmp_path / n for n in names)] == [
        "access.log.10.gz",
        "access.log.2.gz",
        "access.log.1",
        "access.log",
    ]
    line = b'1.2.3.4 - - [28/Nov/2022:14:03:11 +0100] "GET /a.xlsx HTTP/1.1" 200 10 "-" "curl/7.68.0"\n'
    odd = tmp_path / "renamed.txt"
    odd.write_bytes(gzip.compress(line))
    (rec,) = list(L.read_logs([odd], [b"/a.xlsx"]))
    assert rec.time == dt.datetime(2022, 11, 28, 13, 3, 11, tzinfo=dt.UTC)  # +0100 -> UTC
    assert (rec.client, rec.status, rec.bytes_sent, rec.user_agent) == ("1.2.3.4", 200, 10, "curl/7.68.0")


def test_combined_edge_cases() -> None:
    r = L.parse_combined(
        b'::1 - bob [01/Dec/2022:00:00:01 -0500] "GET /f%20x.xlsx?dl=1 HTTP/2.0" 206 512 '
        b'"https://t.co/x?u=\\"q\\"" "Mozilla/5.0 \\"quoted\\""'
    )
    assert r is not None
    assert r.path == "/f x.xlsx" and r.status == 206 and r.referrer == 'https://t.co/x?u="q"'
    assert r.time == dt.datetime(2022, 12, 1, 5, 0, 1, tzinfo=dt.UTC)
    common = L.parse_combined(b'1.1.1.1 - - [01/Dec/2022:00:00:01 +0000] "HEAD / HTTP/1.0" 200 -')
    assert common is not None and common.bytes_sent == 0 and common.user_agent is None
    assert L.parse_combined(b"garbage") is None
    with pytest.raises(L.LogFormatError):
        L.sniff_format(b"this is not a log\n")


def test_a_long_line_across_blocks_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(L, "BLOCK", 64)
    ua = "x" * 300
    lines = [
        f'9.9.9.{i} - - [28/Nov/2022:14:0{i}:00 +0000] "GET /leak.xlsx HTTP/1.1" 200 5 "-" "{ua}"'
        for i in range(5)
    ]
    p = tmp_path / "access.log"
    p.write_text("\n".join(lines))  # no final newline
    recs = list(L.read_logs([p], [b"/leak.xlsx"]))
    assert [r.client for r in recs] == [f"9.9.9.{i}" for i in range(5)]
    assert all(r.user_agent == ua for r in recs)


def test_crawler_rules_examples() -> None:
    rules = load_crawlers()
    assert len(rules.crawlers) >= 10 and rules.checks
    for c in rules.crawlers:
        assert c.examples_match, f"{c.id} has no examples"
        for ua in c.examples_match:
            got, _ = rules.classify(ua, None)
            assert got is not None and got.id == c.id, (c.id, ua)
        for ua in c.examples_no_match:
            assert not c.user_agent.search(ua), (c.id, ua)


def test_rdns_classifies_and_verifies() -> None:
    rules = load_crawlers()
    c, verified = rules.classify("Mozilla/5.0", "crawl-1.googlebot.com")
    assert c is not None and c.id == "googlebot" and verified is True
    c, verified = rules.classify("Googlebot/2.1", "evil.example.net.")
    assert c is not None and verified is False
    assert rules.classify("Mozilla/5.0 Firefox/107.0", None) == (None, None)
