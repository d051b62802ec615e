"""credit grades and blacklist

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-02 07:02:22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from yaojian.db import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "credit_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_by", sa.String(length=120), nullable=False),
        sa.Column("graded", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("signals", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_run")),
    )
    with op.batch_alter_table("credit_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_run_as_of"), ["as_of"], unique=False)

    op.create_table(
        "credit_grade",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column(
            "kind",
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
            nullable=False,
        ),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column(
            "grade", sa.Enum("A", "B", "C", "D", name="grade", native_enum=False), nullable=False
        ),
        sa.Column(
            "previous_grade",
            sa.Enum("A", "B", "C", "D", name="grade", native_enum=False),
            nullable=True,
        ),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("deductions", sa.JSON(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_credit_grade_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["credit_run.id"], name=op.f("fk_credit_grade_run_id_credit_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_grade")),
    )
    with op.batch_alter_table("credit_grade", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_grade_current"), ["current"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_grade_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_grade_grade"), ["grade"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_grade_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_grade_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_grade_run_id"), ["run_id"], unique=False)

    op.create_table(
        "credit_blacklist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column("repair_from", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("listed_by", sa.String(length=120), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_reason", sa.String(length=1000), nullable=False),
        sa.Column("removed_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_credit_blacklist_case_id_enforcement_case"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_credit_blacklist_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_blacklist")),
    )
    with op.batch_alter_table("credit_blacklist", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_blacklist_credit_code"), ["credit_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_blacklist_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_blacklist_listed_on"), ["listed_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_credit_blacklist_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_blacklist_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_blacklist_removed_on"), ["removed_on"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("credit_blacklist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_blacklist_removed_on"))
        batch_op.drop_index(batch_op.f("ix_credit_blacklist_region_code"))
        batch_op.drop_index(batch_op.f("ix_credit_blacklist_name"))
        batch_op.drop_index(batch_op.f("ix_credit_blacklist_listed_on"))
        batch_op.drop_index(batch_op.f("ix_credit_blacklist_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_credit_blacklist_credit_code"))

    op.drop_table("credit_blacklist")
    with op.batch_alter_table("credit_grade", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_grade_run_id"))
        batch_op.drop_index(batch_op.f("ix_credit_grade_region_code"))
        batch_op.drop_index(batch_op.f("ix_credit_grade_kind"))
        batch_op.drop_index(batch_op.f("ix_credit_grade_grade"))
        batch_op.drop_index(batch_op.f("ix_credit_grade_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_credit_grade_current"))

    op.drop_table("credit_grade")
    with op.batch_alter_table("credit_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_run_as_of"))

    op.drop_table("credit_run")
