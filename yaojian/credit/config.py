"""The credit model's configuration (credit.toml beside this file), validated by pydantic."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from yaojian.credit.models import Grade
from yaojian.kit.config import StrictConfig, read_toml

HERE = Path(__file__).parent


class Thresholds(StrictConfig):
    A: float
    B: float
    C: float

    @model_validator(mode="after")
    def _descending(self) -> Thresholds:
        if not self.A > self.B > self.C:
            raise ValueError("thresholds must satisfy A > B > C")
        return self

    def grade(self, score: float) -> Grade:
        if score >= self.A:
            return Grade.A
        if score >= self.B:
            return Grade.B
        if score >= self.C:
            return Grade.C
        return Grade.D


class Deduction(StrictConfig):
    label_zh: str
    label_en: str
    points: float = Field(gt=0)
    cap: float = Field(gt=0)

    def label(self, locale: str) -> str:
        return self.label_zh if locale.startswith("zh") else self.label_en


class Overrides(StrictConfig):
    revoked_grade: Grade
    blacklisted_grade: Grade
    counterfeit_substandard_cap: Grade
    counterfeit_substandard_codes: list[str] = Field(min_length=1)


class BlacklistPeriods(StrictConfig):
    repair_after_days: int = Field(ge=0)
    expires_after_days: int = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> BlacklistPeriods:
        if self.repair_after_days > self.expires_after_days:
            raise ValueError("repair_after_days exceeds expires_after_days")
        return self


class SignalRule(StrictConfig):
    grades: list[Grade]
    severity: dict[Grade, int]

    @model_validator(mode="after")
    def _severities(self) -> SignalRule:
        for grade in self.grades:
            if not 1 <= self.severity.get(grade, 0) <= 4:
                raise ValueError(f"signal severity of grade {grade} must be 1 to 4")
        return self


class CreditConfig(StrictConfig):
    window_months: int = Field(gt=0, le=120)
    start: float = Field(gt=0)
    thresholds: Thresholds
    deductions: dict[str, Deduction]
    overrides: Overrides
    blacklist: BlacklistPeriods
    signals: SignalRule

    @model_validator(mode="after")
    def _known_inputs(self) -> CreditConfig:
        from yaojian.credit.inputs import INPUTS

        unknown = set(self.deductions) - set(INPUTS)
        if unknown:
            raise ValueError(f"deductions for unknown inputs {sorted(unknown)}")
        missing = set(INPUTS) - set(self.deductions)
        if missing:
            raise ValueError(f"inputs without a deduction {sorted(missing)}")
        if self.start < self.thresholds.A:
            raise ValueError("grade A's threshold is above the starting score")
        return self

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def parse(data: dict[str, Any]) -> CreditConfig:
    return CreditConfig.model_validate(data)


@lru_cache
def config() -> CreditConfig:
    return read_toml(HERE / "credit.toml", CreditConfig)
