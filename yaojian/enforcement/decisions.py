"""The decision (处罚决定): discretion checked, bans on persons recorded, published (双公示)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.permissions import Action
from yaojian.enforcement import service
from yaojian.enforcement.choices import CaseStage, DecisionKind, TransferStatus
from yaojian.enforcement.discretion import Recommendation, departures, recommend, require_reason
from yaojian.enforcement.models import Case, PersonBan
from yaojian.enforcement.schemas import DecisionCreate, RecommendationRead
from yaojian.kit.errors import Conflict, InvalidInput
from yaojian.kit.timeutil import today_local, utcnow
from yaojian.registry.models import Person, Region


def recommendation_read(rec: Recommendation, locale: str = "zh") -> RecommendationRead:
    return RecommendationRead(
        violation_code=rec.violation.code,
        violation=rec.violation.title(locale),
        basis=rec.violation.basis,
        band=rec.band.value,
        band_label=rec.band.label(locale),
        serious=rec.serious,
        statutory_min=rec.statutory_min,
        statutory_max=rec.statutory_max,
        fine_min=rec.fine_min,
        fine_max=rec.fine_max,
        warning=rec.warning,
        confiscation=rec.confiscation,
        revocation=rec.revocation,
        person_ban_years=rec.person_ban_years,
        reasons=rec.reasons,
    )


def _decision_number(session: Session, case: Case, on: dt.date) -> str:
    region = session.get(Region, case.region_code)
    count = session.scalar(
        select(func.count()).where(
            Case.region_code == case.region_code,
            Case.decision_number.contains(f"〔{on.year}〕"),
        )
    )
    name = region.name if region else case.region_code
    return f"{name}市监药罚〔{on.year}〕{(count or 0) + 1}号"


def _ban_departures(rec: Recommendation, data: DecisionCreate) -> list[str]:
    if data.decision_kind is DecisionKind.NO_PENALTY:
        return []
    if rec.person_ban_years is not None and not data.bans:
        years = "终身" if rec.person_ban_years == 0 else f"{rec.person_ban_years}年"
        return [f"未对责任人员作出禁业处罚（建议{years}）"]
    if rec.person_ban_years is None and data.bans:
        return ["对责任人员作出禁业处罚，而该违法行为的建议不含禁业"]
    return []


def decide(session: Session, actor: Actor, case_id: int, data: DecisionCreate) -> Case:
    """处罚决定 after 法制审核. The chosen penalty is compared with the recommendation; a
    departure needs a written reason (422 naming ``departure_reason``)."""
    case = service.load_for(session, actor, case_id, Action.CASE_DECIDE)
    service.require_stage(case, "decide_after_legal_review", CaseStage.LEGAL_REVIEW)
    if len(data.review_opinion.strip()) < 2:
        raise InvalidInput(
            "review_opinion", "the legal review's opinion (法制审核意见) is required"
        )
    on = data.on or today_local()
    service.not_before(on, case.filed_on, "on", "the filing")
    rec = recommend(data.violation_code, data.circumstances, data.goods_value)
    no_penalty = data.decision_kind is DecisionKind.NO_PENALTY
    fine = None if no_penalty else data.fine_amount
    if no_penalty and (data.fine_amount or data.warning or data.confiscation or data.revocation):
        raise InvalidInput("decision_kind", "a decision not to penalise imposes nothing")
    if not no_penalty and not (fine or data.warning or data.confiscation or data.revocation):
        raise InvalidInput("fine_amount", "a penalty decision imposes at least one penalty")
    if fine and case.transfer_status is TransferStatus.PENDING:
        # 行政执法机关移送涉嫌犯罪案件的规定 第十一条: no fine in place of the transfer.
        raise Conflict(
            "no_fine_while_transferred: the case awaits public security's reply; a fine is "
            "not decided in place of the transfer",
            "no_fine_while_transferred",
        )
    found = departures(rec, no_penalty=no_penalty, fine_amount=fine)
    found += _ban_departures(rec, data)
    require_reason(found, data.departure_reason)
    persons = {}
    for ban in data.bans:
        person = session.get(Person, ban.person_id)
        if person is None:
            raise InvalidInput("bans.person_id", f"no person {ban.person_id} in the registry")
        if ban.lifetime == (ban.years is not None):
            raise InvalidInput("bans.years", "a ban is either for life or for a number of years")
        persons[ban.person_id] = person
    before = snapshot(case)
    case.stage = CaseStage.DECIDED
    case.review_opinion = data.review_opinion.strip()
    case.decision_number = _decision_number(session, case, on)
    case.decided_on = on
    case.decision_kind = data.decision_kind
    case.violation_code = rec.violation.code
    case.legal_basis = rec.violation.basis
    case.circumstances = list(dict.fromkeys(data.circumstances))
    case.goods_value = data.goods_value
    case.recommended = _recommended_json(rec)
    case.fine_amount = fine
    case.warning, case.confiscation, case.revocation = (
        data.warning and not no_penalty,
        data.confiscation and not no_penalty,
        data.revocation and not no_penalty,
    )
    case.departure_reason = data.departure_reason.strip() if found else ""
    # 双公示: a penalty is public once decided; a decision not to penalise is not a penalty.
    case.published_at = None if no_penalty else utcnow()
    note = "；".join(found) if found else "按裁量建议"
    service.step(session, actor, case, "decide", before, CaseStage.LEGAL_REVIEW, on, note)
    for ban in data.bans:
        row = PersonBan(
            case_id=case.id,
            person_id=ban.person_id,
            region_code=case.region_code,
            scope=ban.scope,
            starts_on=on,
            ends_on=None if ban.lifetime else _add_years(on, ban.years or 0),
            lifetime=ban.lifetime,
            basis=rec.violation.basis,
        )
        session.add(row)
        session.flush()
        record(session, actor, "person_ban.create", "enforcement_person_ban", row.id, None,
               snapshot(row))  # fmt: skip
    return case


def _add_years(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year + years)
    except ValueError:  # 29 February
        return on.replace(year=on.year + years, day=28)


def _recommended_json(rec: Recommendation) -> dict[str, Any]:
    fields = dataclasses.asdict(rec)
    fields["violation"] = rec.violation.code
    fields["band"] = rec.band.value
    return fields
