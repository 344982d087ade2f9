"""Generated incident material with ground truth: a leaked workbook whose people appear in
several parts with different spellings, and web-server access logs of its publication.

``make_incident_workbook``:
  sheet "Detainees" (visible)   people[0:n] + a namesake of people[1] (same name, other A-number
                                and DOB): "GARCIA LOPEZ, Maria", DOB, nationality, A123456789
  sheet "Archive" (hidden)      people[0:n//2] + 3 people found nowhere else: "MARIA GARCIA LOPEZ"
                                (first-last, upper case), DOB, facility, "123 456 789"
  pivot cache (no source sheet) people[0:n]: "Garcia Lopez, Maria" (title case), DOB, case status
  -> distinct people = n + 3 + 1; people[0:n//2] carry all six fields, the rest of people[0:n]
     five (no facility), the 3 hidden-only ones four.

``make_access_logs``: one publication (T0 .. T1) of the leaked URL among other traffic: browsers
downloading completely, aborted downloads, a client assembling the file from 206 ranges, known
crawlers (one verified by rDNS, one impostor), link previews, 304 revalidations, 404s after the
takedown, a copy at another URL, in combined format split over access.log.2.gz / access.log.1 /
access.log; ``render`` writes the same events as W3C (IIS), CloudFront or JSON lines. The ground
truth is computed from the events by the definitions in ``clearance.incident.exposure``.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote

from openpyxl import Workbook

from .people import Person, make_people
from .workbooks import FIXED_TIMESTAMP, _attr, _Package, write_pivot_cache

HIDDEN_ONLY = 3


@dataclass
class WorkbookTruth:
    people: list[Person]  # every distinct person, namesake included
    distinct: int
    full_fields: list[str]  # a-numbers of people with all six fields
    hidden_only: list[str]  # a-numbers of people only in the hidden sheet
    namesake: tuple[str, str]  # the two a-numbers sharing one name


def _pivot(pkg: _Package, head: Sequence[str], records: Sequence[Sequence[object]]) -> None:
    fields, indexes = [], []
    for col, name in enumerate(head):
        values = list(dict.fromkeys(r[col] for r in records))
        pos = {v: i for i, v in enumerate(values)}
        indexes.append([pos[r[col]] for r in records])
        items = "".join(
            f'<d v="{v:%Y-%m-%d}T00:00:00"/>' if isinstance(v, dt.date) else f'<s v="{_attr(str(v))}"/>'
            for v in values
        )
        fields.append(
            f'<cacheField name="{_attr(name)}" numFmtId="{14 if col == 1 else 0}">'
            f'<sharedItems count="{len(values)}">{items}</sharedItems></cacheField>'
        )
    write_pivot_cache(
        pkg, fields, indexes, source=f'<worksheetSource ref="A1:C{len(records) + 1}" sheet="Cases"/>'
    )


def make_incident_workbook(path: str | Path, *, n: int = 40, seed: int = 7) -> tuple[Path, WorkbookTruth]:
    path = Path(path)
    everyone = make_people(n + HIDDEN_ONLY + 1, seed)
    people, extra, spare = everyone[:n], everyone[n : n + HIDDEN_ONLY], everyone[-1]
    namesake = replace(spare, given=people[1].given, family=people[1].family)
    wb = Workbook()
    wb.properties.created = FIXED_TIMESTAMP
    ws = wb.active
    ws.title = "Detainees"
    ws.append(["Last Name, First Name", "DOB", "Country of Citizenship", "A-Number"])
    for p in [*people[:2], namesake, *people[2:]]:
        ws.append([p.display_name("last-first"), p.dob, p.nationality, f"A{p.a_number}"])
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.number_format = "mm/dd/yyyy"
    arch = wb.create_sheet("Archive")
    arch.append(["Name", "Date of Birth", "Detention Facility", "Alien Number"])
    for p in [*people[: n // 2], *extra]:
        arch.append(
            [p.display_name("first-last").upper(), p.dob, p.facility, p.a_number_formatted("123 456 789")]
        )
    for (cell,) in arch.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.number_format = "mm/dd/yyyy"
    arch.sheet_state = "hidden"
    wb.save(path)
    pkg = _Package(path)
    _pivot(
        pkg,
        ("Detainee Name", "DOB", "Case Status"),
        [(p.display_name("title-last-first"), p.dob, p.case_status) for p in people],
    )
    pkg.save()
    truth = WorkbookTruth(
        people=[*people, *extra, namesake],
        distinct=n + HIDDEN_ONLY + 1,
        full_fields=[p.a_number for p in people[: n // 2]],
        hidden_only=[p.a_number for p in extra],
        namesake=(people[1].a_number, namesake.a_number),
    )
    return path, truth


# -- access logs ------------------------------------------------------------------------------------
BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/107.0 Safari/537.36",  # noqa: E501
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.1 Safari/605.1.15",  # noqa: E501
    "Mozilla/5.0 (X11; Linux x86_64; rv:107.0) Gecko/20100101 Firefox/107.0",
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
WAYBACK = "Mozilla/5.0 (compatible; archive.org_bot +http://archive.org/details/archive.org_bot)"
FACEBOOK = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
CURL = "curl/7.68.0"
OTHER_PATHS = ("/", "/index.html", "/news/2022/11/statement", "/css/site.css", "/js/app.js", "/favicon.ico")


@dataclass(frozen=True)
class Event:
    time: dt.datetime
    ip: str
    method: str
    path: str
    status: int
    size: int
    referrer: str = "-"
    ua: str = "-"
    range: str | None = None  # "start-end" served


@dataclass
class LogTruth:
    url: str
    file_size: int
    requests: int = 0
    served: int = 0
    complete: int = 0
    complete_from_ranges: int = 0
    partial: int = 0
    revalidated: int = 0
    refused_after_removal: int = 0
    distinct_clients: int = 0
    clients_complete: int = 0
    crawlers: dict[str, int] = field(default_factory=dict)  # id -> requests
    first_serve: dt.datetime | None = None
    last_serve: dt.datetime | None = None
    referrer_hosts: dict[str, int] = field(default_factory=dict)
    other_url: str = ""
    rdns: dict[str, str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    total_lines: int = 0


def _ip(rng: random.Random) -> str:
    return f"{rng.choice((198, 203, 192))}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def make_events(
    *, url: str, file_size: int, t0: dt.datetime, t1: dt.datetime, seed: int = 3, noise: int = 400
) -> tuple[list[Event], LogTruth]:
    rng = random.Random(seed)
    truth = LogTruth(url=url, file_size=file_size, other_url="/mirror/copy-of-file.xlsx")
    ev: list[Event] = []
    span = (t1 - t0).total_seconds()

    def at(frac: float) -> dt.datetime:
        return t0 + dt.timedelta(seconds=int(span * frac))

    clients_served: set[str] = set()
    clients_complete: set[str] = set()
    # 1. browsers: complete downloads, some from social links
    for i in range(12):
        ip = _ip(rng)
        ref = ("https://twitter.com/someone/status/1", "https://www.reddit.com/r/news/x", "-")[i % 3]
        ev.append(Event(at(0.05 + i * 0.07), ip, "GET", url, 200, file_size, ref, BROWSERS[i % 3]))
        clients_served.add(ip)
        clients_complete.add(ip)
    # 2. aborted downloads (200, fewer bytes)
    for i in range(5):
        ip = _ip(rng)
        ev.append(Event(at(0.1 + i * 0.1), ip, "GET", url, 200, file_size // (i + 2), "-", BROWSERS[0]))
        clients_served.add(ip)
    # 3. a download manager assembling the file from three ranges
    ip_dm = _ip(rng)
    third = file_size // 3
    for k, (s, e) in enumerate(((0, third - 1), (third, 2 * third - 1), (2 * third, file_size - 1))):
        ev.append(Event(at(0.5 + k * 0.001), ip_dm, "GET", url, 206, e - s + 1, "-", BROWSERS[1], f"{s}-{e}"))
    clients_served.add(ip_dm)
    clients_complete.add(ip_dm)
    # 4. one partial range only
    ip_p = _ip(rng)
    ev.append(Event(at(0.6), ip_p, "GET", url, 206, 1024, "-", BROWSERS[2], "0-1023"))
    clients_served.add(ip_p)
    # 5. crawlers: a verified Googlebot, a fake Googlebot, Wayback, a Facebook preview, a curl
    ip_g, ip_fake, ip_w, ip_fb, ip_c = "66.249.66.1", _ip(rng), "207.241.229.10", "69.171.250.5", _ip(rng)
    truth.rdns = {
        ip_g: "crawl-66-249-66-1.googlebot.com",
        ip_fake: "host.example.net",
        ip_w: "crawl.archive.org",
    }
    for ip, ua, frac in (
        (ip_g, GOOGLEBOT, 0.3),
        (ip_fake, GOOGLEBOT, 0.35),
        (ip_w, WAYBACK, 0.7),
        (ip_fb, FACEBOOK, 0.2),
        (ip_c, CURL, 0.8),
    ):
        ev.append(Event(at(frac), ip, "GET", url, 200, file_size, "-", ua))
        clients_served.add(ip)
        clients_complete.add(ip)
    truth.crawlers = {"googlebot": 2, "wayback": 1, "link-preview": 1, "scripted": 1}
    # 6. a HEAD and a 304 revalidation by a browser that downloaded earlier
    first_browser = ev[0].ip
    ev.append(Event(at(0.9), first_browser, "GET", url, 304, 0, "-", BROWSERS[0]))
    ev.append(Event(at(0.91), _ip(rng), "HEAD", url, 200, 0, "-", BROWSERS[2]))
    # 7. after removal: 404s
    for i in range(4):
        ev.append(
            Event(t1 + dt.timedelta(minutes=10 + i * 7), _ip(rng), "GET", url, 404, 153, "-", BROWSERS[i % 3])
        )
    # 8. the same bytes at another URL (a mirror): not the leaked URL, counted separately
    ev.append(Event(at(0.95), _ip(rng), "GET", truth.other_url, 200, file_size, "-", BROWSERS[0]))
    # 9. noise: other paths before, during and after
    for _ in range(noise):
        t = t0 + dt.timedelta(seconds=rng.uniform(-3600 * 6, span + 3600 * 6))
        ev.append(
            Event(
                t,
                _ip(rng),
                "GET",
                rng.choice(OTHER_PATHS),
                200,
                rng.randrange(200, 90000),
                "-",
                rng.choice(BROWSERS),
            )
        )
    ev.sort(key=lambda e: e.time)

    mine = [e for e in ev if e.path == url]
    served = [e for e in mine if e.method == "GET" and e.status in (200, 206) and e.size > 0]
    truth.requests = len(mine)
    truth.served = len(served)
    truth.complete = (
        sum(1 for e in served if e.status == 200 and e.size >= file_size) + 1
    )  # + range-assembled
    truth.complete_from_ranges = 1
    truth.partial = len(served) - (truth.complete - 1)
    truth.revalidated = 1
    truth.refused_after_removal = 4
    truth.distinct_clients = len(clients_served)
    truth.clients_complete = len(clients_complete)
    truth.first_serve = min(e.time for e in served)
    truth.last_serve = max(e.time for e in served)
    truth.referrer_hosts = {"twitter.com": 4, "www.reddit.com": 4}
    truth.events = ev
    truth.total_lines = len(ev)
    return ev, truth


_MON = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def combined_line(e: Event) -> str:
    t = e.time
    ts = f"{t.day:02d}/{_MON[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0000"
    size = str(e.size) if e.size else "-"
    return (
        f'{e.ip} - - [{ts}] "{e.method} {quote(e.path)} HTTP/1.1" {e.status} {size} "{e.referrer}" "{e.ua}"'
    )


def w3c_lines(events: Sequence[Event]) -> list[str]:
    out = [
        "#Software: Microsoft Internet Information Services 10.0",
        "#Version: 1.0",
        "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
        "cs(Referer) sc-status sc-substatus sc-win32-status sc-bytes time-taken",
    ]
    for e in events:
        out.append(
            f"{e.time:%Y-%m-%d %H:%M:%S} 10.0.0.5 {e.method} {quote(e.path)} - 443 - {e.ip} "
            f"{e.ua.replace(' ', '+')} {e.referrer} {e.status} 0 0 {e.size} 31"
        )
    return out


CLOUDFRONT_FIELDS = (
    "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) "
    "cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol "
    "cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type "
    "cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte "
    "x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end"
)


def cloudfront_lines(events: Sequence[Event]) -> list[str]:
    out = ["#Version: 1.0", "#Fields: " + CLOUDFRONT_FIELDS]
    for e in events:
        rs, re_ = e.range.split("-") if e.range else ("-", "-")
        out.append(
            "\t".join(
                [
                    f"{e.time:%Y-%m-%d}", f"{e.time:%H:%M:%S}", "IAD89-C1", str(e.size), e.ip, e.method,
                    "d111111abcdef8.cloudfront.net", quote(e.path), str(e.status),
                    quote(e.referrer, safe=":/") if e.referrer != "-" else "-", quote(e.ua, safe=""), "-", "-",  # noqa: E501
                    "Miss", "abc==", "www.example.gov", "https", "200", "0.1", "-", "TLSv1.3",
                    "TLS_AES_128_GCM_SHA256", "Miss", "HTTP/2.0", "-", "-", "50000", "0.05", "Miss",
                    "application/vnd.ms-excel", str(e.size), rs, re_,
                ]
            )
        )  # fmt: skip
    return out


def json_lines(events: Sequence[Event]) -> list[str]:
    return [
        json.dumps(
            {
                "time": e.time.isoformat(),
                "remote_addr": e.ip,
                "request": f"{e.method} {quote(e.path)} HTTP/1.1",
                "status": e.status,
                "body_bytes_sent": e.size,
                "http_referer": e.referrer,
                "http_user_agent": e.ua,
                "http_range": f"bytes={e.range}" if e.range else "",
            }
        )
        for e in events
    ]


def render(events: Sequence[Event], fmt: str) -> list[str]:
    if fmt == "combined":
        return [combined_line(e) for e in events]
    if fmt == "w3c":
        return w3c_lines(events)
    if fmt == "cloudfront":
        return cloudfront_lines(events)
    if fmt == "jsonl":
        return json_lines(events)
    raise ValueError(fmt)


def make_access_logs(
    directory: str | Path,
    *,
    url: str,
    file_size: int,
    t0: dt.datetime,
    t1: dt.datetime,
    seed: int = 3,
    fmt: str = "combined",
    noise: int = 400,
) -> tuple[list[Path], LogTruth]:
    """Rotated logs, oldest compressed: access.log.2.gz, access.log.1, access.log."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    events, truth = make_events(url=url, file_size=file_size, t0=t0, t1=t1, seed=seed, noise=noise)
    thirds = [
        events[: len(events) // 3],
        events[len(events) // 3 : 2 * len(events) // 3],
        events[2 * len(events) // 3 :],
    ]
    paths = [d / "access.log.2.gz", d / "access.log.1", d / "access.log"]
    for p, chunk in zip(paths, thirds):
        data = ("\n".join(render(chunk, fmt)) + "\n").encode("utf-8")
        if p.suffix == ".gz":
            p.write_bytes(gzip.compress(data, mtime=0))
        else:
            p.write_bytes(data)
    return paths, truth
