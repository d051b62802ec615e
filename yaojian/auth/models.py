"""Users and API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from yaojian.db import Base
from yaojian.kit.choices import LabelledChoice, enum_column
from yaojian.kit.timeutil import utcnow


class Role(LabelledChoice):
    PROVINCE_ADMIN = ("province_admin", "省局管理员", "province administrator")
    PROVINCE_REGULATOR = ("province_regulator", "省局监管人员", "province regulator")
    CITY_REGULATOR = ("city_regulator", "市局监管人员", "city regulator")
    COUNTY_REGULATOR = ("county_regulator", "县（区）局监管人员", "county regulator")
    INSPECTOR = ("inspector", "检查员", "inspector")
    ENTERPRISE = ("enterprise", "企业用户", "enterprise user")
    PUBLIC = ("public", "公众", "public")


REGULATOR_ROLES = frozenset(
    {
        Role.PROVINCE_ADMIN,
        Role.PROVINCE_REGULATOR,
        Role.CITY_REGULATOR,
        Role.COUNTY_REGULATOR,
        Role.INSPECTOR,
    }
)


class User(Base):
    """A person who logs in: regulators carry a jurisdiction, enterprise users an enterprise."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A bearer token. Only its SHA-256 is stored; the token itself is shown once at creation.

    Tokens from the OAuth2 password flow act as their user. Machine tokens
    (``yaojian token create``) have no user and are bound to one enterprise.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
