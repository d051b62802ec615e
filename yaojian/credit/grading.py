"""The points model in Polars: counts per enterprise in, score, grade and explanation out.

Pure: no database here, so that the arithmetic a user checks (tests/credit/test_model.py) is
the arithmetic the run does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from yaojian.credit.config import CreditConfig
from yaojian.credit.models import Grade
from yaojian.registry.choices import EnterpriseKind

# The two populations of the plan's indicators 8 and 9 (docs/credit.md, "Who is graded").
PRODUCTION_KINDS = (
    EnterpriseKind.DRUG_MANUFACTURER,
    EnterpriseKind.DEVICE_MANUFACTURER,
    EnterpriseKind.COSMETICS_MANUFACTURER,
)
DISTRIBUTION_KINDS = (
    EnterpriseKind.DRUG_WHOLESALER,
    EnterpriseKind.RETAIL_CHAIN,
    EnterpriseKind.RETAIL_PHARMACY,
    EnterpriseKind.DEVICE_DISTRIBUTOR,
)
GRADED_KINDS = PRODUCTION_KINDS + DISTRIBUTION_KINDS
_GRADES = [g.value for g in Grade]


def window_start(as_of: dt.date, months: int) -> dt.date:
    """The first day of the window: the same day ``months`` earlier (clamped to month end), +1."""
    month0 = as_of.year * 12 + as_of.month - 1 - months
    year, month = divmod(month0, 12)
    day = as_of.day
    while True:
        try:
            return dt.date(year, month + 1, day) + dt.timedelta(days=1)
        except ValueError:
            day -= 1


def _rank(grade: Grade) -> int:
    return grade.rank


def score_frame(
    frame: pl.DataFrame,
    cfg: CreditConfig,
    *,
    revoked: set[int],
    blacklisted: set[int],
) -> pl.DataFrame:
    """Add ``score``, ``base_grade``, ``grade`` and the deduction columns to ``frame``.

    ``frame`` has ``enterprise_id`` and one count column per input of ``cfg.deductions``.
    """
    deductions = [
        pl.min_horizontal(pl.col(name) * rule.points, pl.lit(rule.cap)).alias(f"d_{name}")
        for name, rule in cfg.deductions.items()
    ]
    out = frame.with_columns(deductions)
    total = pl.sum_horizontal([f"d_{name}" for name in cfg.deductions]) if cfg.deductions else 0
    out = out.with_columns((pl.lit(cfg.start) - total).clip(lower_bound=0).round(1).alias("score"))
    t = cfg.thresholds
    base_rank = (
        pl.when(pl.col("score") >= t.A)
        .then(0)
        .when(pl.col("score") >= t.B)
        .then(1)
        .when(pl.col("score") >= t.C)
        .then(2)
        .otherwise(3)
    )
    o = cfg.overrides
    cs = "penalty_counterfeit_substandard"
    floor_cs = (
        pl.when(pl.col(cs) > 0).then(_rank(o.counterfeit_substandard_cap)).otherwise(0)
        if cs in frame.columns
        else pl.lit(0)
    )
    ids = pl.col("enterprise_id")
    floor_revoked = pl.when(ids.is_in(list(revoked))).then(_rank(o.revoked_grade)).otherwise(0)
    floor_listed = (
        pl.when(ids.is_in(list(blacklisted))).then(_rank(o.blacklisted_grade)).otherwise(0)
    )
    out = out.with_columns(
        base_rank.alias("base_rank"),
        ids.is_in(list(revoked)).alias("revoked"),
        ids.is_in(list(blacklisted)).alias("blacklisted"),
    )
    final = pl.max_horizontal(pl.col("base_rank"), floor_cs, floor_revoked, floor_listed)
    names = dict(enumerate(_GRADES))
    return out.with_columns(final.alias("rank")).with_columns(
        pl.col("base_rank").replace_strict(names, return_dtype=pl.String).alias("base"),
        pl.col("rank").replace_strict(names, return_dtype=pl.String).alias("grade"),
    )


def explain(
    row: dict[str, Any], cfg: CreditConfig
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The deductions and overrides of one scored row, as a grade row stores them."""
    deductions = [
        {
            "input": name,
            "count": int(row[name]),
            "points": rule.points,
            "cap": rule.cap,
            "deducted": float(row[f"d_{name}"]),
        }
        for name, rule in cfg.deductions.items()
        if row[name]
    ]
    o = cfg.overrides
    overrides: list[dict[str, Any]] = []
    base = Grade(row["base"])
    if row["revoked"] and o.revoked_grade.rank > base.rank:
        overrides.append({"rule": "revoked", "grade": o.revoked_grade.value})
    if row["blacklisted"] and o.blacklisted_grade.rank > base.rank:
        overrides.append({"rule": "blacklisted", "grade": o.blacklisted_grade.value})
    cs = row.get("penalty_counterfeit_substandard", 0)
    if cs and o.counterfeit_substandard_cap.rank > base.rank:
        overrides.append(
            {"rule": "counterfeit_substandard", "grade": o.counterfeit_substandard_cap.value}
        )
    return deductions, overrides
