"""Prose segments (and cells outside people tables): who, if anyone, a segment is about.

A name or personal ID with any other attribute in the same segment is a record of a person; a
name on its own is a mention (staff, officials, authors of a cited report); a personal ID on its
own is a lone direct identifier, worth a human look.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from clearance.model import Candidate

from .vocab import (
    DATE_OF_BIRTH,
    KIND_LONE,
    KIND_MENTION,
    KIND_RECORD,
    NAME_ENTITIES,
    PERSONAL_IDS,
)


@dataclass(frozen=True)
class Person:
    """One person a segment describes: raw values, in memory only."""

    name: str | None
    ids: tuple[tuple[str, str], ...]  # (entity, value)
    dob: str | None


@dataclass
class SegmentPlan:
    kinds: list[str | None] = field(default_factory=list)  # per candidate; None: not reported
    people: list[Person] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)


def _by_start(cands: list[Candidate]) -> list[Candidate]:
    return sorted(cands, key=lambda c: c.start if c.start is not None else 0)


def plan(cands: list[Candidate]) -> SegmentPlan:
    names = _by_start([c for c in cands if c.entity in NAME_ENTITIES])
    ids = _by_start([c for c in cands if c.entity in PERSONAL_IDS])
    others = [c for c in cands if c.entity not in NAME_ENTITIES and c.entity not in PERSONAL_IDS]
    dobs = _by_start([c for c in others if c.entity == DATE_OF_BIRTH])
    out = SegmentPlan()
    if (names and (ids or others)) or (ids and others):
        out.kinds = [KIND_RECORD] * len(cands)
        out.categories = {c.category for c in cands if c.category}
        out.people = _pair(names, ids, dobs)
    elif names:
        out.kinds = [KIND_MENTION if c.entity in NAME_ENTITIES else None for c in cands]
    elif ids:
        out.kinds = [KIND_LONE if c.entity in PERSONAL_IDS else None for c in cands]
    else:
        out.kinds = [None] * len(cands)  # a date or a category term alone describes no one
    return out


def _pair(names: list[Candidate], ids: list[Candidate], dobs: list[Candidate]) -> list[Person]:
    """One name: everything is about that person. Several: pair them in reading order."""
    if len(names) <= 1:
        return [
            Person(
                name=names[0].value if names else None,
                ids=tuple((c.entity, c.value) for c in ids),
                dob=dobs[0].value if dobs else None,
            )
        ]
    people = []
    for i in range(max(len(names), len(ids))):
        people.append(
            Person(
                name=names[i].value if i < len(names) else None,
                ids=((ids[i].entity, ids[i].value),) if i < len(ids) else (),
                dob=dobs[i].value if i < len(dobs) else None,
            )
        )
    return people
