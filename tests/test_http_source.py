"""sources/http.py against the local test site (tests/watch_site.py): conditional requests, limits,
robots.txt, same-site only. All traffic is to 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from clearance.sources.http import HttpSource, Site
from watch_site import TestSite, small_csv


@pytest.fixture
def site() -> Iterator[TestSite]:
    with TestSite(slow_seconds=3.0, robots_disallow=["/private/"]) as s:
        s.put("/docs/a.csv", small_csv(1))
        s.put("/private/secret.csv", small_csv(2))
        yield s


def source(site: TestSite, **kw: object) -> HttpSource:
    opts: dict[str, object] = {"rate": 200.0, "timeout": 5.0}
    opts.update(kw)
    return HttpSource([site.url], **opts)  # type: ignore[arg-type]


def test_conditional_request_costs_a_304_and_names_the_tool(site: TestSite) -> None:
    with source(site) as src:
        first = src.fetch(site.url + "docs/a.csv")
        assert first.ok and first.data == small_csv(1) and first.etag
        again = src.fetch(site.url + "docs/a.csv", etag=first.etag, last_modified=first.last_modified)
        assert again.code == "not-modified" and again.data is None
    assert site.statuses("/docs/a.csv") == {200: 1, 304: 1}
    hit = next(h for h in site.hits if h.path == "/docs/a.csv")
    assert hit.headers["User-Agent"].startswith("clearance-watch")
    assert "Authorization" not in hit.headers and "Cookie" not in hit.headers


def test_robots_disallow_is_respected_unless_ignored(site: TestSite) -> None:
    with source(site) as src:
        res = src.fetch(site.url + "private/secret.csv")
        assert res.code == "robots"
    assert site.count("/private/secret.csv") == 0
    assert site.count("/robots.txt") == 1
    with source(site, respect_robots=False) as src:
        assert src.fetch(site.url + "private/secret.csv").ok
    assert site.count("/private/secret.csv") == 1


def test_off_site_urls_and_redirects_are_refused(site: TestSite) -> None:
    with TestSite() as other:
        other.put("/x.csv", small_csv(3))
        site.redirects["/moved.csv"] = other.url + "x.csv"
        site.redirects["/here.csv"] = "/docs/a.csv"
        with source(site) as src:
            assert src.fetch(other.url + "x.csv").code == "off-site"
            res = src.fetch(site.url + "moved.csv")
            assert res.code == "off-site" and "redirects off the site" in (res.error or "")
            inside = src.fetch(site.url + "here.csv")
            assert inside.ok and inside.final_url.endswith("/docs/a.csv")
        assert other.count() == 0


def test_credentials_in_site_urls_are_refused() -> None:
    with pytest.raises(ValueError, match="credentials"):
        Site.parse("http://user:pw@127.0.0.1:8000/")
    assert not Site.parse("http://127.0.0.1:8000/pub/").contains("http://u:p@127.0.0.1:8000/pub/a")
    assert not Site.parse("http://127.0.0.1:8000/pub/").contains("http://127.0.0.1:8000/other/a")


def test_size_limit_timeout_and_server_error_are_results_not_exceptions(site: TestSite) -> None:
    site.put("/docs/big.csv", small_csv(0) * 1000)
    with source(site, max_bytes=1000, timeout=0.5) as src:
        big = src.fetch(site.url + "docs/big.csv")
        assert big.code == "too-large" and "1,000-byte limit" in (big.error or "")
        t0 = time.monotonic()
        slow = src.fetch(site.url + "slow")
        assert slow.code == "timeout" and time.monotonic() - t0 < 2.5
        err = src.fetch(site.url + "error")
        assert err.code == "http-error" and err.status == 500
        assert src.fetch(site.url + "docs/a.csv").ok  # still working afterwards


def test_rate_limit_spaces_requests_per_host(site: TestSite) -> None:
    with source(site, rate=20.0, concurrency=4) as src:
        src.allowed(site.url)  # robots.txt first
        t0 = time.monotonic()
        for _ in range(6):
            assert src.fetch(site.url + "docs/a.csv").ok
        elapsed = time.monotonic() - t0
    assert elapsed >= 5 * (1 / 20) * 0.9  # six starts need at least five gaps of 50 ms
