"""The watch loop: every ``interval`` seconds (or once), find what the sites publish, fetch what
is new or changed, scan it with the pipeline, compare it with the previous version and with what
was cleared, and alert.

One pass:

1. retry alerts still pending on a channel;
2. targets: each site's start page, explicit URLs, sitemap entries that are new or whose
   ``<lastmod>`` changed (or have none), URLs that failed last time, and the ``revalidate_per_pass``
   known URLs checked longest ago (conditional requests: mostly 304s);
3. fetch targets in waves through ``sources.http`` (per-host rate, concurrency, robots, same-site);
   HTML pages are followed for links up to ``depth`` hops; a link to a URL never seen is fetched;
4. new bytes -> ``formats.document_from_bytes`` -> ``Scanner.scan_document`` -> profile -> drift;
5. state: validators, SHA-256, verdict, first/last seen per URL + SHA-256;
6. alerts: ``exposure`` (verdict block/review), ``unscannable`` (over the size limit, unreadable),
   ``drift``, ``not-cleared`` (served bytes never cleared in the gate, or revoked). The same bytes
   alert once per kind; a new kind for the same bytes alerts again with everything known.

Nothing here crashes the loop: fetch failures are recorded per URL, delivery failures stay
pending, and an unexpected error in a pass is logged and the next pass runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from clearance import formats
from clearance.actions.store import repo
from clearance.actions.store.repo import Store
from clearance.config.schema import WatchConfig
from clearance.model import FileReport, Verdict
from clearance.pipeline import TOOL_VERSION, Scanner
from clearance.sources.http import FetchResult, HttpSource, Site, normalise
from clearance.watch import state
from clearance.watch.alerts import Alert, Dispatcher, masked_findings
from clearance.watch.crawl import Sitemaps, links_in
from clearance.watch.drift import Drift, Profile, compare, profile_of

log = logging.getLogger("clearance.watch")

USER_AGENT = f"clearance-watch/{TOOL_VERSION} (+https://github.com/clearance-project/clearance)"
ALERT_VERDICTS = (Verdict.BLOCK.value, Verdict.REVIEW.value)
LIVE = ("ok", "not-modified")  # last_status of a URL that is being served


@dataclass
class PassStats:
    started: float = 0.0
    seconds: float = 0.0
    requests: int = 0
    bytes: int = 0
    fetched: int = 0  # 200s
    not_modified: int = 0
    scanned: int = 0
    alerts: list[Alert] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # url -> problem (timeouts, 5xx, ...)


@dataclass
class _Target:
    url: str
    depth: int
    lastmod: str | None = None


@dataclass
class _Visit:
    target: _Target
    result: FetchResult
    sha256: str | None = None
    kind: str = "document"
    report: FileReport | None = None
    links: list[str] = field(default_factory=list)


def _name(url: str) -> str:
    path = unquote(urlsplit(url).path)
    return path.rsplit("/", 1)[-1] or "index.html"


class Watcher:
    def __init__(
        self,
        config: WatchConfig,
        scanner: Scanner,
        store: Store,
        dispatcher: Dispatcher,
        *,
        check_cleared: bool = False,
        source: HttpSource | None = None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        if not config.sites and not config.urls:
            raise ValueError("nothing to watch: give at least one site or URL")
        sites = list(config.sites) or sorted({Site.parse(u).origin + "/" for u in config.urls})
        self.config = config
        self.scanner = scanner
        self.store = store
        self.dispatcher = dispatcher
        self.check_cleared = check_cleared
        self.now = now
        self.source = source or HttpSource(
            sites,
            user_agent=config.user_agent or USER_AGENT,
            timeout=config.timeout,
            max_bytes=config.max_bytes,
            rate=config.rate,
            concurrency=config.concurrency,
            respect_robots=config.respect_robots,
        )
        self.sites = self.source.sites
        self.sitemaps = Sitemaps(self.source, list(config.sitemaps))
        self._events: dict[str, tuple[FileReport, list[Drift]]] = {}  # this pass's scans
        self.page_links: dict[str, list[str]] = {}  # links of pages, for when they answer 304
        self._scan_lock = threading.Lock()  # extractor/detector instances are shared: one scan at a time
        workers = max(1, config.concurrency) * max(1, len(self.sites))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clearance-watch")
        with store.reading() as session:
            self.known = state.load(session)
            self.alerted: dict[str, set[str]] = {}
            from sqlalchemy import select

            from clearance.actions.store.watch_tables import WatchAlert

            for key, kinds in session.execute(select(WatchAlert.sha256, WatchAlert.kinds)):
                self.alerted.setdefault(key, set()).update(kinds)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.source.close()

    # -- the loop ---------------------------------------------------------------------------
    def run(
        self,
        *,
        once: bool = False,
        stop: threading.Event | None = None,
        on_pass: Callable[[PassStats], None] | None = None,
    ) -> PassStats:
        stop = stop or threading.Event()
        last = PassStats()
        while not stop.is_set():
            began = time.monotonic()
            try:
                last = self.run_pass()
            except Exception:  # never let one bad pass end the watch
                log.exception("watch pass failed; the next pass will run")
            if on_pass is not None:
                on_pass(last)
            if once:
                break
            stop.wait(max(0.0, self.config.interval - (time.monotonic() - began)))
        return last

    def run_pass(self) -> PassStats:
        stats = PassStats(started=time.time())
        t0 = time.monotonic()
        req0, bytes0 = self.source.requests, self.source.bytes_received
        self._retry_pending()
        targets = self._targets()
        visited: set[str] = set()
        frontier = list(targets.values())
        while frontier:
            for t in frontier:
                visited.add(t.url)
            visits = list(self._pool.map(self._visit, frontier))
            nxt: dict[str, _Target] = {}
            with self.store.transaction() as session:
                for v in visits:
                    self._record(session, v, stats)
                    for link in v.links:
                        if link in visited or link in nxt or not self.source.in_scope(link):
                            continue
                        rec = self.known.get(link)
                        if rec is None or rec.kind == "page" or rec.last_status not in LIVE:
                            nxt[link] = _Target(link, v.target.depth + 1)
            frontier = list(nxt.values())
        self._alert(stats)
        stats.requests = self.source.requests - req0
        stats.bytes = self.source.bytes_received - bytes0
        stats.seconds = time.monotonic() - t0
        return stats

    # -- what to fetch ------------------------------------------------------------------------
    def _targets(self) -> dict[str, _Target]:
        out: dict[str, _Target] = {}
        for site in self.sites:
            out[site.url] = _Target(site.url, 0)
            for url, lastmod in self.sitemaps.entries(site).items():
                rec = self.known.get(url)
                if (
                    rec is None
                    or lastmod is None
                    or rec.lastmod != lastmod
                    or rec.last_status not in LIVE
                    or rec.kind == "page"
                ):
                    out.setdefault(url, _Target(url, 1, lastmod))
        for u in self.config.urls:
            n = normalise(u)
            if n:
                out.setdefault(n, _Target(n, self.config.depth))
        for rec in state.oldest_checked(
            self.known.values(), self.config.revalidate_per_pass, exclude=set(out)
        ):
            out[rec.url] = _Target(rec.url, self.config.depth)
        return out

    # -- one URL (worker thread) ----------------------------------------------------------------
    def _visit(self, target: _Target) -> _Visit:
        rec = self.known.get(target.url)
        conditional = rec is not None and rec.sha256 is not None and rec.verdict is not None
        if rec is not None and rec.kind == "page" and target.url not in self.page_links:
            conditional = False  # we need its links again (restart): ask for the full page
        res = self.source.fetch(
            target.url,
            etag=rec.etag if conditional and rec else None,
            last_modified=rec.last_modified if conditional and rec else None,
        )
        v = _Visit(target, res, kind=rec.kind if rec else "document")
        follow = target.depth < self.config.depth
        if res.code == "not-modified":
            if follow:
                v.links = self.page_links.get(target.url, [])
            return v
        if res.code == "too-large":
            v.report = FileReport(
                path=target.url,
                sha256="",
                media_type=formats.UNKNOWN,
                size=res.received,
                verdict=Verdict.UNSCANNABLE,
                people=0,
                categories=(),
                reasons=(f"Unscannable: {res.error}",),
                findings=(),
                error=res.error,
            )
            return v
        if not res.ok or res.data is None:
            return v
        doc = formats.document_from_bytes(res.data, _name(res.final_url))
        v.sha256 = doc.sha256
        v.kind = "page" if doc.media_type == formats.HTML else "document"
        if rec is None or rec.sha256 != doc.sha256 or rec.verdict is None:
            with self._scan_lock:
                v.report = self.scanner.scan_document(doc)
        if v.kind == "page":
            links = links_in(res.data, res.final_url, self.scanner.config.scan.limits)
            self.page_links[target.url] = links
            if follow:
                v.links = links
        return v

    # -- state ------------------------------------------------------------------------------
    def _record(self, session: object, v: _Visit, stats: PassStats) -> None:
        now = self.now()
        res, url = v.result, v.target.url
        rec = self.known.get(url)
        if res.code == "not-modified" and rec is not None:
            stats.not_modified += 1
            state.record_not_modified(session, rec, now=now, lastmod=v.target.lastmod)  # type: ignore[arg-type]
            return
        if res.ok and v.sha256:
            stats.fetched += 1
            r = v.report
            prof = profile_of(r) if r is not None else None
            drift: list[Drift] = []
            if r is not None:
                stats.scanned += 1
                before = Profile.from_json(rec.profile) if rec is not None and rec.profile else None
                drift = compare(
                    before,
                    prof,  # type: ignore[arg-type]
                    row_factor=self.config.drift_row_factor,
                    row_increase=self.config.drift_row_increase,
                )
            new = state.record_content(
                session,  # type: ignore[arg-type]
                url,
                kind=v.kind,
                now=now,
                sha256=v.sha256,
                etag=res.etag,
                last_modified=res.last_modified,
                lastmod=v.target.lastmod,
                media_type=r.media_type if r else None,
                verdict=r.verdict.value if r else None,
                people=r.people if r else 0,
                profile=prof.to_json() if prof else None,
            )
            self.known[url] = new
            if r is not None:
                self._events[url] = (r, drift)
            return
        if res.code in ("robots", "off-site") and rec is None:
            return  # never fetched: nothing to remember
        stats.errors[url] = res.error or res.code
        log.warning("watch: %s: %s", url, res.error or res.code)
        new = state.record_failure(
            session,
            url,
            kind=v.kind,
            now=now,
            code=res.code,
            error=res.error,
            status=res.status,  # type: ignore[arg-type]
        )
        self.known[url] = new
        if v.report is not None:  # too large: unscannable, alerted per URL
            self._events[url] = (v.report, [])

    # -- alerts -------------------------------------------------------------------------------
    def _alert(self, stats: PassStats) -> None:
        events, self._events = self._events, {}
        now = self.now()
        live = {
            u: r
            for u, r in self.known.items()
            if r.sha256 and r.last_status in LIVE and (r.kind == "document" or self.config.check_pages)
        }
        cleared: set[str] = set()
        with self.store.transaction() as session:
            if self.check_cleared and live:
                cleared = repo.cleared_among(
                    session, sorted({r.sha256 for r in live.values() if r.sha256}), now=now
                )
            todo: list[tuple[Alert, str]] = []
            for url in sorted(set(events) | set(live)):
                rec = self.known.get(url)
                report, drift = events.get(url, (None, []))
                sha = report.sha256 if report is not None and report.sha256 else (rec.sha256 if rec else None)
                kinds: set[str] = set()
                verdict = report.verdict.value if report is not None else (rec.verdict if rec else None)
                if verdict in ALERT_VERDICTS:
                    kinds.add("exposure")
                elif verdict == Verdict.UNSCANNABLE.value:
                    kinds.add("unscannable")
                if drift:
                    kinds.add("drift")
                is_cleared: bool | None = None
                if self.check_cleared and url in live and sha:
                    is_cleared = sha in cleared
                    if not is_cleared:
                        kinds.add("not-cleared")
                key = sha or hashlib.sha256(f"url:{url}".encode()).hexdigest()
                fresh = kinds - self.alerted.get(key, set())
                if not fresh:
                    continue
                window = state.exposure_window(session, sha) if sha else None
                alert = Alert(
                    id=f"{key[:16]}:{'+'.join(sorted(fresh))}",
                    url=url,
                    sha256=sha or "",
                    kinds=tuple(sorted(kinds)),
                    verdict=verdict or "unknown",
                    people=report.people
                    if report is not None
                    else (rec.profile or {}).get("people", 0)
                    if rec
                    else 0,
                    reasons=tuple(report.reasons) if report is not None else (),
                    drift=tuple(d.to_json() for d in drift),
                    categories=tuple(report.categories) if report is not None else (),
                    media_type=report.media_type
                    if report is not None
                    else (rec.media_type or "" if rec else ""),
                    size=report.size if report is not None else 0,
                    findings=masked_findings(report) if report is not None else (),
                    review_url=f"{self.config.base_url.rstrip('/')}/submissions/{sha}"
                    if self.config.base_url and sha
                    else None,
                    detected_at=now.isoformat(),
                    cleared=is_cleared,
                    first_seen=window[0].isoformat() if window else None,
                )
                if "not-cleared" in kinds:
                    alert = _with_reason(
                        alert, "Served but never cleared: no clearance in the gate for these bytes"
                    )
                row = state.add_alert(session, alert, pending=self.dispatcher.names, now=now)
                row.sha256 = key
                self.alerted.setdefault(key, set()).update(kinds)
                todo.append((alert, str(row.id)))
        for alert, row_id in todo:
            failed = self.dispatcher.deliver(alert)
            stats.alerts.append(alert)
            with self.store.transaction() as session:
                from clearance.actions.store.watch_tables import WatchAlert

                row = session.get(WatchAlert, int(row_id))
                if row is not None:
                    state.delivery_result(session, row, failed, now=self.now())

    def _retry_pending(self) -> None:
        with self.store.transaction() as session:
            for row in state.pending_alerts(session):
                failed = self.dispatcher.deliver(state.alert_of(row), only=list(row.pending))
                state.delivery_result(session, row, failed, now=self.now())


def _with_reason(alert: Alert, reason: str) -> Alert:
    from dataclasses import replace

    return replace(alert, reasons=(reason, *alert.reasons))


__all__ = ["USER_AGENT", "PassStats", "Watcher"]
