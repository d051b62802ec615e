"""Credit pages: the regulators' overview (/credit), an enterprise's grade history with its
explanation (also the enterprise's own view), and the public serious-violation list."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from yaojian.auth.actor import PUBLIC, Actor
from yaojian.auth.permissions import ALLOWED, Action
from yaojian.auth.scope import get_visible
from yaojian.credit import service
from yaojian.credit.config import config
from yaojian.credit.export import explanation, grades_workbook
from yaojian.credit.grading import GRADED_KINDS
from yaojian.credit.indicators import INDICATORS, TARGET, coverage
from yaojian.credit.models import CreditGrade, Grade
from yaojian.credit.schemas import BlacklistCreate, BlacklistRemove
from yaojian.kit.errors import DomainError, InvalidInput
from yaojian.kit.pagination import PageParams
from yaojian.kit.xlsx import attachment
from yaojian.registry.choices import EnterpriseKind, RegionLevel
from yaojian.registry.models import Enterprise, Region
from yaojian.web.deps import ActorDep, LoggedInDep, SessionDep
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
EXPORT_LIMIT = 50_000
_GRADE = r"^[ABCD]?$"
_KIND = "^(" + "|".join(k.value for k in GRADED_KINDS) + ")?$"


def _may(actor: Actor, action: Action) -> bool:
    return actor.role in ALLOWED[action]


def _counties(session: SessionDep, actor: Actor) -> list[Region]:
    prefix = "33" if actor.is_province_wide else (actor.jurisdiction_prefix or "33")
    stmt = select(Region).where(Region.level == RegionLevel.COUNTY).order_by(Region.code)
    return [r for r in session.scalars(stmt) if r.code.startswith(prefix)]


def _chart(session: SessionDep, actor: Actor) -> list[dict[str, Any]]:
    """Current grades per city (per county for a city or county regulator) for the bar chart."""
    rows = service.distribution(session, actor)
    by_city = actor.is_province_wide or len(actor.jurisdiction_prefix or "") <= 2
    width, suffix = (4, "00") if by_city else (6, "")
    frame = pl.DataFrame(
        [(r, g.value, n) for r, g, n in rows],
        schema={"region_code": pl.String, "grade": pl.String, "n": pl.Int64},
        orient="row",
    ).with_columns((pl.col("region_code").str.slice(0, width) + suffix).alias("code"))
    names = {r.code: r.name for r in session.scalars(select(Region))}
    grouped = frame.group_by("code", "grade").agg(pl.col("n").sum()).sort("code")
    out: dict[str, dict[str, Any]] = {}
    for r in grouped.iter_rows(named=True):
        entry = out.setdefault(
            r["code"], {"name": names.get(r["code"], r["code"]), "A": 0, "B": 0, "C": 0, "D": 0}
        )
        entry[r["grade"]] = r["n"]
    return list(out.values())


def _filters(grade: str, kind: str, region_code: str, q: str) -> dict[str, Any]:
    return {
        "grade": Grade(grade) if grade else None,
        "kind": EnterpriseKind(kind) if kind else None,
        "region_code": region_code or None,
        "q": q or None,
    }


@router.get("/credit", response_class=HTMLResponse)
def overview(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    grade: Annotated[str, Query(pattern=_GRADE)] = "",
    kind: Annotated[str, Query(pattern=_KIND)] = "",
    region_code: Annotated[str, Query(pattern=r"^(\d{6})?$")] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
    graded: int | None = None,
    changed: int | None = None,
    signals: int | None = None,
) -> Response:
    if not actor.is_regulator:
        if actor.enterprise_id is not None:
            return RedirectResponse(f"/credit/enterprises/{actor.enterprise_id}", status_code=303)
        raise InvalidInput("actor", "the credit overview is for regulators")
    request.state.actor = actor
    rows, total = service.list_grades(
        session, actor, PageParams(page=page, page_size=PAGE_SIZE),
        **_filters(grade, kind, region_code, q),
    )  # fmt: skip
    chosen = {"grade": grade, "kind": kind, "region_code": region_code, "q": q}
    query = {k: v for k, v in chosen.items() if v}
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "filters": chosen,
        "query": query,
        "grades": list(Grade),
        "kinds": list(GRADED_KINDS),
        "counties": _counties(session, actor),
        "run": service.latest_run(session),
        "may_run": _may(actor, Action.CREDIT_GRADE),
        "chart_json": json.dumps(_chart(session, actor), ensure_ascii=False),
        "coverage": {n: f.to_dicts() for n, f in coverage(session, actor).items()},
        "indicators": INDICATORS,
        "target": TARGET,
        "explain": explanation,
        "done": None
        if graded is None
        else {"graded": graded, "changed": changed, "signals": signals},
    }
    return render(request, "credit/overview.html", context)


@router.post("/credit/run")
def run(
    session: SessionDep,
    actor: LoggedInDep,
    as_of: Annotated[dt.date | None, Form()] = None,
) -> Response:
    """The province staff's button: grade everyone now (or as of a past date)."""
    result = service.grade_all(session, actor, as_of)
    done = f"graded={result.graded}&changed={result.changed}&signals={result.signals}"
    return RedirectResponse(f"/credit?{done}", status_code=303)


@router.get("/credit/grades.xlsx")
def export(
    session: SessionDep,
    actor: LoggedInDep,
    grade: Annotated[str, Query(pattern=_GRADE)] = "",
    kind: Annotated[str, Query(pattern=_KIND)] = "",
    region_code: Annotated[str, Query(pattern=r"^(\d{6})?$")] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    stmt = service.grade_query(actor, **_filters(grade, kind, region_code, q))
    stmt = stmt.options(selectinload(CreditGrade.enterprise)).limit(EXPORT_LIMIT)
    body = grades_workbook(list(session.scalars(stmt)))
    return attachment(body, "credit-grades.xlsx")


def _enterprise_page(
    request: Request,
    session: SessionDep,
    actor: Actor,
    enterprise_id: int,
    error: str = "",
    status: int = 200,
) -> Response:
    request.state.actor = actor
    enterprise = get_visible(session, actor, Enterprise, enterprise_id, "enterprise")
    grades = service.history(session, actor, enterprise_id)
    entries = service.entries_of(session, actor, enterprise_id)
    context = {
        "enterprise": enterprise,
        "grades": grades,
        "entries": entries,
        "cfg": config(),
        "explain": explanation,
        "may_list": _may(actor, Action.CREDIT_BLACKLIST),
        "error": error,
    }
    return render(request, "credit/enterprise.html", context, status_code=status)


@router.get("/credit/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_page(
    request: Request, session: SessionDep, actor: LoggedInDep, enterprise_id: int
) -> Response:
    return _enterprise_page(request, session, actor, enterprise_id)


@router.post("/credit/enterprises/{enterprise_id}/blacklist", response_class=HTMLResponse)
def list_enterprise(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    enterprise_id: int,
    reason: Annotated[str, Form(max_length=2000)],
    legal_basis: Annotated[str, Form(max_length=300)],
    listed_on: Annotated[dt.date, Form()],
) -> Response:
    get_visible(session, actor, Enterprise, enterprise_id, "enterprise")
    try:
        data = BlacklistCreate(enterprise_id=enterprise_id, reason=reason,
                               legal_basis=legal_basis, listed_on=listed_on)  # fmt: skip
        service.add_to_blacklist(session, actor, data)
    except DomainError as exc:
        session.rollback()
        return _enterprise_page(request, session, actor, enterprise_id, exc.detail, exc.status)
    except ValueError as exc:
        return _enterprise_page(request, session, actor, enterprise_id, str(exc), 422)
    return RedirectResponse(f"/credit/enterprises/{enterprise_id}", status_code=303)


@router.post("/credit/blacklist/{entry_id}/remove", response_class=HTMLResponse)
def remove_entry(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    entry_id: int,
    enterprise_id: Annotated[int, Form()],
    reason: Annotated[str, Form(max_length=1000)],
    removed_on: Annotated[dt.date, Form()],
) -> Response:
    try:
        service.remove_from_blacklist(
            session, actor, entry_id, BlacklistRemove(reason=reason, removed_on=removed_on)
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        session.rollback()
        return _enterprise_page(request, session, actor, enterprise_id, exc.detail, exc.status)
    except ValueError as exc:
        return _enterprise_page(request, session, actor, enterprise_id, str(exc), 422)
    return RedirectResponse(f"/credit/enterprises/{enterprise_id}", status_code=303)


@router.get("/public/blacklist", response_class=HTMLResponse)
def public_blacklist(
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """严重违法失信名单, for anyone, no account."""
    request.state.actor = actor
    rows, total = service.list_blacklist(
        session, PUBLIC, PageParams(page=page, page_size=PAGE_SIZE), q
    )
    context = {"rows": rows, "total": total, "q": q, "page": page,
               "pages": max(1, -(-total // PAGE_SIZE))}  # fmt: skip
    return render(request, "credit/public_blacklist.html", context)
