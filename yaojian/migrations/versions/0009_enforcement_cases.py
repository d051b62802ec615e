"""enforcement cases

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:54:51
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enforcement_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("party_name", sa.String(length=200), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "lead",
                "investigation",
                "legal_review",
                "decided",
                "execution",
                "closed",
                name="casestage",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "lead_kind",
            sa.Enum(
                "inspection_finding",
                "sampling",
                "complaint",
                "signal",
                "other",
                name="leadkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("lead_ref", sa.String(length=80), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.String(length=2000), nullable=False),
        sa.Column("discovered_on", sa.Date(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=120), nullable=False),
        sa.Column("lead_extensions", sa.Integer(), nullable=False),
        sa.Column("decision_extensions", sa.Integer(), nullable=False),
        sa.Column("decision_extra_days", sa.Integer(), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("review_opinion", sa.Text(), nullable=False),
        sa.Column("decision_number", sa.String(length=60), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column(
            "decision_kind",
            sa.Enum("penalty", "no_penalty", name="decisionkind", native_enum=False, length=16),
            nullable=True,
        ),
        sa.Column("violation_code", sa.String(length=20), nullable=True),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("circumstances", sa.JSON(), nullable=False),
        sa.Column("goods_value", sa.Integer(), nullable=True),
        sa.Column("recommended", sa.JSON(), nullable=True),
        sa.Column("fine_amount", sa.Integer(), nullable=True),
        sa.Column("warning", sa.Boolean(), nullable=False),
        sa.Column("confiscation", sa.Boolean(), nullable=False),
        sa.Column("revocation", sa.Boolean(), nullable=False),
        sa.Column("departure_reason", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("served_on", sa.Date(), nullable=True),
        sa.Column("executed_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column(
            "closure_reason",
            sa.Enum(
                "not_filed",
                "executed",
                "no_penalty",
                "transferred",
                name="closurereason",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "transfer_status",
            sa.Enum(
                "none",
                "pending",
                "accepted",
                "declined",
                name="transferstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("transferred_on", sa.Date(), nullable=True),
        sa.Column("transfer_unit", sa.String(length=200), nullable=False),
        sa.Column("transfer_reply_on", sa.Date(), nullable=True),
        sa.Column("transfer_note", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_enforcement_case_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_enforcement_case_region_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"],
            ["risk_signal.id"],
            name=op.f("fk_enforcement_case_signal_id_risk_signal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_case")),
        sa.UniqueConstraint("decision_number", name=op.f("uq_enforcement_case_decision_number")),
        sa.UniqueConstraint("number", name=op.f("uq_enforcement_case_number")),
    )
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_decided_on"), ["decided_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_published_at"), ["published_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_signal_id"), ["signal_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enforcement_case_stage"), ["stage"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_transfer_status"), ["transfer_status"], unique=False
        )

    op.create_table(
        "enforcement_case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column(
            "from_stage",
            sa.Enum(
                "lead",
                "investigation",
                "legal_review",
                "decided",
                "execution",
                "closed",
                name="casestage",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_stage",
            sa.Enum(
                "lead",
                "investigation",
                "legal_review",
                "decided",
                "execution",
                "closed",
                name="casestage",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_enforcement_case_event_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_case_event")),
    )
    with op.batch_alter_table("enforcement_case_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_case_event_case_id"), ["case_id"], unique=False
        )

    op.create_table(
        "enforcement_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_enforcement_evidence_case_id_enforcement_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_evidence")),
    )
    with op.batch_alter_table("enforcement_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_evidence_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_evidence_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_evidence_sha256"), ["sha256"], unique=False
        )

    op.create_table(
        "enforcement_person_ban",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column(
            "scope",
            sa.Enum("drug", "device", "cosmetic", name="banscope", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("lifetime", sa.Boolean(), nullable=False),
        sa.Column("basis", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["enforcement_case.id"],
            name=op.f("fk_enforcement_person_ban_case_id_enforcement_case"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_enforcement_person_ban_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_person_ban")),
    )
    with op.batch_alter_table("enforcement_person_ban", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enforcement_person_ban_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_person_ban_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enforcement_person_ban_region_code"), ["region_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("enforcement_person_ban", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_person_ban_region_code"))
        batch_op.drop_index(batch_op.f("ix_enforcement_person_ban_person_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_person_ban_case_id"))

    op.drop_table("enforcement_person_ban")
    with op.batch_alter_table("enforcement_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_evidence_sha256"))
        batch_op.drop_index(batch_op.f("ix_enforcement_evidence_region_code"))
        batch_op.drop_index(batch_op.f("ix_enforcement_evidence_case_id"))

    op.drop_table("enforcement_evidence")
    with op.batch_alter_table("enforcement_case_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_case_event_case_id"))

    op.drop_table("enforcement_case_event")
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enforcement_case_transfer_status"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_stage"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_signal_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_region_code"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_published_at"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_enforcement_case_decided_on"))

    op.drop_table("enforcement_case")
