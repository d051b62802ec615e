"""supervisory sampling: plans, quotas, samples, test items, follow-ups; batch status reason

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02 05:52:21.189438
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sampling_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "programme",
            sa.Enum(
                "routine",
                "essential_central",
                "targeted",
                name="programme",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "category",
            sa.Enum(
                "drug", "device", "cosmetic", name="productcategory", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("risk_weighted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_sampling_plan_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_plan")),
    )
    with op.batch_alter_table("sampling_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sampling_plan_programme"), ["programme"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sampling_plan_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sampling_plan_year"), ["year"], unique=False)

    op.create_table(
        "sampling_quota",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column(
            "enterprise_kind",
            sa.Enum(
                "drug_manufacturer",
                "drug_wholesaler",
                "retail_chain",
                "retail_pharmacy",
                "medical_institution",
                "vaccination_site",
                "device_manufacturer",
                "device_distributor",
                "cosmetics_manufacturer",
                "ecommerce_platform",
                name="enterprisekind",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "region_code IS NOT NULL OR enterprise_kind IS NOT NULL",
            name=op.f("ck_sampling_quota_county_or_kind"),
        ),
        sa.CheckConstraint("target >= 0", name=op.f("ck_sampling_quota_target")),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["sampling_plan.id"],
            name=op.f("fk_sampling_quota_plan_id_sampling_plan"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_sampling_quota_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_quota")),
        sa.UniqueConstraint(
            "plan_id", "region_code", "enterprise_kind", name=op.f("uq_sampling_quota_plan_id")
        ),
    )
    with op.batch_alter_table("sampling_quota", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sampling_quota_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "sampling_sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_number", sa.String(length=30), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "production",
                "distribution",
                "use",
                name="samplingstage",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("sampled_by", sa.String(length=120), nullable=False),
        sa.Column("sampled_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("essential", sa.Boolean(), nullable=False),
        sa.Column("centrally_procured", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sampled",
                "at_lab",
                "passed",
                "failed",
                name="samplestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("lab", sa.String(length=200), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("report_number", sa.String(length=60), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_sampling_sample_quantity")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_sampling_sample_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_sampling_sample_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["sampling_plan.id"], name=op.f("fk_sampling_sample_plan_id_sampling_plan")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_sampling_sample_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_sampling_sample_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_sample")),
        sa.UniqueConstraint("report_number", name=op.f("uq_sampling_sample_report_number")),
        sa.UniqueConstraint("sample_number", name=op.f("uq_sampling_sample_sample_number")),
    )
    with op.batch_alter_table("sampling_sample", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sampling_sample_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sampling_sample_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sampling_sample_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sampling_sample_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sampling_sample_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sampling_sample_sampled_on"), ["sampled_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sampling_sample_status"), ["status"], unique=False)

    op.create_table(
        "sampling_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "closed", name="followupstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_sampling_follow_up_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_sampling_follow_up_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_sampling_follow_up_region_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["sampling_sample.id"],
            name=op.f("fk_sampling_follow_up_sample_id_sampling_sample"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_follow_up")),
        sa.UniqueConstraint("sample_id", name=op.f("uq_sampling_follow_up_sample_id")),
    )
    with op.batch_alter_table("sampling_follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sampling_follow_up_due_on"), ["due_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sampling_follow_up_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sampling_follow_up_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sampling_follow_up_status"), ["status"], unique=False)

    op.create_table(
        "sampling_test_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=100), nullable=False),
        sa.Column("standard", sa.String(length=300), nullable=False),
        sa.Column("result", sa.String(length=300), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["sampling_sample.id"],
            name=op.f("fk_sampling_test_item_sample_id_sampling_sample"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_test_item")),
    )
    with op.batch_alter_table("sampling_test_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sampling_test_item_sample_id"), ["sample_id"], unique=False
        )

    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status_reason", sa.String(length=300), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_column("status_reason")

    with op.batch_alter_table("sampling_test_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_test_item_sample_id"))

    op.drop_table("sampling_test_item")
    with op.batch_alter_table("sampling_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_follow_up_status"))
        batch_op.drop_index(batch_op.f("ix_sampling_follow_up_region_code"))
        batch_op.drop_index(batch_op.f("ix_sampling_follow_up_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_sampling_follow_up_due_on"))

    op.drop_table("sampling_follow_up")
    with op.batch_alter_table("sampling_sample", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_sample_status"))
        batch_op.drop_index(batch_op.f("ix_sampling_sample_sampled_on"))
        batch_op.drop_index(batch_op.f("ix_sampling_sample_region_code"))
        batch_op.drop_index(batch_op.f("ix_sampling_sample_product_id"))
        batch_op.drop_index(batch_op.f("ix_sampling_sample_plan_id"))
        batch_op.drop_index(batch_op.f("ix_sampling_sample_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_sampling_sample_batch_id"))

    op.drop_table("sampling_sample")
    with op.batch_alter_table("sampling_quota", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_quota_plan_id"))

    op.drop_table("sampling_quota")
    with op.batch_alter_table("sampling_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_plan_year"))
        batch_op.drop_index(batch_op.f("ix_sampling_plan_region_code"))
        batch_op.drop_index(batch_op.f("ix_sampling_plan_programme"))

    op.drop_table("sampling_plan")
