"""The incident report for oversight bodies, as HTML (with an inline SVG timeline) or PDF.

Pure: ``case.report_data`` gathers the figures (aggregates only; its decryption is audited),
this module renders them. What it shows: the file and its exposure window, how many people and
which fields, where in the file, downloads (complete / partial, distinct clients, crawlers and
archives, referrer hosts), the 15-minute timeline, where copies may persist with takedown
pointers, people by nationality / facility / case status with small cells suppressed (counts
below 10 shown as "<10"), actions taken and the audit trail. No name, date of birth, A-number
or IP address appears; the report is itself scanned before it is written (``cli``) and must pass.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from clearance.incident.case import SMALL_CELL, suppress

CHART_W, CHART_H = 760, 220
_PAD_L, _PAD_B, _PAD_T = 48, 36, 12


def _e(x: object) -> str:
    return html.escape("" if x is None else str(x))


def _n(x: object) -> str:
    return f"{x:,}" if isinstance(x, int) else _e(x if x is not None else "—")


# -- timeline ------------------------------------------------------------------------------------
def timeline_svg(
    timeline: Sequence[Mapping[str, Any]], *, width: int = CHART_W, height: int = CHART_H
) -> str:
    """Bars of requests per bin (served in dark, complete downloads marked), hand-written SVG."""
    if not timeline:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="40"><text x="4" y="24">No requests in the logs.</text></svg>'  # noqa: E501
    n = len(timeline)
    top = max(max(int(b["requests"]) for b in timeline), 1)
    plot_w, plot_h = width - _PAD_L - 8, height - _PAD_B - _PAD_T
    bw = plot_w / n
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '  # noqa: E501
        f'role="img" aria-label="Requests for the file over time">',
        f'<line x1="{_PAD_L}" y1="{_PAD_T + plot_h}" x2="{width - 8}" y2="{_PAD_T + plot_h}" stroke="#444"/>',
        f'<line x1="{_PAD_L}" y1="{_PAD_T}" x2="{_PAD_L}" y2="{_PAD_T + plot_h}" stroke="#444"/>',
        f'<text x="{_PAD_L - 4}" y="{_PAD_T + 8}" font-size="10" text-anchor="end">{top}</text>',
        f'<text x="{_PAD_L - 4}" y="{_PAD_T + plot_h}" font-size="10" text-anchor="end">0</text>',
    ]
    for i, b in enumerate(timeline):
        x = _PAD_L + i * bw
        for key, colour in (("requests", "#c9d3e0"), ("served", "#4a6fa5"), ("complete", "#b3261e")):
            v = int(b[key])
            if v:
                h = plot_h * v / top
                parts.append(
                    f'<rect x="{x:.2f}" y="{_PAD_T + plot_h - h:.2f}" width="{max(bw - 0.5, 0.5):.2f}" height="{h:.2f}" fill="{colour}"/>'  # noqa: E501
                )
    ticks = max(1, n // 6)
    for i in range(0, n, ticks):
        x = _PAD_L + i * bw
        label = str(timeline[i]["start"])[5:16].replace("T", " ")
        parts.append(f'<text x="{x:.1f}" y="{height - 20}" font-size="9">{_e(label)}</text>')
    minutes = timeline[0].get("minutes", 15)
    parts.append(
        f'<text x="{_PAD_L}" y="{height - 4}" font-size="10">Requests per {minutes} minutes (UTC): '
        "light = all requests, blue = served, red = complete downloads</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


# -- HTML --------------------------------------------------------------------------------------------
def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if isinstance(c, _Raw) else _e(c)}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


class _Raw(str):
    """Already-escaped HTML."""


def _counts(title: str, counts: Mapping[str, int], label: str) -> str:
    """Counts by a category, small cells suppressed and merged so no count below 10 shows."""
    rows: list[tuple[str, str]] = []
    small_total = 0
    small_groups = 0
    for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if v < SMALL_CELL:
            small_total += v
            small_groups += 1
            continue
        rows.append((k, suppress(v)))
    if small_groups:
        rows.append((f"{small_groups} other {label} (each fewer than {SMALL_CELL})", suppress(small_total)))
    return f"<h3>{_e(title)}</h3>" + _table((label.capitalize(), "People"), rows)


def _fmt_seconds(s: int | None) -> str:
    if not s:
        return "—"
    h, rem = divmod(int(s), 3600)
    return f"{h} h {rem // 60} min"


CSS = """
body{font-family:Helvetica,Arial,sans-serif;max-width:60rem;margin:2rem auto;color:#111;line-height:1.4}
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid #bbb;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}
th{background:#eef}.figure{font-size:1.6rem;font-weight:bold}.note{color:#555;font-size:.9rem}
code{font-size:.85rem}
"""


def render_html(d: Mapping[str, Any]) -> str:
    inc = d["incident"]
    exp = d.get("exposure")
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Incident report {_e(inc['id'])}</title><style>{CSS}</style></head><body>",
        f"<h1>Incident report: {_e(inc['title'])}</h1>",
        f"<p class='note'>Incident {_e(inc['id'])}, opened {_e(inc['created_at'])} by {_e(inc['created_by'])}; "  # noqa: E501
        f"report generated {_e(d['generated_at'])}. Figures only: no personal value of any exposed person "
        f"appears in this report; counts below {SMALL_CELL} are shown as &lt;{SMALL_CELL}.</p>",
        "<h2>Summary</h2>",
        _table(
            ("", ""),
            [
                ("People exposed (distinct)", f"{d['people']:,}"),
                ("Only in hidden parts of the file", f"{d['hidden_only']:,}"),
                ("File", inc["file_name"]),
                ("SHA-256", _Raw(f"<code>{_e(inc['file_sha256'])}</code>")),
                ("Size (bytes)", f"{inc['file_size']:,}"),
                ("Published at (URL)", ", ".join(inc["urls"])),
                ("Public from", inc["published_at"] or "unknown"),
                ("Public until", inc["removed_at"] or "unknown"),
                ("Source of these times", inc["times_source"]),
                ("Scanner verdict on the file", d["scan"]["verdict"]),
                ("Special categories", ", ".join(d["scan"]["categories"]) or "none"),
            ],
        ),
        "<h2>What was exposed</h2>",
        "<ul>" + "".join(f"<li>{_e(r)}</li>" for r in d["scan"]["reasons"]) + "</ul>",
        _table(("Field", "People"), [(k, suppress(v)) for k, v in d["fields"].items()]),
        _table(("Where in the file", "People"), [(k, suppress(v)) for k, v in d["visibilities"].items()]),
        "<h2>Who downloaded it</h2>",
    ]
    if exp:
        out.append(
            _table(
                ("", ""),
                [
                    ("Log lines read", _n(exp.get("log_lines"))),
                    ("Requests for the file", _n(exp["requests"])),
                    ("Responses that served bytes", _n(exp["served"])),
                    ("Complete downloads", _n(exp["complete_downloads"])),
                    ("… of which assembled from range requests", _n(exp["complete_from_ranges"])),
                    ("Partial responses", _n(exp["partial_responses"])),
                    ("Revalidations (304: the client already had it)", _n(exp["revalidated_304"])),
                    ("Distinct clients (by address)", _n(exp["distinct_clients"])),
                    ("Clients holding a complete copy", _n(exp["clients_with_complete_copy"])),
                    ("… not known crawlers", _n(exp["other_clients_with_complete_copy"])),
                    ("First served", exp["first_serve"] or "—"),
                    ("Last served", exp["last_serve"] or "—"),
                    ("First complete download", exp["first_complete"] or "—"),
                    ("Requests refused after removal", _n(exp["refused_after_removal"])),
                ],
            )
        )
        out.append(
            "<p class='note'>Clients are counted by network address: one address can hide many people "
            "(offices, mobile networks) and one person can use several, so the count is an estimate. "
            "Addresses are not shown; they are kept only as keyed hashes.</p>"
        )
        out.append("<h3>Timeline</h3>" + timeline_svg(exp["timeline"]))
        if exp["crawlers"]:
            out.append("<h3>Crawlers, archives and automated clients</h3>")
            out.append(
                _table(
                    ("Client", "Kind", "Requests", "Served", "Complete", "Unverified claims"),
                    [
                        (
                            c["name"],
                            c["kind"],
                            c["requests"],
                            c["served"],
                            c["complete"],
                            c["unverified_requests"],
                        )
                        for c in exp["crawlers"]
                    ],
                )
            )
        if exp["referrer_hosts"]:
            out.append("<h3>Where the link was followed from (referrer hosts)</h3>")
            out.append(_table(("Host", "Requests"), list(exp["referrer_hosts"].items())))
        if exp.get("other_url_copies"):
            out.append("<h3>The same bytes served at other addresses</h3>")
            out.append(_table(("Path", "Complete downloads"), list(exp["other_url_copies"].items())))
        out.append("<h3>Where copies may persist</h3>")
        rows = [
            (p["where"], p["via"], "yes" if p["complete"] else "partial", p["takedown"])
            for p in exp["persists"]
        ]
        rows += [(c["name"], "check", "unknown", c["takedown"]) for c in exp["checks"]]
        out.append(_table(("Where", "Seen fetching", "Complete copy", "Takedown"), rows))
    else:
        out.append("<p>No web-server logs have been analysed for this incident yet.</p>")
    out.append("<h2>People exposed, in aggregate</h2>")
    out.append(_counts("By nationality", d["by_nationality"], "nationalities"))
    out.append(_counts("By facility", d["by_facility"], "facilities"))
    out.append(_counts("By case status", d["by_case_status"], "statuses"))
    if d.get("followup"):
        out.append(
            _table(("Follow-up status", "People"), [(k, suppress(v)) for k, v in d["followup"].items()])
        )
    out.append("<h2>Actions taken</h2>")
    out.append(
        _table(
            ("When (UTC)", "By", "Action", "Description"),
            [(a["at"], a["actor"], a["kind"], a["description"]) for a in d["actions"]],
        )
    )
    out.append("<h2>Audit trail</h2>")
    out.append(
        "<p class='note'>Entries of the hash-chained audit log about this file. Each hash covers the "
        "previous one; `clearance audit verify` re-checks the chain.</p>"
    )
    out.append(
        _table(
            ("Seq", "When (UTC)", "By", "Action", "Hash"),
            [
                (e["seq"], e["at"][:19], e["actor"], e["action"], _Raw(f"<code>{_e(e['hash'][:16])}…</code>"))
                for e in d["audit"]
            ],
        )
    )
    out.append("</body></html>")
    return "\n".join(out)


# -- PDF ----------------------------------------------------------------------------------------------
def render_pdf(d: Mapping[str, Any]) -> bytes:
    """The same content as a PDF (reportlab, BSD). Charts drawn as vector bars."""
    import io

    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    inc = d["incident"]
    exp = d.get("exposure")
    story: list[Any] = []

    def para(text: str, style: str = "BodyText") -> None:
        story.append(Paragraph(_e(text), styles[style]))

    def table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        data = [list(head)] + [[Paragraph(_e(c), styles["BodyText"]) for c in r] for r in rows]
        t = Table(data, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeff")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(t)
        story.append(Spacer(1, 8))

    def counts(title: str, c: Mapping[str, int], label: str) -> None:
        para(title, "Heading3")
        rows, small, groups = [], 0, 0
        for k, v in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])):
            if v < SMALL_CELL:
                small, groups = small + v, groups + 1
            else:
                rows.append((k, suppress(v)))
        if groups:
            rows.append((f"{groups} other {label} (each fewer than {SMALL_CELL})", suppress(small)))
        table((label.capitalize(), "People"), rows)

    para(f"Incident report: {inc['title']}", "Title")
    para(
        f"Incident {inc['id']}, opened {inc['created_at']} by {inc['created_by']}; generated {d['generated_at']}. "  # noqa: E501
        f"Figures only; counts below {SMALL_CELL} shown as <{SMALL_CELL}."
    )
    para("Summary", "Heading2")
    table(
        ("", ""),
        [
            ("People exposed (distinct)", f"{d['people']:,}"),
            ("Only in hidden parts", f"{d['hidden_only']:,}"),
            ("File", inc["file_name"]),
            ("SHA-256", inc["file_sha256"]),
            ("URL", ", ".join(inc["urls"])),
            ("Public from", inc["published_at"] or "unknown"),
            ("Public until", inc["removed_at"] or "unknown"),
            ("Times from", inc["times_source"]),
        ],
    )
    para("What was exposed", "Heading2")
    for r in d["scan"]["reasons"]:
        para(r)
    table(("Field", "People"), [(k, suppress(v)) for k, v in d["fields"].items()])
    para("Who downloaded it", "Heading2")
    if exp:
        table(
            ("", ""),
            [
                ("Requests for the file", _n(exp["requests"])),
                ("Complete downloads", _n(exp["complete_downloads"])),
                ("Partial responses", _n(exp["partial_responses"])),
                ("Distinct clients (by address)", _n(exp["distinct_clients"])),
                ("Clients holding a complete copy", _n(exp["clients_with_complete_copy"])),
                ("First served", exp["first_serve"] or "-"),
                ("Last served", exp["last_serve"] or "-"),
            ],
        )
        tl = exp["timeline"]
        if tl:
            w, h = 480, 160
            dr = Drawing(w, h + 20)
            top = max(max(int(b["requests"]) for b in tl), 1)
            bw = (w - 30) / len(tl)
            dr.add(Line(30, 10, w, 10))
            for i, b in enumerate(tl):
                for key, col in (("requests", "#c9d3e0"), ("served", "#4a6fa5"), ("complete", "#b3261e")):
                    v = int(b[key])
                    if v:
                        dr.add(
                            Rect(
                                30 + i * bw,
                                10,
                                max(bw - 0.3, 0.3),
                                (h - 10) * v / top,
                                fillColor=colors.HexColor(col),
                                strokeColor=None,
                            )
                        )
            dr.add(String(0, h, str(top), fontSize=8))
            dr.add(
                String(
                    30,
                    h + 8,
                    f"Requests per {tl[0].get('minutes', 15)} min from {tl[0]['start']} (UTC)",
                    fontSize=8,
                )
            )
            story.append(dr)
        if exp["crawlers"]:
            para("Crawlers and archives", "Heading3")
            table(
                ("Client", "Kind", "Requests", "Complete"),
                [(c["name"], c["kind"], c["requests"], c["complete"]) for c in exp["crawlers"]],
            )
        if exp["referrer_hosts"]:
            table(("Referrer host", "Requests"), list(exp["referrer_hosts"].items()))
        para("Where copies may persist", "Heading3")
        rows = [(p["where"], p["takedown"]) for p in exp["persists"]] + [
            (c["name"], c["takedown"]) for c in exp["checks"]
        ]
        table(("Where", "Takedown"), rows)
    else:
        para("No web-server logs analysed yet.")
    para("People exposed, in aggregate", "Heading2")
    counts("By nationality", d["by_nationality"], "nationalities")
    counts("By facility", d["by_facility"], "facilities")
    counts("By case status", d["by_case_status"], "statuses")
    para("Actions taken", "Heading2")
    table(
        ("When", "By", "Action", "Description"),
        [(a["at"], a["actor"], a["kind"], a["description"]) for a in d["actions"]],
    )
    para("Audit trail", "Heading2")
    table(
        ("Seq", "When", "By", "Action", "Hash"),
        [(e["seq"], e["at"][:19], e["actor"], e["action"], e["hash"][:16]) for e in d["audit"]],
    )
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf, pagesize=A4, title=f"Incident report {inc['id']}", author="clearance", invariant=1
    ).build(story)
    return buf.getvalue()
