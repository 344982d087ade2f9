"""Person names: a name-frequency model (``NameModel``) and a prose detector (``NameDetector``).

The model answers "how name-like is this token / this cell value" from the compact index built
by ``name_index`` (names-dataset ranks + wordfreq word frequencies). It works for names from
many traditions because the dataset covers 105 countries; it stays quiet on ordinary words
because a token scores high only when it is more frequent *as a name* than *as a word*.

The detector finds runs of capitalised (or ALL-CAPS) tokens in prose with one compiled regex,
scores each run with the model, and lifts the score with titles (Mr., Sra., Mme) and cue words
(detainee, born, aka, respondent). Pure Python, dictionary lookups only.

Scoring constants below were chosen on development data only (wikigold, wnut17 *train* and
*dev*, presidio synth; see ``bench/eval_names_dev.py``), never on wnut17's test split.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from clearance.config.loader import RuleSet
from clearance.detectors import name_index
from clearance.model import Candidate, Identifier, Segment

# --- token scoring ---------------------------------------------------------------------------
# A name's "frequency as a name" is put on wordfreq's zipf scale so it can be compared with the
# same spelling's frequency as a word: (robust) rank 1 ~ zipf 6.0, each factor 10 of rank costs
# 0.7 zipf. wordfreq counts names as words too ("john" 5.4, "edward" 4.5), so the name side gets
# NAME_WORD_MARGIN before the comparison.
NAME_ZIPF_TOP = 6.0
NAME_ZIPF_PER_DECADE = 0.7
NAME_WORD_MARGIN = 0.7
# Steepness of the logistic on (name zipf + margin - word zipf): Edward ~0.8, Male/Street/Will
# (words far more frequent than as names) <= 0.35.
WORD_SLOPE = 2.2
# How much the rank alone is worth: rank 1 -> 1.0, rank at the index cut-off -> 0.6. Rare
# names stay usable in a run with a strong partner but cannot carry a run alone.
RANK_STRENGTH_FLOOR = 0.6
# A token the index has never seen (neither a ranked name nor a common word) is plausibly a
# rare name: neutral-low so it needs a strong partner token.
UNKNOWN_TOKEN_SCORE = 0.35
# An unknown token with a surname-forming suffix of a tradition the name data covers thinly
# (it has no Ukrainian, Armenian or Georgian country lists): as strong as a lower-ranked
# surname. Patronymic and surname suffixes: East Slavic -enko/-chuk/-yuk/-ovych/-sky,
# Russian -ov/-ova/-ev/-eva/-skaya, Armenian -yan/-ian, Georgian -shvili/-dze, Turkish -oglu.
MORPH_FAMILY_SCORE = 0.6
_FAMILY_SUFFIX = re.compile(
    r"(?:enko|chuk|czuk|yuk|iuk|ovych|evych|ovich|evich|ovna|evna|skyi|skyy|skiy|skii|skaya"
    r"|tskyi|shvili|dze|yan|ian|oglu|ogly|[oe]va?|yev|yeva"
    r"|[^aeiouy]ko|ych|yshyn|ishyn"
    r"|енко|єнко|чук|юк|ович|евич|івна|ївна|ський|цький|ська|цька|ов|ова|ев|ева|єв|єва|ін|іна|ян"
    r"|[^аеиоуіяюєї]ко|ич|ів|ишин)$"
)
# The same for given names: Slavic compounds in -slav / -mir ("Bohuslav", "Volodymyr").
MORPH_GIVEN_SCORE = 0.6
_GIVEN_SUFFIX = re.compile(r"(?:slav|slava|myr|mir|слав|слава|мир)$")
# Ukrainian spelling -> Russian spelling, for a second lookup: the name data has Russian lists
# but no Ukrainian one, and most Ukrainian names differ from their Russian forms only in these
# letters ("Георгій" / "Георгий", "Алексеєнко" / "Алексеенко").
_UK_TO_RU = str.maketrans({"і": "и", "ї": "и", "є": "е", "ґ": "г"})
_MORPH_MIN_LEN = 6  # "Ivanov" yes; "Rev", "Eva", "Oya" are too short to say
# zipf at which an ordinary word counts as "common" (wordfreq: ~10 per million words).
COMMON_WORD_ZIPF = 4.0
_TOKEN_CACHE_MAX = 200_000  # bound the per-model token cache (~40 MB worst case)

PARTICLES = frozenset(
    [
        "de",
        "del",
        "della",
        "dela",
        "di",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "la",
        "las",
        "le",
        "los",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "ten",
        "bin",
        "bint",
        "ibn",
        "abu",
        "al",
        "el",
        "y",
        "e",
        "ben",
        "st",
    ]
)
# Words that mark an organisation, place or table header: a run containing one is not a person.
ORG_WORDS = frozenset(
    [
        "department",
        "dept",
        "center",
        "centre",
        "county",
        "jail",
        "facility",
        "facilities",
        "processing",
        "detention",
        "service",
        "services",
        "inc",
        "inc.",
        "llc",
        "ltd",
        "corp",
        "corporation",
        "company",
        "co",
        "university",
        "college",
        "school",
        "academy",
        "hospital",
        "clinic",
        "office",
        "agency",
        "bureau",
        "ministry",
        "police",
        "court",
        "courts",
        "committee",
        "council",
        "association",
        "foundation",
        "institute",
        "bank",
        "group",
        "church",
        "state",
        "states",
        "city",
        "republic",
        "united",
        "national",
        "federal",
        "international",
        "security",
        "homeland",
        "immigration",
        "customs",
        "enforcement",
        "prison",
        "correctional",
        "justice",
        "district",
        "unit",
        "program",
        "programme",
        "project",
        "total",
        "subtotal",
        "grand",
        "street",
        "avenue",
        "road",
        "boulevard",
        "blvd",
        "ave",
        "parkway",
        "pkwy",
        "highway",
        "hwy",
        "expressway",
        "freeway",
        "turnpike",
        "airport",
        "club",
        "party",
        "airlines",
        "news",
        "times",
        "press",
        "museum",
        "contract",
        "team",
        "league",
        "fc",
        "government",
        "administration",
        "commission",
        "division",
        "section",
        "board",
        "authority",
        "hall",
        "house",
        "tower",
        "bridge",
        "river",
        "lake",
        "mount",
        "mountain",
        "island",
        "islands",
        "beach",
        "county's",
        "region",
        "province",
        "airport",
        "station",
        "camp",
        "field",
        "processing",
        "center's",
        "regional",
        "medical",
        "health",
        "care",
        "services'",
        "sheriff's",
        "total:",
        "average",
        "mean",
        "median",
        "sum",
        "count",
        "year",
        "month",
        "week",
        "day",
        # US military mail ("PSC 6293, Box 8158 / APO AP 04336"): address lines, not names
        "apo",
        "fpo",
        "dpo",
        "psc",
    ]
)
TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mister",
        "dr",
        "sr",
        "sra",
        "srta",
        "señor",
        "señora",
        "señorita",
        "don",
        "doña",
        "dona",
        "mme",
        "mlle",
        "m",
        "madame",
        "monsieur",
        "prof",
        "sir",
        "dame",
        "sheikh",
        "sayyid",
        # military, official and religious ranks (abbreviated and spelt out)
        "gen",
        "col",
        "sgt",
        "lt",
        "maj",
        "capt",
        "cpt",
        "cpl",
        "pvt",
        "adm",
        "cmdr",
        "sen",
        "rep",
        "gov",
        "pres",
        "rev",
        "hon",
        "insp",
        "supt",
        "det",
        "general",
        "colonel",
        "major",
        "captain",
        "lieutenant",
        "sergeant",
        "corporal",
        "admiral",
        "brigadier",
        "commander",
        "governor",
        "senator",
        "congressman",
        "congresswoman",
        "president",
        "judge",
        "justice",
        "officer",
        "agent",
        "detective",
        "inspector",
        "deputy",
        "bishop",
        "reverend",
        "pastor",
        "rabbi",
        "imam",
        "coach",
        "lord",
        "lady",
        # Spanish, French and Portuguese honorifics
        "sres",
        "dra",
        "lic",
        "licda",
        "ing",
        "senhor",
        "senhora",
        "sr.ª",
        "dr.ª",
        "doutor",
        "doutora",
        "dom",
        "padre",
        "fray",
        "mgr",
        "monseigneur",
        "maître",
    ]
)
# Cue words right before a run ("detainee GARCIA", "born to Maria", "a.k.a. ...").
CUES = frozenset(
    [
        "named",
        "detainee",
        "detainees",
        "born",
        "aka",
        "a.k.a",
        "a.k.a.",
        "respondent",
        "applicant",
        "client",
        "defendant",
        "plaintiff",
        "petitioner",
        "deceased",
        "victim",
        "patient",
        "alien",
        "name",
        "nee",
        "née",
        "son",
        "daughter",
        "wife",
        "husband",
        "mother",
        "father",
        "brother",
        "sister",
        # greetings put a name right after them ("Hi Freddy,", "Dear Ms. Diallo")
        "dear",
        "hi",
        "hello",
        "hey",
    ]
)
# Lower-case words right before a run that report speech or authorship ("said Gladys",
# "told Hauser", "starring Borkowski"). Kept apart from CUES because capitalised they are names
# ("Said Ahmed") and must not be stripped off a run.
PROSE_CUES = frozenset(
    [
        "said",
        "says",
        "told",
        "asked",
        "wrote",
        "thanked",
        "starring",
        "featuring",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "called",
        "calls",
    ]
)
# "Jr.", "Sr.", "III" after a name belong to the name.
SUFFIXES = frozenset(["jr", "sr", "ii", "iii", "iv"])
TITLE_BONUS = 0.3
CUE_BONUS = 0.2
INITIAL_BONUS = 0.05  # "John F. Kennedy": an initial inside a run is typical of names
DETECT_THRESHOLD = 0.5  # chosen on wikigold + wnut17 dev (bench/eval_names_dev.py)
SINGLE_TOKEN_MIN = 0.5  # a lone token after a title/cue must itself be at least this name-like
MAX_RUN_TOKENS = 5  # longer capitalised runs are headings or titles of works, not names
MAX_CELL_TOKENS = 6
CUE_WINDOW = 24  # characters looked at before a run for a cue word
COMMA_FAMILY_FLOOR = 0.5  # "LAST, First": the form itself is evidence for the family part
EDGE_SCORE = 0.3  # leading/trailing tokens below this are trimmed off a run
# An unknown token beside a known name in its usual role ("Liviana Palerma": ranked given name +
# unseen token; "Aantje Mourik": unseen + ranked surname) counts a little more than an unknown
# token alone: the partner's role is evidence that the pair is one person's name.
UNKNOWN_PAIRED_SCORE = 0.45
PAIR_ROLE_MIN = 0.5  # the partner's given (first) / family (last) score needed for that
# A lone token in a list of names ("Matheus, Janet, Nicholas and Terri") must be a strong given
# name: lists of surnames are as often firms ("Clark, Romero and Hall").
LIST_GIVEN_MIN = 0.7
# Document-level propagation: a part of a full name found earlier or later in the same text
# ("Ben Player ... Player returns") is a name too; score given to such a mention.
PROPAGATED_SCORE = 0.7
# Lower-case text ("olga krylova's killers"): only pairs that are strongly a given name then a
# family name, neither an ordinary word in any of the index's languages.
LOWER_GIVEN_MIN = 0.7
LOWER_FAMILY_MIN = 0.6
LOWER_WORD_ZIPF_MAX = 5.0
# A lone capitalised token with no title, cue or list around it: a name only when it is a strong
# given (or family) name that is not an ordinary word ("Why is Samantha so ..." but not "Paris");
# a bare family name only inside a sentence ("Garcia arrived" opens with a name or a place).
BARE_GIVEN_MIN = 0.6
BARE_FAMILY_MIN = 0.7
BARE_SCORE_WEIGHT = 0.3  # bare tokens score 0.5 + weight * name score: weaker than cued ones
# "in Adelaide", "from Georgia": a lone token after a preposition of place is rather a place.
PLACE_PREPOSITIONS = frozenset(
    ["in", "at", "from", "near", "into", "across", "via", "of", "outside", "inside"]
)
USE_PLACE_GUARD = True
# Verbs after which "<preposition> <Capitalised Words>" is a place, even a two-word one that
# reads like a name ("transferred from Otay Mesa").
MOVEMENT_VERBS = frozenset(
    [
        "transferred",
        "moved",
        "relocated",
        "detained",
        "held",
        "housed",
        "booked",
        "arrived",
        "located",
        "based",
        "stationed",
        "deported",
        "removed",
        "returned",
        "released",
        "processed",
        "confined",
        "incarcerated",
        "jailed",
    ]
)


@dataclass(frozen=True)
class TokenScore:
    given: float
    family: float
    word_zipf: float
    known: bool  # the index knows the token (as a name or a common word)

    @property
    def best(self) -> float:
        return max(self.given, self.family)


_ZERO = TokenScore(0.0, 0.0, 0.0, True)


def _strength(q: int) -> float:
    if q == 0:
        return 0.0
    rank = name_index.rank_of(q)
    top = math.log10(name_index.RANK_CUTOFF)
    return 1.0 - (1.0 - RANK_STRENGTH_FLOOR) * min(math.log10(rank) / top, 1.0)


def _vs_word(q: int, word_zipf: float) -> float:
    if q == 0:
        return 0.0
    name_zipf = NAME_ZIPF_TOP - NAME_ZIPF_PER_DECADE * math.log10(name_index.rank_of(q))
    return 1.0 / (1.0 + math.exp(-WORD_SLOPE * (name_zipf + NAME_WORD_MARGIN - word_zipf)))


class NameModel:
    """How name-like tokens and cell values are. Build with ``NameModel.load()``."""

    def __init__(self, entries: dict[str, int]) -> None:
        self._entries = entries
        self._cache: dict[str, TokenScore] = {}

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def load(cls, cache_path: Path | None = None) -> NameModel:
        """Load the index at ``cache_path`` (default: the user cache), building it when missing.

        Memoised per path (module-level ``functools.lru_cache``): a process holds one model of
        ~120 MB however many detectors ask for it; the model is read-only apart from its token
        cache, so sharing it is safe.
        """
        return _load_cached(cache_path or name_index.default_path())

    @classmethod
    def from_file(cls, path: Path) -> NameModel:
        entries, _ = name_index.read_index(path)
        return cls(entries)

    # -- tokens ---------------------------------------------------------------------------
    def _lookup(self, token: str) -> TokenScore | None:
        key = name_index.normalise(token)
        v = self._entries.get(key)
        if v is None:
            alt = name_index.strip_accents(key)
            if alt != key:
                v = self._entries.get(alt)
        if v is None and not key.isascii():
            alt = key.translate(_UK_TO_RU)
            if alt != key:
                v = self._entries.get(alt)
        if v is None and "'" in key:
            # The dataset stores O'Brien as "Obrien"; D'Souza also as "Souza".
            v = self._entries.get(key.replace("'", ""))
            if v is None:
                v = self._entries.get(key.rsplit("'", 1)[1])
        if v is None:
            return None
        e = name_index.unpack(v)
        z = e.zipf_q / 10.0
        if e.first_q == 0 and e.last_q == 0 and z < COMMON_WORD_ZIPF:
            return None  # a rare word, not a ranked name ("Timberlake"): as good as unknown
        given = _strength(e.first_q) * _vs_word(e.first_q, z)
        family = _strength(e.last_q) * _vs_word(e.last_q, z)
        return TokenScore(given, family, z, True)

    def score(self, token: str) -> TokenScore:
        """All the model knows about one token; cached."""
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        token = token.strip(".,;:")
        ts = self._lookup(token)
        if ts is None and "-" in token:
            parts = [p for p in token.split("-") if p]
            if parts and parts[0].lower() in _HYPHEN_PREFIXES and len(parts) > 1:
                parts = parts[1:]  # al-Hassan, el-Sayed: the particle carries no evidence
            scored = [self._lookup(p) for p in parts]
            known = [s for s in scored if s is not None]
            if known and len(known) == len(scored):
                ts = TokenScore(
                    min(s.given if s.given else s.best * 0.8 for s in known),
                    min(s.family if s.family else s.best * 0.8 for s in known),
                    max(s.word_zipf for s in known),
                    True,
                )
            elif known:
                best = max(s.best for s in known)
                ts = TokenScore(best * 0.7, best * 0.7, 0.0, True)
        if ts is None:
            given = family = UNKNOWN_TOKEN_SCORE
            if len(token) >= _MORPH_MIN_LEN and token.isalpha():
                low = token.lower()
                if _FAMILY_SUFFIX.search(low):
                    family = MORPH_FAMILY_SCORE
                elif _GIVEN_SUFFIX.search(low):
                    given = MORPH_GIVEN_SCORE
            ts = TokenScore(given, family, 0.0, False)
        if len(self._cache) >= _TOKEN_CACHE_MAX:
            self._cache.clear()
        self._cache[token] = ts
        return ts

    def token_score(self, token: str) -> float:
        """0..1: how name-like one token is (as a given or a family name)."""
        return self.score(token).best

    def given_score(self, token: str) -> float:
        return self.score(token).given

    def family_score(self, token: str) -> float:
        return self.score(token).family

    def is_common_word(self, token: str) -> bool:
        ts = self.score(token)
        return ts.known and ts.word_zipf >= COMMON_WORD_ZIPF and ts.best < EDGE_SCORE

    def regions(self, token: str) -> tuple[str, ...]:
        """Coarse regions where the token is a ranked name (may be empty)."""
        v = self._entries.get(name_index.normalise(token.strip(".,")))
        if v is None:
            return ()
        mask = name_index.unpack(v).regions
        return tuple(n for i, n in enumerate(name_index.REGION_NAMES) if mask >> i & 1)

    # -- whole cell values ------------------------------------------------------------------
    def name_score(self, value: str) -> float:
        """0..1: how likely a whole cell value is one person's name.

        Accepts "LAST, First Middle", "First Middle Last", ALL CAPS, particles, initials and
        hyphenated/apostrophe names. Returns 0 for values with digits or "@", organisation
        words, or mostly common words.
        """
        v = _PARENS.sub(" ", value).strip()
        if not v or len(v) > _MAX_CELL_CHARS or _BAD_CELL.search(v) or is_placeholder_name(v):
            return 0.0
        if v.count(",") > 1:
            return 0.0
        family_part, given_part = v.split(",", 1) if "," in v else ("", v)
        fam = family_part.split()
        giv = given_part.split()
        if "," in v and (not fam or not giv):
            return 0.0
        tokens = [(t, "family") for t in fam] + [(t, "given" if fam else "any") for t in giv]
        if not tokens or len(tokens) > MAX_CELL_TOKENS:
            return 0.0
        scores: list[float] = []
        common = 0
        n_any = sum(1 for _, role in tokens if role == "any")
        pos = 0
        for tok, role in tokens:
            low = tok.lower().strip(".")
            if low in ORG_WORDS or tok.lower() in ORG_WORDS:
                return 0.0
            if low in PARTICLES or low in TITLES:
                continue
            if _INITIAL.fullmatch(tok):
                continue
            if not _WORDLIKE.fullmatch(tok):
                return 0.0
            ts = self.score(tok)
            if role == "family" and ts.family > 0:
                # "Black, Tyler": in the comma form a ranked surname that is also a word counts.
                s = max(ts.family, COMMA_FAMILY_FLOOR)
            elif self.is_common_word(tok):
                common += 1
                s = ts.best
            elif role == "family":
                s = max(ts.family, ts.best * 0.85)
            elif role == "given":
                s = max(ts.given, ts.best * 0.85)
            else:
                # Uncommaed order: usually given first, family last; ALL-CAPS registers often
                # put the family name first, so the other reading counts only a little less.
                if pos == 0 and n_any > 1:
                    s = max(ts.given, ts.best * 0.9)
                elif pos == n_any - 1 and n_any > 1:
                    s = max(ts.family, ts.best * 0.9)
                else:
                    s = ts.best
            if role == "any":
                pos += 1
            scores.append(s)
        if not scores:
            return 0.0
        last = tokens[-1][0].lower().strip(".")
        if (len(tokens) > 1 and last in STREET_SUFFIXES) or (
            len(tokens) > 2 and last in STREET_WORD_SUFFIXES
        ):
            return 0.0  # "Rosa Parks Way", "John F Kennedy Dr": a street named after a person
        if common * 2 >= len(scores) and common:
            return 0.0
        mean = sum(scores) / len(scores)
        if len(scores) == 1:
            mean *= _SINGLE_CELL_FACTOR
        return round(min(mean, 1.0), 4)


# Names that stand for "anyone" in forms, instructions and examples, as sorted lower-case words;
# and the words of a template's placeholder ("LASTNAME, FIRSTNAME").
PLACEHOLDER_NAMES = frozenset(
    " ".join(sorted(n.split()))
    for n in [
        "john doe", "jane doe", "baby doe", "richard roe", "jane roe", "john q public", "joe bloggs",
        "joe blow", "max mustermann", "erika mustermann", "fulano de tal", "jean dupont",
    ]
)  # fmt: skip
PLACEHOLDER_WORDS = frozenset(
    [
        "lastname",
        "firstname",
        "surname",
        "givenname",
        "familyname",
        "middlename",
        "fullname",
        "name",
        "first",
        "last",
        "given",
    ]
)
_PLACEHOLDER_SPLIT = re.compile(r"[\s,.]+")


def is_placeholder_name(value: str) -> bool:
    """An example or template name ("John Doe", "DOE, JANE", "LASTNAME, FIRSTNAME")."""
    words = [w for w in _PLACEHOLDER_SPLIT.split(value.lower()) if w and len(w) > 1]
    if not words or len(words) > 4:
        return False
    return all(w in PLACEHOLDER_WORDS for w in words) or " ".join(sorted(words)) in PLACEHOLDER_NAMES


_WORD_COMMA_BEFORE = re.compile(r"([^\W\d_]+)\s*,\s*$")
_COMMA_WORD_AFTER = re.compile(r"\s*,\s*([^\W\d_]+)")


def _placeholder_span(text: str, start: int, end: int) -> bool:
    """A span that is, or with the word a comma joins to it is, an example name ('DOE, JOHN')."""
    span = text[start:end]
    if is_placeholder_name(span):
        return True
    before = _WORD_COMMA_BEFORE.search(text[max(0, start - 24) : start])
    after = _COMMA_WORD_AFTER.match(text, end)
    return bool(
        (before and is_placeholder_name(f"{before[1]}, {span}"))
        or (after and is_placeholder_name(f"{span}, {after[1]}"))
    )


_HYPHEN_PREFIXES = frozenset(
    ["al", "el", "ul", "ad", "as", "ash", "at", "az", "ar", "an", "abu", "ibn", "bin", "ben"]
)
# A parenthesised aside ("Jose (Pepe) Garcia") or a nickname in double quotes inside a name
# ("Gonzalo "Chuy" Valladares", curly quotes too): left out of the name's score. The quotes must
# follow a space, so a name quoted whole ("Maria Lopez") is kept.
_PARENS = re.compile(r"\([^)]*\)|(?<=\s)[\"\u201c\u201d][^\"\u201c\u201d\n]{1,30}[\"\u201c\u201d](?=\s|$)")
_BAD_CELL = re.compile(r"[\d@/\\:;#%&=+<>|_]")
_INITIAL = re.compile(r"[^\W\d_]\.?")
_WORDLIKE = re.compile(r"[^\W\d_]+(?:['’\-.][^\W\d_]+)*\.?")
_MAX_CELL_CHARS = 80
# A single-token cell ("Garcia") is a name less surely than "Maria Garcia": could be a place,
# brand or header. Family-name columns still score ~0.7 per cell.
_SINGLE_CELL_FACTOR = 0.8
# Street-type words that end a street name ("Cesar Chavez Ave", "Rosa Parks Way"). Only in the
# last place: "Dr Smith" is a title and "Lane" or "Way" first are names. The unambiguous ones
# (Blvd, Ave, Highway...) are ORG_WORDS anywhere. USPS Publication 28, appendix C1 (common ones).
STREET_SUFFIXES = frozenset(
    [
        "st",
        "street",
        "ave",
        "av",
        "avenue",
        "blvd",
        "rd",
        "road",
        "dr",
        "drive",
        "ln",
        "ct",
        "pl",
        "ter",
        "trl",
        "cir",
        "pkwy",
        "hwy",
        "sq",
        "plz",
        "expy",
        "fwy",
    ]
)
# Also surnames ("Diane Lane", "Ashley Way"): a street only after two or more name words.
STREET_WORD_SUFFIXES = frozenset(["lane", "way", "place", "terrace", "trail", "circle", "square", "plaza"])


@functools.lru_cache(maxsize=4)
def _load_cached(path: Path) -> NameModel:
    try:
        return NameModel.from_file(path)
    except (FileNotFoundError, name_index.IndexFormatError):
        name_index.build(path)
        return NameModel.from_file(path)


# --- prose detector ----------------------------------------------------------------------------
def _upper_class() -> str:
    # Python's re has no \p{Lu}; list the upper-case letters of Latin, Greek and Cyrillic.
    chars = [chr(c) for c in range(0x41, 0x530) if chr(c).isupper()]
    return "".join(re.escape(c) for c in chars)


_U = _upper_class()
_L = r"[^\W\d_]"
_TOKEN_RE = re.compile(
    rf"(?<![\w'’\-])(?:"
    rf"(?P<pre>(?:al|el|ul|ad|ash|as|at|az|ar|an|abu|ibn|bin|ben)[\-‐][{_U}]{_L}*(?:['’\-]{_L}+)*)"
    rf"|(?P<part>(?:{'|'.join(sorted(PARTICLES, key=len, reverse=True))})(?=[ \t]))"
    rf"|(?P<cue>(?:a\.k\.a\.?|aka|named|detainee|born|respondent|applicant|client|defendant|"
    rf"plaintiff|petitioner|deceased|victim|patient|née|nee)(?=[ \t:]))"
    rf"|(?P<word>[{_U}]{_L}*(?:['’\-]{_L}+)*\.?)"
    rf")"
)
# Evidence right after a name: a possessive or a verb of speech/life events ("Hauser said",
# "Carder 's husband", "Cowley died").
_AFTER_CUE_RE = re.compile(
    r"[ \t]?['’]s\b|,?[ \t]+(?:said|says|told|asked|wrote|replied|explained|added|shouted|noted|"
    r"argued|testified|stated|died|smiled|laughed|whispered|cried|married|believes|thinks|"
    r"admitted|insisted|recalled|announced)\b"
)
# A house number before and a number or street abbreviation after: a street, not a person
# ("5049 Harjukuja 54", "159 Eleftheriou Venizelou str", "04862 Victor Hugo u. 49").
_NUMBER_BEFORE_RE = re.compile(r"\d[\w\-/]*[ \t]+$")
_STREET_AFTER_RE = re.compile(r"[ \t]+(?:\d|(?:u|str|st|ul|rd|ave|utca|út)\b)", re.IGNORECASE)
# Another list item next to a run: ", Kevin", " and Terri", "Brittany and ".
_LIST_AFTER_RE = re.compile(rf"\s*(?:,|and|&|or|y|et|e)\s+[{_U}]")
_LIST_BEFORE_RE = re.compile(rf"[{_U}]{_L}*(?:,|\s+and|\s+&|\s+or|\s+y|\s+et)\s+$")
_LOWER_PAIR_RE = re.compile(r"(?<![\w'’\-@#/.])([a-zà-öø-ÿ]{2,})(?=[ \t]([a-zà-öø-ÿ]{2,})(?![\w\-@/]))")


@dataclass
class _Tok:
    start: int
    end: int
    text: str
    kind: str  # word | part | pre | initial | title | cue | suffix
    dot: bool  # the original ended with "." (sentence end unless title/initial)


def _classify(m: re.Match[str]) -> _Tok:
    kind = m.lastgroup or "word"
    s, e = m.span()
    t = m.group()
    dot = t.endswith(".")
    if kind == "word":
        core = t[:-1] if dot else t
        if not dot and len(core) > 3 and core[-2:] in ("'s", "’s"):
            core = core[:-2]  # possessive: "Hauser's" -> "Hauser"
            e -= 2
        low = core.lower()
        if len(core) == 1:
            return _Tok(s, e, core, "initial", dot)
        if low in TITLES:
            return _Tok(s, e, core, "title", dot)
        if low in CUES:
            return _Tok(s, e if not dot else e - 1, core, "cue", dot)
        if low in SUFFIXES and (core.isupper() or low in ("jr", "sr")):
            return _Tok(s, e, core, "suffix", dot)  # keeps its dot: "Jr." is part of the name
        if dot:
            e -= 1
        return _Tok(s, e, core, kind, dot)
    return _Tok(s, e, t.rstrip("."), kind, dot)


_NAMEISH = ("word", "pre")


def person_name_candidates(segment: Segment, spans: Iterable[tuple[int, int, float]]) -> Iterator[Candidate]:
    """A person-name Candidate per (start, end, score) span of ``segment.text``."""
    for start, end, score in spans:
        yield Candidate(
            rule="person-name",
            entity="person-name",
            value=segment.text[start:end],
            score=score,
            location=segment.location,
            visibility=segment.visibility,
            identifier=Identifier.DIRECT,
            role=segment.role,
            start=start,
            end=end,
        )


class NameDetector:
    """Person names in running prose (TextDetector)."""

    name: ClassVar[str] = "names"

    def __init__(self, rules: RuleSet | None = None, model: NameModel | None = None) -> None:
        self._rules = rules  # not used yet: names come from the dictionary, not rule patterns
        self._model = model if model is not None else NameModel.load()

    @property
    def model(self) -> NameModel:
        return self._model

    def detect(self, segment: Segment) -> Iterator[Candidate]:
        return person_name_candidates(segment, self.spans(segment.text))

    # The work, on plain text: (start, end, score) per name, in text order.
    def spans(self, text: str) -> list[tuple[int, int, float]]:
        found: list[tuple[int, int, float]] = []
        pending: list[tuple[int, int, str]] = []  # lone tokens without evidence, for propagation
        run: list[_Tok] = []
        comma_at = -1  # index in run of the first token after a "LAST, First" comma
        prev_end = 0
        for m in _TOKEN_RE.finditer(text):
            tok = _classify(m)
            if run:
                gap = text[prev_end : tok.start]
                joined = False
                if not run[-1].dot or run[-1].kind in ("initial", "title"):
                    if gap == " " or (gap.isspace() and len(gap) <= 2 and "\n" not in gap):
                        joined = True
                    elif (
                        gap.strip() == ","
                        and len(gap) <= 2
                        and "\n" not in gap
                        and comma_at < 0
                        and len(run) <= 3
                    ):
                        comma_at = len(run)
                        joined = True
                if not joined:
                    found.extend(self._score_run(text, run, comma_at, pending))
                    run, comma_at = [], -1
            if tok.kind == "title" and tok.text.lower() in SUFFIXES and run and run[-1].kind in _NAMEISH:
                tok.kind = "suffix"  # "Garcia Sr." is senior, "Sr. Garcia" is señor
            run.append(tok)
            prev_end = tok.end if tok.kind != "suffix" else m.end()
            if tok.end < m.end() and not tok.dot:
                prev_end = m.end()  # a stripped possessive: "Hauser's Farm" is not one run
                found.extend(self._score_run(text, run, comma_at, pending))
                run, comma_at = [], -1
        if run:
            found.extend(self._score_run(text, run, comma_at, pending))
        if pending and found:
            found.extend(self._propagate(text, found, pending))
        found.extend(self._lower_pairs(text, found))
        found = [f for f in found if not _placeholder_span(text, f[0], f[1])]
        found.sort()
        return found

    def _propagate(
        self, text: str, found: list[tuple[int, int, float]], pending: list[tuple[int, int, str]]
    ) -> Iterator[tuple[int, int, float]]:
        """Lone mentions of a part of a multi-token name found in the same text."""
        parts: set[str] = set()
        for s, e, _ in found:
            toks = text[s:e].replace(",", " ").split()
            if len(toks) < 2:
                continue
            for t in toks:
                t = t.strip(".")
                if len(t) > 1 and t.lower() not in PARTICLES and t.lower() not in SUFFIXES:
                    parts.add(name_index.normalise(t))
        if not parts:
            return
        for s, e, t in pending:
            if name_index.normalise(t) in parts and not self._model.is_common_word(t):
                yield s, e, PROPAGATED_SCORE

    def _lower_pairs(
        self, text: str, found: list[tuple[int, int, float]]
    ) -> Iterator[tuple[int, int, float]]:
        """Strong given + family pairs written in lower case ("patricia desrosiers")."""
        model = self._model
        taken = [(s, e) for s, e, _ in found]
        for m in _LOWER_PAIR_RE.finditer(text):
            g = model.score(m.group(1))
            if g.given < LOWER_GIVEN_MIN or g.word_zipf > LOWER_WORD_ZIPF_MAX:
                continue
            f = model.score(m.group(2))
            if f.family < LOWER_FAMILY_MIN or f.word_zipf > LOWER_WORD_ZIPF_MAX:
                continue
            s, e = m.start(1), m.end(1) + 1 + len(m.group(2))
            if any(a < e and s < b for a, b in taken):
                continue
            taken.append((s, e))
            yield s, e, round((g.given + f.family) / 2, 4)

    def _score_run(
        self, text: str, run: list[_Tok], comma_at: int, pending: list[tuple[int, int, str]]
    ) -> Iterator[tuple[int, int, float]]:
        model = self._model
        if is_placeholder_name(text[run[0].start : run[-1].end]):
            return  # "DOE, JOHN", "LASTNAME, FIRSTNAME": a form's example
        title = cue = False
        # Lead-ins: titles and cue words raise the score and are not part of the name.
        i = 0
        while i < len(run) and run[i].kind in ("title", "cue", "part"):
            if run[i].kind == "title":
                title = True
            elif run[i].kind == "cue":
                cue = True
            i += 1
        if i == 0 or not (title or cue):
            cue = cue or self._cue_before(text, run[0].start)
        body = run[i:]
        if not body:
            return
        comma = comma_at - i if comma_at >= i else -1
        if comma_at >= 0 and comma <= 0:
            comma = -1
        # Split the body at common words, organisation words and inner titles; keep the comma
        # position and whether a title or cue word came right before each piece.
        pieces: list[tuple[list[_Tok], int, bool, bool]] = []
        cur: list[_Tok] = []
        cur_comma = -1
        cur_title, cur_cue = title, cue
        for j, tok in enumerate(body):
            if j == comma:
                cur_comma = len(cur)
            bad = False
            if tok.kind in _NAMEISH:
                low = tok.text.lower()
                if low in ORG_WORDS:
                    # An organisation word poisons the whole run: "Maria Garcia Foundation".
                    return
                bad = model.is_common_word(tok.text)
            elif tok.kind in ("title", "cue"):
                bad = True
            if bad:
                if cur:
                    pieces.append((cur, cur_comma, cur_title, cur_cue))
                cur, cur_comma = [], -1
                cur_title = tok.kind == "title"
                cur_cue = tok.kind == "cue"
                continue
            cur.append(tok)
        if cur:
            pieces.append((cur, cur_comma, cur_title, cur_cue))
        if not pieces:
            return
        # A street: "5049 Harjukuja 54", "04862 Victor Hugo u. 49".
        if _NUMBER_BEFORE_RE.search(
            text, max(0, body[0].start - 12), body[0].start
        ) and _STREET_AFTER_RE.match(text, body[-1].end):
            return
        listy = bool(
            _LIST_AFTER_RE.match(text, run[-1].end)
            or _LIST_BEFORE_RE.search(text, max(0, run[0].start - 40), run[0].start)
        )
        for piece, pc, ptitle, pcue in pieces:
            yield from self._score_piece(text, piece, pc, ptitle, pcue, listy, pending)

    def _cue_before(self, text: str, start: int) -> bool:
        window = text[max(0, start - CUE_WINDOW) : start].lower().split()
        if not window:
            return False
        last = window[-1].strip(":,?")
        if last in CUES or last in PROSE_CUES:
            return True
        if len(window) >= 2:
            prev = window[-2].strip(":,?")
            if prev in TITLES:
                return True
            # "according to X", "my name is X", "her maiden name is X"
            if last == "to" and prev == "according":
                return True
            if last in ("is", "was", "'s") and prev in ("name", "surname", "nickname"):
                return True
        return False

    @staticmethod
    def _comma_form(left: list[_Tok], right: list[_Tok]) -> bool:
        """Is "A, B" a "LAST, First" name rather than a list or "place, name"?

        Registers write the family part in capitals ("GARCIA LOPEZ, Maria"); otherwise accept
        only one given name after the comma ("Smith, John", "Smith, John F.").
        """
        words_left = [t for t in left if t.kind in _NAMEISH]
        words_right = [t for t in right if t.kind in _NAMEISH]
        if not words_left or not words_right:
            return False
        if all(t.text.isupper() and len(t.text) > 1 for t in words_left):
            return True
        return len(words_right) == 1 and len(words_left) <= 2

    def _score_piece(
        self,
        text: str,
        piece: list[_Tok],
        comma: int,
        title: bool,
        cue: bool,
        listy: bool,
        pending: list[tuple[int, int, str]],
    ) -> Iterator[tuple[int, int, float]]:
        model = self._model
        # Trim particles and weak tokens off both edges.
        lo, hi = 0, len(piece)
        while lo < hi and (
            piece[lo].kind in ("part", "suffix")
            or (
                piece[lo].kind == "word"
                and model.token_score(piece[lo].text) < EDGE_SCORE
                and model.score(piece[lo].text).known
                and not title
            )
        ):
            lo += 1
        while hi > lo and (
            piece[hi - 1].kind in ("part", "initial")
            or (
                piece[hi - 1].kind == "word"
                and model.token_score(piece[hi - 1].text) < EDGE_SCORE
                and model.score(piece[hi - 1].text).known
            )
        ):
            hi -= 1
        if lo >= hi:
            return
        if (
            comma >= 0
            and lo < comma < hi
            and (listy or not self._comma_form(piece[lo:comma], piece[comma:hi]))
        ):
            yield from self._score_piece(text, piece[lo:comma], -1, title, cue, listy, pending)
            yield from self._score_piece(text, piece[comma:hi], -1, False, False, listy, pending)
            return
        if comma >= 0 and not lo < comma < hi:
            # The comma fell outside the trimmed piece: score the side after it on its own.
            if comma > lo and comma < len(piece):
                yield from self._score_piece(text, piece[lo:comma], -1, title, cue, listy, pending)
                yield from self._score_piece(text, piece[comma:hi], -1, False, False, listy, pending)
                return
            comma = -1
        toks = piece[lo:hi]
        if comma >= 0:
            comma -= lo
        names = [t for t in toks if t.kind in _NAMEISH]
        n = len(names)
        if n == 0 or n > MAX_RUN_TOKENS:
            return
        scores: list[float] = []
        tss = [model.score(t.text) for t in names]
        for idx, t in enumerate(toks):
            if t.kind not in _NAMEISH:
                continue
            k = len(scores)
            ts = tss[k]
            if comma >= 0:
                s = max(ts.family if idx < comma else ts.given, ts.best * 0.85)
            elif n > 1 and k == 0:
                s = max(ts.given, ts.best * 0.9)
                if not ts.known and tss[-1].family >= PAIR_ROLE_MIN and _name_shaped(t.text):
                    s = UNKNOWN_PAIRED_SCORE
            elif n > 1 and k == n - 1:
                s = max(ts.family, ts.best * 0.9)
                if not ts.known and tss[0].given >= PAIR_ROLE_MIN and _name_shaped(t.text):
                    s = UNKNOWN_PAIRED_SCORE
            else:
                s = ts.best
            scores.append(s)
        end = toks[-1].end
        if n == 1:
            after = _AFTER_CUE_RE.match(text, end) is not None
            if listy and not (title or cue or after):
                ts = tss[0]
                if ts.given >= LIST_GIVEN_MIN and not model.is_common_word(names[0].text):
                    yield toks[0].start, end, round(0.5 + 0.5 * ts.given, 4)
                    return
            if not (title or cue or after):
                ts = tss[0]
                if (
                    (
                        (ts.given >= BARE_GIVEN_MIN and ts.given >= ts.family)
                        or (ts.family >= BARE_FAMILY_MIN and not _sentence_start(text, toks[0].start))
                    )
                    and not model.is_common_word(names[0].text)
                    and not (USE_PLACE_GUARD and _word_before(text, toks[0].start) in PLACE_PREPOSITIONS)
                ):
                    yield toks[0].start, end, round(0.5 + BARE_SCORE_WEIGHT * max(ts.given, ts.family), 4)
                    return
            if not (title or cue or after) or scores[0] < SINGLE_TOKEN_MIN * (0.6 if title else 1.0):
                if len(toks) == 1:
                    pending.append((toks[0].start, end, names[0].text))
                return
            score = 0.5 + 0.5 * scores[0]
        else:
            score = sum(scores) / n
            # Two strong tokens make a name even when a third is unknown: use the best pair too.
            top2 = sorted(scores, reverse=True)[:2]
            score = max(score, (top2[0] + top2[1]) / 2 - 0.1)
        if title:
            score += TITLE_BONUS
        if cue:
            score += CUE_BONUS
        if any(t.kind == "initial" for t in toks):
            score += INITIAL_BONUS
        score = min(score, 1.0)
        if score >= DETECT_THRESHOLD and not (title or cue) and _after_movement(text, toks[0].start):
            return  # "transferred from Otay Mesa", "detained at Port Isabel": a place
        if score >= DETECT_THRESHOLD:
            yield toks[0].start, end, round(score, 4)


def _sentence_start(text: str, start: int) -> bool:
    """Nothing but white space since the text's start or a sentence's end."""
    before = text[max(0, start - 8) : start].rstrip()
    return not before or before[-1] in ".!?:;\n\"'“(" or (start < 8 and not before.strip())


def _after_movement(text: str, start: int) -> bool:
    """Whether a verb of custody or movement and a preposition of place come right before
    ``start`` ("transferred from", "detained at", "held in"): what follows is a place."""
    words = text[max(0, start - 32) : start].lower().split()
    return (
        len(words) >= 2
        and text[start - 1 : start] in (" ", "\t")
        and words[-1] in PLACE_PREPOSITIONS
        and words[-2] in MOVEMENT_VERBS
    )


def _word_before(text: str, start: int) -> str:
    """The lower-cased word right before ``start`` (same line), or ""."""
    window = text[max(0, start - 16) : start].rsplit(None, 1)
    if not window or text[start - 1 : start] not in (" ", "\t"):
        return ""
    return window[-1].lower()


_SHAPE_RE = re.compile(r"[^\W\d_][^\W\d_'’\-]*[aeiouyàáâãäåèéêëìíîïòóôõöùúûüý][^\W\d_'’\-]*", re.IGNORECASE)


def _name_shaped(token: str) -> bool:
    """An unseen token that could be a name: letters only with a vowel, 3+ letters, not ALL-CAPS
    unless short of an acronym's typical length."""
    return (
        len(token) >= 3
        and _SHAPE_RE.fullmatch(token) is not None
        and not (token.isupper() and len(token) <= 4)
    )
