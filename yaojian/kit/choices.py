"""Enumerations stored as their snake_case value, with Chinese and English labels in one place."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Enum as SAEnum


class LabelledChoice(StrEnum):
    """A StrEnum whose members carry a Chinese label (``zh``) and an English one (``en``)."""

    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> LabelledChoice:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh or value
        member.en = en or value.replace("_", " ")
        return member

    def label(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


def enum_column(enum_cls: type[LabelledChoice], length: int = 32) -> Any:
    """A portable string column holding the enum's value (no native ENUM type to migrate)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        create_constraint=False,
    )
