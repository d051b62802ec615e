"""trace planted anomaly: the demo's ground truth for the trace detectors

Revision ID: 0006
Revises: 0010
Create Date: 2026-12-02 06:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trace_planted_anomaly",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column(
            "subject_type",
            sa.Enum(
                "enterprise",
                "product",
                "batch",
                "code",
                name="subjecttype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_trace_planted_anomaly_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["region.code"],
            name=op.f("fk_trace_planted_anomaly_region_code_region"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_planted_anomaly")),
    )
    with op.batch_alter_table("trace_planted_anomaly", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trace_planted_anomaly_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trace_planted_anomaly_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trace_planted_anomaly_region_code"), ["region_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("trace_planted_anomaly", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_planted_anomaly_region_code"))
        batch_op.drop_index(batch_op.f("ix_trace_planted_anomaly_kind"))
        batch_op.drop_index(batch_op.f("ix_trace_planted_anomaly_enterprise_id"))

    op.drop_table("trace_planted_anomaly")
