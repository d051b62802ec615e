"""The one place where reads are limited to what the acting party may see.

Every list and detail read of a scoped table goes through :func:`scoped` or :func:`get_visible`.
A table is registered once with the column that ties a row to a county (``region``) and/or an
enterprise (``enterprise``), and with the rows the public may see (``public``; none if absent).

- province regulators and administrators see everything;
- city/county regulators and inspectors see rows whose county code starts with their
  jurisdiction prefix (GB/T 2260 codes nest by prefix); on tables registered with ``assigned``
  an inspector sees only the rows of their own assignments instead;
- an enterprise user or machine token sees rows of its own enterprise only;
- the public sees only the rows registered as public.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Select, false, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import True_

from yaojian.auth.actor import Actor
from yaojian.auth.models import Role
from yaojian.kit.errors import NotFound
from yaojian.registry.models import Batch, Enterprise, KeyPosition, Licence, Product, Region

T = TypeVar("T")


@dataclass(frozen=True)
class ScopeRule:
    """``region``/``enterprise``: columns tying a row to a county code / an enterprise id.

    ``reference`` marks reference data that every party reads whole (regions).
    ``assigned``, when given, is what an inspector sees instead of their jurisdiction: the rows
    of the work they are assigned to (inspection visits), built from the acting inspector.
    """

    region: InstrumentedAttribute[Any] | None = None
    enterprise: InstrumentedAttribute[Any] | None = None
    public: Callable[[], ColumnElement[bool]] | None = None
    reference: bool = False
    assigned: Callable[[Actor], ColumnElement[bool]] | None = None


_RULES: dict[type[Any], ScopeRule] = {}


def register_scope(model: type[Any], rule: ScopeRule) -> None:
    if rule.region is None and rule.enterprise is None and not rule.reference:
        raise ValueError(f"{model.__name__}: a scope rule needs a region or enterprise column")
    _RULES[model] = rule


def within_region(column: Any, prefix: str) -> ColumnElement[bool]:
    """``column`` holds a region code under ``prefix`` ("33", "3301", "330106").

    Written as a range rather than LIKE so that both SQLite and PostgreSQL use the index.
    """
    pad = 6 - len(prefix)
    return cast(ColumnElement[bool], column.between(prefix + "0" * pad, prefix + "9" * pad))


def visibility_clause(actor: Actor, model: type[Any]) -> ColumnElement[bool]:
    """The WHERE clause limiting ``model`` to what ``actor`` may read."""
    rule = next((_RULES[cls] for cls in model.__mro__ if cls in _RULES), None)
    if rule is None:
        raise LookupError(f"{model.__name__} has no scope rule; register one")
    if actor.is_province_wide or rule.reference:
        return true()
    if actor.role is Role.PUBLIC:
        return rule.public() if rule.public is not None else false()
    if actor.role is Role.ENTERPRISE:
        if actor.enterprise_id is None or rule.enterprise is None:
            return false()
        return cast(ColumnElement[bool], rule.enterprise == actor.enterprise_id)
    if actor.role is Role.INSPECTOR and rule.assigned is not None:
        return rule.assigned(actor)
    if actor.is_regulator and actor.jurisdiction_prefix:
        prefix = actor.jurisdiction_prefix
        if rule.region is not None:
            return within_region(rule.region, prefix)
        if rule.enterprise is not None:
            in_jurisdiction = select(Enterprise.id).where(
                within_region(Enterprise.region_code, prefix)
            )
            return cast(ColumnElement[bool], rule.enterprise.in_(in_jurisdiction))
    return false()


AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])


def scoped(stmt: AnySelect, actor: Actor, model: type[Any]) -> AnySelect:
    clause = visibility_clause(actor, model)
    # Unchanged when everything is visible: a statement built once keeps its cache key, which
    # SQLAlchemy would otherwise derive again, walking the whole statement, on every call.
    if isinstance(clause, True_):
        return stmt
    return stmt.where(clause)


def get_visible(session: Session, actor: Actor, model: type[T], key: Any, what: str) -> T:
    """Load one row by primary key, or raise NotFound — also when it exists but is out of scope."""
    mapper_pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    stmt = scoped(select(model).where(mapper_pk == key), actor, model)
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(what, key)
    return row


def _everything() -> ColumnElement[bool]:
    return true()


register_scope(Region, ScopeRule(reference=True))
register_scope(
    Enterprise,
    ScopeRule(region=Enterprise.region_code, enterprise=Enterprise.id, public=_everything),
)
register_scope(
    Licence,
    ScopeRule(enterprise=Licence.enterprise_id, public=_everything),
)
register_scope(Product, ScopeRule(enterprise=Product.holder_id, public=_everything))
register_scope(Batch, ScopeRule(enterprise=Batch.enterprise_id))
register_scope(KeyPosition, ScopeRule(enterprise=KeyPosition.enterprise_id))
