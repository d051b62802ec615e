"""Request dependencies: the database session (committed once, at the edge) and the actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from yaojian.auth.actor import PUBLIC, Actor
from yaojian.auth.models import User
from yaojian.auth.service import actor_for_user, actor_from_token
from yaojian.db import unit_of_work
from yaojian.kit.errors import Unauthenticated
from yaojian.web.i18n import pick_locale


def get_session(request: Request) -> Iterator[Session]:
    """The request is the edge: one unit of work, committed when the route returns."""
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


# scope="function": commit when the route returns, before the response is sent. With the default
# ("request") FastAPI runs the commit after sending, so a browser following a POST's redirect
# could read the database before the write was committed (a 404 for the case just opened).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_actor(request: Request, session: SessionDep) -> Actor:
    """Bearer token first (scripts, enterprise systems), then the session cookie, else public."""
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            raise Unauthenticated("use 'Authorization: Bearer <token>'")
        return actor_from_token(session, secret.strip())
    user_id = request.session.get("user_id")
    if user_id is not None:
        user = session.get(User, user_id)
        if user is not None and user.is_active:
            return actor_for_user(user)
        request.session.clear()
    return PUBLIC


ActorDep = Annotated[Actor, Depends(get_actor)]


def require_login(actor: ActorDep) -> Actor:
    if actor.is_public:
        raise Unauthenticated()
    return actor


LoggedInDep = Annotated[Actor, Depends(require_login)]


def get_locale(request: Request) -> str:
    return pick_locale(request.query_params.get("lang") or request.cookies.get("lang"))


LocaleDep = Annotated[str, Depends(get_locale)]
