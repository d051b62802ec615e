"""``yaojian pv disproportionality``: every measure for every drug-event pair of a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yaojian.pv.cli import pv_app

__all__ = ["pv_app"]

err = Console(stderr=True)


@pv_app.command("disproportionality")
def disproportionality_command(
    file: Annotated[Path, typer.Argument(help="Long-format CSV: one row per report-drug-event.")],
    report_col: Annotated[str, typer.Option("--report-col", help="Column of report ids.")],
    drug_col: Annotated[str, typer.Option("--drug-col", help="Column of drug names.")],
    event_col: Annotated[str, typer.Option("--event-col", help="Column of event terms.")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write, one row per pair.")],
    strata: Annotated[
        list[str] | None,
        typer.Option("--strata", help="Column to stratify the expected count by (repeatable)."),
    ] = None,
    hyper: Annotated[
        str,
        typer.Option(
            "--hyper", help="MGPS prior: 'auto' to fit it, or a1,b1,a2,b2,p to use those."
        ),
    ] = "auto",
) -> None:
    """PRR, ROR, chi-square, IC and MGPS (EBGM, EB05, EB95) for every drug-event pair.

    Counts are unique reports, as openEBGM's processRaw counts them. Writes the columns
    drug,event,n,expected,rr,prr,prr_lower,prr_upper,chi2_yates,ror,ror_lower,ror_upper,
    ic,ic025,ic975,ebgm,eb05,eb95 in that order, sorted by drug and event.
    """
    import polars as pl

    from yaojian.kit.errors import DomainError
    from yaojian.pv.analytics import PAIR_COLUMNS, disproportionality

    if not file.is_file():
        err.print(f"[red]no such file: {file}[/]")
        raise typer.Exit(2)
    keys = [report_col, drug_col, event_col, *(strata or [])]
    try:
        header = pl.read_csv(file, n_rows=0).columns
    except (pl.exceptions.NoDataError, pl.exceptions.ComputeError) as exc:
        err.print(f"[red]{file} is not a CSV file with a header: {exc}[/]")
        raise typer.Exit(1) from None
    for option, column in zip(
        ["--report-col", "--drug-col", "--event-col"] + ["--strata"] * len(strata or []),
        keys,
        strict=True,
    ):
        if column not in header:
            err.print(
                f"[red]{option} {column}: no such column in {file}[/] "
                f"(columns: {', '.join(header) or 'none'})"
            )
            raise typer.Exit(1)
    with err.status(f"reading {file}") as status:
        # Names read as categoricals: a file of tens of millions of rows repeats a few
        # thousand drug names, and the engine packs their codes anyway.
        frame = pl.read_csv(
            file,
            columns=list(dict.fromkeys(keys)),
            schema_overrides={drug_col: pl.Categorical, event_col: pl.Categorical},
        )
        if frame.height == 0:
            err.print(f"[red]{file} has a header but no rows[/]")
            raise typer.Exit(1)
        try:
            result = disproportionality(
                frame,
                report_col,
                drug_col,
                event_col,
                strata=strata or None,
                hyper=hyper,
                progress=lambda stage: status.update(stage),
            )
        except DomainError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(1) from None
        status.update(f"writing {out}")
        result.pairs.select(PAIR_COLUMNS).sort("drug", "event").write_csv(out)

    table = Table(title="MGPS prior" + (" (fitted)" if result.fit else " (given)"))
    for column in ("alpha1", "beta1", "alpha2", "beta2", "p"):
        table.add_column(column, justify="right")
    table.add_row(*(f"{value:.8g}" for value in result.hyper.as_tuple()))
    console = Console()
    console.print(table)
    console.print(f"−log-likelihood (all pairs, N ≥ 1): {result.neg_log_likelihood:.6f}")
    if result.fit is not None and result.fit.squashed_points is not None:
        console.print(f"fitted on {result.fit.squashed_points:,} squashed points")
    if result.fit is not None and result.fit.at_bound:
        console.print(
            "[yellow]the fitted prior lies on a bound of the search space; check it, or give "
            "--hyper[/]"
        )
    dropped = f", {result.rows_dropped:,} rows without a report, drug or event dropped"
    console.print(
        f"{result.reports:,} reports, {result.pairs.height:,} pairs → {out}"
        + (dropped if result.rows_dropped else "")
    )
