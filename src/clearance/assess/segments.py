"""Prose segments (and cells outside people tables): who, if anyone, a segment is about.

A name or personal ID with any other attribute in the same segment is a record of a person; a
name on its own is a mention (staff, officials, authors of a cited report); a personal ID on its
own is a lone direct identifier, worth a human look.

Public roles: a name in a sentence the roles detector marked (``public-role``: "Secretary",
"spokesperson", "said in a statement") is an official speaking as such. Officials stay mentions
whatever else the segment holds (the agency's press e-mail, the asylum policy they speak
about); only a date of birth or a personal ID number in the same sentence makes an official's
mention a record. Contact details in an official's sentence are the office's: mentions too.

Officials are known by name across the document: once "Secretary Alejandro Mayorkas" is named
in a role sentence, "said Mayorkas" elsewhere is the same official (``official_names``). A name
that starts in a role sentence is an official's even when the sentence splitter cut it
("Joseph V. Cuffari"). Authors ("Author:", "prepared by") and cited authors (a reference-list
entry) are role sentences too (config/defaults/rules/authorship.toml).

Organisations' contact details: a functional mailbox ("press@", "ois@hq.dhs.gov", see
contacts.py) is an office's, never the attribute of a name beside it; in a segment that names no
private individual, the phone numbers and addresses that come with it are the office's too.
They are mentions, which the assessor reports in a note.

Short documents (a letter, a memo): the name and the details often sit in different paragraphs
("Re: Maria Lopez" ... "born 3 March 1987" ... "A-number ..."). When a short document names
a private individual only in passing and holds identifying details or special-category terms
that no name claimed, they are about that individual (``plan_document``). Only a document that
names exactly one private individual and identifies no one yet is paired: with two names, or a
report whose paragraphs already pair names and details, nothing says whom a detail is about.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from clearance.fingerprint import normalise
from clearance.model import Candidate

from .contacts import is_functional_mailbox, name_tokens
from .vocab import (
    DATE_OF_BIRTH,
    EMAIL,
    KIND_LONE,
    KIND_MENTION,
    KIND_RECORD,
    NAME_ENTITIES,
    PERSON_NAME,
    PERSONAL_IDS,
    PUBLIC_ROLE,
    STRONG_IDS,
)

# Details that make an official's mention a record when in the same sentence.
_OFFICIAL_RECORD = STRONG_IDS | {DATE_OF_BIRTH}
# Details that identify the subject of a short document wherever they sit in it: the strong ones
# always, contact details (an e-mail, a phone) only where no official is spoken of.
IDENTIFYING_DETAILS = PERSONAL_IDS | {DATE_OF_BIRTH, "street-address"}
STRONG_DETAILS = STRONG_IDS | {DATE_OF_BIRTH, "street-address"}
# Segment roles of running text (paragraphs, PDF text blocks): what a letter is made of.
PROSE_ROLES = frozenset({"text"})
# A document of at most this many prose segments (paragraphs, PDF text blocks) is short enough
# to be about one person: a letter or a memo runs 5-30 paragraphs; a report naming many people
# runs to hundreds, where a detail in one paragraph says nothing about a name in another.
SHORT_DOCUMENT_SEGMENTS = 40
# Details an organisation gives with its functional mailbox: its phone and postal address.
ORGANISATION_DETAILS = frozenset({"phone-number", "street-address"})
_WORD = re.compile(r"[^\W\d_]+")
# Officials' names, each as its lower-case word tokens ("alejandro", "mayorkas").
Officials = frozenset[frozenset[str]]


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
    officials: int = 0  # names seen in a public role
    contacts: int = 0  # an organisation's contact details (functional mailbox, its phone)


def _by_start(cands: list[Candidate]) -> list[Candidate]:
    return sorted(cands, key=lambda c: c.start if c.start is not None else 0)


def _within(c: Candidate, spans: list[tuple[int, int]]) -> bool:
    if c.start is None:
        return False
    end = c.end if c.end is not None else c.start
    return any(s <= c.start and end <= e for s, e in spans)


def _starts_within(c: Candidate, spans: list[tuple[int, int]]) -> bool:
    """A name that starts in a role sentence: "Joseph V. Cuffari" may run past a cut at "V."."""
    return c.start is not None and any(s <= c.start < e for s, e in spans)


def _tokens(value: str) -> frozenset[str]:
    return frozenset(t.lower() for t in _WORD.findall(value))


def official_names(segments: Iterable[list[Candidate]]) -> Officials:
    """Names introduced in a role sentence anywhere in these segments, as token sets."""
    out: set[frozenset[str]] = set()
    for cands in segments:
        roles = _role_spans(cands)
        if roles:
            out.update(
                t
                for c in cands
                if c.entity in NAME_ENTITIES and _starts_within(c, roles)
                if (t := _tokens(c.value))
            )
    return frozenset(out)


def _official_flags(cands: list[Candidate], roles: list[tuple[int, int]], officials: Officials) -> list[bool]:
    """Per candidate, whether it is an official's name: in a role sentence, or the name (or a
    part of it: "Mayorkas") of an official the document introduced with a role."""
    known = set(officials)
    flags = []
    for c in cands:
        if c.entity not in NAME_ENTITIES:
            flags.append(False)
        elif _starts_within(c, roles):
            flags.append(True)
            known.add(_tokens(c.value))
        else:
            flags.append(False)
    for i, c in enumerate(cands):
        if c.entity in NAME_ENTITIES and not flags[i]:
            tokens = _tokens(c.value)
            flags[i] = bool(tokens) and any(tokens <= k for k in known)
    return flags


def plan(cands: list[Candidate], officials: Officials = frozenset()) -> SegmentPlan:
    roles = _role_spans(cands)
    if roles or officials:
        official = _official_flags(cands, roles, officials)
        if any(official):
            return _plan_with_roles(cands, roles, official)
    return _plan(cands)


def _plan(cands: list[Candidate]) -> SegmentPlan:
    """A functional mailbox (and, when no one is named, the phone and address with it) is an
    organisation's contact: a mention; the rest is planned as usual (``_plan_people``)."""
    names = [c for c in cands if c.entity in NAME_ENTITIES]
    emails = [c for c in cands if c.entity == EMAIL]
    if not emails:
        return _plan_people(cands)
    beside = name_tokens(c.value for c in names)
    mailbox = {id(c) for c in emails if is_functional_mailbox(c.value, beside)}
    if not mailbox:
        return _plan_people(cands)
    contact = [id(c) in mailbox or (not names and c.entity in ORGANISATION_DETAILS) for c in cands]
    rest = [c for c, k in zip(cands, contact) if not k]
    sub = _plan_people(rest)
    kinds = iter(sub.kinds)
    out = SegmentPlan(people=sub.people, categories=sub.categories, contacts=sum(contact))
    out.kinds = [KIND_MENTION if k else next(kinds) for k in contact]
    return out


def _plan_people(cands: list[Candidate]) -> SegmentPlan:
    names = _by_start([c for c in cands if c.entity in NAME_ENTITIES])
    ids = _by_start([c for c in cands if c.entity in PERSONAL_IDS])
    others = [
        c
        for c in cands
        if c.entity not in NAME_ENTITIES and c.entity not in PERSONAL_IDS and c.entity != PUBLIC_ROLE
    ]
    dobs = _by_start([c for c in others if c.entity == DATE_OF_BIRTH])
    out = SegmentPlan()
    if (names and (ids or others)) or (ids and others):
        out.kinds = [None if c.entity == PUBLIC_ROLE else KIND_RECORD for c in cands]
        out.categories = {c.category for c in cands if c.category}
        out.people = _pair(names, ids, dobs)
    elif names:
        out.kinds = [KIND_MENTION if c.entity in NAME_ENTITIES else None for c in cands]
    elif ids:
        out.kinds = [KIND_LONE if c.entity in PERSONAL_IDS else None for c in cands]
    else:
        out.kinds = [None] * len(cands)  # a date or a category term alone describes no one
    return out


def _plan_with_roles(
    cands: list[Candidate], roles: list[tuple[int, int]], official: list[bool]
) -> SegmentPlan:
    """Names in a role sentence are officials: mentions, unless a DOB or ID number sits there."""
    in_role = [c.entity != PUBLIC_ROLE and (o or _within(c, roles)) for c, o in zip(cands, official)]
    strong = any(r and c.entity in _OFFICIAL_RECORD for c, r in zip(cands, in_role))
    if strong:
        return _plan(cands)  # an official's own identifiers: as usual
    private = [c for c, o in zip(cands, official) if not o]
    has_private_name = any(c.entity in NAME_ENTITIES for c in private)
    # Everything else in the officials' sentences is about the office (its contact details, the
    # policy spoken of) unless a private individual is named in the segment too.
    rest = [c for c, r in zip(cands, in_role) if not r or has_private_name]
    rest = [c for c in rest if c.entity != PUBLIC_ROLE]
    sub = _plan(rest)
    kinds_by_id = {id(c): k for c, k in zip(rest, sub.kinds)}
    out = SegmentPlan(
        people=sub.people, categories=sub.categories, officials=sum(official), contacts=sub.contacts
    )
    for c, o, r in zip(cands, official, in_role):
        if o:
            out.kinds.append(KIND_MENTION)
        elif id(c) in kinds_by_id:
            out.kinds.append(kinds_by_id[id(c)])
        elif r and c.entity in IDENTIFYING_DETAILS:
            out.kinds.append(KIND_MENTION)  # the office's phone or e-mail: said in a note
        else:
            out.kinds.append(None)
    return out


def plan_document(segments: Sequence[list[Candidate]], *, pair: bool = True) -> list[SegmentPlan]:
    """Plans for every prose segment of one document, pairing a short document's unclaimed
    details with its most-named private individual (see the module docstring)."""
    officials = official_names(segments)
    plans = [plan(cands, officials) for cands in segments]
    if not pair or len(segments) > SHORT_DOCUMENT_SEGMENTS or any(p.people for p in plans):
        return plans  # too long to be about one person, or someone is identified already
    named: Counter[str] = Counter()  # private individuals' names, mentioned or in records
    orphans: list[tuple[int, int]] = []  # (segment, candidate) of details no name claimed
    official_context = any(c.entity == PUBLIC_ROLE for cands in segments for c in cands)
    for s, (cands, p) in enumerate(zip(segments, plans)):
        if any(c.role not in PROSE_ROLES for c in cands):
            continue  # cells, metadata, captions: not the running text of a letter
        roles = _role_spans(cands)
        names = [c for c in cands if c.entity in NAME_ENTITIES]
        for c, o in zip(cands, _official_flags(cands, roles, officials)):
            if c.entity in NAME_ENTITIES and not o:
                named[normalise(PERSON_NAME, c.value)] += 1
        if names:
            continue
        for i, c in enumerate(cands):
            if p.kinds[i] in (None, KIND_LONE) and (
                c.entity in IDENTIFYING_DETAILS or (c.category and c.entity != PUBLIC_ROLE)
            ):
                orphans.append((s, i))
    # A letter or memo about one private individual: with two or more, nothing says whom a
    # detail in another paragraph is about. Contact details in a document that speaks of
    # officials are most likely the office's.
    if len(named) != 1:
        return plans
    orphans = [
        (s, i)
        for s, i in orphans
        if (c := segments[s][i]).entity in STRONG_DETAILS
        or (c.entity in IDENTIFYING_DETAILS and not official_context)
        or c.category
    ]
    if not orphans:
        return plans
    subject = named.most_common(1)[0][0]
    ids: list[tuple[str, str]] = []
    dob: str | None = None
    categories: set[str] = set()
    for s, i in orphans:
        c = segments[s][i]
        plans[s].kinds[i] = KIND_RECORD
        if c.entity in PERSONAL_IDS:
            ids.append((c.entity, c.value))
        elif c.entity == DATE_OF_BIRTH and dob is None:
            dob = c.value
        if c.category:
            categories.add(c.category)
    subject_name: str | None = None
    for cands, p in zip(segments, plans):
        for i, c in enumerate(cands):
            if c.entity in NAME_ENTITIES and normalise(PERSON_NAME, c.value) == subject:
                if p.kinds[i] == KIND_MENTION:
                    p.kinds[i] = KIND_RECORD
                subject_name = subject_name or c.value
    host = plans[orphans[0][0]]
    host.people.append(Person(name=subject_name, ids=tuple(ids), dob=dob))
    host.categories |= categories
    return plans


def _role_spans(cands: list[Candidate]) -> list[tuple[int, int]]:
    return [
        (c.start, c.end)
        for c in cands
        if c.entity == PUBLIC_ROLE and c.start is not None and c.end is not None
    ]


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
