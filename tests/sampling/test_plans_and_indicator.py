"""Risk-weighted quotas and the pass-rate indicator, on sets small enough to check by hand."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.builders import ADMIN, bearer, make_enterprise
from tests.sampling.builders import YEAR, make_batch, make_plan, reported, take, world
from yaojian.auth.models import Role
from yaojian.registry.choices import EnterpriseKind
from yaojian.sampling import service
from yaojian.sampling.indicator import indicator
from yaojian.sampling.models import Programme
from yaojian.sampling.schemas import AllocateRequest
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit


def _signal(session: Session, enterprise_id: int, n: int) -> None:
    emit(
        session, ADMIN,
        SignalReport(source="test", kind="t", subject_type=SubjectType.ENTERPRISE,
                     subject_id=str(enterprise_id), severity=2, title="t",
                     dedupe_key=f"test:{enterprise_id}:{n}", enterprise_id=enterprise_id),
    )  # fmt: skip


def test_a_risk_weighted_plan_sends_more_samples_where_the_signals_are(session: Session) -> None:
    pharmacy = EnterpriseKind.RETAIL_PHARMACY
    make_enterprise(session, region_code="330106", kind=pharmacy)
    make_enterprise(session, region_code="330106", kind=pharmacy)
    make_enterprise(session, region_code="330108", kind=pharmacy)
    risky = make_enterprise(session, region_code="330108", kind=pharmacy)
    _signal(session, risky.id, 1)
    _signal(session, risky.id, 2)
    plan = make_plan(session, Programme.ROUTINE, "330100")
    request = AllocateRequest(total=10, risk_weighted=True, enterprise_kinds=[pharmacy])
    weighted = service.allocate(session, ADMIN, plan.id, request)
    # Xihu weighs 1 + 1 = 2; Binjiang 1 + (1 + 0.5 × 2) = 3: 10 samples split 4 : 6.
    assert {q.region_code: q.target for q in weighted.quotas} == {"330106": 4, "330108": 6}
    assert {q.region_code: q.weight for q in weighted.quotas} == {"330106": 1.0, "330108": 1.5}
    plain = service.allocate(
        session, ADMIN, plan.id, request.model_copy(update={"risk_weighted": False})
    )
    assert {q.region_code: q.target for q in plain.quotas} == {"330106": 5, "330108": 5}


def test_a_past_failure_weighs_on_next_years_quota(session: Session) -> None:
    w = world(session)
    last_year = service.create_plan(
        session, ADMIN,
        service.PlanCreate(year=YEAR - 1, title="上年度计划", programme=Programme.ROUTINE,
                           region_code="330100"),
    )  # fmt: skip
    failed = take(session, w.special, w.batch, w.binjiang)
    failed.plan_id = last_year.id  # a failure recorded under last year's plan
    session.flush()
    from tests.sampling.builders import report, to_lab

    service.record_result(session, ADMIN, to_lab(session, failed).id, report(passed=False))
    plan = make_plan(session, Programme.ROUTINE, "330100")
    request = AllocateRequest(total=5, enterprise_kinds=[EnterpriseKind.RETAIL_PHARMACY])
    quotas = {
        q.region_code: q.target for q in service.allocate(session, ADMIN, plan.id, request).quotas
    }
    assert quotas == {"330106": 2, "330108": 3}  # weights 1 and 2 (1 + one past failure)


def _constructed(session: Session) -> None:
    """Xihu: 4 special-programme reports, 1 failing. Yinzhou (Ningbo): 2 passing, 1 at the lab.
    A routine plan's failing sample of the same essential drug in Xihu."""
    w = world(session)
    ningbo = make_enterprise(session, region_code="330212", kind=EnterpriseKind.RETAIL_PHARMACY)
    batch2 = make_batch(session, w.maker, w.drug, "260302B")
    for passed in (True, True, True, False):
        reported(session, w.special, w.batch, w.xihu, passed=passed)
    reported(session, w.special, batch2, ningbo)
    reported(session, w.special, batch2, ningbo)
    take(session, w.special, batch2, ningbo)
    reported(session, w.routine, batch2, w.xihu, passed=False)
    reported(session, w.routine, w.plain_batch, w.xihu, passed=False)  # not on either list


def test_the_pass_rate_counts_the_special_programme_by_city(session: Session) -> None:
    _constructed(session)
    rows = {r["code"]: r for r in indicator(session, ADMIN, YEAR).to_dicts()}
    total = rows["330000"]
    assert (total["tested"], total["passed"], total["failed"], total["pending"]) == (6, 5, 1, 1)
    assert round(total["pass_rate"], 4) == 0.8333 and total["meets_target"] is False
    assert (rows["330100"]["tested"], rows["330100"]["pass_rate"]) == (4, 0.75)
    assert (rows["330200"]["tested"], rows["330200"]["pass_rate"]) == (2, 1.0)
    assert rows["330200"]["meets_target"] is True and rows["330200"]["pending"] == 1
    assert rows["330300"]["tested"] == 0 and rows["330300"]["pass_rate"] is None
    assert len(rows) == 1 + 11


def test_the_broad_reading_adds_listed_drugs_sampled_under_other_plans(session: Session) -> None:
    _constructed(session)
    rows = {r["code"]: r for r in indicator(session, ADMIN, YEAR, strict=False).to_dicts()}
    assert (rows["330000"]["tested"], rows["330000"]["passed"]) == (7, 5)
    assert (rows["330100"]["tested"], rows["330100"]["passed"]) == (5, 3)


def test_a_county_regulator_gets_the_indicator_of_their_county_only(
    client: TestClient, session: Session
) -> None:
    _constructed(session)
    session.commit()
    xihu = bearer(client, session, Role.COUNTY_REGULATOR, "330106")
    body = client.get(
        "/api/v1/sampling/indicator", params={"year": YEAR, "by": "county"}, headers=xihu
    ).json()
    assert body["target"] == 0.995
    assert [(r["code"], r["tested"], r["passed"]) for r in body["rows"]] == [("330106", 4, 3)]
    city = bearer(client, session, Role.CITY_REGULATOR, "330100")
    rows = client.get(
        "/api/v1/sampling/indicator", params={"year": YEAR, "by": "county"}, headers=city
    ).json()["rows"]
    assert len(rows) == 1 + 13 and (rows[0]["code"], rows[0]["tested"]) == ("330100", 4)
    assert {r["code"]: r["tested"] for r in rows}["330106"] == 4
