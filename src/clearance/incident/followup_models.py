"""Tables of the follow-up of an incident: one case per exposed person, and its history.

They share the store's ``Base`` (imported from ``clearance.actions.store.models``, which
imports this module at its end so ``compare_metadata`` and Alembic see them; migration
``0005_followup``). Keyed by ``ExposedPerson.id`` as ``incident_tables`` asks.

Never a leak itself: a case holds the masked name, the keyed A-number hash, the roster's own
case id (``roster_key``), match scores and workflow fields; the person's values stay encrypted
in ``exposed_people.record`` and the roster stays in the agency's system. Event ``details`` hold
masked values only; ``note`` is free text the tools never fill with a personal value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearance.actions.store.models import SHA256_HEX, Base


class FollowupCase(Base):
    """What is being done for one exposed person, from notification to a closed outcome."""

    __tablename__ = "followup_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    exposed_person_id: Mapped[int] = mapped_column(ForeignKey("exposed_people.id"), unique=True)
    a_number_hash: Mapped[str | None] = mapped_column(String(SHA256_HEX), default=None, index=True)
    masked: Mapped[str] = mapped_column(String(255))
    # Roster match: match | review | unmatched | pending (not matched yet)
    match_decision: Mapped[str] = mapped_column(String(16), default="pending")
    match_method: Mapped[str | None] = mapped_column(String(16), default=None)  # a-number | probabilistic
    match_probability: Mapped[float | None] = mapped_column(Float, default=None)
    roster_key: Mapped[str | None] = mapped_column(String(100), default=None)  # the roster's case id
    status: Mapped[str] = mapped_column(String(20), index=True)  # followup.Status
    outcome: Mapped[str | None] = mapped_column(String(24), default=None)  # followup.Outcome
    custody: Mapped[str | None] = mapped_column(String(16), default=None)  # detained | released | removed
    notified_via: Mapped[str | None] = mapped_column(
        String(16), default=None
    )  # mail | email | phone | in-person
    notified_to: Mapped[str | None] = mapped_column(String(16), default=None)  # person | counsel
    notified_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    owner: Mapped[str | None] = mapped_column(String(100), default=None)
    due_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]

    events: Mapped[list[FollowupEvent]] = relationship(
        back_populates="case", order_by="FollowupEvent.id", lazy="raise"
    )


class FollowupEvent(Base):
    """One change to a case: who, when, what (from -> to). Mirrored in the audit chain."""

    __tablename__ = "followup_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("followup_cases.id"), index=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))  # open | status | assign | match | letter
    from_status: Mapped[str | None] = mapped_column(String(20), default=None)
    to_status: Mapped[str | None] = mapped_column(String(20), default=None)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)  # masked values only
    note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[FollowupCase] = relationship(back_populates="events")
