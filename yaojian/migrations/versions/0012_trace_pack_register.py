"""trace pack register

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from yaojian.db import UTCDateTime
from yaojian.trace.pack_state import rebuild

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "trace_pack_state",
        sa.Column("epc", sa.String(250), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("cn_prefix", sa.String(7), nullable=True),
        sa.Column("lot", sa.String(40), nullable=True),
        sa.Column("expiry", sa.Date(), nullable=True),
        _time("facts_at"),
        sa.Column("facts_event", sa.BigInteger(), nullable=True),
        sa.Column("maker_id", sa.Integer(), nullable=True),
        sa.Column("commissioned", sa.Boolean(), nullable=False),
        sa.Column("ambiguous", sa.Boolean(), nullable=False),
        sa.Column("parent", sa.String(250), nullable=True),
        _time("packed_at"),
        _time("unpacked_at"),
        _time("last_at"),
        sa.Column("own_status", sa.String(20), nullable=True),
        _time("own_status_at"),
        sa.Column("own_status_event", sa.BigInteger(), nullable=True),
        sa.Column("own_holder_id", sa.Integer(), nullable=True),
        sa.Column("own_holder_region", sa.String(6), nullable=True),
        _time("own_holder_at"),
        sa.Column("own_holder_event", sa.BigInteger(), nullable=True),
        sa.Column("out_status", sa.String(20), nullable=True),
        _time("out_status_at"),
        sa.Column("out_status_event", sa.BigInteger(), nullable=True),
        sa.Column("out_holder_id", sa.Integer(), nullable=True),
        sa.Column("out_holder_region", sa.String(6), nullable=True),
        _time("out_holder_at"),
        sa.Column("out_holder_event", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("epc", name=op.f("pk_trace_pack_state")),
    )
    op.create_index(
        "ix_trace_pack_state_gtin_lot", "trace_pack_state", ["gtin", "lot"], unique=False
    )
    op.create_index(
        op.f("ix_trace_pack_state_parent"), "trace_pack_state", ["parent"], unique=False
    )
    # The register of a store that already holds events: replay them (in the migration's
    # transaction, so a failed replay leaves no half-built register).
    rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_index(op.f("ix_trace_pack_state_parent"), table_name="trace_pack_state")
    op.drop_index("ix_trace_pack_state_gtin_lot", table_name="trace_pack_state")
    op.drop_table("trace_pack_state")
