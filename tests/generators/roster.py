"""A case roster that holds the people of a leak, spelled the way another system spells them.

``make_roster(n_roster, n_exposed)`` draws ``n_roster`` fake people (``make_people``); the first
``n_exposed`` are the leaked records (written as the leaked workbook wrote them: "FAMILY, Given",
"A123456789"), and every roster row is the agency's own record of a person: for the exposed ones
a copy with realistic differences (case, accents, given/family swapped, dropped second surname,
transliteration variants, day/month swapped, year off by one, typos), for everyone a blank
A-number with probability ``blank_a_number``. A few siblings of exposed people (same surname,
another given name and birthday) make precision honest. Ground truth: exposed key -> roster key.
Every value is invented; deterministic for a seed.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from clearance.incident.matching import variant_table
from clearance.incident.roster import PersonRecord, from_values
from generators.people import Person, make_people

ROSTER_COLUMNS = (
    "Case ID", "A-Number", "Given Name", "Family Name", "Date of Birth", "Country of Citizenship",
    "Current Facility", "Custody", "Preferred Language", "Mailing Address", "Counsel Name", "Counsel Contact",
)  # fmt: skip
# Share of exposed people whose roster record differs in each way (independently drawn).
VARIATION_RATES = {
    "upper": 0.3,  # ALL CAPS
    "accents": 0.3,  # accents dropped (or added back: "Jose" -> "José")
    "swap_fields": 0.05,  # family name typed into the given-name field and the other way round
    "drop_second_surname": 0.25,  # "Garcia Lopez" -> "Garcia" (of those with two)
    "transliteration": 0.5,  # another spelling from the variant table, when the name has one
    "typo": 0.08,  # one letter changed, dropped or doubled in one name
    "dob_swap": 0.04,  # day and month swapped (when both <= 12)
    "dob_year": 0.01,  # year off by one
    "dob_digit": 0.01,  # one digit of the day mistyped
    "a_number_typo": 0.005,  # one digit of the A-number mistyped
}
SIBLING_RATE = 0.03  # exposed people with a sibling on the roster
_ACCENTED = {"jose": "José", "maria": "María", "garcia": "García", "lopez": "López", "gonzalez": "González",
             "hernandez": "Hernández", "perez": "Pérez", "ramirez": "Ramírez", "martinez": "Martínez",
             "rodriguez": "Rodríguez", "sanchez": "Sánchez", "gomez": "Gómez", "diaz": "Díaz"}  # fmt: skip
CUSTODY = (("detained", 0.84), ("released", 0.14), ("removed", 0.02))
COUNSEL_SHARE = 0.6
SPANISH = frozenset({"Mexico", "Guatemala", "Honduras", "El Salvador", "Nicaragua", "Colombia", "Venezuela",
                     "Ecuador", "Peru", "Cuba", "Dominican Republic"})  # fmt: skip


@dataclass
class RosterFixture:
    exposed: list[PersonRecord]
    roster: list[PersonRecord]
    rows: list[dict[str, str]]  # the roster as a CSV/Excel would hold it (ROSTER_COLUMNS)
    truth: dict[str, str]  # exposed key -> roster key
    variations: dict[str, list[str]] = field(default_factory=dict)  # exposed key -> what differs


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    k = rng.randrange(1, len(word) - 1)
    op = rng.choice("sdx")
    if op == "s":
        return word[:k] + rng.choice("aeiourlnst") + word[k + 1 :]
    if op == "d":
        return word[:k] + word[k + 1 :]
    return word[:k] + word[k] + word[k:]


def _respell(rng: random.Random, name: str, groups: dict[str, list[str]]) -> str:
    out = []
    for w in name.split(" "):
        alts = groups.get(w.lower())
        out.append(rng.choice(alts).capitalize() if alts else w)
    return " ".join(out)


def _variant_groups() -> dict[str, list[str]]:
    canon = variant_table()
    groups: dict[str, list[str]] = {}
    for spelling, c in canon.items():
        groups.setdefault(c, [c]).append(spelling)
    return {s: [x for x in g if x != s] for g in groups.values() for s in g}


def _vary(rng: random.Random, p: Person, groups: dict[str, list[str]]) -> tuple[Person, list[str]]:
    given, family, dob, a = p.given, p.family, p.dob, p.a_number
    what: list[str] = []
    r = VARIATION_RATES
    if rng.random() < r["transliteration"]:
        g2, f2 = _respell(rng, given, groups), _respell(rng, family, groups)
        if (g2, f2) != (given, family):
            given, family = g2, f2
            what.append("transliteration")
    if " " in family and rng.random() < r["drop_second_surname"]:
        family = family.split(" ")[0]
        what.append("drop_second_surname")
    if rng.random() < r["typo"]:
        if rng.random() < 0.5:
            given = _typo(rng, given)
        else:
            family = _typo(rng, family)
        what.append("typo")
    if rng.random() < r["accents"]:
        given = " ".join(_ACCENTED.get(w.lower(), w) for w in given.split(" "))
        family = " ".join(_ACCENTED.get(w.lower(), w) for w in family.split(" "))
        what.append("accents")
    if rng.random() < r["upper"]:
        given, family = given.upper(), family.upper()
        what.append("upper")
    if rng.random() < r["swap_fields"]:
        given, family = family, given
        what.append("swap_fields")
    if dob.day <= 12 and dob.day != dob.month and rng.random() < r["dob_swap"]:
        dob = dob.replace(month=dob.day, day=dob.month)
        what.append("dob_swap")
    elif rng.random() < r["dob_year"]:
        try:
            dob = dob.replace(year=dob.year + rng.choice((-1, 1)))
            what.append("dob_year")
        except ValueError:  # 29 February
            pass
    elif rng.random() < r["dob_digit"]:
        day = dob.day + rng.choice((-1, 1)) * (1 if dob.day % 10 not in (0, 9) else -1)
        try:
            dob = dob.replace(day=day)
            what.append("dob_digit")
        except ValueError:
            pass
    if rng.random() < r["a_number_typo"]:
        k = rng.randrange(1, 9)
        a = a[:k] + str((int(a[k]) + 1) % 10) + a[k + 1 :]
        what.append("a_number_typo")
    return Person(given, family, dob, p.sex, p.nationality, a, p.facility, p.case_status, p.tradition), what


def _row(rng: random.Random, key: str, p: Person, *, blank_a: bool) -> dict[str, str]:
    custody = rng.choices([c for c, _ in CUSTODY], [w for _, w in CUSTODY])[0]
    counsel = rng.random() < COUNSEL_SHARE
    return {
        "Case ID": key,
        "A-Number": ""
        if blank_a
        else p.a_number_formatted(rng.choice(("A123456789", "A-123-456-789", "123 456 789"))),
        "Given Name": p.given,
        "Family Name": p.family,
        "Date of Birth": p.dob.strftime(rng.choice(("%Y-%m-%d", "%m/%d/%Y"))),
        "Country of Citizenship": p.nationality,
        "Current Facility": p.facility if custody == "detained" else "",
        "Custody": custody,
        "Preferred Language": ("es" if p.nationality in SPANISH else "") if rng.random() < 0.5 else "",
        "Mailing Address": f"{rng.randint(1, 9999)} Example Street, Unit {key}",
        "Counsel Name": f"Counsel {rng.randint(1, 400):03d}, Esq." if counsel else "",
        "Counsel Contact": f"counsel{rng.randint(1, 400):03d}@example.org" if counsel else "",
    }


_FIELDS = {
    "Case ID": "id", "A-Number": "a_number", "Given Name": "given", "Family Name": "family",
    "Date of Birth": "dob", "Country of Citizenship": "nationality", "Current Facility": "facility",
    "Custody": "custody", "Preferred Language": "language", "Mailing Address": "address",
    "Counsel Name": "counsel_name", "Counsel Contact": "counsel_contact",
}  # fmt: skip


def row_record(row: dict[str, str]) -> PersonRecord:
    values = {_FIELDS[k]: v for k, v in row.items()}
    return from_values(values.pop("id"), values)


def exposed_record(key: str, p: Person) -> PersonRecord:
    """As the leaked workbook wrote the person (people.record, English headers)."""
    return from_values(
        key,
        {
            "name": p.display_name("last-first"),
            "dob": p.dob,
            "nationality": p.nationality,
            "a_number": p.a_number_formatted("A123456789"),
            "facility": p.facility,
            "case_status": p.case_status,
        },
    )


def make_roster(
    n_roster: int = 100_000, n_exposed: int = 6_252, *, seed: int = 0, blank_a_number: float = 0.2
) -> RosterFixture:
    if n_exposed > n_roster:
        raise ValueError("the exposed people are a subset of the roster")
    rng = random.Random(seed)
    people = make_people(n_roster, seed=seed)
    groups = _variant_groups()
    exposed, rows, truth, variations = [], [], {}, {}
    order = list(range(n_roster))
    rng.shuffle(order)  # roster order unrelated to the leak's order
    case_ids = {i: f"C{100000 + k:06d}" for k, i in enumerate(order)}
    for i, p in enumerate(people):
        key = case_ids[i]
        blank = rng.random() < blank_a_number
        if i < n_exposed:
            ek = f"E{i + 1:05d}"
            exposed.append(exposed_record(ek, p))
            varied, what = _vary(rng, p, groups)
            rows.append(_row(rng, key, varied, blank_a=blank))
            truth[ek] = key
            variations[ek] = what + (["blank_a_number"] if blank else [])
            if rng.random() < SIBLING_RATE:  # a brother or sister: same family, another person
                donor = people[rng.randrange(n_exposed, n_roster)]
                sib = Person(
                    donor.given, p.family, p.dob + datetime.timedelta(days=rng.randint(400, 4000)), donor.sex,
                    p.nationality, f"{rng.randrange(10**8, 10**9):09d}", p.facility, p.case_status,
                    p.tradition,
                )  # fmt: skip
                rows.append(_row(rng, f"S{i:06d}", sib, blank_a=rng.random() < blank_a_number))
        else:
            rows.append(_row(rng, key, p, blank_a=blank))
    rows.sort(key=lambda r: r["Case ID"])
    roster = [row_record(r) for r in rows]
    return RosterFixture(exposed, roster, rows, truth, variations)
