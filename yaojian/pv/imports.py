"""Import flows shared by the API and the CLI: parse a whole file first, then store it.

A file either parses completely or nothing of it is stored; the caller's unit of work (the
request, the command) commits.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.kit.errors import DomainError, FieldProblem
from yaojian.pv import e2b, faers, template
from yaojian.pv.faers import FaersSummary
from yaojian.pv.models import ReportCategory
from yaojian.pv.parsed import ParsedReport
from yaojian.pv.service import Stored, Terminology, store_report, withdraw_case


def store_all(
    session: Session, actor: Actor, reports: list[ParsedReport], source: str, source_ref: str
) -> list[Stored]:
    terminology = Terminology(session)
    # A savepoint, so that a report refused half-way through a batch takes the others with it
    # even before the caller's unit of work rolls back.
    with session.begin_nested():
        return [
            store_report(session, actor, parsed, source, source_ref, terminology=terminology)
            for parsed in reports
        ]


def import_e2b(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    category: ReportCategory = ReportCategory.DRUG,
    sentinel: bool = False,
    region_code: str | None = None,
    source_ref: str = "api",
) -> list[Stored]:
    """Parse an E2B(R3) batch and store each of its reports (nothing if any is invalid)."""
    reports = [
        dataclasses.replace(p, category=category, sentinel=sentinel, region_code=region_code)
        for p in e2b.parse(data)
    ]
    return store_all(session, actor, reports, "e2b", source_ref)


def import_faers(session: Session, actor: Actor, paths: list[Path]) -> FaersSummary:
    """Read FAERS/AERS quarters, de-duplicate, store the kept reports, withdraw deleted cases."""
    reports, quarter, summary = faers.read_quarters(paths)
    terminology = Terminology(session)
    for parsed, ref in reports:
        stored = store_report(session, actor, parsed, quarter.kind, ref, terminology=terminology)
        summary.stored[stored.outcome.value] += 1
    prefix = "FAERS" if quarter.kind == "faers" else "AERS"
    for case in sorted(quarter.deleted):
        summary.withdrawn += withdraw_case(session, actor, f"{prefix}-{case}")
    return summary


def import_table(session: Session, actor: Actor, path: Path) -> list[Stored]:
    """Import a filled hospital template; raise TemplateErrors naming row and column."""
    reports = template.parse_rows(template.read_rows(path))
    terminology = Terminology(session)
    stored: list[Stored] = []
    problems: list[template.RowProblem] = []
    savepoint = session.begin_nested()
    for parsed, row in reports:
        try:
            stored.append(
                store_report(
                    session, actor, parsed, "csv", f"{path.name}#{row}", terminology=terminology
                )
            )
        except DomainError as exc:
            named = exc.invalid_params or [FieldProblem("C.1.1", exc.detail)]
            problems.extend(
                template.RowProblem(row, template.FIELD_COLUMNS.get(p.name, p.name), p.reason)
                for p in named
            )
    if problems:
        savepoint.rollback()
        raise template.TemplateErrors(problems)
    savepoint.commit()
    return stored
