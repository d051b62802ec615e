"""Measure the foundation at scale: generating a province, listing enterprises, verifying the audit.

    .venv/bin/python benchmarks/registry_scale.py [--scale province] [--database-url URL]

Prints a table and writes benchmarks/results/registry_scale-<scale>-<dialect>.json. Without
--database-url it uses a fresh SQLite file in a temporary folder. A PostgreSQL URL must name an
empty, migrated-or-new database that the script may fill.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from yaojian.audit.chain import verify
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.demo.generator import generate
from yaojian.migrate import upgrade
from yaojian.settings import Settings
from yaojian.web.app import create_app

RESULTS = Path(__file__).parent / "results"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed_requests(
    client: TestClient, url: str, headers: dict[str, str], n: int
) -> dict[str, float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    samples.sort()
    return {"p50_ms": statistics.median(samples), "p95_ms": samples[int(0.95 * (n - 1))]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="province", choices=["small", "province"])
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="yaojian-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)

    start = time.perf_counter()
    with unit_of_work(factory) as session:
        result = generate(
            session, scale=args.scale, seed=1, as_of=dt.date(2026, 11, 23), password="demo"
        )
    generate_s = time.perf_counter() - start

    start = time.perf_counter()
    with factory() as session:
        chain = verify(session)
    verify_s = time.perf_counter() - start

    settings = Settings(database_url=url, secret_key="bench", var_dir=tmp)
    timings: dict[str, Any] = {}
    with TestClient(create_app(settings, factory)) as client:
        for username in ("province", "hangzhou", "xihu"):
            token = client.post(
                "/api/v1/auth/token", data={"username": username, "password": "demo"}
            )
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            timings[f"list enterprises ({username})"] = _timed_requests(
                client, "/api/v1/enterprises?page_size=50", headers, args.requests
            )
            timings[f"search by name ({username})"] = _timed_requests(
                client, "/api/v1/enterprises?q=%E5%A4%A7%E8%8D%AF%E6%88%BF", headers, args.requests
            )
        login = client.post("/login", data={"username": "province", "password": "demo"})
        assert login.status_code in (200, 303)
        timings["home page with map (province)"] = _timed_requests(client, "/", {}, args.requests)

    report = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "dialect": engine.dialect.name,
        "scale": args.scale,
        "rows": result.counts | {"signals": result.signals},
        "generate_seconds": round(generate_s, 2),
        "audit_verify_seconds": round(verify_s, 3),
        "audit_entries": chain.entries,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "requests": {k: {m: round(v, 2) for m, v in t.items()} for k, t in timings.items()},
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"registry_scale-{args.scale}-{engine.dialect.name}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")

    table = Table(title=f"registry at {args.scale} scale on {engine.dialect.name}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in report["rows"].items():
        table.add_row(f"rows: {key}", f"{value:,}")
    table.add_row("generate (s)", f"{generate_s:.1f}")
    table.add_row("audit verify (s)", f"{verify_s:.2f}")
    table.add_row("peak RSS (MB)", f"{report['peak_rss_mb']:.0f}")
    for key, t in report["requests"].items():
        table.add_row(f"{key} p50 / p95 (ms)", f"{t['p50_ms']:.1f} / {t['p95_ms']:.1f}")
    Console().print(table)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
