"""API shapes of the complaints desk: what the public sends, what it may read back, what
regulators read and send."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from yaojian.complaints.choices import (
    ComplaintKind,
    ComplaintStatus,
    DeadlineState,
    EntryKind,
    NotAcceptedReason,
    Routing,
)


class ComplaintCreate(BaseModel):
    """A 投诉 or 举报 from the public form or API. Name the enterprise by name or credit code."""

    model_config = ConfigDict(str_strip_whitespace=True)

    kind: ComplaintKind
    enterprise: str = Field(min_length=2, max_length=200, description="name or credit code")
    product: str = Field("", max_length=200, description="product name or approval number")
    batch_number: str = Field("", max_length=40)
    pack_code: str = Field("", max_length=200, description="the traceability code on the pack")
    description: str = Field(min_length=10, max_length=5000)
    contact_name: str = Field("", max_length=60)
    contact_phone: str = Field("", max_length=30, pattern=r"^[0-9+\- ]*$")
    contact_address: str = Field("", max_length=300)
    region_code: str = Field(
        "",
        max_length=6,
        description="the complainant's county, used when the enterprise is unknown",
    )


class ComplaintReceipt(BaseModel):
    """What the complainant gets back: the tracking number and where to look it up."""

    number: str
    tracking_url: str
    kind: ComplaintKind
    status: ComplaintStatus
    received_at: dt.datetime
    decision_due: dt.date | None


class TrackingView(BaseModel):
    """What the public tracking page shows: status and the public reply, nothing private."""

    number: str
    kind: ComplaintKind
    status: ComplaintStatus
    received_on: dt.date
    desk: str
    public_reply: str
    replied_on: dt.date | None
    closed_on: dt.date | None


class EntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: dt.datetime
    actor: str
    kind: EntryKind
    text: str
    from_region: str | None
    to_region: str | None


class ComplaintRead(BaseModel):
    """A complaint as the handling desk reads it in lists: contact masked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    kind: ComplaintKind
    status: ComplaintStatus
    channel: str
    received_at: dt.datetime
    enterprise_text: str
    enterprise_id: int | None
    product_text: str
    product_id: int | None
    batch_number: str
    region_code: str
    routing: Routing
    due_on: dt.date | None
    due_rule: str
    deadline: DeadlineState
    extended: bool
    masked_contact: str
    not_accepted_reason: NotAcceptedReason | None
    public_reply: str


class ComplaintDetail(ComplaintRead):
    """One complaint with the full contact (the desk must reach the complainant) and record."""

    description: str
    pack_code: str
    contact_name: str
    contact_phone: str
    contact_address: str
    complainant_region_code: str | None
    entries: list[EntryRead]


class Decision(BaseModel):
    accept: bool
    reason: NotAcceptedReason | None = None
    note: str = Field("", max_length=2000)


class RecordCreate(BaseModel):
    text: str = Field(min_length=2, max_length=5000)


class ReplyCreate(BaseModel):
    text: str = Field(min_length=2, max_length=5000, description="shown on the tracking page")


class TransferCreate(BaseModel):
    region_code: str = Field(min_length=6, max_length=6)
    reason: str = Field(min_length=2, max_length=2000)


class NoteCreate(BaseModel):
    note: str = Field("", max_length=2000)
