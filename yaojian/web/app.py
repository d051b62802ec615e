"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

import yaojian
from yaojian.auth.api import router as auth_api
from yaojian.complaints.api import public as complaints_public_api
from yaojian.complaints.api import router as complaints_api
from yaojian.complaints.pages import router as complaints_pages
from yaojian.credit import api as credit_api
from yaojian.credit.pages import router as credit_pages
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.enforcement import api as enforcement_api
from yaojian.enforcement import pages as enforcement_pages
from yaojian.inspection.api import router as inspection_api
from yaojian.inspection.pages import router as inspection_pages
from yaojian.kit.ratelimit import RateLimiter
from yaojian.pv.api import router as pv_api
from yaojian.pv.pages import router as pv_pages
from yaojian.pv.report_pages import router as pv_report_pages
from yaojian.pv.review_api import router as pv_review_api
from yaojian.registry.api import router as registry_api
from yaojian.registry.pages import router as registry_pages
from yaojian.sampling.api import router as sampling_api
from yaojian.sampling.pages import router as sampling_pages
from yaojian.settings import Settings, get_settings
from yaojian.signals.api import router as signals_api
from yaojian.trace.api import locations_router as trace_locations_api
from yaojian.trace.api import router as epcis_api
from yaojian.trace.bus import Bus
from yaojian.trace.pages import api as public_api
from yaojian.trace.pages import router as trace_pages
from yaojian.web import problems
from yaojian.web.pages import router as shell_pages
from yaojian.web.templating import make_templates

STATIC = Path(__file__).parent / "static"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    if app.state.bus is not None:
        await app.state.bus.close()


def create_app(
    settings: Settings | None = None, factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="yaojian 数字药监",
        version=yaojian.__version__,
        description="Registry, traceability, pharmacovigilance and risk control for a provincial "
        "drug regulator. Errors are application/problem+json (RFC 9457).",
        docs_url="/api/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    # The capture queue (scale path); None stores EPCIS documents in-process.
    app.state.bus = Bus(settings) if settings.nats_url else None
    app.state.session_factory = factory or session_factory(make_engine(settings.database_url))
    app.state.templates = make_templates()
    app.state.verify_limiter = RateLimiter(settings.verify_per_minute, 60)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie="yaojian_session",
        max_age=12 * 3600,
        same_site="lax",
        https_only=False,
    )
    problems.install(app)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        # Ended with a commit: a rollback would drop the connection's prepared statements.
        with unit_of_work(app.state.session_factory) as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "version": yaojian.__version__}

    # Routes are matched in order, router by router: the public verify, asked many times a
    # second, comes first.
    for router in (
        public_api,
        auth_api,
        registry_api,
        signals_api,
        pv_api,
        pv_review_api,
        epcis_api,
        trace_locations_api,
        trace_pages,
        shell_pages,
        registry_pages,
        pv_report_pages,
        pv_pages,
        complaints_public_api,
        complaints_api,
        complaints_pages,
        sampling_api,
        sampling_pages,
        enforcement_api.router,
        enforcement_api.public_router,
        enforcement_pages.router,
        inspection_api,
        inspection_pages,
        credit_api.router,
        credit_api.public_router,
        credit_pages,
    ):
        app.include_router(router)

    return app
