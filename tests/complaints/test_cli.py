"""``yaojian complaints detect`` as an operator runs it, against a fresh SQLite file."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import delete, func, select

from tests.builders import make_enterprise
from tests.complaints.builders import KNOWN_NOW, make_complaint
from yaojian.db import make_engine, session_factory, unit_of_work
from yaojian.migrate import upgrade
from yaojian.signals.models import RiskSignal


def test_the_detect_command_reports_a_cluster_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(session_factory(engine)) as session:
        pharmacy = make_enterprise(session)
        for day in range(3):
            make_complaint(session, pharmacy, now=KNOWN_NOW + dt.timedelta(days=day))
        # As if the complaints had come in before the detector existed.
        session.execute(delete(RiskSignal))
    env = os.environ | {"YAOJIAN_DATABASE_URL": url, "YAOJIAN_VAR_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "yaojian.cli", "complaints", "detect", "--as-of", "2026-12-04"]
    outputs = [
        subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=True)
        for _ in range(2)
    ]
    assert "1 findings, 1 new signals" in outputs[0].stdout
    assert "1 findings, 0 new signals" in outputs[1].stdout
    with unit_of_work(session_factory(engine)) as session:
        assert session.scalar(select(func.count()).select_from(RiskSignal)) == 1
    bad = subprocess.run(
        [*command[:-1], "tomorrow"], env=env, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2
    engine.dispose()
