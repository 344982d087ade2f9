"""Fake people shaped like the records in the leaked FY23 detention workbook (Faker + small samples).

Every value here is invented. Names come from the naming traditions most seen in US immigration
custody, always in Latin script (transliterated where Faker only has native script), and the
nationality always matches the tradition, so a detector sees realistic combinations. Output is
deterministic for a seed and fast: names are drawn from per-locale Faker instances that are built
once per process and re-seeded on every call.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from faker import Faker

# The leak was reported on 28 Nov 2022; ages are computed against this fixed day so that output
# does not depend on the clock.
REFERENCE_DATE = datetime.date(2022, 11, 28)
MINOR_SHARE = 0.12  # share of records that are children (ages 1-17)

CASE_STATUSES: tuple[str, ...] = (
    "Credible fear - positive",
    "Credible fear - negative",
    "Asylum application pending",
    "Withholding of removal",
    "Removal order - appeal pending",
    "CAT deferral",
    "Parole",
)

# Real, public ICE facility names (organisations, not people) with their published locations.
FACILITIES: tuple[tuple[str, str, str, str], ...] = (
    # (name, street address, city, state)
    ("Otay Mesa Detention Center", "7488 Calzada de la Fuente", "San Diego", "CA"),
    ("Adelanto ICE Processing Center", "10250 Rancho Road", "Adelanto", "CA"),
    ("Stewart Detention Center", "146 CCA Road", "Lumpkin", "GA"),
    ("South Texas ICE Processing Center", "566 Veterans Drive", "Pearsall", "TX"),
    ("Krome North Service Processing Center", "18201 SW 12th Street", "Miami", "FL"),
    ("Port Isabel Service Processing Center", "27991 Buena Vista Boulevard", "Los Fresnos", "TX"),
    ("Northwest ICE Processing Center", "1623 East J Street", "Tacoma", "WA"),
    ("Central Louisiana ICE Processing Center", "830 Pinehill Road", "Jena", "LA"),
    ("Eloy Federal Contract Facility", "1705 East Hanna Road", "Eloy", "AZ"),
    ("Winn Correctional Center", "560 Gum Springs Road", "Winnfield", "LA"),
    ("Moshannon Valley Processing Center", "555 Geo Drive", "Philipsburg", "PA"),
    ("Otero County Processing Center", "26 McGregor Range Road", "Chaparral", "NM"),
    ("El Paso Service Processing Center", "8915 Montana Avenue", "El Paso", "TX"),
    ("Houston Contract Detention Facility", "15850 Export Plaza Drive", "Houston", "TX"),
    ("Buffalo (Batavia) Service Processing Center", "4250 Federal Drive", "Batavia", "NY"),
    ("Elizabeth Contract Detention Facility", "625 Evans Street", "Elizabeth", "NJ"),
    ("Denver Contract Detention Facility", "3130 North Oakland Street", "Aurora", "CO"),
    ("Torrance County Detention Facility", "209 County Road 49", "Estancia", "NM"),
)
FACILITY_NAMES: tuple[str, ...] = tuple(f[0] for f in FACILITIES)

A_NUMBER_STYLES: tuple[str, ...] = ("A123456789", "A-123-456-789", "123 456 789", "A 123456789")
NAME_STYLES: tuple[str, ...] = ("last-first", "first-last", "title-last-first")


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    dob: datetime.date
    sex: str  # "M" or "F"
    nationality: str  # country name, e.g. "Guatemala"
    a_number: str  # 9 digits, no "A"
    facility: str
    case_status: str
    tradition: str = ""  # naming tradition the name was drawn from (see TRADITIONS)

    def display_name(self, style: str = "last-first") -> str:
        """``last-first`` -> "GARCIA LOPEZ, Maria"; ``first-last`` -> "Maria Garcia Lopez";
        ``title-last-first`` -> "Garcia Lopez, Maria"."""
        if style == "last-first":
            return f"{self.family.upper()}, {self.given}"
        if style == "first-last":
            return f"{self.given} {self.family}"
        if style == "title-last-first":
            return f"{self.family}, {self.given}"
        raise ValueError(f"unknown name style {style!r}; expected one of {NAME_STYLES}")

    def a_number_formatted(self, style: str = "A123456789") -> str:
        """Styles: "A123456789", "A-123-456-789", "123 456 789", "A 123456789"."""
        a = self.a_number
        if style == "A123456789":
            return f"A{a}"
        if style == "A-123-456-789":
            return f"A-{a[:3]}-{a[3:6]}-{a[6:]}"
        if style == "123 456 789":
            return f"{a[:3]} {a[3:6]} {a[6:]}"
        if style == "A 123456789":
            return f"A {a}"
        raise ValueError(f"unknown A-number style {style!r}; expected one of {A_NUMBER_STYLES}")

    def age(self, on: datetime.date = REFERENCE_DATE) -> int:
        return on.year - self.dob.year - ((on.month, on.day) < (self.dob.month, self.dob.day))


# --- column layouts shared by the workbook and CSV writers ------------------------------------

HEADER_STYLES: tuple[str, ...] = ("en", "es", "none", "misleading")
HEADERS: dict[str, tuple[str, ...] | None] = {
    "en": (
        "Last Name, First Name",
        "DOB",
        "Country of Citizenship",
        "Detention Facility",
        "A-Number",
        "Case Status",
    ),
    "es": (
        "Nombre",
        "Fecha de nacimiento",
        "Nacionalidad",
        "Centro de detención",
        "Número A",
        "Estado del caso",
    ),
    "none": None,
    "misleading": ("Field1", "Notes", "Field3", "Category", "Code", "Remarks"),
}
# How each header style writes names and A-numbers (a real export uses one convention throughout).
RECORD_FORMATS: dict[str, tuple[str, str]] = {
    "en": ("last-first", "A123456789"),
    "es": ("title-last-first", "A-123-456-789"),
    "none": ("last-first", "123 456 789"),
    "misleading": ("first-last", "A 123456789"),
}


def headers(header_style: str) -> tuple[str, ...] | None:
    if header_style not in HEADERS:
        raise ValueError(f"unknown header style {header_style!r}; expected one of {HEADER_STYLES}")
    return HEADERS[header_style]


def record(person: Person, header_style: str = "en") -> tuple[str, datetime.date, str, str, str, str]:
    """One row: name, DOB, nationality, facility, A-number, case status (formats per style)."""
    name_style, a_style = RECORD_FORMATS[header_style]
    return (
        person.display_name(name_style),
        person.dob,
        person.nationality,
        person.facility,
        person.a_number_formatted(a_style),
        person.case_status,
    )


# --- transliteration (Faker's ru_RU / uk_UA give Cyrillic) ------------------------------------
# A simple BGN/GOST-like table; good enough for names, which is all we feed it.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "yo", "є": "ye",
    "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "'": "", "’": "", "ʼ": "",
}  # fmt: skip
_UKRAINIAN_OVERRIDES = {"г": "h", "и": "y"}


def transliterate(text: str, language: str = "ru") -> str:
    table = {**_CYRILLIC, **_UKRAINIAN_OVERRIDES} if language == "uk" else _CYRILLIC
    out: list[str] = []
    for ch in text:
        low = ch.lower()
        if low in table:
            t = table[low]
            out.append(t.capitalize() if ch != low else t)
        else:
            out.append(ch)
    return "".join(out)


# --- small hand-made samples where Faker has no usable Latin-script locale --------------------

_HAITIAN_GIVEN_M = (
    "Jean-Robert", "Wilner", "Dieuseul", "Jean-Claude", "Mackenson", "Woodly", "Roodly", "Wilfrid",
    "Jean-Baptiste", "Frantz", "Ronald", "Jocelyn", "Guerby", "Wesner", "Kervens", "Jean-Philippe",
)  # fmt: skip
_HAITIAN_GIVEN_F = (
    "Marie-Carmel", "Widline", "Fabiola", "Jocelyne", "Ketlie", "Rose-Marie", "Wisline", "Nadege",
    "Guerline", "Marie-Ange", "Roseline", "Mirlande", "Darline", "Fedeline", "Judeline", "Nadia",
)  # fmt: skip
_HAITIAN_FAMILY = (
    "Jean-Baptiste", "Pierre", "Joseph", "Louis", "Charles", "Jean", "Etienne", "Saint-Fleur",
    "Dorvil", "Desir", "Exantus", "Fils-Aime", "Toussaint", "Augustin", "Francois", "Noel",
    "Petit-Frere", "Celestin", "Alexis", "Michel", "Baptiste", "Bien-Aime", "Dieujuste", "Jeune",
    "Cadet", "Laguerre", "Mondesir", "Lubin", "Metellus", "Pierre-Louis", "Saintil", "Estime",
)  # fmt: skip
_ARABIC_GIVEN_M = (
    "Mohamed", "Ahmed", "Mahmoud", "Omar", "Youssef", "Ali", "Hassan", "Hussein", "Khaled",
    "Ibrahim", "Mustafa", "Abdullah", "Abdelrahman", "Karim", "Tarek", "Walid", "Samir", "Nabil",
    "Yassin", "Hamza", "Bilal", "Saleh", "Faisal", "Anas", "Majid", "Rami", "Ziad", "Osama",
    "Sidi", "Cheikh", "Mokhtar", "El Hadj",
)  # fmt: skip
_ARABIC_GIVEN_F = (
    "Fatima", "Aisha", "Mariam", "Nour", "Layla", "Huda", "Amal", "Rania", "Salma", "Yasmin",
    "Hala", "Reem", "Dina", "Zainab", "Khadija", "Nadia", "Samira", "Iman", "Asmaa", "Mouna",
    "Lina", "Rasha", "Ghada", "Sara", "Mariem", "Aminetou",
)  # fmt: skip
_ARABIC_FAMILY = (
    "Al-Hassan", "Abdallah", "Haddad", "Khoury", "Mansour", "Nasser", "Saleh", "Hamdan",
    "El-Sayed", "Ibrahim", "Qasim", "Al-Masri", "Darwish", "Suleiman", "Othman", "Yousef",
    "Barakat", "Hijazi", "Jaber", "Khalil", "Mahmoud", "Najjar", "Abdel Rahman", "Sabbagh",
    "Al-Shami", "Tamimi", "Zaki", "Ould Ahmed", "Ould Mohamed", "Ould Sidi", "Ben Ali", "El-Amin",
)  # fmt: skip
_PERSIAN_GIVEN_M = (
    "Mohammad", "Reza", "Ali", "Hossein", "Mehdi", "Amir", "Hamid", "Saeed", "Behzad", "Dariush",
    "Farhad", "Kourosh", "Babak", "Arash", "Omid", "Navid", "Payam", "Kamran", "Javad",
    "Morteza", "Ahmad", "Farid", "Nasir", "Jawad", "Zabihullah", "Rahmatullah", "Sayed", "Mirwais",
)  # fmt: skip
_PERSIAN_GIVEN_F = (
    "Maryam", "Zahra", "Fatemeh", "Shirin", "Parisa", "Nazanin", "Leila", "Mahsa", "Niloufar",
    "Roya", "Soraya", "Azadeh", "Golnar", "Mina", "Farzaneh", "Sahar", "Tahmina", "Freshta",
    "Mursal", "Zarghona",
)  # fmt: skip
_PERSIAN_FAMILY = (
    "Hosseini", "Mohammadi", "Rezaei", "Ahmadi", "Karimi", "Moradi", "Jafari", "Rahimi",
    "Sadeghi", "Kazemi", "Hashemi", "Ghorbani", "Tehrani", "Shirazi", "Esfahani", "Nouri",
    "Amini", "Akbari", "Safavi", "Rostami", "Popal", "Durrani", "Noorzai", "Sultani", "Stanekzai",
    "Wardak", "Azizi", "Haidari", "Rahmani", "Sharifi",
)  # fmt: skip
_HABESHA_GIVEN_M = (
    "Abebe", "Tesfaye", "Mulugeta", "Dawit", "Yonas", "Biniam", "Samuel", "Kidane", "Berhane",
    "Goitom", "Haile", "Tekle", "Yohannes", "Mesfin", "Girma", "Solomon", "Henok", "Amanuel",
    "Filmon", "Robel", "Natnael", "Tewodros",
)  # fmt: skip
_HABESHA_GIVEN_F = (
    "Selam", "Meron", "Hiwot", "Tigist", "Almaz", "Saba", "Helen", "Senait", "Rahel", "Bethlehem",
    "Mekdes", "Feven", "Luwam", "Winta", "Yordanos", "Tsega",
)  # fmt: skip
_HABESHA_FAMILY = (
    "Gebremedhin", "Tesfay", "Haile", "Kidane", "Abraha", "Woldemariam", "Bekele", "Tadesse",
    "Desta", "Alemu", "Mengistu", "Negash", "Berhe", "Gebreyesus", "Asfaw", "Girma", "Tekle",
    "Hagos", "Kahsay", "Mebrahtu", "Ghebremichael", "Fikre",
)  # fmt: skip
_SOMALI_GIVEN_M = (
    "Abdi", "Mohamed", "Hassan", "Abdirahman", "Abdullahi", "Ahmed", "Farah", "Yusuf", "Omar",
    "Liban", "Mustafe", "Guled",
)  # fmt: skip
_SOMALI_GIVEN_F = ("Hodan", "Fadumo", "Amina", "Ayan", "Sahra", "Hibo", "Ifrah", "Nasra", "Ubah", "Deeqa")
_SOMALI_FAMILY = (
    "Warsame", "Farah", "Hussein", "Abdi", "Mohamud", "Jama", "Osman", "Egal", "Aden", "Duale",
    "Hirsi", "Ali",
)  # fmt: skip


@cache
def _faker(locale: str) -> Faker:
    return Faker(locale)


def _seeded(locale: str, seed: int) -> Faker:
    f = _faker(locale)
    f.seed_instance(f"{seed}:{locale}")
    return f


# A tradition is a weight, its nationalities (weights) and a name maker:
# (rng, fakers, sex) -> (given, family). ``fakers`` maps locale -> seeded Faker.
NameMaker = Callable[[random.Random, dict[str, Faker], str, str], tuple[str, str]]


def _faker_given(f: Faker, sex: str) -> str:
    return f.first_name_male() if sex == "M" else f.first_name_female()


def _faker_family(f: Faker, sex: str) -> str:
    return f.last_name_male() if sex == "M" else f.last_name_female()


_LATIN_LOCALE = {
    "Mexico": "es_MX", "Guatemala": "es_MX", "Honduras": "es_MX", "El Salvador": "es_MX",
    "Nicaragua": "es_MX", "Colombia": "es_CO", "Venezuela": "es_CO", "Ecuador": "es_CO",
    "Peru": "es_CO", "Cuba": "es", "Dominican Republic": "es", "Brazil": "pt_BR",
}  # fmt: skip


def _latin_american(rng: random.Random, fk: dict[str, Faker], sex: str, nat: str) -> tuple[str, str]:
    f = fk[_LATIN_LOCALE[nat]]
    given = _faker_given(f, sex)
    if rng.random() < 0.25 and " " not in given:
        given = f"{given} {_faker_given(f, sex)}"
    family = _faker_family(f, sex)
    if rng.random() < 0.85:  # paternal + maternal surname
        family = f"{family} {_faker_family(f, sex)}"
    return given, family


def _haitian(rng: random.Random, fk: dict[str, Faker], sex: str, nat: str) -> tuple[str, str]:
    if rng.random() < 0.4:
        given = _faker_given(fk["fr_FR"], sex)
    else:
        given = rng.choice(_HAITIAN_GIVEN_M if sex == "M" else _HAITIAN_GIVEN_F)
    return given, rng.choice(_HAITIAN_FAMILY)


def _chinese(rng: random.Random, fk: dict[str, Faker], sex: str, nat: str) -> tuple[str, str]:
    f = fk["zh_CN"]
    given = f.first_romanized_name()
    second = f.first_romanized_name()
    # two-syllable given names are written as one word in pinyin ("Xiuying"); Faker's list mixes
    # one- and two-syllable names, so only join short ones
    if rng.random() < 0.6 and len(given) <= 4 and len(second) <= 4:
        given += second.lower()
    return given, f.last_romanized_name()


def _slavic(rng: random.Random, fk: dict[str, Faker], sex: str, nat: str) -> tuple[str, str]:
    locale, lang = ("uk_UA", "uk") if nat == "Ukraine" else ("ru_RU", "ru")
    f = fk[locale]
    return transliterate(_faker_given(f, sex), lang), transliterate(_faker_family(f, sex), lang)


def _indian(rng: random.Random, fk: dict[str, Faker], sex: str, nat: str) -> tuple[str, str]:
    f = fk["en_IN"]
    return _faker_given(f, sex), f.last_name()


def _sample(given_m: Sequence[str], given_f: Sequence[str], family: Sequence[str]) -> NameMaker:
    def make(rng: random.Random, fk: dict[str, Faker], sex: str, nat: str) -> tuple[str, str]:
        return rng.choice(given_m if sex == "M" else given_f), rng.choice(family)

    return make


_WEST_AFRICAN_LOCALES = {"Nigeria": ("yo_NG", "ha_NG", "ig_NG", "en_NG"), "Ghana": ("tw_GH",)}


def _west_african(rng: random.Random, fk: dict[str, Faker], sex: str, nat: str) -> tuple[str, str]:
    if nat in _WEST_AFRICAN_LOCALES:
        f = fk[rng.choice(_WEST_AFRICAN_LOCALES[nat])]
        return _faker_given(f, sex), f.last_name()
    # Senegal, Mauritania, Guinea: Wolof / Fula / Mandinka names are largely Arabic-derived
    given = rng.choice(("Mamadou", "Moussa", "Ousmane", "Abdoulaye", "Ibrahima", "Cheikh", "Alioune"))
    if sex == "F":
        given = rng.choice(("Aminata", "Fatou", "Mariama", "Awa", "Khady", "Aissatou", "Binta"))
    return given, rng.choice(("Diallo", "Ndiaye", "Sow", "Ba", "Camara", "Toure", "Diop", "Fall", "Barry"))


def _east_african(rng: random.Random, fk: dict[str, Faker], sex: str, nat: str) -> tuple[str, str]:
    if nat in ("Ethiopia", "Eritrea"):  # given name + father's name
        return rng.choice(_HABESHA_GIVEN_M if sex == "M" else _HABESHA_GIVEN_F), rng.choice(_HABESHA_FAMILY)
    if nat == "Somalia":
        return rng.choice(_SOMALI_GIVEN_M if sex == "M" else _SOMALI_GIVEN_F), rng.choice(_SOMALI_FAMILY)
    f = fk["en_KE" if nat == "Kenya" else "sw"]
    return _faker_given(f, sex), f.last_name()


def _turkish(rng: random.Random, fk: dict[str, Faker], sex: str, nat: str) -> tuple[str, str]:
    f = fk["tr_TR"]
    return _faker_given(f, sex), f.last_name()


# name -> (weight, ((nationality, weight), ...), maker, locales used)
TRADITIONS: dict[str, tuple[float, tuple[tuple[str, float], ...], NameMaker, tuple[str, ...]]] = {
    "latin-american": (
        0.44,
        (
            ("Mexico", 20),
            ("Guatemala", 18),
            ("Honduras", 16),
            ("El Salvador", 10),
            ("Nicaragua", 7),
            ("Venezuela", 7),
            ("Colombia", 7),
            ("Cuba", 7),
            ("Ecuador", 4),
            ("Peru", 3),
            ("Dominican Republic", 2),
            ("Brazil", 3),
        ),
        _latin_american,
        ("es_MX", "es_CO", "es", "pt_BR"),
    ),
    "haitian": (0.09, (("Haiti", 1),), _haitian, ("fr_FR",)),
    "chinese": (0.06, (("China", 1),), _chinese, ("zh_CN",)),
    "slavic": (0.06, (("Russia", 3), ("Ukraine", 2)), _slavic, ("ru_RU", "uk_UA")),
    "indian": (0.07, (("India", 1),), _indian, ("en_IN",)),
    "arabic": (
        0.06,
        (("Mauritania", 4), ("Egypt", 2), ("Syria", 1), ("Iraq", 1), ("Yemen", 1), ("Sudan", 1)),
        _sample(_ARABIC_GIVEN_M, _ARABIC_GIVEN_F, _ARABIC_FAMILY),
        (),
    ),
    "persian": (
        0.04,
        (("Iran", 1), ("Afghanistan", 1)),
        _sample(_PERSIAN_GIVEN_M, _PERSIAN_GIVEN_F, _PERSIAN_FAMILY),
        (),
    ),
    "west-african": (
        0.07,
        (("Nigeria", 3), ("Ghana", 2), ("Senegal", 2), ("Guinea", 1)),
        _west_african,
        ("yo_NG", "ha_NG", "ig_NG", "en_NG", "tw_GH"),
    ),
    "east-african": (
        0.06,
        (("Ethiopia", 2), ("Eritrea", 2), ("Somalia", 2), ("Kenya", 1), ("Tanzania", 1)),
        _east_african,
        ("en_KE", "sw"),
    ),
    "turkish": (0.03, (("Turkey", 1),), _turkish, ("tr_TR",)),
}


def nationalities() -> tuple[str, ...]:
    return tuple(nat for _, nats, _, _ in TRADITIONS.values() for nat, _ in nats)


def _dob(rng: random.Random) -> datetime.date:
    if rng.random() < MINOR_SHARE:
        age = rng.randint(1, 17)
    else:  # adults skew young (18-45), with a tail to 80
        age = rng.randint(18, 45) if rng.random() < 0.8 else rng.randint(46, 80)
    # the last birthday falls 1-364 days before the reference date, so age() == age
    last_birthday = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
    return last_birthday - datetime.timedelta(days=rng.randint(1, 364))


def make_people(n: int, seed: int = 0) -> list[Person]:
    """``n`` fake detainees, deterministic for ``seed``; distinct A-numbers."""
    rng = random.Random(seed)
    names = list(TRADITIONS)
    weights = [TRADITIONS[t][0] for t in names]
    fakers = {loc: _seeded(loc, seed) for t in names for loc in TRADITIONS[t][3]}
    facility_weights = [rng.randint(2, 12) for _ in FACILITY_NAMES]
    status_weights = (22, 6, 30, 8, 14, 5, 15)
    seen: set[str] = set()
    people: list[Person] = []
    traditions = rng.choices(names, weights, k=n)
    for tradition in traditions:
        _, nats, maker, _ = TRADITIONS[tradition]
        nat = rng.choices([x for x, _ in nats], [w for _, w in nats])[0]
        sex = "M" if rng.random() < 0.7 else "F"
        given, family = maker(rng, fakers, sex, nat)
        while True:  # A-numbers issued since the 2000s start with 2; older ones with 0 or 1
            a = f"{rng.choice('0112222222')}{rng.randrange(10**8):08d}"
            if a not in seen:
                seen.add(a)
                break
        people.append(
            Person(
                given=given,
                family=family,
                dob=_dob(rng),
                sex=sex,
                nationality=nat,
                a_number=a,
                facility=rng.choices(FACILITY_NAMES, facility_weights)[0],
                case_status=rng.choices(CASE_STATUSES, status_weights)[0],
                tradition=tradition,
            )
        )
    return people
