"""Group hits into Findings: one per (rule, entity, visibility, part, sheet, column, origin).

A group keeps its distinct normalised values (in memory only, for the one keyed fingerprint
``build`` computes), the row span, up to ``MASKED_SAMPLE`` masked values and, only when reveal
was asked for, up to ``MAX_REVEALED`` raw values. Columns arrive whole (``add_column``): the
per-cell work is a set update, and only the few sampled values are ever masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress

from clearance.fingerprint import group_fingerprint, mask, sketch_hashes, sketch_key
from clearance.model import Finding, Identifier, Location, Visibility

from .ranges import column_span

MASKED_SAMPLE = 3  # enough to recognise the data in a review, few enough to stay short
# A finding keeps at most this many distinct values for its fingerprint; beyond it, the values
# with the smallest hashes (a bottom-k sketch: the same set gives the same k, whatever the order or
# chunking) stand for the whole group, so a 1 GB CSV is fingerprinted in bounded memory.
MAX_MEMBERS = 50_000
MAX_REVEALED = 100  # revealed values per finding: an investigator's sample, not a data dump
# Distinct values tried for the masked sample. Masks of some entities are mostly alike (a date
# keeps only its century), so looking further would mask thousands of values for nothing.
MASK_ATTEMPTS = 4 * MASKED_SAMPLE

# Origin of a group: ("table", table_key) for columns and cells, ("text", kind) for prose.
Origin = tuple[str, str]
GroupKey = tuple[str, str, Visibility, str | None, str | None, str | None, Origin, str]


@dataclass
class Group:
    rule: str
    entity: str
    visibility: Visibility
    location: Location  # fields common to every member so far
    column: str | None
    identifier: Identifier
    role: str
    score: float = 0.0
    count: int = 0
    category: str | None = None
    first_row: int | None = None
    last_row: int | None = None
    members: set[str] = field(default_factory=set)  # distinct normalised values (bottom-k when sketched)
    # Once members were cut to the MAX_MEMBERS smallest sketch keys: the CRC of the largest key
    # kept. A value whose CRC is above it can never enter the bottom-k, so it is not even added.
    cutoff: int | None = None
    masked: list[str] = field(default_factory=list)
    mask_attempts: int = 0
    revealed: list[str] = field(default_factory=list)

    def add(
        self,
        *,
        value: str,
        normalised: str,
        score: float,
        row: int | None,
        reveal: bool,
        category: str | None,
        location: Location | None = None,
    ) -> None:
        """One hit (prose, a lone cell)."""
        self._tally(len_=1, score=score, category=category, first=row, last=row)
        if location is not None and location != self.location:
            self.location = _common(self.location, location)
        if normalised in self.members:
            return
        self._sample(value, reveal)
        if self.cutoff is None or sketch_key(normalised)[0] <= self.cutoff:
            self.members.add(normalised)
            self._bound()

    def add_column(
        self,
        *,
        values: Sequence[str],
        normalised: Sequence[str],
        score: float,
        first_row: int | None,
        last_row: int | None,
        reveal: bool,
        category: str | None,
    ) -> None:
        """Many hits of one column at once; ``values`` in row order, ``normalised`` parallel."""
        if not values:
            return
        self._tally(len_=len(values), score=score, category=category, first=first_row, last=last_row)
        if self._sampling(reveal):
            new: set[str] = set()
            for value, norm in zip(values, normalised):  # first sightings, in row order
                if norm in self.members or norm in new:
                    continue
                new.add(norm)
                self._sample(value, reveal)
                if not self._sampling(reveal):
                    break
        if self.cutoff is None:
            self.members.update(normalised)
        else:
            self.members.update(compress(normalised, map(self.cutoff.__ge__, sketch_hashes(normalised))))
        self._bound()

    def _bound(self) -> None:
        """Keep memory bounded: past twice the cap, keep the MAX_MEMBERS smallest-key values."""
        if len(self.members) > 2 * MAX_MEMBERS:
            self.members, self.cutoff = _bottom_k(self.members)

    def _tally(
        self, *, len_: int, score: float, category: str | None, first: int | None, last: int | None
    ) -> None:
        self.count += len_
        self.score = max(self.score, score)
        self.category = self.category or category
        if first is not None:
            self.first_row = first if self.first_row is None else min(self.first_row, first)
        if last is not None:
            self.last_row = last if self.last_row is None else max(self.last_row, last)

    def _sampling(self, reveal: bool) -> bool:
        """Whether a new value could still go into the masked or the revealed sample."""
        masking = len(self.masked) < MASKED_SAMPLE and self.mask_attempts < MASK_ATTEMPTS
        return masking or (reveal and len(self.revealed) < MAX_REVEALED)

    def _sample(self, value: str, reveal: bool) -> None:
        """A value seen for the first time: mask it into the sample while the sample has room."""
        if len(self.masked) < MASKED_SAMPLE and self.mask_attempts < MASK_ATTEMPTS:
            self.mask_attempts += 1
            masked = mask(self.entity, value)
            if masked not in self.masked:  # two masks alike say nothing more than one
                self.masked.append(masked)
        if reveal and len(self.revealed) < MAX_REVEALED:
            self.revealed.append(value)

    def _fingerprint_members(self) -> set[str]:
        if self.cutoff is None and len(self.members) <= MAX_MEMBERS:
            return self.members
        kept, _ = _bottom_k(self.members)
        return {"\0bottom-k", *kept}  # marked: a sketch never equals an exact set

    def build(self, key: bytes, path: str, kind: str) -> Finding:
        location = self.location
        if self.column and self.first_row is not None and self.last_row is not None:
            span = column_span(self.column, self.first_row, self.last_row)
            location = Location(
                part=location.part,
                sheet=location.sheet,
                range=span,
                field=location.field,
                members=location.members,
                page=location.page,
                bbox=location.bbox,
            )
        sample = ", ".join(self.masked)
        if self.count > len(self.masked):
            sample += ", ..."
        return Finding(
            rule=self.rule,
            entity=self.entity,
            visibility=self.visibility,
            location=location,
            count=self.count,
            masked=sample,
            fingerprint=group_fingerprint(key, self.rule, self.entity, path, self._fingerprint_members()),
            identifier=self.identifier,
            score=round(self.score, 3),
            category=self.category,
            role=self.role,
            kind=kind,
            revealed=tuple(self.revealed),
        )


def _bottom_k(values: set[str]) -> tuple[set[str], int]:
    """The MAX_MEMBERS values with the smallest ``sketch_key``, and the CRC of the largest kept.

    Selected on the CRCs alone (ints, at C speed); only values tied on the cut-off CRC are
    ordered by their full key."""
    items = list(values)
    crcs = sketch_hashes(items)
    if len(items) <= MAX_MEMBERS:
        return set(items), max(crcs, default=0)
    cutoff = sorted(crcs)[MAX_MEMBERS - 1]
    kept = set(compress(items, map(cutoff.__gt__, crcs)))
    tied = sorted(compress(items, map(cutoff.__eq__, crcs)))
    kept.update(tied[: MAX_MEMBERS - len(kept)])
    return kept, cutoff


def _common(a: Location, b: Location) -> Location:
    """The fields two locations share: a group of prose hits keeps only what is true of all."""
    return Location(
        part=a.part if a.part == b.part else None,
        sheet=a.sheet if a.sheet == b.sheet else None,
        range=a.range if a.range == b.range else None,
        row=a.row if a.row == b.row else None,
        column=a.column if a.column == b.column else None,
        field=a.field if a.field == b.field else None,
        page=a.page if a.page == b.page else None,
        members=a.members if a.members == b.members else (),
    )
