"""Builders of the inspection tests; they go through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_drug, make_enterprise
from yaojian.inspection.choices import Domain, Employment, InspectorGrade
from yaojian.inspection.models import Inspector
from yaojian.inspection.schemas import InspectorCreate
from yaojian.inspection.service import add_inspector
from yaojian.registry.choices import EnterpriseKind
from yaojian.registry.models import Enterprise

_n = itertools.count(1)


def make_inspector(session: Session, **overrides: Any) -> Inspector:
    data: dict[str, Any] = {
        "name": f"检查员{next(_n)}",
        "employment": Employment.FULL_TIME,
        "grade": InspectorGrade.INSPECTOR,
        "home_region_code": "330102",
        "qualifications": [Domain.DRUG_GMP],
        "capacity": 60,
    } | overrides
    return add_inspector(session, ADMIN, InspectorCreate(**data))


def make_corps(session: Session, counties: list[str], per_county: int = 2) -> list[Inspector]:
    """A leader and members qualified in every domain in each of ``counties``."""
    out = []
    for county in counties:
        for k in range(per_county):
            out.append(
                make_inspector(
                    session,
                    home_region_code=county,
                    grade=InspectorGrade.TEAM_LEADER if k == 0 else InspectorGrade.INSPECTOR,
                    qualifications=list(Domain),
                )
            )
    return out


def make_narcotics_maker(session: Session, **overrides: Any) -> Enterprise:
    enterprise = make_enterprise(
        session,
        kind=EnterpriseKind.DRUG_MANUFACTURER,
        latitude=30.26,
        longitude=120.13,
        **overrides,
    )
    make_drug(session, enterprise, name="盐酸吗啡注射液", is_narcotic=True, sterile=True)
    return enterprise
