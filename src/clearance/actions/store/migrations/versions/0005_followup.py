"""Incident follow-up: one case per exposed person (status, outcome, notification, owner, due
date, roster match) and its event history (``clearance followup``; tables in
``clearance/incident/followup_models.py``).

Revision ID: 0005
Revises: 0004
Create Date: 2024-07-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "followup_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("exposed_person_id", sa.Integer(), nullable=False),
        sa.Column("a_number_hash", sa.String(64), nullable=True),
        sa.Column("masked", sa.String(255), nullable=False),
        sa.Column("match_decision", sa.String(16), nullable=False),
        sa.Column("match_method", sa.String(16), nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("roster_key", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("custody", sa.String(16), nullable=True),
        sa.Column("notified_via", sa.String(16), nullable=True),
        sa.Column("notified_to", sa.String(16), nullable=True),
        sa.Column("notified_at", TS, nullable=True),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("owner", sa.String(100), nullable=True),
        sa.Column("due_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_followup_cases_incident_id_incidents"
        ),
        sa.ForeignKeyConstraint(
            ["exposed_person_id"],
            ["exposed_people.id"],
            name="fk_followup_cases_exposed_person_id_exposed_people",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_followup_cases"),
        sa.UniqueConstraint("exposed_person_id", name="uq_followup_cases_exposed_person_id"),
    )
    op.create_index("ix_followup_cases_incident_id", "followup_cases", ["incident_id"])
    op.create_index("ix_followup_cases_a_number_hash", "followup_cases", ["a_number_hash"])
    op.create_index("ix_followup_cases_status", "followup_cases", ["status"])
    op.create_table(
        "followup_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["followup_cases.id"], name="fk_followup_events_case_id_followup_cases"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_followup_events"),
    )
    op.create_index("ix_followup_events_case_id", "followup_events", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_followup_events_case_id", table_name="followup_events")
    op.drop_table("followup_events")
    for ix in (
        "ix_followup_cases_status",
        "ix_followup_cases_a_number_hash",
        "ix_followup_cases_incident_id",
    ):
        op.drop_index(ix, table_name="followup_cases")
    op.drop_table("followup_cases")
