"""Public scan-to-verify: is this pack genuine, what is it, and may I use it.

The answer names the product, its approval holder, batch and expiry and a plain status, but
never where the pack has been or who holds it now (custody is commercial information).
The answer comes from the pack register (:mod:`yaojian.trace.pack_state`), which capture keeps
equal to what the pack's chain concludes, so a verification is two indexed reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import system_actor
from yaojian.kit.errors import InvalidInput
from yaojian.kit.timeutil import today_local
from yaojian.registry.choices import ReleaseStatus
from yaojian.registry.models import Batch, Enterprise, Product
from yaojian.trace.chain import STATUS, chain_for
from yaojian.trace.codes import parse_code
from yaojian.trace.pack_state import effective, needs_chain, read_states

# A chain, when one must be read, is read as the platform and reduced to what the public may know.
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


@lru_cache(maxsize=1)
def _product_statement() -> Select[str, str | None, str, ReleaseStatus, str]:
    """Built once: the product a code names, its approval holder, and the batch of the lot."""
    lot_batch = and_(
        Batch.product_id == Product.id, Batch.batch_number == bindparam("lot", type_=String)
    )
    return (
        select(
            Product.name,
            Product.approval_number,
            Enterprise.name,
            Batch.release_status,
            Batch.status_reason,
        )
        .outerjoin(Enterprise, Enterprise.id == Product.holder_id)
        .outerjoin(Batch, lot_batch)
        .where(
            or_(
                Product.gtin == bindparam("gtin", type_=String),
                Product.udi_di == bindparam("gtin", type_=String),
                Product.cn_prefix == bindparam("prefix", type_=String),
            )
        )
        .limit(1)
    )


def verify(session: Session, text: str) -> Verification:
    """Two reads: the pack register (the pack and its containers), then product and batch."""
    code = parse_code(text)
    states = read_states(session, [code.canonical])
    seen = effective(states, code.canonical)
    own = states.get(code.canonical)
    lot = code.lot or (own.lot if own else None)
    expiry = code.expiry or (own.expiry if own else None)
    product = None
    if code.gtin or code.cn_product_prefix:
        params = {"gtin": code.gtin, "prefix": code.cn_product_prefix, "lot": lot}
        product = session.execute(_product_statement(), params).first()
    name, approval_number, holder, release, status_reason = product or (None,) * 5
    recalled = release is ReleaseStatus.RECALLED
    # Why the batch is under control (e.g. a failed sample).
    controlled = (
        (status_reason or "该批次已被药品监管部门控制")
        if release is ReleaseStatus.QUARANTINED
        else None
    )
    commissioned = own is not None and own.commissioned
    if needs_chain(states, code.canonical):
        # Packed into two containers at once (an anomaly the detectors report): the register
        # keeps one of them, the chain both.
        word, label = chain_for(session, _READER, code).status
    else:
        word, label = STATUS[seen.status] if seen is not None and seen.status else ("active", "")
    if seen is None:
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
        product=name,
        holder=holder,
        approval_number=approval_number,
        batch=lot,
        expiry=expiry,
    )


def check_text(text: str) -> str:
    if not text or len(text) > 200:
        raise InvalidInput(
            "code", "scan or type the code printed on the pack (at most 200 characters)"
        )
    return text.strip()
