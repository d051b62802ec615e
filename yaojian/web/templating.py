"""The Jinja2 environment: translations per request, labels of choices, local times."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from yaojian.kit.choices import LabelledChoice
from yaojian.kit.timeutil import to_local
from yaojian.web.i18n import pick_locale, translations

TEMPLATES = Path(__file__).parent / "templates"


def _locale(request: Request) -> str:
    return pick_locale(request.query_params.get("lang") or request.cookies.get("lang"))


def _context(request: Request) -> dict[str, Any]:
    locale = _locale(request)
    catalogue = translations(locale)

    def label(choice: LabelledChoice | None) -> str:
        return "" if choice is None else choice.label(locale)

    def local_time(value: dt.datetime | None) -> str:
        return "" if value is None else to_local(value).strftime("%Y-%m-%d %H:%M")

    return {
        "_": catalogue.gettext,
        "locale": locale,
        "label": label,
        "local_time": local_time,
        "actor": getattr(request.state, "actor", None),
    }


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """Render a page with the app's templates (translations and helpers come from _context)."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES), context_processors=[_context])
    templates.env.autoescape = True
    return templates
