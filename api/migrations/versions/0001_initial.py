"""Initial store: analyses, api_keys, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analyses",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("note_id", sa.String(200), nullable=True),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("patient_ref", sa.String(200), nullable=True),
        sa.Column("date_of_service", sa.String(10), nullable=True),
        sa.Column("billed_cpt", sa.String(10), nullable=True),
        sa.Column("payer", sa.String(100), nullable=True),
        sa.Column("provider", sa.String(200), nullable=True),
        sa.Column("site", sa.String(200), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("supports_62323", sa.Boolean(), nullable=False),
        sa.Column("suggested_codes", sa.String(200), nullable=False),
        sa.Column("analysis_json", sa.Text(), nullable=False),
        sa.Column("note_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("note_id", "text_sha256", "patient_ref", "date_of_service"):
        op.create_index(f"ix_analyses_{column}", "analyses", [column])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key_name", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("analysis_id", sa.String(36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit")
    op.drop_table("api_keys")
    for column in ("note_id", "text_sha256", "patient_ref", "date_of_service"):
        op.drop_index(f"ix_analyses_{column}", table_name="analyses")
    op.drop_table("analyses")
