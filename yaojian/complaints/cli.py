"""``yaojian complaints …``: the desk's commands."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console

complaints_app = typer.Typer(help="Complaints and reports (投诉举报).", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@complaints_app.command("detect")
def detect(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Last day of the window, YYYY-MM-DD.")
    ] = None,
) -> None:
    """Emit a signal for each enterprise or product with a cluster of complaints in the window
    (rules.toml [cluster]); a cluster already reported in the same period is not reported twice."""
    from yaojian.complaints.detectors import detect_all
    from yaojian.db import make_engine, session_factory, unit_of_work

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        err.print("[red]--as-of is a date such as 2026-11-23[/]")
        raise typer.Exit(2) from None
    with unit_of_work(session_factory(make_engine())) as session:
        reported, new = detect_all(session, day)
    console.print(f"complaint clusters: {reported:,} findings, {new:,} new signals")
