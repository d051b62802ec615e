"""Credit grades as the plan reads them.

The credit module (信用分级, ``yaojian/credit/``) is not built yet. Until it is, every enterprise
counts as grade B, whose multiplier in ``rules.toml`` is 1.0: credit does not tighten any plan
today. When the module lands, this function reads its current grade per enterprise and nothing
else in the planner changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

DEFAULT_GRADE = "B"


def credit_grades(session: Session, enterprise_ids: Iterable[int]) -> dict[int, str]:
    """Enterprise id → credit grade (A … D)."""
    del session  # read from the credit module once it exists
    return dict.fromkeys(enterprise_ids, DEFAULT_GRADE)
