"""Capture throughput, end to end, against a bare write of the same rows into the same tables.

    .venv/bin/python benchmarks/trace_capture.py --dialect postgresql [--documents 5] [--rounds 2]

In a fresh database (the small demo registry, the parties' locations), ``--documents`` EPCIS
2.0 JSON documents of 10,000 events each (the flows of benchmarks/trace_store.py:
commissioning, packing into cases and pallets, shipping, receiving, unpacking, dispensing;
about 5.3 identifiers an event), then for each round:

- **capture**: each document through :func:`yaojian.trace.capture.prepare` (read, validate
  against the schema and rules, authorise, canonicalise every identifier) and
  :func:`yaojian.trace.capture.store` (CBV 2.0 event hashes, the duplicate check, the rows, the
  job and its audit entry) — exactly what :func:`~yaojian.trace.capture.capture` does, timed in
  its two halves — and committed, one transaction a document;
- the rows capture stored are read back, the trace tables emptied, and
- **bare**: the same rows written again document by document, one COPY per table on
  PostgreSQL, one ``executemany`` per table on SQLite, committed; then the tables are emptied.

Indexes and constraints are on throughout. Writes benchmarks/results/trace_capture-<dialect>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time
from typing import Any

import trace_store as store
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from yaojian.auth.actor import system_actor
from yaojian.db import session_factory, unit_of_work
from yaojian.trace.capture import open_job, prepare
from yaojian.trace.capture import store as store_prepared
from yaojian.trace.pack_state import COLUMNS as REGISTER_COLUMNS
from yaojian.trace.storage import EPC_COLUMNS, EVENT_COLUMNS

NAME = "yaojian_bench_capture"
EVENTS_PER_DOCUMENT = 10_000


def documents(engine: Engine, count: int) -> list[tuple[bytes, int]]:
    """(document, EPC rows it names) × count, 10,000 events each."""
    with unit_of_work(session_factory(engine)) as session:
        world = store.world(session)
    events: list[store.Event] = []
    for batch_events, _ in store.flows(world, random.Random(3), count * EVENTS_PER_DOCUMENT + 1):
        events += batch_events
    store.check_canonical(events)
    out = []
    for i in range(count):
        chunk = events[i * EVENTS_PER_DOCUMENT : (i + 1) * EVENTS_PER_DOCUMENT]
        out.append((store.document(chunk), sum(len(e.epcs) for e in chunk)))
    return out


def read_back(engine: Engine) -> dict[str, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """The stored rows by capture job, in the bare write's column order."""
    postgres = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM trace_event ORDER BY id")
        events = cursor.fetchall()
        cursor.execute(
            f"SELECT x.{', x.'.join(EPC_COLUMNS)}, e.job_id FROM trace_event_epc x "
            "JOIN trace_event e ON e.id = x.event_id ORDER BY x.id"
        )
        epcs = cursor.fetchall()
        raw.rollback()
    finally:
        raw.close()
    by_job: dict[str, tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]] = {}
    json_columns = (EVENT_COLUMNS.index("ilmd"), EVENT_COLUMNS.index("body"))
    job = EVENT_COLUMNS.index("job_id")
    for row in events:
        if postgres:  # JSONB comes back as Python objects; COPY takes their text
            row = tuple(json.dumps(v) if i in json_columns and v is not None else v
                        for i, v in enumerate(row))  # fmt: skip
        by_job.setdefault(row[job], ([], []))[0].append(tuple(row))
    for row in epcs:
        by_job[row[-1]][1].append(tuple(row[:-1]))
    return by_job


def read_register(engine: Engine) -> list[tuple[Any, ...]]:
    """The pack register capture kept, in its column order (as stored)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"SELECT {', '.join(REGISTER_COLUMNS)} FROM trace_pack_state")
        rows = [tuple(r) for r in cursor.fetchall()]
        raw.rollback()
    finally:
        raw.close()
    return rows


def bare_register(engine: Engine, rows: list[tuple[Any, ...]]) -> None:
    """The register's final rows in one COPY / executemany: the least capture could write."""
    raw = engine.raw_connection()
    columns = ", ".join(REGISTER_COLUMNS)
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY trace_pack_state ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(REGISTER_COLUMNS))
            cursor.executemany(f"INSERT INTO trace_pack_state ({columns}) VALUES ({marks})", rows)
        raw.commit()
    finally:
        raw.close()


def empty(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE trace_event, trace_event_epc, trace_pack_state"))
        else:
            conn.execute(text("DELETE FROM trace_event_epc"))
            conn.execute(text("DELETE FROM trace_event"))
            conn.execute(text("DELETE FROM trace_pack_state"))


def bare_write_raw(
    engine: Engine, event_rows: list[tuple[Any, ...]], epc_rows: list[tuple[Any, ...]]
) -> None:
    """The rows as read back (SQLite: already in its stored form) in one transaction."""
    if engine.dialect.name == "postgresql":
        with unit_of_work(session_factory(engine)) as session:
            store.bare_write(session, event_rows, epc_rows)
        return
    raw = engine.raw_connection()
    try:
        marks = ", ".join("?" * len(EVENT_COLUMNS))
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        cursor.executemany(
            f"INSERT INTO trace_event ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})", event_rows
        )
        marks = ", ".join("?" * len(EPC_COLUMNS))
        cursor.executemany(
            f"INSERT INTO trace_event_epc ({', '.join(EPC_COLUMNS)}) VALUES ({marks})", epc_rows
        )
        cursor.execute("COMMIT")
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dialect", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--documents", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    engine = store.fresh_database(args.dialect, NAME)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        store.registry(session)
    docs = documents(engine, args.documents)
    empty(engine)  # the demo's own flows: every round starts from empty trace tables
    actor = system_actor("bench")
    rounds = []
    for _ in range(args.rounds):
        prepare_s = store_s = capture_s = 0.0
        for data, _ in docs:
            began = time.perf_counter()
            with unit_of_work(factory) as session:
                prepared = prepare(session, actor, data)
                half = time.perf_counter()
                job = open_job(session, actor, prepared, "rollback")
                store_prepared(session, actor, prepared, job)
                assert job.events_stored == EVENTS_PER_DOCUMENT, job.events_stored
            done = time.perf_counter()
            prepare_s += half - began
            store_s += done - half
            capture_s += done - began
        stored = read_back(engine)
        register = read_register(engine)
        empty(engine)
        began = time.perf_counter()
        for event_rows, epc_rows in stored.values():
            bare_write_raw(engine, event_rows, epc_rows)
        bare_register(engine, register)
        bare_s = time.perf_counter() - began
        empty(engine)
        events = sum(len(e) for e, _ in stored.values())
        epcs = sum(len(x) for _, x in stored.values())
        rounds.append({
            "events": events, "epc_rows": epcs, "capture_s": round(capture_s, 2),
            "prepare_s": round(prepare_s, 2), "store_s": round(store_s, 2),
            "register_rows": len(register), "bare_s": round(bare_s, 2),
            "capture_events_per_s": round(events / capture_s),
            "bare_events_per_s": round(events / bare_s),
            "ratio": round(bare_s / capture_s, 3),
        })  # fmt: skip
        print(json.dumps(rounds[-1]), flush=True)
    if not args.keep:
        engine.dispose()
        store.drop_database(args.dialect, NAME)

    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": store.machine(),
        "dialect": args.dialect,
        "documents": args.documents,
        "events_per_document": EVENTS_PER_DOCUMENT,
        "epcs_per_event": round(rounds[0]["epc_rows"] / rounds[0]["events"], 2),
        "document_mb": round(statistics.mean(len(d) for d, _ in docs) / 1e6, 1),
        "rounds": rounds,
        "capture_events_per_s": statistics.median(r["capture_events_per_s"] for r in rounds),
        "bare_events_per_s": statistics.median(r["bare_events_per_s"] for r in rounds),
        "ratio": statistics.median(r["ratio"] for r in rounds),
        "aim_ratio": 0.5,
    }
    out = store.write_result(f"trace_capture-{args.dialect}", report)
    table = Table(title=f"capture of 10,000-event documents, {args.dialect}")
    for column in ("round", "capture ev/s", "prepare s", "store s", "bare ev/s", "capture/bare"):
        table.add_column(column, justify="right")
    for i, r in enumerate(rounds, 1):
        table.add_row(str(i), f"{r['capture_events_per_s']:,}", f"{r['prepare_s']:.1f}",
                      f"{r['store_s']:.1f}", f"{r['bare_events_per_s']:,}",
                      f"{r['ratio']:.2f}")  # fmt: skip
    Console().print(table)
    print(f"{report['epcs_per_event']} EPCs an event, {report['document_mb']} MB a document; "
          f"wrote {out}")  # fmt: skip


if __name__ == "__main__":
    main()
