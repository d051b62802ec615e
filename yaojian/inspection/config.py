"""The rule table (``rules.toml``), loaded once and validated with pydantic.

A mistake in the file (an unknown enterprise kind, a product flag that does not exist, a
multiplier below 1) fails at load with the field named, not later in the middle of a plan.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from yaojian.inspection.choices import Domain
from yaojian.kit.config import StrictConfig, read_toml
from yaojian.registry.choices import EnterpriseKind

RULES_FILE = Path(__file__).parent / "rules.toml"

# What an enterprise makes or handles, as flags computed from its products (see planner.py).
PRODUCT_FLAGS = frozenset(
    {
        "is_narcotic",
        "is_psychotropic",
        "is_precursor",
        "is_vaccine",
        "is_blood_product",
        "is_radiopharmaceutical",
        "is_toxic",
        "sterile",
        "implantable",
        "device_class_2",
        "device_class_3",
        "for_children",
        "special_use",
    }
)
CREDIT_GRADES = ("A", "B", "C", "D")
RiskLevel = Literal["high", "medium", "low"]


class Rule(StrictConfig):
    code: str
    name: str
    kinds: list[EnterpriseKind] = Field(min_length=1)
    any_product: list[str] = Field(default_factory=list)
    interval_months: int = Field(ge=1, le=120)
    domains: list[Domain] = Field(min_length=1)
    team_size: int | None = Field(default=None, ge=2, le=6)
    risk: RiskLevel
    legal: bool
    source: str
    # A catch-all ("all other manufacturers"): applies only when no other rule matched.
    otherwise: bool = False

    @field_validator("any_product")
    @classmethod
    def _known_flags(cls, flags: list[str]) -> list[str]:
        unknown = sorted(set(flags) - PRODUCT_FLAGS)
        if unknown:
            raise ValueError(f"unknown product flags {unknown}; known: {sorted(PRODUCT_FLAGS)}")
        return flags


class OpenSignals(StrictConfig):
    any: float = Field(ge=1)
    severe: float = Field(ge=1)


class InherentRisk(StrictConfig):
    high: float = Field(ge=1)
    medium: float = Field(ge=1)
    low: float = Field(ge=1)

    def multiplier(self, level: RiskLevel) -> float:
        return float(getattr(self, level))


class PlanSettings(StrictConfig):
    default_team_size: int = Field(ge=2, le=6)
    unannounced_signal_severity: int = Field(ge=1, le=4)
    interval_steps: list[int] = Field(min_length=1)
    open_signals: OpenSignals
    inherent_risk: InherentRisk


class ChecklistItem(StrictConfig):
    code: str
    text: str
    clause: str


class Checklist(StrictConfig):
    domain: Domain
    items: list[ChecklistItem] = Field(min_length=1)


class AssignSettings(StrictConfig):
    candidates: int = Field(ge=2, le=200)
    per_domain: int = Field(ge=1, le=50)
    balance_weight: int = Field(ge=0)
    leader_as_member_km: int = Field(ge=0)
    pace_slack: float = Field(ge=1)
    pace_km: int = Field(ge=0)
    seconds_per_subproblem: float = Field(gt=0)
    relative_gap: float = Field(ge=0, lt=1)
    workers: int = Field(ge=1, le=64)


class RuleTable(StrictConfig):
    plan: PlanSettings
    assign: AssignSettings
    credit: dict[str, float]
    rules: list[Rule] = Field(min_length=1)
    checklists: list[Checklist]

    @field_validator("credit")
    @classmethod
    def _grades(cls, credit: dict[str, float]) -> dict[str, float]:
        if sorted(credit) != list(CREDIT_GRADES):
            raise ValueError(f"credit multipliers are needed for exactly {CREDIT_GRADES}")
        if any(v < 1 for v in credit.values()):
            raise ValueError("a credit multiplier below 1 would go under the legal minimum")
        return credit

    @model_validator(mode="after")
    def _unique(self) -> RuleTable:
        codes = [r.code for r in self.rules]
        if len(codes) != len(set(codes)):
            raise ValueError("rule codes must be unique")
        covered = {c.domain for c in self.checklists}
        missing = {d for r in self.rules for d in r.domains} - covered
        if missing:
            raise ValueError(f"no checklist for domains {sorted(missing)}")
        return self

    def checklist(self, domain: Domain) -> list[ChecklistItem]:
        return next(c.items for c in self.checklists if c.domain is domain)

    def rule(self, code: str) -> Rule:
        return next(r for r in self.rules if r.code == code)


def parse_rules(text: str) -> RuleTable:
    """A rule table from TOML text (tests give edited copies of the shipped one)."""
    return RuleTable.model_validate(tomllib.loads(text))


@lru_cache
def load_rules(path: Path = RULES_FILE) -> RuleTable:
    return read_toml(path, RuleTable)
