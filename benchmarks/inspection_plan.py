"""Plan and staff a full province year of inspections.

    .venv/bin/python benchmarks/inspection_plan.py [--database-url URL]

Fills a fresh SQLite file (or the empty PostgreSQL database given) with the province-scale demo
(``demo generate --scale province``: enterprises, products, signals, the 1,500-strong inspector
corps and the demo's own plan of the current year), then times the plan of the NEXT year for the
whole province and its team assignment (CP-SAT, by city and quarter). Prints a table and writes
benchmarks/results/inspection_plan.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from yaojian.auth.actor import system_actor
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.demo.generator import generate
from yaojian.inspection.config import load_rules
from yaojian.inspection.models import Inspector
from yaojian.inspection.service import generate_plan
from yaojian.inspection.staffing import assign_plan
from yaojian.migrate import upgrade

RESULTS = Path(__file__).parent / "results"
AS_OF = dt.date(2026, 11, 23)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        factory = session_factory(engine)
        t0 = time.perf_counter()
        with unit_of_work(factory) as session:
            generate(session, scale="province", as_of=AS_OF, password="bench-pass")
        seconds_generate = time.perf_counter() - t0
        actor = system_actor("bench")
        with unit_of_work(factory) as session:
            inspectors = session.scalar(select(func.count()).select_from(Inspector)) or 0
            t1 = time.perf_counter()
            plan = generate_plan(session, actor, AS_OF.year + 1, "330000", today=AS_OF)
            seconds_plan = time.perf_counter() - t1
            t2 = time.perf_counter()
            result = assign_plan(session, actor, plan.id, load_rules())
            seconds_assign = time.perf_counter() - t2
            summary = result.summary()
            visits = int(plan.summary["visits"])
        engine.dispose()
    dialect = url.split(":", 1)[0].split("+")[0]
    body: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()} {platform.processor() or ''} python "
        f"{platform.python_version()}",
        "database": dialect,
        "visits": visits,
        "unannounced": plan.summary["unannounced"],
        "enterprises_visited": plan.summary["enterprises_visited"],
        "inspectors": inspectors,
        "seconds_generate_demo": round(seconds_generate, 1),
        "seconds_plan": round(seconds_plan, 2),
        "seconds_assign": round(seconds_assign, 2),
        "seconds_plan_and_assign": round(seconds_plan + seconds_assign, 2),
        "assignment": {k: v for k, v in summary.items() if k != "problems"},
        "settings": load_rules().assign.model_dump(),
    }
    table = Table("visits", "inspectors", "plan s", "assign s", "objective", "bound",
                  "worst gap", "mean gap", "sub-problems", "max load")  # fmt: skip
    table.add_row(
        f"{visits:,}",
        f"{inspectors:,}",
        f"{seconds_plan:.1f}",
        f"{seconds_assign:.1f}",
        f"{summary['objective']:,}",
        f"{summary['bound']:,}",
        f"{summary['worst_gap']:.2%}",
        f"{summary['mean_gap']:.2%}",
        str(summary["subproblems"]),
        str(summary["max_load"]),
    )
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "inspection_plan.json").write_text(
        json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
