"""Web-server access-log readers: nginx/Apache combined, W3C extended (IIS), CloudFront, JSON lines.

Built for tens of millions of lines on a small machine. Logs are read in 1 MiB blocks of bytes
(gzip detected by its magic number, not the file name; rotated sets such as ``access.log``,
``access.log.1``, ``access.log.2.gz`` are read oldest first), and a line is only decoded and
parsed when one of a few byte needles (the leaked URL's path in its spellings, the file's size)
occurs in it: ``bytes.find`` skips the other 99.99 % at memory speed, and lines are counted with
``bytes.count``. Memory is one block plus the records that matched.

The parsers are per format, with compiled byte regexes (combined) or a field map from the
``#Fields:`` directive (W3C, CloudFront). Times become timezone-aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, unquote, urlsplit

BLOCK = 1 << 20  # bytes read at a time: large enough to amortise Python per-block work
SNIFF = 8192  # bytes read to tell the format of a file
GZIP_MAGIC = b"\x1f\x8b"

COMBINED = "combined"
W3C = "w3c"  # IIS and CloudFront (CloudFront is W3C with tabs)
JSONL = "jsonl"
FORMATS = (COMBINED, W3C, JSONL)


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One request, as much as the format tells. ``client`` is the raw address (in memory only)."""

    time: dt.datetime
    client: str
    method: str
    path: str  # decoded path, no query string
    status: int
    bytes_sent: int
    referrer: str | None = None
    user_agent: str | None = None
    range: str | None = None  # Range request header or "start-end" served (CloudFront)
    host: str | None = None


class LogFormatError(ValueError):
    pass


# -- opening files ------------------------------------------------------------------------------
_ROTATION = re.compile(r"\.(\d+)(?:\.gz)?$")


def order_rotated(paths: Iterable[str | Path]) -> list[Path]:
    """Oldest first: ``access.log.3.gz``, ``access.log.2.gz``, ``access.log.1``, ``access.log``."""

    def key(p: Path) -> tuple[str, int, str]:
        name = p.name
        m = _ROTATION.search(name)
        if m:
            return (name[: m.start()], -int(m.group(1)), name)
        base = name[:-3] if name.endswith(".gz") else name
        return (base, 0, name)

    return sorted((Path(p) for p in paths), key=key)


def open_log(path: str | Path) -> BinaryIO:
    fh = open(path, "rb")  # noqa: SIM115 - returned to the caller
    head = fh.read(2)
    fh.seek(0)
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh


def sniff_format(head: bytes) -> str:
    for raw in head.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith(b"#"):
            return W3C
        if line.startswith(b"{"):
            return JSONL
        if _COMBINED.match(line):
            return COMBINED
        raise LogFormatError("not a combined, W3C/IIS, CloudFront or JSON-lines access log")
    return COMBINED  # empty file: any parser reads nothing


# -- needles --------------------------------------------------------------------------------------
def url_path(url: str) -> str:
    """The path of a URL or path, decoded: "https://x.gov/a%20b.xlsx?x=1" -> "/a b.xlsx"."""
    parts = urlsplit(url)
    path = parts.path if (parts.scheme or parts.netloc) else url.split("?", 1)[0]
    return unquote(path)


def needles_for(paths: Sequence[str], size: int | None = None) -> list[bytes]:
    """Byte strings a matching line must contain: each path decoded, percent-encoded (as
    browsers and CloudFront write it), IIS-style ('+' for spaces), plus the size if given."""
    out: list[bytes] = []
    for p in paths:
        dec = url_path(p)
        for form in (dec, quote(dec, safe="/~"), quote(dec, safe="/~()!*'"), dec.replace(" ", "+")):
            b = form.encode("utf-8")
            if b not in out:
                out.append(b)
    if size:
        out.append(str(size).encode("ascii"))
    return out


# -- the scanner ------------------------------------------------------------------------------
@dataclass
class ReadStats:
    files: int = 0
    lines: int = 0
    candidates: int = 0  # lines that held a needle
    unparsed: int = 0  # candidate lines no parser could read


def candidate_lines(
    fh: BinaryIO, needles: Sequence[bytes], stats: ReadStats, *, directives: bool = True
) -> Iterator[bytes]:
    """Lines of ``fh`` that contain any needle, plus (W3C) every ``#Fields`` directive."""
    rest = b""
    search = (b"#Fields", *needles) if directives else tuple(needles)
    while True:
        chunk = fh.read(BLOCK)
        if not chunk:
            if rest:
                stats.lines += 1
                if rest.startswith(b"#Fields") or any(n in rest for n in needles):
                    yield rest
            return
        block = rest + chunk
        end = block.rfind(b"\n")
        if end < 0:
            rest = block
            continue
        rest = block[end + 1 :]
        stats.lines += block.count(b"\n", 0, end + 1)
        starts: set[int] = set()
        for n in search:
            i = block.find(n, 0, end)
            while i >= 0:
                s = block.rfind(b"\n", 0, i) + 1
                starts.add(s)
                nl = block.find(b"\n", i)
                i = block.find(n, nl + 1, end) if nl >= 0 else -1
        for s in sorted(starts):
            e = block.find(b"\n", s)
            line = block[s:e]
            if line.startswith(b"#") and not line.startswith(b"#Fields"):
                continue
            yield line


# -- combined ---------------------------------------------------------------------------------
_Q = rb'"((?:[^"\\]|\\.)*)"'
_COMBINED = re.compile(
    rb"(\S+) \S+ \S+ \[([^\]]+)\] "  # client, ident, user, [time]
    rb'"(\S+) (\S+)(?: [^"]*)?" '  # "METHOD target PROTOCOL"
    rb"(\d{3}) (\d+|-)"  # status, bytes
    rb"(?: " + _Q + rb" " + _Q + rb")?"  # "referrer" "user agent" (combined; absent in common)
)
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}
_TZ_CACHE: dict[str, dt.timezone] = {}


def _clf_time(text: str) -> dt.datetime:
    # 28/Nov/2022:14:03:11 +0000
    tz = _TZ_CACHE.get(text[21:])
    if tz is None:
        off = text[21:].strip() or "+0000"
        sign = -1 if off[0] == "-" else 1
        tz = dt.timezone(sign * dt.timedelta(hours=int(off[1:3]), minutes=int(off[3:5])))
        _TZ_CACHE[text[21:]] = tz
    t = dt.datetime(
        int(text[7:11]),
        _MONTHS[text[3:6]],
        int(text[0:2]),
        int(text[12:14]),
        int(text[15:17]),
        int(text[18:20]),
        tzinfo=tz,
    )
    return t.astimezone(dt.UTC)


def _opt(b: bytes | None) -> str | None:
    if b is None:
        return None
    s = b.decode("utf-8", "replace")
    if "\\" in s:
        s = s.replace('\\"', '"').replace("\\x22", '"').replace("\\\\", "\\")
    return None if s in ("", "-") else s


def parse_combined(line: bytes) -> LogRecord | None:
    m = _COMBINED.match(line)
    if m is None:
        return None
    client, when, method, target, status, size, ref, ua = m.groups()
    try:
        t = _clf_time(when.decode("ascii"))
    except (ValueError, KeyError, IndexError):
        return None
    target_s = target.decode("utf-8", "replace")
    host = None
    if target_s.startswith(("http://", "https://")):  # absolute-form request target (proxies)
        host = urlsplit(target_s).hostname
    return LogRecord(
        time=t,
        client=client.decode("ascii", "replace"),
        method=method.decode("ascii", "replace"),
        path=url_path(target_s),
        status=int(status),
        bytes_sent=0 if size == b"-" else int(size),
        referrer=_opt(ref),
        user_agent=_opt(ua),
        host=host,
    )


# -- W3C extended (IIS) and CloudFront --------------------------------------------------------
class W3CParser:
    """Fields come from the latest ``#Fields:`` directive; tab-separated lines are CloudFront."""

    def __init__(self) -> None:
        self.fields: dict[str, int] = {}

    def directive(self, line: bytes) -> None:
        names = line.decode("ascii", "replace").split(":", 1)[1].split()
        self.fields = {n.lower(): i for i, n in enumerate(names)}

    def _get(self, parts: list[str], *names: str) -> str | None:
        for n in names:
            i = self.fields.get(n)
            if i is not None and i < len(parts):
                v = parts[i]
                return None if v in ("-", "") else v
        return None

    def parse(self, line: bytes) -> LogRecord | None:
        if line.startswith(b"#Fields"):
            self.directive(line)
            return None
        if not self.fields or line.startswith(b"#"):
            return None
        text = line.decode("utf-8", "replace").rstrip("\r")
        tabbed = "\t" in text
        parts = text.split("\t") if tabbed else text.split(" ")
        g = self._get
        try:
            date, time_ = g(parts, "date"), g(parts, "time")
            if not date or not time_:
                return None
            t = dt.datetime.fromisoformat(f"{date}T{time_}").replace(tzinfo=dt.UTC)  # W3C: UTC
            status = int(g(parts, "sc-status") or 0)
            size = int(g(parts, "sc-bytes") or 0)
        except ValueError:
            return None
        stem = g(parts, "cs-uri-stem") or "/"
        ua = g(parts, "cs(user-agent)")
        ref = g(parts, "cs(referer)", "cs(referrer)")
        if tabbed:  # CloudFront percent-encodes these (user agents sometimes twice)
            ua = unquote(unquote(ua)) if ua else None
            ref = unquote(ref) if ref else None
        elif ua:  # IIS writes spaces in the user agent as '+'
            ua = ua.replace("+", " ")
        rng = None
        start, end = g(parts, "sc-range-start"), g(parts, "sc-range-end")
        if start is not None and end is not None:
            rng = f"{start}-{end}"
        return LogRecord(
            time=t,
            client=g(parts, "c-ip") or "-",
            method=g(parts, "cs-method") or "GET",
            path=unquote(stem.replace("+", " ") if not tabbed else stem),
            status=status,
            bytes_sent=size,
            referrer=ref,
            user_agent=ua,
            range=rng,
            host=g(parts, "cs(host)", "x-host-header", "s-computername"),
        )


# -- JSON lines ---------------------------------------------------------------------------------
_J_TIME = ("time", "timestamp", "@timestamp", "time_iso8601", "time_local", "ts", "date")
_J_CLIENT = ("remote_addr", "client_ip", "client", "ip", "c-ip", "remote_ip", "clientip", "x_forwarded_for")
_J_METHOD = ("method", "request_method", "verb")
_J_PATH = ("request_uri", "uri", "path", "url", "cs-uri-stem")
_J_STATUS = ("status", "status_code", "response_status", "sc-status")
_J_BYTES = ("body_bytes_sent", "bytes_sent", "bytes", "size", "response_size", "sc-bytes")
_J_REF = ("http_referer", "referer", "referrer")
_J_UA = ("http_user_agent", "user_agent", "useragent", "agent", "ua")
_J_RANGE = ("http_range", "range")


def _first(d: dict[str, object], keys: tuple[str, ...]) -> object:
    for k in keys:
        v = d.get(k)
        if v not in (None, "", "-"):
            return v
    return None


def _json_time(v: object) -> dt.datetime | None:
    if isinstance(v, int | float):
        return dt.datetime.fromtimestamp(float(v), dt.UTC)
    if not isinstance(v, str):
        return None
    s = v.strip()
    if s and s[0].isdigit() and "/" in s[:6]:
        return _clf_time(s)
    try:
        t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        try:
            return dt.datetime.fromtimestamp(float(s), dt.UTC)
        except ValueError:
            return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def parse_json(line: bytes) -> LogRecord | None:
    try:
        d = json.loads(line)
    except ValueError:
        return None
    if not isinstance(d, dict):
        return None
    t = _json_time(_first(d, _J_TIME))
    if t is None:
        return None
    method = _first(d, _J_METHOD)
    path = _first(d, _J_PATH)
    request = d.get("request")
    if isinstance(request, str) and (path is None or method is None):
        bits = request.split(" ")
        if len(bits) >= 2:
            method = method or bits[0]
            path = path or bits[1]
    try:
        status = int(_first(d, _J_STATUS) or 0)  # type: ignore[arg-type]
        size = int(_first(d, _J_BYTES) or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    client = _first(d, _J_CLIENT)
    ref, ua, rng = _first(d, _J_REF), _first(d, _J_UA), _first(d, _J_RANGE)
    return LogRecord(
        time=t,
        client=str(client).split(",")[0].strip() if client else "-",
        method=str(method or "GET"),
        path=url_path(str(path or "/")),
        status=status,
        bytes_sent=size,
        referrer=str(ref) if ref else None,
        user_agent=str(ua) if ua else None,
        range=str(rng) if rng else None,
        host=str(d["host"]) if d.get("host") else None,
    )


# -- reading -------------------------------------------------------------------------------------
def read_logs(
    paths: Iterable[str | Path],
    needles: Sequence[bytes],
    stats: ReadStats | None = None,
    *,
    fmt: str | None = None,
) -> Iterator[LogRecord]:
    """Records of every line holding a needle, across files (rotation order, gzip or not)."""
    stats = stats if stats is not None else ReadStats()
    for path in order_rotated(paths):
        stats.files += 1
        with open_log(path) as fh:
            head = fh.peek(SNIFF)[:SNIFF] if hasattr(fh, "peek") else b""
            kind = fmt or sniff_format(head)
            if kind not in FORMATS:
                raise LogFormatError(f"unknown log format {kind!r}; expected one of {FORMATS}")
            w3c = W3CParser()
            parse = {COMBINED: parse_combined, JSONL: parse_json, W3C: w3c.parse}[kind]
            for line in candidate_lines(fh, needles, stats, directives=kind == W3C):
                if kind == W3C and line.startswith(b"#"):
                    w3c.directive(line)
                    continue
                stats.candidates += 1
                rec = parse(line)
                if rec is None:
                    stats.unparsed += 1
                    continue
                yield rec


def read_all(paths: Iterable[str | Path], *, fmt: str | None = None) -> Iterator[LogRecord]:
    """Every record of the files (tests, small logs): no pre-filter."""
    for path in order_rotated(paths):
        with open_log(path) as fh:
            data = fh.read()
        kind = fmt or sniff_format(data[:SNIFF])
        w3c = W3CParser()
        parse = {COMBINED: parse_combined, JSONL: parse_json, W3C: w3c.parse}[kind]
        for line in data.splitlines():
            if not line.strip():
                continue
            if kind == W3C and line.startswith(b"#"):
                if line.startswith(b"#Fields"):
                    w3c.directive(line)
                continue
            rec = parse(line)
            if rec is not None:
                yield rec
