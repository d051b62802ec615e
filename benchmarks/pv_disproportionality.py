"""Measure the disproportionality engine on a FAERS-scale synthetic set.

    .venv/bin/pip install -e '.[bench]'       # pandas, for the comparison only
    .venv/bin/python benchmarks/pv_disproportionality.py [--reports 10000000] [--skip-pandas]

The set: ``--reports`` reports, each with 1 + Poisson(2) drugs and 1 + Poisson(2) reactions (3 of
each on average, duplicates within a report allowed, as in FAERS), drawn from 5,000 drugs and
10,000 terms with Zipf-like popularity (weight 1/rank). Reports belong to one of 40 clinical
areas with their own popularity orders, and two reactions in ten come from a 30-term profile of
the report's first drug, so that the table holds disproportionality of every strength. The
long format is the cross product per report, about nine rows per report, shuffled so that no
order helps anyone.
Report ids are 64-bit integers, drugs and events categoricals.

Three measurements of the same set, each in its own fresh process (so that each peak RSS is its
own), one after the other:

- ``polars_bare``: ``group_by(drug, event).agg(n_unique(report))``, the ceiling the issue sets;
- ``engine``: :func:`yaojian.pv.analytics.disproportionality` with ``hyper="auto"`` — every
  measure, the MGPS fit (squashed) and EBGM/EB05/EB95;
- ``pandas_bare``: ``groupby([drug, event], observed=True)[report].nunique()``.

Prints a table and writes benchmarks/results/pv_disproportionality.json (a .tmp beside it while
running). Loading the set into a process is neither timed nor counted in the peak: the peak is
taken from the moment the data is in memory (``loaded_rss_mb`` is what it takes there).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import math
import multiprocessing
import os
import platform
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).parent / "results"
DRUGS = 5_000
EVENTS = 10_000


def _zipf(size: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1)
    return weights / weights.sum()


def generate(reports: int, seed: int) -> pl.DataFrame:
    """The long-format synthetic set described in the module docstring (deterministic)."""
    rng = np.random.default_rng(seed)
    drugs_per = 1 + rng.poisson(2.0, reports)
    events_per = 1 + rng.poisson(2.0, reports)
    # Each report belongs to one of 40 clinical areas; half of its drugs and reactions follow
    # the area's own popularity order (a permutation of the global one), half the global
    # order. Pairs within an area are reported more than expected, pairs across areas less:
    # the spread of reporting ratios that real databases have.
    area = rng.integers(0, 40, reports)
    drug_order = np.stack([rng.permutation(DRUGS) for _ in range(40)])
    event_order = np.stack([rng.permutation(EVENTS) for _ in range(40)])

    def draw(size: int, per: np.ndarray, order: np.ndarray) -> np.ndarray:
        picks = rng.choice(size, size=int(per.sum()), p=_zipf(size))
        local = np.flatnonzero(rng.random(picks.size) < 0.5)
        picks[local] = order[np.repeat(area, per)[local], picks[local]]
        return picks.astype(np.int32)

    drug_draws = draw(DRUGS, drugs_per, drug_order)
    event_draws = draw(EVENTS, events_per, event_order)
    drug_start = np.cumsum(drugs_per) - drugs_per
    event_start = np.cumsum(events_per) - events_per
    # Drug-specific reporting: two reactions in ten come from the first drug's own profile
    # of 30 terms (popularity 1/rank within it) instead of the global one, which gives the
    # table a continuum of reporting ratios, from strong signals to none.
    own = np.flatnonzero(rng.random(event_draws.size) < 0.2)
    first_drug = drug_draws[drug_start[np.repeat(np.arange(reports), events_per)[own]]]
    rank = rng.choice(30, size=own.size, p=_zipf(30))
    event_draws[own] = (first_drug.astype(np.int64) * 7_919 + rank * 104_729) % EVENTS

    # Cross product per report: each drug row repeated once per reaction of its report.
    drug_report = np.repeat(np.arange(reports), drugs_per)
    repeats = events_per[drug_report]
    rows = int(repeats.sum())
    report = np.repeat(drug_report, repeats)
    drug = np.repeat(drug_draws, repeats)
    run_start = np.repeat(np.cumsum(repeats) - repeats, repeats)
    event = event_draws[event_start[report] + (np.arange(rows) - run_start)]
    del drug_report, repeats, run_start

    order = rng.permutation(rows)
    drug_names = pl.Series("drug", [f"DRUG {i:04d}" for i in range(DRUGS)]).cast(pl.Categorical)
    event_names = pl.Series("event", [f"TERM {i:05d}" for i in range(EVENTS)]).cast(pl.Categorical)
    return pl.DataFrame(
        [
            pl.Series("report", report[order] + 100_000_000, dtype=pl.Int64),
            drug_names.gather(drug[order]),
            event_names.gather(event[order]),
        ]
    )


def _peak_rss_mb() -> float:
    """Peak resident memory of this process since the last :func:`_reset_peak` (Linux's VmHWM,
    which can be reset), or over its whole life where /proc is not there."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return math.nan


def _reset_peak() -> None:
    """Forget the peak so far: decoding Parquet has a transient peak far above the frame it
    leaves, which would otherwise hide the peak of the work measured."""
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _run_stage(stage: str, path: str, queue: Any) -> None:
    frame = pl.read_parquet(path)
    _reset_peak()
    loaded_mb = _rss_mb()
    detail: dict[str, Any] = {}
    start = time.perf_counter()
    if stage == "polars_bare":
        out = frame.group_by("drug", "event").agg(pl.col("report").n_unique().alias("n"))
        detail["pairs"] = out.height
    elif stage == "engine":
        from yaojian.pv.analytics import disproportionality

        marks: list[tuple[str, float]] = []
        result = disproportionality(
            frame,
            "report",
            "drug",
            "event",
            progress=lambda name: marks.append((name, time.perf_counter())),
        )
        end = time.perf_counter()
        marks.append(("end", end))
        detail["pairs"] = result.pairs.height
        detail["hyper"] = str(result.hyper)
        detail["neg_log_likelihood"] = result.neg_log_likelihood
        detail["squashed_points"] = result.fit.squashed_points if result.fit else None
        detail["eb05_at_least_2"] = int((result.pairs["eb05"] >= 2).sum())
        detail["stages"] = {
            name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(marks[:-1])
        }
    elif stage == "pandas_bare":
        import pandas as pd

        columns: dict[str, Any] = {"report": frame["report"].to_numpy()}
        for name in ("drug", "event"):
            distinct = frame[name].unique()
            physical = distinct.to_physical().cast(pl.Int64).to_numpy()
            position = np.zeros(int(physical.max()) + 1, dtype=np.int32)
            position[physical] = np.arange(physical.size)
            codes = position[frame[name].to_physical().cast(pl.Int64).to_numpy()]
            columns[name] = pd.Categorical.from_codes(codes, distinct.cast(pl.String).to_list())
        pdf = pd.DataFrame(columns)
        del frame, columns
        _reset_peak()
        loaded_mb = _rss_mb()
        start = time.perf_counter()
        out_pd = pdf.groupby(["drug", "event"], observed=True)["report"].nunique()
        detail["pairs"] = int(out_pd.size)
    else:
        raise ValueError(stage)
    elapsed = time.perf_counter() - start
    queue.put({"seconds": elapsed, "peak_rss_mb": _peak_rss_mb(), "loaded_rss_mb": loaded_mb}
              | detail)  # fmt: skip


def _measure(stage: str, path: str) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_run_stage, args=(stage, path, queue))
    process.start()
    result: dict[str, Any] = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    frame = generate(args.reports, args.seed)
    generate_s = time.perf_counter() - start
    rows = frame.height
    with tempfile.TemporaryDirectory(prefix="yaojian-pv-bench-") as tmp:
        path = str(Path(tmp) / "set.parquet")
        frame.write_parquet(path)
        del frame
        stages = ["polars_bare", "engine"] + ([] if args.skip_pandas else ["pandas_bare"])
        measured = {stage: _measure(stage, path) for stage in stages}

    bare = measured["polars_bare"]["seconds"]
    report = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, Polars {pl.__version__}, NumPy {np.__version__}",
        "reports": args.reports,
        "rows": rows,
        "seed": args.seed,
        "generate_seconds": round(generate_s, 1),
        "measured": measured,
        "engine_over_polars_bare": round(measured["engine"]["seconds"] / bare, 2),
    }
    if "pandas_bare" in measured:
        report["pandas_over_polars_bare"] = round(measured["pandas_bare"]["seconds"] / bare, 2)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "pv_disproportionality.json"
    tmp_out = out.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(report, indent=2) + "\n")
    tmp_out.replace(out)

    table = Table(title=f"disproportionality, {args.reports:,} reports, {rows:,} rows")
    columns = (
        "measurement",
        "seconds",
        "× polars bare",
        "data in RAM (MB)",
        "peak RSS (MB)",
        "pairs",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "measurement" else "right")
    for stage, values in measured.items():
        table.add_row(
            stage,
            f"{values['seconds']:.1f}",
            f"{values['seconds'] / bare:.2f}",
            f"{values['loaded_rss_mb']:,.0f}",
            f"{values['peak_rss_mb']:,.0f}",
            f"{values['pairs']:,}",
        )
    console = Console()
    console.print(table)
    engine = measured["engine"]
    console.print(f"engine stages (s): {engine['stages']}")
    console.print(
        f"prior {engine['hyper']}, −log L {engine['neg_log_likelihood']:.1f} "
        f"(fitted on {engine['squashed_points']:,} squashed points); "
        f"EB05 ≥ 2: {engine['eb05_at_least_2']:,} pairs"
    )
    console.print(f"wrote {out}")


if __name__ == "__main__":
    main()
