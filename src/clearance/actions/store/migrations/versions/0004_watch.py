"""Watch state (``clearance watch``): watched URLs, sightings (first/last seen per URL + SHA-256),
alerts and their delivery (tables in ``actions/store/watch_tables.py``).

Revision ID: 0004
Revises: 0003
Create Date: 2024-07-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "watch_urls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("etag", sa.String(512), nullable=True),
        sa.Column("last_modified", sa.String(64), nullable=True),
        sa.Column("lastmod", sa.String(64), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("media_type", sa.String(255), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=True),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=True),
        sa.Column("last_checked", TS, nullable=False),
        sa.Column("last_status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("gone_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_watch_urls"),
        sa.UniqueConstraint("url", name="uq_watch_urls_url"),
    )
    op.create_index("ix_watch_urls_last_checked", "watch_urls", ["last_checked"])
    op.create_table(
        "watch_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.ForeignKeyConstraint(["url_id"], ["watch_urls.id"], name="fk_watch_sightings_url_id_watch_urls"),
        sa.PrimaryKeyConstraint("id", name="pk_watch_sightings"),
        sa.UniqueConstraint("url_id", "sha256", name="uq_watch_sightings_url_id"),
    )
    op.create_index("ix_watch_sightings_sha256", "watch_sightings", ["sha256"])
    op.create_table(
        "watch_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_watch_alerts"),
    )
    op.create_index("ix_watch_alerts_sha256", "watch_alerts", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_watch_alerts_sha256", table_name="watch_alerts")
    op.drop_table("watch_alerts")
    op.drop_index("ix_watch_sightings_sha256", table_name="watch_sightings")
    op.drop_table("watch_sightings")
    op.drop_index("ix_watch_urls_last_checked", table_name="watch_urls")
    op.drop_table("watch_urls")
