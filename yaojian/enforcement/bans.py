"""Bans on persons (处罚到人): in force from the decision until their end (or for life), and the
check the registry makes when someone is named to a key position."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yaojian.enforcement.choices import BanScope
from yaojian.enforcement.models import Case, PersonBan
from yaojian.kit.errors import Conflict
from yaojian.kit.timeutil import today_local
from yaojian.registry.choices import EnterpriseKind

# Which bans keep a person out of a key position at an enterprise of each kind. Hospitals and
# vaccination sites are not 药品生产经营 enterprises, so a drug ban does not reach them.
SCOPE_OF_KIND: dict[EnterpriseKind, BanScope] = {
    EnterpriseKind.DRUG_MANUFACTURER: BanScope.DRUG,
    EnterpriseKind.DRUG_WHOLESALER: BanScope.DRUG,
    EnterpriseKind.RETAIL_CHAIN: BanScope.DRUG,
    EnterpriseKind.RETAIL_PHARMACY: BanScope.DRUG,
    EnterpriseKind.ECOMMERCE_PLATFORM: BanScope.DRUG,
    EnterpriseKind.DEVICE_MANUFACTURER: BanScope.DEVICE,
    EnterpriseKind.DEVICE_DISTRIBUTOR: BanScope.DEVICE,
    EnterpriseKind.COSMETICS_MANUFACTURER: BanScope.COSMETIC,
}


def ban_in_force(
    session: Session, person_id: int, scope: BanScope, on: dt.date
) -> PersonBan | None:
    stmt = (
        select(PersonBan)
        .where(
            PersonBan.person_id == person_id,
            PersonBan.scope == scope,
            PersonBan.starts_on <= on,
            or_(PersonBan.ends_on.is_(None), PersonBan.ends_on >= on),
        )
        .order_by(PersonBan.ends_on.is_(None).desc(), PersonBan.ends_on.desc())
    )
    return session.scalars(stmt).first()


def refuse_if_banned(
    session: Session, person_id: int, kind: EnterpriseKind, on: dt.date | None = None
) -> None:
    """Raise 409 naming the ban when the person may not hold a key position at such an
    enterprise on ``on`` (today by default)."""
    scope = SCOPE_OF_KIND.get(kind)
    if scope is None:
        return
    ban = ban_in_force(session, person_id, scope, on or today_local())
    if ban is None:
        return
    number = session.scalar(select(Case.decision_number).where(Case.id == ban.case_id))
    until = "终身" if ban.ends_on is None else f"至 {ban.ends_on}"
    raise Conflict(
        f"{ban.person.name} is banned from {scope.en} ({scope.zh}，{until}) by decision "
        f"{number} ({ban.basis}); they cannot be named to a key position",
        "person_ban",
    )
