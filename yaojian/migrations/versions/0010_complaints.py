"""complaints desk: complaints and their handling record

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-02 05:52:49.170151
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("complaint", "report", name="complaintkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "accepted",
                "not_accepted",
                "handling",
                "replied",
                "closed",
                name="complaintstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enterprise_text", sa.String(length=200), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("product_text", sa.String(length=200), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("batch_number", sa.String(length=40), nullable=False),
        sa.Column("pack_code", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=60), nullable=False),
        sa.Column("contact_phone", sa.String(length=30), nullable=False),
        sa.Column("contact_address", sa.String(length=300), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column(
            "routing",
            sa.Enum(
                "enterprise",
                "complainant",
                "province",
                "transfer",
                name="routing",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("complainant_region_code", sa.String(length=6), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("due_rule", sa.String(length=60), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "not_accepted_reason",
            sa.Enum(
                "not_our_remit",
                "handled_elsewhere",
                "not_consumer",
                "time_barred",
                "missing_material",
                "no_case",
                "other",
                name="notacceptedreason",
                native_enum=False,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("public_reply", sa.Text(), nullable=False),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complainant_region_code"],
            ["region.code"],
            name=op.f("fk_complaint_complainant_region_code_region"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_complaint_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_complaint_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_complaint_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint")),
        sa.UniqueConstraint("number", name=op.f("uq_complaint_number")),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaint_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_complaint_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_complaint_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_received_at"), ["received_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_complaint_status"), ["status"], unique=False)

    op.create_table(
        "complaint_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "received",
                "accepted",
                "not_accepted",
                "transferred",
                "extended",
                "record",
                "replied",
                "closed",
                name="entrykind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("from_region", sa.String(length=6), nullable=True),
        sa.Column("to_region", sa.String(length=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_complaint_entry_complaint_id_complaint"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_entry")),
    )
    with op.batch_alter_table("complaint_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_entry_complaint_id"), ["complaint_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_entry_complaint_id"))

    op.drop_table("complaint_entry")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_status"))
        batch_op.drop_index(batch_op.f("ix_complaint_region_code"))
        batch_op.drop_index(batch_op.f("ix_complaint_received_at"))
        batch_op.drop_index(batch_op.f("ix_complaint_product_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_kind"))
        batch_op.drop_index(batch_op.f("ix_complaint_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_due_on"))

    op.drop_table("complaint")
