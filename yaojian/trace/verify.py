"""Public scan-to-verify: is this pack genuine, what is it, and may I use it.

The answer names the product, its approval holder, batch and expiry and a plain status, but
never where the pack has been or who holds it now (custody is commercial information).
The answer comes from the pack register (:mod:`yaojian.trace.pack_state`), which capture keeps
equal to what the pack's chain concludes, so a verification is one statement of indexed reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, cast, func, literal, or_, select, true
from sqlalchemy.orm import Session

from yaojian.auth.actor import system_actor
from yaojian.kit.errors import InvalidInput
from yaojian.kit.timeutil import today_local
from yaojian.registry.choices import ReleaseStatus
from yaojian.registry.models import Batch, Enterprise, Product
from yaojian.trace.chain import STATUS, chain_for
from yaojian.trace.codes import parse_code
from yaojian.trace.models import TracePackState
from yaojian.trace.pack_state import PackState, around, effective, needs_chain

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
def _verify_statement() -> Select[Any]:
    """Built once: everything a verification reads, in one statement.

    The register rows of the pack (``:code``) and of every container around it, each beside
    the product the code names (by GTIN, UDI-DI or 药品标识码), its approval holder and the
    batch of the lot (the code's own ``:lot``, else the lot the register has for the pack);
    one row of NULL states when the register has never seen the code. A single statement is
    a consistent read without a transaction, and one round trip on the busiest public path.
    """
    table = TracePackState.__table__
    code = bindparam("code", type_=String)
    # Typed as the column, so that the recursive walk's two halves agree on PostgreSQL.
    states = around(select(cast(code, table.c.epc.type).label("epc"))).subquery("states")
    own_lot = select(table.c.lot).where(table.c.epc == code).scalar_subquery()
    lot = func.coalesce(bindparam("lot", type_=String), own_lot)
    gtin = bindparam("gtin", type_=String)
    item = (
        select(
            Product.name.label("product"),
            Product.approval_number,
            Enterprise.name.label("holder"),
            Batch.release_status,
            Batch.status_reason,
        )
        .outerjoin(Enterprise, Enterprise.id == Product.holder_id)
        .outerjoin(Batch, and_(Batch.product_id == Product.id, Batch.batch_number == lot))
        .where(
            or_(
                Product.gtin == gtin,
                Product.udi_di == gtin,
                Product.cn_prefix == bindparam("prefix", type_=String),
            )
        )
        .limit(1)
        .subquery("item")
    )
    one = select(literal(1).label("one")).subquery("one")
    return (
        select(*item.c, *states.c)
        .select_from(one)
        .outerjoin(item, true())
        .outerjoin(states, true())
    )


def verify(session: Session, text: str) -> Verification:
    """One read (:func:`_verify_statement`): the pack register and the product and batch."""
    code = parse_code(text)
    params = {
        "code": code.canonical,
        "gtin": code.gtin,
        "prefix": code.cn_product_prefix,
        "lot": code.lot or None,
    }
    rows = session.connection().execute(_verify_statement(), params).all()
    name, approval_number, holder, release, status_reason = rows[0][:5]
    states = {row[5]: PackState(*row[5:]) for row in rows if row[5] is not None}
    seen = effective(states, code.canonical)
    own = states.get(code.canonical)
    lot = code.lot or (own.lot if own else None)
    expiry = code.expiry or (own.expiry if own else None)
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
