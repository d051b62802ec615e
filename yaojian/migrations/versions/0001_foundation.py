"""Foundation: registry, users and tokens, audit chain, risk signals; Zhejiang's regions.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 15:19:51.418801
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=False),
        sa.Column("object_id", sa.String(length=80), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entry")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_entry_hash")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_action"), ["action"], unique=False)

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("id_number", name=op.f("uq_person_id_number")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_name"), ["name"], unique=False)

    op.create_table(
        "region",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column(
            "level",
            sa.Enum("province", "city", "county", name="regionlevel", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("parent_code", sa.String(length=6), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("center_lon", sa.Float(), nullable=True),
        sa.Column("center_lat", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["region.code"], name=op.f("fk_region_parent_code_region")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_region")),
    )
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
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
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "revoked",
                "closed",
                name="enterprisestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_enterprise_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprise_credit_code")),
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_name"), ["name"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_enterprise_region_code"), ["region_code"], unique=False
        )

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "province_admin",
                "province_regulator",
                "city_regulator",
                "county_regulator",
                "inspector",
                "enterprise",
                "public",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_app_user_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_app_user_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_app_user_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "key_position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "legal_representative",
                "principal",
                "quality_head",
                "production_head",
                "qualified_person",
                "pharmacovigilance_head",
                name="positionrole",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_key_position_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_key_position_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_position")),
    )
    with op.batch_alter_table("key_position", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_key_position_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_key_position_person_id"), ["person_id"], unique=False)

    op.create_table(
        "licence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column(
            "licence_type",
            sa.Enum(
                "drug_manufacturing",
                "drug_wholesale",
                "drug_retail",
                "medical_practice",
                "vaccination",
                "device_manufacturing",
                "device_distribution",
                "cosmetics_manufacturing",
                "internet_drug_info",
                name="licencetype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "valid",
                "suspended",
                "revoked",
                "cancelled",
                name="licencestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("valid_from <= valid_to", name=op.f("ck_licence_valid_range")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_licence_enterprise_id_enterprise"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence")),
        sa.UniqueConstraint("licence_type", "number", name=op.f("uq_licence_licence_type")),
    )
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_licence_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_licence_valid_to"), ["valid_to"], unique=False)

    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "drug", "device", "cosmetic", name="productcategory", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("specification", sa.String(length=200), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("sterile", sa.Boolean(), nullable=False),
        sa.Column("approval_number", sa.String(length=20), nullable=True),
        sa.Column("dosage_form", sa.String(length=40), nullable=True),
        sa.Column("is_vaccine", sa.Boolean(), nullable=False),
        sa.Column("is_blood_product", sa.Boolean(), nullable=False),
        sa.Column("is_narcotic", sa.Boolean(), nullable=False),
        sa.Column("is_psychotropic", sa.Boolean(), nullable=False),
        sa.Column("is_radiopharmaceutical", sa.Boolean(), nullable=False),
        sa.Column("is_toxic", sa.Boolean(), nullable=False),
        sa.Column("is_precursor", sa.Boolean(), nullable=False),
        sa.Column("is_essential", sa.Boolean(), nullable=False),
        sa.Column("is_centrally_procured", sa.Boolean(), nullable=False),
        sa.Column("device_class", sa.Integer(), nullable=True),
        sa.Column("registration_number", sa.String(length=40), nullable=True),
        sa.Column("udi_di", sa.String(length=40), nullable=True),
        sa.Column("implantable", sa.Boolean(), nullable=False),
        sa.Column("filing_number", sa.String(length=40), nullable=True),
        sa.Column("special_use", sa.Boolean(), nullable=False),
        sa.Column("for_children", sa.Boolean(), nullable=False),
        sa.Column("whitening", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "device_class IS NULL OR device_class IN (1, 2, 3)",
            name=op.f("ck_product_device_class"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_id"], ["enterprise.id"], name=op.f("fk_product_holder_id_enterprise")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("approval_number", name=op.f("uq_product_approval_number")),
        sa.UniqueConstraint("filing_number", name=op.f("uq_product_filing_number")),
        sa.UniqueConstraint("registration_number", name=op.f("uq_product_registration_number")),
        sa.UniqueConstraint("udi_di", name=op.f("uq_product_udi_di")),
    )
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_holder_id"), ["holder_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_name"), ["name"], unique=False)

    op.create_table(
        "risk_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
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
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "acknowledged",
                "dismissed",
                "closed",
                name="signalstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("status_note", sa.String(length=1000), nullable=False),
        sa.CheckConstraint("severity BETWEEN 1 AND 4", name=op.f("ck_risk_signal_severity")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_risk_signal_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_risk_signal_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_signal")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_risk_signal_dedupe_key")),
    )
    with op.batch_alter_table("risk_signal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_risk_signal_detected_at"), ["detected_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_risk_signal_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_risk_signal_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_risk_signal_region_code"), ["region_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_risk_signal_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_signal_status"), ["status"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_api_token_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_api_token_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_token_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("batch_number", sa.String(length=40), nullable=False),
        sa.Column("manufactured_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column(
            "release_status",
            sa.Enum(
                "pending",
                "released",
                "rejected",
                "quarantined",
                "recalled",
                name="releasestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("manufactured_on <= expires_on", name=op.f("ck_batch_dates")),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_batch_quantity")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_batch_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_batch_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
        sa.UniqueConstraint("product_id", "batch_number", name=op.f("uq_batch_product_id")),
    )
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_batch_expires_on"), ["expires_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_batch_product_id"), ["product_id"], unique=False)

    _load_regions()


def _load_regions() -> None:
    """Zhejiang's province, cities and counties (GB/T 2260) as of the 2021 Hangzhou re-division.

    City populations are from the 2020 census; the data file has none for counties.
    """
    data = json.loads(
        resources.files("yaojian.registry")
        .joinpath("data/zhejiang-regions.json")
        .read_text("utf-8")
    )
    region = sa.table(
        "region",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("level", sa.String),
        sa.column("parent_code", sa.String),
        sa.column("population", sa.Integer),
        sa.column("center_lon", sa.Float),
        sa.column("center_lat", sa.Float),
    )
    province = data["province"]
    rows = [
        {
            "code": province["adcode"],
            "name": province["name"],
            "level": "province",
            "parent_code": None,
            "population": province["population_2020_census"],
            "center_lon": None,
            "center_lat": None,
        }
    ]
    for city in data["cities"]:
        lon, lat = city["center"]
        rows.append(
            {
                "code": city["adcode"],
                "name": city["name"],
                "level": "city",
                "parent_code": province["adcode"],
                "population": city["population_2020_census"],
                "center_lon": lon,
                "center_lat": lat,
            }
        )
        rows.extend(
            {
                "code": county["adcode"],
                "name": county["name"],
                "level": "county",
                "parent_code": city["adcode"],
                "population": county.get("population_2020_census"),
                "center_lon": (county.get("center") or [None, None])[0],
                "center_lat": (county.get("center") or [None, None])[1],
            }
            for county in city["counties"]
        )
    op.bulk_insert(region, rows)


def downgrade() -> None:
    with op.batch_alter_table("batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_product_id"))
        batch_op.drop_index(batch_op.f("ix_batch_expires_on"))
        batch_op.drop_index(batch_op.f("ix_batch_enterprise_id"))

    op.drop_table("batch")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_enterprise_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("risk_signal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_signal_status"))
        batch_op.drop_index(batch_op.f("ix_risk_signal_source"))
        batch_op.drop_index(batch_op.f("ix_risk_signal_region_code"))
        batch_op.drop_index(batch_op.f("ix_risk_signal_kind"))
        batch_op.drop_index(batch_op.f("ix_risk_signal_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_risk_signal_detected_at"))

    op.drop_table("risk_signal")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_name"))
        batch_op.drop_index(batch_op.f("ix_product_holder_id"))
        batch_op.drop_index(batch_op.f("ix_product_category"))

    op.drop_table("product")
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_valid_to"))
        batch_op.drop_index(batch_op.f("ix_licence_enterprise_id"))

    op.drop_table("licence")
    with op.batch_alter_table("key_position", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_key_position_person_id"))
        batch_op.drop_index(batch_op.f("ix_key_position_enterprise_id"))

    op.drop_table("key_position")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_enterprise_id"))

    op.drop_table("app_user")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_region_code"))
        batch_op.drop_index(batch_op.f("ix_enterprise_name"))
        batch_op.drop_index(batch_op.f("ix_enterprise_kind"))

    op.drop_table("enterprise")
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_parent_code"))

    op.drop_table("region")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_name"))

    op.drop_table("person")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_action"))

    op.drop_table("audit_entry")
