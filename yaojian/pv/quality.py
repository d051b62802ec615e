"""The 100-point quality rubric of an ICSR, and the monitoring indicators built on it.

The rubric (documented in docs/pv-quality.md) scores what an assessor needs to assess a case:

=====================  ======  ==============================================================
part                   points  awarded for
=====================  ======  ==============================================================
patient                15      age 6, sex 6, weight 3
suspect drug           20      a suspect drug named 8; linked to the registry or an approval
                               number/batch known 4; batch number 4; route or dose 4
reaction               20      a reaction term 8; coded (MedDRA code or a preferred term from
                               the synonym table) 6; onset date 3; outcome 3
seriousness            5       serious cases name their criteria; others are marked not serious
reporter               10      reporter type known 5; region of occurrence known 5
narrative              15      ≥ 50 characters 10; ≥ 200 characters 5 more
timeliness             15      received within the statutory time from onset: 15; within twice
                               that time: 8; later or onset unknown: 0
=====================  ======  ==============================================================

Statutory times (《药品不良反应报告和监测管理办法》 art. 20): new or serious reactions within
15 days, deaths at once (counted as 15 days here), all others within 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass

from yaojian.pv.models import DrugRole, Report, ReporterType

# What a report lacks, as the rubric names it, and how the Chinese interface says it.
MISSING_LABELS = {
    "patient age": "患者年龄",
    "patient sex": "患者性别",
    "patient weight": "患者体重",
    "suspect drug": "怀疑药品",
    "suspect drug identified in the registry": "可识别的怀疑药品（批准文号或批号）",
    "batch number": "批号",
    "route or dose": "给药途径或剂量",
    "reaction term": "不良反应名称",
    "coded reaction term": "不良反应标准术语编码",
    "onset date": "发生日期",
    "outcome": "转归",
    "seriousness criteria": "严重性标准",
    "reporter type": "报告人类型",
    "region of occurrence": "发生地区",
    "narrative": "病例描述",
    "detailed narrative": "详细的病例描述",
    "timely report": "及时报告",
}
NEW_OR_SERIOUS_DAYS = 15
OTHER_DAYS = 30


@dataclass(frozen=True)
class QualityScore:
    total: float
    parts: dict[str, float]
    missing: list[str]


def score_report(report: Report) -> QualityScore:
    """Score one report on the 100-point rubric; ``missing`` names what cost points."""
    parts: dict[str, float] = {}
    missing: list[str] = []

    def award(part: str, points: float, condition: bool, what: str) -> None:
        parts[part] = parts.get(part, 0.0) + (points if condition else 0.0)
        if not condition:
            missing.append(what)

    award("patient", 6, report.patient_age_years is not None, "patient age")
    award("patient", 6, report.patient_sex in ("1", "2"), "patient sex")
    award("patient", 3, report.patient_weight_kg is not None, "patient weight")

    suspects = [d for d in report.drugs if d.role in (DrugRole.SUSPECT, DrugRole.INTERACTING)]
    award("suspect_drug", 8, any(d.reported_name.strip() for d in suspects), "suspect drug")
    award(
        "suspect_drug",
        4,
        any(d.product_id is not None or d.batch_number for d in suspects),
        "suspect drug identified in the registry",
    )
    award("suspect_drug", 4, any(d.batch_number for d in suspects), "batch number")
    award("suspect_drug", 4, any(d.route or d.dose_text for d in suspects), "route or dose")

    reactions = list(report.reactions)
    award("reaction", 8, any(r.reported_term.strip() for r in reactions), "reaction term")
    award(
        "reaction",
        6,
        bool(reactions)
        and all(r.meddra_code or r.coded_term != r.reported_term for r in reactions),
        "coded reaction term",
    )
    award("reaction", 3, any(r.onset_on for r in reactions), "onset date")
    award("reaction", 3, any(r.outcome is not None for r in reactions), "outcome")

    criteria_named = any(r.is_serious for r in reactions)
    award(
        "seriousness",
        5,
        criteria_named if report.serious else not criteria_named,
        "seriousness criteria",
    )

    award("reporter", 5, report.reporter_type is not ReporterType.OTHER, "reporter type")
    award("reporter", 5, report.region_code is not None, "region of occurrence")

    narrative = report.narrative.strip()
    award("narrative", 10, len(narrative) >= 50, "narrative")
    award("narrative", 5, len(narrative) >= 200, "detailed narrative")

    onsets = [r.onset_on for r in reactions if r.onset_on]
    deadline = NEW_OR_SERIOUS_DAYS if (report.serious or report.is_new) else OTHER_DAYS
    points = 0.0
    if onsets and report.received_on:
        delay = (report.received_on - min(onsets)).days
        points = 15.0 if delay <= deadline else 8.0 if delay <= 2 * deadline else 0.0
    parts["timeliness"] = points
    if points < 15:
        missing.append("timely report")
    return QualityScore(total=sum(parts.values()), parts=parts, missing=missing)


def apply_score(report: Report) -> None:
    """Store the score on the report (called whenever a report is stored)."""
    result = score_report(report)
    report.quality_score = result.total
    report.quality_detail = {"parts": result.parts, "missing": result.missing}
