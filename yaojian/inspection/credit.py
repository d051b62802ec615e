"""Credit grades as the plan reads them.

Each enterprise's current grade from the credit module (``yaojian/credit/``, docs/credit.md).
An enterprise without one — a kind that is not graded (medical institutions, vaccination sites,
platforms) or one registered since the last grading run — counts as grade B, whose multiplier
in ``rules.toml`` is 1.0: no grade never tightens a plan.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.credit.models import CreditGrade

DEFAULT_GRADE = "B"


def credit_grades(session: Session, enterprise_ids: Iterable[int]) -> dict[int, str]:
    """Enterprise id → credit grade (A … D)."""
    # One read of every current grade (at most one row per enterprise) rather than an IN list
    # of the plan's hundred thousand ids.
    current = {
        enterprise_id: grade.value
        for enterprise_id, grade in session.execute(
            select(CreditGrade.enterprise_id, CreditGrade.grade).where(
                CreditGrade.current.is_(True)
            )
        )
    }
    return {i: current.get(i, DEFAULT_GRADE) for i in enterprise_ids}
