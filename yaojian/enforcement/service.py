"""The case workflow: open a case from a lead, file it, investigate, review, serve, execute,
transfer and close. Every step is authorised, audited and checked against the workflow's rules;
an illegal step is a 409 naming the rule. The decision itself is in decisions.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible, scoped
from yaojian.enforcement.choices import (
    CaseStage,
    ClosureReason,
    DecisionKind,
    LeadKind,
    TransferStatus,
)
from yaojian.enforcement.config import limits
from yaojian.enforcement.models import Case, CaseEvent
from yaojian.enforcement.schemas import (
    CaseOpen,
    Extension,
    Findings,
    NotFiled,
    StepNote,
    Transfer,
    TransferReply,
)
from yaojian.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from yaojian.kit.pagination import PageParams, paginate
from yaojian.kit.timeutil import today_local
from yaojian.registry.models import Enterprise, Region
from yaojian.registry.service import require_county
from yaojian.signals import service as signals
from yaojian.signals.models import RiskSignal, SignalStatus

OPEN_STAGES = (
    CaseStage.LEAD,
    CaseStage.INVESTIGATION,
    CaseStage.LEGAL_REVIEW,
    CaseStage.DECIDED,
    CaseStage.EXECUTION,
)


def is_case_staff(actor: Actor) -> bool:
    """Regulators and inspectors read case files; enterprises and the public read decisions."""
    return actor.is_regulator


# ---------------------------------------------------------------- reads


def case_query(
    actor: Actor,
    *,
    stage: CaseStage | None = None,
    enterprise_id: int | None = None,
    open_only: bool = False,
) -> Select[Any]:
    stmt = select(Case).order_by(Case.opened_at.desc(), Case.id.desc())
    if stage is not None:
        stmt = stmt.where(Case.stage == stage)
    if open_only:
        stmt = stmt.where(Case.stage != CaseStage.CLOSED)
    if enterprise_id is not None:
        stmt = stmt.where(Case.enterprise_id == enterprise_id)
    if not is_case_staff(actor):
        # Whatever the scope rule lets through, only decisions leave the regulator.
        stmt = stmt.where(Case.decided_on.is_not(None))
    return scoped(stmt, actor, Case)


def list_cases(
    session: Session,
    actor: Actor,
    params: PageParams,
    *,
    stage: CaseStage | None = None,
    enterprise_id: int | None = None,
    open_only: bool = False,
) -> tuple[list[Case], int]:
    if not is_case_staff(actor):
        raise Forbidden("case files are the regulators'; an enterprise reads its decisions")
    stmt = case_query(actor, stage=stage, enterprise_id=enterprise_id, open_only=open_only)
    return paginate(session, stmt, params)


def get_case(session: Session, actor: Actor, case_id: int) -> Case:
    """The case file: regulators and inspectors of its jurisdiction only (else 404)."""
    if not is_case_staff(actor):
        raise NotFound("case", case_id)
    return get_visible(session, actor, Case, case_id, "case")


def stage_counts(session: Session, actor: Actor) -> dict[CaseStage, int]:
    stmt = scoped(select(Case.stage, func.count()).group_by(Case.stage), actor, Case)
    return {stage: count for stage, count in session.execute(stmt)}


def transfer_counts(session: Session, actor: Actor) -> dict[TransferStatus, int]:
    """行刑衔接 indicator: cases transferred to public security, by the reply received."""
    stmt = scoped(
        select(Case.transfer_status, func.count()).group_by(Case.transfer_status), actor, Case
    )
    return {status: count for status, count in session.execute(stmt)}


# ---------------------------------------------------------------- helpers


def step(
    session: Session,
    actor: Actor,
    case: Case,
    action: str,
    before: dict[str, Any],
    from_stage: CaseStage | None,
    on: dt.date,
    note: str = "",
) -> Case:
    session.flush()
    session.add(
        CaseEvent(
            case_id=case.id,
            region_code=case.region_code,
            happened_on=on,
            actor=actor.audit_label(),
            action=action,
            from_stage=from_stage,
            to_stage=case.stage,
            note=note,
        )
    )
    session.flush()
    record(session, actor, f"case.{action}", "enforcement_case", case.id, before, snapshot(case))
    return case


def load_for(session: Session, actor: Actor, case_id: int, action: Action) -> Case:
    case = get_case(session, actor, case_id)
    authorize(actor, action, case.region_code)
    return case


def require_stage(case: Case, rule: str, *stages: CaseStage) -> None:
    if case.stage not in stages:
        allowed = "、".join(s.zh for s in stages)
        raise Conflict(
            f"{rule}: this step is allowed at {allowed}; the case is at {case.stage.zh}", rule
        )


def not_before(on: dt.date, earlier: dt.date | None, field: str, what: str) -> None:
    if earlier is not None and on < earlier:
        raise InvalidInput(field, f"{on} is before {what} ({earlier})")


def _next_number(session: Session, region: Region, year: int) -> str:
    count = session.scalar(
        select(func.count()).where(
            Case.region_code == region.code, Case.number.contains(f"〔{year}〕")
        )
    )
    return f"{region.code}药案〔{year}〕{(count or 0) + 1:04d}号"


# ---------------------------------------------------------------- opening from a lead


def open_case(session: Session, actor: Actor, data: CaseOpen) -> Case:
    """Record a lead as a case in 线索核查; the 15-working-day clock runs from its discovery."""
    signal: RiskSignal | None = None
    if data.signal_id is not None:
        if data.lead_kind is not LeadKind.SIGNAL:
            raise InvalidInput("lead_kind", "a case opened from a risk signal has lead_kind signal")
        signal = get_visible(session, actor, RiskSignal, data.signal_id, "signal")
        taken = session.scalar(select(Case.number).where(Case.signal_id == signal.id))
        if taken:
            raise Conflict(
                f"signal_has_case: signal {signal.id} is already the lead of case {taken}",
                "signal_has_case",
            )
    elif data.lead_kind is LeadKind.SIGNAL:
        raise InvalidInput("signal_id", "a lead of kind signal names the signal")
    enterprise_id = data.enterprise_id or (signal.enterprise_id if signal else None)
    enterprise: Enterprise | None = None
    if enterprise_id is not None:
        enterprise = get_visible(session, actor, Enterprise, enterprise_id, "enterprise")
        region_code = enterprise.region_code
        party = data.party_name or enterprise.name
    else:
        code = data.region_code or (signal.region_code if signal else None)
        if code is None:
            raise InvalidInput("region_code", "name the enterprise, or the county of the party")
        region_code = code
        party = data.party_name
        if not party:
            raise InvalidInput("party_name", "a party outside the registry is named")
    region = require_county(session, region_code)
    authorize(actor, Action.CASE_HANDLE, region.code)
    today = today_local()
    discovered = data.discovered_on or today
    if discovered > today:
        raise InvalidInput("discovered_on", "a lead is not discovered in the future")
    case = Case(
        number=_next_number(session, region, discovered.year),
        region_code=region.code,
        enterprise_id=enterprise.id if enterprise else None,
        party_name=party,
        stage=CaseStage.LEAD,
        lead_kind=data.lead_kind,
        lead_ref=data.lead_ref or (str(signal.id) if signal else ""),
        signal_id=signal.id if signal else None,
        summary=data.summary,
        discovered_on=discovered,
        opened_by=actor.audit_label(),
        circumstances=[],
    )
    session.add(case)
    session.flush()
    step(session, actor, case, "open", {}, None, discovered, data.summary)
    if signal is not None and signal.status is SignalStatus.OPEN:
        signals.set_status(
            session, actor, signal.id, SignalStatus.ACKNOWLEDGED, f"线索核查：案件 {case.number}"
        )
    return case


# ---------------------------------------------------------------- 立案 or not


def file_case(session: Session, actor: Actor, case_id: int, data: StepNote) -> Case:
    """立案, approved by the regulator's head; the 90-day decision clock starts."""
    case = load_for(session, actor, case_id, Action.CASE_DECIDE)
    require_stage(case, "file_from_lead", CaseStage.LEAD)
    on = data.on or today_local()
    not_before(on, case.discovered_on, "on", "the lead's discovery")
    before = snapshot(case)
    case.stage, case.filed_on = CaseStage.INVESTIGATION, on
    return step(session, actor, case, "file", before, CaseStage.LEAD, on, data.note)


def not_file(session: Session, actor: Actor, case_id: int, data: NotFiled) -> Case:
    """不予立案: the lead is closed with the reason."""
    case = load_for(session, actor, case_id, Action.CASE_DECIDE)
    require_stage(case, "not_file_from_lead", CaseStage.LEAD)
    on = data.on or today_local()
    before = snapshot(case)
    case.stage, case.closed_on, case.closure_reason = CaseStage.CLOSED, on, ClosureReason.NOT_FILED
    step(session, actor, case, "not_file", before, CaseStage.LEAD, on, data.note)
    _close_signal(session, actor, case)
    return case


def extend(session: Session, actor: Actor, case_id: int, data: Extension) -> Case:
    """Extend the lead check (15 working days, once) or the decision limit (30 days with the
    head's approval; further only by collective discussion, which sets the days)."""
    case = load_for(session, actor, case_id, Action.CASE_DECIDE)
    rule = limits().clocks[data.clock]
    on = data.on or today_local()
    before = snapshot(case)
    if data.clock == "lead_check":
        require_stage(case, "extend_lead_in_lead", CaseStage.LEAD)
        if case.lead_extensions >= rule.max_extensions:
            raise Conflict(
                "lead_extension_used: the lead check may be extended only once "
                f"({rule.extension_days} working days)",
                "lead_extension_used",
            )
        case.lead_extensions += 1
        note = f"延长{rule.extension_days}个工作日：{data.reason}"
    else:
        require_stage(
            case, "extend_decision_before_decision", CaseStage.INVESTIGATION, CaseStage.LEGAL_REVIEW
        )
        if case.decision_extensions < rule.max_extensions:
            days = rule.extension_days
            if data.days is not None and data.days != days:
                raise InvalidInput("days", f"the first extension is {days} days")
        else:
            if not (rule.further_by_collective_discussion and data.collective_discussion):
                raise Conflict(
                    "further_extension_needs_collective_discussion: the decision limit was "
                    "extended already; a further extension is decided by the heads' collective "
                    "discussion",
                    "further_extension_needs_collective_discussion",
                )
            if data.days is None:
                raise InvalidInput("days", "the collective discussion sets the days of the delay")
            days = data.days
        case.decision_extensions += 1
        case.decision_extra_days += days
        note = f"延长{days}日" + ("（集体讨论）" if data.collective_discussion else "")
        note += f"：{data.reason}"
    return step(session, actor, case, f"extend_{data.clock}", before, case.stage, on, note)


# ---------------------------------------------------------------- investigation → review


def submit_for_review(session: Session, actor: Actor, case_id: int, data: Findings) -> Case:
    """调查终结: the facts found go to 法制审核."""
    case = load_for(session, actor, case_id, Action.CASE_HANDLE)
    require_stage(case, "review_after_investigation", CaseStage.INVESTIGATION)
    if len(data.findings.strip()) < 10:
        raise InvalidInput("findings", "write the facts the investigation found (调查终结报告)")
    on = data.on or today_local()
    not_before(on, case.filed_on, "on", "the filing")
    before = snapshot(case)
    case.stage, case.findings = CaseStage.LEGAL_REVIEW, data.findings.strip()
    return step(session, actor, case, "submit_review", before, CaseStage.INVESTIGATION, on)


def return_to_investigation(session: Session, actor: Actor, case_id: int, data: NotFiled) -> Case:
    """法制审核 sends the case back for more evidence."""
    case = load_for(session, actor, case_id, Action.CASE_DECIDE)
    require_stage(case, "return_from_review", CaseStage.LEGAL_REVIEW)
    on = data.on or today_local()
    before = snapshot(case)
    case.stage = CaseStage.INVESTIGATION
    return step(session, actor, case, "return", before, CaseStage.LEGAL_REVIEW, on, data.note)


# ---------------------------------------------------------------- after the decision


def serve(session: Session, actor: Actor, case_id: int, data: StepNote) -> Case:
    """送达 the decision to the party; the party's 15 days to pay run from here."""
    case = load_for(session, actor, case_id, Action.CASE_HANDLE)
    require_stage(case, "serve_after_decision", CaseStage.DECIDED)
    on = data.on or today_local()
    not_before(on, case.decided_on, "on", "the decision")
    before = snapshot(case)
    case.stage, case.served_on = CaseStage.EXECUTION, on
    return step(session, actor, case, "serve", before, CaseStage.DECIDED, on, data.note)


def record_execution(session: Session, actor: Actor, case_id: int, data: StepNote) -> Case:
    """执行完毕: the fine paid, goods confiscated, the licence revoked."""
    case = load_for(session, actor, case_id, Action.CASE_HANDLE)
    require_stage(case, "execute_after_service", CaseStage.EXECUTION)
    if case.executed_on is not None:
        raise Conflict("already_executed: the execution is recorded", "already_executed")
    on = data.on or today_local()
    not_before(on, case.served_on, "on", "the service")
    before = snapshot(case)
    case.executed_on = on
    return step(session, actor, case, "execute", before, CaseStage.EXECUTION, on, data.note)


def close(session: Session, actor: Actor, case_id: int, data: StepNote) -> Case:
    """结案: after the penalty is executed, after a decision not to penalise, or when public
    security has accepted the transferred case. Anything else is refused naming the rule."""
    case = load_for(session, actor, case_id, Action.CASE_DECIDE)
    if case.stage is CaseStage.CLOSED:
        raise Conflict("case_closed: the case is closed already", "case_closed")
    if case.decision_kind is None:
        if case.transfer_status is not TransferStatus.ACCEPTED:
            raise Conflict(
                "close_requires_decision: a case is closed only after a decision (or when "
                "public security has accepted its transfer)",
                "close_requires_decision",
            )
        reason = ClosureReason.TRANSFERRED
    elif case.decision_kind is DecisionKind.NO_PENALTY:
        reason = ClosureReason.NO_PENALTY
    else:
        if case.executed_on is None:
            raise Conflict(
                "close_requires_execution: a penalty decision is closed once it is executed",
                "close_requires_execution",
            )
        reason = ClosureReason.EXECUTED
    on = data.on or today_local()
    before = snapshot(case)
    from_stage = case.stage
    case.stage, case.closed_on, case.closure_reason = CaseStage.CLOSED, on, reason
    step(session, actor, case, "close", before, from_stage, on, data.note)
    _close_signal(session, actor, case)
    return case


def _close_signal(session: Session, actor: Actor, case: Case) -> None:
    if case.signal_id is None:
        return
    signal = session.get(RiskSignal, case.signal_id)
    if signal is None or signal.status not in (SignalStatus.OPEN, SignalStatus.ACKNOWLEDGED):
        return
    # A lead that was not filed did not hold up; a closed case disposed of the signal.
    not_filed = case.closure_reason is ClosureReason.NOT_FILED
    outcome = SignalStatus.DISMISSED if not_filed else SignalStatus.CLOSED
    reason = case.closure_reason.zh if case.closure_reason else ""
    signals.set_status(session, actor, signal.id, outcome, f"案件 {case.number} {reason}")


# ---------------------------------------------------------------- 行刑衔接


def transfer(session: Session, actor: Actor, case_id: int, data: Transfer) -> Case:
    """Transfer a suspected crime to public security; the reply is tracked."""
    case = load_for(session, actor, case_id, Action.CASE_DECIDE)
    if case.stage is CaseStage.CLOSED:
        raise Conflict("case_closed: a closed case is not transferred", "case_closed")
    if case.transfer_status in (TransferStatus.PENDING, TransferStatus.ACCEPTED):
        raise Conflict(
            f"transfer_exists: the case is {case.transfer_status.en} already", "transfer_exists"
        )
    on = data.on or today_local()
    not_before(on, case.discovered_on, "on", "the lead's discovery")
    before = snapshot(case)
    case.transfer_status, case.transferred_on = TransferStatus.PENDING, on
    case.transfer_unit, case.transfer_note = data.receiving_unit, data.note
    case.transfer_reply_on = None
    return step(
        session, actor, case, "transfer", before, case.stage, on, f"移送{data.receiving_unit}"
    )


def transfer_reply(session: Session, actor: Actor, case_id: int, data: TransferReply) -> Case:
    case = load_for(session, actor, case_id, Action.CASE_HANDLE)
    if case.transfer_status is not TransferStatus.PENDING:
        raise Conflict(
            "reply_needs_pending_transfer: the case awaits no reply from public security",
            "reply_needs_pending_transfer",
        )
    on = data.on or today_local()
    not_before(on, case.transferred_on, "on", "the transfer")
    before = snapshot(case)
    case.transfer_status = TransferStatus.ACCEPTED if data.accepted else TransferStatus.DECLINED
    case.transfer_reply_on = on
    if data.note:
        case.transfer_note = data.note
    return step(
        session, actor, case, "transfer_reply", before, case.stage, on, case.transfer_status.zh
    )
