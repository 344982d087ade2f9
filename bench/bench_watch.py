"""Time to detect and load on the site, for ``clearance watch`` (bounded run, loopback only).

A local test site (tests/watch_site.py) serves N small documents (default 10,000) plus index
pages, sitemap.xml with <lastmod> and robots.txt. The watcher (default config: interval 20 s,
rate 5/s, concurrency 4, 25 revalidations per pass) makes a first full pass (baseline), then runs
its loop; at a random moment a leak-style workbook is dropped in. We measure:

* time to detect: from the moment the file is served to the moment the webhook receiver holds
  the signed alert;
* the load the watcher puts on the site in steady state: requests/s and bytes/s (server side),
  over the passes before the drop;
* the cost of the baseline pass.

    python bench/bench_watch.py [--docs 10000] [--interval 20] [--steady 60] [--people 6252]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from clearance.actions.store.repo import Store  # noqa: E402
from clearance.config.schema import WatchConfig  # noqa: E402
from clearance.pipeline import Scanner  # noqa: E402
from clearance.watch.alerts import Dispatcher, WebhookChannel  # noqa: E402
from clearance.watch.runner import Watcher  # noqa: E402
from generators.workbooks import make_leak_workbook  # noqa: E402
from watch_site import TestSite, small_csv  # noqa: E402


def receiver() -> tuple[ThreadingHTTPServer, list[float]]:
    got: list[float] = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            got.append(time.monotonic())
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--interval", type=float, default=WatchConfig().interval)
    ap.add_argument(
        "--steady", type=float, default=60.0, help="seconds of steady state before the drop window"
    )
    ap.add_argument("--people", type=int, default=6252)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    tmp = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    leak = make_leak_workbook(tmp / "leak.xlsx", n=a.people).read_bytes()
    site = TestSite(page_size=500).start()
    for i in range(a.docs):
        site.put(f"/docs/{i // 1000}/report-{i}.csv", small_csv(i))
    srv, got = receiver()
    store = Store.open(f"sqlite:///{tmp / 'watch.db'}")
    cfg = WatchConfig(sites=[site.url], interval=a.interval)
    scanner = Scanner.build()
    w = Watcher(
        cfg, scanner, store, Dispatcher([WebhookChannel(f"http://127.0.0.1:{srv.server_address[1]}/", "s")])
    )
    # baseline pass (everything new): not rate-limited in this bench only, so it takes minutes not hours
    w.source._limits.clear()
    base_rate = w.source.rate
    w.source.rate = 10_000.0
    t0 = time.monotonic()
    base = w.run_pass()
    base_s = time.monotonic() - t0
    w.source.rate = base_rate
    w.source._limits.clear()
    print(f"baseline: {base_s:.1f} s, {base.requests} requests, {base.scanned} scanned", file=sys.stderr)

    site.reset_counts()
    passes: list[float] = []
    stop = threading.Event()
    loop = threading.Thread(
        target=w.run, kwargs={"stop": stop, "on_pass": lambda s: passes.append(s.seconds)}
    )
    steady_start = time.monotonic()
    loop.start()
    time.sleep(a.steady)
    steady_end = time.monotonic()
    hits = [h for h in site.hits if steady_start <= h.at <= steady_end]
    req_s = len(hits) / (steady_end - steady_start)
    bytes_s = sum(h.bytes for h in hits) / (steady_end - steady_start)
    s304 = sum(1 for h in hits if h.status == 304)

    time.sleep(rng.uniform(0, a.interval))  # a random moment within a pass cycle
    dropped = time.monotonic()
    site.put("/docs/9/FY23_detentionStats.xlsx", leak)
    while not got and time.monotonic() - dropped < 180:
        time.sleep(0.05)
    ttd = (got[0] - dropped) if got else float("nan")
    stop.set()
    loop.join()
    w.close()
    store.close()
    site.stop()
    srv.shutdown()

    rows = [
        (
            "documents on the site",
            f"{a.docs:,} (+{len(range(0, a.docs, 500)) + 1} pages, sitemap, robots.txt)",
        ),
        ("interval / rate / concurrency", f"{cfg.interval:g} s / {cfg.rate:g} req/s / {cfg.concurrency}"),
        (
            "baseline pass (unthrottled)",
            f"{base_s:.1f} s, {base.requests:,} requests, {base.scanned:,} scans",
        ),
        ("steady state: requests/s", f"{req_s:.2f} ({s304 / max(1, len(hits)):.0%} are 304)"),
        ("steady state: bytes/s (bodies)", f"{bytes_s:,.0f}"),
        ("steady-state pass duration (median)", f"{statistics.median(passes or [0]):.2f} s"),
        ("leak workbook", f"{len(leak):,} bytes, {a.people:,} people in a hidden sheet"),
        ("time to detect (file served -> signed webhook)", f"{ttd:.1f} s"),
    ]
    out = io.StringIO()
    out.write("| measure | value |\n| --- | --- |\n")
    for k, v in rows:
        out.write(f"| {k} | {v} |\n")
    print(out.getvalue())


if __name__ == "__main__":
    main()
