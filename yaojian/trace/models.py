"""Stored EPCIS events, the EPCs they name, capture jobs, and the locations of enterprises."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yaojian.auth.scope import ScopeRule, register_scope
from yaojian.db import Base
from yaojian.kit.choices import LabelledChoice, enum_column
from yaojian.kit.timeutil import utcnow
from yaojian.signals.models import SubjectType


class JobStatus(LabelledChoice):
    RUNNING = ("running", "处理中", "running")
    SUCCEEDED = ("succeeded", "成功", "succeeded")
    PARTIAL = ("partial", "部分成功", "partially succeeded")
    FAILED = ("failed", "失败", "failed")


class RecallLevel(LabelledChoice):
    """药品召回管理办法: 一级 (serious harm likely) … 三级 (harm unlikely but recall needed)."""

    LEVEL_1 = ("1", "一级", "class I")
    LEVEL_2 = ("2", "二级", "class II")
    LEVEL_3 = ("3", "三级", "class III")


class RecallStatus(LabelledChoice):
    OPEN = ("open", "召回中", "open")
    DONE = ("done", "已完成", "done")


class TraceLocation(Base):
    """A read point or business location (SGLN URN, canonical) and the enterprise it belongs to."""

    __tablename__ = "trace_location"

    uri: Mapped[str] = mapped_column(String(200), primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class CaptureJob(Base):
    __tablename__ = "trace_capture_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, 16))
    error_behaviour: Mapped[str] = mapped_column(String(10))  # rollback | proceed
    actor: Mapped[str] = mapped_column(String(120))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    events_received: Mapped[int] = mapped_column(Integer, default=0)
    events_stored: Mapped[int] = mapped_column(Integer, default=0)
    events_duplicate: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TraceEvent(Base):
    """One EPCIS event, stored once per CBV 2.0 event hash.

    On PostgreSQL the table is range-partitioned by month of ``event_time`` (migration 0005,
    :mod:`yaojian.trace.storage`): its primary key is really ``(id, event_time)`` and the hash is
    unique with the event time, which the hash covers anyway. The ORM only needs ``id``.
    """

    __tablename__ = "trace_event"
    __table_args__ = (Index("ix_trace_event_time_id", "event_time", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_hash: Mapped[str] = mapped_column(String(120), unique=True)
    event_id: Mapped[str | None] = mapped_column(String(200), index=True)
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str | None] = mapped_column(String(10))
    event_time: Mapped[dt.datetime] = mapped_column()
    event_time_zone_offset: Mapped[str] = mapped_column(String(6))
    record_time: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    biz_step: Mapped[str | None] = mapped_column(String(200), index=True)
    disposition: Mapped[str | None] = mapped_column(String(200), index=True)
    read_point: Mapped[str | None] = mapped_column(String(200), index=True)
    biz_location: Mapped[str | None] = mapped_column(String(200), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    job_id: Mapped[str | None] = mapped_column(ForeignKey("trace_capture_job.id"))
    # Instance/lot master data (lot, expiry) of commissioning events, kept apart from the body
    # so that a pack's chain need not read a commissioning body naming thousands of packs.
    ilmd: Mapped[dict[str, Any] | None] = mapped_column()
    body: Mapped[dict[str, Any]] = mapped_column(deferred=True)

    epcs: Mapped[list[TraceEventEpc]] = relationship(cascade="all, delete-orphan")


class TraceEventEpc(Base):
    """An identifier an event names, in canonical form, with its role in the event."""

    __tablename__ = "trace_event_epc"
    __table_args__ = (Index("ix_trace_event_epc_epc_role", "epc", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("trace_event.id", ondelete="CASCADE"), index=True
    )
    # The event's time again, so that a join to the partitioned event table reads one partition.
    event_time: Mapped[dt.datetime] = mapped_column()
    epc: Mapped[str] = mapped_column(String(250))
    # epc, parent, child, input, output, quantity (class-level), child_quantity, input_quantity,
    # output_quantity
    role: Mapped[str] = mapped_column(String(20))
    # The product the identifier belongs to, for coverage and recall: GTIN or 药品标识码.
    gtin: Mapped[str | None] = mapped_column(String(14), index=True)
    cn_prefix: Mapped[str | None] = mapped_column(String(7), index=True)


class TracePackState(Base):
    """The pack register: an identifier's latest state, kept at capture
    (:mod:`yaojian.trace.pack_state` says what each column means and how it is kept).

    No foreign keys: every value is copied from a stored event, which has them, and the
    register is rewritten on the hottest write path."""

    __tablename__ = "trace_pack_state"
    __table_args__ = (Index("ix_trace_pack_state_gtin_lot", "gtin", "lot"),)

    epc: Mapped[str] = mapped_column(String(250), primary_key=True)
    gtin: Mapped[str | None] = mapped_column(String(14))
    cn_prefix: Mapped[str | None] = mapped_column(String(7))
    lot: Mapped[str | None] = mapped_column(String(40))
    expiry: Mapped[dt.date | None] = mapped_column()
    facts_at: Mapped[dt.datetime | None] = mapped_column()
    facts_event: Mapped[int | None] = mapped_column(BigInteger)
    maker_id: Mapped[int | None] = mapped_column(Integer)
    commissioned: Mapped[bool] = mapped_column(default=False)
    ambiguous: Mapped[bool] = mapped_column(default=False)
    parent: Mapped[str | None] = mapped_column(String(250), index=True)
    packed_at: Mapped[dt.datetime | None] = mapped_column()
    unpacked_at: Mapped[dt.datetime | None] = mapped_column()
    last_at: Mapped[dt.datetime | None] = mapped_column()
    own_status: Mapped[str | None] = mapped_column(String(20))
    own_status_at: Mapped[dt.datetime | None] = mapped_column()
    own_status_event: Mapped[int | None] = mapped_column(BigInteger)
    own_holder_id: Mapped[int | None] = mapped_column(Integer)
    own_holder_region: Mapped[str | None] = mapped_column(String(6))
    own_holder_at: Mapped[dt.datetime | None] = mapped_column()
    own_holder_event: Mapped[int | None] = mapped_column(BigInteger)
    out_status: Mapped[str | None] = mapped_column(String(20))
    out_status_at: Mapped[dt.datetime | None] = mapped_column()
    out_status_event: Mapped[int | None] = mapped_column(BigInteger)
    out_holder_id: Mapped[int | None] = mapped_column(Integer)
    out_holder_region: Mapped[str | None] = mapped_column(String(6))
    out_holder_at: Mapped[dt.datetime | None] = mapped_column()
    out_holder_event: Mapped[int | None] = mapped_column(BigInteger)


class TraceRecall(Base):
    """A recall of one product batch (GTIN + lot) and the packs the events show of it."""

    __tablename__ = "trace_recall"

    id: Mapped[int] = mapped_column(primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14), index=True)
    lot: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(1000), default="")
    level: Mapped[RecallLevel] = mapped_column(enum_column(RecallLevel, 4))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    status: Mapped[RecallStatus] = mapped_column(
        enum_column(RecallStatus, 16), default=RecallStatus.OPEN
    )
    # The recalling party (the enterprise that commissioned the packs, or the registry batch's
    # manufacturer) and its county: who sees the recall.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"))
    registry_note: Mapped[str] = mapped_column(String(300), default="")

    tasks: Mapped[list[TraceRecallTask]] = relationship(
        cascade="all, delete-orphan", order_by="TraceRecallTask.enterprise_id"
    )


class TraceRecallTask(Base):
    """What one holder must send back; its counts move as return events arrive."""

    __tablename__ = "trace_recall_task"
    __table_args__ = (UniqueConstraint("recall_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(
        ForeignKey("trace_recall.id", ondelete="CASCADE"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    packs_held: Mapped[int] = mapped_column(Integer)
    packs_returned: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[RecallStatus] = mapped_column(
        enum_column(RecallStatus, 16), default=RecallStatus.OPEN
    )


class TracePlantedAnomaly(Base):
    """Ground truth of the demo: an anomaly the demo generator planted in the synthetic flows,
    named as the detector's signal would name it (kind, subject). Written only by
    :mod:`yaojian.demo.trace_anomalies`; read by :mod:`yaojian.trace.evaluation`."""

    __tablename__ = "trace_planted_anomaly"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[SubjectType] = mapped_column(enum_column(SubjectType, 16))
    subject_id: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(String(500), default="")
    # Where it was planted (the enterprise whose event carries it), for scoping like a signal.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# Events are seen by the jurisdiction of the location they happened at, and by that enterprise.
register_scope(
    TraceEvent, ScopeRule(region=TraceEvent.region_code, enterprise=TraceEvent.enterprise_id)
)
register_scope(
    TracePackState,
    ScopeRule(region=TracePackState.own_holder_region, enterprise=TracePackState.own_holder_id),
)
register_scope(TraceLocation, ScopeRule(enterprise=TraceLocation.enterprise_id))
register_scope(
    TraceRecall, ScopeRule(region=TraceRecall.region_code, enterprise=TraceRecall.enterprise_id)
)
register_scope(
    TracePlantedAnomaly,
    ScopeRule(region=TracePlantedAnomaly.region_code, enterprise=TracePlantedAnomaly.enterprise_id),
)
