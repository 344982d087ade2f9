"""Scan a Source with the local engine (this process) or on Ray, with the incremental cache.

The driver lists files (``Source.refs()``: no bytes read), asks the cache about them in batches,
and hands the rest out in batches of paths/URLs. Workers read and scan the files themselves; only
FileReports come back, as each batch completes (``ray.wait``), and are streamed to the caller,
which writes them to the JSON-lines / Parquet reports or keeps them for a terminal report. At
most ``workers * INFLIGHT_PER_WORKER`` batches are in flight, so the driver's memory does not
grow with the number of files.

Every engine turns a listed file into a report with ``open_ref`` + ``Scanner.scan_item``, the
same two calls the single-process engine makes: verdicts are the same byte for byte.

Ray: one task per batch. A task builds nothing itself: its worker process keeps one Sandbox (a
child process with the Scanner, built once; per-file timeout and memory limit, see sandbox.py)
in a module global, reused by every task that worker runs. A task whose worker dies is retried
by Ray (``max_retries=1``); a batch that fails twice is split into single-file tasks, and a file
whose task fails twice is unscannable, with the reason, and the run goes on.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from clearance.config.loader import Config
from clearance.model import FileReport, Problem
from clearance.pipeline import TOOL_VERSION, Scanner
from clearance.scale.cache import CHANGED, NEW, RESCANNED, UNCHANGED, ScanCache
from clearance.sources.protocol import Ref, Source, open_ref

BATCH_FILES = 64  # files per task: amortises task overhead (~1 ms) over ~64 x 5-50 ms of scanning
BATCH_BYTES = 64 * 1024**2  # ... but a batch of large files is cut early, to spread them out
INFLIGHT_PER_WORKER = 3  # batches queued per worker: keeps workers busy while results travel
LOOKUP_BATCH = 2000  # listed files asked of the cache at once


@dataclass
class Summary:
    """Counts for the report's ``summary`` object (an addition to CONTRACTS.md)."""

    files: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rescanned: int = 0
    scanned: int = 0  # files a worker read and scanned this run
    bytes_scanned: int = 0
    seconds: float = 0.0
    engine: str = "local"
    workers: int = 1

    def as_dict(self) -> dict[str, Any]:
        """Deterministic counts only (no timings): the JSON report stays reproducible."""
        return {
            "files": self.files,
            "new": self.new,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "rescanned": self.rescanned,
            "scanned": self.scanned,
        }


@dataclass
class EngineOptions:
    engine: str = "local"  # local | ray
    workers: int | None = None  # local Ray runtime size (default: all CPUs)
    address: str | None = None  # existing Ray cluster ("auto", "ray://host:10001", "host:6379")
    storage_options: dict[str, Any] = field(default_factory=dict)  # fsspec, e.g. endpoint_url
    file_timeout: float | None = None  # watchdog per file (default: Limits.max_seconds + grace)
    file_memory: int | None = None  # address space per file (default: sandbox.DEFAULT_MAX_MEMORY)
    sandbox_argv: list[str] | None = None  # the sandbox child's command (tests swap in faults)
    batch_files: int = BATCH_FILES


@dataclass
class _Pending:
    index: int
    ref: Ref
    prior: str | None  # sha256 last seen at this path
    stat_match: bool


def scan_source(
    scanner: Scanner,
    source: Source,
    options: EngineOptions,
    *,
    cache: ScanCache | None = None,
    summary: Summary | None = None,
    on_listed: Callable[[int], None] | None = None,
) -> Iterator[tuple[int, FileReport]]:
    """(listing index, FileReport) for every file of ``source``, in completion order."""
    summary = summary if summary is not None else Summary()
    summary.engine = options.engine
    start = time.monotonic()
    planned = _plan(scanner, source, cache, summary, on_listed)
    runner = None
    if options.engine == "ray":
        runner = _RayRunner(scanner.config, options)
        summary.workers = runner.workers
        results = runner.run(planned, options.batch_files)
    else:
        results = _run_local(scanner, planned, options)
    try:
        yield from _collect(results, summary, cache)
    finally:
        if runner is not None and runner.started:
            runner.ray.shutdown()
    summary.seconds = time.monotonic() - start


def _collect(
    results: Iterator[Any], summary: Summary, cache: ScanCache | None
) -> Iterator[tuple[int, FileReport]]:
    done: list[tuple[_Pending, FileReport]] = []
    for item in results:
        if isinstance(item[0], int):  # decided in the driver (cache hit, listing problem)
            yield item  # type: ignore[misc]
            continue
        pend, fr = item
        _count(summary, pend, fr)
        summary.scanned += 1
        summary.bytes_scanned += fr.size
        done.append((pend, fr))
        if cache is not None and len(done) >= LOOKUP_BATCH // 4:
            cache.record_many((p.ref, f) for p, f in done)
            done.clear()
        yield pend.index, fr
    if cache is not None and done:
        cache.record_many((p.ref, f) for p, f in done)


def _count(summary: Summary, pend: _Pending, fr: FileReport) -> None:
    if pend.prior is None:
        summary.new += 1
    elif fr.sha256 and fr.sha256 == pend.prior:
        summary.rescanned += 1
    else:
        summary.changed += 1


def _plan(
    scanner: Scanner,
    source: Source,
    cache: ScanCache | None,
    summary: Summary,
    on_listed: Callable[[int], None] | None,
) -> Iterator[tuple[int, FileReport] | _Pending]:
    """Cache hits and listing problems as (index, report); everything else as _Pending."""
    chunk: list[tuple[int, Ref]] = []

    def flush() -> Iterator[tuple[int, FileReport] | _Pending]:
        if cache is None:
            for i, ref in chunk:
                yield _Pending(i, ref, None, False)
        else:
            looks = cache.lookup_many([r for _, r in chunk])
            for (i, ref), look in zip(chunk, looks, strict=True):
                if look.report is not None:
                    summary.unchanged += 1
                    yield i, look.report
                else:
                    yield _Pending(i, ref, look.prior_sha256, look.stat_match)
        chunk.clear()

    n = 0
    for item in source.refs():
        summary.files += 1
        if isinstance(item, Problem):
            yield n, scanner.scan_item(item)
            summary.new += 1
        else:
            chunk.append((n, item))
            if len(chunk) >= LOOKUP_BATCH:
                yield from flush()
        n += 1
        if on_listed is not None and n % 1000 == 0:
            on_listed(n)
    yield from flush()
    if on_listed is not None:
        on_listed(n)


def _run_local(scanner: Scanner, planned: Iterator[Any], options: EngineOptions) -> Iterator[Any]:
    limits = scanner.config.scan.limits
    for item in planned:
        if isinstance(item, _Pending):
            yield item, scanner.scan_item(open_ref(item.ref, limits, options.storage_options))
        else:
            yield item


# -- Ray ------------------------------------------------------------------------------------------
_SANDBOXES: dict[str, Any] = {}  # per Ray worker process: config digest -> Sandbox


def _worker_scan(
    config_blob: bytes, digest: str, sandbox_kw: dict[str, Any], refs: list[Ref]
) -> list[FileReport]:
    """Runs in a Ray worker: scan ``refs`` in this worker's sandbox (built on first use)."""
    from clearance.scale.sandbox import Sandbox

    sb = _SANDBOXES.get(digest)
    if sb is None:
        for old in _SANDBOXES.values():
            old.close()
        _SANDBOXES.clear()
        sb = _SANDBOXES[digest] = Sandbox(pickle.loads(config_blob), **sandbox_kw)
    return [sb.scan(ref) for ref in refs]


class _RayRunner:
    def __init__(self, config: Config, options: EngineOptions) -> None:
        import ray

        self.ray = ray
        self.started = not ray.is_initialized()  # ours to shut down; a caller's runtime is left up
        if self.started:
            if options.address:
                ray.init(address=options.address, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(
                    num_cpus=options.workers or os.cpu_count() or 1,
                    include_dashboard=False,
                    log_to_driver=False,
                )
        self.workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
        if options.workers and not options.address:
            self.workers = min(self.workers, options.workers)
        blob = pickle.dumps(config)
        self.config_ref = ray.put(blob)
        self.sandbox_kw: dict[str, Any] = {"options": options.storage_options}
        if options.file_timeout is not None:
            self.sandbox_kw["timeout"] = options.file_timeout
        if options.file_memory is not None:
            self.sandbox_kw["max_memory"] = options.file_memory
        if options.sandbox_argv is not None:
            self.sandbox_kw["argv"] = options.sandbox_argv
        # A worker reuses its sandbox while the config and the sandbox settings stay the same.
        self.digest = hashlib.sha256(blob + repr(sorted(self.sandbox_kw.items())).encode()).hexdigest()
        self.task = ray.remote(num_cpus=1, max_retries=1, retry_exceptions=False)(_worker_scan)
        self.limit = self.workers * INFLIGHT_PER_WORKER

    def _submit(self, batch: list[_Pending]) -> Any:
        return self.task.remote(self.config_ref, self.digest, self.sandbox_kw, [p.ref for p in batch])

    def run(self, planned: Iterator[Any], batch_files: int) -> Iterator[Any]:
        ray = self.ray
        inflight: dict[Any, list[_Pending]] = {}
        batch: list[_Pending] = []
        batch_bytes = 0
        exhausted = False
        while True:
            while not exhausted and len(inflight) < self.limit:
                item = next(planned, None)
                if item is None:
                    exhausted = True
                    if batch:
                        inflight[self._submit(batch)] = batch
                        batch = []
                    break
                if not isinstance(item, _Pending):
                    yield item
                    continue
                batch.append(item)
                batch_bytes += item.ref.size
                if len(batch) >= batch_files or batch_bytes >= BATCH_BYTES:
                    inflight[self._submit(batch)] = batch
                    batch, batch_bytes = [], 0
            if not inflight:
                if exhausted:
                    return
                continue
            ready, _ = ray.wait(list(inflight), num_returns=1)
            for obj in ready:
                pend = inflight.pop(obj)
                try:
                    reports = ray.get(obj)
                except Exception as exc:  # the worker died twice running this batch
                    if len(pend) > 1:
                        for p in pend:  # find the file that did it: one task per file
                            inflight[self._submit([p])] = [p]
                        continue
                    from clearance.scale.sandbox import unscannable

                    reports = [
                        unscannable(
                            pend[0].ref,
                            f"the file crashed its scanning worker twice ({type(exc).__name__}); "
                            "it cannot be inspected",
                        )
                    ]
                yield from zip(pend, reports, strict=True)


__all__ = ["TOOL_VERSION", "EngineOptions", "Summary", "scan_source"]
# status names, re-exported for reporters of the summary
STATUSES = (NEW, CHANGED, UNCHANGED, RESCANNED)
