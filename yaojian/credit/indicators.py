"""Indicators 8 and 9 of the plan: 质量安全信用等级管理覆盖率, in Polars.

The plan's definitions (shared/seeds 001, 指标解释 8 and 9):

- 8. 药品医疗器械化妆品生产企业质量安全信用等级管理覆盖率 = 实际实施质量安全信用等级管理的药品、
  医疗器械、化妆品生产企业数量 / 全省药品、医疗器械、化妆品生产企业总数 × 100 %;
- 9. 药品医疗器械经营企业质量安全信用等级管理覆盖率 = 实际实施质量安全信用等级管理的药品和第二、
  三类医疗器械经营企业数量 / 全省药品、第二、三类医疗器械经营企业总数 × 100 %.

Both are binding (约束性) with a target of 100 % in 2023 and 2025 (2020 baselines: production
cosmetics 90 %, drugs and devices not measured; distribution drugs 95 %, devices 75 %).
"Under credit grade management" is read as: the enterprise has a current grade. The
denominator is the enterprises of the population's kinds that have not been deregistered
(注销) — the same population the grading run grades (yaojian/credit/grading.py).
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.credit.grading import DISTRIBUTION_KINDS, PRODUCTION_KINDS
from yaojian.credit.models import CreditGrade
from yaojian.registry.choices import EnterpriseStatus, RegionLevel
from yaojian.registry.models import Enterprise, Region

TARGET = 1.0
Grouping = Literal["city", "county"]
INDICATORS = {
    8: ("药品医疗器械化妆品生产企业质量安全信用等级管理覆盖率", PRODUCTION_KINDS),
    9: ("药品医疗器械经营企业质量安全信用等级管理覆盖率", DISTRIBUTION_KINDS),
}


def _frame(session: Session, actor: Actor) -> pl.DataFrame:
    """One row per county and population (8 or 9): enterprises, and those with a current grade."""
    graded = (
        select(CreditGrade.enterprise_id).where(CreditGrade.current.is_(True)).scalar_subquery()
    )
    rows: list[tuple[str, int, int, int]] = []
    for number, (_, kinds) in INDICATORS.items():
        stmt = (
            select(
                Enterprise.region_code,
                func.count(),
                func.count().filter(Enterprise.id.in_(graded)),
            )
            .where(Enterprise.kind.in_(kinds), Enterprise.status != EnterpriseStatus.CLOSED)
            .group_by(Enterprise.region_code)
        )
        rows += [(r, number, n, g) for r, n, g in session.execute(scoped(stmt, actor, Enterprise))]
    schema = {"region_code": pl.String, "indicator": pl.Int64, "total": pl.Int64,
              "graded": pl.Int64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def coverage(session: Session, actor: Actor, *, by: Grouping = "city") -> dict[int, pl.DataFrame]:
    """Per indicator: a first row for the actor's whole area, then one per city (or county).

    An area with no enterprise of the population has a null rate (nothing to cover), not 0 %.
    """
    frame = _frame(session, actor)
    width = 4 if by == "city" else 6
    suffix = "00" if by == "city" else ""
    level = RegionLevel.CITY if by == "city" else RegionLevel.COUNTY
    prefix = "33" if actor.is_province_wide else (actor.jurisdiction_prefix or "33")
    areas = pl.DataFrame(
        [
            (r.code, r.name)
            for r in session.scalars(
                select(Region).where(Region.level == level).order_by(Region.code)
            )
            if r.code.startswith(prefix) and len(prefix) < width
        ],
        schema={"code": pl.String, "name": pl.String},
        orient="row",
    )
    top_code = prefix + "0" * (6 - len(prefix))
    top = session.get(Region, top_code)
    rate = pl.when(pl.col("total") > 0).then(pl.col("graded") / pl.col("total"))
    out: dict[int, pl.DataFrame] = {}
    for number in INDICATORS:
        part = frame.filter(pl.col("indicator") == number)
        grouped = (
            part.with_columns((pl.col("region_code").str.slice(0, width) + suffix).alias("code"))
            .group_by("code")
            .agg(pl.col("total").sum(), pl.col("graded").sum())
        )
        per_area = (
            areas.join(grouped, on="code", how="left")
            .with_columns(pl.col("total", "graded").fill_null(0))
            .sort("code")
        )
        total = part.select(pl.col("total").sum(), pl.col("graded").sum()).with_columns(
            pl.lit(top_code).alias("code"), pl.lit(top.name if top else top_code).alias("name")
        )
        columns = ["code", "name", "total", "graded"]
        combined = pl.concat(
            [total.select(columns), per_area.select(columns)], how="vertical_relaxed"
        )
        out[number] = combined.with_columns(rate.alias("rate")).with_columns(
            (pl.col("rate") >= TARGET).alias("meets_target")
        )
    return out
