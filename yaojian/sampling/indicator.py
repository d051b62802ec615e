"""Indicator 10 of the plan: 基本药物、集采品种抽检合格率, per city or county, in Polars.

The plan's definition (shared/seeds 001, 指标解释 10): "省级药品抽检中，列入基本药品专项和集采品种
专项的药品抽检合格率", computed as 抽检合格的基本药物、集采品种药品批次数 / 该专项抽检药品总批次数
× 100 %, target ≥ 99.5 % every year of the plan (binding).

- one sample is one 抽检批次;
- *tested* samples have a test report (合格 or 不合格); samples still at the laboratory are
  counted apart as *pending* and are in neither side of the fraction;
- ``strict`` (the default) is the plan's reading: samples of the province's special programme
  plans; otherwise every drug sample whose drug was on either list when sampled, whatever the
  plan (routine and targeted plans of cities and counties included);
- a sample belongs to the year it was taken in and to the county of the sampled unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.registry.choices import ProductCategory, RegionLevel
from yaojian.registry.models import Region
from yaojian.sampling.models import Programme, Sample, SampleStatus, SamplingPlan

TARGET = 0.995
Grouping = Literal["city", "county"]
_TESTED = (SampleStatus.PASSED.value, SampleStatus.FAILED.value)


def sample_frame(session: Session, actor: Actor, year: int, *, strict: bool) -> pl.DataFrame:
    """Counted samples of the year as the actor sees them: one row per county and status, ``n``.

    The database counts per county and status (at most 90 × 4 rows); Polars does the rest.
    """
    stmt = (
        select(Sample.region_code, Sample.status, func.count())
        .join(SamplingPlan, SamplingPlan.id == Sample.plan_id)
        .where(
            SamplingPlan.category == ProductCategory.DRUG,
            Sample.sampled_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
            or_(Sample.essential.is_(True), Sample.centrally_procured.is_(True)),
        )
        .group_by(Sample.region_code, Sample.status)
    )
    if strict:
        stmt = stmt.where(
            SamplingPlan.programme == Programme.ESSENTIAL_CENTRAL,
            SamplingPlan.region_code.endswith("0000"),
        )
    rows = [
        (code, status.value, n) for code, status, n in session.execute(scoped(stmt, actor, Sample))
    ]
    schema = {"region_code": pl.String, "status": pl.String, "n": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


def _measures() -> list[pl.Expr]:
    status, n = pl.col("status"), pl.col("n")
    return [
        n.filter(status.is_in(_TESTED)).sum().alias("tested"),
        n.filter(status == SampleStatus.PASSED.value).sum().alias("passed"),
        n.filter(status == SampleStatus.FAILED.value).sum().alias("failed"),
        n.filter(~status.is_in(_TESTED)).sum().alias("pending"),
    ]


def indicator(
    session: Session, actor: Actor, year: int, *, by: Grouping = "city", strict: bool = True
) -> pl.DataFrame:
    """A first row for everything the actor sees, then one per city (or county) of their area.

    Areas without a tested sample are listed with a null rate, so that a gap is visible. A
    regulator whose jurisdiction is one area at the grouping level (a county regulator, or a
    city regulator by city) gets the first row only: there is nothing to break it into.
    """
    frame = sample_frame(session, actor, year, strict=strict)
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
    grouped = (
        frame.with_columns((pl.col("region_code").str.slice(0, width) + suffix).alias("code"))
        .group_by("code")
        .agg(_measures())
    )
    per_area = (
        areas.join(grouped, on="code", how="left")
        .with_columns(pl.col("tested", "passed", "failed", "pending").fill_null(0))
        .sort("code")
    )
    top_code = prefix + "0" * (6 - len(prefix))
    top = session.get(Region, top_code)
    total = frame.select(_measures()).with_columns(
        pl.lit(top_code).alias("code"), pl.lit(top.name if top else top_code).alias("name")
    )
    columns = ["code", "name", "tested", "passed", "failed", "pending"]
    combined = pl.concat([total.select(columns), per_area.select(columns)], how="vertical_relaxed")
    rate = pl.when(pl.col("tested") > 0).then(pl.col("passed") / pl.col("tested"))
    return combined.with_columns(rate.alias("pass_rate")).with_columns(
        (pl.col("pass_rate") >= TARGET).alias("meets_target")
    )
