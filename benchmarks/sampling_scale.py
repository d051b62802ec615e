"""Measure sampling at a decade of the province's volume: the indicator, the list, the export.

    .venv/bin/python benchmarks/sampling_scale.py [--samples 100000] [--database-url URL]

The set: ``--samples`` drug samples (the province takes about 9,000 a year) spread over the 90
counties, one 2026 plan of each programme, 2 % failed and 5 % still at the laboratory, two test
items each, on the enterprises and batches of a small synthetic province (generated first, not
timed). Timed, each the median of ``--repeat`` runs:

- the indicator per city and per county, strict and broad (``yaojian/sampling/indicator.py``);
- page 1 of the sample list for the province and for a county regulator (service call);
- loading 10,000 samples with what the list shows, and the XLSX export of them.

Prints a table and writes benchmarks/results/sampling_scale-<dialect>.json. Without
--database-url it uses a fresh SQLite file in a temporary folder; a PostgreSQL URL must name an
empty database the script may fill.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select

from yaojian.auth.actor import Actor, system_actor
from yaojian.auth.models import Role
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.demo.generator import generate
from yaojian.kit.pagination import PageParams
from yaojian.migrate import upgrade
from yaojian.registry.choices import ProductCategory
from yaojian.registry.models import Batch, Enterprise, Product
from yaojian.sampling import service
from yaojian.sampling.export import samples_workbook
from yaojian.sampling.indicator import indicator
from yaojian.sampling.models import (
    Programme,
    Sample,
    SampleStatus,
    SamplingPlan,
    SamplingStage,
    TestItem,
)
from yaojian.sampling.risk import SAMPLED_KINDS

RESULTS = Path(__file__).parent / "results"
YEAR = 2026


def _fill(session: Any, samples: int, seed: int) -> None:
    rng = random.Random(seed)
    plans = {
        p: session.scalars(
            insert(SamplingPlan).returning(SamplingPlan.id),
            [{"year": YEAR, "title": f"bench {p.value}", "programme": p,
              "category": ProductCategory.DRUG, "region_code": "330000",
              "risk_weighted": False, "created_by": "bench"}],
        ).one()
        for p in Programme
    }  # fmt: skip
    units = list(
        session.scalars(
            select(Enterprise).where(Enterprise.kind.in_(SAMPLED_KINDS[ProductCategory.DRUG]))
        )
    )
    drugs = {
        p.id: p
        for p in session.scalars(select(Product).where(Product.category == ProductCategory.DRUG))
    }
    batches = [b for b in session.scalars(select(Batch)) if b.product_id in drugs]
    rows, start = [], dt.date(YEAR, 1, 1)
    for n in range(samples):
        unit, batch = rng.choice(units), rng.choice(batches)
        product = drugs[batch.product_id]
        listed = product.is_essential or product.is_centrally_procured
        programme = Programme.ESSENTIAL_CENTRAL if listed and rng.random() < 0.5 else (
            Programme.ROUTINE)  # fmt: skip
        roll = rng.random()
        status = (
            SampleStatus.FAILED if roll < 0.02 else
            SampleStatus.AT_LAB if roll < 0.07 else SampleStatus.PASSED
        )  # fmt: skip
        sampled = start + dt.timedelta(days=rng.randint(0, 330))
        rows.append({
            "sample_number": f"B{n:09d}", "plan_id": plans[programme], "product_id": product.id,
            "batch_id": batch.id, "enterprise_id": unit.id, "region_code": unit.region_code,
            "stage": SamplingStage.DISTRIBUTION, "sampled_by": "bench", "sampled_on": sampled,
            "quantity": 3, "unit": "盒", "essential": product.is_essential,
            "centrally_procured": product.is_centrally_procured, "status": status,
            "lab": "lab", "received_on": sampled + dt.timedelta(days=2),
            "report_number": None if status is SampleStatus.AT_LAB else f"R{n:09d}",
            "reported_on": None if status is SampleStatus.AT_LAB else sampled
            + dt.timedelta(days=20), "created_by": "bench",
        })  # fmt: skip
    for chunk in range(0, len(rows), 5_000):
        stmt = insert(Sample).returning(Sample.id, sort_by_parameter_order=True)
        ids = list(session.scalars(stmt, rows[chunk : chunk + 5_000]))
        items = [
            {"sample_id": i, "item": item, "standard": "", "result": "符合规定", "passed": True}
            for i in ids
            for item in ("性状", "含量测定")
        ]
        session.execute(insert(TestItem), items)


def _median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        upgrade(engine)
        factory = session_factory(engine)
        began = time.perf_counter()
        with unit_of_work(factory) as session:
            generate(session, scale="small", seed=args.seed, as_of=dt.date(YEAR, 12, 1),
                     password="bench")  # fmt: skip
            _fill(session, args.samples, args.seed)
        fill_s = time.perf_counter() - began
        province = system_actor("bench")
        county = Actor(name="bench:xihu", role=Role.COUNTY_REGULATOR, region_code="330106",
                       jurisdiction_prefix="330106")  # fmt: skip
        measured: dict[str, float] = {}
        with factory() as session:
            total = session.query(Sample).count()
            cases: dict[str, Callable[[], object]] = {
                "indicator, by city, strict": lambda: indicator(session, province, YEAR),
                "indicator, by county, broad": lambda: indicator(
                    session, province, YEAR, by="county", strict=False
                ),
                "indicator, county regulator": lambda: indicator(session, county, YEAR),
                "sample list page 1, province": lambda: service.list_samples(
                    session, province, PageParams(page=1, page_size=25)
                ),
                "sample list page 1, county": lambda: service.list_samples(
                    session, county, PageParams(page=1, page_size=25)
                ),
                "load 10,000 samples with relations": lambda: list(
                    session.scalars(
                        service.sample_query(province, with_relations=True).limit(10_000)
                    )
                ),
                "XLSX export, 10,000 samples (load + write)": lambda: samples_workbook(
                    list(
                        session.scalars(
                            service.sample_query(province, with_relations=True).limit(10_000)
                        )
                    )
                ),
            }
            for name, fn in cases.items():
                measured[name] = _median(fn, args.repeat)
                session.expunge_all()
        report = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "dialect": engine.dialect.name,
            "machine": platform.platform(),
            "samples": total,
            "fill_seconds": round(fill_s, 1),
            "median_seconds": {k: round(v, 4) for k, v in measured.items()},
        }
        engine.dispose()
    table = Table(title=f"sampling at {total:,} samples ({report['dialect']})")
    table.add_column("measure")
    table.add_column("median s", justify="right")
    for name, seconds in measured.items():
        table.add_row(name, f"{seconds:.3f}")
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"sampling_scale-{report['dialect']}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
