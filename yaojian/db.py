"""Engine, sessions and the declarative base shared by every area.

SQLite is the embedded default (WAL, foreign keys on); PostgreSQL through psycopg 3 is the
production store. Anything that differs between them lives behind a function here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import JSON, TypeDecorator

from yaojian.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which stores naive text) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use yaojian.kit.timeutil.utcnow()")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# JSONB on PostgreSQL, JSON text on SQLite: one column type for evidence, audit states and the like.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSONDoc,
    }


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _sqlite_begin):
    # the module's own implicit transactions would make a RELEASE SAVEPOINT commit for real.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = url or get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    pooling = {"pool_size": get_settings().db_pool_size, "max_overflow": 0} | kwargs
    return create_engine(url, pool_pre_ping=True, **pooling)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The edge of a command: commit once at the end, roll everything back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_for_append(session: Session, key: int) -> None:
    """Serialise writers of an append-only chain for the rest of the transaction.

    PostgreSQL: a transaction-scoped advisory lock. SQLite allows one writer at a time, and the
    first write of the transaction takes that lock, so nothing more is needed there.
    """
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@lru_cache(maxsize=1 << 16)
def sqlite_time(value: dt.datetime) -> str:
    """A datetime as UTCDateTime stores it on SQLite (UTC, no offset). Cached: the rows of one
    capture share a few thousand event times, and formatting is most of writing them."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def epoch_us(session: Session, column: str) -> str:
    """SQL for a timestamp column as :func:`read_frame` wants it (microseconds on PostgreSQL).

    ``date_part`` gives a double where ``extract`` gives a numeric, which costs a third of a
    100,000-row read; the double holds every microsecond of these centuries (< 2⁵³) and the cast
    to bigint rounds to the nearest, so the value is exact.
    """
    if is_postgres(session):
        return f"(date_part('epoch', {column}) * 1000000)::bigint"
    return column


# Joins the values of a bound list on PostgreSQL: a control character no identifier, hash or
# number contains (GS1 and EPC character sets have none).
_LIST_SEPARATOR = "\x1f"


def any_of(session: Session, column: str, param: str, sql_type: str = "text") -> str:
    """SQL: ``column`` is one of the list bound to ``:param`` (see :func:`list_param`).

    One bound text split into an array by the server on PostgreSQL, a JSON array unpacked by
    ``json_each`` on SQLite: a batch of 100,000 codes is one parameter, not 100,000
    placeholders. (Bound as a Python list, psycopg quotes every element in Python: 40 ms for
    the 10,000 hashes of a capture's duplicate check, against 1 ms to join them.)
    """
    if is_postgres(session):
        return f"{column} = ANY(CAST(string_to_array(:{param}, chr(31)) AS {sql_type}[]))"
    return f"{column} IN (SELECT value FROM json_each(:{param}))"


def list_param(session: Session, values: Sequence[str | int]) -> str:
    """The value to bind for :func:`any_of`: strings or integers."""
    if not is_postgres(session):
        return json.dumps(list(values))
    joined = _LIST_SEPARATOR.join(map(str, values))
    if joined.count(_LIST_SEPARATOR) != max(len(values) - 1, 0):
        raise ValueError("a value of the list contains the separator \\x1f")
    if "" in values or None in values:  # string_to_array drops an empty last element
        raise ValueError("a bound list holds no empty string and no None")
    return joined


def read_frame(
    session: Session, sql: str, params: dict[str, Any], schema: dict[str, Any]
) -> pl.DataFrame:
    """The rows of ``sql`` (``:name`` parameters) as a Polars frame, in the session's transaction.

    PostgreSQL streams the rows with ``COPY (…) TO STDOUT`` as CSV, which Polars parses at
    memory speed; SQLite hands over its rows through the DB-API cursor. Columns declared
    ``pl.Datetime`` must be selected through :func:`epoch_us`.
    """
    raw = session.connection().connection.driver_connection
    assert raw is not None
    times = {name: t for name, t in schema.items() if isinstance(t, pl.Datetime)}
    if is_postgres(session):
        statement = re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql)
        data = bytearray()
        copy_sql = f"COPY ({statement}) TO STDOUT (FORMAT csv)"
        with raw.cursor() as cursor, cursor.copy(copy_sql, params) as copy:
            for chunk in copy:
                data += chunk
        read = {name: pl.Int64 if name in times else t for name, t in schema.items()}
        if not data:
            return pl.DataFrame(schema=schema)
        frame = pl.read_csv(bytes(data), has_header=False, schema=read)
        return frame.with_columns(pl.from_epoch(name, "us").dt.replace_time_zone("UTC")
                                  for name in times)  # fmt: skip
    read = {name: pl.String if name in times else t for name, t in schema.items()}
    # Times compare as the text UTCDateTime stores on SQLite.
    bound = {k: sqlite_time(v) if isinstance(v, dt.datetime) else v for k, v in params.items()}
    rows = raw.execute(sql, bound).fetchall()
    frame = pl.DataFrame(rows, schema=read, orient="row")
    # As UTCDateTime writes them, or with an offset as rows written before it did may be.
    return frame.with_columns(
        pl.coalesce(
            pl.col(name).str.to_datetime(
                "%Y-%m-%d %H:%M:%S%.f", time_zone="UTC", time_unit="us", strict=False
            ),
            pl.col(name)
            .str.to_datetime("%Y-%m-%d %H:%M:%S%.f%:z", time_unit="us", strict=False)
            .dt.convert_time_zone("UTC"),
        ).alias(name)
        for name in times
    )
