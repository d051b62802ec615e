"""Measure the credit grading run at the province's size (about 130,000 graded enterprises).

    .venv/bin/python benchmarks/credit_grading.py [--enterprises 130000] [--database-url URL]

The set: the small synthetic province (its samplings, cases and complaints are the inputs;
generated first, not timed), topped up with plain manufacturers and distributors spread over
the 90 counties until ``--enterprises`` are graded. Timed:

- the first run (every enterprise gets a grade row);
- a rerun with nothing changed (no rows written);
- a run after 2 % of the enterprises gained a failed-sample-like penalty (a few hundred rows);
- indicators 8 and 9 per county, and page 1 of the province's grade list.

Prints a table and writes benchmarks/results/credit_grading-<dialect>.json. Without
--database-url it uses a fresh SQLite file in a temporary folder; a PostgreSQL URL must name an
empty database the script may fill.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select
from stdnum.cn import uscc

from yaojian.auth.actor import system_actor
from yaojian.credit import service
from yaojian.credit.grading import GRADED_KINDS
from yaojian.credit.indicators import coverage
from yaojian.credit.models import CreditGrade
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.demo.generator import generate
from yaojian.enforcement.choices import CaseStage, DecisionKind, LeadKind
from yaojian.enforcement.models import Case
from yaojian.kit.pagination import PageParams
from yaojian.migrate import upgrade
from yaojian.registry.choices import RegionLevel
from yaojian.registry.models import Enterprise, Region

RESULTS = Path(__file__).parent / "results"
AS_OF = dt.date(2026, 11, 23)


def _top_up(session: Any, target: int, rng: random.Random) -> int:
    graded = session.scalar(
        select(func.count()).select_from(Enterprise).where(Enterprise.kind.in_(GRADED_KINDS))
    )
    counties = list(session.scalars(select(Region.code).where(Region.level == RegionLevel.COUNTY)))
    rows = []
    for n in range(max(0, target - graded)):
        county = rng.choice(counties)
        stem = f"91{county}BM{n:07d}"
        rows.append({"credit_code": stem + uscc.calc_check_digit(stem),
                     "name": f"基准{n}号企业", "kind": rng.choice(GRADED_KINDS),
                     "region_code": county, "address": ""})  # fmt: skip
    for i in range(0, len(rows), 5_000):
        session.execute(insert(Enterprise), rows[i : i + 5_000])
    return len(rows)


def _penalise(session: Any, share: float, rng: random.Random) -> int:
    """Penalty decisions for a share of the graded enterprises (inserted directly: the workflow
    is not what is measured)."""
    ids = list(session.scalars(select(Enterprise.id).where(Enterprise.kind.in_(GRADED_KINDS))))
    chosen = rng.sample(ids, int(len(ids) * share))
    regions = {i: r for i, r in session.execute(select(Enterprise.id, Enterprise.region_code))}
    rows = [
        {"number": f"BENCH-{i}", "region_code": regions[e], "enterprise_id": e,
         "party_name": "bench", "stage": CaseStage.DECIDED, "lead_kind": LeadKind.OTHER,
         "summary": "bench", "discovered_on": AS_OF - dt.timedelta(days=60),
         "opened_by": "bench", "decision_kind": DecisionKind.PENALTY,
         "decided_on": AS_OF - dt.timedelta(days=30), "violation_code": "dal-126",
         "decision_number": f"BENCH-D-{i}", "fine_amount": 100_000}
        for i, e in enumerate(chosen)
    ]  # fmt: skip
    for i in range(0, len(rows), 5_000):
        session.execute(insert(Case), rows[i : i + 5_000])
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=130_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="yaojian-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    rng = random.Random(1)
    with unit_of_work(factory) as session:
        generate(session, scale="small", seed=1, as_of=AS_OF, password="demo")
    with unit_of_work(factory) as session:
        added = _top_up(session, args.enterprises, rng)
    actor = system_actor("bench")
    timings: dict[str, float] = {}
    runs: dict[str, dict[str, int]] = {}

    def timed_run(name: str) -> None:
        start = time.perf_counter()
        with unit_of_work(factory) as session:
            run = service.grade_all(session, actor, AS_OF)
            runs[name] = {"graded": run.graded, "changed": run.changed, "signals": run.signals}
        timings[name] = round(time.perf_counter() - start, 3)

    timed_run("first run (all new rows)")
    timed_run("rerun, nothing changed")
    with unit_of_work(factory) as session:
        penalised = _penalise(session, 0.02, rng)
    timed_run("run after 2 % penalised")
    with factory() as session:
        start = time.perf_counter()
        coverage(session, actor, by="county")
        timings["indicators 8 and 9 by county"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        service.list_grades(session, actor, PageParams(page_size=25))
        timings["grade list page 1 (province)"] = round(time.perf_counter() - start, 3)
        rows = session.scalar(select(func.count()).select_from(CreditGrade))
    report = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "dialect": engine.dialect.name,
        "enterprises_added": added,
        "penalised": penalised,
        "grade_rows": rows,
        "runs": runs,
        "seconds": timings,
    }
    table = Table(title=f"credit grading ({engine.dialect.name})")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    table.add_column("graded / changed / signals", justify="right")
    for name, seconds in timings.items():
        r = runs.get(name)
        counts = f"{r['graded']:,} / {r['changed']:,} / {r['signals']:,}" if r else ""
        table.add_row(name, f"{seconds:.3f}", counts)
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"credit_grading-{report['dialect']}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    engine.dispose()


if __name__ == "__main__":
    main()
