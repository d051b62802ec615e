"""The two configuration tables of enforcement, read from TOML beside this file and validated.

``limits.toml``: the statutory time limit of each stage. ``discretion.toml``: violations, their
legal basis and penalty ranges, and the circumstances that move a case within a range.
Sources: docs/enforcement.md.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from yaojian.kit.config import StrictConfig, read_toml

HERE = Path(__file__).parent


class Clock(StrictConfig):
    label_zh: str
    label_en: str
    days: int = Field(gt=0)
    working_days: bool
    extension_days: int = Field(ge=0)
    max_extensions: int = Field(ge=0)
    further_by_collective_discussion: bool = False
    warn_days: int = Field(ge=0)
    source: str = Field(min_length=1)

    def label(self, locale: str) -> str:
        return self.label_zh if locale.startswith("zh") else self.label_en


ClockName = Literal["lead_check", "decision", "service", "execution", "transfer_reply"]


class Limits(StrictConfig):
    clocks: dict[ClockName, Clock]

    @model_validator(mode="after")
    def _all_clocks(self) -> Limits:
        missing = set(ClockName.__args__) - set(self.clocks)  # type: ignore[attr-defined]
        if missing:
            raise ValueError(f"limits.toml lacks clocks {sorted(missing)}")
        return self


class Fine(StrictConfig):
    kind: Literal["multiple", "fixed"]
    min: float = Field(ge=0)
    max: float = Field(gt=0)
    # For multiples: a base below this counts as this (货值金额不足十万元的，按十万元计算).
    base_floor: float = Field(0, ge=0)
    base: Literal["goods_value", "income"] = "goods_value"

    @model_validator(mode="after")
    def _ordered(self) -> Fine:
        if self.min > self.max:
            raise ValueError("fine min exceeds max")
        return self


class Violation(StrictConfig):
    code: str
    title_zh: str
    title_en: str
    basis: str
    warning: bool = False
    confiscation: bool = False
    revocation: Literal["never", "serious", "always"] = "never"
    fine: Fine | None = None
    fine_serious: Fine | None = None
    # Bans on the responsible persons: years (0 = for life), and whether always or only when
    # the circumstances are serious; or a reference to the article that bans (dal-118).
    person_ban_years: int | None = Field(None, ge=0)
    person_ban_when: Literal["always", "serious"] = "always"
    person_ban_article: str | None = None

    def title(self, locale: str) -> str:
        return self.title_zh if locale.startswith("zh") else self.title_en


Effect = Literal["mitigating", "exempting", "aggravating", "serious"]


class Circumstance(StrictConfig):
    code: str
    label_zh: str
    label_en: str
    effect: Effect
    basis: str

    def label(self, locale: str) -> str:
        return self.label_zh if locale.startswith("zh") else self.label_en


class Bands(StrictConfig):
    lighter: tuple[float, float]
    ordinary: tuple[float, float]
    heavier: tuple[float, float]
    reduced_floor: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _within_range(self) -> Bands:
        for name in ("lighter", "ordinary", "heavier"):
            low, high = getattr(self, name)
            if not 0 <= low <= high <= 1:
                raise ValueError(f"band {name} must satisfy 0 ≤ low ≤ high ≤ 1")
        return self


class Discretion(StrictConfig):
    bands: Bands
    circumstances: list[Circumstance]
    violations: list[Violation]

    @model_validator(mode="after")
    def _unique_and_linked(self) -> Discretion:
        codes = [v.code for v in self.violations]
        if len(set(codes)) != len(codes):
            raise ValueError("violation codes repeat")
        for v in self.violations:
            if v.person_ban_article and v.person_ban_article not in codes:
                raise ValueError(f"{v.code}: person_ban_article {v.person_ban_article} unknown")
        if len({c.code for c in self.circumstances}) != len(self.circumstances):
            raise ValueError("circumstance codes repeat")
        return self

    def violation(self, code: str) -> Violation | None:
        return next((v for v in self.violations if v.code == code), None)

    def circumstance(self, code: str) -> Circumstance | None:
        return next((c for c in self.circumstances if c.code == code), None)


@lru_cache
def limits() -> Limits:
    return read_toml(HERE / "limits.toml", Limits)


@lru_cache
def discretion() -> Discretion:
    return read_toml(HERE / "discretion.toml", Discretion)
