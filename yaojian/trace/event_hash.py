"""The CBV 2.0 canonical event hash ID of an EPCIS event (GS1 CBV 2.0, section 8.9).

The hash is ``ni:///sha-256;{hex}?ver=CBV2.0`` over a *pre-hash string*: ``eventType=…``, then
the event's fields in a fixed order (``PROP_ORDER``) as ``name=value`` with nothing between
them, then everything else (ILMD, business transactions, sources, destinations, user extensions)
sorted. Values are normalised first so that the same event written differently hashes the same:
timestamps to UTC at millisecond precision, numbers without trailing zeros, CBV URNs and bare
words to ``https://ref.gs1.org/cbv/…`` web URIs, EPC URIs and Digital Link URIs to the
constrained canonical Digital Link. ``eventID``, ``recordTime`` and ``errorDeclaration`` never
take part; neither do the fields an EPCIS document lists in an ``ignoreFields`` extension
(``"repository-x:ignoreFields": ["repository-x:hash"]``), which repositories use for their own
bookkeeping.

This module is a port of the reference implementation, the EPCIS event hash generator by Ralph
Tröger and Sebastian Schmittner (GitHub RalphTro/epcis-event-hash-generator, MIT licence,
Copyright 2019-2023), in particular ``hash_generator.py``, ``json_to_py.py``,
``json_xml_model_mismatch_correction.py`` and the ``PROP_ORDER`` of ``__init__.py``. It keeps the
reference's behaviour wherever the published hashes depend on it, including the ones that look
accidental:

- business transactions, sources and destinations are not placed by ``PROP_ORDER`` but land in
  the sorted remainder, each entry written as its keys in document order (normally ``type``
  first);
- user extensions inside a sub-element (``readPoint``, ``sensorMetadata``, ``sensorReport``…) are
  appended to that element, but only when their namespace ends in ``/``; at event level they join
  the sorted remainder;
- JSON booleans are written ``True``/``False`` (Python's spelling) and integral numbers lose
  their ``.0``.

Where the reference would fail (a business transaction without ``type`` makes it drop the whole
event) this port writes what it has. The reference finds bare CBV words (``shipping``) by JSON-LD
expansion of the whole document and a suffix match; this port expands them by field, per the
EPCIS 2.0 JSON-LD context, which gives the same result on every published vector.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from yaojian.trace.gs1_uri import normalise as _dl_normalise

__all__ = ["PROP_ORDER", "event_hash", "expand_vocabulary", "prehash"]

CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"
# Prefixes every EPCIS 2.0 document has through the standard context.
STANDARD_PREFIXES = {"cbv": CBV, "gs1": GS1_VOC, "cbvmda": "urn:epcglobal:cbv:mda:"}

Order = Sequence[tuple[str, "Order | None"]]

_QUANTITY: Order = [("quantityElement", [("epcClass", None), ("quantity", None), ("uom", None)])]
PROP_ORDER: Order = [
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", [("epc", None)]),
    ("inputEPCList", [("epc", None)]),
    ("childEPCs", [("epc", None)]),
    ("quantityList", _QUANTITY),
    ("childQuantityList", _QUANTITY),
    ("inputQuantityList", _QUANTITY),
    ("outputEPCList", [("epc", None)]),
    ("outputQuantityList", _QUANTITY),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", [("set", None), ("unset", None)]),
    ("readPoint", [("id", None)]),
    ("bizLocation", [("id", None)]),
    # bizTransactionList, sourceList and destinationList are listed in the reference's order too,
    # but in a shape that never matches, so they fall through to the sorted remainder; leaving
    # them out here gives the same strings.
    (
        "sensorElementList",
        [
            (
                "sensorElement",
                [
                    (
                        "sensorMetadata",
                        [
                            (name, None)
                            for name in (
                                "time",
                                "startTime",
                                "endTime",
                                "deviceID",
                                "deviceMetadata",
                                "rawData",
                                "dataProcessingMethod",
                                "bizRules",
                            )
                        ],
                    ),
                    (
                        "sensorReport",
                        [
                            (name, None)
                            for name in (
                                "type",
                                "exception",
                                "deviceID",
                                "deviceMetadata",
                                "rawData",
                                "dataProcessingMethod",
                                "time",
                                "microorganism",
                                "chemicalSubstance",
                                "value",
                                "component",
                                "stringValue",
                                "booleanValue",
                                "hexBinaryValue",
                                "uriValue",
                                "minValue",
                                "maxValue",
                                "meanValue",
                                "sDev",
                                "percRank",
                                "percValue",
                                "uom",
                                "coordinateReferenceSystem",
                            )
                        ],
                    ),
                ],
            )
        ],
    ),
]

_IGNORED = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})
_NOT_CONVERTED = frozenset({"#text", "rdfs:comment", "comment", "@context"})
_PAIR_LISTS = frozenset({"bizTransactionList", "sourceList", "destinationList"})
_PAIR_KEYS = ("bizTransaction", "source", "destination")
_OLD_CBV = (
    ("urn:epcglobal:cbv:bizstep:", CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", CBV + "ER-"),
)


@dataclass
class _Node:
    """One element of the reference's (name, text, children) tree."""

    name: str
    text: str = ""
    children: list[_Node] = field(default_factory=list)
    # An entry of bizTransactionList/sourceList/destinationList, already written out.
    fixed: str | None = None


# ---------------------------------------------------------------------------------------------
# Bare CBV words and CURIEs


def _vocab(value: Any, base: str, prefixes: Mapping[str, str]) -> Any:
    if not isinstance(value, str):
        return value
    if ":" not in value:
        return base + value if value else value
    prefix, rest = value.split(":", 1)
    if prefix in prefixes and not rest.startswith("//"):
        return prefixes[prefix] + rest
    return value


def expand_vocabulary(
    event: Mapping[str, Any], prefixes: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A copy of ``event`` whose CBV and GS1 vocabulary values are full URIs.

    ``bizStep: "shipping"`` becomes ``https://ref.gs1.org/cbv/BizStep-shipping``, a sensor
    ``type: "Temperature"`` becomes ``https://gs1.org/voc/Temperature``, ``cbv:…``/``gs1:…``
    CURIEs are expanded. This is what JSON-LD expansion with the EPCIS 2.0 context does for
    the fields the context types as ``@vocab``.
    """
    known = {**STANDARD_PREFIXES, **(prefixes or {})}
    out = dict(event)

    def each(value: Any, base: str) -> Any:
        if isinstance(value, list):
            return [_vocab(v, base, known) for v in value]
        return _vocab(value, base, known)

    if "bizStep" in out:
        out["bizStep"] = each(out["bizStep"], CBV + "BizStep-")
    if "disposition" in out:
        out["disposition"] = each(out["disposition"], CBV + "Disp-")
    persistent = out.get("persistentDisposition")
    if isinstance(persistent, Mapping):
        out["persistentDisposition"] = {
            k: each(v, CBV + "Disp-") if k in ("set", "unset") else v for k, v in persistent.items()
        }
    for name, base in (
        ("bizTransactionList", "BTT-"),
        ("sourceList", "SDT-"),
        ("destinationList", "SDT-"),
    ):
        entries = out.get(name)
        if isinstance(entries, list):
            out[name] = [
                {k: each(v, CBV + base) if k == "type" else v for k, v in e.items()}
                if isinstance(e, Mapping)
                else e
                for e in entries
            ]
    elements = out.get("sensorElementList")
    if isinstance(elements, list):
        out["sensorElementList"] = [_expand_sensor(e, known) for e in elements]
    declaration = out.get("errorDeclaration")
    if isinstance(declaration, Mapping) and "reason" in declaration:
        out["errorDeclaration"] = {
            **declaration,
            "reason": _vocab(declaration["reason"], CBV + "ER-", known),
        }
    return out


def _expand_sensor(element: Any, known: Mapping[str, str]) -> Any:
    if not isinstance(element, Mapping):
        return element
    reports = element.get("sensorReport")
    if not isinstance(reports, list):
        return element
    expanded = []
    for report in reports:
        if isinstance(report, Mapping):
            report = dict(report)
            for key, base in (
                ("type", GS1_VOC),
                ("exception", GS1_VOC),
                ("component", CBV + "Comp-"),
            ):
                if key in report:
                    report[key] = _vocab(report[key], base, known)
        expanded.append(report)
    return {**element, "sensorReport": expanded}


# ---------------------------------------------------------------------------------------------
# JSON-LD shaped dict -> the reference's tree


def _scalar(value: Any, prefixes: Mapping[str, str]) -> str:
    if isinstance(value, str):
        head, sep, rest = value.partition(":")
        if sep and head in prefixes:
            return prefixes[head] + rest
        return value
    return str(value)  # the reference's spelling: True, 26, 0.1


def _key(name: str, prefixes: Mapping[str, str]) -> str:
    head, sep, rest = name.partition(":")
    if sep and head in prefixes:
        return "{" + prefixes[head] + "}" + rest
    return name


def _convert(name: str, value: Any, prefixes: Mapping[str, str]) -> list[_Node]:
    """Nodes for one key of a dict: one per list element, as json_to_py does."""
    items = value if isinstance(value, list) else [value]
    nodes = []
    for item in items:
        if isinstance(item, Mapping):
            node = _Node(name, _scalar(item["#text"], prefixes) if "#text" in item else "")
            for key, sub in item.items():
                if key not in _NOT_CONVERTED and not key.startswith("@"):
                    node.children.extend(_convert(_key(key, prefixes), sub, prefixes))
            nodes.append(node)
        elif isinstance(item, list):
            nodes.extend(_convert(name, item, prefixes))
        else:
            nodes.append(_Node(name, _scalar(item, prefixes)))
    return nodes


def _pair_entry(entry: Any, prefixes: Mapping[str, str]) -> _Node:
    """A business transaction / source / destination, its keys in document order."""
    if not isinstance(entry, Mapping):
        return _Node("", fixed=_canonize(_scalar(entry, prefixes)))
    parts = []
    for key, value in entry.items():
        if key in _NOT_CONVERTED:
            continue
        text = _scalar(value, prefixes).strip()
        parts.append(_key(key, prefixes) + ("=" + _canonize(text) if text else ""))
    return _Node("", fixed="".join(parts))


def _correct(node: _Node) -> _Node:
    """json_xml_model_mismatch_correction: give the JSON tree the XML binding's shape."""
    children: list[_Node] = []
    lists: dict[str, list[_Node]] = {}
    child_epcs: list[_Node] = []
    for child in node.children:
        if child.name == "childEPCs":
            child_epcs.append(_Node("epc", child.text))
        elif child.name.endswith("List") and child.name not in _PAIR_LISTS:
            lists.setdefault(child.name, []).append(
                _correct_leaf(_Node(child.name[:-4], child.text, child.children))
            )
        else:
            children.append(child)
    corrected = [
        c if c.fixed is not None or c.name in _PAIR_LISTS else _correct(c) for c in children
    ]
    for name, elements in lists.items():
        corrected.append(_Node(name, "", [_correct(e) for e in elements]))
    if child_epcs:
        corrected.append(_Node("childEPCs", "", child_epcs))
    return _correct_leaf(_Node(node.name, node.text, corrected))


def _correct_leaf(node: _Node) -> _Node:
    if node.name in ("inputEPC", "outputEPC"):
        return _Node("epc", node.text, node.children)
    if node.name in ("inputQuantity", "outputQuantity", "childQuantity") or (
        node.name == "quantity" and node.children
    ):
        return _Node("quantityElement", node.text, node.children)
    return node


def _tree(event: Mapping[str, Any], prefixes: Mapping[str, str], ignore: frozenset[str]) -> _Node:
    root = _Node(str(event.get("type", "")))
    for key, value in event.items():
        name = _key(key, prefixes)
        if key in _NOT_CONVERTED or key.startswith("@") or key in ignore or name in ignore:
            continue
        if key in _PAIR_LISTS:
            entries = value if isinstance(value, list) else [value]
            root.children.append(_Node(key, "", [_pair_entry(e, prefixes) for e in entries]))
        else:
            root.children.extend(_convert(name, value, prefixes))
    return _correct(root)


# ---------------------------------------------------------------------------------------------
# Canonical values

_FRACTION = re.compile(r"^(.*T\d{2}:\d{2}:\d{2})(?:[.,](\d+))?(.*)$")


def _timestamp(text: str) -> str:
    """UTC, millisecond precision (rounded), ``Z``; text that is no timestamp stays as it is."""
    match = _FRACTION.match(text)
    if match is None:
        return text
    head, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))  # dateutil keeps microseconds, truncated
    try:
        moment = dt.datetime.fromisoformat(head + zone.replace("z", "Z"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    # round(…, -3) is what the reference does (half to even on the microsecond count).
    moment = moment.astimezone(dt.UTC) + dt.timedelta(microseconds=round(micro, -3))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _numeric(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    try:
        if int(number) == number:
            return str(int(number))
    except (OverflowError, ValueError):  # inf and nan: written as Python spells them
        pass
    return str(number)


# Already canonical: a Digital Link of a GTIN and a plain serial, the usual pack identifier.
_PLAIN_DL = re.compile(r"https://id\.gs1\.org/01/\d{14}/21/[0-9A-Za-z]{1,20}\Z")


@lru_cache(maxsize=65536)  # places, steps and dispositions repeat across a document
def _canonize(text: str) -> str:
    if _PLAIN_DL.match(text):
        return text
    for old, new in _OLD_CBV:
        text = text.replace(old, new)
    text = _numeric(text)
    return _dl_normalise(text) or text


# ---------------------------------------------------------------------------------------------
# The pre-hash string


def _gather_user_extensions(children: list[_Node]) -> list[_Node]:
    if len(children) <= 1:
        return []
    if any("eventTime" in c.name or "action" in c.name for c in children):
        return []  # event level: extensions go to the sorted remainder instead
    extensions = [c for c in children if "{" in c.name and "/}" in c.name]
    for extension in extensions:
        children.remove(extension)
    return extensions


def _child_string(child: _Node, order: Order | None) -> str:
    grand = _ordered(child.children, order) if order else ""
    text = ""
    if child.text:
        text = child.text.strip()
        lower = child.name.lower()
        text = _timestamp(text) if "time" in lower and "offset" not in lower else _canonize(text)
        if text:
            text = "=" + text
    if text or grand:
        return child.name + text + grand
    return ""


def _ordered(children: list[_Node], order: Order) -> str:
    extensions = _gather_user_extensions(children)
    by_name: dict[str, list[_Node]] = {}
    for child in children:
        by_name.setdefault(child.name, []).append(child)
    out = ""
    done: set[int] = set()
    for name, sub_order in order:
        values = []
        for child in by_name.get(name, ()):
            written = _child_string(child, sub_order)
            if written:
                values.append(written)
            if not child.children:
                done.add(id(child))
        values.sort()
        out += "".join(values)
    if done:
        # Written leaves leave the list; the caller writes what remains generically.
        children[:] = [c for c in children if id(c) not in done]
    if extensions:
        out += _generic(extensions)
    return out


def _generic(children: list[_Node]) -> str:
    values = []
    for child in children:
        if child.fixed is not None:
            values.append(child.fixed)
            continue
        text = child.text.strip()
        if text:
            text = "=" + _canonize(text)
        values.append(child.name + text + _generic(child.children))
    if len(children) > 1 and not any(c.name in _PAIR_KEYS for c in children):
        values.sort()
    return "".join(values)


def prehash(
    event: Mapping[str, Any],
    prefixes: Mapping[str, str] | None = None,
    ignore_fields: Sequence[str] = (),
) -> str:
    """The canonical pre-hash string of one event (a JSON-LD shaped dict).

    ``prefixes`` maps the document's ``@context`` prefixes to namespace IRIs (``{"example":
    "https://ns.example.com/epcis/"}``); ``ignore_fields`` names extension fields to leave out,
    as CURIEs or ``{namespace}local`` names.
    """
    if not prefixes and not ignore_fields:
        simple = _simple_prehash(event)
        if simple is not None:
            return simple
    return generic_prehash(event, prefixes, ignore_fields)


# The everyday event of bulk traceability: an ObjectEvent or AggregationEvent naming packs,
# cases and places by plain strings. Its pre-hash string is written directly (several times
# faster than building the tree); any other shape, or a value with surrounding blanks or of
# another type, takes the general algorithm. tests/trace/test_event_hash.py checks the two
# agree on every reference event and on thousands of generated ones.
_SIMPLE_KEYS = frozenset(
    {"type", "eventTime", "eventTimeZoneOffset", "action", "bizStep", "disposition", "readPoint",
     "bizLocation", "parentID", "epcList", "childEPCs", "recordTime", "eventID"}
)  # fmt: skip


def _plain(value: Any) -> bool:
    return isinstance(value, str) and value != "" and value == value.strip()


def _simple_prehash(event: Mapping[str, Any]) -> str | None:
    kind = event.get("type")
    if kind not in ("ObjectEvent", "AggregationEvent") or not _SIMPLE_KEYS.issuperset(event):
        return None
    out = ["eventType=", kind]
    when, offset = event.get("eventTime"), event.get("eventTimeZoneOffset")
    for name, value in (("eventTime", when), ("eventTimeZoneOffset", offset)):
        if value is not None:
            if not _plain(value):
                return None
            out += (name, "=", _timestamp(value) if name == "eventTime" else _canonize(value))
    parent = event.get("parentID")
    if parent is not None:
        if not _plain(parent):
            return None
        out += ("parentID=", _canonize(parent))
    for name in ("epcList", "childEPCs"):
        values = event.get(name)
        if values is None:
            continue
        if not isinstance(values, list) or not all(_plain(v) for v in values):
            return None
        if values:
            out += (name, *sorted("epc=" + _canonize(v) for v in values))
    for name, base in (("action", None), ("bizStep", "BizStep-"), ("disposition", "Disp-")):
        value = event.get(name)
        if value is None:
            continue
        if not _plain(value):
            return None
        if base is not None:
            value = _vocab(value, CBV + base, STANDARD_PREFIXES)
        out += (name, "=", _canonize(value))
    for name in ("readPoint", "bizLocation"):
        place = event.get(name)
        if place is None:
            continue
        if not isinstance(place, Mapping) or set(place) != {"id"} or not _plain(place["id"]):
            return None
        out += (name, "id=", _canonize(place["id"]))
    return "".join(out)


def generic_prehash(
    event: Mapping[str, Any],
    prefixes: Mapping[str, str] | None = None,
    ignore_fields: Sequence[str] = (),
) -> str:
    """:func:`prehash` by the general algorithm (the reference's tree, corrected and ordered)."""
    known = {**STANDARD_PREFIXES, **(prefixes or {})}
    ignore = frozenset(_key(f, known) for f in ignore_fields) | frozenset(ignore_fields)
    root = _tree(expand_vocabulary(event, known), prefixes or {}, ignore)
    ordered = _ordered(root.children, PROP_ORDER)
    rest = _generic([c for c in root.children if c.name not in _IGNORED])
    return "eventType=" + root.name + ordered + rest


def event_hash(
    event: Mapping[str, Any],
    prefixes: Mapping[str, str] | None = None,
    ignore_fields: Sequence[str] = (),
) -> str:
    """``ni:///sha-256;{hex}?ver=CBV2.0`` of the event's pre-hash string."""
    digest = hashlib.sha256(prehash(event, prefixes, ignore_fields).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"
