"""Grading runs, grade reads, and the serious-violation list. Services flush, never commit."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import polars as pl
from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor, jurisdiction_prefix
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible, scoped, within_region
from yaojian.credit import inputs
from yaojian.credit.config import CreditConfig, config
from yaojian.credit.grading import GRADED_KINDS, explain, score_frame, window_start
from yaojian.credit.models import BlacklistEntry, CreditGrade, CreditRun, Grade
from yaojian.credit.schemas import BlacklistCreate, BlacklistRemove
from yaojian.kit.errors import Conflict, InvalidInput
from yaojian.kit.pagination import PageParams, paginate
from yaojian.kit.timeutil import today_local, utcnow
from yaojian.registry.choices import EnterpriseKind, EnterpriseStatus
from yaojian.registry.models import Enterprise
from yaojian.signals.models import SubjectType
from yaojian.signals.service import SignalReport, emit

SIGNAL_SOURCE = "credit"
_CHUNK = 5_000  # rows per INSERT/UPDATE statement: within SQLite's and psycopg's parameter limits


def _population(session: Session) -> pl.DataFrame:
    """Who is graded: manufacturers and distributors that have not been deregistered (注销)."""
    rows = session.execute(
        select(Enterprise.id, Enterprise.region_code, Enterprise.kind).where(
            Enterprise.kind.in_(GRADED_KINDS), Enterprise.status != EnterpriseStatus.CLOSED
        )
    )
    return pl.DataFrame(
        [(i, r, k.value) for i, r, k in rows],
        schema={"enterprise_id": pl.Int64, "region_code": pl.String, "kind": pl.String},
        orient="row",
    )


def _with_inputs(
    session: Session, frame: pl.DataFrame, cfg: CreditConfig, start: dt.date, end: dt.date
) -> pl.DataFrame:
    codes = cfg.overrides.counterfeit_substandard_codes
    for name in cfg.deductions:
        counts = inputs.INPUTS[name](session, start, end, codes)
        column = pl.DataFrame(
            list(counts.items()),
            schema={"enterprise_id": pl.Int64, name: pl.Int64},
            orient="row",
        )
        frame = frame.join(column, on="enterprise_id", how="left").with_columns(
            pl.col(name).fill_null(0)
        )
    return frame


def grade_all(
    session: Session, actor: Actor, as_of: dt.date | None = None, cfg: CreditConfig | None = None
) -> CreditRun:
    """Grade every manufacturer and distributor as of ``as_of`` (today in Hangzhou by default).

    A grade row is written for an enterprise when its grade or its score differs from its current
    row (or it has none); the run records how many changed. A drop to a grade of
    ``cfg.signals.grades`` (from a better grade, or a first grade) emits a risk signal.
    """
    authorize(actor, Action.CREDIT_GRADE)
    cfg = cfg or config()
    as_of = as_of or today_local()
    if as_of > today_local():
        raise InvalidInput("as_of", "a grading date cannot be in the future")
    began = time.perf_counter()
    start = window_start(as_of, cfg.window_months)
    run = CreditRun(as_of=as_of, window_start=start, run_by=actor.audit_label(),
                    config=cfg.as_json())  # fmt: skip
    session.add(run)
    session.flush()

    frame = _with_inputs(session, _population(session), cfg, start, as_of)
    scored = score_frame(
        frame,
        cfg,
        revoked=inputs.revoked(session, start, as_of),
        blacklisted=inputs.blacklisted(session, as_of),
    )
    current = {
        enterprise_id: (row_id, grade, score)
        for row_id, enterprise_id, grade, score in session.execute(
            select(CreditGrade.id, CreditGrade.enterprise_id, CreditGrade.grade, CreditGrade.score)
            .where(CreditGrade.current.is_(True))
        )
    }  # fmt: skip
    new_rows: list[dict[str, Any]] = []
    superseded: list[int] = []
    drops: list[tuple[dict[str, Any], Grade | None]] = []
    names = list(cfg.deductions)
    for row in scored.iter_rows(named=True):
        grade = Grade(row["grade"])
        before = current.get(row["enterprise_id"])
        if before is not None and before[1] is grade and before[2] == row["score"]:
            continue
        previous = before[1] if before is not None else None
        if before is not None:
            superseded.append(before[0])
        deductions, overrides = explain(row, cfg)
        new_rows.append(
            {
                "enterprise_id": row["enterprise_id"],
                "region_code": row["region_code"],
                "kind": EnterpriseKind(row["kind"]),
                "run_id": run.id,
                "as_of": as_of,
                "score": row["score"],
                "grade": grade,
                "previous_grade": previous,
                "current": True,
                "inputs": {name: int(row[name]) for name in names},
                "deductions": deductions,
                "overrides": overrides,
                "created_at": utcnow(),
            }
        )
        if grade in cfg.signals.grades and (previous is None or previous.rank < grade.rank):
            drops.append((new_rows[-1], previous))
    for i in range(0, len(superseded), _CHUNK):
        session.execute(
            update(CreditGrade)
            .where(CreditGrade.id.in_(superseded[i : i + _CHUNK]))
            .values(current=False)
        )
    for i in range(0, len(new_rows), _CHUNK):
        session.execute(insert(CreditGrade), new_rows[i : i + _CHUNK])
    run.signals = sum(_signal(session, actor, row, previous, cfg) for row, previous in drops)
    run.graded = scored.height
    run.changed = len(new_rows)
    run.seconds = round(time.perf_counter() - began, 3)
    session.flush()
    record(session, actor, "credit.grade", "credit_run", run.id, after=snapshot(run))
    return run


def _signal(
    session: Session, actor: Actor, row: dict[str, Any], previous: Grade | None, cfg: CreditConfig
) -> int:
    grade: Grade = row["grade"]
    as_of: dt.date = row["as_of"]
    _, new = emit(
        session,
        actor,
        SignalReport(
            source=SIGNAL_SOURCE,
            kind=f"credit_grade_{grade.value.lower()}",
            subject_type=SubjectType.ENTERPRISE,
            subject_id=str(row["enterprise_id"]),
            severity=cfg.signals.severity[grade],
            title=f"信用等级降为{grade.zh}"
            + (f"（原{previous.value}级）" if previous else "（首次评定）"),
            # One signal per enterprise, grade and month of the run: a rerun within the month
            # refreshes it rather than raising another.
            dedupe_key=f"credit:{row['enterprise_id']}:{grade.value}:{as_of:%Y-%m}",
            evidence={
                "score": row["score"],
                "previous_grade": previous.value if previous else None,
                "as_of": as_of.isoformat(),
                "deductions": row["deductions"],
                "overrides": row["overrides"],
            },
            enterprise_id=row["enterprise_id"],
            region_code=row["region_code"],
        ),
    )
    return int(new)


# ------------------------------------------------------------------ reads


def latest_run(session: Session) -> CreditRun | None:
    return session.scalars(select(CreditRun).order_by(CreditRun.id.desc()).limit(1)).first()


def grade_query(
    actor: Actor,
    *,
    grade: Grade | None = None,
    kind: EnterpriseKind | None = None,
    region_code: str | None = None,
    q: str | None = None,
) -> Select[Any]:
    stmt = select(CreditGrade).join(Enterprise, Enterprise.id == CreditGrade.enterprise_id)
    stmt = stmt.where(CreditGrade.current.is_(True))
    if grade is not None:
        stmt = stmt.where(CreditGrade.grade == grade)
    if kind is not None:
        stmt = stmt.where(CreditGrade.kind == kind)
    if region_code:
        stmt = stmt.where(within_region(CreditGrade.region_code, jurisdiction_prefix(region_code)))
    if q:
        term = q.strip()
        stmt = stmt.where(
            Enterprise.name.contains(term, autoescape=True) | (Enterprise.credit_code == term)
        )
    stmt = stmt.order_by(CreditGrade.grade.desc(), CreditGrade.score, CreditGrade.enterprise_id)
    return scoped(stmt, actor, CreditGrade)


def list_grades(
    session: Session, actor: Actor, params: PageParams, **filters: Any
) -> tuple[list[CreditGrade], int]:
    return paginate(session, grade_query(actor, **filters), params)


def history(session: Session, actor: Actor, enterprise_id: int) -> list[CreditGrade]:
    """An enterprise's grades, newest first; NotFound when the enterprise is out of scope."""
    get_visible(session, actor, Enterprise, enterprise_id, "enterprise")
    stmt = (
        select(CreditGrade)
        .where(CreditGrade.enterprise_id == enterprise_id)
        .order_by(CreditGrade.id.desc())
    )
    return list(session.scalars(scoped(stmt, actor, CreditGrade)))


def distribution(session: Session, actor: Actor) -> list[tuple[str, Grade, int]]:
    """Current grades per county and grade, as the actor sees them."""
    stmt = (
        select(CreditGrade.region_code, CreditGrade.grade, func.count())
        .where(CreditGrade.current.is_(True))
        .group_by(CreditGrade.region_code, CreditGrade.grade)
    )
    return [(r, g, n) for r, g, n in session.execute(scoped(stmt, actor, CreditGrade))]


# ------------------------------------------------------------------ the serious-violation list


def add_to_blacklist(session: Session, actor: Actor, data: BlacklistCreate) -> BlacklistEntry:
    """List an enterprise (province, or the regulators of the enterprise's county or city)."""
    enterprise = session.get(Enterprise, data.enterprise_id)
    if enterprise is None:
        raise InvalidInput("enterprise_id", "no such enterprise")
    authorize(actor, Action.CREDIT_BLACKLIST, enterprise.region_code)
    if data.listed_on > today_local():
        raise InvalidInput("listed_on", "a listing cannot be dated in the future")
    standing = session.scalar(
        select(BlacklistEntry.id).where(
            BlacklistEntry.enterprise_id == enterprise.id, BlacklistEntry.removed_on.is_(None)
        )
    )
    if standing is not None:
        raise Conflict(f"enterprise is already listed (entry {standing})", "enterprise_id")
    periods = config().blacklist
    entry = BlacklistEntry(
        enterprise_id=enterprise.id,
        region_code=enterprise.region_code,
        name=enterprise.name,
        credit_code=enterprise.credit_code,
        case_id=data.case_id,
        reason=data.reason,
        legal_basis=data.legal_basis,
        listed_on=data.listed_on,
        repair_from=data.listed_on + dt.timedelta(days=periods.repair_after_days),
        expires_on=data.listed_on + dt.timedelta(days=periods.expires_after_days),
        listed_by=actor.audit_label(),
    )
    session.add(entry)
    session.flush()
    record(session, actor, "credit.blacklist.add", "credit_blacklist", entry.id,
           after=snapshot(entry))  # fmt: skip
    return entry


def remove_from_blacklist(
    session: Session, actor: Actor, entry_id: int, data: BlacklistRemove
) -> BlacklistEntry:
    """Remove an entry (信用修复) once the minimum listing period has passed."""
    entry = get_visible(session, actor, BlacklistEntry, entry_id, "blacklist entry")
    authorize(actor, Action.CREDIT_BLACKLIST, entry.region_code)
    if entry.removed_on is not None:
        raise Conflict("the entry was already removed", "entry_id")
    if data.removed_on > today_local():
        raise InvalidInput("removed_on", "a removal cannot be dated in the future")
    if data.removed_on < entry.repair_from:
        raise Conflict(
            f"信用修复 is possible from {entry.repair_from.isoformat()} (minimum listing period)",
            "removed_on",
        )
    before = snapshot(entry)
    entry.removed_on = data.removed_on
    entry.removal_reason = data.reason
    entry.removed_by = actor.audit_label()
    session.flush()
    record(session, actor, "credit.blacklist.remove", "credit_blacklist", entry.id,
           before=before, after=snapshot(entry))  # fmt: skip
    return entry


def entries_of(session: Session, actor: Actor, enterprise_id: int) -> list[BlacklistEntry]:
    """An enterprise's entries, removed ones too, as the actor may see them."""
    stmt = (
        select(BlacklistEntry)
        .where(BlacklistEntry.enterprise_id == enterprise_id)
        .order_by(BlacklistEntry.listed_on.desc(), BlacklistEntry.id.desc())
    )
    return list(session.scalars(scoped(stmt, actor, BlacklistEntry)))


def blacklist_query(actor: Actor, q: str = "", *, standing_only: bool = True) -> Select[Any]:
    stmt = select(BlacklistEntry)
    if standing_only:
        stmt = stmt.where(BlacklistEntry.removed_on.is_(None))
    if q.strip():
        term = q.strip()
        stmt = stmt.where(
            BlacklistEntry.name.contains(term, autoescape=True)
            | (BlacklistEntry.credit_code == term.upper())
        )
    stmt = stmt.order_by(BlacklistEntry.listed_on.desc(), BlacklistEntry.id.desc())
    return scoped(stmt, actor, BlacklistEntry)


def list_blacklist(
    session: Session, actor: Actor, params: PageParams, q: str = "", *, standing_only: bool = True
) -> tuple[list[BlacklistEntry], int]:
    return paginate(session, blacklist_query(actor, q, standing_only=standing_only), params)
