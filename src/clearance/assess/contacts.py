"""Organisations' contact details: functional mailboxes, and what comes with them.

Every press release and report gives an office's e-mail ("press@", "foia@",
"detention.reporting@", "ois@hq.dhs.gov"), phone and postal address. Those are an
organisation's, not a person's: reported as notes, never as a record of someone. A mailbox is
functional when its local part splits (on ``. _ - +`` and digits, compounds like
"publicaffairs" too) into office words only (config/defaults/organisations.toml, [mailbox]),
or into office words and acronyms on an institutional domain (.gov, .mil, .edu, ...). Any other
token makes it a person's: "maria.lopez@", "jsmith@", "mlopez2@" are people, and so is a
mailbox one of whose tokens is a token or the initials of a name found beside it ("ana@" next
to "Ana Ruiz"). On an institutional domain a mailbox of office words may carry one more token,
a place or an acronym ("arlington.asylum@uscis.dhs.gov"). Decisions use the value in memory
only and never log it.

A bibliography is not a list of people either: a table column headed "Author" whose values are
in citation form ("Hernandez, M.", "Nguyen, T. T.") names the authors of cited works
(``is_author_header``, ``is_citation_name``).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

_SPLIT = re.compile(r"[._+\-\d]+")
_LETTERS = re.compile(r"[a-z]+")
_MAX_COMPOUND = 4  # "publicaffairsoffice": at most this many words glued together


# "Surname, I." / "Surname Other, I. J." / "Surname, I., & Other, J." / "Surname, I. et al."
_CITATION_NAME = re.compile(
    r"[^\W\d_][\w'’ -]*,\s*(?:[^\W\d_]\.\s*-?\s*)+(?:(?:,|&|\band\b|\bet al\b\.?)\s*.*)?", re.DOTALL
)


@dataclass(frozen=True)
class MailboxVocabulary:
    words: frozenset[str]
    institutional_suffixes: tuple[str, ...]
    acronym_min: int
    acronym_max: int


@functools.cache
def _data() -> dict[str, dict[str, object]]:
    data = (resources.files("clearance.config") / "defaults" / "organisations.toml").read_bytes()
    return tomllib.loads(data.decode("utf-8"))


@functools.cache
def vocabulary() -> MailboxVocabulary:
    mailbox: dict[str, Any] = _data()["mailbox"]
    return MailboxVocabulary(
        words=frozenset(w.lower() for w in mailbox["words"]),
        institutional_suffixes=tuple(s.lower() for s in mailbox["institutional_suffixes"]),
        acronym_min=int(mailbox["acronym_min"]),
        acronym_max=int(mailbox["acronym_max"]),
    )


def _compound(token: str, words: frozenset[str], depth: int = 0) -> bool:
    """Whether ``token`` is office words glued together ("publicaffairs")."""
    if token in words:
        return True
    if depth >= _MAX_COMPOUND - 1:
        return False
    return any(
        token[:i] in words and _compound(token[i:], words, depth + 1) for i in range(len(token) - 1, 1, -1)
    )


def name_tokens(names: Iterable[str]) -> frozenset[str]:
    """Lower-case tokens of names found beside a mailbox, and each name's initials ("ar")."""
    out: set[str] = set()
    for name in names:
        tokens = _LETTERS.findall(name.lower())
        out.update(tokens)
        if len(tokens) >= 2:
            out.add("".join(t[0] for t in tokens))
    return frozenset(out)


@functools.lru_cache(maxsize=4096)
def _functional(local: str, domain: str) -> bool:
    vocab = vocabulary()
    tokens = [t for t in _SPLIT.split(local) if t]
    if not tokens or any(not t.isalpha() for t in tokens):
        return False
    institutional = domain.endswith(vocab.institutional_suffixes)
    office_words = [t for t in tokens if _compound(t, vocab.words)]
    # A token that is a label of the domain names the organisation itself ("dhs-oig.press@oig.dhs.gov").
    # Only an institution's: "smith@smith.name" is a person's vanity domain.
    labels = set(domain.split(".")) if institutional else set()
    others = [t for t in tokens if t not in office_words and t not in labels]
    if institutional and not others and not office_words:
        return True  # the organisation's own name: "oig@oig.dhs.gov"
    if not institutional:
        return not others  # "press@", "info@" anywhere; nothing else off an institution
    if not office_words:  # an acronym alone: "ois@" ("john.smith@" is two tokens)
        return len(others) == 1 and vocab.acronym_min <= len(others[0]) <= vocab.acronym_max
    # An office word and at most one other token: a place or an acronym ("arlington.asylum@",
    # "ois.data@"); "john.smith.press@" has two.
    return len(others) <= 1


def is_functional_mailbox(email: str, beside: frozenset[str] = frozenset()) -> bool:
    """Whether an e-mail address is an office's rather than a person's (see module docstring).
    ``beside``: ``name_tokens`` of names found next to it."""
    local, at, domain = email.strip().lower().rpartition("@")
    if not at or not local:
        return False
    if beside and any(t in beside for t in [*_SPLIT.split(local), local] if t):
        return False
    return _functional(local, domain)


@functools.cache
def _author_header() -> re.Pattern[str]:
    headers: list[str] = _data()["bibliography"]["author_headers"]  # type: ignore[assignment]
    return re.compile("|".join(f"(?:{h})" for h in headers))


def is_author_header(header: str | None) -> bool:
    """Whether a column header names the authors of cited works ("Author", "Authors")."""
    return bool(header) and _author_header().fullmatch(" ".join(str(header).lower().split())) is not None


def is_citation_name(value: str) -> bool:
    """Whether a cell holds a name in citation form: a surname, a comma, initials only."""
    return _CITATION_NAME.fullmatch(value.strip()) is not None
