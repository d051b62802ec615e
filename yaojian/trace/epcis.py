"""Reading and validating EPCIS 2.0 documents, in JSON-LD or in XML.

:func:`read_document` takes the bytes a client sent and returns an :class:`EPCISDocument` whose
``events`` are plain dicts shaped as the EPCIS 2.0 JSON-LD binding writes them, whichever syntax
came in: XML (namespace ``urn:epcglobal:epcis:xsd:2``) is converted to the JSON field names
(``bizTransactionList: [{"type": …, "bizTransaction": …}]``, quantities as numbers, user
extensions as ``prefix:local`` keys with the prefix in ``EPCISDocument.prefixes``).

:func:`validate` checks every event against the GS1 EPCIS 2.0 JSON schema (``schema/``) **and**
what the schema leaves open: CBV 2.0 vocabularies for ``bizStep`` and ``disposition`` (a bare
CBV word, the same word as a ``https://ref.gs1.org/cbv/…`` URI, URN or ``cbv:`` CURIE, or any
other absolute URI for a private vocabulary), ``eventTime``/``recordTime`` as date-times with a
UTC offset, ``eventTimeZoneOffset`` present and well formed. Python ``jsonschema`` checks
``format`` only with optional packages installed, so the formats the schema uses (``date-time``,
``uri``) are checked here by small functions of our own. Each problem names the event and field
(``eventList[3].bizStep``). :func:`parse` does both and raises ``InvalidInput`` listing every
problem.

XML is hostile input: a document type declaration (the only way to declare entities) is refused
before parsing, and the parser never resolves entities, never reads the network and keeps
libxml2's size limits — as ``yaojian.pv.e2b`` does for ICSRs.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from lxml import etree

from yaojian.kit.errors import FieldProblem, InvalidInput
from yaojian.kit.xml import safe_root
from yaojian.trace.event_hash import event_hash

__all__ = ["EPCIS_XML_NS", "EPCISDocument", "parse", "read_document", "validate"]

EPCIS_XML_NS = "urn:epcglobal:epcis:xsd:2"
EPCIS_QUERY_XML_NS = "urn:epcglobal:epcis-query:xsd:2"
EVENT_TYPES = frozenset(
    {
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    }
)
CBV = "https://ref.gs1.org/cbv/"

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}:\d{2})$"  # RFC 3339 section 5.6
)
_OFFSET = re.compile(r"^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$")
# A scheme, a colon and no blank or control character (RFC 3986 allows an empty rest: "urn:"
# is a URI).
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*\Z")


@dataclass
class EPCISDocument:
    """What a document says, in the JSON-LD shape; ``prefixes`` maps context prefixes to IRIs."""

    kind: str
    syntax: str
    events: list[dict[str, Any]]
    prefixes: dict[str, str] = field(default_factory=dict)
    ignore_fields: tuple[str, ...] = ()
    header: dict[str, Any] = field(default_factory=dict)

    def hashes(self) -> list[str]:
        """The CBV 2.0 event hash ID of every event, in document order."""
        return [event_hash(e, self.prefixes, self.ignore_fields) for e in self.events]


# ---------------------------------------------------------------------------------------------
# Reading


def read_document(data: bytes | str) -> EPCISDocument:
    """Parse a document (JSON-LD or XML, told apart by its first character), or a bare event."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    head = raw[:64]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte order mark
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start == b"{":
        return _read_json(raw)
    if start == b"<":
        return _read_xml(raw)
    raise InvalidInput("document", "neither JSON-LD (starts with '{') nor XML (starts with '<')")


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number (RFC 8259)")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is beyond the range of a number")
    return number


def _read_json(raw: bytes) -> EPCISDocument:
    try:
        doc = json.loads(raw, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput("document", f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidInput("document", "a JSON object is expected")
    prefixes = _context_prefixes(doc.get("@context"))
    ignore: Any = next((v for k, v in doc.items() if k.split(":")[-1] == "ignoreFields"), [])
    ignore_fields = tuple(str(f) for f in ignore) if isinstance(ignore, list) else ()
    kind = str(doc.get("type", ""))
    if kind in EVENT_TYPES:  # a single event, as POST /events takes it
        return EPCISDocument(kind, "json", [doc], prefixes, ignore_fields)
    body = doc.get("epcisBody")
    if kind not in ("EPCISDocument", "EPCISQueryDocument") or not isinstance(body, dict):
        raise InvalidInput("type", "an EPCISDocument, EPCISQueryDocument or one event is expected")
    if kind == "EPCISQueryDocument":
        results = body.get("queryResults", {})
        events = (
            results.get("resultsBody", {}).get("eventList") if isinstance(results, dict) else None
        )
    else:
        events = body.get("eventList")
    if not isinstance(events, list):
        raise InvalidInput("epcisBody.eventList", "a list of events is required")
    if not all(isinstance(e, dict) for e in events):
        raise InvalidInput("epcisBody.eventList", "every event is a JSON object")
    header = {k: v for k, v in doc.items() if k not in ("epcisBody", "@context")}
    return EPCISDocument(kind, "json", events, prefixes, ignore_fields, header)


def _context_prefixes(context: Any) -> dict[str, str]:
    entries = context if isinstance(context, list) else [context]
    prefixes: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, dict):
            prefixes.update({k: v for k, v in entry.items() if isinstance(v, str)})
    return prefixes


def _safe_root(data: bytes) -> Any:
    return safe_root(data, "document", "document type declarations (DTD, entities) are not allowed")


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _read_xml(raw: bytes) -> EPCISDocument:
    root = _safe_root(raw)
    qname = etree.QName(root)
    if qname.localname not in ("EPCISDocument", "EPCISQueryDocument") or qname.namespace not in (
        EPCIS_XML_NS,
        EPCIS_QUERY_XML_NS,
    ):
        raise InvalidInput(
            "document", f"root element is {{{EPCIS_XML_NS}}}EPCISDocument or EPCISQueryDocument"
        )
    lists = [el for el in root.iter() if _local(el.tag) == "EventList"]
    if len(lists) != 1:
        raise InvalidInput("EPCISBody.EventList", "exactly one EventList is required")
    converter = _XmlEvents()
    events = [converter.event(el) for el in _event_elements(lists[0])]
    header = {k: v for k, v in root.attrib.items() if isinstance(k, str) and "}" not in k}
    return EPCISDocument(qname.localname, "xml", events, converter.prefixes, (), header)


def _event_elements(event_list: Any) -> list[Any]:
    found = []
    for child in event_list:
        name = _local(child.tag)
        if name in EVENT_TYPES:
            found.append(child)
        elif name == "extension":  # EPCIS 1.x wrapped newer event types in <extension>
            found.extend(_event_elements(child))
        elif name:
            raise InvalidInput("EventList", f"unknown event type <{name}>")
    return found


_NUMERIC_ATTRIBUTES = frozenset(
    {"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"}
)
_EPC_LISTS = frozenset({"epcList", "childEPCs", "inputEPCList", "outputEPCList"})
_QUANTITY_LISTS = frozenset(
    {"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"}
)
_TYPED_LISTS = {"bizTransactionList": "bizTransaction", "sourceList": "source",
                "destinationList": "destination"}  # fmt: skip


def _compact(value: str, web: str, urn: str | None = None) -> str:
    """A CBV/GS1 vocabulary URI as the JSON-LD binding writes it: the bare word.

    The GS1 JSON schema refuses ``urn:epcglobal:cbv:…`` and ``https://gs1.org/voc/…`` in those
    fields (the context expands the bare word instead), so XML values are compacted.
    """
    for prefix in (web, urn):
        if prefix and value.startswith(prefix) and len(value) > len(prefix):
            return value[len(prefix) :]
    return value


def _number(text: str) -> int | float | str:
    text = text.strip()
    try:
        number = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    except ValueError:
        return text  # left for the schema to refuse
    # NaN, INF and 1e999 are not numbers of the JSON-LD binding either.
    return number if isinstance(number, int) or math.isfinite(number) else text


class _XmlEvents:
    """XML binding -> JSON-LD binding, one event at a time; collects extension prefixes."""

    def __init__(self) -> None:
        self.prefixes: dict[str, str] = {}

    def _name(self, tag: str) -> str:
        qname = etree.QName(tag)
        if not qname.namespace:
            return qname.localname
        prefix = next(
            (p for p, ns in self.prefixes.items() if ns == qname.namespace),
            None,
        )
        if prefix is None:
            prefix = f"ns{len(self.prefixes) + 1}"
            self.prefixes[prefix] = qname.namespace
        return f"{prefix}:{qname.localname}"

    def _learn(self, element: Any) -> None:
        for prefix, namespace in element.nsmap.items():
            if prefix and namespace not in (EPCIS_XML_NS, EPCIS_QUERY_XML_NS):
                self.prefixes.setdefault(prefix, namespace)

    def _extension(self, element: Any) -> Any:
        """A user extension element: its text, or a dict of its children and attributes."""
        children = [c for c in element if isinstance(c.tag, str)]
        if not children and not element.attrib:
            return (element.text or "").strip()
        out: dict[str, Any] = {self._name(k): v for k, v in element.attrib.items()}
        for child in children:
            self._add(out, self._name(child.tag), self._extension(child))
        text = (element.text or "").strip()
        if text:
            out["#text"] = text
        return out

    @staticmethod
    def _add(out: dict[str, Any], key: str, value: Any) -> None:
        if key in out:
            existing = out[key]
            out[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[key] = value

    def _with_extensions(self, element: Any, known: dict[str, Any]) -> dict[str, Any]:
        out = dict(known)
        for k, v in element.attrib.items():
            if "}" in k:
                out[self._name(k)] = v
        for child in element:
            if isinstance(child.tag, str) and etree.QName(child).namespace:
                self._add(out, self._name(child.tag), self._extension(child))
        return out

    def event(self, element: Any) -> dict[str, Any]:
        self._learn(element)
        out: dict[str, Any] = {"type": _local(element.tag)}
        self._fields(element, out)
        return out

    def _fields(self, element: Any, out: dict[str, Any]) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            self._learn(child)
            name = _local(child.tag)
            text = (child.text or "").strip()
            if etree.QName(child).namespace:
                self._add(out, self._name(child.tag), self._extension(child))
            elif name in ("extension", "baseExtension"):
                self._fields(child, out)
            elif name in _EPC_LISTS:
                out[name] = [(e.text or "").strip() for e in child if _local(e.tag) == "epc"]
            elif name in _QUANTITY_LISTS:
                out[name] = [self._quantity(q) for q in child if _local(q.tag) == "quantityElement"]
            elif name in ("readPoint", "bizLocation"):
                ident = child.find("id")
                known = {"id": (ident.text or "").strip()} if ident is not None else {}
                out[name] = self._with_extensions(child, known)
            elif name in _TYPED_LISTS:
                kind = "BTT-" if name == "bizTransactionList" else "SDT-"
                out[name] = [
                    self._typed(e, _TYPED_LISTS[name], kind) for e in child if _local(e.tag)
                ]
            elif name == "persistentDisposition":
                disposition: dict[str, list[str]] = {}
                for e in child:
                    if _local(e.tag) in ("set", "unset"):
                        word = _compact(
                            (e.text or "").strip(), CBV + "Disp-", "urn:epcglobal:cbv:disp:"
                        )
                        disposition.setdefault(_local(e.tag), []).append(word)
                out[name] = disposition
            elif name == "sensorElementList":
                out[name] = [self._sensor_element(e) for e in child if _local(e.tag)]
            elif name == "ilmd":
                out[name] = self._with_extensions(child, {})
            elif name == "errorDeclaration":
                out[name] = self._error_declaration(child)
            elif name == "bizStep":
                out[name] = _compact(text, CBV + "BizStep-", "urn:epcglobal:cbv:bizstep:")
            elif name == "disposition":
                out[name] = _compact(text, CBV + "Disp-", "urn:epcglobal:cbv:disp:")
            else:
                out[name] = text

    def _quantity(self, element: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in element:
            name = _local(child.tag)
            text = (child.text or "").strip()
            if name == "quantity":
                out[name] = _number(text)
            elif name:
                out[name] = text
        return out

    def _typed(self, element: Any, key: str, kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if element.get("type") is not None:
            urn = f"urn:epcglobal:cbv:{kind[:-1].lower()}:"
            out["type"] = _compact(str(element.get("type")), CBV + kind, urn)
        out[key] = (element.text or "").strip()
        return out

    def _attributes(self, element: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in element.attrib.items():
            name = self._name(key)
            if name in _NUMERIC_ATTRIBUTES:
                out[name] = _number(value)
            elif name == "booleanValue":
                out[name] = value.strip() in ("true", "1")
            elif name in ("type", "exception"):
                out[name] = _compact(value, "https://gs1.org/voc/")
            elif name == "component":
                out[name] = _compact(value, CBV + "Comp-")
            else:
                out[name] = value
        for child in element:
            if isinstance(child.tag, str):
                self._add(out, self._name(child.tag), self._extension(child))
        return out

    def _sensor_element(self, element: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in element:
            name = _local(child.tag)
            if name == "sensorMetadata":
                out[name] = self._attributes(child)
            elif name == "sensorReport":
                out.setdefault(name, []).append(self._attributes(child))
            elif isinstance(child.tag, str):
                self._add(out, self._name(child.tag), self._extension(child))
        return out

    def _error_declaration(self, element: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for child in element:
            name = _local(child.tag)
            if name == "correctiveEventIDs":
                out[name] = [(e.text or "").strip() for e in child if _local(e.tag)]
            elif isinstance(child.tag, str) and etree.QName(child).namespace:
                self._add(out, self._name(child.tag), self._extension(child))
            elif name == "reason":
                out[name] = _compact(
                    (child.text or "").strip(), CBV + "ER-", "urn:epcglobal:cbv:er:"
                )
            elif name:
                out[name] = (child.text or "").strip()
        return out


# ---------------------------------------------------------------------------------------------
# Validation


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str) or not _DATE_TIME.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


_FORMATS = FormatChecker(formats=())
_FORMATS.checks("date-time")(_is_date_time)
_FORMATS.checks("uri")(_is_uri)


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("yaojian.trace").joinpath("schema/EPCIS-JSON-Schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _event_validator() -> Draft7Validator:
    schema = _schema()
    event_schema = {
        "$schema": schema["$schema"],
        "definitions": schema["definitions"],
        "$ref": "#/definitions/EPCIS-Document-Event",
    }
    return Draft7Validator(event_schema, format_checker=_FORMATS)


@cache
def vocabulary(name: str) -> frozenset[str]:
    """The CBV 2.0 words of ``bizStep`` or ``disposition``, as the GS1 schema lists them."""
    for option in _schema()["definitions"][name]["anyOf"]:
        if "enum" in option:
            return frozenset(option["enum"])
    raise KeyError(name)


_VOCAB_FORMS = {"bizStep": ("BizStep-", "bizstep"), "disposition": ("Disp-", "disp")}


def _cbv_problem(name: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return None  # the schema says what is wrong with a non-string
    words = vocabulary(name)
    web, urn = _VOCAB_FORMS[name]
    for prefix in (CBV + web, f"urn:epcglobal:cbv:{urn}:", f"cbv:{web}"):
        if value.startswith(prefix):
            word = value[len(prefix) :]
            return None if word in words else f"'{word}' is not a CBV 2.0 {name}"
    if value in words:
        return None
    if value.startswith(("https://ref.gs1.org/cbv/", "urn:epcglobal:cbv:")):
        return f"'{value}' is not a CBV 2.0 {name} URI"
    if _URI.match(value) and not value.endswith(":"):
        return None  # a private vocabulary, allowed by EPCIS 2.0 section 8.2.2
    return f"'{value}' is neither a CBV 2.0 {name} nor a URI"


def _event_problems(event: Mapping[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name in ("eventTime", "recordTime"):
        if name in event and not _is_date_time(event[name]):
            problems[name] = "a date-time with a UTC offset is required, e.g. 2024-05-01T08:00:00Z"
    offset = event.get("eventTimeZoneOffset")
    if offset is None:
        problems["eventTimeZoneOffset"] = "required (the offset in force where the event happened)"
    elif not isinstance(offset, str) or not _OFFSET.match(offset):
        problems["eventTimeZoneOffset"] = "an offset from -14:00 to +14:00 such as +08:00"
    if "eventTime" not in event:
        problems["eventTime"] = "required"
    for name in ("bizStep", "disposition"):
        if name in event and (reason := _cbv_problem(name, event[name])):
            problems[name] = reason
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, Mapping):
        for key in ("set", "unset"):
            values = persistent.get(key, [])
            for j, value in enumerate(values if isinstance(values, list) else [values]):
                if reason := _cbv_problem("disposition", value):
                    problems[f"persistentDisposition.{key}[{j}]"] = reason
    return problems


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@cache
def _fast_event_validator() -> jsonschema_rs.Draft7Validator:
    """The same event schema compiled by jsonschema-rs: about a hundred times faster, so valid
    events (nearly all of a bulk capture) are checked by it and only the invalid ones are
    explained by ``jsonschema``, whose best-match messages name the field at fault."""
    schema = _schema()
    event_schema = {
        "$schema": schema["$schema"],
        "definitions": schema["definitions"],
        "$ref": "#/definitions/EPCIS-Document-Event",
    }
    # "uri" is jsonschema-rs's own RFC 3986 check (a Python callback per identifier cost a
    # fifth of prepare): stricter than _is_uri, so an event it refuses is only looked at again
    # by the explainer, and an event it accepts _is_uri accepts too.
    return jsonschema_rs.Draft7Validator(
        event_schema, formats={"date-time": _is_date_time}, validate_formats=True
    )


def _schema_problems(event: Mapping[str, Any]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if _fast_event_validator().is_valid(event):
        return problems
    for error in _event_validator().iter_errors(event):
        chosen: ValidationError = best_match(error.context) if error.context else error
        path = _path(chosen.absolute_path).lstrip(".")
        if chosen.validator == "required":
            missing = re.match(r"'(.+?)' is a required property", chosen.message)
            if missing:
                path = f"{path}.{missing.group(1)}".lstrip(".")
        problems.setdefault(path or "type", chosen.message)
    return problems


def validate(document: EPCISDocument) -> list[FieldProblem]:
    """Every problem of every event, each naming ``eventList[i].field``; empty when valid."""
    found: list[FieldProblem] = []
    for i, event in enumerate(document.events):
        own = _event_problems(event)
        schema = _schema_problems(event)
        # Our reasons are clearer than the schema's anyOf messages for the same field.
        merged = {**schema, **own}
        found.extend(
            FieldProblem(f"eventList[{i}].{name}", reason) for name, reason in merged.items()
        )
    return found


def parse(data: bytes | str) -> EPCISDocument:
    """Read and validate; ``InvalidInput`` lists every problem in ``invalid_params``."""
    document = read_document(data)
    problems = validate(document)
    if problems:
        error = InvalidInput(problems[0].name, problems[0].reason)
        error.invalid_params = problems
        if len(problems) > 1:
            error.detail = f"{len(problems)} problems in the document, first: {error.detail}"
        raise error
    return document
