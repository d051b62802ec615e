"""``yaojian trace …``: each traceability module adds its commands to ``trace_app``."""

from __future__ import annotations

import typer

trace_app = typer.Typer(
    help="Traceability (浙药链 / 浙苗链): codes and EPCIS events.", no_args_is_help=True
)


def load_commands() -> typer.Typer:
    """Import the modules that register commands (kept apart so each area owns its own)."""
    from yaojian.trace import epcis_cli  # noqa: F401

    return trace_app
