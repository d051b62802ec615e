"""``yaojian credit grade`` and ``yaojian credit coverage`` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from tests.builders import make_enterprise
from yaojian.credit.models import CreditGrade, CreditRun
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.migrate import upgrade
from yaojian.registry.choices import EnterpriseKind


def test_the_grade_command_grades_everyone_and_a_rerun_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(session_factory(engine)) as session:
        make_enterprise(session)
        make_enterprise(session, kind=EnterpriseKind.RETAIL_PHARMACY)
        make_enterprise(session, kind=EnterpriseKind.MEDICAL_INSTITUTION)  # not graded
    env = os.environ | {"YAOJIAN_DATABASE_URL": url, "YAOJIAN_VAR_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "yaojian.cli", "credit", "grade", "--as-of", "2026-06-30"]
    outputs = [
        subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
        for _ in range(2)
    ]
    assert "graded 2 · 2 new grade rows" in outputs[0].stdout
    assert "graded 2 · 0 new grade rows" in outputs[1].stdout
    with unit_of_work(session_factory(engine)) as session:
        assert session.scalar(select(func.count()).select_from(CreditGrade)) == 2
        assert session.scalar(select(func.count()).select_from(CreditRun)) == 2
    bad = subprocess.run(
        [*command[:-1], "someday"], env=env, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2 and "not a date" in bad.stdout
    coverage = subprocess.run(
        [sys.executable, "-m", "yaojian.cli", "credit", "coverage"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "信用等级管理覆盖率" in coverage.stdout and "100.0%" in coverage.stdout
    engine.dispose()
