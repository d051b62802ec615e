"""Accounts, passwords (argon2) and bearer tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from contextlib import suppress
from functools import lru_cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor, jurisdiction_prefix
from yaojian.auth.models import REGULATOR_ROLES, ApiToken, Role, User
from yaojian.auth.permissions import Action, authorize
from yaojian.kit.errors import Conflict, InvalidInput, Unauthenticated
from yaojian.kit.timeutil import utcnow
from yaojian.registry.models import Enterprise, Region
from yaojian.settings import get_settings

TOKEN_PREFIX = "yj_"


@lru_cache
def _hasher() -> PasswordHasher:
    """Argon2id with the profile named in settings (RFC 9106's low-memory one by default)."""
    return PasswordHasher.from_parameters(getattr(profiles, get_settings().argon2_profile))


@lru_cache
def _dummy_hash() -> str:
    """Verifying against this keeps a login with an unknown username as slow as a wrong password."""
    return _hasher().hash("not a password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for_user(user: User, token_id: int | None = None) -> Actor:
    prefix = jurisdiction_prefix(user.region_code) if user.region_code else None
    return Actor(
        name=user.username,
        role=user.role,
        user_id=user.id,
        token_id=token_id,
        region_code=user.region_code,
        jurisdiction_prefix=prefix if user.role in REGULATOR_ROLES else None,
        enterprise_id=user.enterprise_id,
    )


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: Role,
    region_code: str | None = None,
    enterprise_id: int | None = None,
    display_name: str = "",
) -> User:
    authorize(actor, Action.USER_ADMIN)
    if role in REGULATOR_ROLES:
        if region_code is None or session.get(Region, region_code) is None:
            raise InvalidInput("region_code", "a regulator needs the region of their jurisdiction")
        enterprise_id = None
    elif role is Role.ENTERPRISE:
        if enterprise_id is None or session.get(Enterprise, enterprise_id) is None:
            raise InvalidInput("enterprise_id", "an enterprise user needs an existing enterprise")
        region_code = None
    else:
        raise InvalidInput("role", "the public has no accounts")
    if len(password) < 4:
        raise InvalidInput("password", "at least 4 characters")
    if session.scalar(select(User.id).where(User.username == username)):
        raise Conflict(f"user {username} exists", "username")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        region_code=region_code,
        enterprise_id=enterprise_id,
    )
    session.add(user)
    session.flush()
    after = snapshot(user)
    after.pop("password_hash")
    record(session, actor, "user.create", "user", user.id, None, after)
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.is_active:
        with suppress(VerificationError):
            _hasher().verify(_dummy_hash(), password)
        raise Unauthenticated("wrong username or password")
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise Unauthenticated("wrong username or password") from None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _new_token(
    session: Session,
    *,
    name: str,
    user_id: int | None,
    enterprise_id: int | None,
    expires_at: dt.datetime | None,
) -> tuple[ApiToken, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        token_hash=_token_digest(secret),
        name=name,
        user_id=user_id,
        enterprise_id=enterprise_id,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    return token, secret


def issue_access_token(session: Session, user: User, minutes: int) -> str:
    """OAuth2 password flow: a token that acts as ``user`` for ``minutes``."""
    _, secret = _new_token(
        session,
        name="password-flow",
        user_id=user.id,
        enterprise_id=user.enterprise_id,
        expires_at=utcnow() + dt.timedelta(minutes=minutes),
    )
    return secret


def create_machine_token(
    session: Session, actor: Actor, enterprise_id: int, name: str, days: int | None = None
) -> tuple[ApiToken, str]:
    """A bearer token for an enterprise's own system, bound to that enterprise only."""
    authorize(actor, Action.USER_ADMIN)
    if session.get(Enterprise, enterprise_id) is None:
        raise InvalidInput("enterprise", f"no enterprise {enterprise_id}")
    expires = utcnow() + dt.timedelta(days=days) if days else None
    token, secret = _new_token(
        session, name=name, user_id=None, enterprise_id=enterprise_id, expires_at=expires
    )
    after = snapshot(token)
    after.pop("token_hash")
    record(session, actor, "token.create", "api_token", token.id, None, after)
    return token, secret


def actor_from_token(session: Session, secret: str) -> Actor:
    token = session.scalars(
        select(ApiToken).where(ApiToken.token_hash == _token_digest(secret))
    ).first()
    now = utcnow()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
    ):
        raise Unauthenticated("invalid or expired token")
    if token.user_id is not None:
        user = session.get(User, token.user_id)
        if user is None or not user.is_active:
            raise Unauthenticated("invalid or expired token")
        return actor_for_user(user, token.id)
    return Actor(
        name=f"token:{token.name}",
        role=Role.ENTERPRISE,
        token_id=token.id,
        enterprise_id=token.enterprise_id,
    )
