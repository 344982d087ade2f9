"""Validators: tiny pure functions named by rules (``validator = "us_ssn"``).

Each returns True (valid), False (not valid: drop the match) or None (cannot tell: keep the
rule's score). Checksums and numbering plans come from python-stdnum and phonenumbers.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping

from clearance.detectors.dates import plausible_birth_date

Validator = Callable[[str], "bool | None"]

_NON_DIGIT = re.compile(r"\D")


def a_number(value: str) -> bool | None:
    """A-numbers have 8 or 9 digits (older ones 7, too rare to match loosely) and are never all zeros."""
    digits = _NON_DIGIT.sub("", value)
    return len(digits) in (8, 9) and digits.strip("0") != ""


def us_ssn(value: str) -> bool | None:
    from stdnum.us import ssn  # lazy: stdnum imports many country modules on demand

    return bool(ssn.is_valid(value.replace(" ", "-") if " " in value else value))


def us_itin(value: str) -> bool | None:
    from stdnum.us import itin

    return bool(itin.is_valid(value.replace(" ", "-") if " " in value else value))


def phone(value: str) -> bool | None:
    """Valid number in the numbering plan (US when no '+' country code is written)."""
    import phonenumbers

    try:
        num = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(num))


def email(value: str) -> bool | None:
    local, _, domain = value.rpartition("@")
    return bool(local) and "." in domain and not domain.startswith(".") and ".." not in value


def country(value: str) -> bool | None:
    return normalise_country(value) in country_names()


_BUILTIN: Mapping[str, Validator] = {
    "a_number": a_number,
    "us_ssn": us_ssn,
    "us_itin": us_itin,
    "phone": phone,
    "email": email,
    "country": country,
}
NEEDS_REFERENCE_YEAR = ("date_of_birth",)
NAMES = (*_BUILTIN, *NEEDS_REFERENCE_YEAR)


def resolve(name: str, *, reference_year: int) -> Validator:
    """The validator called ``name``; KeyError when there is none (the caller names the rule)."""
    if name == "date_of_birth":
        return functools.partial(plausible_birth_date, reference_year=reference_year)
    return _BUILTIN[name]


# --- countries -------------------------------------------------------------------------------

# Nationality adjectives (demonyms) as written in US immigration records for the countries that
# account for most ICE book-ins (ICE annual reports, FY2019-FY2024), in English and Spanish
# (masculine and feminine). Source of the forms: CIA World Factbook "Nationality" field and the
# Real Academia Española's gentilicios. Country names themselves come from pycountry (ISO 3166).
DEMONYMS = [
    "mexican",
    "guatemalan",
    "honduran",
    "salvadoran",
    "salvadorean",
    "nicaraguan",
    "cuban",
    "venezuelan",
    "colombian",
    "ecuadorian",
    "haitian",
    "dominican",
    "brazilian",
    "peruvian",
    "chilean",
    "bolivian",
    "argentine",
    "argentinian",
    "jamaican",
    "canadian",
    "american",
    "indian",
    "chinese",
    "russian",
    "ukrainian",
    "romanian",
    "turkish",
    "mauritanian",
    "senegalese",
    "nigerian",
    "ghanaian",
    "cameroonian",
    "angolan",
    "congolese",
    "eritrean",
    "ethiopian",
    "somali",
    "afghan",
    "pakistani",
    "bangladeshi",
    "nepali",
    "nepalese",
    "vietnamese",
    "filipino",
    "uzbek",
    "kyrgyz",
    "tajik",
    "georgian",
    "armenian",
    "egyptian",
    "iranian",
    "iraqi",
    "syrian",
    "yemeni",
    "sudanese",
    "guinean",
    "malian",
    "gambian",
    "mexicano",
    "mexicana",
    "guatemalteco",
    "guatemalteca",
    "hondureno",
    "hondurena",
    "salvadoreno",
    "salvadorena",
    "nicaraguense",
    "cubano",
    "cubana",
    "venezolano",
    "venezolana",
    "colombiano",
    "colombiana",
    "ecuatoriano",
    "ecuatoriana",
    "haitiano",
    "haitiana",
    "dominicano",
    "dominicana",
    "peruano",
    "peruana",
    "brasileno",
    "brasilena",
    "chileno",
    "chilena",
    "boliviano",
    "boliviana",
    "argentino",
    "argentina",
    "estadounidense",
    "canadiense",
    "indio",
    "india",
    "chino",
    "china",
    "ruso",
    "rusa",
    "ucraniano",
    "ucraniana",
    "rumano",
    "rumana",
    "turco",
    "turca",
]

# Short forms used in records that are neither ISO names nor pycountry common names.
ALIASES = (
    "usa",
    "us",
    "u s a",
    "united states of america",
    "uk",
    "great britain",
    "england",
    "russia",
    "south korea",
    "north korea",
    "korea south",
    "korea north",
    "burma",
    "ivory coast",
    "laos",
    "vietnam",
    "syria",
    "iran",
    "venezuela",
    "bolivia",
    "tanzania",
    "moldova",
    "czech republic",
    "turkey",
    "congo",
    "democratic republic of the congo",
    "drc",
    "macedonia",
    "cape verde",
    "east timor",
    "swaziland",
    "palestine",
    "kosovo",
    "holland",
)


_ACCENTS = {
    ord(c): unicodedata.normalize("NFD", c)[0]
    for c in map(chr, range(0xC0, 0x250))
    if unicodedata.normalize("NFD", c)[0].isascii()
}
_PUNCT = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lowercase, accents stripped one-for-one (offsets are preserved)."""
    if text.isascii():  # the common case; str.translate with a dict is slow per character
        return text.lower()
    return text.translate(_ACCENTS).lower()


def normalise_country(value: str) -> str:
    s = _PUNCT.sub(" ", fold(value)).strip()
    if s.startswith("the "):
        s = s[4:]
    return s


@functools.cache
def country_names() -> frozenset[str]:
    """Normalised country names, official names, Spanish names, aliases and demonyms."""
    import gettext

    import pycountry

    try:
        es = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"]).gettext
    except OSError:  # a pycountry build without locales: English names still work
        es = str
    out: set[str] = set()
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            name = getattr(c, attr, None)
            if not name:
                continue
            for variant in (name, es(name)):
                n = normalise_country(variant)
                out.add(n)
                if ", " in variant:  # "Korea, Republic of" -> also "republic of korea"
                    head, _, tail = variant.partition(", ")
                    out.add(normalise_country(f"{tail} {head}"))
                    out.add(normalise_country(head))
    out.update(ALIASES)
    out.update(DEMONYMS)
    out.discard("")
    return frozenset(out)
