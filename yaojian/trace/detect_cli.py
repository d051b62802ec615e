"""``yaojian trace detect``: run the trace detectors; findings become signals.
``yaojian trace evaluate``: score them against the demo's planted anomalies."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yaojian.trace.cli import trace_app

console = Console()
# The --json names are spelt out (see yaojian.trace.evaluation.COLUMNS); the table keeps narrow.
HEADERS = ("kind", "planted", "flagged", "TP", "FP", "FN", "precision", "recall")


@trace_app.command("detect")
def detect_command(
    since: Annotated[
        str | None,
        typer.Option(help="Report only events recorded since (ISO 8601, UTC if no offset)."),
    ] = None,
) -> None:
    """Run the clone, commissioning, expired/recalled batch, licence, broken-chain and
    aggregation detectors; print the findings per detector."""
    from yaojian.cli import _factory
    from yaojian.db import unit_of_work
    from yaojian.trace.detectors import run_trace_detectors

    start = None
    if since is not None:
        try:
            start = dt.datetime.fromisoformat(since)
        except ValueError:
            console.print("[red]--since is an ISO 8601 date or time[/]")
            raise typer.Exit(2) from None
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
    with unit_of_work(_factory()) as session:
        counts = run_trace_detectors(session, start)
    table = Table("detector", "findings")
    for name, count in counts.items():
        table.add_row(name, str(count))
    console.print(table)


@trace_app.command("evaluate")
def evaluate_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Run the trace detectors and score their signals against the demo's planted anomalies:
    planted, flagged, true/false positives, false negatives, precision and recall per kind."""
    from yaojian.auth.actor import system_actor
    from yaojian.cli import _factory
    from yaojian.db import unit_of_work
    from yaojian.trace.evaluation import evaluate

    with unit_of_work(_factory()) as session:
        result = evaluate(session, system_actor("trace.evaluate"))
    if as_json:
        sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(*HEADERS, title="trace detectors against the planted anomalies")
    for score in [*result.kinds, result.overall]:
        row = score.as_json()
        table.add_row(
            *(f"{v:.3f}" if isinstance(v, float) else "—" if v is None else str(v)
              for v in row.values()),
            end_section=score is result.kinds[-1],
        )  # fmt: skip
    console.print(table)
    if not result.overall.planted:
        console.print("no planted anomalies in this store (the demo generator plants them)")
    for title, findings in (("missed", result.missed), ("unexpected", result.unexpected)):
        for kind, subject_type, subject_id in findings[:20]:
            console.print(f"{title}: {kind} {subject_type} {subject_id}", highlight=False)
        if len(findings) > 20:
            console.print(f"{title}: … {len(findings) - 20} more (--json lists all)")
