"""Entity vocabulary assess reasons with. Names as in ``clearance rules list`` (CONTRACTS.md)."""

from __future__ import annotations

PERSON_NAME = "person-name"
GIVEN_NAME = "given-name"
FAMILY_NAME = "family-name"
DATE_OF_BIRTH = "date-of-birth"
EMAIL = "email"
PUBLIC_ROLE = "public-role"  # context from detectors/roles.py: never personal data
NAME_ENTITIES = frozenset({PERSON_NAME, GIVEN_NAME, FAMILY_NAME})

# IDs issued to one person: the same value in two rows is the same person.
STRONG_IDS = frozenset({"a-number", "us-ssn", "us-itin", "passport-number", "id-number", "payment-card"})
# Contact IDs identify a person too, but organisations have them as well (a facility's phone).
CONTACT_IDS = frozenset({"email", "phone-number"})
PERSONAL_IDS = STRONG_IDS | CONTACT_IDS
# An organisation's contact details when they are not a person's (assess/contacts.py).
CONTACT_DETAILS = CONTACT_IDS | frozenset({"street-address"})
# IDs that merge two records into one person wherever they meet (people.py). A phone number
# identifies a record too, but a household or an office shares one: it never merges records.
MERGE_IDS = STRONG_IDS | frozenset({"email"})
# Normalised name cells (fingerprint.normalise: folded, punctuation to spaces, tokens sorted) that
# stand for "no name": the row is still a person's record, but the value names no one, so it
# never matches another record's name.
PLACEHOLDER_NAMES = frozenset(
    {
        "unknown",
        "unknown unknown",
        "a n",
        "na",
        "none",
        "null",
        "redacted",
        "withheld",
        "name withheld",
        "known not",
        "anonymous",
        "unidentified",
        "desconocido",
        "name no",
        "doe jane",
        "doe john",
    }
)
# Columns that make a table a list of organisations rather than of people.
ORGANISATION_ENTITIES = frozenset({"detention-facility", "street-address"})
# Columns that describe a person, never an organisation.
PERSON_TRAITS = frozenset({"sex", "age", "date-of-birth", "nationality"})

# Segment roles of people named as a document's author or editor: officials, not records.
AUTHOR_ROLES = frozenset({"metadata-author", "metadata-editor", "metadata-last-modified-by"})

# A personal-ID column is a list of people when at least this share of its values is distinct;
# a column of repeated IDs (a case officer's, a facility's) is an attribute, not a roster.
MOSTLY_DISTINCT_SHARE = 0.8

# Finding kinds (model.Finding.kind), in the order reports list them.
KIND_RECORD = "record"
KIND_ROSTER = "roster"
KIND_QUASI = "quasi"
KIND_LONE = "lone"
KIND_MENTION = "mention"
KIND_ORDER = (KIND_RECORD, KIND_ROSTER, KIND_QUASI, KIND_LONE, KIND_MENTION)

TABLE_PEOPLE = "people"
TABLE_AGGREGATE = "aggregate"
TABLE_OTHER = "other"

# A table of individual-level rows without names or IDs ("microdata") is worth a review when
# it carries at least this many quasi-identifier columns (date of birth + nationality, ...).
MIN_QUASI_COLUMNS = 2
