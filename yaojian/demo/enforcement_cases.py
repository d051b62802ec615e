"""A year of enforcement cases for the synthetic province, run through the real services.

About 3,000 drug cases a year at province scale (Zhejiang publishes cases in the thousands a
year; the order of magnitude, not the figure, is what matters here), divided by the scale.
Who is investigated follows risk: an enterprise's chance of a case grows with the open risk
signals it has, and about a third of the cases of signalled enterprises start from one of
those signals. Each case moves through the stages with back-dated steps at plausible paces; a
few are slow on purpose, so that the deadline detector has lapsed and nearly lapsed limits
to warn about (the deadline check runs once at the end). Evidence files are not generated:
they would be written outside the database.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor, system_actor
from yaojian.enforcement import decisions, service
from yaojian.enforcement.choices import DecisionKind, LeadKind, TransferStatus
from yaojian.enforcement.deadlines import add_working_days
from yaojian.enforcement.detectors import detect_case_deadlines
from yaojian.enforcement.discretion import recommend
from yaojian.enforcement.schemas import (
    BanCreate,
    CaseOpen,
    DecisionCreate,
    Findings,
    NotFiled,
    StepNote,
    Transfer,
    TransferReply,
)
from yaojian.kit.timeutil import today_local
from yaojian.registry.choices import EnterpriseKind, PositionRole
from yaojian.registry.models import Enterprise, KeyPosition
from yaojian.signals.models import RiskSignal, SignalStatus

PROVINCE_CASES_PER_YEAR = 3000
# Violations a case at each kind of enterprise is likely to be about, with relative weights.
VIOLATIONS: dict[EnterpriseKind, list[tuple[str, float]]] = {
    EnterpriseKind.DRUG_MANUFACTURER: [
        ("dal-126", 5), ("dal-127", 3), ("dal-134", 2), ("dal-117", 2), ("dal-116", 0.3),
    ],
    EnterpriseKind.DRUG_WHOLESALER: [
        ("dal-126", 5), ("dal-129", 3), ("dal-127", 2), ("dal-117", 1),
    ],
    EnterpriseKind.RETAIL_CHAIN: [("dal-126", 4), ("dal-129", 2), ("dal-130", 2)],
    EnterpriseKind.RETAIL_PHARMACY: [
        ("dal-130", 5), ("dal-126", 4), ("dal-129", 2), ("dal-117", 1.5), ("dal-116", 0.2),
    ],
    EnterpriseKind.MEDICAL_INSTITUTION: [("dal-129", 3), ("dal-117", 1)],
}  # fmt: skip
LEADS = [
    (LeadKind.INSPECTION_FINDING, 0.45),
    (LeadKind.SAMPLING, 0.2),
    (LeadKind.COMPLAINT, 0.25),
    (LeadKind.OTHER, 0.1),
]
SUMMARIES = {
    "dal-126": "检查发现未按规范储存药品，温湿度记录不全",
    "dal-127": "未按规定建立并实施药品追溯制度，追溯码扫码上传缺失",
    "dal-134": "未按规定开展药品不良反应监测，年度报告未提交",
    "dal-117": "抽检不合格：含量测定不符合规定",
    "dal-116": "销售的药品经检验为假药",
    "dal-129": "从无药品经营资质的个人处购进药品",
    "dal-130": "未凭处方销售处方药，未按规定调配处方",
}
POLICE = "市公安局{county}分局"


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in weighted], weights=[w for _, w in weighted])[0]


def _circumstances(rng: random.Random, code: str) -> list[str]:
    chosen = []
    if code in ("dal-130", "dal-127") and rng.random() < 0.15:
        return ["first_minor_corrected"]
    if rng.random() < 0.4:
        chosen.append("eliminated_harm")
    if rng.random() < 0.12:
        chosen.append("confessed")
    if rng.random() < 0.1:
        chosen.append("repeat")
    if code in ("dal-126", "dal-129", "dal-117") and rng.random() < 0.06:
        chosen.append("serious")
    return chosen


def generate_cases(
    session: Session,
    rng: random.Random,
    *,
    divisor: int,
    as_of: dt.date,
    focus_county: str | None = None,
    demo_enterprise_id: int | None = None,
) -> tuple[int, int]:
    """Open and run a year of cases; returns how many, and how many deadline warnings the
    closing deadline check raised. Expects enterprises and signals.

    ``focus_county`` gets a few more cases (the demo county regulator's caseload at the small
    scale would otherwise be one case or none), and ``demo_enterprise_id`` one decided case, so
    that the demo enterprise user has a decision to read.
    """
    actor = system_actor("demo.enforcement")
    reference = min(as_of, today_local())
    enterprises = list(
        session.scalars(
            select(Enterprise).where(Enterprise.kind.in_(list(VIOLATIONS))).order_by(Enterprise.id)
        )
    )
    if not enterprises:
        return 0, 0
    open_signals: dict[int, list[int]] = {}
    for signal_id, enterprise_id in session.execute(
        select(RiskSignal.id, RiskSignal.enterprise_id)
        .where(RiskSignal.status == SignalStatus.OPEN, RiskSignal.enterprise_id.is_not(None))
        .order_by(RiskSignal.id)
    ):
        if enterprise_id is not None:
            open_signals.setdefault(enterprise_id, []).append(signal_id)
    weights = [
        (2.0 if e.kind is EnterpriseKind.DRUG_MANUFACTURER else 1.0)
        + 6.0 * len(open_signals.get(e.id, []))
        for e in enterprises
    ]
    legal_reps = dict(
        session.execute(
            select(KeyPosition.enterprise_id, func.max(KeyPosition.person_id))
            .where(KeyPosition.role == PositionRole.LEGAL_REPRESENTATIVE)
            .group_by(KeyPosition.enterprise_id)
        ).all()
    )
    count = max(10, round(PROVINCE_CASES_PER_YEAR / divisor))
    chosen = rng.choices(enterprises, weights=weights, k=count)
    local = [
        (e, w) for e, w in zip(enterprises, weights, strict=True) if e.region_code == focus_county
    ]
    if local:
        chosen += rng.choices([e for e, _ in local], weights=[w for _, w in local], k=8)
    made = 0
    for enterprise in chosen:
        _one_case(session, rng, actor, enterprise, open_signals, legal_reps, reference)
        made += 1
    demo = session.get(Enterprise, demo_enterprise_id) if demo_enterprise_id else None
    if demo is not None and demo.kind in VIOLATIONS:
        _one_case(session, rng, actor, demo, {}, legal_reps, reference, settled=True)
        made += 1
    # The daily deadline check, run once so that a newcomer finds its warnings.
    warnings, _ = detect_case_deadlines(session, reference)
    return made, warnings


def _one_case(
    session: Session,
    rng: random.Random,
    actor: Actor,
    enterprise: Enterprise,
    open_signals: dict[int, list[int]],
    legal_reps: dict[int, int],
    today: dt.date,
    settled: bool = False,
) -> None:
    """One case at its pace; ``settled``: discovered half a year ago and decided, no detours."""
    code = _pick(rng, VIOLATIONS[enterprise.kind])
    if settled:
        code = "dal-126"
    discovered = today - dt.timedelta(days=180 if settled else rng.randint(0, 364))
    signals = open_signals.get(enterprise.id, [])
    if signals and rng.random() < 0.35:
        lead, signal_id, ref = LeadKind.SIGNAL, signals.pop(0), ""
    else:
        lead = rng.choices([k for k, _ in LEADS], weights=[w for _, w in LEADS])[0]
        signal_id, ref = (
            None,
            f"{lead.value[:3].upper()}-{discovered:%Y%m%d}-{rng.randint(1, 999):03d}",
        )
    case = service.open_case(
        session, actor,
        CaseOpen(lead_kind=lead, lead_ref=ref, signal_id=signal_id, enterprise_id=enterprise.id,
                 summary=SUMMARIES[code], discovered_on=discovered),
    )  # fmt: skip
    # 线索核查: a few working days; one lead in ten does not hold up; one in forty is slow.
    slow = not settled and rng.random() < 0.025
    on = add_working_days(discovered, rng.randint(20, 30) if slow else rng.randint(2, 12))
    if on > today:
        return
    if not settled and rng.random() < 0.1:
        service.not_file(session, actor, case.id, NotFiled(on=on, note="经核查，违法事实不成立"))
        return
    service.file_case(session, actor, case.id, StepNote(on=on, note="同意立案"))
    filed = on
    on += dt.timedelta(
        days=rng.randint(95, 130) if not settled and rng.random() < 0.03 else rng.randint(15, 60)
    )
    if code == "dal-116" or (code == "dal-117" and rng.random() < 0.15):
        sent = filed + dt.timedelta(days=rng.randint(3, 20))
        if sent <= today:
            unit = POLICE.format(county=enterprise.region.name)
            service.transfer(session, actor, case.id, Transfer(receiving_unit=unit, on=sent))
            replied = sent + dt.timedelta(days=rng.randint(1, 5))
            if replied <= today:
                service.transfer_reply(
                    session, actor, case.id,
                    TransferReply(accepted=rng.random() < 0.8, on=replied),
                )  # fmt: skip
    if on > today:
        return
    findings = f"经查，{SUMMARIES[code]}，事实清楚，证据确凿。"
    service.submit_for_review(session, actor, case.id, Findings(findings=findings, on=on))
    on += dt.timedelta(days=rng.randint(3, 15))
    if on > today:
        return
    if case.transfer_status is TransferStatus.ACCEPTED:
        service.close(session, actor, case.id, StepNote(on=on, note="已移送公安机关立案侦查"))
        return
    if case.transfer_status is TransferStatus.PENDING:
        return
    _decide(session, rng, actor, case.id, code, enterprise, legal_reps, on)
    on += dt.timedelta(days=rng.randint(1, 6))
    if on > today:
        return
    service.serve(session, actor, case.id, StepNote(on=on, note="直接送达"))
    if case.decision_kind is DecisionKind.NO_PENALTY:
        on += dt.timedelta(days=rng.randint(1, 10))
        if on <= today:
            service.close(session, actor, case.id, StepNote(on=on))
        return
    on += dt.timedelta(days=rng.randint(3, 25))
    if on > today:
        return
    service.record_execution(session, actor, case.id, StepNote(on=on, note="罚没款已缴清"))
    on += dt.timedelta(days=rng.randint(1, 10))
    if on <= today:
        service.close(session, actor, case.id, StepNote(on=on))


def _decide(
    session: Session,
    rng: random.Random,
    actor: Actor,
    case_id: int,
    code: str,
    enterprise: Enterprise,
    legal_reps: dict[int, int],
    on: dt.date,
) -> None:
    circumstances = _circumstances(rng, code)
    value = rng.randint(5, 200) * 1000
    rec = recommend(code, circumstances, value)
    bans = []
    if rec.person_ban_years is not None and enterprise.id in legal_reps:
        person = legal_reps[enterprise.id]
        bans = [
            BanCreate(person_id=person, lifetime=True)
            if rec.person_ban_years == 0
            else BanCreate(person_id=person, years=rec.person_ban_years)
        ]
    reason = ""
    fine = None
    if rec.fine_min is not None and rec.fine_max is not None and not rec.exempt:
        fine = rng.randint(rec.fine_min // 1000, max(rec.fine_min, rec.fine_max) // 1000) * 1000
        fine = max(fine, rec.fine_min)
        if rng.random() < 0.08:
            fine = max(0, rec.fine_min - rng.randint(1, 5) * 10_000) or None
            reason = "当事人主动召回全部涉案产品并积极赔偿，社会危害较小，经集体讨论予以从轻。"
    if rec.person_ban_years is not None and not bans:
        reason = reason or "责任人员已离职且无法确认其身份，暂不作出禁业处罚。"
    data = DecisionCreate(
        violation_code=code,
        circumstances=circumstances,
        goods_value=value,
        decision_kind=DecisionKind.NO_PENALTY if rec.exempt else DecisionKind.PENALTY,
        review_opinion="事实清楚，证据确凿，定性准确，适用依据正确，程序合法，裁量适当。",
        fine_amount=fine,
        warning=rec.warning or (not rec.exempt and not fine and not rec.confiscation),
        confiscation=rec.confiscation,
        revocation=rec.revocation,
        departure_reason=reason,
        bans=bans,
        on=on,
    )
    decisions.decide(session, actor, case_id, data)
