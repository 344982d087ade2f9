"""Plugin protocols: one method each, plus class metadata. Plugins return frozen dataclasses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from clearance.config.loader import RuleSet
from clearance.config.schema import Limits
from clearance.model import (
    Candidate,
    ColumnCandidate,
    Document,
    Extracted,
    ScanReport,
    Segment,
    Table,
    TableProfile,
)


@dataclass(frozen=True)
class ExtractContext:
    """What an extractor may know: the limits. No clock, network or environment."""

    limits: Limits


@runtime_checkable
class Extractor(Protocol):
    """Document -> Segments / Tables / Notes / child Documents. No detection.

    Raise ``model.Unscannable`` when the file cannot be inspected (encrypted, corrupt, over a
    limit). Yield a blocking ``Note`` for a part that could not be inspected.
    """

    name: ClassVar[str]
    media_types: ClassVar[tuple[str, ...]]

    def extract(self, doc: Document, ctx: ExtractContext) -> Iterator[Extracted]: ...


@runtime_checkable
class TextDetector(Protocol):
    """Segment -> Candidates. No policy."""

    name: ClassVar[str]

    def detect(self, segment: Segment) -> Iterator[Candidate]: ...


@runtime_checkable
class TableDetector(Protocol):
    """Table chunk -> column classifications, profile and cell candidates. No policy."""

    name: ClassVar[str]

    def detect_table(self, table: Table) -> Iterator[ColumnCandidate | TableProfile | Candidate]: ...


class DetectorFactory(Protocol):
    def __call__(self, rules: RuleSet) -> TextDetector | TableDetector: ...


@runtime_checkable
class Reporter(Protocol):
    """ScanReport -> bytes. Pure."""

    name: ClassVar[str]

    def render(self, report: ScanReport, *, reveal: bool = False) -> bytes: ...
