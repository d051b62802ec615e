"""``yaojian credit …``: the grading run and the coverage indicators."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

credit_app = typer.Typer(help="Credit grades (信用分级) and the blacklist.", no_args_is_help=True)
console = Console()


def _factory() -> sessionmaker[Session]:
    from yaojian.db import make_engine, session_factory

    return session_factory(make_engine())


@credit_app.command("grade")
def grade(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Grading date (YYYY-MM-DD); default today.")
    ] = None,
) -> None:
    """Grade every manufacturer and distributor; a drop to C or D becomes a risk signal."""
    from yaojian.auth.actor import system_actor
    from yaojian.credit.service import distribution, grade_all
    from yaojian.db import unit_of_work
    from yaojian.kit.errors import DomainError

    try:
        day = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        console.print(f"[red]--as-of: not a date: {as_of}[/]")
        raise typer.Exit(2) from None
    actor = system_actor("credit")
    try:
        with unit_of_work(_factory()) as session:
            run = grade_all(session, actor, day)
            counts: dict[str, int] = {}
            for _, g, n in distribution(session, actor):
                counts[g.value] = counts.get(g.value, 0) + n
            summary = (run.as_of, run.graded, run.changed, run.signals, run.seconds)
    except DomainError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    day_, graded, changed, signals, seconds = summary
    table = Table(title=f"credit grades as of {day_}")
    table.add_column("grade")
    table.add_column("enterprises", justify="right")
    for letter in "ABCD":
        table.add_row(letter, f"{counts.get(letter, 0):,}")
    console.print(table)
    console.print(
        f"graded {graded:,} · {changed:,} new grade rows · {signals:,} new signals"
        f" · {seconds:.2f} s"
    )


@credit_app.command("coverage")
def coverage_command(
    by: Annotated[str, typer.Option(help="city or county")] = "city",
) -> None:
    """Indicators 8 and 9: the share of production / distribution enterprises with a grade."""
    from yaojian.auth.actor import system_actor
    from yaojian.credit.indicators import INDICATORS, coverage
    from yaojian.db import unit_of_work

    if by not in ("city", "county"):
        console.print("[red]--by: city or county[/]")
        raise typer.Exit(2)
    with unit_of_work(_factory()) as session:
        frames = coverage(session, system_actor("cli"), by="county" if by == "county" else "city")
    for number, frame in frames.items():
        # The title as its own line: a table title wraps at the (narrow) table's width.
        console.print(f"[bold]{number}. {INDICATORS[number][0]}[/]")
        table = Table()
        for column in ("area", "enterprises", "graded", "coverage"):
            table.add_column(column, justify="left" if column == "area" else "right")
        for r in frame.iter_rows(named=True):
            rate = "—" if r["rate"] is None else f"{r['rate'] * 100:.1f}%"
            table.add_row(r["name"], f"{r['total']:,}", f"{r['graded']:,}", rate)
        console.print(table)
