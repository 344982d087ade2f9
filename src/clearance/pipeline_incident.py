"""Pipeline-level helper for incidents: scan a leaked file once and hand every table column the
detectors classified to a sink, so ``clearance.incident.exposed`` can rebuild per-person records.

It wires the same stages as ``pipeline.Scanner`` (only pipeline-level code may): the scanner's
table detectors are wrapped in a tee that passes each output to the policy-bound assessor as
usual AND to the sink with the table it came from. One pass gives both the CONTRACTS file report
(the masked scan summary) and the raw column values, which stay in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from clearance.model import Candidate, ColumnCandidate, FileReport, Problem, Table, TableProfile
from clearance.pipeline import Scanner
from clearance.sources.filesystem import walk

TableItem = ColumnCandidate | TableProfile | Candidate
Sink = Callable[[Table, TableItem], None]


@dataclass
class _Tee:
    """A table detector that also reports each output (with its table) to ``sink``."""

    inner: object
    sink: Sink

    @property
    def name(self) -> str:
        return str(getattr(self.inner, "name", type(self.inner).__name__))

    def detect_table(self, table: Table) -> Iterator[TableItem]:
        for out in self.inner.detect_table(table):  # type: ignore[attr-defined]
            self.sink(table, out)
            yield out


class LeakedFileError(Exception):
    """The leaked file could not be read as a document."""


def scan_with_tables(scanner: Scanner, path: str | Path, sink: Sink) -> FileReport:
    """Scan ``path`` (one file) with ``scanner``; every table-detector output also goes to ``sink``."""
    limits = scanner.config.scan.limits
    docs = list(walk([str(path)], limits=limits))
    if len(docs) != 1:
        raise LeakedFileError(f"{path}: expected one file, found {len(docs)}")
    doc = docs[0]
    if isinstance(doc, Problem):
        raise LeakedFileError(f"{path}: {doc.reason}")
    teed = replace(scanner, table_detectors=[_Tee(d, sink) for d in scanner.table_detectors])
    return teed.scan_document(doc)


def check_report(body: bytes, name: str, scanner: Scanner | None = None) -> tuple[str, tuple[str, ...]]:
    """Scan a rendered report's bytes as if published: (verdict, reasons). Must be "pass"."""
    import tempfile

    sc = scanner or Scanner.build()
    with tempfile.TemporaryDirectory(prefix="clearance-report-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(body)
        reports = list(sc.scan_paths([str(path)]))
    if len(reports) != 1:
        return "unscannable", ("the report could not be scanned",)
    return reports[0].verdict.value, reports[0].reasons


__all__ = ["LeakedFileError", "Sink", "check_report", "scan_with_tables"]
