"""Incremental-scan cache: (path, size, mtime) -> content hash, and content key -> report
(``clearance scan --cache URL``; tables in ``clearance/actions/store/scan_cache_tables.py``).

Revision ID: 0006
Revises: 0005
Create Date: 2024-07-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scan_cache_files",
        sa.Column("path_hash", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("etag", sa.String(512), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("seen_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("path_hash", name="pk_scan_cache_files"),
    )
    op.create_table(
        "scan_cache_reports",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("rules_sha256", sa.String(64), nullable=False),
        sa.Column("tool_version", sa.String(32), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_scan_cache_reports"),
    )
    op.create_index("ix_scan_cache_reports_sha256", "scan_cache_reports", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_scan_cache_reports_sha256", table_name="scan_cache_reports")
    op.drop_table("scan_cache_reports")
    op.drop_table("scan_cache_files")
