"""Discovery: which URLs a site publishes. Sitemaps (``<urlset>`` and ``<sitemapindex>``, plain or
gzipped; those robots.txt declares, else ``/sitemap.xml``), links on pages (the HTML extractor's
``links`` note, so there is one HTML parser in the project), and explicit URL lists.

Sitemaps are fetched conditionally and their parsed entries kept between passes, so an unchanged
sitemap costs one 304. ``<lastmod>`` is what lets a pass skip unchanged documents without asking
for them at all; documents without one are asked conditionally (one 304 each).
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET

from clearance import formats
from clearance.config.schema import Limits
from clearance.extractors.html import HtmlExtractor, LinksNote
from clearance.plugins import ExtractContext
from clearance.sources.http import HttpSource, Site, normalise

# sitemaps.org: at most 50,000 URLs and 50 MiB (uncompressed) per sitemap, and a sitemap index
# lists sitemaps, not other indexes. We allow one more level of nesting than the protocol and cap
# the number of sitemaps read per site per pass.
MAX_SITEMAP_BYTES = 50 * 1024**2
MAX_SITEMAP_DEPTH = 2
MAX_SITEMAPS_PER_SITE = 1000
GZIP_MAGIC = b"\x1f\x8b"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_sitemap(data: bytes) -> tuple[dict[str, str | None], list[str]]:
    """({url: lastmod or None}, [child sitemap URLs]) of a sitemap or sitemap index.

    Raises ValueError when it is not a sitemap (not XML, too big once inflated).
    """
    if data.startswith(GZIP_MAGIC):
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            try:
                data = gz.read(MAX_SITEMAP_BYTES + 1)
            except (OSError, EOFError, zlib.error) as exc:
                raise ValueError(f"broken gzip: {exc}") from None
        if len(data) > MAX_SITEMAP_BYTES:
            raise ValueError("sitemap larger than 50 MiB uncompressed")
    try:
        root = SafeET.fromstring(data)
    except Exception as exc:  # defusedxml raises several kinds; any of them: not a sitemap
        raise ValueError(f"not XML ({type(exc).__name__})") from None
    urls: dict[str, str | None] = {}
    children: list[str] = []
    kind = _local(root.tag)
    for entry in root:
        name = _local(entry.tag)
        loc = lastmod = None
        for child in entry:
            t = _local(child.tag)
            if t == "loc" and child.text:
                loc = child.text.strip()
            elif t == "lastmod" and child.text:
                lastmod = child.text.strip()
        if not loc:
            continue
        if kind == "sitemapindex" and name == "sitemap":
            children.append(loc)
        elif name == "url":
            urls[loc] = lastmod
    return urls, children


def links_in(data: bytes, page_url: str, limits: Limits | None = None) -> list[str]:
    """Absolute http(s) URLs a page links to (fragments removed), in page order."""
    doc = formats.document_from_bytes(data, page_url.rsplit("/", 1)[-1] or "index.html")
    if doc.media_type != formats.HTML:
        return []
    out: dict[str, None] = {}
    for item in HtmlExtractor().extract(doc, ExtractContext(limits or Limits())):
        if isinstance(item, LinksNote):
            for link in item.links:
                url = normalise(link, page_url)
                if url:
                    out.setdefault(url)
    return list(out)


@dataclass
class _Cached:
    etag: str | None
    last_modified: str | None
    urls: dict[str, str | None]
    children: list[str]


@dataclass
class Sitemaps:
    """Sitemap reader with a per-sitemap cache of validators and entries (kept between passes)."""

    source: HttpSource
    configured: list[str] = field(default_factory=list)
    cache: dict[str, _Cached] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # sitemap URL -> last problem

    def roots(self, site: Site) -> list[str]:
        mine = [u for u in self.configured if site.contains(u)]
        if mine:
            return mine
        declared = [u for u in self.source.robots_sitemaps(site) if site.contains(u)]
        return declared or [site.url + "sitemap.xml"]

    def entries(self, site: Site) -> dict[str, str | None]:
        """Every in-site URL the site's sitemaps list, with its ``<lastmod>`` (or None)."""
        out: dict[str, str | None] = {}
        queue = [(u, 0) for u in self.roots(site)]
        seen: set[str] = set()
        while queue and len(seen) < MAX_SITEMAPS_PER_SITE:
            url, depth = queue.pop(0)
            if url in seen:
                continue
            seen.add(url)
            cached = self._read(url)
            if cached is None:
                continue
            for u, lastmod in cached.urls.items():
                n = normalise(u)
                if n and site.contains(n):
                    out[n] = lastmod
            if depth < MAX_SITEMAP_DEPTH:
                queue.extend((c, depth + 1) for c in cached.children if site.contains(c))
        return out

    def _read(self, url: str) -> _Cached | None:
        cached = self.cache.get(url)
        res = self.source.fetch(
            url,
            etag=cached.etag if cached else None,
            last_modified=cached.last_modified if cached else None,
        )
        if res.code == "not-modified" and cached is not None:
            return cached
        if res.ok and res.data is not None:
            try:
                urls, children = parse_sitemap(res.data)
            except ValueError as exc:
                self.errors[url] = str(exc)
                return cached
            fresh = _Cached(res.etag, res.last_modified, urls, children)
            self.cache[url] = fresh
            self.errors.pop(url, None)
            return fresh
        if res.status not in (404, 410):
            self.errors[url] = res.error or res.code
        else:
            self.cache.pop(url, None)
            return None
        return cached  # a failing sitemap: keep what it listed last time


__all__ = ["Sitemaps", "links_in", "parse_sitemap"]
