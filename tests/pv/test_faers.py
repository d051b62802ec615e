"""FAERS and legacy AERS quarters: counts on a real slice, de-duplication, deletions, bad lines."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.builders import ADMIN
from yaojian.pv.faers import read_quarters
from yaojian.pv.imports import import_faers
from yaojian.pv.models import DrugRole, Report, ReportDrug, ReportReaction, ReportStatus

SLICE = Path(__file__).parent.parent / "data" / "pv" / "faers_ascii_2017q2.zip"

FAERS_DEMO = (
    "primaryid$caseid$caseversion$i_f_code$event_dt$mfr_dt$init_fda_dt$fda_dt$rept_cod$auth_num"
    "$mfr_num$mfr_sndr$lit_ref$age$age_cod$age_grp$sex$e_sub$wt$wt_cod$rept_dt$to_mfr$occp_cod"
    "$reporter_country$occr_country"
)
FAERS_DRUG = (
    "primaryid$caseid$drug_seq$role_cod$drugname$prod_ai$val_vbm$route$dose_vbm$cum_dose_chr"
    "$cum_dose_unit$dechal$rechal$lot_num$exp_dt$nda_num$dose_amt$dose_unit$dose_form$dose_freq"
)


def demo_row(primaryid: str, caseid: str, version: str, fda_dt: str = "20220110") -> str:
    fields = [primaryid, caseid, version, "F", "20211201", "", "20211215", fda_dt, "EXP", ""]
    fields += [f"CN-TEST-{caseid}", "TESTPHARMA", "", "61", "YR", "", "F", "Y", "55", "KG"]
    fields += [fda_dt, "", "MD", "CN", "CN"]
    return "$".join(fields)


def drug_row(primaryid: str, caseid: str, seq: str, role: str, name: str) -> str:
    return "$".join([primaryid, caseid, seq, role, name, name.upper(), "1", "Oral"] + [""] * 12)


def make_zip(path: Path, files: dict[str, list[str]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, lines in files.items():
            archive.writestr(name, "\r\n".join(lines) + "\r\n")
    return path


def count(session: Session, model: type, *where: object) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# ---------------------------------------------------------------- the real 2017Q2 slice


def test_the_2017q2_slice_is_read_and_kept_whole(tmp_path: Path) -> None:
    # Checked with awk on the unzipped files: line counts less the header; the 100 DEMO rows
    # have 100 distinct caseids, so nothing is superseded, and there is no deletion list.
    reports, quarter, summary = read_quarters([SLICE])
    assert quarter.kind == "faers"
    assert dict(summary.read) == {"demo": 100, "drug": 328, "reac": 286, "outc": 75, "indi": 232}
    assert summary.bad_lines == []
    assert summary.dropped["superseded_versions"] == 0 and summary.dropped["deleted_cases"] == 0
    assert (summary.kept_reports, summary.kept_drug_rows, summary.kept_reaction_rows) == (
        100,
        328,
        286,
    )
    assert len(reports) == 100


def test_the_2017q2_slice_imports_every_report_drug_and_reaction(session: Session) -> None:
    summary = import_faers(session, ADMIN, [SLICE])
    assert dict(summary.stored) == {"created": 100}
    faers = Report.source == "faers"
    assert count(session, Report, faers) == 100
    assert count(session, ReportDrug) == 328 and count(session, ReportReaction) == 286
    # awk: role_cod PS 100, SS 90, C 134, I 4; 59 reports have an OUTC row, 10 of them DE.
    roles = dict(
        session.execute(select(ReportDrug.role, func.count()).group_by(ReportDrug.role)).all()
    )
    assert roles == {DrugRole.SUSPECT: 190, DrugRole.CONCOMITANT: 134, DrugRole.INTERACTING: 4}
    assert count(session, Report, faers, Report.serious.is_(True)) == 59
    died = select(ReportReaction.report_id).where(ReportReaction.death.is_(True)).distinct()
    assert count(session, Report, Report.id.in_(died)) == 10


def test_a_faers_report_keeps_its_fields_drugs_in_sequence_and_reactions(session: Session) -> None:
    import_faers(session, ADMIN, [SLICE])
    report = session.scalars(
        select(Report).where(Report.safety_report_id == "FAERS-11144077")
    ).one()
    assert report.version == 2 and report.status is ReportStatus.CURRENT
    assert report.worldwide_case_id == "US-SUN PHARMACEUTICAL INDUSTRIES LTD-2015US-98193"
    assert (report.received_on, report.most_recent_on) == (
        dt.date(2015, 5, 28),
        dt.date(2017, 4, 17),
    )
    assert (report.patient_age_years, report.patient_sex, report.country) == (40.0, "1", "US")
    assert report.reporter_qualification == "1"
    assert [d.reported_name for d in report.drugs][:4] == [
        "Doxorubicin",
        "PREDNISONE.",
        "Vincristine",
        "Bortezomib",
    ]
    assert [d.role.value for d in report.drugs] == ["1"] * 8 + ["2"] * 4
    assert report.drugs[0].active_substance == "DOXORUBICIN"
    assert [r.reported_term for r in report.reactions] == [
        "Herpes simplex",
        "Thrombocytopenia",
        "Treatment noncompliance",
    ]
    assert all(r.other_serious and not r.death for r in report.reactions)
    assert report.source_ref == "faers_ascii_2017q2.zip#111440772"


def test_importing_the_same_quarter_again_stores_nothing_twice(session: Session) -> None:
    import_faers(session, ADMIN, [SLICE])
    again = import_faers(session, ADMIN, [SLICE])
    assert dict(again.stored) == {"duplicate": 100}
    assert count(session, Report) == 100


# ---------------------------------------------------------------- hand-made quarters


def quarter_with_problems(tmp_path: Path) -> Path:
    return make_zip(
        tmp_path / "faers_ascii_2022q1.zip",
        {
            "ASCII/DEMO22Q1.txt": [
                FAERS_DEMO,
                demo_row("11", "1", "1", "20220105"),
                demo_row("12", "1", "2", "20220301"),
                demo_row("21", "2", "1"),
                "broken$line$with$too$few$fields",
                demo_row("31", "3", "1"),
                demo_row("4x", "4", "1"),
            ],
            "ASCII/DRUG22Q1.txt": [
                FAERS_DRUG,
                drug_row("11", "1", "1", "PS", "Amoxicillin"),
                drug_row("12", "1", "1", "PS", "Amoxicillin"),
                drug_row("12", "1", "2", "C", "Omeprazole"),
                drug_row("21", "2", "1", "SS", "Ibuprofen"),
                drug_row("31", "3", "1", "PS", "Aspirin"),
            ],
            "ASCII/REAC22Q1.txt": [
                "primaryid$caseid$pt$drug_rec_act",
                "11$1$Rash$",
                "12$1$Rash$",
                "12$1$Pruritus$",
                "21$2$Nausea$",
                "31$3$Headache$",
            ],
            "ASCII/OUTC22Q1.txt": ["primaryid$caseid$outc_cod", "12$1$HO", "21$2$ZZ"],
            "Deleted/DELETE22Q1.txt": ["3"],
        },
    )


def test_the_highest_caseversion_wins_deleted_cases_go_and_bad_lines_are_counted(
    tmp_path: Path,
) -> None:
    reports, _, summary = read_quarters([quarter_with_problems(tmp_path)])
    assert [p.safety_report_id for p, _ in reports] == ["FAERS-1", "FAERS-2"]
    first = reports[0][0]
    assert first.version == 2 and [d.reported_name for d in first.drugs] == [
        "Amoxicillin",
        "Omeprazole",
    ]
    assert [r.reported_term for r in first.reactions] == ["Rash", "Pruritus"]
    assert all(r.hospitalisation for r in first.reactions)
    assert summary.dropped["superseded_versions"] == 1
    assert summary.dropped["deleted_cases"] == 1 and summary.deleted_listed == 1
    assert summary.dropped["orphan_drug_rows"] == 2  # version 1 of case 1, deleted case 3
    assert summary.dropped["orphan_reaction_rows"] == 2
    assert (summary.kept_reports, summary.kept_drug_rows, summary.kept_reaction_rows) == (2, 3, 3)
    problems = [(b.file.split(":")[-1], b.line, b.reason) for b in summary.bad_lines]
    assert ("ASCII/DEMO22Q1.txt", 5, "6 fields, the header names 25") in problems
    assert (
        "ASCII/DEMO22Q1.txt",
        7,
        "not a number: primaryid='4x', caseid='4', caseversion='1'",
    ) in (problems)
    assert ("ASCII/OUTC22Q1.txt", 3, "unknown outcome code 'ZZ'") in problems
    assert len(summary.bad_lines) == 3
    as_json = summary.as_dict()
    assert as_json["bad_lines"] == 3 and as_json["kept"]["reports"] == 2


def test_a_later_quarter_supersedes_and_its_deletion_list_withdraws_stored_cases(
    session: Session, tmp_path: Path
) -> None:
    earlier = make_zip(
        tmp_path / "q4.zip",
        {
            "DEMO21Q4.txt": [FAERS_DEMO, demo_row("11", "1", "1"), demo_row("51", "5", "1")],
            "DRUG21Q4.txt": [
                FAERS_DRUG,
                drug_row("11", "1", "1", "PS", "Amoxicillin"),
                drug_row("51", "5", "1", "PS", "Aspirin"),
            ],
            "REAC21Q4.txt": ["primaryid$caseid$pt$drug_rec_act", "11$1$Rash$", "51$5$Headache$"],
        },
    )
    import_faers(session, ADMIN, [earlier])
    later = make_zip(
        tmp_path / "q1.zip",
        {
            "DEMO22Q1.txt": [FAERS_DEMO, demo_row("12", "1", "2")],
            "DRUG22Q1.txt": [FAERS_DRUG, drug_row("12", "1", "1", "PS", "Amoxicillin")],
            "REAC22Q1.txt": ["primaryid$caseid$pt$drug_rec_act", "12$1$Urticaria$"],
            "DELETED/DELE22Q1.TXT": ["caseid", "5"],
        },
    )
    summary = import_faers(session, ADMIN, [later])
    assert dict(summary.stored) == {"follow_up": 1} and summary.withdrawn == 1
    versions = session.scalars(
        select(Report).where(Report.safety_report_id == "FAERS-1").order_by(Report.version)
    ).all()
    assert [(v.version, v.status) for v in versions] == [
        (1, ReportStatus.SUPERSEDED),
        (2, ReportStatus.CURRENT),
    ]
    assert versions[1].reactions[0].reported_term == "Urticaria"
    deleted = session.scalars(select(Report).where(Report.safety_report_id == "FAERS-5")).one()
    assert deleted.status is ReportStatus.NULLIFIED


AERS_DEMO = (
    "ISR$CASE$I_F_COD$FOLL_SEQ$IMAGE$EVENT_DT$MFR_DT$FDA_DT$REPT_COD$MFR_NUM$MFR_SNDR$AGE"
    "$AGE_COD$GNDR_COD$E_SUB$WT$WT_COD$REPT_DT$OCCP_COD$DEATH_DT$TO_MFR$CONFID$REPORTER_COUNTRY"
)


def aers_demo(isr: str, case: str, fda_dt: str, age: str = "5", age_cod: str = "DEC") -> str:
    fields = [isr, case, "I", "", f"{isr}-1", "20110101", "", fda_dt, "EXP", f"M{isr}", "ACME"]
    fields += [age, age_cod, "M", "Y", "150", "LBS", fda_dt, "MD", "", "", "N", "UNITED STATES"]
    return "$".join(fields) + "$"


def test_legacy_aers_keeps_the_latest_isr_of_each_case(session: Session, tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "aers_ascii_2011q1.zip",
        {
            "ascii/DEMO11Q1.TXT": [
                AERS_DEMO + "$",
                aers_demo("1001", "500", "20110105"),
                aers_demo("1002", "500", "20110301"),
                aers_demo("1003", "501", "20110210", "30", "MON"),
            ],
            "ascii/DRUG11Q1.TXT": [
                "ISR$DRUG_SEQ$ROLE_COD$DRUGNAME$VAL_VBM$ROUTE$DOSE_VBM$DECHAL$RECHAL$LOT_NUM"
                "$EXP_DT$NDA_NUM$",
                "1001$1$PS$WARFARIN$1$ORAL$5 MG$$$$$$",
                "1002$1$PS$WARFARIN$1$ORAL$5 MG$$$LOT7$$$",
                "1002$2$I$ASPIRIN$1$ORAL$$$$$$$",
                "1003$1$SS$METFORMIN$1$ORAL$$$$$$$",
            ],
            "ascii/REAC11Q1.TXT": [
                "ISR$PT$",
                "1001$HAEMORRHAGE$",
                "1002$HAEMORRHAGE$",
                "1002$ANAEMIA$",
                "1003$LACTIC ACIDOSIS$",
            ],
            "ascii/OUTC11Q1.TXT": ["ISR$OUTC_COD$", "1002$DE$"],
        },
    )
    summary = import_faers(session, ADMIN, [archive])
    assert summary.formats == {"aers_ascii_2011q1.zip": "aers"}
    assert summary.dropped["superseded_versions"] == 1 and summary.bad_lines == []
    assert (summary.kept_reports, summary.kept_drug_rows, summary.kept_reaction_rows) == (2, 3, 3)
    case = session.scalars(select(Report).where(Report.safety_report_id == "AERS-500")).one()
    assert case.source == "aers" and case.source_ref == "aers_ascii_2011q1.zip#1002"
    assert case.most_recent_on == dt.date(2011, 3, 1) and case.patient_age_years == 50.0
    assert case.patient_weight_kg is not None and round(case.patient_weight_kg, 2) == 68.04
    assert [(d.role, d.reported_name, d.batch_number) for d in case.drugs] == [
        (DrugRole.SUSPECT, "WARFARIN", "LOT7"),
        (DrugRole.INTERACTING, "ASPIRIN", None),
    ]
    assert [r.death for r in case.reactions] == [True, True]
    other = session.scalars(select(Report).where(Report.safety_report_id == "AERS-501")).one()
    assert other.patient_age_years == 2.5 and other.serious is False
