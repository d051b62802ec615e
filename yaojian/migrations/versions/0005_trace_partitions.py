"""trace events partitioned by month on PostgreSQL; ILMD column; EPC rows carry event time

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 06:20:00

See yaojian/trace/storage.py for why. On PostgreSQL the event table is rebuilt as a table
range-partitioned by event time (monthly partitions made for the months already stored, the
rows copied over), its key becomes (id, event_time) and the hash is unique with the event time;
ids become bigint. SQLite keeps one table and gains the two columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from yaojian.trace.storage import partition_ddl

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    "id, event_hash, event_id, event_type, action, event_time, event_time_zone_offset, "
    "record_time, biz_step, disposition, read_point, biz_location, enterprise_id, region_code, "
    "job_id, ilmd, body"
)
_INDEXED = (
    "biz_location",
    "biz_step",
    "disposition",
    "enterprise_id",
    "event_id",
    "event_type",
    "read_point",
    "record_time",
    "region_code",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgres()
        return
    with op.batch_alter_table("trace_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ilmd", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE trace_event SET ilmd = json_extract(body, '$.ilmd') "
        "WHERE json_type(body, '$.ilmd') = 'object'"
    )
    with op.batch_alter_table("trace_event_epc", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_time", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE trace_event_epc SET event_time = "
        "(SELECT e.event_time FROM trace_event e WHERE e.id = trace_event_epc.event_id)"
    )
    with op.batch_alter_table("trace_event_epc", schema=None) as batch_op:
        batch_op.alter_column(
            "event_time", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def _upgrade_postgres() -> None:
    op.execute(
        "ALTER TABLE trace_event_epc DROP CONSTRAINT fk_trace_event_epc_event_id_trace_event"
    )
    op.add_column(
        "trace_event_epc", sa.Column("event_time", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE trace_event_epc x SET event_time = e.event_time FROM trace_event e "
        "WHERE e.id = x.event_id"
    )
    op.execute(
        "ALTER TABLE trace_event_epc ALTER COLUMN event_time SET NOT NULL, "
        "ALTER COLUMN id TYPE bigint, ALTER COLUMN event_id TYPE bigint"
    )
    op.execute("ALTER SEQUENCE trace_event_epc_id_seq AS bigint")
    op.add_column(
        "trace_event",
        sa.Column("ilmd", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.execute(
        "UPDATE trace_event SET ilmd = body->'ilmd' WHERE jsonb_typeof(body->'ilmd') = 'object'"
    )
    op.execute("ALTER TABLE trace_event RENAME TO trace_event_unpartitioned")
    op.execute("ALTER SEQUENCE trace_event_id_seq OWNED BY NONE")
    op.execute("ALTER SEQUENCE trace_event_id_seq AS bigint")
    op.execute(
        """
        CREATE TABLE trace_event (
            id bigint NOT NULL DEFAULT nextval('trace_event_id_seq'),
            event_hash varchar(120) NOT NULL,
            event_id varchar(200),
            event_type varchar(40) NOT NULL,
            action varchar(10),
            event_time timestamptz NOT NULL,
            event_time_zone_offset varchar(6) NOT NULL,
            record_time timestamptz NOT NULL,
            biz_step varchar(200),
            disposition varchar(200),
            read_point varchar(200),
            biz_location varchar(200),
            enterprise_id integer
                CONSTRAINT fk_trace_event_enterprise_id_enterprise REFERENCES enterprise (id),
            region_code varchar(6)
                CONSTRAINT fk_trace_event_region_code_region REFERENCES region (code),
            job_id varchar(32) CONSTRAINT fk_trace_event_job_id_trace_capture_job
                REFERENCES trace_capture_job (id),
            ilmd jsonb,
            body jsonb NOT NULL
        ) PARTITION BY RANGE (event_time)
        """
    )
    months = op.get_bind().execute(
        sa.text(
            "SELECT DISTINCT extract(year FROM event_time AT TIME ZONE 'UTC')::int, "
            "extract(month FROM event_time AT TIME ZONE 'UTC')::int FROM trace_event_unpartitioned"
        )
    )
    for year, month in months.all():
        op.execute(partition_ddl(year, month))
    op.execute(
        f"INSERT INTO trace_event ({_COLUMNS}) SELECT {_COLUMNS} FROM trace_event_unpartitioned"
    )
    op.execute("DROP TABLE trace_event_unpartitioned")
    op.execute("ALTER SEQUENCE trace_event_id_seq OWNED BY trace_event.id")
    op.execute("ALTER TABLE trace_event ADD CONSTRAINT pk_trace_event PRIMARY KEY (id, event_time)")
    op.execute(
        "ALTER TABLE trace_event ADD CONSTRAINT uq_trace_event_event_hash "
        "UNIQUE (event_hash, event_time)"
    )
    for column in _INDEXED:
        op.create_index(f"ix_trace_event_{column}", "trace_event", [column])
    op.create_index("ix_trace_event_time_id", "trace_event", ["event_time", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _downgrade_postgres()
        return
    with op.batch_alter_table("trace_event_epc", schema=None) as batch_op:
        batch_op.drop_column("event_time")
    with op.batch_alter_table("trace_event", schema=None) as batch_op:
        batch_op.drop_column("ilmd")


def _downgrade_postgres() -> None:
    columns = _COLUMNS.replace(", ilmd", "")
    op.execute("ALTER TABLE trace_event RENAME TO trace_event_partitioned")
    op.execute("ALTER SEQUENCE trace_event_id_seq OWNED BY NONE")
    for column in _INDEXED:
        op.execute(f"ALTER INDEX ix_trace_event_{column} RENAME TO ix_trace_event_{column}_p")
    op.execute("ALTER INDEX ix_trace_event_time_id RENAME TO ix_trace_event_time_id_p")
    op.execute("ALTER TABLE trace_event_partitioned RENAME CONSTRAINT pk_trace_event TO pk_p")
    op.execute(
        "ALTER TABLE trace_event_partitioned RENAME CONSTRAINT uq_trace_event_event_hash TO uq_p"
    )
    op.execute("CREATE TABLE trace_event (LIKE trace_event_partitioned INCLUDING DEFAULTS)")
    op.execute("ALTER TABLE trace_event DROP COLUMN ilmd")
    op.execute(f"INSERT INTO trace_event ({columns}) SELECT {columns} FROM trace_event_partitioned")
    op.execute("DROP TABLE trace_event_partitioned")
    for column, table, target in (
        ("enterprise_id", "enterprise", "id"),
        ("region_code", "region", "code"),
        ("job_id", "trace_capture_job", "id"),
    ):
        op.create_foreign_key(
            f"fk_trace_event_{column}_{table}", "trace_event", table, [column], [target]
        )
    op.execute("ALTER SEQUENCE trace_event_id_seq OWNED BY trace_event.id")
    op.execute("ALTER TABLE trace_event ADD CONSTRAINT pk_trace_event PRIMARY KEY (id)")
    op.execute(
        "ALTER TABLE trace_event ADD CONSTRAINT uq_trace_event_event_hash UNIQUE (event_hash)"
    )
    for column in _INDEXED:
        op.create_index(f"ix_trace_event_{column}", "trace_event", [column])
    op.create_index("ix_trace_event_time_id", "trace_event", ["event_time", "id"])
    op.create_foreign_key(
        "fk_trace_event_epc_event_id_trace_event", "trace_event_epc", "trace_event",
        ["event_id"], ["id"], ondelete="CASCADE",
    )  # fmt: skip
    op.drop_column("trace_event_epc", "event_time")
