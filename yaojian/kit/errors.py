"""The one error family of the platform; the web layer renders it as RFC 9457 problem+json."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    name: str
    reason: str


@dataclass
class DomainError(Exception):
    """Base of every error a service raises on purpose. ``status`` is the HTTP status it maps to."""

    detail: str
    status: int = 400
    title: str = "Bad request"
    type_slug: str = "bad-request"
    invalid_params: list[FieldProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


class InvalidInput(DomainError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(
            detail=f"Invalid value for '{name}': {reason}",
            status=422,
            title="Invalid input",
            type_slug="invalid-input",
            invalid_params=[FieldProblem(name, reason)],
        )


class NotFound(DomainError):
    """Also the answer for an object outside the user's jurisdiction: existence is not leaked."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(
            detail=f"{what} {key} not found", status=404, title="Not found", type_slug="not-found"
        )


class Conflict(DomainError):
    def __init__(self, detail: str, name: str | None = None) -> None:
        super().__init__(
            detail=detail,
            status=409,
            title="Conflict",
            type_slug="conflict",
            invalid_params=[FieldProblem(name, detail)] if name else [],
        )


class Forbidden(DomainError):
    def __init__(self, detail: str = "You may not do this") -> None:
        super().__init__(detail=detail, status=403, title="Forbidden", type_slug="forbidden")


class Unauthenticated(DomainError):
    def __init__(self, detail: str = "Authentication required") -> None:
        super().__init__(
            detail=detail, status=401, title="Unauthenticated", type_slug="unauthenticated"
        )
