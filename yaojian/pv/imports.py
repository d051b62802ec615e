"""Import flows shared by the API and the CLI: parse a whole file first, then store it.

A file either parses completely or nothing of it is stored; the caller's unit of work (the
request, the command) commits.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.pv import e2b
from yaojian.pv.models import ReportCategory
from yaojian.pv.parsed import ParsedReport
from yaojian.pv.service import Stored, Terminology, store_report


def store_all(
    session: Session, actor: Actor, reports: list[ParsedReport], source: str, source_ref: str
) -> list[Stored]:
    terminology = Terminology(session)
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
