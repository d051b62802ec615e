"""The 100-point quality rubric and the monitoring indicators."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.builders import make_user
from tests.pv.builders import make_report
from yaojian.auth.models import Role
from yaojian.auth.service import actor_for_user
from yaojian.pv.indicators import Period, indicators
from yaojian.pv.models import (
    DrugRole,
    Report,
    ReportCategory,
    ReportDrug,
    ReporterType,
    ReportReaction,
    ReportStatus,
)
from yaojian.pv.quality import score_report

PERIOD = Period(dt.date(2025, 11, 24), dt.date(2026, 11, 23))


def _complete_report() -> Report:
    report = Report(
        safety_report_id="Q-1",
        category=ReportCategory.DRUG,
        reporter_type=ReporterType.MEDICAL_INSTITUTION,
        region_code="330106",
        received_on=dt.date(2026, 3, 10),
        patient_age_years=54.0,
        patient_sex="2",
        patient_weight_kg=61.5,
        serious=True,
        narrative="患者因社区获得性肺炎静脉滴注注射用头孢曲松钠，" * 10,
        source="test",
    )
    report.drugs = [
        ReportDrug(seq=1, role=DrugRole.SUSPECT, reported_name="注射用头孢曲松钠",
                   batch_number="2603011", route="静脉滴注")
    ]  # fmt: skip
    report.reactions = [
        ReportReaction(seq=1, reported_term="过敏性休克反应", coded_term="过敏性休克",
                       hospitalisation=True, outcome="1", onset_on=dt.date(2026, 3, 1))
    ]  # fmt: skip
    return report


def test_a_complete_timely_report_scores_100() -> None:
    result = score_report(_complete_report())
    assert result.total == 100 and result.missing == []


def test_each_missing_element_costs_its_points() -> None:
    report = _complete_report()
    report.patient_weight_kg = None  # 3
    report.drugs[0].batch_number = None  # 4 (batch) + 4 (identified)
    report.reactions[0].coded_term = report.reactions[0].reported_term  # 6 (not coded)
    report.narrative = "用药后出现过敏性休克。" * 6  # 66 characters: loses the 5 for detail
    result = score_report(report)
    assert result.total == 100 - 3 - 8 - 6 - 5
    assert {"patient weight", "batch number", "coded reaction term", "detailed narrative"} <= set(
        result.missing
    )


@pytest.mark.parametrize(
    ("serious", "days", "points"),
    [(True, 15, 15), (True, 16, 8), (True, 31, 0), (False, 30, 15), (False, 45, 8), (False, 61, 0)],
)
def test_timeliness_follows_the_statutory_reporting_times(
    serious: bool, days: int, points: int
) -> None:
    report = _complete_report()
    report.serious = serious
    if not serious:
        report.reactions[0].hospitalisation = False
    report.received_on = report.reactions[0].onset_on + dt.timedelta(days=days)  # type: ignore[operator]
    assert score_report(report).parts["timeliness"] == points


def test_indicators_give_density_shares_and_quality_per_city(session: Session) -> None:
    for _ in range(3):
        make_report(session, region_code="330106", serious=True)
    make_report(session, region_code="330106", sentinel=True, is_new=True)
    make_report(session, region_code="330212")
    make_report(session, region_code="330212", status=ReportStatus.SUPERSEDED)  # not counted
    make_report(session, region_code="330212", received_on=dt.date(2024, 1, 1))  # outside period
    province = actor_for_user(make_user(session, Role.PROVINCE_REGULATOR, region_code="330000"))
    table = {
        r["name"]: r for r in indicators(session, province, ReportCategory.DRUG, PERIOD).to_dicts()
    }
    hangzhou = table["杭州市"]
    assert hangzhou["reports"] == 4
    assert hangzhou["per_million"] == pytest.approx(4 / 11_936_010 * 1e6)
    assert hangzhou["new_or_serious_share"] == pytest.approx(1.0)
    assert hangzhou["serious_share"] == pytest.approx(0.75)
    assert hangzhou["sentinel_reports"] == 1 and hangzhou["sentinel_new_or_serious_share"] == 1.0
    assert table["宁波市"]["reports"] == 1
    assert table["全部"]["reports"] == 5
    assert table["全部"]["per_million"] == pytest.approx(5 / 64_567_588 * 1e6)


def test_a_county_regulator_sees_only_its_county_in_the_indicators(session: Session) -> None:
    make_report(session, region_code="330106")
    make_report(session, region_code="330108")
    xihu = actor_for_user(make_user(session, Role.COUNTY_REGULATOR, region_code="330106"))
    table = indicators(session, xihu, ReportCategory.DRUG, PERIOD, by="county").to_dicts()
    assert [r["name"] for r in table] == ["辖区合计", "西湖区"]
    assert table[1]["per_million"] is None  # no county population in the region data
