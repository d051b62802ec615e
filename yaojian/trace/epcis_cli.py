"""``yaojian trace hash FILE``: the CBV 2.0 event hash ID of every event of an EPCIS document."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from yaojian.kit.errors import DomainError
from yaojian.trace.cli import trace_app
from yaojian.trace.epcis import parse, read_document
from yaojian.trace.event_hash import prehash

err = Console(stderr=True)


@trace_app.command("hash")
def hash_command(
    file: Annotated[Path, typer.Argument(help="EPCIS 2.0 document, JSON-LD or XML; - for stdin.")],
    show_prehash: Annotated[
        bool, typer.Option("--prehash", help="Print the canonical pre-hash string under each hash.")
    ] = False,
    check: Annotated[
        bool, typer.Option(help="Validate (GS1 schema, CBV vocabularies) before hashing.")
    ] = True,
) -> None:
    """Print one event hash ID (ni:///sha-256;…?ver=CBV2.0) per event, in document order."""
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        err.print(f"[red]cannot read {file}: {exc.strerror}[/]")
        raise typer.Exit(2) from None
    try:
        document = parse(data) if check else read_document(data)
    except DomainError as exc:
        err.print(f"[red]{exc}[/]")
        for problem in exc.invalid_params[1:]:
            err.print(f"  {problem.name}: {problem.reason}")
        raise typer.Exit(1) from None
    for event, value in zip(document.events, document.hashes(), strict=True):
        sys.stdout.write(value + "\n")
        if show_prehash:
            sys.stdout.write(prehash(event, document.prefixes, document.ignore_fields) + "\n")
