"""Who downloaded the leaked file, from web-server logs: figures an oversight body asks for.

Input: the records ``logs.read_logs`` found for the leaked URL path(s) (and for the file's exact
size, which catches copies served at another URL). Output: an ``ExposureSummary`` of counts,
times, hashed client ids, crawler attributions, referrer hosts and a 15-minute timeline. No raw
IP address, no full referrer URL (a query string can carry personal data) leaves this module.

Definitions (one place, so every report says the same):

* served: GET with status 200 or 206 and bytes sent > 0;
* complete download: status 200 with bytes sent >= the file size, or one client's 206 ranges
  that together cover the whole file (ranges from the log when it records them, else the sum
  of the bytes sent, which can only over-state coverage when ranges overlap: an over-count is
  the safe error when deciding whom a copy reached);
* partial: served, not complete (an aborted download still holds the first rows of a sheet);
* revalidation (304): the client already held a copy from earlier;
* distinct clients: by address (hashed); one address may hide many people (NAT, proxies) and
  one person may use many addresses: the count is an estimate and reports say so.

Crawlers are recognised by user-agent regexes and reverse-DNS suffixes kept as data
(``config/defaults/crawlers.toml``); no DNS lookup happens here, a precomputed map is accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from clearance.incident.logs import LogRecord, url_path

BIN = dt.timedelta(minutes=15)
MAX_BINS = 2000  # beyond ~3 weeks of 15-minute bins the chart coarsens (hourly, then daily)
SERVED = (200, 206)
NOT_FOUND = (403, 404, 410, 451)
TOP_REFERRERS = 25

CRAWLERS_TOML = Path(__file__).resolve().parent.parent / "config" / "defaults" / "crawlers.toml"


@dataclass(frozen=True)
class Crawler:
    id: str
    name: str
    kind: str  # search-engine | archive | crawler | aggregator | scanner | script
    user_agent: re.Pattern[str]
    rdns: tuple[str, ...]
    persists: str
    takedown: str
    examples_match: tuple[str, ...] = ()
    examples_no_match: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    name: str
    url: str
    takedown: str


@dataclass(frozen=True)
class CrawlerRules:
    crawlers: tuple[Crawler, ...]
    checks: tuple[Check, ...]

    def classify(self, user_agent: str | None, hostname: str | None) -> tuple[Crawler | None, bool | None]:
        """(crawler, verified). verified is None without an rDNS answer for the client."""
        ua = user_agent or ""
        host = (hostname or "").lower().rstrip(".")
        for c in self.crawlers:
            if ua and c.user_agent.search(ua):
                if not host or not c.rdns:
                    return c, None
                return c, host.endswith(c.rdns)
        if host:
            for c in self.crawlers:
                if c.rdns and host.endswith(c.rdns):
                    return c, True
        return None, None


def load_crawlers(path: str | Path | None = None) -> CrawlerRules:
    """Parse and compile the crawler rules; errors name the file, entry and field."""
    p = Path(path) if path else CRAWLERS_TOML
    data = tomllib.loads(p.read_text("utf-8"))
    crawlers = []
    for i, c in enumerate(data.get("crawler", [])):
        where = f"{p.name}: crawler #{i + 1} ({c.get('id', '?')})"
        for key in ("id", "name", "kind", "user_agent", "persists", "takedown"):
            if not isinstance(c.get(key), str):
                raise ValueError(f"{where}: field '{key}' is missing or not a string")
        try:
            rx = re.compile(c["user_agent"], re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{where}: field 'user_agent' is not a valid regex: {exc}") from exc
        ex = c.get("examples", {})
        crawlers.append(
            Crawler(
                id=c["id"],
                name=c["name"],
                kind=c["kind"],
                user_agent=rx,
                rdns=tuple(s.lower() for s in c.get("rdns", [])),
                persists=c["persists"],
                takedown=c["takedown"],
                examples_match=tuple(ex.get("match", [])),
                examples_no_match=tuple(ex.get("no_match", [])),
            )
        )
    checks = tuple(Check(k["name"], k["url"], k["takedown"]) for k in data.get("check", []))
    return CrawlerRules(tuple(crawlers), checks)


def load_rdns(path: str | Path) -> dict[str, str]:
    """A precomputed reverse-DNS map: lines "ADDRESS HOSTNAME" ('#' comments)."""
    out: dict[str, str] = {}
    for line in Path(path).read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            bits = line.split()
            if len(bits) >= 2:
                out[bits[0]] = bits[1]
    return out


def _iso(t: dt.datetime | None) -> str | None:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


def _floor(t: dt.datetime, step: dt.timedelta) -> dt.datetime:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return epoch + ((t - epoch) // step) * step


@dataclass
class _Client:
    served: int = 0
    complete: bool = False
    partial_bytes: int = 0
    ranges: list[tuple[int, int]] = field(default_factory=list)
    crawler: str | None = None
    first: dt.datetime | None = None


@dataclass
class _CrawlerStats:
    requests: int = 0
    served: int = 0
    complete: int = 0
    clients: set[str] = field(default_factory=set)
    unverified: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None


def _range(rng: str | None) -> tuple[int, int] | None:
    """(start, end inclusive) from "bytes=0-1023" or "0-1023"; None if open or absent."""
    if not rng:
        return None
    m = re.match(r"(?:bytes=)?(\d+)-(\d+)$", rng.strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def _covered(ranges: list[tuple[int, int]]) -> int:
    total, cur_s, cur_e = 0, -1, -2
    for s, e in sorted(ranges):
        if s > cur_e + 1:
            total += cur_e - cur_s + 1 if cur_e >= cur_s else 0
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e >= cur_s:
        total += cur_e - cur_s + 1
    return total


class Exposure:
    """Accumulate records for the leaked file; ``summary()`` gives the figures."""

    def __init__(
        self,
        *,
        paths: Sequence[str],
        file_size: int,
        rules: CrawlerRules | None = None,
        rdns: Mapping[str, str] | None = None,
        client_id: Callable[[str], str] | None = None,
        published_at: dt.datetime | None = None,
        removed_at: dt.datetime | None = None,
    ) -> None:
        self.paths = {url_path(p) for p in paths}
        self.size = file_size
        self.rules = rules or load_crawlers()
        self.rdns = dict(rdns or {})
        salt = hashlib.sha256(repr(sorted(self.paths)).encode()).digest()
        self.client_id = client_id or (lambda ip: hashlib.sha256(salt + ip.encode()).hexdigest()[:16])
        self.published_at, self.removed_at = published_at, removed_at
        self.requests = 0
        self.by_status: Counter[int] = Counter()
        self.by_method: Counter[str] = Counter()
        self.served = 0
        self.complete_200 = 0
        self.range_completions = 0
        self.partial = 0
        self.revalidated = 0
        self.after_removal = 0
        self.other_url_copies: Counter[str] = Counter()
        self.clients: dict[str, _Client] = {}
        self.crawlers: dict[str, _CrawlerStats] = defaultdict(_CrawlerStats)
        self.referrers: Counter[str] = Counter()
        self.first_request: dt.datetime | None = None
        self.last_request: dt.datetime | None = None
        self.first_serve: dt.datetime | None = None
        self.last_serve: dt.datetime | None = None
        self.first_complete: dt.datetime | None = None
        self.last_complete: dt.datetime | None = None
        self._bins: dict[dt.datetime, list[int]] = defaultdict(lambda: [0, 0, 0])

    def add_all(self, records: Iterable[LogRecord]) -> Exposure:
        for r in records:
            self.add(r)
        return self

    def add(self, r: LogRecord) -> None:
        if r.path not in self.paths:
            # Same size, another URL: a copy of the exact bytes served elsewhere (renamed, mirrored).
            if r.status == 200 and r.bytes_sent == self.size and r.method in ("GET", "-"):
                self.other_url_copies[r.path] += 1
            return
        self.requests += 1
        self.by_status[r.status] += 1
        self.by_method[r.method] += 1
        t = r.time
        if self.first_request is None or t < self.first_request:
            self.first_request = t
        if self.last_request is None or t > self.last_request:
            self.last_request = t
        cid = self.client_id(r.client)
        crawler, verified = self.rules.classify(r.user_agent, self.rdns.get(r.client))
        cs = self.crawlers[crawler.id] if crawler else None
        if cs is not None:
            cs.requests += 1
            cs.clients.add(cid)
            if verified is False:
                cs.unverified += 1
        bin_ = self._bins[_floor(t, BIN)]
        bin_[0] += 1
        if r.status == 304:
            self.revalidated += 1
        if r.status in NOT_FOUND and self.removed_at is not None and t >= self.removed_at:
            self.after_removal += 1
        if r.status not in SERVED or r.bytes_sent <= 0 or r.method not in ("GET", "-"):
            return
        self.served += 1
        bin_[1] += 1
        if self.first_serve is None or t < self.first_serve:
            self.first_serve = t
        if self.last_serve is None or t > self.last_serve:
            self.last_serve = t
        c = self.clients.get(cid)
        if c is None:
            c = self.clients[cid] = _Client(crawler=crawler.id if crawler else None, first=t)
        c.served += 1
        if cs is not None:
            cs.served += 1
            cs.first = t if cs.first is None or t < cs.first else cs.first
            cs.last = t if cs.last is None or t > cs.last else cs.last
        if r.referrer:
            host = urlsplit(r.referrer).hostname if "://" in r.referrer else None
            self.referrers[(host or "(unparsed)").lower()] += 1
        complete = False
        if r.status == 200 and r.bytes_sent >= self.size:
            self.complete_200 += 1
            complete = True
        else:
            self.partial += 1
            if r.status == 206:
                rng = _range(r.range)
                if rng is not None:
                    c.ranges.append(rng)
                else:
                    c.partial_bytes += r.bytes_sent
                had = c.complete
                covered = _covered(c.ranges) + c.partial_bytes
                if not had and covered >= self.size:
                    complete = True  # the client has now assembled the whole file from ranges
                    self.range_completions += 1
        if complete:
            bin_[2] += 1
            if not c.complete and cs is not None:
                cs.complete += 1
            c.complete = True
            if self.first_complete is None or t < self.first_complete:
                self.first_complete = t
            if self.last_complete is None or t > self.last_complete:
                self.last_complete = t

    # -- results ---------------------------------------------------------------------------------
    def timeline(self) -> list[dict[str, Any]]:
        if not self._bins:
            return []
        start, end = min(self._bins), max(self._bins)
        step = BIN
        while (end - start) / step + 1 > MAX_BINS:
            step = dt.timedelta(hours=1) if step < dt.timedelta(hours=1) else step * 24
        merged: dict[dt.datetime, list[int]] = defaultdict(lambda: [0, 0, 0])
        for t, v in self._bins.items():
            m = merged[_floor(t, step)]
            for i in range(3):
                m[i] += v[i]
        out = []
        t = _floor(start, step)
        while t <= end:
            v = merged.get(t, [0, 0, 0])
            out.append(
                {
                    "start": _iso(t),
                    "minutes": int(step.total_seconds() // 60),
                    "requests": v[0],
                    "served": v[1],
                    "complete": v[2],
                }
            )
            t += step
        return out

    def summary(self) -> dict[str, Any]:
        clients = self.clients
        complete_clients = [c for c in clients.values() if c.complete]
        crawler_by_id = {c.id: c for c in self.rules.crawlers}
        crawlers = []
        for cid, s in sorted(self.crawlers.items(), key=lambda kv: (-kv[1].requests, kv[0])):
            c = crawler_by_id[cid]
            crawlers.append(
                {
                    "id": cid,
                    "name": c.name,
                    "kind": c.kind,
                    "requests": s.requests,
                    "served": s.served,
                    "complete": s.complete,
                    "clients": len(s.clients),
                    "unverified_requests": s.unverified,
                    "first": _iso(s.first),
                    "last": _iso(s.last),
                }
            )
        persists = [
            {
                "where": crawler_by_id[x["id"]].persists,
                "via": x["name"],
                "seen": x["served"] > 0,
                "complete": x["complete"] > 0,
                "takedown": crawler_by_id[x["id"]].takedown,
            }
            for x in crawlers
            if x["served"] > 0
        ]
        window_served = None
        if self.published_at and self.removed_at:
            window_served = int((self.removed_at - self.published_at).total_seconds())
        return {
            "file_size": self.size,
            "paths": sorted(self.paths),
            "requests": self.requests,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "by_method": dict(sorted(self.by_method.items())),
            "served": self.served,
            "complete_downloads": self.complete_200 + self.range_completions,
            "complete_200": self.complete_200,
            "complete_from_ranges": self.range_completions,
            "partial_responses": self.partial,
            "revalidated_304": self.revalidated,
            "refused_after_removal": self.after_removal,
            "distinct_clients": len(clients),
            "clients_with_complete_copy": len(complete_clients),
            "crawler_clients": sum(1 for c in clients.values() if c.crawler),
            "other_clients": sum(1 for c in clients.values() if not c.crawler),
            "other_clients_with_complete_copy": sum(1 for c in complete_clients if not c.crawler),
            "first_request": _iso(self.first_request),
            "last_request": _iso(self.last_request),
            "first_serve": _iso(self.first_serve),
            "last_serve": _iso(self.last_serve),
            "first_complete": _iso(self.first_complete),
            "last_complete": _iso(self.last_complete),
            "published_at": _iso(self.published_at),
            "removed_at": _iso(self.removed_at),
            "public_seconds": window_served,
            "crawlers": crawlers,
            "persists": persists,
            "checks": [{"name": k.name, "url": k.url, "takedown": k.takedown} for k in self.rules.checks],
            "referrer_hosts": dict(self.referrers.most_common(TOP_REFERRERS)),
            "other_url_copies": dict(self.other_url_copies.most_common(TOP_REFERRERS)),
            # hashed ids of the clients that hold a complete copy (keyed: not reversible)
            "complete_client_ids": sorted(k for k, c in clients.items() if c.complete),
            "timeline": self.timeline(),
        }
