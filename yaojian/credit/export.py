"""The grade list as a spreadsheet (what officials open to report upwards)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from yaojian.credit.config import config
from yaojian.credit.models import CreditGrade

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
    book = Workbook(write_only=True)
    sheet = book.create_sheet("信用等级")
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for g in grades:
        sheet.append(
            [
                g.enterprise.name, g.enterprise.credit_code, g.kind.zh, g.region_code,
                g.grade.value, g.score, g.as_of,
                g.previous_grade.value if g.previous_grade else "", explanation(g),
            ]
        )  # fmt: skip
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
