"""The complaints desk: receive (anyone), route, decide, handle, reply, close, transfer.

Every step is checked against the workflow here and nowhere else; an illegal step raises a 409
whose detail names the rule (``rule workflow.reply-after-acceptance: …``). Deadlines are
recomputed at each step from rules.toml and stored on the complaint (``due_on``).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import scoped
from yaojian.complaints import detectors
from yaojian.complaints.choices import (
    ComplaintKind,
    ComplaintStatus,
    DeadlineState,
    EntryKind,
    Routing,
)
from yaojian.complaints.models import Complaint, ComplaintEntry
from yaojian.complaints.rules import add_working_days, rules, working_days_between
from yaojian.complaints.schemas import ComplaintCreate, Decision, TrackingView
from yaojian.kit.errors import Conflict, InvalidInput, NotFound
from yaojian.kit.pagination import PageParams, paginate
from yaojian.kit.timeutil import to_local, today_local, utcnow
from yaojian.registry import identifiers
from yaojian.registry.choices import RegionLevel
from yaojian.registry.models import Enterprise, Product, Region
from yaojian.registry.service import require_county, require_region
from yaojian.trace.codes import parse_code

# Crockford's base32 without I, L, O, U: read aloud over the phone without confusion.
_TOKEN_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_NUMBER = re.compile(r"^(TS|JB)\d{8}-[0-9A-HJKMNP-TV-Z]{10}$")
_OPEN = (ComplaintStatus.ACCEPTED, ComplaintStatus.HANDLING)


class WorkflowConflict(Conflict):
    """An illegal step of the workflow; ``rule`` is the name docs/complaints.md lists it under."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(f"rule workflow.{rule}: {detail}", name="status")
        self.rule = rule


# ---------------------------------------------------------------- receiving


def _tracking_number(kind: ComplaintKind, day: dt.date, rng: random.Random | None) -> str:
    prefix = "TS" if kind is ComplaintKind.COMPLAINT else "JB"
    choose = rng.choice if rng is not None else secrets.choice
    token = "".join(choose(_TOKEN_ALPHABET) for _ in range(10))  # 50 random bits
    return f"{prefix}{day:%Y%m%d}-{token}"


def resolve_enterprise(session: Session, text: str) -> Enterprise | None:
    """The registry's enterprise named by credit code, exact name, or a unique part of a name."""
    value = text.strip()
    if re.fullmatch(r"[0-9A-Za-z]{18}", value):
        code = identifiers.credit_code(value, field="enterprise")
        return session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).first()
    exact = session.scalars(select(Enterprise).where(Enterprise.name == value).limit(2)).all()
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1 or len(value) < 4:
        return None
    like = session.scalars(
        select(Enterprise).where(Enterprise.name.contains(value, autoescape=True)).limit(2)
    ).all()
    return like[0] if len(like) == 1 else None


def resolve_product(
    session: Session, product_text: str, pack_code: str
) -> tuple[Product | None, str | None]:
    """The product (and the lot a pack code carries) from a pack code or an approval number."""
    if pack_code:
        try:
            code = parse_code(pack_code)
        except InvalidInput as exc:
            raise InvalidInput("pack_code", exc.invalid_params[0].reason) from None
        matches: list[ColumnElement[bool]] = []
        if code.gtin:
            matches += [Product.gtin == code.gtin, Product.udi_di == code.gtin]
        if code.cn_product_prefix:
            matches.append(Product.cn_prefix == code.cn_product_prefix)
        product = session.scalars(select(Product).where(or_(*matches))).first() if matches else None
        if product is not None:
            return product, code.lot
    text = product_text.strip()
    if text.startswith("国药准字"):
        number = identifiers.approval_number(text, field="product")
        return session.scalars(
            select(Product).where(Product.approval_number == number)
        ).first(), None
    if text:
        named = session.scalars(select(Product).where(Product.name == text).limit(2)).all()
        if len(named) == 1:
            return named[0], None
    return None, None


def _province(session: Session) -> Region:
    region = session.scalars(select(Region).where(Region.level == RegionLevel.PROVINCE)).first()
    if region is None:
        raise LookupError("the regions are not loaded")
    return region


def _entry(
    complaint: Complaint,
    actor: Actor,
    kind: EntryKind,
    text: str = "",
    at: dt.datetime | None = None,
    **regions: str | None,
) -> None:
    complaint.entries.append(
        ComplaintEntry(
            actor=actor.audit_label(), kind=kind, text=text, at=at or utcnow(), **regions
        )
    )


def submit(
    session: Session,
    actor: Actor,
    data: ComplaintCreate,
    *,
    channel: str = "web",
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
) -> Complaint:
    """Receive a complaint, route it to a desk, start its first deadline, check for a cluster.

    ``rng`` draws the tracking number reproducibly (the demo); by default it comes from
    ``secrets``, so that numbers cannot be predicted."""
    authorize(actor, Action.COMPLAINT_SUBMIT)
    now = now or utcnow()
    if data.kind is ComplaintKind.COMPLAINT:
        # 办法 第九条: a complaint names the complainant and a way to reach them.
        if not data.contact_name:
            raise InvalidInput("contact_name", "a complaint (投诉) needs the complainant's name")
        if not data.contact_phone:
            raise InvalidInput("contact_phone", "a complaint (投诉) needs a telephone number")
    enterprise = resolve_enterprise(session, data.enterprise)
    product, lot = resolve_product(session, data.product, data.pack_code)
    complainant_region = None
    if data.region_code:
        complainant_region = require_county(session, data.region_code).code
    if enterprise is not None:
        region_code, routing = enterprise.region_code, Routing.ENTERPRISE
    elif complainant_region is not None:
        region_code, routing = complainant_region, Routing.COMPLAINANT
    else:
        region_code, routing = _province(session).code, Routing.PROVINCE
    received_on = to_local(now).date()
    complaint = Complaint(
        number=_tracking_number(data.kind, received_on, rng),
        kind=data.kind,
        status=ComplaintStatus.RECEIVED,
        channel=channel,
        received_at=now,
        enterprise_text=data.enterprise,
        enterprise_id=enterprise.id if enterprise else None,
        product_text=data.product,
        product_id=product.id if product else None,
        batch_number=data.batch_number or lot or "",
        pack_code=data.pack_code,
        description=data.description,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        contact_address=data.contact_address,
        region_code=region_code,
        routing=routing,
        complainant_region_code=complainant_region,
    )
    _set_first_deadline(complaint, received_on)
    _entry(complaint, actor, EntryKind.RECEIVED, routing.zh, at=now, to_region=region_code)
    session.add(complaint)
    session.flush()
    record(session, actor, "complaint.submit", "complaint", complaint.id, after=snapshot(complaint))
    detectors.detect_for(session, complaint)
    return complaint


def _set_first_deadline(complaint: Complaint, start: dt.date) -> None:
    if complaint.kind is ComplaintKind.COMPLAINT:
        complaint.due_on = add_working_days(start, rules().complaint.accept_within)
        complaint.due_rule = "complaint.accept_within"
    else:
        days = rules().report.decide_within + (
            rules().report.extension if complaint.extended else 0
        )
        complaint.due_on = add_working_days(start, days)
        complaint.due_rule = "report.decide_within"


def reply_owed(complaint: Complaint) -> bool:
    """A complainant is always told the outcome; a reporter only when they gave their name."""
    return complaint.kind is ComplaintKind.COMPLAINT or complaint.named


# ---------------------------------------------------------------- the desk's steps


def _for_handling(
    session: Session, actor: Actor, complaint_id: int
) -> tuple[Complaint, dict[str, Any]]:
    complaint = get_complaint(session, actor, complaint_id)
    authorize(actor, Action.COMPLAINT_HANDLE, complaint.region_code)
    if complaint.status is ComplaintStatus.CLOSED:
        raise WorkflowConflict("closed-is-final", "the complaint is closed; nothing more is done")
    return complaint, snapshot(complaint)


def _audit(
    session: Session, actor: Actor, action: str, complaint: Complaint, before: dict[str, Any]
) -> None:
    session.flush()
    record(
        session,
        actor,
        f"complaint.{action}",
        "complaint",
        complaint.id,
        before,
        snapshot(complaint),
    )


def decide(
    session: Session,
    actor: Actor,
    complaint_id: int,
    decision: Decision,
    now: dt.datetime | None = None,
) -> Complaint:
    """受理 / 不予受理 (for a 举报: whether a case is opened). Made once, from "received"."""
    complaint, before = _for_handling(session, actor, complaint_id)
    if complaint.status is not ComplaintStatus.RECEIVED:
        raise WorkflowConflict(
            "decide-once", f"the decision was already made ({complaint.status.en})"
        )
    now = now or utcnow()
    today = to_local(now).date()
    complaint.decided_at = now
    if decision.accept:
        complaint.status = ComplaintStatus.ACCEPTED
        if complaint.kind is ComplaintKind.COMPLAINT:
            complaint.due_on = add_working_days(
                today, rules().complaint.reply_within_after_acceptance
            )
            complaint.due_rule = "complaint.reply_within_after_acceptance"
        elif complaint.named:
            complaint.due_on = add_working_days(today, rules().report.reply_within_after_decision)
            complaint.due_rule = "report.reply_within_after_decision"
        else:
            complaint.due_on, complaint.due_rule = None, ""
        _entry(complaint, actor, EntryKind.ACCEPTED, decision.note, at=now)
    else:
        if decision.reason is None:
            raise InvalidInput("reason", "say on which ground the complaint is not accepted")
        complaint.status = ComplaintStatus.NOT_ACCEPTED
        complaint.not_accepted_reason = decision.reason
        # The decision is the notice owed to the complainant: it is what the tracking page shows.
        complaint.public_reply = (
            "不予受理：" + decision.reason.zh + (f"。{decision.note}" if decision.note else "")
        )
        complaint.replied_at = now
        complaint.due_on, complaint.due_rule = None, ""
        _entry(complaint, actor, EntryKind.NOT_ACCEPTED, complaint.public_reply, at=now)
    _audit(session, actor, "decide", complaint, before)
    return complaint


def extend(
    session: Session, actor: Actor, complaint_id: int, note: str, now: dt.datetime | None = None
) -> Complaint:
    """Extend a 举报's verification period once (特殊情况, approved by the desk's head)."""
    complaint, before = _for_handling(session, actor, complaint_id)
    if complaint.kind is not ComplaintKind.REPORT:
        raise WorkflowConflict("extend-reports-only", "only a report's verification period extends")
    if complaint.status is not ComplaintStatus.RECEIVED:
        raise WorkflowConflict("extend-before-decision", "the decision has already been made")
    if complaint.extended:
        raise WorkflowConflict("extend-once", "the verification period was already extended")
    if not note.strip():
        raise InvalidInput("note", "say why the period is extended and who approved it")
    complaint.extended = True
    if complaint.due_on is not None:
        complaint.due_on = add_working_days(complaint.due_on, rules().report.extension)
    complaint.due_rule = "report.extension"
    _entry(complaint, actor, EntryKind.EXTENDED, note, at=now)
    _audit(session, actor, "extend", complaint, before)
    return complaint


def add_record(
    session: Session, actor: Actor, complaint_id: int, text: str, now: dt.datetime | None = None
) -> Complaint:
    """A step of handling (mediation call, site visit, verification): who, when, what."""
    complaint, before = _for_handling(session, actor, complaint_id)
    if complaint.status not in (*_OPEN, ComplaintStatus.REPLIED):
        raise WorkflowConflict(
            "record-after-acceptance", "handling is recorded once the complaint is accepted"
        )
    if complaint.status is ComplaintStatus.ACCEPTED:
        complaint.status = ComplaintStatus.HANDLING
    _entry(complaint, actor, EntryKind.RECORD, text, at=now)
    _audit(session, actor, "record", complaint, before)
    return complaint


def reply(
    session: Session, actor: Actor, complaint_id: int, text: str, now: dt.datetime | None = None
) -> Complaint:
    """The answer to the complainant; it is what the public tracking page shows."""
    complaint, before = _for_handling(session, actor, complaint_id)
    if complaint.status not in _OPEN:
        raise WorkflowConflict(
            "reply-after-acceptance",
            f"a reply follows acceptance; this complaint is {complaint.status.en}",
        )
    now = now or utcnow()
    complaint.status = ComplaintStatus.REPLIED
    complaint.public_reply = text
    complaint.replied_at = now
    complaint.due_on, complaint.due_rule = None, ""
    _entry(complaint, actor, EntryKind.REPLIED, text, at=now)
    _audit(session, actor, "reply", complaint, before)
    return complaint


def close(
    session: Session,
    actor: Actor,
    complaint_id: int,
    note: str = "",
    now: dt.datetime | None = None,
) -> Complaint:
    complaint, before = _for_handling(session, actor, complaint_id)
    if complaint.status is ComplaintStatus.RECEIVED:
        raise WorkflowConflict("close-after-decision", "decide whether to accept it first")
    if complaint.status in _OPEN and reply_owed(complaint):
        raise WorkflowConflict(
            "reply-before-close", "the complainant is owed a reply before the complaint closes"
        )
    now = now or utcnow()
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_at = now
    complaint.due_on, complaint.due_rule = None, ""
    _entry(complaint, actor, EntryKind.CLOSED, note, at=now)
    _audit(session, actor, "close", complaint, before)
    return complaint


def transfer(
    session: Session,
    actor: Actor,
    complaint_id: int,
    region_code: str,
    reason: str,
    now: dt.datetime | None = None,
) -> Complaint:
    """移送: hand a complaint to the desk with jurisdiction; its first deadline restarts there."""
    complaint, before = _for_handling(session, actor, complaint_id)
    if complaint.status is not ComplaintStatus.RECEIVED:
        raise WorkflowConflict(
            "transfer-before-decision", "a complaint is transferred before it is accepted"
        )
    target = require_region(session, region_code)
    if target.level is RegionLevel.CITY:
        raise InvalidInput("region_code", "transfer to a county desk or to the province desk")
    if target.code == complaint.region_code:
        raise InvalidInput("region_code", "the complaint is already at this desk")
    if not reason.strip():
        raise InvalidInput("reason", "say why the complaint is transferred")
    now = now or utcnow()
    source = complaint.region_code
    complaint.region_code = target.code
    complaint.routing = Routing.TRANSFER
    # The receiving desk's period runs from the day it receives the complaint.
    _set_first_deadline(complaint, to_local(now).date())
    _entry(
        complaint,
        actor,
        EntryKind.TRANSFERRED,
        reason,
        at=now,
        from_region=source,
        to_region=target.code,
    )
    _audit(session, actor, "transfer", complaint, before)
    return complaint


# ---------------------------------------------------------------- reading


def deadline_state(complaint: Complaint, today: dt.date | None = None) -> DeadlineState:
    if complaint.due_on is None or complaint.status is ComplaintStatus.CLOSED:
        return DeadlineState.NONE
    today = today or today_local()
    if complaint.due_on < today:
        return DeadlineState.OVERDUE
    if working_days_between(today, complaint.due_on) <= rules().near_working_days:
        return DeadlineState.NEAR
    return DeadlineState.OK


@dataclass(frozen=True)
class ComplaintFilters:
    status: ComplaintStatus | None = None
    kind: ComplaintKind | None = None
    deadline: DeadlineState | None = None
    q: str = ""
    enterprise_id: int | None = None
    product_id: int | None = None


def _query(actor: Actor, f: ComplaintFilters, today: dt.date) -> Select[Any]:
    done = case((Complaint.status == ComplaintStatus.CLOSED, 1), else_=0)
    no_due = case((Complaint.due_on.is_(None), 1), else_=0)
    stmt = select(Complaint).order_by(
        done, no_due, Complaint.due_on, Complaint.received_at.desc(), Complaint.id.desc()
    )
    if f.status is not None:
        stmt = stmt.where(Complaint.status == f.status)
    if f.kind is not None:
        stmt = stmt.where(Complaint.kind == f.kind)
    if f.enterprise_id is not None:
        stmt = stmt.where(Complaint.enterprise_id == f.enterprise_id)
    if f.product_id is not None:
        stmt = stmt.where(Complaint.product_id == f.product_id)
    if f.q:
        stmt = stmt.where(
            or_(
                Complaint.enterprise_text.contains(f.q, autoescape=True),
                Complaint.number == f.q.upper(),
                Complaint.product_text.contains(f.q, autoescape=True),
            )
        )
    if f.deadline is not None:
        live = Complaint.status != ComplaintStatus.CLOSED
        # deadline_state's "near" (at most N working days left) as a date range.
        horizon = add_working_days(today, rules().near_working_days + 1)
        if f.deadline is DeadlineState.OVERDUE:
            stmt = stmt.where(live, Complaint.due_on < today)
        elif f.deadline is DeadlineState.NEAR:
            stmt = stmt.where(live, Complaint.due_on >= today, Complaint.due_on < horizon)
        elif f.deadline is DeadlineState.OK:
            stmt = stmt.where(live, Complaint.due_on >= horizon)
        else:
            stmt = stmt.where(or_(Complaint.due_on.is_(None), ~live))
    return scoped(stmt, actor, Complaint)


def list_complaints(
    session: Session,
    actor: Actor,
    params: PageParams,
    filters: ComplaintFilters | None = None,
    today: dt.date | None = None,
) -> tuple[list[Complaint], int]:
    return paginate(
        session, _query(actor, filters or ComplaintFilters(), today or today_local()), params
    )


def all_complaints(
    session: Session, actor: Actor, filters: ComplaintFilters, limit: int = 50_000
) -> list[Complaint]:
    """Every complaint of the filtered desk list, for the spreadsheet."""
    return list(session.scalars(_query(actor, filters, today_local()).limit(limit)))


def get_complaint(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    if actor.is_public:
        raise NotFound("complaint", complaint_id)
    stmt = (
        select(Complaint)
        .options(selectinload(Complaint.entries))
        .where(Complaint.id == complaint_id)
    )
    complaint = session.scalars(scoped(stmt, actor, Complaint)).first()
    if complaint is None:  # the same answer for "absent" and "outside your jurisdiction"
        raise NotFound("complaint", complaint_id)
    return complaint


def track(session: Session, number: str) -> TrackingView:
    """The public's view of one complaint. The number is the key: it carries 50 random bits,
    so knowing one number says nothing about any other."""
    value = number.strip().upper()
    if not _NUMBER.match(value):
        raise NotFound("complaint", number)
    complaint = session.scalars(select(Complaint).where(Complaint.number == value)).first()
    if complaint is None:
        raise NotFound("complaint", number)
    desk = session.get(Region, complaint.region_code)
    return TrackingView(
        number=complaint.number,
        kind=complaint.kind,
        status=complaint.status,
        received_on=to_local(complaint.received_at).date(),
        desk=desk.name if desk else complaint.region_code,
        public_reply=complaint.public_reply,
        replied_on=to_local(complaint.replied_at).date() if complaint.replied_at else None,
        closed_on=to_local(complaint.closed_at).date() if complaint.closed_at else None,
    )


def monthly_counts(
    session: Session, actor: Actor, months: int = 12, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Complaints and reports received per month (local time), the last ``months`` months."""
    import polars as pl

    today = today or today_local()
    back = today.year * 12 + today.month - 1 - (months - 1)
    first = dt.date(back // 12, back % 12 + 1, 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC) - dt.timedelta(hours=8)
    stmt = scoped(
        select(Complaint.received_at, Complaint.kind).where(Complaint.received_at >= since),
        actor,
        Complaint,
    )
    rows = [(to_local(at).strftime("%Y-%m"), kind.value) for at, kind in session.execute(stmt)]
    frame = pl.DataFrame(rows, schema={"month": pl.String, "kind": pl.String}, orient="row")
    counted = frame.group_by("month", "kind").len()
    by_month: dict[str, dict[str, int]] = {}
    cursor = first
    while cursor <= today:
        by_month[f"{cursor:%Y-%m}"] = {k.value: 0 for k in ComplaintKind}
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    for month, kind, n in counted.iter_rows():
        if month in by_month:
            by_month[month][kind] = n
    return [{"month": m} | counts for m, counts in by_month.items()]


def count_by_deadline(
    session: Session, actor: Actor, today: dt.date | None = None
) -> dict[str, int]:
    """How many open complaints are overdue and due soon, for the desk's header."""
    today = today or today_local()
    out = {}
    for state in (DeadlineState.OVERDUE, DeadlineState.NEAR):
        stmt = _query(actor, ComplaintFilters(deadline=state), today).order_by(None).subquery()
        out[state.value] = session.scalar(select(func.count()).select_from(stmt)) or 0
    return out
