"""Data-exposure incidents: the incident, its exposed people (values encrypted), log analyses,
actions taken (``clearance incident``; tables in ``actions/store/incident_tables.py``).

Revision ID: 0003
Revises: 0002
Create Date: 2024-07-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(1024), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("urls", sa.JSON(), nullable=False),
        sa.Column("published_at", TS, nullable=True),
        sa.Column("removed_at", TS, nullable=True),
        sa.Column("times_source", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("scan_summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_file_sha256", "incidents", ["file_sha256"])
    op.create_table(
        "exposed_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(64), nullable=False),
        sa.Column("a_number_hash", sa.String(64), nullable=True),
        sa.Column("name_dob_hash", sa.String(64), nullable=True),
        sa.Column("record", sa.LargeBinary(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("where", sa.JSON(), nullable=False),
        sa.Column("visibilities", sa.JSON(), nullable=False),
        sa.Column("hidden_only", sa.Boolean(), nullable=False),
        sa.Column("masked", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_exposed_people_incident_id_incidents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exposed_people"),
    )
    op.create_index("ix_exposed_people_incident_id", "exposed_people", ["incident_id"])
    op.create_index("ix_exposed_people_a_number_hash", "exposed_people", ["a_number_hash"])
    op.create_index("ix_exposed_people_name_dob_hash", "exposed_people", ["name_dob_hash"])
    op.create_index(
        "uq_exposed_people_incident_person", "exposed_people", ["incident_id", "person_key"], unique=True
    )
    op.create_table(
        "incident_exposures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", TS, nullable=False),
        sa.Column("computed_by", sa.String(100), nullable=False),
        sa.Column("log_files", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_exposures_incident_id_incidents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incident_exposures"),
    )
    op.create_index("ix_incident_exposures_incident_id", "incident_exposures", ["incident_id"])
    op.create_table(
        "incident_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_actions_incident_id_incidents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incident_actions"),
    )
    op.create_index("ix_incident_actions_incident_id", "incident_actions", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_actions_incident_id", table_name="incident_actions")
    op.drop_table("incident_actions")
    op.drop_index("ix_incident_exposures_incident_id", table_name="incident_exposures")
    op.drop_table("incident_exposures")
    for ix in (
        "uq_exposed_people_incident_person",
        "ix_exposed_people_name_dob_hash",
        "ix_exposed_people_a_number_hash",
        "ix_exposed_people_incident_id",
    ):
        op.drop_index(ix, table_name="exposed_people")
    op.drop_table("exposed_people")
    op.drop_index("ix_incidents_file_sha256", table_name="incidents")
    op.drop_table("incidents")
