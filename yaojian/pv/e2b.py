"""ICH E2B(R3) individual case safety reports (HL7 v3 ``MCCI_IN200100UV01`` batches).

:func:`parse` reads a batch safely and returns one :class:`ParsedReport` per
``PORR_IN049016UV`` message; :func:`to_e2b` writes a stored report back. Elements are located
by the OIDs and codes of the ICH E2B(R3) implementation guide, the way the FDA's FAERS 2022
example instances carry them. Anything missing or outside a code list raises ``InvalidInput``
naming the E2B element (``C.1.3``, ``G.k.1`` …), and the whole batch is refused.

The input is hostile as far as the server is concerned: a document type declaration (the only
way to declare entities, external or recursive) is refused before parsing, and the parser never
resolves entities, never touches the network and keeps libxml2's size limits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from yaojian.kit.errors import InvalidInput
from yaojian.kit.xml import safe_root
from yaojian.pv.e2b_codes import (
    AGE_UNITS,
    HL7,
    OBS_AGE,
    OBS_INDICATION,
    OBS_OUTCOME,
    OBS_REACTION,
    OBS_ROLE,
    OBS_TRANSLATION,
    OBS_WEIGHT,
    OID_AUTHORISATION_NUMBER,
    OID_CHARACTERISTIC,
    OID_MEDDRA,
    OID_OBSERVATION,
    OID_REPORT_RELATION,
    OID_SAFETY_REPORT_ID,
    OID_VALUE_GROUPING,
    OID_WORLDWIDE_ID,
    OUTCOMES,
    QUALIFICATIONS,
    REPORT_TYPES,
    SENDER_TYPES,
    SERIOUSNESS,
    SEXES,
    WEIGHT_UNITS,
)
from yaojian.pv.e2b_export import to_e2b
from yaojian.pv.models import DrugRole
from yaojian.pv.parsed import ParsedDrug, ParsedReaction, ParsedReport, check_lengths

_NS = {"h": HL7}

__all__ = ["parse", "to_e2b"]


def _safe_root(data: bytes) -> Any:
    return safe_root(
        data, "xml", "document type declarations (DTD, entities) are not allowed in an ICSR"
    )


def _xp(node: Any, path: str, **variables: str) -> list[Any]:
    result = node.xpath(path, namespaces=_NS, **variables)
    return list(result) if isinstance(result, list) else []


def _first(node: Any, path: str, **variables: str) -> Any | None:
    found = _xp(node, path, **variables)
    return found[0] if found else None


def _attr(node: Any | None, name: str) -> str | None:
    if node is None:
        return None
    value = node.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _text(node: Any | None) -> str | None:
    if node is None:
        return None
    text = "".join(node.itertext()).strip()
    return text or None


def _observation(node: Any, child: str, code: str, system: str = OID_OBSERVATION) -> list[Any]:
    return _xp(node, f"{child}[h:code[@code=$c and @codeSystem=$s]]", c=code, s=system)


def _date(value: str | None, element: str, *, required: bool = False) -> dt.date | None:
    """An HL7 TS (``CCYYMMDD[hhmmss][±zzzz]``) as a date; partial dates (year, month) → None."""
    if value is None:
        if required:
            raise InvalidInput(element, "missing")
        return None
    digits = re.match(r"\d+", value)
    if digits is None:
        raise InvalidInput(element, f"{value!r} is not an HL7 date")
    if len(digits.group()) < 8:
        if required:
            raise InvalidInput(element, f"{value!r} must give at least the day")
        return None
    try:
        return dt.datetime.strptime(digits.group()[:8], "%Y%m%d").date()
    except ValueError:
        raise InvalidInput(element, f"{value!r} is not a valid date") from None


def _bool(node: Any, element: str) -> bool:
    value = _first(node, "h:value")
    if value is None or _attr(value, "nullFlavor"):
        return False
    raw = _attr(value, "value")
    if raw not in ("true", "false"):
        raise InvalidInput(element, f"{raw!r} is not true or false")
    return raw == "true"


def _quantity(node: Any, element: str, units: dict[str, float], what: str) -> float | None:
    value = _first(node, "h:value")
    if value is None or _attr(value, "nullFlavor"):
        return None
    raw, unit = _attr(value, "value"), _attr(value, "unit") or ""
    if raw is None:
        return None
    if unit not in units:
        raise InvalidInput(f"{element}b", f"unit {unit!r} is not a {what} unit ({sorted(units)})")
    try:
        number = float(raw)
    except ValueError:
        raise InvalidInput(f"{element}a", f"{raw!r} is not a number") from None
    if number < 0:
        raise InvalidInput(f"{element}a", f"{raw!r} is negative")
    return number * units[unit]


def parse(data: bytes) -> list[ParsedReport]:
    """Parse an E2B(R3) batch; raise InvalidInput naming the element at fault."""
    root = _safe_root(data)
    if root.tag != f"{{{HL7}}}MCCI_IN200100UV01":
        raise InvalidInput(
            "N.1", f"the root element must be MCCI_IN200100UV01 in {HL7}, not {root.tag}"
        )
    messages = _xp(root, "h:PORR_IN049016UV")
    if not messages:
        raise InvalidInput("N.2.r", "the batch holds no PORR_IN049016UV message")
    reports = []
    for index, message in enumerate(messages, start=1):
        where = f"message {index}: " if len(messages) > 1 else ""
        try:
            report = _message(message)
            check_lengths(report)
        except InvalidInput as exc:
            problem = exc.invalid_params[0]
            raise InvalidInput(problem.name, where + problem.reason) from None
        reports.append(report)
    return reports


def _message(message: Any) -> ParsedReport:
    event = _first(message, "h:controlActProcess/h:subject/h:investigationEvent")
    if event is None:
        raise InvalidInput("C.1", "no investigationEvent (the safety report) in the message")
    safety_report_id = _attr(_first(event, "h:id[@root=$r]", r=OID_SAFETY_REPORT_ID), "extension")
    if not safety_report_id:
        raise InvalidInput("C.1.1", "the sender's safety report unique identifier is missing")
    report_type = _attr(
        _first(
            event,
            "h:subjectOf2/h:investigationCharacteristic[h:code[@code='1' and @codeSystem=$s]]"
            "/h:value",
            s=OID_CHARACTERISTIC,
        ),
        "code",
    )
    if report_type is None:
        raise InvalidInput("C.1.3", "the type of report is missing")
    if report_type not in REPORT_TYPES:
        raise InvalidInput("C.1.3", f"{report_type!r} is not a type of report (1–4)")
    nullification = _attr(
        _first(
            event,
            "h:subjectOf2/h:investigationCharacteristic[h:code[@code='3' and @codeSystem=$s]]"
            "/h:value",
            s=OID_CHARACTERISTIC,
        ),
        "code",
    )
    if nullification not in (None, "1", "2"):
        raise InvalidInput("C.1.11.1", f"{nullification!r} is not 1 (nullification) or 2")

    assessment = _first(event, "h:component/h:adverseEventAssessment")
    if assessment is None:
        raise InvalidInput("D", "no adverseEventAssessment (patient, reactions, drugs)")
    patient = _first(assessment, "h:subject1/h:primaryRole")
    if patient is None:
        raise InvalidInput("D", "no primaryRole (the patient)")
    reporter_qualification, reporter_country = _primary_source(event)
    sender_type = _attr(
        _first(event, "h:subjectOf1/h:controlActEvent/h:author/h:assignedEntity/h:code"), "code"
    )
    if sender_type is not None and sender_type not in SENDER_TYPES:
        raise InvalidInput("C.3.1", f"{sender_type!r} is not a sender type (1–7)")

    reactions, reaction_country = _reactions(patient)
    drugs = _drugs(patient, assessment)
    person = _first(patient, "h:player1")
    return ParsedReport(
        safety_report_id=safety_report_id,
        worldwide_case_id=_attr(_first(event, "h:id[@root=$r]", r=OID_WORLDWIDE_ID), "extension"),
        report_type=report_type,
        received_on=_date(
            _attr(_first(event, "h:effectiveTime/h:low"), "value"), "C.1.4", required=True
        ),
        most_recent_on=_date(
            _attr(_first(event, "h:availabilityTime"), "value"), "C.1.5", required=True
        ),
        nullified=nullification == "1",
        reporter_type=SENDER_TYPES[sender_type] if sender_type else None,
        reporter_qualification=reporter_qualification,
        country=reporter_country or reaction_country,
        patient_initials=_patient_initials(person),
        patient_sex=_sex(person),
        patient_age_years=_patient_quantity(patient, OBS_AGE, "D.2.2", AGE_UNITS, "time"),
        patient_weight_kg=_patient_quantity(patient, OBS_WEIGHT, "D.3", WEIGHT_UNITS, "mass"),
        narrative=_text(_first(event, "h:text")) or "",
        reactions=reactions,
        drugs=drugs,
        extra={"nullification_or_amendment": nullification} if nullification else {},
    )


def _primary_source(event: Any) -> tuple[str | None, str | None]:
    """C.2.r.4 and C.2.r.3 of the primary source for regulatory purposes (else the first)."""
    sources = _xp(
        event,
        "h:outboundRelationship[h:relatedInvestigation/h:code[@code='2' and @codeSystem=$s]]",
        s=OID_REPORT_RELATION,
    )
    if not sources:
        return None, None
    chosen = next(
        (s for s in sources if _attr(_first(s, "h:priorityNumber"), "value") == "1"), sources[0]
    )
    person = _first(
        chosen,
        "h:relatedInvestigation/h:subjectOf2/h:controlActEvent/h:author/h:assignedEntity"
        "/h:assignedPerson",
    )
    if person is None:
        return None, None
    qualification = _attr(_first(person, "h:asQualifiedEntity/h:code"), "code")
    if qualification is not None and qualification not in QUALIFICATIONS:
        raise InvalidInput("C.2.r.4", f"{qualification!r} is not a qualification (1–5)")
    country = _attr(_first(person, "h:asLocatedEntity/h:location/h:code"), "code")
    return qualification, _country(country, "C.2.r.3")


def _country(code: str | None, element: str) -> str | None:
    if code is None:
        return None
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise InvalidInput(element, f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _patient_initials(person: Any | None) -> str | None:
    name = _first(person, "h:name") if person is not None else None
    if name is None or _attr(name, "nullFlavor"):
        return None
    return _text(name)


def _sex(person: Any | None) -> str | None:
    node = _first(person, "h:administrativeGenderCode") if person is not None else None
    code = _attr(node, "code")
    if code is None:
        return None
    if code not in SEXES:
        raise InvalidInput("D.5", f"{code!r} is not an ISO 5218 sex code (0, 1, 2, 9)")
    return SEXES[code]


def _patient_quantity(
    patient: Any, code: str, element: str, units: dict[str, float], what: str
) -> float | None:
    found = _observation(patient, "h:subjectOf2/h:observation", code)
    return _quantity(found[0], element, units, what) if found else None


def _reactions(patient: Any) -> tuple[list[ParsedReaction], str | None]:
    nodes = _observation(patient, "h:subjectOf2/h:observation", OBS_REACTION)
    if not nodes:
        raise InvalidInput("E.i", "the report has no reaction / event")
    reactions, country = [], None
    for node in nodes:
        value = _first(node, "h:value")
        code = _attr(value, "code")
        if code is not None:
            if _attr(value, "codeSystem") not in (None, OID_MEDDRA):
                raise InvalidInput("E.i.2.1b", f"code system of {code} is not MedDRA")
            if not code.isdigit() or len(code) != 8:
                raise InvalidInput("E.i.2.1b", f"{code!r} is not an 8-digit MedDRA code")
        native = _text(_first(value, "h:originalText")) if value is not None else None
        translated = _observation(node, "h:outboundRelationship2/h:observation", OBS_TRANSLATION)
        translation = _text(_first(translated[0], "h:value")) if translated else None  # E.i.1.2
        term = native or translation or code
        if term is None:
            raise InvalidInput("E.i.2.1b", "a reaction needs a MedDRA code or a reported term")
        flags = {}
        for obs_code, (attr, element) in SERIOUSNESS.items():
            found = _observation(node, "h:outboundRelationship2/h:observation", obs_code)
            flags[attr] = _bool(found[0], element) if found else False
        outcome = None
        found = _observation(node, "h:outboundRelationship2/h:observation", OBS_OUTCOME)
        if found:
            outcome = _attr(_first(found[0], "h:value"), "code")
            if outcome is not None and outcome not in OUTCOMES:
                raise InvalidInput("E.i.7", f"{outcome!r} is not an outcome (0–5)")
        country = country or _country(
            _attr(_first(node, "h:location/h:locatedEntity/h:locatedPlace/h:code"), "code"),
            "E.i.9",
        )
        reactions.append(
            ParsedReaction(
                reported_term=term,
                meddra_code=code,
                outcome=outcome,
                onset_on=_date(_attr(_first(node, "h:effectiveTime/h:low"), "value"), "E.i.4"),
                **flags,
            )
        )
    return reactions, country


def _joined(values: Iterable[str | None]) -> str | None:
    unique = list(dict.fromkeys(v for v in values if v))
    return "; ".join(unique) if unique else None


def _drugs(patient: Any, assessment: Any) -> list[ParsedDrug]:
    roles: dict[str, str] = {}
    for node in _observation(assessment, "h:component/h:causalityAssessment", OBS_ROLE):
        code = _attr(_first(node, "h:value"), "code")
        ref = _attr(_first(node, "h:subject2/h:productUseReference/h:id"), "root")
        if code is None:
            raise InvalidInput("G.k.1", "a characterisation of drug role has no code")
        if code not in {r.value for r in DrugRole}:
            raise InvalidInput("G.k.1", f"{code!r} is not a drug role (1–4)")
        if ref:
            roles[ref] = code
    administrations = _xp(
        patient,
        "h:subjectOf2/h:organizer[h:code[@code='4' and @codeSystem=$s]]"
        "/h:component/h:substanceAdministration",
        s=OID_VALUE_GROUPING,
    )
    if not administrations:
        raise InvalidInput("G.k", "the report has no drug")
    drugs = []
    for k, node in enumerate(administrations, start=1):
        product = _first(node, "h:consumable/h:instanceOfKind/h:kindOfProduct")
        name = _text(_first(product, "h:name")) if product is not None else None
        if not name:
            raise InvalidInput("G.k.2.2", f"drug {k} has no medicinal product name")
        ref = _attr(_first(node, "h:id"), "root")
        role = roles.get(ref or "")
        if role is None:
            raise InvalidInput("G.k.1", f"drug {k} ({name}) has no characterisation of role")
        dosages = _xp(node, "h:outboundRelationship2/h:substanceAdministration")
        drugs.append(
            ParsedDrug(
                role=DrugRole(role),
                reported_name=name,
                active_substance=_joined(
                    _text(n) for n in _xp(product, "h:ingredient/h:ingredientSubstance/h:name")
                ),
                approval_number=_attr(
                    _first(
                        product,
                        "h:asManufacturedProduct/h:subjectOf/h:approval/h:id[@root=$r]",
                        r=OID_AUTHORISATION_NUMBER,
                    ),
                    "extension",
                ),
                batch_number=_joined(
                    _text(n)
                    for d in dosages
                    for n in _xp(
                        d, "h:consumable/h:instanceOfKind/h:productInstanceInstance/h:lotNumberText"
                    )
                ),
                route=_joined(_route(n) for d in dosages for n in _xp(d, "h:routeCode")),
                dose_text=_joined(_text(n) for d in dosages for n in _xp(d, "h:text")),
                indication=_joined(
                    _text(_first(n, "h:value/h:originalText"))
                    for n in _observation(
                        node,
                        "h:inboundRelationship[@typeCode='RSON']/h:observation",
                        OBS_INDICATION,
                    )
                ),
            )
        )
    if not any(d.role in (DrugRole.SUSPECT, DrugRole.INTERACTING) for d in drugs):
        raise InvalidInput("G.k.1", "the report has no suspect or interacting drug")
    return drugs


def _route(node: Any) -> str | None:
    return _text(_first(node, "h:originalText")) or _attr(node, "displayName")
