"""A token for HTML forms that post, bound to the visitor's session cookie.

The session cookie is SameSite=Lax, so a cross-site POST arrives without it; the token adds the
check that matters for forms anyone may post without an account (the public complaint form):
the POST must carry the token that this site put in the form it served to the same browser.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from yaojian.kit.errors import Forbidden

FIELD = "csrf_token"
_KEY = "csrf"


def form_token(request: Request) -> str:
    """The visitor's token, created on first use and kept in the signed session cookie."""
    token = request.session.get(_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_KEY] = token
    return token


def check_token(request: Request, sent: str) -> None:
    expected = request.session.get(_KEY)
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden("the form has expired or did not come from this site; reload it and retry")
