"""Report list and upload pages: E2B(R3) XML, the hospital template (CSV/XLSX), FAERS quarters."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.background import BackgroundTask

from yaojian.kit.errors import DomainError
from yaojian.kit.pagination import PageParams
from yaojian.pv import imports, template
from yaojian.pv.models import ReportCategory
from yaojian.pv.service import list_reports
from yaojian.registry.service import require_county
from yaojian.web.deps import LoggedInDep, SessionDep
from yaojian.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
MAX_UPLOAD = 200 * 1024 * 1024


@router.get("/pv/reports", response_class=HTMLResponse)
def report_list(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    category: ReportCategory | None = None,
    drug: Annotated[str, Query(max_length=100)] = "",
    event: Annotated[str, Query(max_length=100)] = "",
    serious: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    request.state.actor = actor
    rows, total = list_reports(
        session,
        actor,
        PageParams(page=page, page_size=PAGE_SIZE),
        category=category,
        drug=drug or None,
        event=event or None,
        serious=serious,
    )
    return render(
        request, "pv/reports.html", _list_context(rows, total, page, category, drug, event, serious)
    )


def _list_context(
    rows: list[Any],
    total: int,
    page: int,
    category: ReportCategory | None,
    drug: str,
    event: str,
    serious: bool | None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "category": category,
        "categories": list(ReportCategory),
        "filters": {"drug": drug, "event": event, "serious": serious},
    } | extra


@router.post("/pv/reports/upload", response_class=HTMLResponse)
async def upload(
    request: Request,
    session: SessionDep,
    actor: LoggedInDep,
    file: Annotated[UploadFile, File()],
    category: Annotated[ReportCategory, Form()] = ReportCategory.DRUG,
    region_code: Annotated[str, Form()] = "",
    sentinel: Annotated[bool, Form()] = False,
) -> Response:
    """Import one file; the page says what was stored, or every problem, and stores nothing then."""
    request.state.actor = actor
    name = file.filename or "upload"
    data = await file.read(MAX_UPLOAD + 1)
    outcome: dict[str, Any] = {"file": name}
    problems: list[str] = []
    try:
        if len(data) > MAX_UPLOAD:
            problems.append("文件超过 200 MB")
        elif name.lower().endswith(".xml"):
            if region_code:
                require_county(session, region_code)
            stored = imports.import_e2b(
                session, actor, data, category=category, sentinel=sentinel,
                region_code=region_code or None, source_ref=name,
            )  # fmt: skip
            outcome["stored"] = Counter(s.outcome.label("zh") for s in stored)
        elif name.lower().endswith((".csv", ".xlsx", ".zip")):
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / Path(name).name
                path.write_bytes(data)
                if name.lower().endswith(".zip"):
                    summary = imports.import_faers(session, actor, [path])
                    outcome["stored"] = Counter(summary.stored)
                    outcome["faers"] = summary.as_dict()
                else:
                    stored = imports.import_table(session, actor, path)
                    outcome["stored"] = Counter(s.outcome.label("zh") for s in stored)
        else:
            problems.append("请上传 E2B(R3) XML、医院报表模板（CSV/XLSX）或 FAERS 季度数据（ZIP）")
    except template.TemplateErrors as exc:
        problems = [f"第 {p.row} 行 {p.column}：{p.reason}" for p in exc.problems]
    except DomainError as exc:
        named = [f"{p.name}：{p.reason}" for p in exc.invalid_params]
        problems = named or [exc.detail]
    if problems:
        session.rollback()
    rows, total = list_reports(session, actor, PageParams(page=1, page_size=PAGE_SIZE))
    context = _list_context(rows, total, 1, None, "", "", None, outcome=outcome, problems=problems)
    return render(request, "pv/reports.html", context, status_code=422 if problems else 200)


@router.get("/pv/template.{suffix}")
def download_template(actor: LoggedInDep, suffix: str) -> Response:
    """The hospital reporting template, as XLSX or CSV."""
    if suffix not in ("xlsx", "csv"):
        return Response(status_code=404)
    folder = tempfile.mkdtemp()
    path = Path(folder) / f"adr-report-template.{suffix}"
    template.write_template(path)
    return FileResponse(
        path,
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
