"""Who a table's name columns name: the row's person, or a second person of the row.

A list of pupils often names each pupil's guardian too ("Tutor"), a staff list each
employee's emergency contact, an application list the spouse or the interpreter. Those are
other individuals whose names (and often phones) the file exposes, so they are counted as
people of their own. Only a header that says so makes a column a second person's: the words
are data (config/defaults/people_columns.toml, [roles]), matched as whole words of the folded
header. A "full_name", "nickname" or "middle_name" beside "first_name" / "last_name" names the
same person and carries no role word, so it stays part of the row's own name.

The same file gives the vocabulary of name statistics ([name_statistics]): a column of given
names beside counts or ranks ("Rank", "Name", "Count") describes how often names are given,
not who was given them.

Headers are read, never values; nothing here logs anything.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources

_WORDS = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class RoleVocabulary:
    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]
    count_words: frozenset[str]
    neutral_words: frozenset[str]
    single_word_share: float
    official_words: frozenset[str]


@functools.cache
def vocabulary() -> RoleVocabulary:
    data = (resources.files("clearance.config") / "defaults" / "people_columns.toml").read_bytes()
    raw = tomllib.loads(data.decode("utf-8"))
    roles, stats = raw["roles"], raw["name_statistics"]
    return RoleVocabulary(
        words=frozenset(fold(w) for w in roles["words"]),
        phrases=tuple(tuple(_WORDS.findall(fold(p))) for p in roles["phrases"]),
        count_words=frozenset(fold(w) for w in stats["count_words"]),
        neutral_words=frozenset(fold(w) for w in stats["neutral_words"]),
        single_word_share=float(stats["single_word_share"]),
        official_words=frozenset(fold(w) for w in raw["officials"]["words"]),
    )


def fold(text: str) -> str:
    """Lower case without accents ("Cónyuge" -> "conyuge")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def header_words(header: str | None) -> list[str]:
    """The header's folded words; camelCase and snake_case split ("guardianName")."""
    if not header:
        return []
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", header)
    return _WORDS.findall(fold(spaced).replace("_", " "))


@functools.lru_cache(maxsize=1024)
def role_of(header: str | None) -> tuple[str, ...]:
    """The role a header gives its column's person: its role words (and phrases), sorted, then
    any number in it ("Parent 2 name" -> ("parent", "2")); () when it names no role."""
    words = header_words(header)
    if not words:
        return ()
    vocab = vocabulary()
    found = {w for w in words if w in vocab.words}
    for phrase in vocab.phrases:
        n = len(phrase)
        if any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1)):
            found.add(" ".join(phrase))
    if not found:
        return ()
    return (*sorted(found), *_DIGITS.findall(" ".join(words)))


@functools.lru_cache(maxsize=1024)
def counts_names(header: str | None) -> bool | None:
    """A numeric column's header in a table of names: True when it counts or ranks them
    ("Count", "Rank", "Births"), False when it is neutral beside them ("Year"), None when it
    says something else (a score, an age: the rows are people's)."""
    words = set(header_words(header))
    vocab = vocabulary()
    if words & vocab.count_words:
        return True
    if words and words <= vocab.neutral_words:
        return False
    return None


@functools.lru_cache(maxsize=1024)
def names_officials(header: str | None) -> bool:
    """Whether a name column's header says its people are office holders ("Judge", "IJ")."""
    return bool(set(header_words(header)) & vocabulary().official_words)
