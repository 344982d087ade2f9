"""The only module that wires the stages: sources -> extractors -> detectors -> assess -> policy.

Everything that touches the clock (per-file time budget, the reference year for plausible ages)
lives here, so the stages stay pure.
"""

from __future__ import annotations

import datetime as _dt
import gc
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from clearance import formats
from clearance.assess import Assessor
from clearance.config.loader import Config, load_config
from clearance.model import (
    Assessment,
    Document,
    FileReport,
    Location,
    Note,
    PolicyInfo,
    Problem,
    ScanReport,
    Segment,
    Span,
    Table,
    Unscannable,
    Verdict,
)
from clearance.plugins import ExtractContext, Extractor, TableDetector, TextDetector
from clearance.policy import decide
from clearance.registry import Registry
from clearance.sources.filesystem import walk

TOOL_VERSION = "0.1.0"

# Media types that have a name a publisher recognises, for "no extractor for ..." reasons.
_FRIENDLY = {
    formats.PDF: "PDF documents",
    formats.DOCX: "Word documents",
    formats.PPTX: "PowerPoint presentations",
    formats.ODT: "OpenDocument text",
    formats.OLE: "legacy Office files",
    "application/msword": "legacy Word documents",
    "application/vnd.ms-powerpoint": "legacy PowerPoint presentations",
}


@dataclass
class Scanner:
    """A configured pipeline: extractor and detector instances built once, reused per file."""

    config: Config
    extractors: dict[str, Extractor]
    text_detectors: list[TextDetector]
    table_detectors: list[TableDetector]

    @classmethod
    def build(
        cls,
        config: Config | None = None,
        registry: Registry | None = None,
        *,
        reference_year: int | None = None,
    ) -> Scanner:
        config = config or load_config()
        registry = registry or Registry.default()
        year = reference_year or _dt.date.today().year
        extractors: dict[str, Extractor] = {}
        for name in registry.names("extractors"):
            ex = registry.get("extractors", name)()
            for mt in ex.media_types:
                extractors.setdefault(mt, ex)
        text: list[TextDetector] = []
        tables: list[TableDetector] = []
        for name in registry.active("detectors", config.scan.enable):
            det = registry.get("detectors", name)(config.rules, year)
            if hasattr(det, "detect_table"):
                tables.append(det)
            if hasattr(det, "detect"):
                text.append(det)
        return cls(config, extractors, text, tables)

    # -- one file ---------------------------------------------------------------------------
    def scan_document(self, doc: Document) -> FileReport:
        limits = self.config.scan.limits
        deadline = time.monotonic() + limits.max_seconds
        assessor = Assessor(
            key=self.config.fingerprint_key,
            path=doc.path,
            limits=limits,
            allow_fingerprints=self.config.policy.allow_fingerprints,
            reveal=self.config.scan.reveal,
        )
        try:
            with _cyclic_gc_paused(doc.media_type in _ACYCLIC):
                assessment = self._assess(doc, deadline, assessor)
        except Unscannable as exc:
            return _unscannable(doc.path, exc.reason, doc.sha256, doc.media_type, doc.size)
        except MemoryError:
            return _unscannable(
                doc.path, "ran out of memory while reading the file", doc.sha256, doc.media_type, doc.size
            )
        except Exception as exc:  # a parser bug must never turn into a pass or a crash
            return _unscannable(
                doc.path,
                f"could not be read ({type(exc).__name__} in the {doc.media_type} reader)",
                doc.sha256,
                doc.media_type,
                doc.size,
            )
        verdict, reasons, notes = decide(assessment, self.config.policy)
        return FileReport(
            path=doc.path,
            sha256=doc.sha256,
            media_type=doc.media_type,
            size=doc.size,
            verdict=verdict,
            people=assessment.people,
            categories=assessment.categories,
            reasons=reasons,
            findings=assessment.findings,
            notes=notes,
            tables=assessment.tables,
            people_exact=assessment.people_exact,
        )

    def _assess(self, doc: Document, deadline: float, assessor: Assessor) -> Assessment:
        for item in self._extract(doc, deadline):
            if isinstance(item, Table):
                for tdet in self.table_detectors:
                    for out in tdet.detect_table(item):
                        assessor.add(out)
            elif isinstance(item, Segment):
                for sdet in self.text_detectors:
                    for cand in sdet.detect(item):
                        assessor.add(cand)
            else:
                assessor.add(item)
        return assessor.finish()

    def _extract(self, doc: Document, deadline: float) -> Iterator[object]:
        """Run the extractor for ``doc``; recurse into child documents (embedded files, members).

        A child that cannot be inspected becomes a blocking note on its parent: the parent can
        then never pass.
        """
        limits = self.config.scan.limits
        extractor = self._extractor_for(doc)
        ctx = ExtractContext(limits)
        for item in extractor.extract(doc, ctx):
            if time.monotonic() > deadline:
                raise Unscannable(f"scanning took longer than the {limits.max_seconds:g} s limit", "timeout")
            if isinstance(item, Document):
                if item.media_type in _RESNIFF:
                    # An extractor sniffs from the head alone; a zip or compound file needs its
                    # member list to tell an embedded workbook from a plain archive.
                    with item.open() as fh:
                        item = replace(item, media_type=formats.sniff_file(fh, item.path))
                if item.depth > limits.max_depth:
                    yield _child_note(item, f"nested deeper than {limits.max_depth} levels")
                    continue
                try:
                    yield from self._extract(item, deadline)
                except Unscannable as exc:
                    yield _child_note(item, exc.reason)
            else:
                yield item

    def _extractor_for(self, doc: Document) -> Extractor:
        mt = doc.media_type
        if mt == formats.ENCRYPTED_OFFICE:
            raise Unscannable("file is encrypted (password-protected); it cannot be inspected", "encrypted")
        if mt == formats.EMPTY:
            raise Unscannable("file is empty; an empty upload is usually a failed export", "empty")
        ex = self.extractors.get(mt)
        if ex is None:
            what = _FRIENDLY.get(mt, f"'{mt}' files")
            raise Unscannable(f"no extractor for {what}: the content cannot be inspected", "format")
        return ex

    # -- many files ---------------------------------------------------------------------------
    def scan_item(self, item: Document | Problem) -> FileReport:
        """One item of any source: the hook every engine (this process, scale/ on Ray) calls, so
        that all engines give the same verdict for the same item. A Problem is unscannable."""
        if isinstance(item, Problem):
            return _unscannable(item.path, item.reason, item.sha256, formats.UNKNOWN, item.size)
        return self.scan_document(item)

    def scan_paths(self, paths: Sequence[str]) -> Iterator[FileReport]:
        scan = self.config.scan
        for item in walk(paths, ignore=scan.ignore, limits=scan.limits):
            yield self.scan_item(item)

    def report(self, files: Iterable[FileReport]) -> ScanReport:
        pol = self.config.policy
        return ScanReport(
            tool_version=TOOL_VERSION,
            policy=PolicyInfo(pol.name, self.config.policy_sha256, pol.version),
            files=tuple(files),
        )

    # -- prose ------------------------------------------------------------------------------
    def detect_text(self, text: str) -> list[Span]:
        seg = Segment(text=text, location=Location())
        seen: set[tuple[int, int, str]] = set()
        spans: list[Span] = []
        for det in self.text_detectors:
            for c in det.detect(seg):
                if c.start is None or c.end is None:
                    continue
                k = (c.start, c.end, c.entity)
                if k not in seen:
                    seen.add(k)
                    spans.append(Span(c.start, c.end, c.entity, c.score))
        spans.sort(key=lambda s: (s.start, s.end, s.entity))
        return spans


# Formats whose readers build no reference cycles (csv rows, calamine values, expat callbacks):
# for them the cyclic collector frees nothing that reference counting does not.
_ACYCLIC = frozenset({formats.CSV, formats.TSV, formats.TEXT, formats.NDJSON, formats.XLSX, formats.XLSM})


@contextmanager
def _cyclic_gc_paused(pause: bool) -> Iterator[None]:
    """The cyclic collector would only walk a large file's growing state (people index,
    sketches) again and again: about a third of the time of a large CSV. It is paused for one
    file of an acyclic format and restored as it was found."""
    enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _child_note(child: Document, reason: str) -> Note:
    return Note(
        code="embedded-unscannable",
        message=f"embedded part '{child.members[-1] if child.members else child.path}' could not be "
        f"inspected: {reason}",
        location=Location(members=child.members),
        visibility=child.visibility,
        blocking=True,
    )


def _unscannable(path: str, reason: str, sha256: str, media_type: str, size: int) -> FileReport:
    return FileReport(
        path=path,
        sha256=sha256,
        media_type=media_type,
        size=size,
        verdict=Verdict.UNSCANNABLE,
        people=0,
        categories=(),
        reasons=(f"Unscannable: {reason}",),
        findings=(),
        error=reason,
    )


_RESNIFF = frozenset({formats.ZIP, formats.OLE, formats.UNKNOWN})

_SCANNERS: dict[int, tuple[Config | None, Scanner]] = {}


def _scanner(config: Config | None, registry: Registry | None) -> Scanner:
    """Reuse one scanner per configuration object for the API (detector set-up is not free)."""
    if registry is not None:
        return Scanner.build(config, registry)
    key = id(config)
    cached = _SCANNERS.get(key)
    if cached is None or cached[0] is not config:
        cached = (config, Scanner.build(config))
        _SCANNERS[key] = cached
    return cached[1]


def scan(
    paths: Sequence[str],
    *,
    config: Config | None = None,
    registry: Registry | None = None,
    on_file: Callable[[FileReport], None] | None = None,
) -> ScanReport:
    scanner = _scanner(config, registry)
    files = []
    for fr in scanner.scan_paths(paths):
        files.append(fr)
        if on_file:
            on_file(fr)
    return scanner.report(files)


def detect_text(text: str, *, config: Config | None = None, registry: Registry | None = None) -> list[Span]:
    return _scanner(config, registry).detect_text(text)


__all__ = ["Scanner", "detect_text", "scan"]
