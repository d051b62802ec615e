"""The chain of one pack on a big store, against a bare indexed lookup of the pack's rows.

    .venv/bin/python benchmarks/trace_store.py --dialect postgresql --events 10000000  # setup
    .venv/bin/python benchmarks/trace_chain.py --dialect postgresql [--lookups 2000]

For packs drawn uniformly from the store (packs inside cases inside pallets), times
:func:`yaojian.trace.chain.chain_of` as the platform (every event visible), and, for the same
pack just before, a bare lookup: one SQL statement on the raw driver connection that reads the
pack's EPC rows by the code index joined to their events. Each ends its transaction with a
commit, as the API's unit of work does. Both run warm (a first pass over a
few hundred other packs is not counted). Prints p50/p95/p99 of each and their ratio and writes
benchmarks/results/trace_chain-<dialect>.json.
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
from sqlalchemy import func, select

from yaojian.auth.actor import system_actor
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.trace.chain import chain_of
from yaojian.trace.models import TraceEvent, TraceEventEpc

BARE = (
    "SELECT e.id, e.event_time, e.event_type, e.action, e.biz_step, e.disposition, "
    "e.biz_location, e.enterprise_id FROM trace_event_epc x JOIN trace_event e "
    "ON e.id = x.event_id AND e.event_time = x.event_time WHERE x.epc = {mark}"
)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50_ms": round(q[49], 3), "p95_ms": round(q[94], 3), "p99_ms": round(q[98], 3),
            "max_ms": round(ordered[-1], 3), "n": len(ordered)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dialect", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args()

    engine = make_engine(store.database_url(args.dialect))
    factory = session_factory(engine)
    packs: list[str] = json.loads(store.sample_path(args.dialect).read_text())
    rng = random.Random(7)
    rng.shuffle(packs)
    actor = system_actor("bench")
    mark = "%s" if args.dialect == "postgresql" else "?"
    raw_connection = engine.raw_connection()
    cursor = raw_connection.cursor()
    bare_sql = BARE.format(mark=mark)

    bare: list[float] = []
    chain: list[float] = []
    steps: list[int] = []
    containers: list[int] = []
    for i, pack in enumerate(packs[: args.warmup + args.lookups]):
        start = time.perf_counter()
        cursor.execute(bare_sql, (pack,))
        rows = cursor.fetchall()
        bare_ms = (time.perf_counter() - start) * 1000
        # Both end as the API's unit of work does, with a commit: psycopg forgets its prepared
        # statements on every ROLLBACK of a transaction (DEALLOCATE ALL), so a rollback would
        # make PostgreSQL plan each statement again (~3 ms for the chain's on 16 partitions).
        raw_connection.commit()
        with unit_of_work(factory) as session:
            start = time.perf_counter()
            found = chain_of(session, actor, store.printed(pack))
            chain_ms = (time.perf_counter() - start) * 1000
        assert rows and found.steps, pack
        if i >= args.warmup:
            bare.append(bare_ms)
            chain.append(chain_ms)
            steps.append(len(found.steps))
            containers.append(len(found.containers))
    raw_connection.close()

    with factory() as session:
        events = session.scalar(select(func.count()).select_from(TraceEvent))
        epc_rows = session.scalar(select(func.count()).select_from(TraceEventEpc))
    chain_p, bare_p = percentiles(chain), percentiles(bare)
    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": store.machine(),
        "dialect": args.dialect,
        "store_events": events,
        "store_epc_rows": epc_rows,
        "lookups": args.lookups,
        "mean_steps_per_chain": round(statistics.mean(steps), 2),
        "mean_containers_per_chain": round(statistics.mean(containers), 2),
        "chain_of": chain_p,
        "bare_lookup": bare_p,
        "ratio_p50": round(chain_p["p50_ms"] / bare_p["p50_ms"], 1),
        "ratio_p99": round(chain_p["p99_ms"] / bare_p["p99_ms"], 1),
        "aim_p99_ms": 10,
    }
    out = store.write_result(f"trace_chain-{args.dialect}", report)

    table = Table(title=f"chain of one pack, {events:,} events, {args.dialect}")
    for column in ("measure", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="right" if column != "measure" else "left")
    for name, p in (("chain_of", chain_p), ("bare indexed lookup", bare_p)):
        table.add_row(name, *(f"{p[k]:.2f}" for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")))
    table.add_row("ratio", f"{report['ratio_p50']}×", "", f"{report['ratio_p99']}×", "")
    Console().print(table)
    print(f"steps per chain {report['mean_steps_per_chain']}, containers "
          f"{report['mean_containers_per_chain']}; wrote {out}")  # fmt: skip


if __name__ == "__main__":
    main()
