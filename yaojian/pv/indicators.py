"""Monitoring indicators per city, county or reporter, computed in Polars.

- reports per million: current reports received in the period whose region of occurrence lies in
  the area, over the area's 2020-census population × 10⁶ (the plan's indicator 11–13 formula);
  county populations are not in the region data, so counties show counts but no density;
- new-or-serious share and serious share, overall and for sentinel hospitals (the plan's targets:
  sentinel hospitals ≥ 40 % new or serious, ≥ 18 % serious);
- average quality on the 100-point rubric (target ≥ 96 for drugs, ≥ 95 for cosmetics).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.pv.models import Report, ReportCategory, ReportStatus
from yaojian.registry.models import Enterprise, Region

Grouping = Literal["city", "county", "reporter"]
DENSITY_TARGET = {
    ReportCategory.DRUG: 1000,
    ReportCategory.DEVICE: 500,
    ReportCategory.COSMETIC: 100,
}
QUALITY_TARGET = {ReportCategory.DRUG: 96.0, ReportCategory.COSMETIC: 95.0}
SENTINEL_NEW_OR_SERIOUS_TARGET = 0.40
SENTINEL_SERIOUS_TARGET = 0.18


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def last_year(cls, today: dt.date) -> Period:
        return cls(today - dt.timedelta(days=364), today)


def report_frame(
    session: Session, actor: Actor, category: ReportCategory, period: Period
) -> pl.DataFrame:
    """One row per current report of the category received in the period, as the actor sees."""
    stmt = scoped(
        select(
            Report.id,
            Report.region_code,
            Report.reporter_enterprise_id,
            Report.reporter_type,
            Report.sentinel,
            Report.serious,
            Report.is_new,
            Report.quality_score,
        ).where(
            Report.category == category,
            Report.status == ReportStatus.CURRENT,
            Report.received_on.between(period.start, period.end),
        ),
        actor,
        Report,
    )
    rows = session.execute(stmt).all()
    schema = {
        "id": pl.Int64,
        "region_code": pl.String,
        "reporter_enterprise_id": pl.Int64,
        "reporter_type": pl.String,
        "sentinel": pl.Boolean,
        "serious": pl.Boolean,
        "is_new": pl.Boolean,
        "quality_score": pl.Float64,
    }
    data = [(r[0], r[1], r[2], r[3].value if r[3] is not None else None, *r[4:]) for r in rows]
    return pl.DataFrame(data, schema=schema, orient="row")


def _measures() -> list[pl.Expr]:
    new_or_serious = pl.col("serious") | pl.col("is_new")
    sentinel = pl.col("sentinel")
    return [
        pl.len().alias("reports"),
        new_or_serious.mean().alias("new_or_serious_share"),
        pl.col("serious").mean().alias("serious_share"),
        sentinel.sum().alias("sentinel_reports"),
        new_or_serious.filter(sentinel).mean().alias("sentinel_new_or_serious_share"),
        pl.col("serious").filter(sentinel).mean().alias("sentinel_serious_share"),
        pl.col("quality_score").mean().alias("average_quality"),
    ]


def indicators(
    session: Session,
    actor: Actor,
    category: ReportCategory,
    period: Period,
    by: Grouping = "city",
) -> pl.DataFrame:
    """A row per area (or reporter) with the indicators, plus a first row for the whole scope."""
    frame = report_frame(session, actor, category, period)
    regions = {r.code: r for r in session.scalars(select(Region))}
    province = next(r for r in regions.values() if r.parent_code is None)
    if by == "reporter":
        grouped = (
            frame.group_by("reporter_enterprise_id", "reporter_type")
            .agg(_measures())
            .sort("reports", descending=True)
        )
        ids = [int(i) for i in grouped["reporter_enterprise_id"].drop_nulls().to_list()]
        names = dict(
            session.execute(
                select(Enterprise.id, Enterprise.name).where(Enterprise.id.in_(ids))
            ).all()
        )
        grouped = grouped.with_columns(
            pl.col("reporter_enterprise_id")
            .map_elements(lambda i: names.get(i, ""), return_dtype=pl.String)
            .alias("name"),
            pl.lit(None, dtype=pl.Int64).alias("population"),
        )
    else:
        width = 4 if by == "city" else 6
        suffix = "00" if by == "city" else ""
        grouped = (
            frame.filter(pl.col("region_code").is_not_null())
            .with_columns((pl.col("region_code").str.slice(0, width) + suffix).alias("code"))
            .group_by("code")
            .agg(_measures())
            .sort("code")
        )
        grouped = grouped.with_columns(
            pl.col("code")
            .map_elements(lambda c: regions[c].name if c in regions else c, return_dtype=pl.String)
            .alias("name"),
            pl.col("code")
            .map_elements(
                lambda c: regions[c].population if c in regions else None, return_dtype=pl.Int64
            )
            .alias("population"),
        )
    total = frame.select(_measures()).with_columns(
        pl.lit(
            "全部" if not actor.jurisdiction_prefix or actor.is_province_wide else "辖区合计"
        ).alias("name"),
        pl.lit(province.population if actor.is_province_wide else None, dtype=pl.Int64).alias(
            "population"
        ),
    )
    measures = [
        "reports",
        "new_or_serious_share",
        "serious_share",
        "sentinel_reports",
        "sentinel_new_or_serious_share",
        "sentinel_serious_share",
        "average_quality",
    ]
    columns = ["name", "population", *measures]
    combined = pl.concat([total.select(columns), grouped.select(columns)], how="vertical_relaxed")
    return combined.with_columns(
        (pl.col("reports") / pl.col("population") * 1_000_000).alias("per_million")
    )
