"""The only network fetcher: HTTP(S) GETs for ``clearance watch``, polite and bounded.

Every request here:

* names the tool in ``User-Agent`` (sites can see who is crawling and block it in robots.txt);
* is conditional when the caller knows the last ``ETag`` / ``Last-Modified`` (an unchanged file
  costs one small ``304``);
* waits for its host's rate limit and concurrency slot (one token per ``1/rate`` seconds, at most
  ``concurrency`` requests in flight per host);
* stays on the configured sites (scheme, host, port and path prefix): off-site URLs are refused
  before any connection, and redirects are followed by hand, only within the site;
* obeys robots.txt (``urllib.robotparser`` on a robots.txt fetched here) unless told otherwise;
* is streamed and aborted past ``max_bytes`` or past ``timeout`` seconds in total (a server that
  drips one byte a second cannot hold a worker forever);
* sends no credentials: no ``.netrc`` or proxy settings from the environment (``trust_env`` off),
  no cookies (the jar accepts none), URLs carrying ``user:password@`` are refused.

Nothing here scans or decides; it returns ``FetchResult`` values and the callers (watch/) do the
rest.
"""

from __future__ import annotations

import http.cookiejar
import threading
import time
import urllib.robotparser
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

# A product token sites can match in robots.txt ("User-agent: clearance"), and where to read about it.
ROBOTS_TOKEN = "clearance"
# sources/ sit below the pipeline, so the version is added by the caller (watch/), not imported here.
DEFAULT_USER_AGENT = "clearance-watch (+https://github.com/clearance-project/clearance)"
# Redirect chains longer than this are refused (browsers stop at ~20; a site's own moves need 1-2).
MAX_REDIRECTS = 5
# robots.txt is re-read this often. Google caches it for up to 24 h (RFC 9309 §2.4 allows 24 h);
# an hour lets a site's new Disallow take effect the same morning.
ROBOTS_TTL_S = 3600.0
# After a 5xx or network failure on robots.txt, everything is disallowed (RFC 9309 §2.3.1.4) and
# robots.txt is retried this much sooner.
ROBOTS_RETRY_S = 60.0
# robots.txt larger than this is cut (RFC 9309 §2.5: parsers must read at least 500 KiB).
MAX_ROBOTS_BYTES = 512 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
READ_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchResult:
    """What one GET gave. ``code`` says what happened in one word; ``data`` only on ``ok``."""

    url: str  # as requested
    final_url: str  # after same-site redirects
    code: str  # ok | not-modified | http-error | timeout | too-large | off-site | robots | network
    status: int = 0  # HTTP status (0 when no response)
    data: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    error: str | None = None  # plain-language reason for anything but ok / not-modified
    received: int = 0  # body bytes received (also for aborted and error responses)
    requests: int = 0  # HTTP requests this fetch made (redirects count)

    @property
    def ok(self) -> bool:
        return self.code == "ok"


@dataclass(frozen=True)
class Site:
    """A watched site: scheme + host + port + path prefix. Everything else is off-site."""

    scheme: str
    host: str
    port: int
    prefix: str  # path prefix, ends with "/"

    @classmethod
    def parse(cls, url: str) -> Site:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an http(s) site URL: {url!r}")
        if parts.username or parts.password:
            raise ValueError(f"site URL carries credentials; remove them: {parts.hostname}")
        path = parts.path or "/"
        prefix = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
        return cls(scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[scheme], prefix)

    @property
    def origin(self) -> str:
        default = DEFAULT_PORTS[self.scheme] == self.port
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" + ("" if default else f":{self.port}")

    @property
    def url(self) -> str:
        return self.origin + self.prefix

    def contains(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), -1)
        except ValueError:
            return False
        return (
            parts.scheme.lower() == self.scheme
            and (parts.hostname or "").lower() == self.host
            and port == self.port
            and not parts.username
            and not parts.password
            and (parts.path or "/").startswith(self.prefix)
        )


def normalise(url: str, base: str | None = None) -> str | None:
    """Absolute URL without fragment, or None when it is not http(s)."""
    try:
        full = urljoin(base, url) if base else url
        parts = urlsplit(full)
    except ValueError:
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.netloc:
        return None
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


class _HostLimit:
    """Token spacing (``1/rate`` s between request starts) plus a concurrency semaphore."""

    def __init__(self, rate: float, concurrency: int) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.slots = threading.BoundedSemaphore(max(1, concurrency))
        self.lock = threading.Lock()
        self.next_start = 0.0

    def wait_turn(self, clock: Callable[[], float], sleep: Callable[[float], None], min_gap: float) -> None:
        gap = max(self.interval, min_gap)
        with self.lock:
            now = clock()
            start = max(now, self.next_start)
            self.next_start = start + gap
        if start > now:
            sleep(start - now)


@dataclass
class _Robots:
    parser: urllib.robotparser.RobotFileParser | None  # None: allow everything (no robots.txt)
    disallow_all: bool
    sitemaps: tuple[str, ...]
    crawl_delay: float
    expires: float


class HttpSource:
    """A fetcher bound to a set of sites. Thread-safe: one instance serves a worker pool."""

    def __init__(
        self,
        sites: Sequence[str | Site],
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = 30.0,
        max_bytes: int = 100 * 1024**2,
        rate: float = 5.0,
        concurrency: int = 4,
        respect_robots: bool = True,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sites = [s if isinstance(s, Site) else Site.parse(s) for s in sites]
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.rate = rate
        self.concurrency = concurrency
        self.respect_robots = respect_robots
        self.clock = clock
        self.sleep = sleep
        no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            trust_env=False,  # no proxy or .netrc credentials from the environment
            cookies=no_cookies,
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
            limits=httpx.Limits(max_connections=max(1, concurrency) * max(1, len(self.sites)) + 2),
        )
        self._limits: dict[tuple[str, str, int], _HostLimit] = {}
        self._robots: dict[str, _Robots] = {}
        self._lock = threading.Lock()
        self.requests = 0  # HTTP requests made, robots.txt included
        self.bytes_received = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scope --------------------------------------------------------------------------------
    def site_of(self, url: str) -> Site | None:
        for s in self.sites:
            if s.contains(url):
                return s
        return None

    def in_scope(self, url: str) -> bool:
        return self.site_of(url) is not None

    # -- robots.txt ---------------------------------------------------------------------------
    def _robots_for(self, site: Site) -> _Robots:
        with self._lock:
            r = self._robots.get(site.origin)
        if r is not None and r.expires > self.clock():
            return r
        robots_url = site.origin + "/robots.txt"
        res = self._get(robots_url, site, {}, MAX_ROBOTS_BYTES, truncate=True)
        now = self.clock()
        if res.code == "ok" and res.data is not None:
            parser = urllib.robotparser.RobotFileParser(robots_url)
            parser.parse(res.data.decode("utf-8", errors="replace").splitlines())
            delay = parser.crawl_delay(ROBOTS_TOKEN) or 0
            r = _Robots(parser, False, tuple(parser.site_maps() or ()), float(delay), now + ROBOTS_TTL_S)
        elif res.code == "http-error" and 400 <= res.status < 500:
            r = _Robots(None, False, (), 0.0, now + ROBOTS_TTL_S)  # no robots.txt: all allowed
        else:
            r = _Robots(None, True, (), 0.0, now + ROBOTS_RETRY_S)  # unreachable: complete disallow
        with self._lock:
            self._robots[site.origin] = r
        return r

    def allowed(self, url: str) -> bool:
        """In scope and, unless robots are ignored, allowed by the site's robots.txt."""
        site = self.site_of(url)
        if site is None:
            return False
        if not self.respect_robots:
            return True
        r = self._robots_for(site)
        if r.disallow_all:
            return False
        return r.parser is None or r.parser.can_fetch(ROBOTS_TOKEN, url)

    def robots_sitemaps(self, site: Site) -> tuple[str, ...]:
        """Sitemaps declared in the site's robots.txt (read even when robots are ignored)."""
        return self._robots_for(site).sitemaps

    # -- fetching -----------------------------------------------------------------------------
    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET ``url`` (conditionally when ``etag``/``last_modified`` are given). Never raises."""
        site = self.site_of(url)
        if site is None:
            return FetchResult(url, url, "off-site", error="not on a watched site; not fetched")
        if not self.allowed(url):
            return FetchResult(url, url, "robots", error="disallowed by robots.txt; not fetched")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._get(url, site, headers, self.max_bytes)

    def _limit(self, site: Site) -> _HostLimit:
        key = (site.scheme, site.host, site.port)
        with self._lock:
            lim = self._limits.get(key)
            if lim is None:
                lim = self._limits[key] = _HostLimit(self.rate, self.concurrency)
            return lim

    def _get(
        self, url: str, site: Site, headers: dict[str, str], max_bytes: int, *, truncate: bool = False
    ) -> FetchResult:
        current = url
        requests = 0
        lim = self._limit(site)
        delay = 0.0
        if self.respect_robots and not current.endswith("/robots.txt"):
            with self._lock:
                r = self._robots.get(site.origin)
            delay = r.crawl_delay if r else 0.0
        for _ in range(MAX_REDIRECTS + 1):
            with lim.slots:
                lim.wait_turn(self.clock, self.sleep, delay)
                requests += 1
                res = self._one(url, current, headers, max_bytes, truncate, requests)
            if res.code != "redirect":
                return res
            target = normalise(res.error or "", current)
            if target is None or not site.contains(target):
                where = urlsplit(target).hostname if target else "an invalid URL"
                return FetchResult(
                    url,
                    current,
                    "off-site",
                    res.status,
                    error=f"redirects off the site (to {where})",
                    requests=requests,
                )
            if self.respect_robots and not current.endswith("/robots.txt") and not self.allowed(target):
                return FetchResult(url, target, "robots", error="redirect target disallowed by robots.txt")
            current = target
        return FetchResult(url, current, "http-error", error=f"more than {MAX_REDIRECTS} redirects")

    def _one(
        self, url: str, current: str, headers: dict[str, str], max_bytes: int, truncate: bool, requests: int
    ) -> FetchResult:
        start = self.clock()
        received = 0
        try:
            with self._client.stream("GET", current, headers=headers) as resp:
                with self._lock:
                    self.requests += 1
                status = resp.status_code
                if status in (301, 302, 303, 307, 308):
                    return FetchResult(
                        url, current, "redirect", status, error=resp.headers.get("location", "")
                    )
                meta = {
                    "etag": resp.headers.get("etag"),
                    "last_modified": resp.headers.get("last-modified"),
                    "content_type": resp.headers.get("content-type"),
                }
                if status == 304:
                    return FetchResult(url, current, "not-modified", status, requests=requests, **meta)
                declared = resp.headers.get("content-length")
                if not truncate and declared and declared.isdigit() and int(declared) > max_bytes:
                    return FetchResult(
                        url,
                        current,
                        "too-large",
                        status,
                        error=f"declares {int(declared):,} bytes, over the {max_bytes:,}-byte limit",
                        requests=requests,
                    )
                chunks: list[bytes] = []
                for chunk in resp.iter_bytes(READ_CHUNK):
                    received += len(chunk)
                    chunks.append(chunk)
                    if received > max_bytes:
                        if truncate:
                            break
                        return FetchResult(
                            url,
                            current,
                            "too-large",
                            status,
                            error=f"over the {max_bytes:,}-byte limit; download stopped",
                            received=received,
                            requests=requests,
                        )
                    if self.clock() - start > self.timeout:
                        return FetchResult(
                            url,
                            current,
                            "timeout",
                            status,
                            error=f"took longer than {self.timeout:g} s in total",
                            received=received,
                            requests=requests,
                        )
                if status != 200:
                    return FetchResult(
                        url,
                        current,
                        "http-error",
                        status,
                        error=f"HTTP {status}",
                        received=received,
                        requests=requests,
                    )
                data = b"".join(chunks)[:max_bytes] if truncate else b"".join(chunks)
                return FetchResult(
                    url, current, "ok", status, data, received=received, requests=requests, **meta
                )
        except httpx.TimeoutException:
            return FetchResult(
                url, current, "timeout", error=f"no answer within {self.timeout:g} s", requests=requests
            )
        except (httpx.HTTPError, OSError) as exc:
            return FetchResult(url, current, "network", error=f"{type(exc).__name__}", requests=requests)
        finally:
            with self._lock:
                self.bytes_received += received


__all__ = ["DEFAULT_USER_AGENT", "FetchResult", "HttpSource", "Site", "normalise"]
