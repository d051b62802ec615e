"""The hospital reporting template (CSV or XLSX): one row per drug of a report.

Row 1 holds the Chinese column names, row 2 the English ones; data starts on row 3. The
report's own columns (patient, reactions, dates…) are filled on its first row and may be left
blank, or repeated unchanged, on its other rows. Several reactions go in one cell, separated by
"；". Every problem is reported with its row number and column, and a file with any problem
is refused whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yaojian.pv.models import DrugRole, ReportCategory
from yaojian.pv.parsed import ParsedDrug, ParsedReaction, ParsedReport


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool = False
    per_drug: bool = False


COLUMNS = (
    Column("safety_report_id", "报告编号", "report id (C.1.1)", required=True),
    Column(
        "report_type", "报告类型", "report type: 自发报告/研究报告/其他/不详 (default 自发报告)"
    ),
    Column("category", "报告类别", "category: 药品/医疗器械/化妆品 (default 药品)"),
    Column("sentinel", "哨点医院", "sentinel hospital report: 是/否"),
    Column("region_code", "发生地区划代码", "region code where it occurred (GB/T 2260)"),
    Column("received_on", "首次获知日期", "date first received, YYYY-MM-DD", required=True),
    Column("most_recent_on", "最新信息日期", "date of most recent information (default as above)"),
    Column("patient_initials", "患者姓名缩写", "patient initials"),
    Column("patient_age_years", "年龄（岁）", "age in years"),
    Column("patient_sex", "性别", "sex: 男/女"),
    Column("patient_weight_kg", "体重（千克）", "weight in kg"),
    Column("is_new", "新的不良反应", "new (not in the label): 是/否"),
    Column("reactions", "不良反应名称", "reaction terms, several separated by ；", required=True),
    Column("onset_on", "不良反应发生日期", "date the reaction started, YYYY-MM-DD"),
    Column("outcome", "不良反应结果", "outcome: 痊愈/好转/未好转/有后遗症/死亡/不详"),
    Column(
        "seriousness",
        "严重性",
        "seriousness, several separated by 、: 死亡/危及生命/住院/残疾/先天异常/"
        "其他重要医学事件 (blank: not serious)",
    ),
    Column("role", "药品角色", "drug role: 怀疑/并用/相互作用", required=True, per_drug=True),
    Column("drug_name", "药品名称", "drug name as reported", required=True, per_drug=True),
    Column("approval_number", "批准文号", "approval number (国药准字…)", per_drug=True),
    Column("batch_number", "生产批号", "batch / lot number", per_drug=True),
    Column("route", "给药途径", "route of administration", per_drug=True),
    Column("dose_text", "用法用量", "dose and frequency", per_drug=True),
    Column("indication", "用药原因", "indication", per_drug=True),
    Column("narrative", "病例描述", "case narrative"),
)
BY_KEY = {c.key: c for c in COLUMNS}
REPORT_TYPES = {"自发报告": "1", "研究报告": "2", "其他": "3", "不详": "4"}
CATEGORIES = {"药品": "drug", "医疗器械": "device", "化妆品": "cosmetic"}
ROLES = {"怀疑": DrugRole.SUSPECT, "并用": DrugRole.CONCOMITANT, "相互作用": DrugRole.INTERACTING}
SEXES = {"男": "1", "女": "2", "m": "1", "f": "2", "1": "1", "2": "2", "不详": None}
OUTCOMES = {"痊愈": "1", "好转": "2", "未好转": "3", "有后遗症": "4", "死亡": "5", "不详": "0"}
SERIOUSNESS = {
    "死亡": "death",
    "导致死亡": "death",
    "危及生命": "life_threatening",
    "住院": "hospitalisation",
    "导致住院或住院时间延长": "hospitalisation",
    "残疾": "disability",
    "伤残": "disability",
    "先天异常": "congenital_anomaly",
    "致癌、致畸、致出生缺陷": "congenital_anomaly",
    "其他重要医学事件": "other_serious",
}
YES = {"是", "y", "yes", "true", "1"}
NO = {"否", "n", "no", "false", "0", ""}
FIRST_DATA_ROW = 3


@dataclass
class RowProblem:
    row: int
    column: str
    reason: str


class TemplateErrors(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problems in the file")
        self.problems = problems


# ---------------------------------------------------------------- writing the template


def write_template(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([c.zh for c in COLUMNS])
            writer.writerow([c.en for c in COLUMNS])
        return
    if suffix != ".xlsx":
        raise ValueError(f"the template is a .xlsx or .csv file, not {path.name}")
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "报告"
    for index, column in enumerate(COLUMNS, start=1):
        head = sheet.cell(row=1, column=index, value=column.zh)
        head.font = Font(bold=True, color="C00000" if column.required else "000000")
        head.comment = Comment(column.en + (" — required" if column.required else ""), "yaojian")
        english = sheet.cell(row=2, column=index, value=column.en)
        english.font = Font(italic=True, color="808080")
        letter = head.column_letter
        sheet.column_dimensions[letter].width = max(12, min(40, len(column.zh) * 3))
    sheet.freeze_panes = "A3"
    notes = book.create_sheet("说明")
    notes.append(["列", "Column", "必填", "说明"])
    for column in COLUMNS:
        scope = "每种药品一行" if column.per_drug else "每份报告填一次（第一行）"
        notes.append([column.zh, column.key, "是" if column.required else "", column.en, scope])
    book.save(path)


# ---------------------------------------------------------------- reading a filled template


def read_rows(path: Path) -> list[list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    if suffix == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")  # CSVs saved by Excel on a Chinese Windows
        return [list(r) for r in csv.reader(io.StringIO(text))]
    raise ValueError(f"import a .xlsx or .csv file, not {path.name}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Row:
    def __init__(self, number: int, values: dict[str, str], problems: list[RowProblem]) -> None:
        self.line, self.values, self.problems = number, values, problems

    def fail(self, key: str, reason: str) -> None:
        self.problems.append(RowProblem(self.line, BY_KEY[key].zh, reason))

    def text(self, key: str) -> str | None:
        return self.values.get(key) or None

    def choice(self, key: str, choices: dict[str, Any], default: Any = None) -> Any:
        raw = self.values.get(key, "")
        if not raw:
            return default
        for name, value in choices.items():
            if raw.lower() == name.lower():
                return value
        if raw in choices.values():
            return raw
        self.fail(key, f"“{raw}”不是可选值（{'/'.join(choices)}）")
        return default

    def flag(self, key: str) -> bool:
        raw = self.values.get(key, "").lower()
        if raw in YES:
            return True
        if raw not in NO:
            self.fail(key, f"“{raw}”应为 是 或 否")
        return False

    def date(self, key: str) -> dt.date | None:
        raw = self.values.get(key, "")
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(re.sub(r"[./]", "-", raw)[:10])
        except ValueError:
            self.fail(key, f"“{raw}”不是日期（YYYY-MM-DD）")
            return None

    def decimal(self, key: str, upper: float) -> float | None:
        raw = self.values.get(key, "")
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            self.fail(key, f"“{raw}”不是数字")
            return None
        if not 0 <= value <= upper:
            self.fail(key, f"{raw} 超出合理范围（0–{upper:g}）")
            return None
        return value


def _header(rows: list[list[Any]], problems: list[RowProblem]) -> dict[str, int]:
    if not rows:
        problems.append(RowProblem(1, "表头", "文件是空的"))
        return {}
    names = [_cell(v) for v in rows[0]]
    positions: dict[str, int] = {}
    for column in COLUMNS:
        if column.zh in names:
            positions[column.key] = names.index(column.zh)
        elif column.required:
            problems.append(
                RowProblem(1, column.zh, "缺少必填列（请使用 yaojian pv template 生成的模板）")
            )
    return positions


def parse_rows(rows: list[list[Any]]) -> list[tuple[ParsedReport, int]]:
    """The reports in a filled template with the row each starts on; raise TemplateErrors."""
    problems: list[RowProblem] = []
    positions = _header(rows, problems)
    if problems:
        raise TemplateErrors(problems)
    english = [c.en for c in COLUMNS]
    start = 1
    if len(rows) > 1 and any(_cell(v) in english for v in rows[1]):
        start = 2
    groups: dict[str, list[_Row]] = {}
    for number, raw in enumerate(rows[start:], start=start + 1):
        values = {
            key: _cell(raw[index]) if index < len(raw) else "" for key, index in positions.items()
        }
        if not any(values.values()):
            continue
        row = _Row(number, values, problems)
        report_id = values.get("safety_report_id", "")
        if not report_id:
            row.fail("safety_report_id", "必填")
            continue
        groups.setdefault(report_id, []).append(row)
    reports = [(_report(report_id, group), group[0].line) for report_id, group in groups.items()]
    if problems:
        raise TemplateErrors(sorted(problems, key=lambda p: p.row))
    return reports


def _report(report_id: str, rows: list[_Row]) -> ParsedReport:
    first = rows[0]
    for row in rows[1:]:
        for column in COLUMNS:
            if column.per_drug or column.key == "safety_report_id":
                continue
            value = row.values.get(column.key, "")
            if value and value != first.values.get(column.key, ""):
                row.fail(column.key, f"与本报告第 {first.line} 行不一致")
    for key in ("received_on", "reactions"):
        if not first.values.get(key):
            first.fail(key, "必填")
    received = first.date("received_on")
    flags = {}
    raw = first.values.get("seriousness", "")
    for part in filter(None, (p.strip() for p in re.split(r"[、,，;；]", raw))):
        if part in SERIOUSNESS:
            flags[SERIOUSNESS[part]] = True
        else:
            first.fail(
                "seriousness", f"“{part}”不是严重性标准（{'/'.join(list(SERIOUSNESS)[::2])}）"
            )
    outcome = first.choice("outcome", OUTCOMES)
    onset = first.date("onset_on")
    terms = [t.strip() for t in re.split(r"[；;]", first.values.get("reactions", "")) if t.strip()]
    drugs = []
    for row in rows:
        for key in ("role", "drug_name"):
            if not row.values.get(key):
                row.fail(key, "必填")
        role = row.choice("role", ROLES)
        name = row.text("drug_name")
        if role is not None and name:
            drugs.append(
                ParsedDrug(
                    role=role,
                    reported_name=name,
                    approval_number=row.text("approval_number"),
                    batch_number=row.text("batch_number"),
                    route=row.text("route"),
                    dose_text=row.text("dose_text"),
                    indication=row.text("indication"),
                )
            )
    if drugs and not any(d.role in (DrugRole.SUSPECT, DrugRole.INTERACTING) for d in drugs):
        first.fail("role", "至少需要一种怀疑或相互作用药品")
    return ParsedReport(
        safety_report_id=report_id,
        report_type=first.choice("report_type", REPORT_TYPES, "1"),
        category=ReportCategory(first.choice("category", CATEGORIES, "drug")),
        sentinel=first.flag("sentinel"),
        region_code=first.text("region_code"),
        received_on=received,
        most_recent_on=first.date("most_recent_on") or received,
        patient_initials=first.text("patient_initials"),
        patient_age_years=first.decimal("patient_age_years", 150),
        patient_sex=first.choice("patient_sex", SEXES),
        patient_weight_kg=first.decimal("patient_weight_kg", 500),
        is_new=first.flag("is_new"),
        country="CN",
        narrative=first.text("narrative") or "",
        reactions=[
            ParsedReaction(reported_term=t, outcome=outcome, onset_on=onset).flagged(flags)
            for t in dict.fromkeys(terms)
        ],
        drugs=drugs,
    )


# Where a service error about a field points in the template.
FIELD_COLUMNS = {
    "region_code": "发生地区划代码",
    "C.1.1": "报告编号",
    "D.1": "患者姓名缩写",
    "G.k.2.2": "药品名称",
    "G.k.4.r.7": "生产批号",
    "G.k.4.r.10.1": "给药途径",
    "G.k.4.r.8": "用法用量",
    "G.k.7.r.1": "用药原因",
    "E.i.1.1a": "不良反应名称",
}
