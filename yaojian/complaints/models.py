"""The complaint table and its handling record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from yaojian.auth.scope import ScopeRule, register_scope
from yaojian.complaints.choices import (
    ComplaintKind,
    ComplaintStatus,
    EntryKind,
    NotAcceptedReason,
    Routing,
)
from yaojian.db import Base
from yaojian.kit.choices import enum_column
from yaojian.kit.timeutil import utcnow


class Complaint(Base):
    """One 投诉 or 举报. ``region_code`` is the desk that handles it (a county, or the province).

    ``number`` is the public tracking number; it carries a random part so that numbers cannot
    be guessed one from another. ``due_on``/``due_rule`` hold the statutory deadline of the
    current step (none once replied or decided not to accept), kept up to date by the service
    so that lists can sort and colour by it in SQL.
    """

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[ComplaintKind] = mapped_column(enum_column(ComplaintKind, 16), index=True)
    status: Mapped[ComplaintStatus] = mapped_column(
        enum_column(ComplaintStatus, 16), default=ComplaintStatus.RECEIVED, index=True
    )
    channel: Mapped[str] = mapped_column(String(16), default="web")
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    # What the complainant named, as typed, and what the registry matched it to.
    enterprise_text: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    product_text: Mapped[str] = mapped_column(String(200), default="")
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"), index=True)
    batch_number: Mapped[str] = mapped_column(String(40), default="")
    pack_code: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text)

    # Contact: required for a 投诉 (办法 第九条), optional for a 举报 (anonymous reports stand).
    contact_name: Mapped[str] = mapped_column(String(60), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    contact_address: Mapped[str] = mapped_column(String(300), default="")

    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    routing: Mapped[Routing] = mapped_column(enum_column(Routing, 16))
    complainant_region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))

    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    due_rule: Mapped[str] = mapped_column(String(60), default="")
    extended: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    not_accepted_reason: Mapped[NotAcceptedReason | None] = mapped_column(
        enum_column(NotAcceptedReason, 24)
    )
    public_reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[dt.datetime | None] = mapped_column()
    closed_at: Mapped[dt.datetime | None] = mapped_column()

    entries: Mapped[list[ComplaintEntry]] = relationship(
        back_populates="complaint", order_by="ComplaintEntry.id", cascade="all, delete-orphan"
    )

    @property
    def named(self) -> bool:
        """A complainant who left a way to be reached, and so is owed a reply."""
        return bool(self.contact_name.strip() and self.contact_phone.strip())

    @property
    def masked_contact(self) -> str:
        """Name and phone as lists show them: 张* · 138****5678."""
        if not self.named:
            return ""
        name = self.contact_name.strip()
        phone = self.contact_phone.strip()
        masked_phone = (
            phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:] if len(phone) > 7 else "***"
        )
        return f"{name[0]}{'*' * (len(name) - 1)} · {masked_phone}"


class ComplaintEntry(Base):
    """One step of the handling record: who did what, when. Read only through its complaint."""

    __tablename__ = "complaint_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, 16))
    text: Mapped[str] = mapped_column(Text, default="")
    from_region: Mapped[str | None] = mapped_column(String(6))
    to_region: Mapped[str | None] = mapped_column(String(6))

    complaint: Mapped[Complaint] = relationship(back_populates="entries")


# No enterprise column in the rule: an enterprise never reads the complaints about it, because
# they carry the complainant's identity (举报人信息 is confidential). The public reads one
# complaint by its tracking number only (service.track), never a list.
register_scope(Complaint, ScopeRule(region=Complaint.region_code))
