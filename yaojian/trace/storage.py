"""Bulk storage of trace events: one function, a PostgreSQL path and a SQLite path.

PostgreSQL (the province's system of record) keeps ``trace_event`` range-partitioned by month
of event time, so that old months can be detached, archived or moved to cheaper storage and a
query bounded in time reads only its months. Monthly partitions are created on demand, under an
advisory lock, by the capture that first needs them. Rows go in with ``COPY`` — the fastest way
into PostgreSQL — with their ids taken from the sequence beforehand, so that the EPC rows can
name their event without a round trip per event.

``trace_event_epc`` carries its event's time, so that joining it to the partitioned table reads
one partition per row (PostgreSQL prunes partitions at run time in a nested loop). It has no
foreign key to the event on PostgreSQL: a key into a partitioned table costs a lookup per EPC
row on the hottest write path, and the code index must stay free to be distributed by code hash
(Citus) apart from the events. Events and their EPC rows are only ever written together, here.

SQLite (the embedded default) has one unpartitioned table and takes an ``executemany`` insert.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from yaojian.db import is_postgres, sqlite_time
from yaojian.trace.pack_state import StateEvent

# pg_advisory_xact_lock key for creating partitions ("trace_pt" as a number).
_PARTITION_LOCK = 0x74726163655F7074
EVENT_COLUMNS = (
    "id",
    "event_hash",
    "event_id",
    "event_type",
    "action",
    "event_time",
    "event_time_zone_offset",
    "record_time",
    "biz_step",
    "disposition",
    "read_point",
    "biz_location",
    "enterprise_id",
    "region_code",
    "job_id",
    "ilmd",
    "body",
)
EPC_COLUMNS = ("event_id", "event_time", "epc", "role", "gtin", "cn_prefix")


class EpcRow(NamedTuple):
    """An identifier an event names; a tuple, as the pack register reads it."""

    epc: str
    role: str
    gtin: str | None
    cn_prefix: str | None


@dataclass
class EventRow:
    """One event to store, with every column but its id, and the identifiers it names."""

    values: dict[str, Any]
    epcs: Sequence[EpcRow]


def state_event(event_id: int, row: EventRow) -> StateEvent:
    """What the pack register (:mod:`yaojian.trace.pack_state`) needs of a row (its id may be
    given later, as 0 now)."""
    v = row.values
    return StateEvent(
        id=event_id,
        time=v["event_time"],
        event_type=v["event_type"],
        action=v.get("action"),
        biz_step=v.get("biz_step"),
        disposition=v.get("disposition"),
        biz_location=v.get("biz_location"),
        enterprise_id=v.get("enterprise_id"),
        region_code=v.get("region_code"),
        ilmd=v.get("ilmd"),
        epcs=row.epcs,
    )


def partition_name(year: int, month: int) -> str:
    return f"trace_event_p{year:04d}{month:02d}"


def partition_ddl(year: int, month: int) -> str:
    """``CREATE TABLE`` of the month's partition (UTC month boundaries)."""
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(year, month)} PARTITION OF trace_event "
        f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    )


def ensure_partitions(session: Session, times: Iterable[dt.datetime]) -> list[str]:
    """Create the missing monthly partitions for ``times`` (PostgreSQL); returns those made."""
    if not is_postgres(session):
        return []
    months = {(t.astimezone(dt.UTC).year, t.astimezone(dt.UTC).month) for t in times}
    existing_sql = text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'trace_event'::regclass"
    )
    existing = set(session.scalars(existing_sql))
    missing = sorted(m for m in months if partition_name(*m) not in existing)
    if not missing:
        return []
    # Two captures needing the same new month: the second waits here, then finds it made.
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PARTITION_LOCK})
    existing = set(session.scalars(existing_sql))
    made = []
    for year, month in missing:
        if partition_name(year, month) not in existing:
            session.execute(text(partition_ddl(year, month)))
            made.append(partition_name(year, month))
    return made


def insert_events(
    session: Session,
    rows: Sequence[EventRow],
    *,
    after_events: Callable[[list[int]], None] | None = None,
    after_identifiers: Callable[[], None] | None = None,
) -> list[int]:
    """Store the events and the identifiers they name; returns the events' ids in order.

    The months' partitions must exist (:func:`ensure_partitions`). ``after_events`` (called
    with the ids) and ``after_identifiers`` are work that needs no database, such as the pack
    register's: on PostgreSQL they run once the events' rows, then the identifiers' rows, are
    sent, while the server is still taking them in (it lags the sender by up to a socket
    buffer, half a second a 10,000-event document, which capture would otherwise spend
    waiting); on SQLite after the inserts.
    """
    if not rows:
        return []
    if is_postgres(session):
        ids = _copy_postgres(session, rows, after_events, after_identifiers)
    else:
        ids = _insert_sqlite(session, rows)
        if after_events is not None:
            after_events(ids)
        if after_identifiers is not None:
            after_identifiers()
    return ids


def _copy_postgres(
    session: Session,
    rows: Sequence[EventRow],
    after_events: Callable[[list[int]], None] | None,
    after_identifiers: Callable[[], None] | None,
) -> list[int]:
    ids = list(
        session.scalars(
            text("SELECT nextval('trace_event_id_seq') FROM generate_series(1, :n)"),
            {"n": len(rows)},
        )
    )
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY trace_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for event_id, row in zip(ids, rows, strict=True):
                copy.write_row(_event_tuple(event_id, row.values))
            if after_events is not None:
                after_events(ids)
        with cursor.copy(f"COPY trace_event_epc ({', '.join(EPC_COLUMNS)}) FROM STDIN") as copy:
            for event_id, row in zip(ids, rows, strict=True):
                when = row.values["event_time"]
                for e in row.epcs:
                    copy.write_row((event_id, when, e.epc, e.role, e.gtin, e.cn_prefix))
            if after_identifiers is not None:
                after_identifiers()
    return ids


def _event_tuple(event_id: int, v: dict[str, Any]) -> tuple[Any, ...]:
    """The row in :data:`EVENT_COLUMNS` order, JSON columns as text."""
    ilmd = v.get("ilmd")
    return (
        event_id, v["event_hash"], v.get("event_id"), v["event_type"], v.get("action"),
        v["event_time"], v.get("event_time_zone_offset"), v.get("record_time"),
        v.get("biz_step"), v.get("disposition"), v.get("read_point"), v.get("biz_location"),
        v.get("enterprise_id"), v.get("region_code"), v.get("job_id"),
        None if ilmd is None else json_text(ilmd), json_text(v["body"]),
    )  # fmt: skip


def json_text(value: Any) -> str:
    """Compact JSON, non-ASCII as is: orjson (several times faster on a 10,000-event capture's
    bodies), or the standard library for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _insert_sqlite(session: Session, rows: Sequence[EventRow]) -> list[int]:
    """``executemany`` on the DB-API cursor, in the forms the ORM reads back (UTC text, JSON).

    The ids are those SQLite gives: the transaction holds the database's only write lock, so
    the rows it inserts into a table with an ``INTEGER PRIMARY KEY`` get consecutive rowids
    after the largest one, and the last of them is ``last_insert_rowid()``.
    """
    raw = session.connection().connection.driver_connection
    assert raw is not None
    cursor = raw.cursor()
    columns = EVENT_COLUMNS[1:]
    cursor.executemany(
        f"INSERT INTO trace_event ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})",
        [tuple(_sqlite_value(r.values.get(c)) for c in columns) for r in rows],
    )
    last = int(cursor.execute("SELECT last_insert_rowid()").fetchone()[0])
    ids = list(range(last - len(rows) + 1, last + 1))
    cursor.executemany(
        f"INSERT INTO trace_event_epc ({', '.join(EPC_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (event_id, _sqlite_value(row.values["event_time"]), e.epc, e.role, e.gtin,
             e.cn_prefix)
            for event_id, row in zip(ids, rows, strict=True)
            for e in row.epcs
        ],
    )  # fmt: skip
    cursor.close()
    return ids


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # As SQLAlchemy's SQLite DateTime stores it (yaojian.db.UTCDateTime: UTC, no offset).
        return sqlite_time(value)
    if isinstance(value, dict):
        return json_text(value)
    return value
