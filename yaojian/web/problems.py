"""Every error as RFC 9457 problem+json naming the field at fault; HTML pages get a page."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from yaojian.kit.errors import DomainError, FieldProblem
from yaojian.kit.ratelimit import TooManyRequests
from yaojian.web.templating import render

PROBLEM_JSON = "application/problem+json"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    slug: str,
    invalid: list[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if _wants_html(request):
        if status == 401:
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        context = {"status": status, "title": title, "detail": detail}
        return render(request, "error.html", context, status_code=status)
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if invalid:
        body["invalid-params"] = [{"name": p.name, "reason": p.reason} for p in invalid]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return problem(
            request, exc.status, exc.title, exc.detail, exc.type_slug, exc.invalid_params, headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        invalid = [FieldProblem(_field_name(e["loc"]), e["msg"]) for e in exc.errors()]
        names = ", ".join(dict.fromkeys(p.name for p in invalid))
        return problem(
            request, 422, "Invalid input", f"Invalid value for {names}", "invalid-input", invalid
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthenticated"}
        title = titles.get(exc.status_code, "Error")
        return problem(
            request, exc.status_code, title, str(exc.detail), title.lower().replace(" ", "-")
        )
