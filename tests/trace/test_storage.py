"""How events are kept: partitioned by month on PostgreSQL, each EPC row with its event's time."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.builders import ADMIN
from yaojian.db import is_postgres, make_engine
from yaojian.migrate import upgrade
from yaojian.trace.capture import capture
from yaojian.trace.chain import chain_of
from yaojian.trace.models import TraceEvent, TraceEventEpc
from yaojian.trace.storage import partition_name

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
PACK = "https://id.gs1.org/01/06901234567892/21/A1"


def _document(*times: str) -> bytes:
    events = [
        {
            "type": "ObjectEvent",
            "eventTime": when,
            "eventTimeZoneOffset": "+08:00",
            "action": "ADD" if i == 0 else "OBSERVE",
            "bizStep": "commissioning" if i == 0 else "shipping",
            "epcList": [PACK],
            **({"ilmd": {"cbvmda:lotNumber": "L1"}} if i == 0 else {}),
        }
        for i, when in enumerate(times)
    ]
    return json.dumps(
        {"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
         "creationDate": times[0], "epcisBody": {"eventList": events}}
    ).encode()  # fmt: skip


def test_events_of_two_months_land_in_two_monthly_partitions_on_postgresql(
    session: Session,
) -> None:
    capture(session, ADMIN, _document("2031-01-31T23:00:00+08:00", "2031-02-20T09:00:00+08:00"))
    assert session.scalar(select(func.count()).select_from(TraceEvent)) == 2
    if not is_postgres(session):
        return
    kind = session.scalar(text("SELECT relkind FROM pg_class WHERE relname = 'trace_event'"))
    assert kind == "p"  # partitioned table
    # 2031-01-31 23:00 in Beijing is 15:00 UTC: January's partition.
    for name, expected in ((partition_name(2031, 1), 1), (partition_name(2031, 2), 1)):
        assert session.scalar(text(f"SELECT count(*) FROM {name}")) == expected


def test_every_epc_row_carries_its_events_time_and_the_lot_is_kept_apart_from_the_body(
    session: Session,
) -> None:
    capture(session, ADMIN, _document("2031-03-01T08:00:00+08:00", "2031-03-02T08:00:00+08:00"))
    rows = session.execute(
        select(TraceEventEpc.event_time, TraceEvent.event_time, TraceEvent.ilmd)
        .join(TraceEvent, TraceEvent.id == TraceEventEpc.event_id)
        .order_by(TraceEvent.event_time)
    ).all()
    assert [r[0] == r[1] for r in rows] == [True, True]
    assert rows[0][2] == {"cbvmda:lotNumber": "L1"} and rows[1][2] is None
    steps = chain_of(session, ADMIN, PACK).steps
    assert [s.event.biz_step for s in steps] == ["commissioning", "shipping"]


def test_upgrading_a_store_with_events_keeps_them_and_their_chain(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        upgrade(engine, "0004")
        with engine.begin() as conn:
            event_id = conn.scalar(
                text(
                    "INSERT INTO trace_event (event_hash, event_type, action, event_time, "
                    "event_time_zone_offset, record_time, biz_step, body) VALUES "
                    "('ni:///sha-256;x?ver=CBV2.0', 'ObjectEvent', 'ADD', :t, '+08:00', :t, "
                    "'commissioning', :body) RETURNING id"
                ),
                {"t": dt.datetime(2030, 5, 1, tzinfo=dt.UTC),
                 "body": json.dumps({"ilmd": {"cbvmda:lotNumber": "L9"}})},
            )  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO trace_event_epc (event_id, epc, role) "
                    "VALUES (:e, 'urn:epc:id:sgtin:0690123.456789.A1', 'epc')"
                ),
                {"e": event_id},
            )
        upgrade(engine)
        with Session(engine) as session:
            event = session.scalars(select(TraceEvent)).one()
            assert event.ilmd == {"cbvmda:lotNumber": "L9"}
            epc = session.scalars(select(TraceEventEpc)).one()
            assert epc.event_time == event.event_time == dt.datetime(2030, 5, 1, tzinfo=dt.UTC)
            if is_postgres(session):
                count = f"SELECT count(*) FROM {partition_name(2030, 5)}"
                assert session.scalar(text(count)) == 1
                # New events continue the id sequence after the copied ones.
                capture(session, ADMIN, _document("2030-06-01T08:00:00+08:00"))
                assert max(session.scalars(select(TraceEvent.id))) > event.id
    finally:
        engine.dispose()
