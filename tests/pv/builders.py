"""Builders of pharmacovigilance test data."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.orm import Session

from yaojian.pv.models import (
    DrugRole,
    Report,
    ReportCategory,
    ReportDrug,
    ReporterType,
    ReportReaction,
)
from yaojian.pv.quality import apply_score

_serial = itertools.count(1)


def make_report(
    session: Session,
    drugs: list[str] | None = None,
    events: list[str] | None = None,
    **overrides: Any,
) -> Report:
    """A current drug report received today in Xihu, with the given suspect drugs and events."""
    n = next(_serial)
    data: dict[str, Any] = {
        "safety_report_id": f"TEST-{n:06d}",
        "version": 1,
        "category": ReportCategory.DRUG,
        "reporter_type": ReporterType.MEDICAL_INSTITUTION,
        "region_code": "330106",
        "received_on": dt.date(2026, 11, 20),
        "source": "test",
        "narrative": "",
    } | overrides
    report = Report(**data)
    report.drugs = [
        ReportDrug(seq=i + 1, role=DrugRole.SUSPECT, reported_name=name)
        for i, name in enumerate(drugs or ["阿莫西林胶囊"])
    ]
    report.reactions = [
        ReportReaction(seq=i + 1, reported_term=term, coded_term=term)
        for i, term in enumerate(events or ["皮疹"])
    ]
    apply_score(report)
    session.add(report)
    session.flush()
    return report
