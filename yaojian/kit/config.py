"""Configuration tables shipped as TOML beside the code that reads them (rule tables, limits,
weights), validated by pydantic so that a mistyped key or value fails at load, not later."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

M = TypeVar("M", bound=BaseModel)


class StrictConfig(BaseModel):
    """A config section: unknown keys are refused and the loaded values cannot change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def read_toml(path: Path, model: type[M]) -> M:
    with path.open("rb") as handle:
        return model.model_validate(tomllib.load(handle))
