"""Tables of a data-exposure incident (``clearance incident``), in the clearance store.

They live at the store level (the same ``Base`` as the gate's tables, so one Alembic history
creates them all and ``compare_metadata`` sees them); the logic that fills them is in
``clearance.incident``, which re-exports these classes from ``clearance.incident.models``.

Never a leak itself: an exposed person's values (name, date of birth, A-number, nationality,
facility, case status...) are stored only inside ``ExposedPerson.record``, encrypted with
AES-256-GCM under the operator's key (``CLEARANCE_INCIDENT_KEY``); every other column holds
keyed hashes (HMAC under a key derived from the same secret), entity names, locations, counts
and masked summaries. Without the key the database says how many people were exposed and
which fields, never who.

Stable contract for other incident modules (roster matching, follow-up, letters): key your own
tables by ``ExposedPerson.id`` (``ForeignKey("exposed_people.id")``); match a roster on
``a_number_hash`` / ``name_dob_hash`` computed with ``clearance.incident.crypto.IncidentKey``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearance.actions.store.models import SHA256_HEX, Base

KEY_ID_HEX = 16  # hex digits of the key identifier (HMAC of a constant): says which key, not the key


class Incident(Base):
    """One published file that should not have been: what, where, when, and how bad."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(SHA256_HEX), index=True)
    file_name: Mapped[str] = mapped_column(String(1024))
    file_size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(255))
    urls: Mapped[list[str]] = mapped_column(JSON)  # URL paths the file was served at
    published_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    removed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    # where the two times came from: "given" (flags), "watch" (watch history), "logs", "unknown"
    times_source: Mapped[str] = mapped_column(String(16), default="unknown")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime]
    people: Mapped[int] = mapped_column(Integer, default=0)  # distinct exposed individuals
    key_id: Mapped[str] = mapped_column(String(KEY_ID_HEX))  # which incident key encrypts the records
    # The CONTRACTS file report of the leaked file: verdict, reasons, masked findings only.
    scan_summary: Mapped[dict[str, Any]] = mapped_column(JSON)

    people_rows: Mapped[list[ExposedPerson]] = relationship(
        back_populates="incident", order_by="ExposedPerson.id", lazy="raise"
    )


class ExposedPerson(Base):
    """One distinct individual the leaked file made identifiable (deduplicated across parts)."""

    __tablename__ = "exposed_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    # Keyed hash of the identity the file gave this person (A-number if any, else name + DOB,
    # else name): stable for the same person across re-runs with the same key.
    person_key: Mapped[str] = mapped_column(String(SHA256_HEX))
    a_number_hash: Mapped[str | None] = mapped_column(String(SHA256_HEX), default=None, index=True)
    name_dob_hash: Mapped[str | None] = mapped_column(String(SHA256_HEX), default=None, index=True)
    # AES-256-GCM(nonce || ciphertext) of the canonical JSON record; associated data binds it to
    # (incident_id, person_key), so a record copied onto another row does not decrypt.
    record: Mapped[bytes] = mapped_column(LargeBinary)
    fields: Mapped[list[str]] = mapped_column(JSON)  # entity names exposed, sorted
    # Where: [{"part", "sheet", "visibility", "rows": [sheet row numbers]}], no values.
    where: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    visibilities: Mapped[list[str]] = mapped_column(JSON)  # distinct visibilities, sorted
    hidden_only: Mapped[bool] = mapped_column(Boolean, default=False)  # never in a visible part
    masked: Mapped[str] = mapped_column(String(255))  # masked name (or ID) for listings
    created_at: Mapped[dt.datetime]

    incident: Mapped[Incident] = relationship(back_populates="people_rows")


Index("uq_exposed_people_incident_person", ExposedPerson.incident_id, ExposedPerson.person_key, unique=True)


class IncidentExposure(Base):
    """One analysis of web-server logs for the incident: masked aggregates, recomputable."""

    __tablename__ = "incident_exposures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    computed_at: Mapped[dt.datetime]
    computed_by: Mapped[str] = mapped_column(String(100))
    # [{"name", "size", "sha256"}] of the log files read (names only, no paths' contents)
    log_files: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # exposure.ExposureSummary.to_dict(): counts, first/last serve, hashed clients, crawlers,
    # referrer hosts, 15-minute timeline. No raw IP address.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class IncidentAction(Base):
    """Something done in response (taken down, notified, removals halted...): for the report."""

    __tablename__ = "incident_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))  # opened | takedown | notified | note | ...
    description: Mapped[str] = mapped_column(Text)  # no raw personal values
