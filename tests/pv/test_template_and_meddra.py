"""The hospital template (XLSX and CSV) and a user's MedDRA release (a tiny fake one here)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import ADMIN
from yaojian.pv import meddra
from yaojian.pv.imports import import_e2b, import_table
from yaojian.pv.models import DrugRole, MeddraTerm, Report, ReportCategory
from yaojian.pv.template import COLUMNS, TemplateErrors, write_template

DATA = Path(__file__).parent.parent / "data" / "pv" / "e2b-r3"


def filled(**values: str) -> list[str]:
    by_zh = {c.zh: c.key for c in COLUMNS}
    row = [""] * len(COLUMNS)
    for index, column in enumerate(COLUMNS):
        row[index] = values.get(column.key, "")
    assert set(values) <= set(by_zh.values())
    return row


REPORT_A = filled(
    safety_report_id="ZJ-2026-0001",
    category="药品",
    sentinel="是",
    region_code="330106",
    received_on="2026-03-02",
    patient_initials="ZS",
    patient_age_years="67",
    patient_sex="女",
    patient_weight_kg="58.5",
    reactions="皮疹；瘙痒",
    onset_on="2026-03-01",
    outcome="好转",
    seriousness="住院、其他重要医学事件",
    role="怀疑",
    drug_name="阿莫西林胶囊",
    approval_number="国药准字H33020001",
    batch_number="B2401",
    route="口服",
    dose_text="0.5 g tid",
    indication="上呼吸道感染",
    narrative="患者服药后出现皮疹。",
)
REPORT_A_SECOND_DRUG = filled(safety_report_id="ZJ-2026-0001", role="并用", drug_name="布洛芬片")
REPORT_B = filled(
    safety_report_id="ZJ-2026-0002",
    report_type="自发报告",
    received_on="2026/03/05",
    reactions="头痛",
    role="怀疑",
    drug_name="硝苯地平缓释片",
)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.zh for c in COLUMNS])
        writer.writerow([c.en for c in COLUMNS])
        writer.writerows(rows)
    return path


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Report)) or 0


def test_the_xlsx_template_has_chinese_headers_with_english_below(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path)
    sheet = load_workbook(path).worksheets[0]
    assert sheet.cell(1, 1).value == "报告编号" and sheet.cell(2, 1).value == "report id (C.1.1)"
    assert sheet.cell(1, 1).comment is not None
    assert [sheet.cell(1, i + 1).value for i in range(len(COLUMNS))] == [c.zh for c in COLUMNS]


def test_a_filled_xlsx_template_imports_one_report_per_report_id(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "hospital.xlsx"
    write_template(path)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    for row in (REPORT_A, REPORT_A_SECOND_DRUG, REPORT_B):
        sheet.append(row)
    sheet.cell(5, 6).value = dt.datetime(2026, 3, 5)  # Excel's own date cell
    book.save(path)
    stored = import_table(session, ADMIN, path)
    assert [s.report.safety_report_id for s in stored] == ["ZJ-2026-0001", "ZJ-2026-0002"]
    a = stored[0].report
    assert (a.category, a.sentinel, a.region_code, a.country) == (
        ReportCategory.DRUG,
        True,
        "330106",
        "CN",
    )
    assert (a.patient_initials, a.patient_age_years, a.patient_sex, a.patient_weight_kg) == (
        "ZS",
        67.0,
        "2",
        58.5,
    )
    assert a.received_on == a.most_recent_on == dt.date(2026, 3, 2)
    assert [
        (r.reported_term, r.outcome, r.hospitalisation, r.other_serious, r.death)
        for r in a.reactions
    ] == [("皮疹", "2", True, True, False), ("瘙痒", "2", True, True, False)]
    assert [(d.role, d.reported_name) for d in a.drugs] == [
        (DrugRole.SUSPECT, "阿莫西林胶囊"),
        (DrugRole.CONCOMITANT, "布洛芬片"),
    ]
    assert (a.drugs[0].batch_number, a.drugs[0].route, a.drugs[0].indication) == (
        "B2401",
        "口服",
        "上呼吸道感染",
    )
    assert a.serious and a.source == "csv" and a.narrative == "患者服药后出现皮疹。"
    b = stored[1].report
    assert b.received_on == dt.date(2026, 3, 5) and b.serious is False and b.report_type == "1"


def test_a_csv_with_row_errors_names_row_and_column_and_stores_nothing(
    session: Session, tmp_path: Path
) -> None:
    bad_date = [*REPORT_B]
    bad_date[[c.key for c in COLUMNS].index("received_on")] = "五月"
    unknown_role = [*REPORT_A_SECOND_DRUG]
    unknown_role[[c.key for c in COLUMNS].index("role")] = "可疑"
    no_drug = filled(safety_report_id="ZJ-2026-0003", received_on="2026-03-06", reactions="发热")
    path = write_csv(tmp_path / "bad.csv", [REPORT_A, unknown_role, bad_date, no_drug])
    with pytest.raises(TemplateErrors) as caught:
        import_table(session, ADMIN, path)
    problems = {(p.row, p.column) for p in caught.value.problems}
    assert problems == {(4, "药品角色"), (5, "首次获知日期"), (6, "药品角色"), (6, "药品名称")}
    assert count(session) == 0


def test_a_csv_naming_an_unknown_region_is_refused_at_its_row(
    session: Session, tmp_path: Path
) -> None:
    elsewhere = [*REPORT_B]
    elsewhere[[c.key for c in COLUMNS].index("region_code")] = "110101"
    path = write_csv(tmp_path / "region.csv", [REPORT_A, elsewhere])
    with pytest.raises(TemplateErrors) as caught:
        import_table(session, ADMIN, path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(4, "发生地区划代码")]
    assert count(session) == 0


def test_a_file_that_is_not_the_template_is_refused_at_its_header(
    session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "other.csv"
    path.write_text("name,age\nx,1\n", encoding="utf-8")
    with pytest.raises(TemplateErrors) as caught:
        import_table(session, ADMIN, path)
    assert {p.row for p in caught.value.problems} == {1}
    assert "报告编号" in {p.column for p in caught.value.problems}


# ---------------------------------------------------------------- MedDRA


def fake_release(directory: Path) -> Path:
    """Two PTs under one HLT/HLGT/SOC; one extra LLT each. Codes as in the FDA examples."""
    directory.mkdir()
    files = {
        "llt.asc": [
            "10027940$Venous thrombosis deep$10051055$$$$$$$Y$$",
            "10051055$Deep vein thrombosis$10051055$$$$$$$Y$$",
            "10009896$Colitis ischemic$10009887$$$$$$$Y$$",
            "10009887$Colitis ischaemic$10009887$$$$$$$Y$$",
        ],
        "pt.asc": [
            "10051055$Deep vein thrombosis$$10047065$$$$$$$$",
            "10009887$Colitis ischaemic$$10017947$$$$$$$$",
        ],
        "hlt.asc": [
            "10014523$Embolism and thrombosis$$$$$$$$",
            "10009888$Colitis (excl infective)$$$$$$$$",
        ],
        "hlt_pt.asc": ["10014523$10051055$", "10009888$10009887$"],
        "hlgt.asc": [
            "10014522$Embolism and thrombosis$$$$$$$$",
            "10017969$Gastrointestinal inflammatory conditions$$$$$$$$",
        ],
        "hlgt_hlt.asc": ["10014522$10014523$", "10017969$10009888$"],
        "soc.asc": [
            "10047065$Vascular disorders$Vasc$$$$$$$$",
            "10017947$Gastrointestinal disorders$Gastr$$$$$$$$",
        ],
        "soc_hlgt.asc": ["10047065$10014522$", "10017947$10017969$"],
        "mdhier.asc": [
            "10051055$10014523$10014522$10047065$Deep vein thrombosis$Embolism and thrombosis"
            "$Embolism and thrombosis$Vascular disorders$Vasc$$10047065$Y$",
            "10009887$10009888$10017969$10017947$Colitis ischaemic$Colitis (excl infective)"
            "$Gastrointestinal inflammatory conditions$Gastrointestinal disorders$Gastr"
            "$$10017947$Y$",
        ],
        "meddra_release.asc": ["99.0$English$$$"],
    }
    for name, lines in files.items():
        (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def test_a_meddra_release_codes_reactions_to_their_preferred_terms(
    session: Session, tmp_path: Path
) -> None:
    [before] = import_e2b(session, ADMIN, (DATA / "FAERS2022Scenario1.xml").read_bytes())
    result = meddra.load(session, ADMIN, fake_release(tmp_path / "MedAscii"))
    assert (result.release, result.pts, result.llts, result.recoded_reactions) == ("99.0", 2, 2, 2)
    term = session.get(MeddraTerm, "10027940")
    assert term is not None and (term.level, term.pt_code, term.pt_name) == (
        "llt",
        "10051055",
        "Deep vein thrombosis",
    )
    assert (term.hlt_name, term.hlgt_name, term.soc_name) == (
        "Embolism and thrombosis",
        "Embolism and thrombosis",
        "Vascular disorders",
    )
    session.refresh(before.report.reactions[0])
    session.refresh(before.report.reactions[1])
    assert [r.coded_term for r in before.report.reactions] == [
        "Deep vein thrombosis",
        "Colitis ischaemic",
    ]
    [after] = import_e2b(session, ADMIN, (DATA / "FAERS2022Scenario4.xml").read_bytes())
    assert [r.coded_term for r in after.report.reactions] == [
        "Deep vein thrombosis",
        "Colitis ischaemic",
    ]


def test_without_mdhier_the_roll_up_follows_the_primary_soc(
    session: Session, tmp_path: Path
) -> None:
    release = fake_release(tmp_path / "MedAscii")
    (release / "mdhier.asc").unlink()
    meddra.load(session, ADMIN, release, release="27.1")
    term = session.get(MeddraTerm, "10009896")
    assert term is not None and term.release == "27.1"
    assert (term.pt_name, term.soc_name) == ("Colitis ischaemic", "Gastrointestinal disorders")


def test_loading_again_replaces_the_release_and_a_broken_folder_is_refused(
    session: Session, tmp_path: Path
) -> None:
    release = fake_release(tmp_path / "MedAscii")
    meddra.load(session, ADMIN, release)
    meddra.load(session, ADMIN, release)
    assert session.scalar(select(func.count()).select_from(MeddraTerm)) == 4
    broken = tmp_path / "broken"
    shutil.copytree(release, broken)
    (broken / "pt.asc").unlink()
    with pytest.raises(meddra.MeddraError, match=r"pt\.asc"):
        meddra.load(session, ADMIN, broken)


def test_a_template_report_exports_and_reimports_as_the_same_report(
    session: Session, tmp_path: Path
) -> None:
    from yaojian.pv import e2b
    from yaojian.pv.service import StoreOutcome

    [stored] = import_table(session, ADMIN, write_csv(tmp_path / "one.csv", [REPORT_A]))
    exported = e2b.to_e2b(stored.report)
    # Region and sentinel are what the submitter knows, not E2B elements: they come with the call.
    [again] = import_e2b(session, ADMIN, exported, sentinel=True, region_code="330106")
    assert again.outcome is StoreOutcome.DUPLICATE and again.report.id == stored.report.id
    [parsed] = e2b.parse(exported)
    assert [r.reported_term for r in parsed.reactions] == ["皮疹", "瘙痒"]
    assert parsed.reactions[0].meddra_code is None
