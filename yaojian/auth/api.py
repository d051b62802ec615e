"""OAuth2 password flow for scripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel

from yaojian.auth.service import authenticate, issue_access_token
from yaojian.web.deps import SessionDep

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


@router.post("/token", response_model=TokenResponse)
def token(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> TokenResponse:
    """Exchange a username and password for a bearer token (OAuth2 password grant)."""
    user = authenticate(session, username, password)
    minutes = request.app.state.settings.access_token_minutes
    return TokenResponse(
        access_token=issue_access_token(session, user, minutes), expires_in=minutes * 60
    )
