"""Measure the case workflow: running cases through the services, the deadline detector, the
case list page.

    .venv/bin/python benchmarks/enforcement_cases.py [--cases 600] [--database-url URL]

Generates the small synthetic province (without timing it), then: runs ``--cases`` more cases
through the services with the demo's own pacing (each step audited), times the deadline
detector over every open case, and times ``GET /cases`` for a county regulator. Prints a table
and writes benchmarks/results/enforcement_cases-<dialect>.json. Without --database-url it uses
a fresh SQLite file in a temporary folder; a PostgreSQL URL must name an empty database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.demo.enforcement_cases import generate_cases
from yaojian.demo.generator import generate
from yaojian.enforcement.choices import CaseStage
from yaojian.enforcement.detectors import detect_case_deadlines
from yaojian.enforcement.models import Case
from yaojian.kit.timeutil import today_local
from yaojian.migrate import upgrade
from yaojian.settings import Settings
from yaojian.web.app import create_app

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="yaojian-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    today = today_local()
    with unit_of_work(factory) as session:
        generate(session, scale="small", seed=1, as_of=today, password="demo")
    report: dict[str, object] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "dialect": engine.dialect.name,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    with unit_of_work(factory) as session:
        start = time.perf_counter()
        # 3000 a year at province scale / divisor: the divisor that gives --cases cases.
        made, _ = generate_cases(
            session, random.Random(7), divisor=max(1, round(3000 / args.cases)), as_of=today
        )
        elapsed = time.perf_counter() - start
    report["cases_run"] = made
    report["case_run_ms_each"] = round(elapsed * 1000 / made, 2)
    with unit_of_work(factory) as session:
        open_cases = session.scalar(
            select(func.count()).select_from(Case).where(Case.stage != CaseStage.CLOSED)
        )
        start = time.perf_counter()
        detect_case_deadlines(session, today)
        report["detector_ms"] = round((time.perf_counter() - start) * 1000, 1)
        report["open_cases"] = open_cases
    app = create_app(Settings(database_url=url, secret_key="bench", var_dir=tmp), factory)
    with TestClient(app) as client:
        form = {"username": "province", "password": "demo", "next": "/"}
        client.post("/login", data=form, follow_redirects=False)
        times = []
        for _ in range(10):
            start = time.perf_counter()
            response = client.get("/cases?open_only=false")
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
    report["case_list_page_ms_median"] = round(statistics.median(times), 1)
    table = Table(title=f"enforcement cases ({engine.dialect.name})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in report.items():
        table.add_row(key, str(value))
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"enforcement_cases-{engine.dialect.name}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
