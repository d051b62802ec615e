"""trace recall

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:47:04.482398
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trace_recall",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("lot", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column(
            "level",
            sa.Enum("1", "2", "3", name="recalllevel", native_enum=False, length=4),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", name="recallstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("registry_note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_trace_recall_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_trace_recall_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_trace_recall_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_recall")),
    )
    with op.batch_alter_table("trace_recall", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trace_recall_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trace_recall_gtin"), ["gtin"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trace_recall_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "trace_recall_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recall_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("packs_held", sa.Integer(), nullable=False),
        sa.Column("packs_returned", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", name="recallstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_trace_recall_task_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["recall_id"],
            ["trace_recall.id"],
            name=op.f("fk_trace_recall_task_recall_id_trace_recall"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_recall_task")),
        sa.UniqueConstraint(
            "recall_id", "enterprise_id", name=op.f("uq_trace_recall_task_recall_id")
        ),
    )
    with op.batch_alter_table("trace_recall_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trace_recall_task_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trace_recall_task_recall_id"), ["recall_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("trace_recall_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_recall_task_recall_id"))
        batch_op.drop_index(batch_op.f("ix_trace_recall_task_enterprise_id"))

    op.drop_table("trace_recall_task")
    with op.batch_alter_table("trace_recall", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_recall_region_code"))
        batch_op.drop_index(batch_op.f("ix_trace_recall_gtin"))
        batch_op.drop_index(batch_op.f("ix_trace_recall_enterprise_id"))

    op.drop_table("trace_recall")
