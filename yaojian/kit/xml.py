"""Parsing XML that comes from outside (E2B ICSRs, EPCIS documents) safely.

A declared DTD or entity is refused outright — before parsing, and again after it for encodings
(UTF-16) that hide the declaration from a byte scan — and lxml runs with entity resolution,
network access, DTD loading and huge trees off, so external entities and expansion bombs never
reach the parser's expander.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from yaojian.kit.errors import InvalidInput

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def safe_root(data: bytes, field: str, refusal: str) -> Any:
    """The root element of ``data``; InvalidInput naming ``field`` for hostile or broken XML."""
    if _DOCTYPE.search(data):
        raise InvalidInput(field, refusal)
    try:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            remove_comments=True,
            remove_pis=True,
        )
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(field, f"not well-formed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if getattr(docinfo, "doctype", "") or docinfo.internalDTD is not None:
        raise InvalidInput(field, refusal)
    return root
