"""Public scan-to-verify: is this pack genuine, what is it, and may I use it.

The answer names the product, its approval holder, batch and expiry and a plain status, but
never where the pack has been or who holds it now (custody is commercial information).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import system_actor
from yaojian.kit.errors import InvalidInput
from yaojian.kit.timeutil import today_local
from yaojian.registry.choices import ReleaseStatus
from yaojian.registry.models import Batch, Enterprise, Product
from yaojian.trace.chain import chain_of

# The whole chain is read as the platform, then reduced to what the public may know.
_READER = system_actor("trace.verify")


@dataclass(frozen=True)
class Verification:
    code: str
    genuine: bool
    status: str  # normal, dispensed, recalled, suspect
    status_label: str
    reason: str
    product: str | None
    holder: str | None
    approval_number: str | None
    batch: str | None
    expiry: dt.date | None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "genuine": self.genuine,
            "status": self.status,
            "status_label": self.status_label,
            "reason": self.reason,
            "product": self.product,
            "holder": self.holder,
            "approval_number": self.approval_number,
            "batch": self.batch,
            "expiry": self.expiry.isoformat() if self.expiry else None,
        }


def _commissioning_facts(chain_events: list[Any]) -> tuple[str | None, dt.date | None]:
    """Lot and expiry from the commissioning event's ILMD (where EPCIS carries them)."""
    for event in chain_events:
        ilmd = event.ilmd or {}
        lot = ilmd.get("lotNumber") or ilmd.get("cbvmda:lotNumber")
        expiry = ilmd.get("itemExpirationDate") or ilmd.get("cbvmda:itemExpirationDate")
        if lot or expiry:
            return lot, dt.date.fromisoformat(str(expiry)[:10]) if expiry else None
    return None, None


def verify(session: Session, text: str) -> Verification:
    chain = chain_of(session, _READER, text)
    code = chain.code
    matches: list[ColumnElement[bool]] = []
    if code.gtin:
        matches += [Product.gtin == code.gtin, Product.udi_di == code.gtin]
    if code.cn_product_prefix:
        matches.append(Product.cn_prefix == code.cn_product_prefix)
    product = session.scalars(select(Product).where(or_(*matches))).first() if matches else None
    holder = session.get(Enterprise, product.holder_id) if product else None
    lot, expiry = _commissioning_facts([s.event for s in chain.steps])
    lot = code.lot or lot
    expiry = code.expiry or expiry
    recalled = False
    controlled: str | None = None  # why the batch is under control (e.g. a failed sample)
    if product is not None and lot:
        batch = session.scalars(
            select(Batch).where(Batch.product_id == product.id, Batch.batch_number == lot)
        ).first()
        recalled = batch is not None and batch.release_status is ReleaseStatus.RECALLED
        if batch is not None and batch.release_status is ReleaseStatus.QUARANTINED:
            controlled = batch.status_reason or "该批次已被药品监管部门控制"
    commissioned = any(
        s.event.biz_step == "commissioning" or (s.event.action == "ADD" and s.via is None)
        for s in chain.steps
    )
    word, label = chain.status
    if not chain.steps:
        status, label, reason = "suspect", "可疑", "平台未见该追溯码的赋码与流通记录"
    elif not commissioned:
        status, label, reason = "suspect", "可疑", "该追溯码没有赋码（生产）记录"
    elif recalled or word == "recalled":
        status, label, reason = "recalled", "已召回", "该批次已召回，请勿使用"
    elif controlled is not None:
        status, label, reason = "suspect", "控制中", f"{controlled}；该批次控制中，请暂停使用"
    elif expiry is not None and expiry < today_local():
        status, label, reason = "suspect", "已过期", f"有效期至 {expiry.isoformat()}，已过期"
    elif word == "dispensed":
        status, label, reason = "dispensed", "已售出", "该包装已在药店或医疗机构售出/使用过"
    elif word in ("suspect", "destroyed", "damaged", "expired"):
        status, reason = "suspect", label
    else:
        status, label, reason = "normal", "正常", "该包装流通记录完整"
    return Verification(
        code=code.canonical,
        genuine=commissioned,
        status=status,
        status_label=label,
        reason=reason,
        product=product.name if product else None,
        holder=holder.name if holder else None,
        approval_number=product.approval_number if product else None,
        batch=lot,
        expiry=expiry,
    )


def check_text(text: str) -> str:
    if not text or len(text) > 200:
        raise InvalidInput(
            "code", "scan or type the code printed on the pack (at most 200 characters)"
        )
    return text.strip()
