"""A local test site for ``clearance watch``: a ThreadingHTTPServer on 127.0.0.1 serving generated
pages, sitemap.xml, robots.txt and documents held in memory, with ETag / Last-Modified and 304s,
a slow path and a 500 path. It counts every request (path, status, bytes) on the server side, so
tests can assert what the watcher really asked for.

    with TestSite() as site:   # (tests/watch_site.py: "site" would shadow the stdlib module)
        site.put("/docs/a.csv", b"...")
        site.url  # http://127.0.0.1:PORT/

Pages: ``/`` links to ``/pages/N.html``; each page links to ``page_size`` documents. Documents
listed in the sitemap carry ``<lastmod>`` (their modification time, with microseconds so two
changes in one second differ). ``/slow`` sleeps ``slow_seconds`` before answering; ``/error``
answers 500. ``extra_links`` adds links to the home page (off-site links, the slow and error paths).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPES = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".html": "text/html; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xml": "application/xml",
}


@dataclass
class _Doc:
    data: bytes
    mtime: dt.datetime
    content_type: str
    etag: str


@dataclass
class Hit:
    at: float
    path: str
    status: int
    bytes: int
    headers: dict[str, str]


@dataclass
class TestSite:
    __test__ = False  # not a pytest class

    page_size: int = 100
    slow_seconds: float = 5.0
    robots_disallow: list[str] = field(default_factory=list)
    extra_links: list[str] = field(default_factory=list)
    sitemap: bool = True
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location (302)
    docs: dict[str, _Doc] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.version = 0
        self._cache: dict[str, tuple[int, bytes]] = {}
        self.server: ThreadingHTTPServer | None = None

    # -- content --------------------------------------------------------------------------------
    def put(self, path: str, data: bytes, *, when: dt.datetime | None = None) -> None:
        ext = "." + path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
        mtime = when or dt.datetime.now(dt.UTC)
        with self.lock:
            self.docs[path] = _Doc(
                data,
                mtime,
                TYPES.get(ext, "application/octet-stream"),
                '"' + hashlib.sha256(data).hexdigest()[:20] + '"',
            )
            self.version += 1

    def remove(self, path: str) -> None:
        with self.lock:
            self.docs.pop(path, None)
            self.version += 1

    def _pages(self) -> list[list[str]]:
        paths = sorted(self.docs)
        return [paths[i : i + self.page_size] for i in range(0, len(paths), self.page_size)] or [[]]

    def _generated(self, path: str) -> bytes | None:
        with self.lock:
            cached = self._cache.get(path)
            if cached and cached[0] == self.version:
                return cached[1]
            version = self.version
            body: bytes | None = None
            if path == "/robots.txt":
                lines = ["User-agent: *", *(f"Disallow: {d}" for d in self.robots_disallow)]
                if self.sitemap:
                    lines.append(f"Sitemap: {self.url}sitemap.xml")
                body = ("\n".join(lines) + "\n").encode()
            elif path == "/sitemap.xml" and self.sitemap:
                items = [
                    f"<url><loc>{self.url}{p.lstrip('/')}</loc>"
                    f"<lastmod>{d.mtime.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}</lastmod></url>"
                    for p, d in sorted(self.docs.items())
                ]
                body = (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                    + "\n".join(items)
                    + "\n</urlset>\n"
                ).encode()
            elif path in ("/", "/index.html"):
                n = len(self._pages())
                links = [f'<li><a href="/pages/{i}.html">Page {i}</a></li>' for i in range(n)]
                links += [f'<li><a href="{u}">more</a></li>' for u in self.extra_links]
                body = _page("Publications", links)
            elif path.startswith("/pages/") and path.endswith(".html"):
                try:
                    i = int(path[len("/pages/") : -len(".html")])
                    chunk = self._pages()[i]
                except (ValueError, IndexError):
                    return None
                body = _page(
                    f"Page {i}", [f'<li><a href="{p}">{p.rsplit("/", 1)[-1]}</a></li>' for p in chunk]
                )
            if body is not None:
                self._cache[path] = (version, body)
            return body

    # -- counting -------------------------------------------------------------------------------
    def count(self, path: str | None = None, status: int | None = None) -> int:
        with self.lock:
            return sum(
                1
                for h in self.hits
                if (path is None or h.path == path) and (status is None or h.status == status)
            )

    def statuses(self, path: str) -> Counter[int]:
        with self.lock:
            return Counter(h.status for h in self.hits if h.path == path)

    def reset_counts(self) -> None:
        with self.lock:
            self.hits.clear()

    # -- server ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> TestSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/slow":
                    time.sleep(site.slow_seconds)
                    self._send(200, b"slow", "text/plain", path)
                    return
                if path in site.redirects:
                    with site.lock:
                        site.hits.append(Hit(time.monotonic(), path, 302, 0, dict(self.headers)))
                    self.send_response(302)
                    self.send_header("Location", site.redirects[path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path == "/error":
                    self._send(500, b"boom", "text/plain", path)
                    return
                gen = site._generated(path)
                if gen is not None:
                    ctype = (
                        "text/plain"
                        if path.endswith(".txt")
                        else ("application/xml" if path.endswith(".xml") else "text/html; charset=utf-8")
                    )
                    etag = '"' + hashlib.sha256(gen).hexdigest()[:20] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        self._send(304, b"", None, path, etag=etag)
                    else:
                        self._send(200, gen, ctype, path, etag=etag)
                    return
                with site.lock:
                    doc = site.docs.get(path)
                if doc is None:
                    self._send(404, b"not found", "text/plain", path)
                    return
                if self._fresh(doc):
                    self._send(304, b"", None, path, etag=doc.etag, mtime=doc.mtime)
                    return
                self._send(200, doc.data, doc.content_type, path, etag=doc.etag, mtime=doc.mtime)

            def _fresh(self, doc: _Doc) -> bool:
                inm = self.headers.get("If-None-Match")
                if inm is not None:
                    return doc.etag in [t.strip() for t in inm.split(",")]
                ims = self.headers.get("If-Modified-Since")
                if ims:
                    try:
                        return doc.mtime.replace(microsecond=0) <= parsedate_to_datetime(ims)
                    except (TypeError, ValueError):
                        return False
                return False

            def _send(
                self,
                status: int,
                body: bytes,
                ctype: str | None,
                path: str,
                *,
                etag: str | None = None,
                mtime: dt.datetime | None = None,
            ) -> None:
                # counted before answering: once a client has its response, the hit is visible
                with site.lock:
                    site.hits.append(Hit(time.monotonic(), path, status, len(body), dict(self.headers)))
                try:
                    self.send_response(status)
                    if ctype:
                        self.send_header("Content-Type", ctype)
                    if etag:
                        self.send_header("ETag", etag)
                    if mtime:
                        self.send_header("Last-Modified", format_datetime(mtime, usegmt=True))
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if body and status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True, name="test-site").start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> TestSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _page(title: str, items: list[str]) -> bytes:
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<ul>{''.join(items)}</ul></body></html>"
    ).encode()


def small_csv(i: int) -> bytes:
    """A harmless document: aggregate counts with no personal data."""
    return (
        f"Region,Year,Applications,Decisions\nNorth,2023,{100 + i},{90 + i}\nSouth,2023,{200 + i},{150 + i}\n"
        f"East,2023,{50 + i},{40 + i}\n"
    ).encode()
