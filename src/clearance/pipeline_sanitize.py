"""Scan -> plan -> write -> re-scan: the step that makes a clean copy (STYLE.md habit 12).

This module wires stages (the scanner, the planner and a format's writer), so it sits at the
pipeline level, beside ``pipeline``. The writer never detects; the output is re-scanned with
every detector and hidden-content check, and only a PASS lets it reach ``out`` (written to a
temporary file in the same folder, ``os.replace``d on success; nothing is left on failure).

Passes: hidden person data is removed first; the output is re-scanned and what is still found
(visible person-level columns, typically) is planned from that re-scan, up to ``MAX_PASSES``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from clearance import formats
from clearance.actions.sanitize import CannotSanitize, Removal, SanitizeOptions, sanitizers
from clearance.actions.sanitize.plan import build_plan
from clearance.config.loader import Config, load_config
from clearance.model import Document, FileReport, Finding, Problem, Verdict
from clearance.pipeline import Scanner
from clearance.registry import Registry
from clearance.sources.filesystem import walk

# Hidden parts first, then what the re-scan still sees, then one more for anything a treatment
# exposed (an unhidden row). More passes than this means the plan is not converging: fail.
MAX_PASSES = 3


@dataclass(frozen=True)
class SanitizeResult:
    status: str  # "clean" | "not-clean" | "unsupported" | "unscannable"
    path: str
    out: str | None  # where the clean copy was written (None unless status == "clean")
    before: FileReport | None
    after: FileReport | None  # re-scan of the last output produced (written or not)
    removals: tuple[Removal, ...] = ()
    notes: tuple[str, ...] = ()
    reason: str = ""  # why it failed, masked values only
    passes: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "clean"

    @property
    def remaining(self) -> tuple[Finding, ...]:
        return self.after.findings if self.after is not None and self.status != "clean" else ()


def _document(data: bytes, display: str) -> Document:
    media_type = formats.sniff_file(io.BytesIO(data), display)
    return Document(
        path=display,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        media_type=media_type,
        open=lambda: io.BytesIO(data),
    )


def sanitize(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    config: Config | None = None,
    options: SanitizeOptions | None = None,
    registry: Registry | None = None,
    scanner: Scanner | None = None,
) -> SanitizeResult:
    config = config or load_config()
    scanner = scanner or Scanner.build(config, registry)
    options = options or SanitizeOptions()
    if not options.key:
        options = replace(options, key=config.fingerprint_key)
    if options.reference_year is None:
        options = replace(options, reference_year=_dt.date.today().year)
    display = str(path)
    out_path = Path(out)

    items = list(walk([display], ignore=(), limits=config.scan.limits))
    if len(items) != 1 or isinstance(items[0], Problem):
        reason = items[0].reason if items and isinstance(items[0], Problem) else "not a single readable file"
        return SanitizeResult("unscannable", display, None, None, None, reason=reason)
    doc = items[0]
    assert isinstance(doc, Document)
    before = scanner.scan_document(doc)
    if before.verdict is Verdict.UNSCANNABLE:
        return SanitizeResult(
            "unscannable", display, None, before, None, reason=before.error or "unscannable"
        )
    writer = sanitizers().get(doc.media_type)
    if writer is None:
        return SanitizeResult(
            "unsupported",
            display,
            None,
            before,
            None,
            reason=f"no sanitizer for '{doc.media_type}' files: a clean copy cannot be made",
        )
    with doc.open() as fh:
        data = fh.read()

    report, removals, notes = before, [], []
    after: FileReport | None = None
    passes = 0
    seen: set[tuple[str, ...]] = set()
    while passes < MAX_PASSES:
        passes += 1
        plan = build_plan(report, options, hygiene=passes == 1)
        buf = io.BytesIO()
        try:
            summary = writer.sanitize(io.BytesIO(data), plan, buf)
        except CannotSanitize as exc:
            return SanitizeResult(
                "not-clean",
                display,
                None,
                before,
                after,
                tuple(removals),
                tuple(notes),
                reason=str(exc),
                passes=passes,
            )
        except Exception as exc:  # a writer bug never yields a file
            return SanitizeResult(
                "not-clean",
                display,
                None,
                before,
                after,
                tuple(removals),
                tuple(notes),
                reason=f"the {doc.media_type} writer failed ({type(exc).__name__})",
                passes=passes,
            )
        removals.extend(summary.removals)
        notes.extend(n for n in summary.notes if n not in notes)
        data = buf.getvalue()
        after = scanner.scan_document(_document(data, f"{out_path.name} (sanitized)"))
        if after.verdict is Verdict.PASS:
            break
        state = tuple(sorted(f.fingerprint for f in after.findings)) or (after.verdict.value,)
        if after.verdict is Verdict.UNSCANNABLE or not after.findings or state in seen:
            break  # nothing more a plan can act on
        seen.add(state)
        report = after

    if after is None or after.verdict is not Verdict.PASS:
        why = "; ".join(after.reasons) if after is not None else "no output"
        return SanitizeResult(
            "not-clean",
            display,
            None,
            before,
            after,
            tuple(removals),
            tuple(notes),
            reason=f"the sanitized copy does not re-scan clean: {why}",
            passes=passes,
        )
    _write_atomically(out_path, data)
    return SanitizeResult(
        "clean", display, str(out_path), before, after, tuple(removals), tuple(notes), passes=passes
    )


def _write_atomically(out: Path, data: bytes) -> None:
    folder = out.parent if str(out.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


__all__ = ["MAX_PASSES", "SanitizeResult", "sanitize"]
