"""Who is acting: a user, a machine token, the system itself, or the anonymous public."""

from __future__ import annotations

from dataclasses import dataclass

from yaojian.auth.models import REGULATOR_ROLES, Role


@dataclass(frozen=True)
class Actor:
    """The acting party that every service call receives.

    ``jurisdiction_prefix`` is the GB/T 2260 code prefix of the region a regulator oversees
    ("33" for the province, "3301" for Hangzhou, "330106" for Xihu); ``None`` for others.
    """

    name: str
    role: Role
    user_id: int | None = None
    token_id: int | None = None
    region_code: str | None = None
    jurisdiction_prefix: str | None = None
    enterprise_id: int | None = None

    @property
    def is_regulator(self) -> bool:
        return self.role in REGULATOR_ROLES

    @property
    def is_province_wide(self) -> bool:
        return self.role in (Role.PROVINCE_ADMIN, Role.PROVINCE_REGULATOR)

    @property
    def is_public(self) -> bool:
        return self.role is Role.PUBLIC

    def audit_label(self) -> str:
        return self.name


PUBLIC = Actor(name="public", role=Role.PUBLIC)


def system_actor(component: str) -> Actor:
    """The platform acting on its own (detectors, the demo generator, migrations of data)."""
    return Actor(name=f"system:{component}", role=Role.PROVINCE_ADMIN, jurisdiction_prefix="33")


def jurisdiction_prefix(region_code: str) -> str:
    """GB/T 2260 codes nest by prefix: 330000 → "33", 330100 → "3301", 330106 → "330106"."""
    if region_code.endswith("0000"):
        return region_code[:2]
    if region_code.endswith("00"):
        return region_code[:4]
    return region_code
