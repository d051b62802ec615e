"""The stage workflow: from a lead to closure, and the steps it refuses (409 naming the rule)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN, make_enterprise
from tests.enforcement.builders import decide, decided, open_case, to_legal_review
from yaojian.audit.chain import verify
from yaojian.audit.models import AuditEntry
from yaojian.enforcement import service
from yaojian.enforcement.choices import CaseStage, ClosureReason, LeadKind, TransferStatus
from yaojian.enforcement.models import CaseEvent
from yaojian.enforcement.schemas import (
    Extension,
    Findings,
    NotFiled,
    StepNote,
    Transfer,
    TransferReply,
)
from yaojian.kit.errors import Conflict, InvalidInput
from yaojian.signals.models import SignalStatus, SubjectType
from yaojian.signals.service import SignalReport, emit


def rule_of(exc: pytest.ExceptionInfo[Conflict]) -> str:
    return exc.value.invalid_params[0].name


def test_a_case_runs_from_lead_to_closure_and_every_step_is_audited(session: Session) -> None:
    enterprise = make_enterprise(session)
    case = decided(session, enterprise)
    assert case.stage is CaseStage.DECIDED and case.decision_number
    assert case.published_at is not None
    service.serve(session, ADMIN, case.id, StepNote())
    service.record_execution(session, ADMIN, case.id, StepNote(note="罚款已缴清"))
    service.close(session, ADMIN, case.id, StepNote())
    assert case.stage is CaseStage.CLOSED and case.closure_reason is ClosureReason.EXECUTED
    steps = session.scalars(
        select(CaseEvent.action).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    assert list(steps) == [
        "open", "file", "submit_review", "decide", "serve", "execute", "close",
    ]  # fmt: skip
    audited = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "enforcement_case", AuditEntry.object_id == str(case.id)
        )
    )
    assert "case.close" in set(audited)
    assert verify(session).ok


def test_it_refuses_to_close_a_case_with_no_decision(session: Session) -> None:
    case = to_legal_review(session, make_enterprise(session))
    with pytest.raises(Conflict) as refused:
        service.close(session, ADMIN, case.id, StepNote())
    assert rule_of(refused) == "close_requires_decision"


def test_it_refuses_to_close_a_penalty_that_is_not_executed(session: Session) -> None:
    case = decided(session, make_enterprise(session))
    service.serve(session, ADMIN, case.id, StepNote())
    with pytest.raises(Conflict) as refused:
        service.close(session, ADMIN, case.id, StepNote())
    assert rule_of(refused) == "close_requires_execution"


def test_steps_out_of_order_are_refused_naming_the_rule(session: Session) -> None:
    case = open_case(session, make_enterprise(session))
    with pytest.raises(Conflict) as review:
        service.submit_for_review(session, ADMIN, case.id, Findings(findings="x" * 20))
    assert rule_of(review) == "review_after_investigation"
    with pytest.raises(Conflict) as decision:
        decide(session, case)
    assert rule_of(decision) == "decide_after_legal_review"
    with pytest.raises(Conflict) as serving:
        service.serve(session, ADMIN, case.id, StepNote())
    assert rule_of(serving) == "serve_after_decision"
    service.file_case(session, ADMIN, case.id, StepNote())
    with pytest.raises(Conflict) as refile:
        service.file_case(session, ADMIN, case.id, StepNote())
    assert rule_of(refile) == "file_from_lead"


def test_legal_review_needs_the_facts_found(session: Session) -> None:
    case = open_case(session, make_enterprise(session))
    service.file_case(session, ADMIN, case.id, StepNote())
    with pytest.raises(InvalidInput) as refused:
        service.submit_for_review(session, ADMIN, case.id, Findings(findings="  "))
    assert refused.value.invalid_params[0].name == "findings"


def test_a_lead_not_filed_is_closed_and_can_no_longer_be_filed(session: Session) -> None:
    case = open_case(session, make_enterprise(session))
    service.not_file(session, ADMIN, case.id, NotFiled(note="经核查，温度记录已补齐，不构成违法"))
    assert case.closure_reason is ClosureReason.NOT_FILED
    with pytest.raises(Conflict):
        service.file_case(session, ADMIN, case.id, StepNote())


def test_extensions_follow_the_rules_of_the_time_limits(session: Session) -> None:
    case = open_case(session, make_enterprise(session))
    service.extend(session, ADMIN, case.id, Extension(clock="lead_check", reason="需调取外地证据"))
    with pytest.raises(Conflict) as twice:
        service.extend(session, ADMIN, case.id, Extension(clock="lead_check", reason="再延"))
    assert rule_of(twice) == "lead_extension_used"
    service.file_case(session, ADMIN, case.id, StepNote())
    service.extend(session, ADMIN, case.id, Extension(clock="decision", reason="案情复杂"))
    assert case.decision_extra_days == 30
    with pytest.raises(Conflict) as further:
        service.extend(session, ADMIN, case.id, Extension(clock="decision", reason="仍需鉴定"))
    assert rule_of(further) == "further_extension_needs_collective_discussion"
    service.extend(
        session, ADMIN, case.id,
        Extension(clock="decision", reason="等待检验报告", collective_discussion=True, days=45),
    )  # fmt: skip
    assert case.decision_extra_days == 75


def test_a_case_transferred_and_accepted_by_public_security_closes_without_a_decision(
    session: Session,
) -> None:
    case = open_case(session, make_enterprise(session))
    service.file_case(session, ADMIN, case.id, StepNote())
    service.transfer(session, ADMIN, case.id, Transfer(receiving_unit="杭州市公安局西湖区分局"))
    assert case.transfer_status is TransferStatus.PENDING
    with pytest.raises(Conflict) as again:
        service.transfer(session, ADMIN, case.id, Transfer(receiving_unit="另一分局"))
    assert rule_of(again) == "transfer_exists"
    service.transfer_reply(session, ADMIN, case.id, TransferReply(accepted=True))
    service.close(session, ADMIN, case.id, StepNote())
    assert case.closure_reason is ClosureReason.TRANSFERRED
    assert service.transfer_counts(session, ADMIN)[TransferStatus.ACCEPTED] == 1


def test_no_fine_is_decided_while_the_transfer_awaits_a_reply(session: Session) -> None:
    case = to_legal_review(session, make_enterprise(session))
    service.transfer(session, ADMIN, case.id, Transfer(receiving_unit="杭州市公安局西湖区分局"))
    with pytest.raises(Conflict) as refused:
        decide(session, case)
    assert rule_of(refused) == "no_fine_while_transferred"


def test_a_case_opened_from_a_signal_acknowledges_it_and_closing_disposes_of_it(
    session: Session,
) -> None:
    enterprise = make_enterprise(session)
    signal, _ = emit(
        session, ADMIN,
        SignalReport(source="test", kind="k", subject_type=SubjectType.ENTERPRISE,
                     subject_id=str(enterprise.id), severity=3, title="抽检不合格",
                     dedupe_key=f"t:{enterprise.id}", enterprise_id=enterprise.id),
    )  # fmt: skip
    case = open_case(
        session, enterprise, lead_kind=LeadKind.SIGNAL, signal_id=signal.id, enterprise_id=None,
        lead_ref="",
    )  # fmt: skip
    assert case.enterprise_id == enterprise.id and case.lead_ref == str(signal.id)
    assert signal.status is SignalStatus.ACKNOWLEDGED
    with pytest.raises(Conflict) as twice:
        open_case(session, enterprise, lead_kind=LeadKind.SIGNAL, signal_id=signal.id)
    assert rule_of(twice) == "signal_has_case"
    service.not_file(session, ADMIN, case.id, NotFiled(note="线索不实"))
    assert signal.status is SignalStatus.DISMISSED
