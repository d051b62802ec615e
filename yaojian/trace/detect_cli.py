"""``yaojian trace detect``: run the trace detectors; findings become signals."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yaojian.trace.cli import trace_app

console = Console()


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
