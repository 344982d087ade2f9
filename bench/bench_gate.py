"""Serve-time check under load: nginx (deploy/nginx/clearance-check.conf) + `clearance check-serve`.

A document root with N cleared and M uncleared files (SQLite store, recorded through the Gate
with the tests' fake scanner), nginx on a free loopback port, the check service as a subprocess,
and a bounded wrk run (Debian package ``wrk``) at a target rate: first cold (service just
started: empty hash and decision caches), then warm. Reported: achieved requests/s, latency
p50/p90/p99/max as wrk measures it (client -> nginx -> check -> file), the same for nginx's
auth subrequest alone, and the status codes per file class counted from nginx's access log:
**every request for an uncleared file must be a 403** (the script exits 1 otherwise).

wrk 4 has no rate option; the rate comes from a per-request delay on each connection
(connections x 1000 / delay_ms), so the achieved rate is a little below the target and is
reported as measured. All traffic goes to 127.0.0.1 and is bounded by --duration.

    /work/venv/bin/python bench/bench_gate.py [--cleared 1000] [--uncleared 100] [--rate 2000]
        [--duration 15] [--connections 20]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import _common

sys.path.insert(0, str(_common.TESTS_DIR))

LUA = r"""
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
math.randomseed(%(seed)d)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
delay = function() return %(delay_ms)d end
done = function(summary, latency, requests)
  local out = io.open("%(out)s", "w")
  out:write(string.format(
    '{"requests": %%d, "duration_us": %%d, "errors_connect": %%d, "errors_read": %%d, ' ..
    '"errors_timeout": %%d, "errors_status": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, ' ..
    '"p999_us": %%d, "max_us": %%d, "mean_us": %%f}',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.timeout, summary.errors.status, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
  out:close()
end
"""


def build_site(
    work: Path, n_cleared: int, n_uncleared: int, seed: int
) -> tuple[Path, Path, list[str], list[str]]:
    from pg import FakeScanner, config, make_gate, with_people

    rng = random.Random(seed)
    root, db = work / "www", work / "gate.db"
    gate, _scanner, _clock = make_gate(f"sqlite:///{db}")
    with_people(gate)
    scanner = FakeScanner(config())
    cleared, uncleared = [], []
    for i in range(n_cleared + n_uncleared):
        ok = i < n_cleared
        rel = f"{'stats' if ok else 'drafts'}/{i // 100:02d}/file{i:05d}.csv"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "\n".join(
            f"{rng.randrange(10**6)},{rng.randrange(10**6)}" for _ in range(rng.randrange(50, 400))
        )
        path.write_bytes((b"pass\n" if ok else b"review\n") + body.encode())
        gate.submit(path, "alice", scanner)
        (cleared if ok else uncleared).append("/" + rel)
    gate.store.close()
    return root, db, cleared, uncleared


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def start_check(root: Path, db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-c", "from clearance.cli.main import run; run()", "check-serve"]
    cmd += ["--root", str(root), "--db", f"sqlite:///{db}", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    wait_port(port)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_wrk(work: Path, url: str, paths: list[str], args: argparse.Namespace, label: str) -> dict[str, Any]:
    plist = work / "paths.txt"
    plist.write_text("\n".join(paths) + "\n")
    out = work / f"wrk-{label}.json"
    # each connection waits delay_ms after every response: rate ~ connections * 1000 / (delay + latency);
    # 1 ms is subtracted for the latency itself (measured ~1 ms at the median on loopback)
    delay_ms = max(1, round(args.connections * 1000 / args.rate) - 1)
    script = work / f"wrk-{label}.lua"
    script.write_text(LUA % {"paths": plist, "seed": args.seed, "delay_ms": delay_ms, "out": out})
    cmd = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s"]
    cmd += ["--timeout", "2s", "-s", str(script), url]
    subprocess.run(cmd, check=True, capture_output=True, timeout=args.duration + 30)
    result = json.loads(out.read_text())
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["delay_ms"] = delay_ms
    return result


def read_log(log: Path, cleared: set[str], uncleared: set[str]) -> dict[str, Any]:
    """Status codes per file class, bytes served for uncleared files, auth subrequest times."""
    per: dict[str, Counter[str]] = {"cleared": Counter(), "uncleared": Counter()}
    leaked_bytes = 0
    upstream: list[float] = []
    for line in log.read_text().splitlines():
        status, sent, _req_time, up, uri = line.split(" ", 4)
        uri = uri.strip('"')
        cls = "cleared" if uri in cleared else "uncleared" if uri in uncleared else None
        if cls is None:
            continue
        per[cls][status] += 1
        if cls == "uncleared" and status == "200":
            leaked_bytes += int(sent)
        for part in up.replace(",", " ").replace(":", " ").split():
            with contextlib.suppress(ValueError):
                upstream.append(float(part))
    log.write_text("")  # next phase starts empty (nginx keeps appending to the same inode)
    q = statistics.quantiles(upstream, n=1000) if len(upstream) > 10 else []
    return {
        "status": {k: dict(v) for k, v in per.items()},
        "uncleared_served": per["uncleared"].get("200", 0),
        "uncleared_bytes_served": leaked_bytes,
        "auth_subrequest_ms": {
            "count": len(upstream),
            "p50": q[499] * 1000 if q else None,
            "p99": q[989] * 1000 if q else None,
            "max": max(upstream) * 1000 if upstream else None,
        },
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cleared", type=int, default=1000)
    ap.add_argument("--uncleared", type=int, default=100)
    ap.add_argument("--rate", type=int, default=2000, help="target requests/s")
    ap.add_argument("--duration", type=int, default=15, help="seconds per phase (bounded)")
    ap.add_argument("--connections", type=int, default=24)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    from nginx import start_nginx

    work = Path(tempfile.mkdtemp(prefix="clearance-bench-gate-"))
    try:
        t0 = time.perf_counter()
        root, db, cleared, uncleared = build_site(work, args.cleared, args.uncleared, args.seed)
        setup_s = time.perf_counter() - t0
        time.sleep(1.1)  # past the hash cache's racy window for the files just written
        port = _free_port()
        check_log = work / "check.log"
        access = work / "nginx" / "access.log"
        web = start_nginx(
            work / "nginx",
            "clearance-check.conf",
            root=root,
            check_port=port,
            access_log=f"{access} clearance",
        )
        paths = cleared + uncleared
        phases: dict[str, Any] = {}
        proc = start_check(root, db, port, check_log)
        try:
            for label in ("cold", "warm"):
                access.write_text("")
                res = run_wrk(work, web.url(""), paths, args, label)
                res.update(read_log(access, set(cleared), set(uncleared)))
                phases[label] = res
        finally:
            stop(proc)
            web.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    for label, r in phases.items():
        a = r["auth_subrequest_ms"]
        rows.append(
            [
                label,
                f"{r['rps']:,.0f}",
                f"{r['p50_us'] / 1000:.2f}",
                f"{r['p90_us'] / 1000:.2f}",
                f"{r['p99_us'] / 1000:.2f}",
                f"{r['max_us'] / 1000:.1f}",
                "–" if a["p50"] is None else f"{a['p50']:.2f} / {a['p99']:.2f}",
                json.dumps(r["status"]["cleared"]),
                json.dumps(r["status"]["uncleared"]),
                r["uncleared_served"],
            ]
        )
    table = _common.markdown_table(
        [
            "phase",
            "req/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "check p50/p99 ms",
            "cleared: status",
            "uncleared: status",
            "uncleared served",
        ],
        rows,
    )
    head = (
        f"nginx check mode + clearance check-serve, {args.cleared:,} cleared + {args.uncleared:,} uncleared "
        f"files, target {args.rate:,} req/s, {args.connections} connections, {args.duration} s per phase; "
        f"{_common.machine_line()}"
    )
    text = f"{head}\n\n{table}"
    print(text)
    _common.write_markdown("bench_gate", text)
    path = _common.write_json(
        "bench_gate", {"args": vars(args), "setup_s": setup_s, "phases": phases, "nginx": _nginx_version()}
    )
    print(f"\nwrote {path}")
    leaks = sum(r["uncleared_served"] for r in phases.values())
    if leaks:
        print(f"FAIL: {leaks} uncleared responses were served", file=sys.stderr)
        return 1
    return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _nginx_version() -> str:
    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
    return (out.stderr or out.stdout).strip()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
