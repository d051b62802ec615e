"""The plan's two inspection indicators (十四五 drug-safety plan, annex of indicators):

- 飞行检查整改完成率 = enterprises that completed rectification as required ÷ enterprises whose
  unannounced inspection found defects × 100%. Here: an enterprise counts in the denominator when
  an unannounced visit concluded in the period has at least one finding; it counts as completed
  when every such visit has a rectification order that was verified and whose evidence came in
  by the deadline ("按要求"). A visit with findings but no order counts as not completed.
- 监督检查发现问题处置率 = findings disposed of (rectification ordered, interview, referral for a
  case) ÷ findings × 100%, over visits of any kind concluded in the period.

Both per city or county of the enterprise, over what the actor may see, via Polars.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.inspection.choices import Disposition, RectificationStatus, VisitKind
from yaojian.inspection.models import Finding, InspectionVisit, Rectification
from yaojian.kit.errors import InvalidInput
from yaojian.kit.timeutil import SHANGHAI
from yaojian.registry.models import Region


@dataclass
class Indicators:
    start: dt.date
    end: dt.date
    by: str
    rows: list[dict[str, Any]]
    total: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "by": self.by,
            "rows": self.rows,
            "total": self.total,
        }


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)


def _rate(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def indicators(
    session: Session, actor: Actor, start: dt.date, end: dt.date, by: str = "county"
) -> Indicators:
    if end <= start:
        raise InvalidInput("end", "must be after start")
    if by not in ("city", "county"):
        raise InvalidInput("by", "city or county")
    window = (InspectionVisit.concluded_at >= _utc(start), InspectionVisit.concluded_at < _utc(end))
    visits_stmt = scoped(
        select(
            InspectionVisit.id,
            InspectionVisit.enterprise_id,
            InspectionVisit.region_code,
            InspectionVisit.kind,
        ).where(*window),
        actor,
        InspectionVisit,
    )
    visits = pl.DataFrame(
        [
            {
                "visit_id": v,
                "enterprise_id": e,
                "region": r,
                "unannounced": k is VisitKind.UNANNOUNCED,
            }
            for v, e, r, k in session.execute(visits_stmt)
        ],
        schema={
            "visit_id": pl.Int64,
            "enterprise_id": pl.Int64,
            "region": pl.Utf8,
            "unannounced": pl.Boolean,
        },
    )
    ids = scoped(select(InspectionVisit.id).where(*window), actor, InspectionVisit)
    findings = pl.DataFrame(
        [
            {"visit_id": v, "disposed": d is not Disposition.NONE}
            for v, d in session.execute(
                scoped(select(Finding.visit_id, Finding.disposition), actor, Finding).where(
                    Finding.visit_id.in_(ids)
                )
            )
        ],
        schema={"visit_id": pl.Int64, "disposed": pl.Boolean},
    )
    orders = pl.DataFrame(
        [
            {
                "visit_id": v,
                "done": status is RectificationStatus.VERIFIED
                and submitted is not None
                and submitted.astimezone(SHANGHAI).date() <= deadline,
            }
            for v, status, submitted, deadline in session.execute(
                scoped(
                    select(
                        Rectification.visit_id,
                        Rectification.status,
                        Rectification.submitted_at,
                        Rectification.deadline,
                    ),
                    actor,
                    Rectification,
                ).where(Rectification.visit_id.in_(ids))
            )
        ],
        schema={"visit_id": pl.Int64, "done": pl.Boolean},
    )
    key = pl.col("region") if by == "county" else pl.col("region").str.slice(0, 4) + "00"
    visits = visits.with_columns(area=key)
    per_visit = findings.group_by("visit_id").agg(
        findings=pl.len(), disposed=pl.col("disposed").sum()
    )
    joined = (
        visits.join(per_visit, on="visit_id", how="left")
        .join(orders, on="visit_id", how="left")
        .with_columns(
            pl.col("findings").fill_null(0),
            pl.col("disposed").fill_null(0),
            pl.col("done").fill_null(False),
        )
    )
    disposal = joined.group_by("area").agg(
        findings=pl.col("findings").sum(), disposed=pl.col("disposed").sum()
    )
    defective = joined.filter(pl.col("unannounced") & (pl.col("findings") > 0))
    per_enterprise = defective.group_by("area", "enterprise_id").agg(done=pl.col("done").all())
    flying = per_enterprise.group_by("area").agg(
        defective_enterprises=pl.len(), rectified_enterprises=pl.col("done").sum()
    )
    table = (
        disposal.join(flying, on="area", how="full", coalesce=True)
        .with_columns(pl.col(pl.UInt32, pl.Int64, pl.UInt64).fill_null(0))
        .sort("area")
    )
    names = {code: name for code, name in session.execute(select(Region.code, Region.name))}
    rows = [
        {
            "region_code": r["area"],
            "region": names.get(r["area"], r["area"]),
            "findings": int(r["findings"]),
            "disposed": int(r["disposed"]),
            "disposal_rate": _rate(int(r["disposed"]), int(r["findings"])),
            "defective_enterprises": int(r["defective_enterprises"]),
            "rectified_enterprises": int(r["rectified_enterprises"]),
            "rectification_rate": _rate(
                int(r["rectified_enterprises"]), int(r["defective_enterprises"])
            ),
        }
        for r in table.iter_rows(named=True)
    ]
    f = sum(r["findings"] for r in rows)
    d = sum(r["disposed"] for r in rows)
    de = sum(r["defective_enterprises"] for r in rows)
    re_ = sum(r["rectified_enterprises"] for r in rows)
    total = {
        "findings": f,
        "disposed": d,
        "disposal_rate": _rate(d, f),
        "defective_enterprises": de,
        "rectified_enterprises": re_,
        "rectification_rate": _rate(re_, de),
    }
    return Indicators(start, end, by, rows, total)
