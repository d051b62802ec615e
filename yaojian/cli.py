"""The ``yaojian`` command. Each area adds its sub-commands; commands commit at the edge."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yaojian.complaints.cli import complaints_app
from yaojian.credit.cli import credit_app
from yaojian.enforcement.cli import cases_app
from yaojian.inspection.cli import load_commands as _inspection_commands
from yaojian.pv.cli import load_commands as _pv_commands
from yaojian.settings import get_settings
from yaojian.trace.cli import load_commands as _trace_commands

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

app = typer.Typer(
    help="yaojian 数字药监 — platform for a provincial drug regulator.", no_args_is_help=True
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(
    help="The synthetic province. Without a sub-command: generate if empty, then serve."
)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens for enterprise systems.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
signals_app = typer.Typer(help="Risk signals.", no_args_is_help=True)
worker_app = typer.Typer(
    help="Workers of the scale path: consume the NATS JetStream queues.", no_args_is_help=True
)
for sub, name in (
    (_pv_commands(), "pv"),
    (_trace_commands(), "trace"),
    (_inspection_commands(), "inspection"),
    (db_app, "db"),
    (demo_app, "demo"),
    (user_app, "user"),
    (token_app, "token"),
    (audit_app, "audit"),
    (signals_app, "signals"),
    (worker_app, "worker"),
    (complaints_app, "complaints"),
    (cases_app, "cases"),
    (credit_app, "credit"),
):
    app.add_typer(sub, name=name)

console = Console()
err = Console(stderr=True)


def _factory() -> sessionmaker[Session]:
    from yaojian.db import make_engine, session_factory

    return session_factory(make_engine())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (creates the SQLite file under ./var/ when needed)."""
    from yaojian.db import make_engine
    from yaojian.migrate import upgrade

    engine = make_engine()
    upgrade(engine)
    console.print(f"[green]database at head[/] ({engine.url.render_as_string(hide_password=True)})")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    reload: Annotated[bool, typer.Option(help="Reload on code changes.")] = False,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Server processes (YAOJIAN_WORKERS).")
    ] = None,
) -> None:
    """Serve the web platform and the API."""
    import uvicorn

    settings = get_settings()
    processes = workers or settings.workers
    if reload and processes > 1:
        err.print("[red]--reload serves one process: run it with one worker[/]")
        raise typer.Exit(2)
    settings.resolved_secret_key()  # made once here, not raced for by the workers
    uvicorn.run(
        "yaojian.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        workers=processes,
    )


def _generate(scale: str, seed: int, as_of: dt.date | None) -> None:
    from yaojian.db import unit_of_work
    from yaojian.demo.generator import generate, is_empty, planned_rows
    from yaojian.kit.timeutil import today_local

    settings = get_settings()
    with unit_of_work(_factory()) as session:
        if not is_empty(session):
            err.print("[red]the database already holds enterprises; generate into an empty one[/]")
            raise typer.Exit(1)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err) as bar:
            # Rows written: enterprises, then their licences, products, batches and persons.
            task = bar.add_task(f"生成 {scale} 省份数据", total=planned_rows(scale) * 4)

            def progress(stage: str, n: int) -> None:
                if stage == "signals":
                    bar.update(task, description="检测许可证到期", total=bar.tasks[0].completed)
                bar.advance(task, n)

            result = generate(
                session,
                scale=scale,
                seed=seed,
                as_of=as_of or today_local(),
                password=settings.demo_password,
                progress=progress,
            )
    table = Table(title="synthetic province")
    table.add_column("rows")
    table.add_column("count", justify="right")
    for key, value in result.counts.items():
        table.add_row(key, f"{value:,}")
    table.add_row("signals", f"{result.signals:,}")
    console.print(table)
    _print_accounts()


def _print_accounts() -> None:
    from yaojian.demo.generator import DEMO_ACCOUNTS, DEMO_ENTERPRISE_USER

    settings = get_settings()
    table = Table(title=f"demo accounts (password: {settings.demo_password})")
    table.add_column("username")
    table.add_column("role")
    table.add_column("jurisdiction")
    for username, role, region, _ in DEMO_ACCOUNTS:
        table.add_row(username, role.value, region)
    table.add_row(DEMO_ENTERPRISE_USER, "enterprise", "one enterprise in 330106")
    console.print(table)


@demo_app.callback(invoke_without_command=True)
def demo(ctx: typer.Context) -> None:
    """Migrate, generate the small province if the database is empty, print the accounts, serve."""
    if ctx.invoked_subcommand is not None:
        return
    from yaojian.db import unit_of_work
    from yaojian.demo.generator import is_empty

    db_upgrade()
    with unit_of_work(_factory()) as session:
        empty = is_empty(session)
    if empty:
        _generate("small", 1, None)
    else:
        _print_accounts()
    settings = get_settings()
    console.print(f"[bold]serving on http://{settings.host}:{settings.port}[/]")
    serve(host=None, port=None, reload=False)


@demo_app.command("generate")
def demo_generate(
    scale: Annotated[str, typer.Option(help="small (≈1/50 of a province) or province.")] = "small",
    seed: Annotated[int, typer.Option(help="Same seed, same as-of date: same province.")] = 1,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Reference date YYYY-MM-DD (default today).")
    ] = None,
) -> None:
    """Generate the synthetic province into an empty, migrated database."""
    if scale not in ("small", "province"):
        err.print("[red]--scale is small or province[/]")
        raise typer.Exit(2)
    try:
        reference = dt.date.fromisoformat(as_of) if as_of else None
    except ValueError:
        err.print("[red]--as-of is a date such as 2026-11-23[/]")
        raise typer.Exit(2) from None
    _generate(scale, seed, reference)


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[
        str,
        typer.Option(
            help="province_admin, province_regulator, city_regulator, "
            "county_regulator, inspector or enterprise."
        ),
    ],
    region: Annotated[
        str | None, typer.Option(help="Jurisdiction region code (regulators).")
    ] = None,
    enterprise: Annotated[str | None, typer.Option(help="Credit code (enterprise users).")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create an account."""
    from sqlalchemy import select

    from yaojian.auth.actor import system_actor
    from yaojian.auth.models import Role
    from yaojian.auth.service import create_user
    from yaojian.db import unit_of_work
    from yaojian.kit.errors import DomainError
    from yaojian.registry.models import Enterprise

    try:
        role_choice = Role(role)
    except ValueError:
        err.print(f"[red]unknown role {role}[/]")
        raise typer.Exit(2) from None
    try:
        with unit_of_work(_factory()) as session:
            enterprise_id = None
            if enterprise:
                enterprise_id = session.scalar(
                    select(Enterprise.id).where(Enterprise.credit_code == enterprise.upper())
                )
                if enterprise_id is None:
                    err.print(f"[red]no enterprise with credit code {enterprise}[/]")
                    raise typer.Exit(1)
            user = create_user(
                session, system_actor("cli"), username=username, password=password,
                role=role_choice, region_code=region, enterprise_id=enterprise_id,
            )  # fmt: skip
            console.print(f"created user {user.username} ({user.role.value})")
    except DomainError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None


@token_app.command("create")
def token_create(
    enterprise: Annotated[
        str, typer.Option(help="Credit code of the enterprise the token acts for.")
    ],
    name: Annotated[str, typer.Option(help="What system uses it, e.g. 'erp'.")] = "system",
    days: Annotated[int | None, typer.Option(help="Expire after this many days.")] = None,
) -> None:
    """Issue a bearer token bound to one enterprise; it is printed once and stored only hashed."""
    from sqlalchemy import select

    from yaojian.auth.actor import system_actor
    from yaojian.auth.service import create_machine_token
    from yaojian.db import unit_of_work
    from yaojian.registry.models import Enterprise

    with unit_of_work(_factory()) as session:
        enterprise_id = session.scalar(
            select(Enterprise.id).where(Enterprise.credit_code == enterprise.strip().upper())
        )
        if enterprise_id is None:
            err.print(f"[red]no enterprise with credit code {enterprise}[/]")
            raise typer.Exit(1)
        _, secret = create_machine_token(session, system_actor("cli"), enterprise_id, name, days)
    sys.stdout.write(secret + "\n")


@audit_app.command("verify")
def audit_verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Walk the audit chain; exit 1 naming the first broken entry."""
    from yaojian.audit.chain import verify
    from yaojian.db import unit_of_work

    with unit_of_work(_factory()) as session:
        result = verify(session)
    if as_json:
        sys.stdout.write(json.dumps(result.__dict__) + "\n")
    elif result.ok:
        console.print(f"[green]audit chain intact[/]: {result.entries:,} entries")
    else:
        err.print(f"[red]audit chain broken at entry {result.broken_seq}[/]: {result.reason}")
    if not result.ok:
        raise typer.Exit(1)


@signals_app.command("detect")
def signals_detect(
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date to check against.")] = None,
) -> None:
    """Run the registry's detectors (licence expired or expiring within 30 days)."""
    from yaojian.db import unit_of_work
    from yaojian.registry.detectors import detect_licence_expiry

    with unit_of_work(_factory()) as session:
        reported, new = detect_licence_expiry(
            session, dt.date.fromisoformat(as_of) if as_of else None
        )
    console.print(f"licence expiry: {reported:,} findings, {new:,} new signals")


@worker_app.command("trace")
def worker_trace(
    batch: Annotated[int, typer.Option(min=1, help="Documents fetched at a time.")] = 10,
) -> None:
    """Store the EPCIS documents queued by the API (YAOJIAN_NATS_URL); stop with SIGTERM/SIGINT.

    Run as many as the database takes: they share one durable consumer.
    """
    import asyncio
    import logging
    import signal

    from yaojian.trace import worker

    settings = get_settings()
    if not settings.nats_url:
        err.print("[red]set YAOJIAN_NATS_URL (e.g. nats://127.0.0.1:4222)[/]")
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await worker.run(_factory(), settings, stop, batch=batch)

    err.print(
        f"consuming {settings.nats_stream} ({settings.nats_subject}) as {settings.nats_consumer}",
        soft_wrap=True,
    )
    handled = asyncio.run(main())
    err.print(f"stopped after {handled:,} documents")


if __name__ == "__main__":
    app()
