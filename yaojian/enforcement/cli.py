"""``yaojian cases …``: the deadline warnings and a summary of the caseload."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

cases_app = typer.Typer(help="Enforcement cases (行政处罚案件).", no_args_is_help=True)
console = Console()


def _factory() -> sessionmaker[Session]:
    from yaojian.db import make_engine, session_factory

    return session_factory(make_engine())


@cases_app.command("detect")
def detect(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date to check against.")] = None,
) -> None:
    """Warn about cases near or past a statutory time limit; warnings become risk signals."""
    from yaojian.db import unit_of_work
    from yaojian.enforcement.detectors import detect_case_deadlines

    with unit_of_work(_factory()) as session:
        reported, new = detect_case_deadlines(
            session, dt.date.fromisoformat(as_of) if as_of else None
        )
    console.print(f"case deadlines: {reported:,} findings, {new:,} new signals")


@cases_app.command("summary")
def summary() -> None:
    """Cases by stage and transfers to public security by reply (the whole province)."""
    from yaojian.auth.actor import system_actor
    from yaojian.db import unit_of_work
    from yaojian.enforcement.service import stage_counts, transfer_counts

    actor = system_actor("cli")
    with unit_of_work(_factory()) as session:
        stages = stage_counts(session, actor)
        transfers = transfer_counts(session, actor)
    table = Table(title="cases")
    table.add_column("stage")
    table.add_column("cases", justify="right")
    for stage, count in sorted(stages.items()):
        table.add_row(f"{stage.zh} ({stage.value})", f"{count:,}")
    for status, count in sorted(transfers.items()):
        table.add_row(f"移送: {status.zh} ({status.value})", f"{count:,}")
    console.print(table)
