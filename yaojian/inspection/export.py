"""The plan as a spreadsheet (officials open plans in Excel)."""

from __future__ import annotations

from collections.abc import Iterable

from yaojian.inspection.models import InspectionPlan, InspectionVisit
from yaojian.kit.xlsx import workbook

COLUMNS: list[tuple[str, float | None]] = [
    (name, None)
    for name in ("编号", "企业", "统一社会信用代码", "类型", "县（市、区）", "检查方式", "计划日期",
                 "检查事项（合并）", "专业", "组员人数", "检查组", "状态", "依据")
]  # fmt: skip


def plan_xlsx(plan: InspectionPlan, visits: Iterable[InspectionVisit]) -> bytes:
    def row(v: InspectionVisit) -> list[object]:
        team = "、".join(
            f"{m.inspector.name}{'（组长）' if m.role.value == 'leader' else ''}" for m in v.team
        )
        return [
            v.id,
            v.enterprise.name,
            v.enterprise.credit_code,
            v.enterprise.kind.zh,
            v.enterprise.region.name,
            v.kind.zh,
            v.planned_on,
            "；".join(str(i.get("name", "")) for i in v.items),
            "、".join(v.domains),
            v.team_size,
            team,
            v.status.zh,
            "；".join(str(i["source"]) for i in v.items if i.get("source")),
        ]

    return workbook(f"{plan.year}年检查计划", COLUMNS, (row(v) for v in visits))
