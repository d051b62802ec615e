"""``yaojian trace recall``: recall a batch and print who holds its packs."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from yaojian.trace.cli import trace_app

console = Console()


@trace_app.command("recall")
def recall_command(
    gtin: Annotated[str, typer.Option(help="GTIN-14 of the product.")],
    lot: Annotated[str, typer.Option(help="Lot (batch number, AI 10).")],
    reason: Annotated[str, typer.Option(help="Why the batch is recalled.")] = "",
    level: Annotated[str, typer.Option(help="1 一级, 2 二级 or 3 三级.")] = "2",
) -> None:
    """Open a recall of a batch as the platform (province) and print its scope by holder."""
    from yaojian.auth.actor import system_actor
    from yaojian.cli import _factory
    from yaojian.db import unit_of_work
    from yaojian.kit.errors import DomainError
    from yaojian.trace.models import RecallLevel
    from yaojian.trace.recall import parse_lot, recall_json, recall_progress, start_recall

    try:
        choice = RecallLevel(level)
    except ValueError:
        console.print("[red]--level is 1, 2 or 3[/]")
        raise typer.Exit(2) from None
    actor = system_actor("trace.recall")
    try:
        with unit_of_work(_factory()) as session:
            batch = parse_lot(gtin=gtin, lot=lot)
            recall = start_recall(session, actor, batch, reason, choice)
            body = recall_json(recall_progress(session, actor, recall.id))
    except DomainError as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from None
    print_scope(body)


def print_scope(body: dict[str, Any]) -> None:
    console.print(
        f"召回 #{body['id']} {body['gtin']} 批号 {body['lot']} {body['level_label']}召回: "
        f"{body['packs_total']} packs seen, {body['packs_held']} held, "
        f"{len(body['dispensed'])} dispensed. {body['registry_note']}",
        highlight=False,
    )
    table = Table("holder", "county", "held", "returned", "task")
    for row in body["holders"]:
        enterprise = row["enterprise"]
        table.add_row(
            enterprise.get("name", str(enterprise["id"])),
            enterprise.get("county", ""),
            str(row["packs_held"]),
            str(row["packs_returned"]),
            row["status"],
        )
    console.print(table)
    counties = Table("county", "code", "held", "returned")
    for row in body["counties"]:
        counties.add_row(row["county"], row["region_code"], str(row["packs_held"]),
                         str(row["packs_returned"]))  # fmt: skip
    console.print(counties)
