"""traceability

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:39:34.021016
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trace_capture_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "succeeded",
                "partial",
                "failed",
                name="jobstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("error_behaviour", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("events_received", sa.Integer(), nullable=False),
        sa.Column("events_stored", sa.Integer(), nullable=False),
        sa.Column("events_duplicate", sa.Integer(), nullable=False),
        sa.Column(
            "errors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_trace_capture_job_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_capture_job")),
    )
    op.create_table(
        "trace_location",
        sa.Column("uri", sa.String(length=200), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_trace_location_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("uri", name=op.f("pk_trace_location")),
    )
    with op.batch_alter_table("trace_location", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trace_location_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "trace_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=True),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_time_zone_offset", sa.String(length=6), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("biz_step", sa.String(length=200), nullable=True),
        sa.Column("disposition", sa.String(length=200), nullable=True),
        sa.Column("read_point", sa.String(length=200), nullable=True),
        sa.Column("biz_location", sa.String(length=200), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("job_id", sa.String(length=32), nullable=True),
        sa.Column(
            "body",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_trace_event_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["trace_capture_job.id"],
            name=op.f("fk_trace_event_job_id_trace_capture_job"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_trace_event_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_event")),
        sa.UniqueConstraint("event_hash", name=op.f("uq_trace_event_event_hash")),
    )
    with op.batch_alter_table("trace_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trace_event_biz_location"), ["biz_location"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trace_event_biz_step"), ["biz_step"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trace_event_disposition"), ["disposition"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trace_event_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trace_event_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_event_event_type"), ["event_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_event_read_point"), ["read_point"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trace_event_record_time"), ["record_time"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_trace_event_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index("ix_trace_event_time_id", ["event_time", "id"], unique=False)

    op.create_table(
        "trace_event_epc",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("epc", sa.String(length=250), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("cn_prefix", sa.String(length=7), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["trace_event.id"],
            name=op.f("fk_trace_event_epc_event_id_trace_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_event_epc")),
    )
    with op.batch_alter_table("trace_event_epc", schema=None) as batch_op:
        batch_op.create_index("ix_trace_event_epc_epc_role", ["epc", "role"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_event_epc_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trace_event_epc_gtin"), ["gtin"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_trace_event_epc_cn_prefix"), ["cn_prefix"], unique=False
        )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gtin", sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column("cn_prefix", sa.String(length=7), nullable=True))
        batch_op.create_index(batch_op.f("ix_product_gtin"), ["gtin"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_cn_prefix"), ["cn_prefix"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_cn_prefix"))
        batch_op.drop_index(batch_op.f("ix_product_gtin"))
        batch_op.drop_column("cn_prefix")
        batch_op.drop_column("gtin")
    with op.batch_alter_table("trace_event_epc", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_event_epc_event_id"))
        batch_op.drop_index("ix_trace_event_epc_epc_role")

    op.drop_table("trace_event_epc")
    with op.batch_alter_table("trace_event", schema=None) as batch_op:
        batch_op.drop_index("ix_trace_event_time_id")
        batch_op.drop_index(batch_op.f("ix_trace_event_region_code"))
        batch_op.drop_index(batch_op.f("ix_trace_event_record_time"))
        batch_op.drop_index(batch_op.f("ix_trace_event_read_point"))
        batch_op.drop_index(batch_op.f("ix_trace_event_event_type"))
        batch_op.drop_index(batch_op.f("ix_trace_event_event_id"))
        batch_op.drop_index(batch_op.f("ix_trace_event_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_trace_event_disposition"))
        batch_op.drop_index(batch_op.f("ix_trace_event_biz_step"))
        batch_op.drop_index(batch_op.f("ix_trace_event_biz_location"))

    op.drop_table("trace_event")
    with op.batch_alter_table("trace_location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trace_location_enterprise_id"))

    op.drop_table("trace_location")
    op.drop_table("trace_capture_job")
