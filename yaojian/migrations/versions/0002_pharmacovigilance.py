"""pharmacovigilance

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:45:06.674040
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pv_analysis_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "drug", "device", "cosmetic", name="reportcategory", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column(
            "hyperparameters",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "thresholds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("triggered_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pv_analysis_run")),
    )
    with op.batch_alter_table("pv_analysis_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pv_analysis_run_category"), ["category"], unique=False)

    op.create_table(
        "pv_meddra_term",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("level", sa.String(length=4), nullable=False),
        sa.Column("pt_code", sa.String(length=10), nullable=False),
        sa.Column("pt_name", sa.String(length=250), nullable=False),
        sa.Column("hlt_name", sa.String(length=250), nullable=True),
        sa.Column("hlgt_name", sa.String(length=250), nullable=True),
        sa.Column("soc_name", sa.String(length=250), nullable=True),
        sa.Column("release", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_pv_meddra_term")),
    )
    with op.batch_alter_table("pv_meddra_term", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pv_meddra_term_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_pv_meddra_term_pt_code"), ["pt_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_pv_meddra_term_soc_name"), ["soc_name"], unique=False)

    op.create_table(
        "pv_term_synonym",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reported", sa.String(length=250), nullable=False),
        sa.Column("preferred", sa.String(length=250), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pv_term_synonym")),
        sa.UniqueConstraint("reported", name=op.f("uq_pv_term_synonym_reported")),
    )
    op.create_table(
        "pv_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("safety_report_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("worldwide_case_id", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "current",
                "superseded",
                "nullified",
                name="reportstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "category",
            sa.Enum(
                "drug", "device", "cosmetic", name="reportcategory", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("report_type", sa.String(length=2), nullable=True),
        sa.Column(
            "reporter_type",
            sa.Enum(
                "medical_institution",
                "mah",
                "pharmacy",
                "consumer",
                "other",
                name="reportertype",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("reporter_qualification", sa.String(length=2), nullable=True),
        sa.Column("reporter_enterprise_id", sa.Integer(), nullable=True),
        sa.Column("sentinel", sa.Boolean(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("most_recent_on", sa.Date(), nullable=True),
        sa.Column("patient_initials", sa.String(length=60), nullable=True),
        sa.Column("patient_age_years", sa.Float(), nullable=True),
        sa.Column("patient_sex", sa.String(length=1), nullable=True),
        sa.Column("patient_weight_kg", sa.Float(), nullable=True),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("is_new", sa.Boolean(), nullable=False),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("quality_score", sa.Float(), nullable=True),
        sa.Column(
            "quality_detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_pv_report_region_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_pv_report_reporter_enterprise_id_enterprise"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pv_report")),
        sa.UniqueConstraint(
            "safety_report_id", "version", name=op.f("uq_pv_report_safety_report_id")
        ),
    )
    with op.batch_alter_table("pv_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pv_report_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_pv_report_received_on"), ["received_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_pv_report_region_code"), ["region_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pv_report_reporter_enterprise_id"),
            ["reporter_enterprise_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_pv_report_safety_report_id"), ["safety_report_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pv_report_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pv_report_worldwide_case_id"), ["worldwide_case_id"], unique=False
        )

    op.create_table(
        "pv_pair_statistic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("drug", sa.String(length=250), nullable=False),
        sa.Column("event", sa.String(length=250), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("prr", sa.Float(), nullable=True),
        sa.Column("prr_lower", sa.Float(), nullable=True),
        sa.Column("prr_upper", sa.Float(), nullable=True),
        sa.Column("chi2_yates", sa.Float(), nullable=True),
        sa.Column("ror", sa.Float(), nullable=True),
        sa.Column("ror_lower", sa.Float(), nullable=True),
        sa.Column("ror_upper", sa.Float(), nullable=True),
        sa.Column("ic", sa.Float(), nullable=True),
        sa.Column("ic025", sa.Float(), nullable=True),
        sa.Column("ic975", sa.Float(), nullable=True),
        sa.Column("ebgm", sa.Float(), nullable=True),
        sa.Column("eb05", sa.Float(), nullable=True),
        sa.Column("eb95", sa.Float(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("is_new", sa.Boolean(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["pv_analysis_run.id"],
            name=op.f("fk_pv_pair_statistic_run_id_pv_analysis_run"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"],
            ["risk_signal.id"],
            name=op.f("fk_pv_pair_statistic_signal_id_risk_signal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pv_pair_statistic")),
        sa.UniqueConstraint("run_id", "drug", "event", name=op.f("uq_pv_pair_statistic_run_id")),
    )
    with op.batch_alter_table("pv_pair_statistic", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pv_pair_statistic_drug"), ["drug"], unique=False)
        batch_op.create_index(batch_op.f("ix_pv_pair_statistic_event"), ["event"], unique=False)
        batch_op.create_index(batch_op.f("ix_pv_pair_statistic_passed"), ["passed"], unique=False)
        batch_op.create_index(batch_op.f("ix_pv_pair_statistic_run_id"), ["run_id"], unique=False)

    op.create_table(
        "pv_report_drug",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum("1", "2", "3", "4", name="drugrole", native_enum=False, length=2),
            nullable=False,
        ),
        sa.Column("reported_name", sa.String(length=250), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("active_substance", sa.String(length=250), nullable=True),
        sa.Column("batch_number", sa.String(length=60), nullable=True),
        sa.Column("route", sa.String(length=60), nullable=True),
        sa.Column("dose_text", sa.String(length=200), nullable=True),
        sa.Column("indication", sa.String(length=250), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_pv_report_drug_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["pv_report.id"],
            name=op.f("fk_pv_report_drug_report_id_pv_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pv_report_drug")),
    )
    with op.batch_alter_table("pv_report_drug", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pv_report_drug_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pv_report_drug_report_id"), ["report_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pv_report_drug_reported_name"), ["reported_name"], unique=False
        )

    op.create_table(
        "pv_report_reaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("reported_term", sa.String(length=250), nullable=False),
        sa.Column("coded_term", sa.String(length=250), nullable=False),
        sa.Column("meddra_code", sa.String(length=10), nullable=True),
        sa.Column("death", sa.Boolean(), nullable=False),
        sa.Column("life_threatening", sa.Boolean(), nullable=False),
        sa.Column("hospitalisation", sa.Boolean(), nullable=False),
        sa.Column("disability", sa.Boolean(), nullable=False),
        sa.Column("congenital_anomaly", sa.Boolean(), nullable=False),
        sa.Column("other_serious", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=1), nullable=True),
        sa.Column("onset_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["pv_report.id"],
            name=op.f("fk_pv_report_reaction_report_id_pv_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pv_report_reaction")),
    )
    with op.batch_alter_table("pv_report_reaction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pv_report_reaction_coded_term"), ["coded_term"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_pv_report_reaction_report_id"), ["report_id"], unique=False
        )

    op.create_table(
        "pv_signal_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "drug", "device", "cosmetic", name="reportcategory", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("drug", sa.String(length=250), nullable=False),
        sa.Column("event", sa.String(length=250), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "new",
                "under_assessment",
                "confirmed",
                "refuted",
                "monitored",
                name="reviewstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=True),
        sa.Column("first_run_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_run_id"],
            ["pv_analysis_run.id"],
            name=op.f("fk_pv_signal_review_first_run_id_pv_analysis_run"),
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"],
            ["risk_signal.id"],
            name=op.f("fk_pv_signal_review_signal_id_risk_signal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pv_signal_review")),
        sa.UniqueConstraint("category", "drug", "event", name=op.f("uq_pv_signal_review_category")),
    )
    with op.batch_alter_table("pv_signal_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pv_signal_review_drug"), ["drug"], unique=False)
        batch_op.create_index(batch_op.f("ix_pv_signal_review_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pv_signal_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pv_signal_review_state"))
        batch_op.drop_index(batch_op.f("ix_pv_signal_review_drug"))

    op.drop_table("pv_signal_review")
    with op.batch_alter_table("pv_report_reaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pv_report_reaction_report_id"))
        batch_op.drop_index(batch_op.f("ix_pv_report_reaction_coded_term"))

    op.drop_table("pv_report_reaction")
    with op.batch_alter_table("pv_report_drug", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pv_report_drug_reported_name"))
        batch_op.drop_index(batch_op.f("ix_pv_report_drug_report_id"))
        batch_op.drop_index(batch_op.f("ix_pv_report_drug_product_id"))

    op.drop_table("pv_report_drug")
    with op.batch_alter_table("pv_pair_statistic", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pv_pair_statistic_run_id"))
        batch_op.drop_index(batch_op.f("ix_pv_pair_statistic_passed"))
        batch_op.drop_index(batch_op.f("ix_pv_pair_statistic_event"))
        batch_op.drop_index(batch_op.f("ix_pv_pair_statistic_drug"))

    op.drop_table("pv_pair_statistic")
    with op.batch_alter_table("pv_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pv_report_worldwide_case_id"))
        batch_op.drop_index(batch_op.f("ix_pv_report_status"))
        batch_op.drop_index(batch_op.f("ix_pv_report_safety_report_id"))
        batch_op.drop_index(batch_op.f("ix_pv_report_reporter_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_pv_report_region_code"))
        batch_op.drop_index(batch_op.f("ix_pv_report_received_on"))
        batch_op.drop_index(batch_op.f("ix_pv_report_category"))

    op.drop_table("pv_report")
    op.drop_table("pv_term_synonym")
    with op.batch_alter_table("pv_meddra_term", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pv_meddra_term_soc_name"))
        batch_op.drop_index(batch_op.f("ix_pv_meddra_term_pt_code"))
        batch_op.drop_index(batch_op.f("ix_pv_meddra_term_name"))

    op.drop_table("pv_meddra_term")
    with op.batch_alter_table("pv_analysis_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pv_analysis_run_category"))

    op.drop_table("pv_analysis_run")
