"""``yaojian pv …``: each pharmacovigilance module adds its commands to ``pv_app``."""

from __future__ import annotations

import typer

pv_app = typer.Typer(help="Pharmacovigilance (药物警戒).", no_args_is_help=True)


def load_commands() -> typer.Typer:
    """Import the modules that register commands (kept apart so each area owns its own)."""
    from yaojian.pv import analytics_cli, ingest_cli, review_cli  # noqa: F401

    return pv_app
