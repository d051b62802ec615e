"""Public verify under concurrent load: the real app served by uvicorn, loaded from other processes.

    apt-get install -y wrk
    .venv/bin/python benchmarks/trace_store.py --dialect postgresql --events 10000000  # setup
    .venv/bin/python benchmarks/trace_verify.py --dialect postgresql [--workers 1 2]

For each number of uvicorn worker processes, serves (as ``yaojian serve`` does: uvicorn with its
defaults — uvloop, httptools, access log on, here sent to /dev/null — plus ``--workers``) either

- **verify**: the whole app, ``GET /api/v1/public/verify?code=…``, on the benchmark store; or
- **bare**: the ceiling, a FastAPI app with one endpoint that does one indexed lookup of the code
  in ``trace_event_epc`` through the same engine settings and returns a small JSON object,

and loads it from separate processes with

- ``wrk`` (closed loop, ``--connections`` connections on two threads) for the most requests
  per second the server gives, with wrk's latency percentiles; and
- a constant-rate client (this file, ``--client``: asyncio on uvloop, raw HTTP/1.1 on keep-alive
  connections), because wrk cannot hold a fixed rate and wrk2, oha and vegeta are not packaged
  for Debian here. It sends at ``--rate`` requests/s on a fixed schedule and counts each
  latency from the moment the request was due, so a server falling behind shows as latency
  (no coordinated omission).

Codes rotate through packs of the store (printed as a DataMatrix's ``(01)…(21)…`` text) and,
one in five, fakes of the same products with serials never commissioned. The per-client rate
limit of public verify (``YAOJIAN_VERIFY_PER_MINUTE``, 60 by default) is raised to 10⁹ for the
run: every request comes from 127.0.0.1. Server and load share the machine's cores.
Writes benchmarks/results/trace_verify-<dialect>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import trace_store as store
from fastapi import FastAPI
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.settings import get_settings

HERE = Path(__file__).parent
FMD_MS = 300  # EU FMD: 95 % of verifications answered within 300 ms

LUA = """
local paths = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, s.status, s.connect + s.read + s.write + s.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


# ---------------------------------------------------------------------------------------------
# The ceiling: a bare endpoint doing one indexed lookup (served by uvicorn as trace_verify:bare_app)


def bare_app() -> FastAPI:
    factory = session_factory(make_engine(get_settings().database_url))
    app = FastAPI()
    lookup = text("SELECT event_id, role FROM trace_event_epc WHERE epc = :code LIMIT 1")

    @app.get("/bare/verify")
    def bare_verify(code: str) -> dict[str, Any]:
        # Ended with a commit, as the app's unit of work ends: a rollback would make psycopg
        # drop its prepared statements and PostgreSQL plan the lookup again every time.
        with unit_of_work(factory) as session:
            row = session.execute(lookup, {"code": code}).first()
        return {"code": code, "found": row is not None}

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


# ---------------------------------------------------------------------------------------------
# The constant-rate client (run as a separate process)


async def _constant_rate(
    port: int, paths: list[str], rate: float, duration: float, connections: int
) -> dict[str, Any]:
    # time.monotonic, not loop.time(): uvloop's clock ticks in whole milliseconds.
    clock = time.monotonic
    free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        free.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []
    status: Counter[int] = Counter()
    length_re = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)
    finished = 0.0

    async def one(path: str, due: float) -> None:
        nonlocal finished
        reader, writer = await free.get()
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            found = length_re.search(head)
            await reader.readexactly(int(found.group(1)) if found else 0)
            code = int(head[9:12])
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            # The server dropped the connection (counted as an error): open another.
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            code = 0
        finished = clock()
        latencies.append((finished - due) * 1000)
        status[code] += 1
        free.put_nowait((reader, writer))

    start = clock() + 0.2
    tasks = []
    total = int(rate * duration)
    for i in range(total):
        due = start + i / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(paths[i % len(paths)], due)))
    await asyncio.gather(*tasks)
    ordered = sorted(latencies)
    q = statistics.quantiles(ordered, n=1000, method="inclusive")
    return {
        "rate": rate,
        "requests": total,
        "achieved_rps": round(total / (finished - start), 1),
        "status": {str(k): v for k, v in status.items()},
        "p50_ms": round(q[499], 2),
        "p90_ms": round(q[899], 2),
        "p95_ms": round(q[949], 2),
        "p99_ms": round(q[989], 2),
        "max_ms": round(ordered[-1], 2),
        "within_300ms": round(sum(1 for x in ordered if x <= FMD_MS) / len(ordered), 4),
    }


def client_main(args: argparse.Namespace) -> None:
    import uvloop

    paths = Path(args.client).read_text().split()
    result = uvloop.run(
        _constant_rate(args.port, paths, args.rate, args.duration, args.client_connections)
    )
    print("RESULT " + json.dumps(result))


# ---------------------------------------------------------------------------------------------
# Orchestration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(app: str, workers: int, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--app-dir", str(HERE)]  # fmt: skip
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("the server did not start")


def _result(output: str) -> dict[str, Any]:
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    parsed: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
    return parsed


def _wrk(port: int, paths: Path, script: Path, seconds: int, connections: int) -> dict[str, Any]:
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script),
         f"http://127.0.0.1:{port}", "--", str(paths)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    raw = _result(done.stdout)
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "non_2xx": raw["non_2xx"],
        "socket_errors": raw["socket_errors"],
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
    }


def _constant(port: int, paths: Path, rate: float, seconds: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--client", str(paths), "--port", str(port), "--rate",
         str(rate), "--duration", str(seconds)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the constant-rate client failed:\n{done.stderr}")
    return _result(done.stdout)


def _codes(dialect: str, fakes: float) -> tuple[list[str], list[str]]:
    """(printed codes for the real endpoint, canonical codes for the bare one), in step."""
    packs: list[str] = json.loads(store.sample_path(dialect).read_text())
    rng = random.Random(11)
    printed, canonical = [], []
    for n, pack in enumerate(packs):
        if rng.random() < fakes:
            # The same product, a serial never commissioned (the store's serials start with 9).
            head = pack.rsplit(":" if pack.startswith("gtin:") else ".", 1)[0]
            pack = f"{head}{':' if pack.startswith('gtin:') else '.'}8{n:011d}"
        printed.append(store.printed(pack))
        canonical.append(pack)
    return printed, canonical


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dialect", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=float, default=500)
    # A server slower than the rate takes longer than this to answer the schedule's requests.
    parser.add_argument("--fixed-seconds", type=int, default=10)
    parser.add_argument("--fakes", type=float, default=0.2)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--client-connections", type=int, default=64, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")

    tmp = Path(tempfile.mkdtemp(prefix="yaojian-verify-"))
    printed, canonical = _codes(args.dialect, args.fakes)
    lists = {
        "verify": [f"/api/v1/public/verify?code={quote(c, safe='')}" for c in printed],
        "bare": [f"/bare/verify?code={quote(c, safe='')}" for c in canonical],
    }
    files = {}
    for name, paths in lists.items():
        files[name] = tmp / f"{name}.txt"
        files[name].write_text("\n".join(paths) + "\n")
    script = tmp / "rotate.lua"
    script.write_text(LUA)
    env = os.environ | {
        "YAOJIAN_DATABASE_URL": store.database_url(args.dialect),
        "YAOJIAN_VERIFY_PER_MINUTE": str(10**9),
        "YAOJIAN_SECRET_KEY": "bench",
        "YAOJIAN_VAR_DIR": str(tmp),
    }
    apps = {"verify": "yaojian.web.app:create_app", "bare": "trace_verify:bare_app"}
    runs: list[dict[str, Any]] = []
    for workers in args.workers:
        for name, app in apps.items():
            port = _free_port()
            server = _serve(app, workers, port, env)
            try:
                _wrk(port, files[name], script, 3, args.connections)  # warm-up, not counted
                most = _wrk(port, files[name], script, args.seconds, args.connections)
                time.sleep(1)
                steady = _constant(port, files[name], args.rate, args.fixed_seconds)
            finally:
                server.terminate()
                server.wait(timeout=30)
            runs.append({"app": name, "workers": workers, "max": most, "fixed_rate": steady})
            print(json.dumps(runs[-1]), flush=True)

    report: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": store.machine(),
        "dialect": args.dialect,
        "codes": len(printed),
        "fake_share": args.fakes,
        "wrk_connections": args.connections,
        "wrk_seconds": args.seconds,
        "fixed_rate_seconds": args.fixed_seconds,
        "verify_per_minute": 10**9,
        "runs": runs,
        "aims": {"max_rps": 1000, "p99_ms_at_500": 50, "fmd_95_percent_within_ms": FMD_MS},
    }
    out = store.write_result(f"trace_verify-{args.dialect}", report)
    table = Table(title=f"public verify under load, {args.dialect}")
    for column in ("app", "workers", "max req/s", "p50/p99 ms at max", f"at {args.rate:.0f}/s "
                   "p50/p95/p99 ms", "≤300 ms", "errors"):  # fmt: skip
        table.add_column(column, justify="left" if column == "app" else "right")
    for run in runs:
        m, f = run["max"], run["fixed_rate"]
        errors = (
            m["non_2xx"]
            + m["socket_errors"]
            + sum(v for k, v in f["status"].items() if not k.startswith("2"))
        )
        table.add_row(
            run["app"], str(run["workers"]), f"{m['rps']:,.0f}",
            f"{m['p50_ms']:.1f} / {m['p99_ms']:.1f}",
            f"{f['p50_ms']:.1f} / {f['p95_ms']:.1f} / {f['p99_ms']:.1f}",
            f"{f['within_300ms']:.1%}", str(errors),
        )  # fmt: skip
    Console(width=150).print(table)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
