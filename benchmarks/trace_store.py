"""A realistic trace store for the traceability benchmarks, and the bare write path.

    .venv/bin/python benchmarks/trace_store.py --dialect postgresql --events 10000000
    .venv/bin/python benchmarks/trace_store.py --dialect sqlite --events 2000000

Builds (or rebuilds) the benchmark database: migrations, the small demo registry (enterprises,
products with GTINs, regions, and the demo's own flows), and then ``--events`` synthetic events
bulk-loaded with the *bare* write path (one COPY per table on PostgreSQL, one ``executemany``
per table on SQLite — the ceiling the capture benchmark compares with). Loading is setup: its
time is printed and written to benchmarks/results/trace_store-<dialect>.json, not measured
against anything. The database is named ``yaojian_bench_trace`` on the local PostgreSQL server
and is a file under the system's temporary folder on SQLite; ``--drop`` removes it.

The flows: for each batch of a drug of the registry, packs are commissioned ten at a time (lot
and expiry in ILMD), packed ten to a case and twenty cases to a pallet, the pallet shipped to a
wholesaler, received and unpacked there, each case shipped to a pharmacy or hospital, received
and unpacked, and one pack in five dispensed. Identifiers are EPC URNs in the repository's
canonical form (checked against :func:`yaojian.trace.capture.identify` on a sample), so the
store holds exactly what capture would have stored for the same events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.demo.generator import generate
from yaojian.demo.trace_flows import CONTEXT, sgln
from yaojian.migrate import upgrade
from yaojian.registry.choices import EnterpriseKind, ProductCategory
from yaojian.registry.models import Enterprise, Product
from yaojian.trace.capture import identify
from yaojian.trace.codes import parse_code
from yaojian.trace.models import TraceLocation
from yaojian.trace.pack_state import StateEvent, advance
from yaojian.trace.storage import EPC_COLUMNS, EVENT_COLUMNS, ensure_partitions

RESULTS = Path(__file__).parent / "results"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG_NAME = "yaojian_bench_trace"
SQLITE_PATH = Path(tempfile.gettempdir()) / "yaojian_bench_trace.db"
AS_OF = dt.date(2026, 11, 23)
ZONE = dt.timezone(dt.timedelta(hours=8))
PACKS_PER_CASE = 10
CASES_PER_PALLET = 20
DISPENSED = 0.2
# The store's events happen over the year before AS_OF (twelve monthly partitions).
SPAN_DAYS = 330


# ---------------------------------------------------------------------------------------------
# Databases


def database_url(dialect: str, name: str = PG_NAME) -> str:
    if dialect == "postgresql":
        return PG_SERVER + name
    return f"sqlite:///{SQLITE_PATH if name == PG_NAME else SQLITE_PATH.with_name(name + '.db')}"


def _server() -> psycopg.Connection[Any]:
    return psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    )


def drop_database(dialect: str, name: str = PG_NAME) -> None:
    if name == PG_NAME:
        sample_path(dialect).unlink(missing_ok=True)
    if dialect == "postgresql":
        with _server() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    path = Path(database_url(dialect, name).removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def fresh_database(dialect: str, name: str = PG_NAME) -> Engine:
    """An empty, migrated database (dropped first if it exists)."""
    drop_database(dialect, name)
    if dialect == "postgresql":
        with _server() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(database_url(dialect, name))
    upgrade(engine)
    return engine


def sample_path(dialect: str) -> Path:
    """Packs of the store, chosen uniformly at random while loading (for the lookups)."""
    return Path(tempfile.gettempdir()) / f"yaojian_bench_trace-{dialect}-packs.json"


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def write_result(name: str, report: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    return out


# ---------------------------------------------------------------------------------------------
# The parties and products of the flows


@dataclass(frozen=True)
class Party:
    enterprise_id: int
    region_code: str
    location: str


@dataclass(frozen=True)
class Drug:
    gtin: str
    raw_prefix: str  # the pack's Digital Link without the serial, as documents carry it
    sgtin_prefix: str  # the canonical form capture stores, without the serial
    stored_gtin: str | None  # the GTIN capture stores with the pack
    maker: Party

    def raw(self, canonical: str) -> str:
        return self.raw_prefix + canonical[len(self.sgtin_prefix) :]


@dataclass
class World:
    drugs: list[Drug]
    wholesalers: list[Party]
    outlets: list[Party]


def registry(session: Session) -> None:
    """The small demo province (its own flows included)."""
    generate(session, scale="small", seed=1, as_of=AS_OF, password="demo")


def world(session: Session) -> World:
    """The parties of the registry that the flows use; adds the locations they need."""

    def parties(kinds: Sequence[EnterpriseKind], limit: int) -> list[Party]:
        rows = session.execute(
            select(Enterprise.id, Enterprise.region_code)
            .where(Enterprise.kind.in_(kinds))
            .order_by(Enterprise.id)
            .limit(limit)
        )
        return [Party(i, region, sgln(i)) for i, region in rows]

    wholesalers = parties([EnterpriseKind.DRUG_WHOLESALER], 60)
    outlets = parties([EnterpriseKind.RETAIL_PHARMACY, EnterpriseKind.MEDICAL_INSTITUTION], 600)
    rows = session.execute(
        select(Product.gtin, Enterprise.id, Enterprise.region_code)
        .join(Enterprise, Enterprise.id == Product.holder_id)
        .where(Product.category == ProductCategory.DRUG, Product.gtin.is_not(None))
        .order_by(Product.id)
        .limit(200)
    )
    drugs = []
    for gtin, maker_id, region in rows:
        assert gtin is not None
        raw = f"https://id.gs1.org/01/{gtin}/21/"
        canonical, stored_gtin, _ = identify(raw + "0")
        assert canonical.endswith("0")
        maker = Party(maker_id, region, sgln(maker_id))
        drugs.append(Drug(gtin, raw, canonical[:-1], stored_gtin, maker))
    known = set(session.scalars(select(TraceLocation.uri)))
    everyone = {p.enterprise_id: p for p in wholesalers + outlets + [d.maker for d in drugs]}
    session.add_all(
        TraceLocation(uri=p.location, enterprise_id=i, name="bench")
        for i, p in sorted(everyone.items())
        if p.location not in known
    )
    session.flush()
    return World(drugs, wholesalers, outlets)


# ---------------------------------------------------------------------------------------------
# The flows, as EPCIS events with the rows they store


@dataclass
class Event:
    """One EPCIS event (JSON, as a document carries it), its party and the identifiers it names."""

    body: dict[str, Any]
    when: dt.datetime
    party: Party
    epcs: list[tuple[str, str, str | None]]  # (canonical identifier, role, GTIN)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _event(kind: str, when: dt.datetime, party: Party, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": kind,
        "eventTime": _iso(when),
        "eventTimeZoneOffset": "+08:00",
        "action": fields.pop("action", "OBSERVE"),
    }
    body.update(fields)
    body["readPoint"] = {"id": party.location}
    body["bizLocation"] = {"id": party.location}
    return body


def sscc(n: int) -> str:
    """A canonical SSCC URN (extension digit 9, apart from the demo's own cases)."""
    return f"urn:epc:id:sscc:6900000.{9_000_000_000 + n:010d}"


@dataclass
class Serials:
    pack: int = 0
    case: int = 0


def pallet_flow(
    world: World,
    rng: random.Random,
    drug: Drug,
    lot: str,
    expiry: str,
    start: dt.datetime,
    serials: Serials,
    dispensed: float = DISPENSED,
) -> tuple[list[Event], list[list[str]]]:
    """The events of one pallet of ``drug``, and its packs case by case."""
    maker = drug.maker
    wholesaler = rng.choice(world.wholesalers)
    ilmd = {"cbvmda:lotNumber": lot, "cbvmda:itemExpirationDate": expiry}
    events: list[Event] = []
    cases: list[list[str]] = []
    case_codes: list[str] = []
    hour = dt.timedelta(hours=1)
    for c in range(CASES_PER_PALLET):
        serial = [f"9{serials.pack + i:011d}" for i in range(PACKS_PER_CASE)]
        packs = [drug.sgtin_prefix + s for s in serial]
        raw = [drug.raw_prefix + s for s in serial]
        serials.pack += PACKS_PER_CASE
        serials.case += 1
        case = sscc(serials.case)
        cases.append(packs)
        case_codes.append(case)
        t = start + c * dt.timedelta(minutes=2)
        events.append(Event(
            _event("ObjectEvent", t, maker, action="ADD", epcList=raw,
                   bizStep="commissioning", disposition="active", ilmd=ilmd),
            t, maker, [(p, "epc", drug.stored_gtin) for p in packs],
        ))  # fmt: skip
        t += dt.timedelta(minutes=1)
        events.append(Event(
            _event("AggregationEvent", t, maker, action="ADD", parentID=case, childEPCs=raw,
                   bizStep="packing", disposition="in_progress"),
            t, maker, [(case, "parent", None)] + [(p, "child", drug.stored_gtin) for p in packs],
        ))  # fmt: skip
    serials.case += 1
    pallet = sscc(serials.case)
    t = start + hour
    events.append(Event(
        _event("AggregationEvent", t, maker, action="ADD", parentID=pallet, childEPCs=case_codes,
               bizStep="packing", disposition="in_progress"),
        t, maker, [(pallet, "parent", None)] + [(c, "child", None) for c in case_codes],
    ))  # fmt: skip
    for when, party, step, disposition in (
        (start + 2 * hour, maker, "shipping", "in_transit"),
        (start + 26 * hour, wholesaler, "receiving", "in_progress"),
    ):
        events.append(Event(
            _event("ObjectEvent", when, party, epcList=[pallet], bizStep=step,
                   disposition=disposition), when, party, [(pallet, "epc", None)],
        ))  # fmt: skip
    t = start + 27 * hour
    events.append(Event(
        _event("AggregationEvent", t, wholesaler, action="DELETE", parentID=pallet,
               childEPCs=case_codes, bizStep="unpacking", disposition="in_progress"),
        t, wholesaler, [(pallet, "parent", None)] + [(c, "child", None) for c in case_codes],
    ))  # fmt: skip
    for case, packs in zip(case_codes, cases, strict=True):
        outlet = rng.choice(world.outlets)
        shipped = start + dt.timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 9))
        for when, party, step, disposition in (
            (shipped, wholesaler, "shipping", "in_transit"),
            (shipped + dt.timedelta(hours=20), outlet, "receiving", "sellable_accessible"),
        ):
            events.append(Event(
                _event("ObjectEvent", when, party, epcList=[case], bizStep=step,
                       disposition=disposition), when, party, [(case, "epc", None)],
            ))  # fmt: skip
        t = shipped + dt.timedelta(hours=21)
        events.append(Event(
            _event("AggregationEvent", t, outlet, action="DELETE", parentID=case,
                   childEPCs=[drug.raw(p) for p in packs], bizStep="unpacking",
                   disposition="sellable_accessible"),
            t, outlet, [(case, "parent", None)] + [(p, "child", drug.stored_gtin) for p in packs],
        ))  # fmt: skip
        for pack in packs:
            if rng.random() < dispensed:
                when = t + dt.timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
                events.append(Event(
                    _event("ObjectEvent", when, outlet, epcList=[drug.raw(pack)],
                           bizStep="dispensing", disposition="dispensed"),
                    when, outlet, [(pack, "epc", drug.stored_gtin)],
                ))  # fmt: skip
    return events, cases


@dataclass
class Batch:
    drug: Drug
    lot: str
    packs: list[list[list[str]]]  # pallet → case → packs


def flows(
    world: World, rng: random.Random, events: int, serials: Serials | None = None
) -> Iterator[tuple[list[Event], Batch]]:
    """Batches of one to ten pallets until about ``events`` events, in time order of batches."""
    serials = serials or Serials()
    made = 0
    first = dt.datetime.combine(AS_OF - dt.timedelta(days=SPAN_DAYS), dt.time(8), ZONE)
    n = 0
    while made < events:
        drug = rng.choice(world.drugs)
        # Spread evenly over the span, so that every month's partition gets its share.
        start = first + dt.timedelta(days=(SPAN_DAYS - 45) * made / events, hours=rng.randint(0, 8))
        n += 1
        lot = f"{start:%y%m%d}{n % 100:02d}"
        expiry = (start + dt.timedelta(days=730)).date().isoformat()
        out: list[Event] = []
        batch = Batch(drug, lot, [])
        for p in range(rng.randint(1, 10)):
            pallet_events, cases = pallet_flow(
                world, rng, drug, lot, expiry, start + p * dt.timedelta(hours=3), serials
            )
            out += pallet_events
            batch.packs.append(cases)
        made += len(out)
        yield out, batch


def check_canonical(events: Sequence[Event]) -> None:
    """The rows name what capture would store for the identifiers the events carry."""
    for event in events[:60]:
        body = event.body
        named = [(v, r) for v, r in (("parentID", "parent"), ("epcList", "epc"),
                                     ("childEPCs", "child")) if v in body]  # fmt: skip
        raw = [(x, role) for field, role in named for x in _listed(body[field])]
        stored = [(identify(x)[0], role, identify(x)[1]) for x, role in raw]
        assert stored == event.epcs, (stored, event.epcs)


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def printed(canonical: str) -> str:
    """The human-readable text of a pack's DataMatrix, (01)GTIN(21)serial, from its canonical."""
    if canonical.startswith("gtin:"):
        _, gtin, _, serial = canonical.split(":")
    else:
        gtin, serial = parse_code(canonical).gtin or "", canonical.rsplit(".", 1)[1]
    return f"(01){gtin}(21){serial}"


def document(events: Sequence[Event]) -> bytes:
    body = {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _iso(events[0].when),
        "epcisBody": {"eventList": [e.body for e in events]},
    }
    return json.dumps(body, ensure_ascii=False).encode()


# ---------------------------------------------------------------------------------------------
# The bare write path: the same rows, straight into the same tables


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _sqlite_time(moment: dt.datetime) -> str:
    # How SQLAlchemy's DateTime stores a (UTC) time in SQLite.
    return _utc(moment).strftime("%Y-%m-%d %H:%M:%S.%f")


def _hash(n: int) -> str:
    return f"ni:///sha-256;{hashlib.sha256(n.to_bytes(8, 'big')).hexdigest()}?ver=CBV2.0"


def bulk_rows(
    events: Sequence[Event], first_id: int, record_time: dt.datetime
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(event rows in EVENT_COLUMNS order, EPC rows in EPC_COLUMNS order) of synthetic events.

    The hash is a unique stand-in (the real CBV hash is what capture computes and pays for).
    """
    event_rows = []
    epc_rows = []
    for i, event in enumerate(events):
        body = event.body
        ident = first_id + i
        when = _utc(event.when)
        ilmd = body.get("ilmd")
        event_rows.append((
            ident, _hash(ident), None, body["type"], body["action"], when, "+08:00", record_time,
            body["bizStep"], body["disposition"], event.party.location, event.party.location,
            event.party.enterprise_id, event.party.region_code, None,
            json.dumps(ilmd, ensure_ascii=False) if ilmd else None,
            json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        ))  # fmt: skip
        for epc, role, gtin in event.epcs:
            epc_rows.append((ident, when, epc, role, gtin, None))
    return event_rows, epc_rows


def state_events(
    event_rows: Sequence[tuple[Any, ...]], epc_rows: Sequence[tuple[Any, ...]]
) -> list[StateEvent]:
    """The bulk rows as the pack register reads them (capture's own :func:`advance` input)."""
    named: dict[int, list[tuple[str, str, str | None, str | None]]] = {}
    for event_id, _, epc, role, gtin, prefix in epc_rows:
        named.setdefault(event_id, []).append((epc, role, gtin, prefix))
    return [
        StateEvent(
            id=r[0], time=r[5], event_type=r[3], action=r[4], biz_step=r[8], disposition=r[9],
            biz_location=r[11], enterprise_id=r[12], region_code=r[13],
            ilmd=json.loads(r[15]) if r[15] else None, epcs=named.get(r[0], []),
        )
        for r in event_rows
    ]  # fmt: skip


def write_with_register(
    session: Session, event_rows: Sequence[tuple[Any, ...]], epc_rows: Sequence[tuple[Any, ...]]
) -> None:
    """The bare write, then the pack register brought up to date as capture does."""
    bare_write(session, event_rows, epc_rows)
    advance(session, state_events(event_rows, epc_rows))


def next_ids(session: Session, n: int) -> int:
    """The first of ``n`` consecutive fresh event ids."""
    if session.get_bind().dialect.name == "postgresql":
        first = session.scalar(text("SELECT nextval('trace_event_id_seq')"))
        assert first is not None
        session.execute(
            text("SELECT setval('trace_event_id_seq', :last)"), {"last": int(first) + n}
        )
        return int(first)
    return int(session.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM trace_event")) or 1)


def bare_write(
    session: Session, event_rows: Sequence[tuple[Any, ...]], epc_rows: Sequence[tuple[Any, ...]]
) -> None:
    """One COPY per table (PostgreSQL) or one executemany per table (SQLite), nothing else."""
    raw = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        assert isinstance(raw, psycopg.Connection)
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY trace_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for row in event_rows:
                    copy.write_row(row)
            with cursor.copy(f"COPY trace_event_epc ({', '.join(EPC_COLUMNS)}) FROM STDIN") as copy:
                for row in epc_rows:
                    copy.write_row(row)
        return
    assert isinstance(raw, sqlite3.Connection)
    times = (5, 7)
    events = [
        tuple(_sqlite_time(v) if i in times else v for i, v in enumerate(row)) for row in event_rows
    ]
    epcs = [(r[0], _sqlite_time(r[1]), *r[2:]) for r in epc_rows]
    marks = ", ".join("?" * len(EVENT_COLUMNS))
    raw.executemany(
        f"INSERT INTO trace_event ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})", events
    )
    marks = ", ".join("?" * len(EPC_COLUMNS))
    raw.executemany(
        f"INSERT INTO trace_event_epc ({', '.join(EPC_COLUMNS)}) VALUES ({marks})", epcs
    )


_TABLES = ("trace_event", "trace_event_epc")


def drop_indexes(engine: Engine) -> list[str]:
    """Drop the trace tables' secondary indexes and constraints; returns the DDL that remakes them.

    Setup only: building an index once over loaded rows is far cheaper than keeping fifteen of
    them up to date row by row (the unique hash index alone is a random insert per event).
    """
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            constraints = conn.execute(text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype IN ('u', 'f') "
                "AND conrelid = ANY(CAST(:t AS regclass[]))"
            ), {"t": list(_TABLES)}).all()  # fmt: skip
            owned = {name for _, name, _ in constraints}
            indexes = conn.execute(text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(:t) "
                "AND indexname NOT LIKE 'pk_%'"
            ), {"t": list(_TABLES)}).all()  # fmt: skip
            remake = [d.replace(" ON ONLY ", " ON ") for n, d in indexes if n not in owned]
            remake += [f"ALTER TABLE {t} ADD CONSTRAINT {n} {d}" for t, n, d in constraints]
            for table, name, _ in constraints:
                conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
            for name, _ in indexes:
                if name not in owned:
                    conn.execute(text(f"DROP INDEX {name}"))
            return remake
        rows = conn.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('trace_event', 'trace_event_epc')"
        )).all()  # fmt: skip
        for name, _ in rows:
            conn.execute(text(f"DROP INDEX {name}"))
        return [sql for _, sql in rows]


def remake_indexes(engine: Engine, ddl: Sequence[str]) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET maintenance_work_mem = '1GB'"))
        for statement in ddl:
            conn.execute(text(statement))


def partitions_for_span(session: Session) -> None:
    first = dt.datetime.combine(AS_OF - dt.timedelta(days=SPAN_DAYS + 31), dt.time(0), dt.UTC)
    ensure_partitions(session, [first + dt.timedelta(days=d) for d in range(0, SPAN_DAYS + 62, 10)])


def bulk_load(
    engine: Engine,
    world: World,
    rng: random.Random,
    events: int,
    chunk: int = 50_000,
    serials: Serials | None = None,
    progress: bool = True,
    sample: int = 5_000,
) -> tuple[int, int, int, list[str]]:
    """Load about ``events`` synthetic events with the bare path.

    Returns (events, EPC rows, packs, a uniform sample of ``sample`` packs).
    """
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        partitions_for_span(session)
    record_time = dt.datetime.combine(AS_OF, dt.time(0), dt.UTC)
    pending: list[Event] = []
    chosen: list[str] = []
    n_events = n_epcs = n_packs = 0
    started = time.perf_counter()
    checked = 0

    def flush() -> None:
        nonlocal n_events, n_epcs
        with unit_of_work(factory) as session:
            first = next_ids(session, len(pending))
            event_rows, epc_rows = bulk_rows(pending, first, record_time)
            write_with_register(session, event_rows, epc_rows)
        n_events += len(event_rows)
        n_epcs += len(epc_rows)
        pending.clear()
        if progress:
            rate = n_events / (time.perf_counter() - started)
            print(f"  {n_events:,} events, {n_epcs:,} EPC rows, {rate:,.0f} events/s", flush=True)

    for batch_events, batch in flows(world, rng, events, serials):
        if checked < 20:  # the first batches, of as many drugs
            check_canonical(batch_events)
            checked += 1
        pending += batch_events
        for pack in (p for pallet in batch.packs for case in pallet for p in case):
            n_packs += 1  # reservoir sampling: every pack equally likely to be kept
            if len(chosen) < sample:
                chosen.append(pack)
            elif (j := rng.randrange(n_packs)) < sample:
                chosen[j] = pack
        if len(pending) >= chunk:
            flush()
    if pending:
        flush()
    return n_events, n_epcs, n_packs, chosen


def analyze(engine: Engine) -> None:
    """Fresh planner statistics after a bulk load (as autovacuum would give, eventually)."""
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(
            text("ANALYZE trace_event" if engine.dialect.name == "postgresql" else "ANALYZE")
        )
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE trace_event_epc"))
            conn.execute(text("ANALYZE trace_pack_state"))


def build(dialect: str, events: int, seed: int = 20261202) -> dict[str, Any]:
    """A fresh benchmark store of about ``events`` synthetic events; returns the setup report."""
    started = time.perf_counter()
    engine = fresh_database(dialect)
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        registry(session)
        the_world = world(session)
    registry_s = time.perf_counter() - started
    rng = random.Random(seed)
    started = time.perf_counter()
    remake = drop_indexes(engine)
    n_events, n_epcs, packs, sample = bulk_load(engine, the_world, rng, events)
    sample_path(dialect).write_text(json.dumps(sample))
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    remake_indexes(engine, remake)
    index_s = time.perf_counter() - started
    started = time.perf_counter()
    analyze(engine)
    analyze_s = time.perf_counter() - started
    with factory() as session:
        register_rows = session.scalar(text("SELECT count(*) FROM trace_pack_state"))
    return {
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "dialect": dialect,
        "seed": seed,
        "events": n_events,
        "epc_rows": n_epcs,
        "epcs_per_event": round(n_epcs / n_events, 2),
        "packs": packs,
        "registry_seconds": round(registry_s, 1),
        # Loaded with the secondary indexes and constraints dropped, then rebuilt (setup).
        "bulk_load_seconds": round(load_s, 1),
        "bulk_load_events_per_second": round(n_events / load_s),
        "index_build_seconds": round(index_s, 1),
        "analyze_seconds": round(analyze_s, 1),
        # Kept during the load as capture keeps it (included in the load's seconds).
        "register_rows": register_rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dialect", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--drop", action="store_true", help="drop the benchmark database and stop")
    args = parser.parse_args()
    if args.drop:
        drop_database(args.dialect)
        print(f"dropped the {args.dialect} benchmark store")
        return
    report = build(args.dialect, args.events)
    out = write_result(f"trace_store-{args.dialect}", report)
    Console().print(report)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
