"""``yaojian inspection …``: plan a year, staff it, show the indicators."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

inspection_app = typer.Typer(
    help="Inspections: annual plan (综合查一次), team assignment, indicators.",
    no_args_is_help=True,
)
console = Console()


@inspection_app.command("plan")
def plan_command(
    year: Annotated[int, typer.Option(help="The year to plan.")],
    region: Annotated[str, typer.Option(help="Region the plan covers (county/city/province).")] = (
        "330000"
    ),
    assign: Annotated[bool, typer.Option(help="Also assign the teams (CP-SAT).")] = False,
) -> None:
    """Generate the year's plan for a region from the rule table, as the platform."""
    from yaojian.auth.actor import system_actor
    from yaojian.cli import _factory
    from yaojian.db import unit_of_work
    from yaojian.inspection.service import generate_plan
    from yaojian.inspection.staffing import assign_plan
    from yaojian.kit.errors import DomainError

    actor = system_actor("inspection.plan")
    try:
        with unit_of_work(_factory()) as session:
            plan = generate_plan(session, actor, year, region)
            summary = plan.summary
            console.print(
                f"plan #{plan.id} {year} {plan.region.name}: {summary['visits']} visits to "
                f"{summary['enterprises_visited']} of {summary['enterprises_considered']} "
                f"enterprises, {summary['unannounced']} unannounced, "
                f"{summary['items_merged']} items merged into visits",
                highlight=False,
            )
            table = Table("rule", "visits carrying it")
            for rule, n in summary["by_rule"].items():
                table.add_row(rule, str(n))
            console.print(table)
            if assign:
                result = assign_plan(session, actor, plan.id).summary()
                print_assignment(result)
    except DomainError as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from None


@inspection_app.command("assign")
def assign_command(plan: Annotated[int, typer.Option(help="Plan id.")]) -> None:
    """Assign (or re-assign) the teams of a plan none of whose visits has started."""
    from yaojian.auth.actor import system_actor
    from yaojian.cli import _factory
    from yaojian.db import unit_of_work
    from yaojian.inspection.staffing import assign_plan
    from yaojian.kit.errors import DomainError

    try:
        with unit_of_work(_factory()) as session:
            print_assignment(
                assign_plan(session, system_actor("inspection.assign"), plan).summary()
            )
    except DomainError as exc:
        console.print(f"[red]{exc}[/]", highlight=False)
        raise typer.Exit(1) from None


def print_assignment(summary: dict[str, object]) -> None:
    table = Table("visits", "sub-problems", "objective", "worst gap", "mean gap", "km", "seconds")
    table.add_row(
        str(summary["visits"]),
        str(summary["subproblems"]),
        str(summary["objective"]),
        str(summary["worst_gap"]),
        str(summary["mean_gap"]),
        str(summary["travel_km"]),
        str(summary["seconds"]),
    )
    console.print(table)


def load_commands() -> typer.Typer:
    return inspection_app
