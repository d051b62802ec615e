"""Plan and staff a full province year of inspections.

    .venv/bin/python benchmarks/inspection_plan.py [--database-url URL] [--full-demo]

Setup (not timed): a fresh SQLite file, or the empty PostgreSQL database given, filled with what
the plan reads, by the demo generator's own functions: the province-scale registry
(enterprises, licences, products), the licence-expiry signals, the 1,500-strong inspector corps,
and the credit grading. ``--full-demo`` generates the whole province demo instead (adverse
reactions, flows, complaints, samplings, cases and the demo's own inspection year too: about
a quarter of an hour more, and a few hundred more signals, hence unannounced visits).

Timed: the plan of the NEXT year for the whole province, and its team assignment (CP-SAT by
city and month, provincial dispatch), reading the pool and writing the teams. Prints a table
and writes the dialect's entry of benchmarks/results/inspection_plan.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from faker import Faker
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import system_actor
from yaojian.credit.demo import generate_credit
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.demo.generator import SCALES, GenerationResult, generate, generate_registry
from yaojian.demo.inspections import generate_inspectors
from yaojian.inspection.config import load_rules
from yaojian.inspection.models import Inspector
from yaojian.inspection.service import generate_plan
from yaojian.inspection.staffing import assign_plan
from yaojian.migrate import upgrade
from yaojian.registry.detectors import detect_licence_expiry
from yaojian.registry.models import Enterprise

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "inspection_plan.json"
AS_OF = dt.date(2026, 11, 23)


def _planning_inputs(session: Session) -> None:
    """The part of the province demo that the plan and the assignment read, in the generator's
    order and with its seed."""
    divisor = SCALES["province"]
    rng = random.Random(1)
    fake = Faker("zh_CN")
    fake.seed_instance(1)
    generate_registry(session, rng, fake, divisor=divisor, as_of=AS_OF, result=GenerationResult())
    detect_licence_expiry(session, AS_OF)
    generate_inspectors(session, rng, divisor)
    generate_credit(session, AS_OF)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--full-demo", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        factory = session_factory(engine)
        t0 = time.perf_counter()
        with unit_of_work(factory) as session:
            if args.full_demo:
                generate(session, scale="province", as_of=AS_OF, password="bench-pass")
            else:
                _planning_inputs(session)
        seconds_setup = time.perf_counter() - t0
        actor = system_actor("bench")
        with unit_of_work(factory) as session:
            inspectors = session.scalar(select(func.count()).select_from(Inspector)) or 0
            enterprises = session.scalar(select(func.count()).select_from(Enterprise)) or 0
            t1 = time.perf_counter()
            plan = generate_plan(session, actor, AS_OF.year + 1, "330000", today=AS_OF)
            seconds_plan = time.perf_counter() - t1
            t2 = time.perf_counter()
            result = assign_plan(session, actor, plan.id, load_rules())
            seconds_assign = time.perf_counter() - t2
            summary = result.summary()
            plan_summary = dict(plan.summary)
        engine.dispose()
    dialect = url.split(":", 1)[0].split("+")[0]
    worst = max(result.subproblems, key=lambda s: s.gap)
    entry: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "setup": "full province demo"
        if args.full_demo
        else "registry, licence signals, "
        "inspector corps, credit grades (the demo generator's functions)",
        "seconds_setup": round(seconds_setup, 1),
        "enterprises": enterprises,
        "inspectors": inspectors,
        "visits": int(plan_summary["visits"]),
        "unannounced": plan_summary["unannounced"],
        "enterprises_visited": plan_summary["enterprises_visited"],
        "seconds_plan": round(seconds_plan, 2),
        "seconds_assign": round(seconds_assign, 2),
        "seconds_assign_solver": round(result.seconds, 2),
        "seconds_plan_and_assign": round(seconds_plan + seconds_assign, 2),
        "worst_subproblem": {
            "key": worst.key,
            "visits": worst.visits,
            "status": worst.status,
            "objective": worst.objective,
            "bound": worst.bound,
            "gap": round(worst.gap, 4),
        },
        "assignment": {k: v for k, v in summary.items() if k != "problems"},
        "problems": summary["problems"][:5],
        "settings": load_rules().assign.model_dump(),
    }
    utilisation: dict[str, float] = summary["utilisation"]
    table = Table("measure", "value")
    rows = [
        ("database", dialect),
        ("visits / inspectors", f"{entry['visits']:,} / {inspectors:,}"),
        ("plan", f"{seconds_plan:.1f} s"),
        ("assignment (read pool, solve, write teams)", f"{seconds_assign:.1f} s"),
        ("  of which solving", f"{result.seconds:.1f} s"),
        ("plan + assignment", f"{seconds_plan + seconds_assign:.1f} s"),
        ("feasible", str(summary["feasible"])),
        ("objective / bound", f"{summary['objective']:,.0f} / {summary['bound']:,.0f}"),
        ("gap, whole year", f"{summary['gap']:.2%}"),
        ("gap, worst sub-problem", f"{worst.gap:.2%} ({worst.key}, {worst.status})"),
        ("gap, mean of sub-problems", f"{summary['mean_gap']:.2%}"),
        ("sub-problems by status", json.dumps(summary["statuses"])),
        ("travel", f"{summary['travel_km']:,.0f} km"),
        ("places from another city (统一调派)", f"{summary['dispatched_places']:,}"),
        ("utilisation p50 / p90 / max", " / ".join(f"{v:.0%}" for v in utilisation.values())),
        ("setup (not timed)", f"{seconds_setup:.0f} s"),
    ]  # fmt: skip
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)
    if not summary["feasible"]:
        Console().print(summary["problems"][:3])
    RESULTS.mkdir(exist_ok=True)
    body = json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else {}
    body[dialect] = entry
    OUT.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
