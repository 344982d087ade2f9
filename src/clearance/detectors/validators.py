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
    """A-numbers have 8 or 9 digits (older ones 7, too rare to match loosely); never one digit
    repeated, as in a form's placeholder ("A000-000-000", "A999999999")."""
    digits = _NON_DIGIT.sub("", value)
    return len(digits) in (8, 9) and len(set(digits.lstrip("0") or "0")) > 1


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


# --- phone numbers written without a country code ------------------------------------------

# E.164 numbers have at most 15 digits; the shortest subscriber numbers still written as contact
# details are 7-digit local numbers (North America, the Caribbean, much of Latin America).
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15
# A run of digits with no separators is a phone only in the shape of a whole national number: one
# trunk '0' and 10-12 digits (UK, France, Germany, Nigeria, Kenya, Australia: "07700900123") or a
# valid 10-digit North American number. Shorter bare runs are IDs and counts far more often.
PHONE_BARE_TRUNK_DIGITS = range(10, 13)
# A 7-digit local number is written 3-4 ("555-1234") or 3-2-2 ("123 45 67"); other 7-digit
# groupings ("19-12345" case numbers) are references.
PHONE_LOCAL_GROUPS = ((3, 4), (3, 2, 2))
_DIGIT_GROUP = re.compile(r"\d+")
# Shapes that are never phones, checked on the whole value: a date (alone or starting a
# date-time), a range of years, a US ZIP+4 code, a dashed SSN, an IPv4 address, and a number
# written with thousands separators ("12 345 678", "1.234.567") or ending in a round "000".
_NOT_PHONE = re.compile(
    r"(?:\d{4}([-./])\d{1,2}\1\d{1,2}|\d{1,2}([-./])\d{1,2}\2(?:\d{4}|\d{2}))(?:\s|$)"
    r"|(?:19|20)\d\d[-– ](?:19|20)\d\d$"
    r"|\d{5}-\d{4}$"
    r"|\d{3}-\d{2}-\d{4}$"
    r"|\d{1,3}(?:\.\d{1,3}){3}$"
    r"|\d{1,2}(?:[ .]\d{3})+$"
    r"|.*[ .]000$"
)


def phone_national(value: str) -> bool | None:
    """A phone number written without '+' and a country code (only reported beside a phone word).

    '00' followed by a country code (the international prefix written instead of '+') is checked
    with phonenumbers; a bare 10- or 11-digit North American number too. Other national numbers
    cannot be tied to one numbering plan without knowing the country, so they get a structural
    check only: 7-15 digits, not one repeated digit, not a date, year range, ZIP+4, SSN, IP
    address or amount, and a usual grouping. True: valid number; None: plausible; False: not one.
    """
    import phonenumbers

    digits = _NON_DIGIT.sub("", value)
    if not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS or len(set(digits)) == 1:
        return False
    if digits.startswith("00"):
        try:
            num = phonenumbers.parse("+" + digits[2:], None)
        except phonenumbers.NumberParseException:
            return False
        return bool(phonenumbers.is_valid_number(num))
    if value.isdigit():  # no separators at all
        if digits[0] == "0":
            return None if len(digits) in PHONE_BARE_TRUNK_DIGITS else False
        if len(digits) == 10 or (len(digits) == 11 and digits[0] == "1"):
            return phone(digits)
        return False
    if _NOT_PHONE.match(value.lstrip("(")):
        return False
    groups = tuple(len(g) for g in _DIGIT_GROUP.findall(value))
    if len(digits) == PHONE_MIN_DIGITS and groups not in PHONE_LOCAL_GROUPS:
        return False
    return None


# --- payment cards ------------------------------------------------------------------------------

# Issuer identification numbers (the leading digits) and the card lengths each network issues,
# from the networks' published ranges (ISO/IEC 7812 IINs; as tabulated in Wikipedia's "Payment
# card number", 2024). Each entry: lowest and highest prefix, how many leading digits they cover,
# lengths issued. Lengths are stricter than the 13-19 the pattern allows, on purpose:
# * Visa's 13-digit cards are no longer issued, and German EAN-13 barcodes start with 400-440;
# * Maestro cards are issued with 16-19 digits in practice (12-15 are allowed by ISO but rare),
#   and Chinese EAN-13 barcodes start with 690-699.
_CARD_LENGTHS_16_19 = frozenset(range(16, 20))
CARD_ISSUERS: tuple[tuple[int, int, int, frozenset[int]], ...] = (
    (4, 4, 1, frozenset({16, 19})),  # Visa
    (51, 55, 2, frozenset({16})),  # Mastercard
    (2221, 2720, 4, frozenset({16})),  # Mastercard 2-series (since 2017)
    (34, 34, 2, frozenset({15})),  # American Express
    (37, 37, 2, frozenset({15})),  # American Express
    (6011, 6011, 4, _CARD_LENGTHS_16_19),  # Discover
    (644, 649, 3, _CARD_LENGTHS_16_19),  # Discover
    (65, 65, 2, _CARD_LENGTHS_16_19),  # Discover
    (300, 305, 3, frozenset({14, *_CARD_LENGTHS_16_19})),  # Diners Club
    (36, 36, 2, frozenset({14, *_CARD_LENGTHS_16_19})),  # Diners Club International
    (38, 38, 2, frozenset({14, *_CARD_LENGTHS_16_19})),  # Diners Club
    (3528, 3589, 4, _CARD_LENGTHS_16_19),  # JCB
    (62, 62, 2, _CARD_LENGTHS_16_19),  # UnionPay
    (50, 50, 2, _CARD_LENGTHS_16_19),  # Maestro
    (56, 69, 2, _CARD_LENGTHS_16_19),  # Maestro
)


def card_issuer_known(digits: str) -> bool:
    """Whether ``digits`` starts with a known network's prefix and has a length it issues."""
    return any(
        lo <= int(digits[:width]) <= hi and len(digits) in lengths for lo, hi, width, lengths in CARD_ISSUERS
    )


def payment_card(value: str) -> bool | None:
    """A payment card number (PAN): a known issuer prefix and length, and the Luhn check digit."""
    from stdnum import luhn

    digits = _NON_DIGIT.sub("", value)
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1 or not card_issuer_known(digits):
        return False
    return bool(luhn.is_valid(digits))


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
    "phone_national": phone_national,
    "payment_card": payment_card,
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
