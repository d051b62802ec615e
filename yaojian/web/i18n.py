"""Chinese by default, English from a Babel PO catalogue read at start (no compile step)."""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

CATALOGUES = Path(__file__).parent / "i18n"
LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"


@lru_cache
def translations(locale: str) -> NullTranslations:
    """Message ids are the Chinese texts themselves; other locales translate them."""
    po = CATALOGUES / f"{locale}.po"
    if locale == DEFAULT_LOCALE or not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def pick_locale(requested: str | None) -> str:
    if requested and requested.split("-")[0].lower() in LOCALES:
        return requested.split("-")[0].lower()
    return DEFAULT_LOCALE
