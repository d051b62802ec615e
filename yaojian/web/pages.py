"""Shell pages: login, logout, language, home with the province map."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from yaojian.auth.service import authenticate
from yaojian.kit.errors import Unauthenticated
from yaojian.registry import service as registry
from yaojian.registry.choices import RegionLevel
from yaojian.signals.models import SignalStatus
from yaojian.signals.service import count_signals
from yaojian.web.deps import LoggedInDep, SessionDep
from yaojian.web.i18n import LOCALES
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only local paths, so that the login form cannot redirect to another site."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or urlparse(target).netloc
    ):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        user = authenticate(session, username, password)
    except Unauthenticated:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "用户名或密码错误", "username": username},
            status_code=401,
        )
    request.session.clear()
    request.session["user_id"] = user.id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{locale}")
def set_language(request: Request, locale: str) -> Response:
    back = _safe_next(request.headers.get("referer", "/").split(request.url.netloc, 1)[-1])
    response = RedirectResponse(back, status_code=303)
    if locale in LOCALES:
        response.set_cookie("lang", locale, max_age=365 * 24 * 3600, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, actor: LoggedInDep) -> Response:
    request.state.actor = actor
    by_city = registry.enterprise_counts(session, actor, RegionLevel.CITY)
    regions = registry.list_regions(session, actor)
    cities = [r for r in regions if r.level is RegionLevel.CITY]
    map_data = [{"name": c.name, "code": c.code, "value": by_city.get(c.code, 0)} for c in cities]
    # The table beside the map breaks the user's own jurisdiction down one level: cities for the
    # province, counties for a city or county regulator (there are no county boundaries to map).
    if actor.is_province_wide or not actor.jurisdiction_prefix:
        breakdown, level = map_data, RegionLevel.CITY
    else:
        by_county = registry.enterprise_counts(session, actor, RegionLevel.COUNTY)
        prefix = actor.jurisdiction_prefix
        breakdown = [
            {"name": r.name, "code": r.code, "value": by_county.get(r.code, 0)}
            for r in regions
            if r.level is RegionLevel.COUNTY and r.code.startswith(prefix)
        ]
        level = RegionLevel.COUNTY
    return render(
        request,
        "home.html",
        {
            "map_data_json": json.dumps(map_data, ensure_ascii=False),
            "breakdown": sorted(breakdown, key=lambda row: (-int(str(row["value"])), row["code"])),
            "breakdown_level": level,
            "total": sum(by_city.values()),
            "open_signals": count_signals(session, actor, SignalStatus.OPEN),
        },
    )
