"""``yaojian pv import-e2b``, ``import-faers``, ``import-csv``, ``export-e2b``, ``template``,
``load-meddra`` and ``add-synonym``. Each command is one unit of work: all or nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from yaojian.pv.cli import pv_app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from yaojian.kit.errors import DomainError

console = Console()
err = Console(stderr=True)

__all__ = ["pv_app"]


def _factory() -> sessionmaker[Session]:
    from yaojian.db import make_engine, session_factory

    return session_factory(make_engine())


def _fail(exc: DomainError, where: str = "") -> None:
    names = ", ".join(p.name for p in exc.invalid_params)
    err.print(f"[red]{where}{exc.detail}[/]" + (f" （字段：{names}）" if names else ""))


@pv_app.command("import-e2b")
def import_e2b(
    files: Annotated[list[Path], typer.Argument(help="E2B(R3) XML files (MCCI_IN200100UV01).")],
    category: Annotated[str, typer.Option(help="drug, device or cosmetic.")] = "drug",
    region: Annotated[
        str | None, typer.Option(help="Region code where the reactions occurred.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import ICH E2B(R3) files; a file with an error is refused whole, the others are stored."""
    from yaojian.auth.actor import system_actor
    from yaojian.db import unit_of_work
    from yaojian.kit.errors import DomainError
    from yaojian.pv.imports import import_e2b as run
    from yaojian.pv.models import ReportCategory

    results, failed = [], 0
    for path in files:
        try:
            with unit_of_work(_factory()) as session:
                stored = run(
                    session, system_actor("cli"), path.read_bytes(),
                    category=ReportCategory(category), region_code=region, source_ref=path.name,
                )  # fmt: skip
                for s in stored:
                    results.append(
                        {
                            "file": path.name,
                            "report_id": s.report.id,
                            "safety_report_id": s.report.safety_report_id,
                            "version": s.report.version,
                            "outcome": s.outcome.value,
                        }
                    )
                    if not as_json:
                        console.print(
                            f"{path.name}: {s.report.safety_report_id} 第 {s.report.version} 版 "
                            f"（#{s.report.id}）— {s.outcome.zh}"
                        )
        except DomainError as exc:
            failed += 1
            _fail(exc, f"{path.name}: ")
            results.append({"file": path.name, "error": exc.detail})
        except OSError as exc:
            failed += 1
            err.print(f"[red]{path}: {exc.strerror}[/]")
            results.append({"file": path.name, "error": str(exc.strerror)})
    if as_json:
        sys.stdout.write(json.dumps(results, ensure_ascii=False) + "\n")
    if failed:
        raise typer.Exit(1)


@pv_app.command("import-faers")
def import_faers(
    zips: Annotated[list[Path], typer.Argument(help="FAERS or legacy AERS quarterly ASCII zips.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import FDA FAERS / legacy AERS quarters: latest version per case, deletions applied."""
    from yaojian.auth.actor import system_actor
    from yaojian.db import unit_of_work
    from yaojian.pv.faers import DROP_REASONS
    from yaojian.pv.imports import import_faers as run
    from yaojian.pv.service import StoreOutcome

    try:
        with unit_of_work(_factory()) as session:
            summary = run(session, system_actor("cli"), zips)
    except (ValueError, OSError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    if as_json:
        sys.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False) + "\n")
        return
    table = Table(title="FAERS 导入汇总 (import summary)")
    table.add_column("项目")
    table.add_column("数量", justify="right")
    for name, label in (
        ("demo", "读取报告行 DEMO"),
        ("drug", "读取药品行 DRUG"),
        ("reac", "读取不良反应行 REAC"),
        ("outc", "读取结局行 OUTC"),
        ("indi", "读取适应症行 INDI"),
    ):
        table.add_row(label, f"{summary.read[name]:,}")
    table.add_row("格式错误的行（已计数，未导入）", f"{len(summary.bad_lines):,}")
    for reason, count in summary.dropped.items():
        if count:
            table.add_row(f"剔除：{DROP_REASONS.get(reason, reason)}", f"{count:,}")
    table.add_row("保留报告", f"{summary.kept_reports:,}")
    table.add_row("保留药品行", f"{summary.kept_drug_rows:,}")
    table.add_row("保留不良反应行", f"{summary.kept_reaction_rows:,}")
    for outcome, count in summary.stored.items():
        table.add_row(f"入库：{StoreOutcome(outcome).zh}", f"{count:,}")
    if summary.withdrawn:
        table.add_row("已入库病例因 FDA 删除而作废", f"{summary.withdrawn:,}")
    console.print(table)
    for bad in summary.bad_lines:
        err.print(f"[yellow]{bad.file} 第 {bad.line} 行: {bad.reason}[/]")


@pv_app.command("export-e2b")
def export_e2b(
    report_id: Annotated[int, typer.Argument(help="The report's id (#).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the XML.")],
) -> None:
    """Write a stored report as an E2B(R3) XML file."""
    from yaojian.auth.actor import system_actor
    from yaojian.db import unit_of_work
    from yaojian.kit.errors import DomainError
    from yaojian.pv import e2b
    from yaojian.pv.service import get_report

    try:
        with unit_of_work(_factory()) as session:
            data = e2b.to_e2b(get_report(session, system_actor("cli"), report_id))
    except DomainError as exc:
        _fail(exc)
        raise typer.Exit(1) from None
    out.write_bytes(data)
    console.print(f"已导出报告 #{report_id} → {out}")


@pv_app.command("template")
def template(
    out: Annotated[Path, typer.Option("--out", help="FILE.xlsx or FILE.csv.")],
) -> None:
    """Write the hospital reporting template (Chinese headers, English in the second row)."""
    from yaojian.pv.template import write_template

    try:
        write_template(out)
    except ValueError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from None
    console.print(f"已生成报告模板 → {out}")


@pv_app.command("import-csv")
def import_csv(
    file: Annotated[Path, typer.Argument(help="A filled-in template, .xlsx or .csv.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Import a hospital template; any row error refuses the whole file, naming row and column."""
    from yaojian.auth.actor import system_actor
    from yaojian.db import unit_of_work
    from yaojian.pv.imports import import_table
    from yaojian.pv.template import TemplateErrors

    try:
        with unit_of_work(_factory()) as session:
            stored = import_table(session, system_actor("cli"), file)
    except TemplateErrors as exc:
        for problem in exc.problems:
            err.print(
                f"[red]{file.name} 第 {problem.row} 行「{problem.column}」: {problem.reason}[/]"
            )
        err.print(f"[red]{len(exc.problems)} 处错误，文件未导入[/]")
        raise typer.Exit(1) from None
    except (ValueError, OSError) as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    outcomes = [{"report_id": s.report.id, "safety_report_id": s.report.safety_report_id,
                 "outcome": s.outcome.value} for s in stored]  # fmt: skip
    if as_json:
        sys.stdout.write(json.dumps(outcomes, ensure_ascii=False) + "\n")
        return
    for s in stored:
        console.print(f"{s.report.safety_report_id}（#{s.report.id}）— {s.outcome.zh}")
    console.print(f"共 {len(stored)} 份报告")


@pv_app.command("load-meddra")
def load_meddra(
    directory: Annotated[Path, typer.Argument(help="The MedDRA ASCII folder (llt.asc, pt.asc…).")],
    release: Annotated[str | None, typer.Option(help="Release name, e.g. 27.1.")] = None,
) -> None:
    """Load a licensed MedDRA release (replaces the one loaded before)."""
    from yaojian.auth.actor import system_actor
    from yaojian.db import unit_of_work
    from yaojian.pv.meddra import MeddraError, load

    try:
        with unit_of_work(_factory()) as session:
            result = load(session, system_actor("cli"), directory, release)
    except MeddraError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
    console.print(
        f"MedDRA {result.release}: {result.pts:,} 个首选术语 (PT)，{result.llts:,} 个低位语 (LLT)"
    )


@pv_app.command("add-synonym")
def add_synonym(
    reported: Annotated[str, typer.Argument(help="The term as reporters write it.")],
    preferred: Annotated[str, typer.Argument(help="The preferred term to count it under.")],
) -> None:
    """Map a reported term to a preferred term (used when no MedDRA code says more)."""
    from yaojian.auth.actor import system_actor
    from yaojian.db import unit_of_work
    from yaojian.kit.errors import DomainError
    from yaojian.pv.service import add_synonym as run

    try:
        with unit_of_work(_factory()) as session:
            run(session, system_actor("cli"), reported, preferred)
    except DomainError as exc:
        _fail(exc)
        raise typer.Exit(1) from None
    console.print(f"同义词：{reported} → {preferred}")
