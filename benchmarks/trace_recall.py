"""Recall scope of a 100,000-pack batch, against a bare query reading the batch's rows.

    .venv/bin/python benchmarks/trace_store.py --dialect postgresql --events 10000000  # setup
    .venv/bin/python benchmarks/trace_recall.py --dialect postgresql [--pallets 500]

Adds one batch to the benchmark store (setup, through the bare write path): ``--pallets``
pallets of 20 cases of 10 packs of one drug and one lot, each pallet shipped to one of the
store's wholesalers, each case on to one of its pharmacies and hospitals, one pack in five
dispensed. The drug's other batches stay in the store, as they would. Then times, warm and
``--repeat`` times each, alternately:

- **start**: :func:`yaojian.trace.recall.assess_now` — every pack of the batch with its holder
  and status as the events now stand, read from the pack register: what starting a recall
  computes;
- **scope**: :func:`yaojian.trace.recall.assess` — the same as the events stood at a moment,
  replayed from the events, with the returns since: what every progress report computes;
- **bare**: every row that names one of the batch's packs, with its event's columns, read into
  Polars (the same read path, :func:`yaojian.db.read_frame`): the rows by the code index, then
  their events by key within the rows' time span — the packs given, not found.

Checks the scope against the flows as generated (packs, dispensed, holders) and writes
benchmarks/results/trace_recall-<dialect>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections import Counter
from typing import Any

import polars as pl
import trace_store as store
from rich.console import Console
from rich.table import Table

from yaojian.db import (
    any_of,
    epoch_us,
    list_param,
    make_engine,
    read_frame,
    session_factory,
    unit_of_work,
)
from yaojian.trace.recall import assess, assess_now, parse_lot

PACK_SERIALS = 50_000_000_000  # far above the store's own serials
CASE_SERIALS = 500_000_000


def bare_read(session: Any, packs: list[str]) -> pl.DataFrame:
    """The packs' EPC rows by the code index, then their events by key within the rows' time
    span, joined in Polars (one SQL join plans as a scan of every partition on PostgreSQL)."""
    time_type = pl.Datetime("us", "UTC")
    naming = read_frame(
        session,
        f"SELECT x.epc, x.role, x.event_id, {epoch_us(session, 'x.event_time')} "
        f"FROM trace_event_epc x WHERE {any_of(session, 'x.epc', 'codes')}",
        {"codes": list_param(session, packs)},
        {"epc": pl.String, "role": pl.String, "id": pl.Int64, "t": time_type},
    )
    events = read_frame(
        session,
        f"SELECT e.id, {epoch_us(session, 'e.event_time')}, e.event_type, e.action, "
        "e.biz_step, e.disposition, e.biz_location, e.enterprise_id FROM trace_event e "
        f"WHERE e.event_time BETWEEN :lo AND :hi AND {any_of(session, 'e.id', 'ids', 'bigint')}",
        {"lo": naming["t"].min(), "hi": naming["t"].max(),
         "ids": list_param(session, naming["id"].unique().sort().to_list())},
        {"id": pl.Int64, "t": time_type, "event_type": pl.String, "action": pl.String,
         "biz_step": pl.String, "disposition": pl.String, "biz_location": pl.String,
         "enterprise_id": pl.Int64},
    )  # fmt: skip
    return naming.join(events, on=["id", "t"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dialect", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pallets", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    engine = make_engine(store.database_url(args.dialect))
    factory = session_factory(engine)
    with unit_of_work(factory) as session:
        world = store.world(session)
    rng = random.Random(4)
    drug = world.drugs[0]
    # A new batch on every run, so that the script can run again on the same store.
    run = int(time.time()) % 10_000
    lot = f"R{run:04d}"
    start = dt.datetime(2026, 9, 1, 8, tzinfo=store.ZONE)
    expiry = "2028-09-01"
    serials = store.Serials(pack=PACK_SERIALS + run * 10**6, case=CASE_SERIALS + run * 10**4)
    events: list[store.Event] = []
    packs: list[str] = []
    for p in range(args.pallets):
        pallet_events, cases = store.pallet_flow(
            world, rng, drug, lot, expiry, start + p * dt.timedelta(minutes=50), serials
        )
        events += pallet_events
        packs += [pack for case in cases for pack in case]
    store.check_canonical(events)
    dispensed = {e.epcs[0][0] for e in events if e.body.get("bizStep") == "dispensing"}
    holders = {e.party.enterprise_id for e in events if e.body.get("bizStep") == "receiving"}
    began = time.perf_counter()
    with unit_of_work(factory) as session:
        first = store.next_ids(session, len(events))
        record_time = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        store.write_with_register(session, *store.bulk_rows(events, first, record_time))
    load_s = time.perf_counter() - began
    store.analyze(engine)

    batch = parse_lot(gtin=drug.gtin, lot=lot)
    at = dt.datetime.now(dt.UTC)
    start_s: list[float] = []
    started = None
    scope_s: list[float] = []
    bare_s: list[float] = []
    scope = None
    rows = 0
    for _ in range(args.repeat + 1):  # the first round warms the caches and is not counted
        with factory() as session:
            began = time.perf_counter()
            frame = bare_read(session, packs)
            bare_s.append(time.perf_counter() - began)
            rows = frame.height
        with factory() as session:
            began = time.perf_counter()
            scope = assess(session, batch, at)
            scope_s.append(time.perf_counter() - began)
        with factory() as session:
            began = time.perf_counter()
            started = assess_now(session, batch)
            start_s.append(time.perf_counter() - began)
    assert scope is not None and started is not None
    scope_s, bare_s, start_s = scope_s[1:], bare_s[1:], start_s[1:]
    # The register's answer is the replay's, pack for pack.
    columns = ["pack", "holder_id", "status"]
    assert started.packs.select(columns).equals(scope.packs.select(columns).sort("pack"))
    status = Counter(scope.packs["status"].to_list())
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": store.machine(),
        "dialect": args.dialect,
        "batch_packs": len(packs),
        "batch_events": len(events),
        "batch_load_seconds": round(load_s, 1),
        "scope_packs": scope.packs.height,
        "scope_dispensed": scope.dispensed.height,
        "generated_dispensed": len(dispensed),
        "scope_holders": len([h for h in scope.holders() if h is not None]),
        "generated_receiving_parties": len(holders),
        "scope_status": dict(status),
        "bare_rows": rows,
        "scope_seconds": [round(s, 3) for s in scope_s],
        "bare_seconds": [round(s, 3) for s in bare_s],
        "start_seconds": [round(s, 3) for s in start_s],
        "start_median_s": round(statistics.median(start_s), 3),
        "scope_median_s": round(statistics.median(scope_s), 3),
        "bare_median_s": round(statistics.median(bare_s), 3),
        "aim_seconds": 1.0,
    }
    report["ratio"] = round(report["scope_median_s"] / report["bare_median_s"], 1)
    assert scope.packs.height == len(packs), (scope.packs.height, len(packs))
    assert scope.dispensed.height == len(dispensed)
    out = store.write_result(f"trace_recall-{args.dialect}", report)

    table = Table(title=f"recall scope of a {len(packs):,}-pack batch, {args.dialect}")
    table.add_column("measure")
    table.add_column("median s", justify="right")
    table.add_column("runs s", justify="right")
    table.add_row("assess_now (start, register)", f"{report['start_median_s']:.2f}",
                  " / ".join(f"{s:.2f}" for s in start_s))  # fmt: skip
    table.add_row("assess (progress, replay)", f"{report['scope_median_s']:.2f}",
                  " / ".join(f"{s:.2f}" for s in scope_s))  # fmt: skip
    table.add_row(f"bare read of the packs' rows ({rows:,})", f"{report['bare_median_s']:.2f}",
                  " / ".join(f"{s:.2f}" for s in bare_s))  # fmt: skip
    table.add_row("ratio", f"{report['ratio']}×", "")
    Console().print(table)
    print(f"packs {scope.packs.height:,}, dispensed {scope.dispensed.height:,}, holders "
          f"{report['scope_holders']}, status {dict(status)}; wrote {out}")  # fmt: skip


if __name__ == "__main__":
    main()
