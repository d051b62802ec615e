"""``yaojian trace …``: each traceability module adds its commands to ``trace_app``."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console

trace_app = typer.Typer(
    help="Traceability (浙药链 / 浙苗链): codes and EPCIS events.", no_args_is_help=True
)
err = Console(stderr=True)


@trace_app.command("parse")
def parse(code: str) -> None:
    """Parse a pack, case or device code and print what it says as JSON (dates ISO 8601).

    Accepts GS1 barcodes (with ]d2/]C1… and GS separators), (01)… text, Digital Link URIs,
    EPC URNs, 20-digit Chinese drug traceability codes and MA device codes.
    """
    from yaojian.kit.errors import InvalidInput
    from yaojian.trace.codes import parse_code

    try:
        parsed = parse_code(code)
    except InvalidInput as exc:
        # The reason alone: the field is always the code given on the command line.
        err.print(f"[red]not a valid code[/]: {exc.invalid_params[0].reason}", highlight=False)
        raise typer.Exit(1) from None
    sys.stdout.write(json.dumps(parsed.as_json(), ensure_ascii=False, indent=2) + "\n")


def load_commands() -> typer.Typer:
    """Import the modules that register commands (kept apart so each area owns its own)."""
    from yaojian.trace import detect_cli, epcis_cli, recall_cli  # noqa: F401

    return trace_app
