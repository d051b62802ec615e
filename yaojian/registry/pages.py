"""Enterprise list and detail pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from yaojian.kit.pagination import PageParams
from yaojian.kit.timeutil import today_local
from yaojian.registry import service
from yaojian.registry.choices import EnterpriseKind, RegionLevel
from yaojian.signals import service as signals
from yaojian.web.deps import LoggedInDep, SessionDep
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


@router.get("/enterprises", response_class=HTMLResponse)
def enterprise_list(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    region_code: Annotated[str | None, Query(pattern=r"^(\d{6})?$")] = None,
    kind: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    request.state.actor = actor
    kind_choice = EnterpriseKind(kind) if kind else None
    params = PageParams(page=page, page_size=PAGE_SIZE)
    rows, total = service.list_enterprises(
        session, actor, params, region_code=region_code or None, kind=kind_choice, q=q
    )
    regions = service.list_regions(session, actor)
    by_code = {r.code: r for r in regions}
    # Offer only the regions of the user's jurisdiction (with the county's city as its heading).
    prefix = actor.jurisdiction_prefix if actor.is_regulator else None
    choosable = [
        r
        for r in regions
        if prefix is None
        or actor.is_province_wide
        or r.code.startswith(prefix)
        or (r.level is RegionLevel.CITY and prefix.startswith(r.code[:4]))
    ]
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "region_code": region_code or "",
        "kind": kind or "",
        "q": q or "",
        "kinds": list(EnterpriseKind),
        "cities": [r for r in choosable if r.level is RegionLevel.CITY],
        "counties": [r for r in choosable if r.level is RegionLevel.COUNTY],
        "regions": by_code,
        "selected_region": by_code.get(region_code or ""),
    }
    template = "enterprise_rows.html" if request.headers.get("hx-request") else "enterprises.html"
    return render(request, template, context)


@router.get("/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_detail(
    request: Request, session: SessionDep, actor: LoggedInDep, enterprise_id: int
) -> Response:
    request.state.actor = actor
    enterprise = service.get_enterprise(session, actor, enterprise_id)
    today = today_local()
    licences = [
        (lic, lic.expiry_state(today))
        for lic in service.list_licences(session, actor, enterprise.id)
    ]
    signal_rows, _ = signals.list_signals(
        session, actor, PageParams(page=1, page_size=50), enterprise_id=enterprise.id
    )
    city = session.get(type(enterprise.region), enterprise.region.parent_code)
    return render(
        request,
        "enterprise_detail.html",
        {
            "e": enterprise,
            "city": city,
            "licences": licences,
            "products": service.list_products(session, actor, enterprise.id),
            "positions": service.list_positions(session, actor, enterprise.id),
            "signals": signal_rows,
        },
    )
