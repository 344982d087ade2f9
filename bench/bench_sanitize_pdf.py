"""Benchmark: true PDF redaction over a 200-page report.

Generates (reportlab) a PDF with a name and a date of birth on every line block of every page
and fake-redaction black boxes drawn over some names, plans one region per name (what the
scan's findings give: page + bbox), and times ``PdfSanitizer.sanitize``: median of 3 runs,
pages per second, peak memory (tracemalloc for Python objects; ru_maxrss for the process,
which includes qpdf's and pdfminer's native memory). Then checks that no redacted name can be
extracted any more (pdfminer).

    /work/venv/bin/python bench/bench_sanitize_pdf.py [--pages 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import time
import tracemalloc

PAGE_H = 792.0
LINES_PER_PAGE = 30
FIRST = ["Ana", "Jorge", "Maria", "Luis", "Fatima", "Omar", "Wei", "Olga"]
LAST = ["Gomez", "Perez", "Haddad", "Nguyen", "Kowalski", "Osei", "Silva", "Ivanova"]


def make_pdf(pages: int) -> tuple[bytes, list[tuple[int, tuple[float, float, float, float]]], list[str]]:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(612, PAGE_H))
    regions: list[tuple[int, tuple[float, float, float, float]]] = []
    names: list[str] = []
    for p in range(1, pages + 1):
        c.setFont("Helvetica", 10)
        for i in range(LINES_PER_PAGE):
            y = 740 - i * 22
            name = f"{FIRST[(p + i) % 8]} {LAST[(p * 3 + i) % 8]}{p:03d}{i:02d}"
            prefix = f"Case {p}-{i}: "
            line = f"{prefix}{name}, born {1950 + (p + i) % 50}-0{1 + i % 9}-1{i % 9}, status pending."
            c.drawString(72, y, line)
            x0 = 72 + c.stringWidth(prefix, "Helvetica", 10)
            x1 = x0 + c.stringWidth(name, "Helvetica", 10)
            if i % 5 == 0:  # a fake redaction: black box over live text
                c.rect(x0, y - 2, x1 - x0, 11, fill=1)
            regions.append((p, (x0, PAGE_H - (y + 9), x1, PAGE_H - (y - 2))))
            names.append(name)
        c.showPage()
    c.save()
    return buf.getvalue(), regions, names


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    from clearance import formats
    from clearance.actions.sanitize.base import Action, ActionKind, Plan
    from clearance.actions.sanitize.pdf import PdfSanitizer
    from clearance.model import Location

    t0 = time.perf_counter()
    data, regions, names = make_pdf(args.pages)
    gen = time.perf_counter() - t0
    plan = Plan(
        "bench.pdf",
        formats.PDF,
        tuple(Action(ActionKind.REDACT_REGION, Location(page=p, bbox=b), "person-name") for p, b in regions),
    )
    times: list[float] = []
    out = b""
    peak_py = 0
    for _ in range(args.runs):  # timed runs: no tracing (tracemalloc slows pdfminer ~2x)
        buf = io.BytesIO()
        t = time.perf_counter()
        PdfSanitizer().sanitize(io.BytesIO(data), plan, buf)
        times.append(time.perf_counter() - t)
        out = buf.getvalue()
    tracemalloc.start()  # one more, untimed, for Python's peak
    PdfSanitizer().sanitize(io.BytesIO(data), plan, io.BytesIO())
    peak_py = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    from pdfminer.high_level import extract_text

    text = extract_text(io.BytesIO(out))
    leaked = sum(1 for n in names if n in text)
    kept = text.count("status pending.")
    med = statistics.median(times)
    rows = [
        ("pages", f"{args.pages}"),
        ("regions (names) redacted", f"{len(regions)}"),
        ("input size", f"{len(data) / 1e6:.2f} MB (generated in {gen:.2f} s)"),
        ("output size", f"{len(out) / 1e6:.2f} MB"),
        (f"sanitize, median of {args.runs}", f"{med:.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})"),
        ("pages / s", f"{args.pages / med:.1f}"),
        ("peak Python memory (tracemalloc, 1 run)", f"{peak_py / 1e6:.1f} MB"),
        ("peak process RSS", f"{rss:.0f} MiB"),
        ("redacted names still extractable", f"{leaked} of {len(names)}"),
        ("neighbouring text kept (lines)", f"{kept} of {len(names)}"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
