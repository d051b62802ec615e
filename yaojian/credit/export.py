"""The grade list as a spreadsheet (what officials open to report upwards)."""

from __future__ import annotations

from yaojian.credit.config import config
from yaojian.credit.models import CreditGrade
from yaojian.kit.xlsx import workbook

COLUMNS = [
    ("企业名称", 34), ("统一社会信用代码", 22), ("企业类别", 18), ("县（市、区）代码", 10),
    ("信用等级", 10), ("得分", 8), ("评定基准日", 12), ("上次等级", 10), ("扣分与调整说明", 60),
]  # fmt: skip


def explanation(grade: CreditGrade) -> str:
    """ "监督抽检不合格 2次 −20；…；严重违法失信名单 → D": the grade's reasons in one line."""
    cfg = config()
    parts = []
    for d in grade.deductions:
        rule = cfg.deductions.get(d["input"])
        label = rule.label_zh if rule else d["input"]
        parts.append(f"{label} {d['count']}次 −{d['deducted']:g}")
    labels = {"revoked": "吊销许可证", "blacklisted": "列入严重违法失信名单",
              "counterfeit_substandard": "因假劣药受处罚"}  # fmt: skip
    parts += [f"{labels.get(o['rule'], o['rule'])} → {o['grade']}" for o in grade.overrides]
    return "；".join(parts) or "无扣分"


def grades_workbook(grades: list[CreditGrade]) -> bytes:
    rows = (
        [
            g.enterprise.name, g.enterprise.credit_code, g.kind.zh, g.region_code,
            g.grade.value, g.score, g.as_of,
            g.previous_grade.value if g.previous_grade else "", explanation(g),
        ]
        for g in grades
    )  # fmt: skip
    return workbook("信用等级", COLUMNS, rows)
