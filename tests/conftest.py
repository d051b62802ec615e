"""Fixtures: every database test runs on SQLite and on PostgreSQL, inside a rolled-back transaction.

The schema is built by running the migrations. PostgreSQL tests use a server on 127.0.0.1:5432
(``YAOJIAN_TEST_POSTGRES_URL``), create their own database and drop it at the end; they are
skipped when no server answers, unless ``YAOJIAN_REQUIRE_POSTGRES=1`` (set by ``.ci/run``), which
turns a missing server into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Hashing passwords at full cost would dominate the run time of the suite.
os.environ.setdefault("YAOJIAN_ARGON2_PROFILE", "CHEAPEST")
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from yaojian.db import make_engine
from yaojian.migrate import upgrade
from yaojian.settings import Settings
from yaojian.web.app import create_app

POSTGRES_URL = os.environ.get(
    "YAOJIAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("YAOJIAN_REQUIRE_POSTGRES") == "1"


def _postgres_database() -> Iterator[str]:
    admin_url = make_url(POSTGRES_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but unreachable at {admin_url}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {admin_url}")
    name = f"yaojian_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "test.db"
        eng = make_engine(f"sqlite:///{path}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    databases = _postgres_database()
    url = next(databases)
    eng = make_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()
    next(databases, None)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a new database with no schema, for tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    databases = _postgres_database()
    yield next(databases)
    next(databases, None)


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            yield conn
        finally:
            outer.rollback()


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions joined to the test's transaction: their commits become savepoints."""
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # nats_url pinned empty: a YAOJIAN_NATS_URL in the developer's shell must not send every
    # capture test through a queue that no worker drains (tests/trace/test_nats.py sets its own).
    return Settings(secret_key="test-secret", var_dir=tmp_path, demo_password="demo", nats_url="")


@pytest.fixture
def client(settings: Settings, factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(settings, factory)
    with TestClient(app) as c:
        yield c
