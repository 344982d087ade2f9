"""The incident data model (stable: other incident modules key their tables on it).

ORM tables (defined in ``clearance.actions.store.incident_tables`` so they share the store's
``Base`` and Alembic history; migration ``0003``):

- ``Incident``: the leaked file (sha256, name, size, URL paths), published/removed times and
  where they came from, who opened it, the masked scan summary, the people count, ``key_id``.
- ``ExposedPerson``: one distinct individual; ``person_key`` (keyed hash of identity),
  ``a_number_hash`` / ``name_dob_hash`` (keyed hashes for roster matching), ``record``
  (AES-256-GCM encrypted JSON, see ``PersonRecord``), ``fields`` (entity names exposed),
  ``where`` (parts/sheets/visibilities/rows), ``visibilities``, ``hidden_only``, ``masked``.
- ``IncidentExposure``: a log analysis (masked aggregates only).
- ``IncidentAction``: what was done in response, for the oversight report.

Follow-up (case status changes, notification, letters) belongs in its own tables keyed by
``ExposedPerson.id``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clearance.actions.store.incident_tables import (
    ExposedPerson,
    Incident,
    IncidentAction,
    IncidentExposure,
)

# Keys of the decrypted record (``PersonRecord.values``) for the usual columns of a detention
# roster; any other entity a detector found is kept under its own entity name.
RECORD_ENTITIES = {
    "name": "person-name",
    "dob": "date-of-birth",
    "nationality": "nationality",
    "a_number": "a-number",
    "facility": "detention-facility",
    "case_status": "case-status",
}


@dataclass
class PersonRecord:
    """What the leaked file said about one person: the plaintext of ``ExposedPerson.record``.

    ``values`` maps entity name -> the first value seen (e.g. {"person-name": "Maria Garcia
    Lopez", "a-number": "A012345678"}); ``variants`` maps entity -> other spellings seen in
    other parts (so a letter can quote what was published). In memory only; encrypted at rest.
    """

    values: dict[str, str] = field(default_factory=dict)
    variants: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"values": self.values, "variants": self.variants}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PersonRecord:
        return cls(dict(d.get("values", {})), {k: list(v) for k, v in d.get("variants", {}).items()})

    def get(self, key: str) -> str | None:
        """By short name (``name``, ``dob``, ``a_number``...) or entity name."""
        return self.values.get(RECORD_ENTITIES.get(key, key))


__all__ = [
    "RECORD_ENTITIES",
    "ExposedPerson",
    "Incident",
    "IncidentAction",
    "IncidentExposure",
    "PersonRecord",
]
