"""What a failing test report does: batch under control, public verify says so, a signal about
the batch, a follow-up for the county where the sample was taken — and a pass does none of it."""

from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.builders import ADMIN
from tests.sampling.builders import LOT, report, reported, take, to_lab, world
from tests.trace import flows
from yaojian.audit.models import AuditEntry
from yaojian.registry.choices import ReleaseStatus
from yaojian.sampling import service
from yaojian.sampling.models import FollowUp, FollowUpStatus, SampleStatus
from yaojian.signals.models import RiskSignal, SubjectType
from yaojian.trace.capture import capture


def _journey_with_lot() -> bytes:
    document = json.loads(flows.pack_journey())
    first = document["epcisBody"]["eventList"][0]
    first["ilmd"] = {"cbvmda:lotNumber": LOT, "cbvmda:itemExpirationDate": "2028-02-28"}
    return json.dumps(document).encode()


def test_a_failing_report_quarantines_the_batch_signals_and_opens_a_follow_up(
    session: Session,
) -> None:
    w = world(session)
    sample = reported(session, w.special, w.batch, w.xihu, passed=False)

    assert sample.status is SampleStatus.FAILED
    session.refresh(w.batch)
    assert w.batch.release_status is ReleaseStatus.QUARANTINED
    assert "溶出度" in w.batch.status_reason and sample.report_number in w.batch.status_reason

    signal = session.scalars(select(RiskSignal).where(RiskSignal.source == "sampling")).one()
    assert signal.subject_type is SubjectType.BATCH and signal.subject_id == str(w.batch.id)
    assert signal.enterprise_id == w.maker.id and signal.region_code == "330212"
    assert signal.evidence["sample_number"] == sample.sample_number
    assert signal.evidence["failed_items"] == ["溶出度"]

    follow_up = session.scalars(select(FollowUp)).one()
    assert follow_up.sample_id == sample.id and follow_up.region_code == "330106"
    assert follow_up.status is FollowUpStatus.OPEN and follow_up.lead == ("sampling", follow_up.id)
    assert follow_up.due_on == sample.reported_on + dt.timedelta(days=30)  # type: ignore[operator]

    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"sampling.result", "batch.quarantine", "signal.emit", "sampling.follow_up_open"} <= (
        actions
    )


def test_a_passing_report_leaves_the_batch_released_and_raises_nothing(session: Session) -> None:
    w = world(session)
    sample = reported(session, w.special, w.batch, w.xihu, passed=True)
    assert sample.status is SampleStatus.PASSED and [i.passed for i in sample.items] == [True, True]
    session.refresh(w.batch)
    assert w.batch.release_status is ReleaseStatus.RELEASED
    assert session.scalars(select(RiskSignal)).first() is None
    assert session.scalars(select(FollowUp)).first() is None


def test_a_second_failing_sample_of_the_batch_is_the_same_signal_seen_twice(
    session: Session,
) -> None:
    w = world(session)
    reported(session, w.special, w.batch, w.xihu, passed=False)
    reported(session, w.special, w.batch, w.binjiang, passed=False)
    signal = session.scalars(select(RiskSignal).where(RiskSignal.source == "sampling")).one()
    assert signal.occurrences == 2
    assert {f.region_code for f in session.scalars(select(FollowUp))} == {"330106", "330108"}


def test_the_public_verify_shows_a_failed_batch_as_under_control(
    client: TestClient, session: Session
) -> None:
    w = world(session)
    capture(session, ADMIN, _journey_with_lot())
    session.commit()
    before = client.get("/api/v1/public/verify", params={"code": flows.PACKS[1]}).json()
    assert before["status"] == "normal"

    reported(session, w.special, w.batch, w.xihu, passed=False)
    session.commit()
    after = client.get("/api/v1/public/verify", params={"code": flows.PACKS[1]}).json()
    assert after["status"] == "suspect" and after["status_label"] == "控制中"
    assert "监督抽检不合格" in after["reason"] and "溶出度" in after["reason"]
    page = client.get("/verify", params={"code": flows.PACKS[1]}).text
    assert "控制中" in page


def test_a_recalled_batch_stays_recalled_when_a_sample_of_it_fails(session: Session) -> None:
    w = world(session)
    w.batch.release_status = ReleaseStatus.RECALLED
    session.flush()
    sample = to_lab(session, take(session, w.special, w.batch, w.xihu))
    service.record_result(session, ADMIN, sample.id, report(passed=False))
    session.refresh(w.batch)
    assert w.batch.release_status is ReleaseStatus.RECALLED
    assert session.scalars(select(FollowUp)).one().sample_id == sample.id
