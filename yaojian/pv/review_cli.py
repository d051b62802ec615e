"""``yaojian pv run``: signal detection on the platform's own reports (monthly and on demand)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console

from yaojian.pv.cli import pv_app

console = Console()


@pv_app.command("run")
def run(
    category: Annotated[
        list[str] | None, typer.Option(help="drug, device or cosmetic; repeat it. Default: all.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Last day of the 12-month period.")
    ] = None,
    min_n: Annotated[int, typer.Option(help="Least number of reports for a signal.")] = 3,
    eb05: Annotated[float, typer.Option(help="EB05 threshold.")] = 2.0,
    prr: Annotated[float, typer.Option(help="PRR threshold (with chi²).")] = 2.0,
    chi2: Annotated[float, typer.Option(help="Yates chi² threshold (with PRR).")] = 4.0,
) -> None:
    """Run disproportionality on the last 12 months of reports; pairs over threshold become signals.

    Schedule it monthly (cron ``0 2 1 * * yaojian pv run``); the signal page runs it on demand.
    """
    from sqlalchemy import func, select

    from yaojian.auth.actor import system_actor
    from yaojian.cli import _factory
    from yaojian.db import unit_of_work
    from yaojian.kit.errors import DomainError
    from yaojian.kit.timeutil import today_local
    from yaojian.pv.indicators import Period
    from yaojian.pv.models import PairStatistic, ReportCategory
    from yaojian.pv.review import Thresholds, run_analysis

    try:
        categories = [ReportCategory(c) for c in category] if category else list(ReportCategory)
    except ValueError:
        console.print("[red]--category is drug, device or cosmetic[/]")
        raise typer.Exit(2) from None
    period = Period.last_year(dt.date.fromisoformat(as_of) if as_of else today_local())
    thresholds = Thresholds(min_n=min_n, eb05=eb05, prr=prr, chi2=chi2)
    for choice in categories:
        try:
            with unit_of_work(_factory()) as session:
                result = run_analysis(session, system_actor("pv.run"), choice, period, thresholds)
                passed, new = session.execute(
                    select(
                        func.count().filter(PairStatistic.passed.is_(True)),
                        func.count().filter(PairStatistic.is_new.is_(True)),
                    ).where(PairStatistic.run_id == result.id)
                ).one()
        except DomainError as exc:
            console.print(f"[yellow]{choice.value}: {exc}[/]")
            continue
        console.print(
            f"{choice.value}: {result.reports:,} reports, {result.pairs:,} pairs, "
            f"{passed:,} over threshold, {new:,} new"
        )
