"""Writing a stored report as an ICH E2B(R3) batch (the reverse of ``yaojian.pv.e2b.parse``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from lxml import etree
from sqlalchemy.orm import object_session

from yaojian.pv.e2b_codes import (
    HL7,
    OBS_ADDITIONAL_DOCUMENTS,
    OBS_AGE,
    OBS_EXPEDITED,
    OBS_INDICATION,
    OBS_OUTCOME,
    OBS_REACTION,
    OBS_ROLE,
    OBS_WEIGHT,
    OID_ACT_CODE,
    OID_AUTHORISATION_NUMBER,
    OID_BATCH_NUMBER,
    OID_BATCH_RECEIVER,
    OID_BATCH_SENDER,
    OID_CHARACTERISTIC,
    OID_COUNTRY,
    OID_DRUG_ROLE,
    OID_FIRST_SENDER,
    OID_INTERACTION,
    OID_MEDDRA,
    OID_MESSAGE_RECEIVER,
    OID_MESSAGE_SENDER,
    OID_MESSAGE_TYPE,
    OID_NULLIFICATION,
    OID_OBSERVATION,
    OID_OUTCOME,
    OID_QUALIFICATION,
    OID_REPORT_RELATION,
    OID_REPORT_TYPE,
    OID_SAFETY_REPORT_ID,
    OID_SENDER_TYPE,
    OID_SEX,
    OID_TRIGGER_EVENT,
    OID_VALUE_GROUPING,
    OID_WORLDWIDE_ID,
    SENDER_TYPE_OF,
    SERIOUSNESS,
    XSI,
)
from yaojian.pv.models import Report, ReporterType
from yaojian.pv.parsed import ParsedDrug, ParsedReaction, ParsedReport, parsed_from_report
from yaojian.registry.models import Product


def _ts(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S+0000")
    return value.strftime("%Y%m%d")


def _number(value: float) -> str:
    """The shortest text that reads back as the same float (48.0 → "48")."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


class _Writer:
    def __init__(self) -> None:
        self.xsi_type = f"{{{XSI}}}type"

    def el(self, parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
        node = etree.SubElement(parent, f"{{{HL7}}}{tag}")
        for key, value in attrs.items():
            node.set(self.xsi_type if key == "xsi_type" else key, value)
        if text is not None:
            node.text = text
        return node

    def observation(self, parent: Any, wrapper: str, code: str, **wrapper_attrs: str) -> Any:
        holder = self.el(parent, wrapper, **wrapper_attrs)
        obs = self.el(holder, "observation", classCode="OBS", moodCode="EVN")
        self.el(obs, "code", code=code, codeSystem=OID_OBSERVATION)
        return obs


def to_e2b(report: Report) -> bytes:
    """The report as an E2B(R3) batch of one message; re-importing it gives the same report."""
    parsed = parsed_from_report(report)
    session = object_session(report)
    approvals: dict[int, str] = {}
    if session is not None:
        for stored in report.drugs:
            if stored.product_id is not None:
                product = session.get(Product, stored.product_id)
                if product is not None and product.approval_number:
                    approvals[stored.seq] = product.approval_number
    now = dt.datetime.now(dt.UTC)
    w = _Writer()
    nsmap: Any = {None: HL7, "xsi": XSI}
    root = etree.Element(f"{{{HL7}}}MCCI_IN200100UV01", nsmap=nsmap)
    root.set("ITSVersion", "XML_1.0")
    w.el(root, "id", extension=f"yaojian-{uuid.uuid4()}", root=OID_BATCH_NUMBER)
    w.el(root, "creationTime", value=_ts(now))
    w.el(root, "responseModeCode", code="D")
    w.el(root, "interactionId", extension="MCCI_IN200100UV01", root=OID_INTERACTION)
    w.el(root, "name", code="1", codeSystem=OID_MESSAGE_TYPE, displayName="ichicsr")
    message = w.el(root, "PORR_IN049016UV")
    w.el(message, "id", extension=str(uuid.uuid4()), root=OID_SAFETY_REPORT_ID)
    w.el(message, "creationTime", value=_ts(now))
    w.el(message, "interactionId", extension="PORR_IN049016UV", root=OID_INTERACTION)
    w.el(message, "processingCode", code="P")
    w.el(message, "processingModeCode", code="T")
    w.el(message, "acceptAckCode", code="AL")
    for wrapper, type_code, oid, ident in (
        ("receiver", "RCV", OID_MESSAGE_RECEIVER, "RECEIVER"),
        ("sender", "SND", OID_MESSAGE_SENDER, "YAOJIAN"),
    ):
        device = w.el(
            w.el(message, wrapper, typeCode=type_code),
            "device",
            classCode="DEV",
            determinerCode="INSTANCE",
        )
        w.el(device, "id", extension=ident, root=oid)
    act = w.el(message, "controlActProcess", classCode="CACT", moodCode="EVN")
    w.el(act, "code", code="PORR_TE049016UV", codeSystem=OID_TRIGGER_EVENT)
    w.el(act, "effectiveTime", value=_ts(now))  # C.1.2
    event = w.el(
        w.el(act, "subject", typeCode="SUBJ"),
        "investigationEvent",
        classCode="INVSTG",
        moodCode="EVN",
    )
    w.el(event, "id", extension=parsed.safety_report_id, root=OID_SAFETY_REPORT_ID)
    w.el(
        event,
        "id",
        extension=parsed.worldwide_case_id or parsed.safety_report_id,
        root=OID_WORLDWIDE_ID,
    )
    w.el(event, "code", code="PAT_ADV_EVNT", codeSystem=OID_ACT_CODE)
    if parsed.narrative:
        w.el(event, "text", parsed.narrative)
    w.el(event, "statusCode", code="active")
    low = w.el(w.el(event, "effectiveTime"), "low")
    if parsed.received_on:
        low.set("value", _ts(parsed.received_on))
    else:
        low.set("nullFlavor", "UNK")
    if parsed.most_recent_on:
        w.el(event, "availabilityTime", value=_ts(parsed.most_recent_on))
    else:
        w.el(event, "availabilityTime", nullFlavor="UNK")
    assessment = w.el(
        w.el(event, "component", typeCode="COMP"),
        "adverseEventAssessment",
        classCode="INVSTG",
        moodCode="EVN",
    )
    patient = w.el(w.el(assessment, "subject1", typeCode="SBJ"), "primaryRole", classCode="INVSBJ")
    person = w.el(patient, "player1", classCode="PSN", determinerCode="INSTANCE")
    if parsed.patient_initials:
        w.el(person, "name", parsed.patient_initials)
    else:
        w.el(person, "name", nullFlavor="UNK")
    if parsed.patient_sex:
        w.el(person, "administrativeGenderCode", code=parsed.patient_sex, codeSystem=OID_SEX)
    else:
        w.el(person, "administrativeGenderCode", nullFlavor="UNK")
    if parsed.patient_age_years is not None:
        obs = w.observation(patient, "subjectOf2", OBS_AGE, typeCode="SBJ")
        w.el(obs, "value", xsi_type="PQ", value=_number(parsed.patient_age_years), unit="a")
    if parsed.patient_weight_kg is not None:
        obs = w.observation(patient, "subjectOf2", OBS_WEIGHT, typeCode="SBJ")
        w.el(obs, "value", xsi_type="PQ", value=_number(parsed.patient_weight_kg), unit="kg")
    for reaction in parsed.reactions:
        _write_reaction(w, patient, reaction, parsed.country)
    organizer = w.el(
        w.el(patient, "subjectOf2", typeCode="SBJ"),
        "organizer",
        classCode="CATEGORY",
        moodCode="EVN",
    )
    w.el(organizer, "code", code="4", codeSystem=OID_VALUE_GROUPING, displayName="drugInformation")
    references = []
    for seq, drug in enumerate(parsed.drugs, start=1):
        ref = str(uuid.uuid4())
        references.append((ref, drug.role))
        _write_drug(w, organizer, drug, ref, approvals.get(seq))
    for ref, role in references:
        causality = w.el(
            w.el(assessment, "component", typeCode="COMP"),
            "causalityAssessment",
            classCode="OBS",
            moodCode="EVN",
        )
        w.el(causality, "code", code=OBS_ROLE, codeSystem=OID_OBSERVATION)
        w.el(causality, "value", xsi_type="CE", code=role.value, codeSystem=OID_DRUG_ROLE)
        use = w.el(
            w.el(causality, "subject2", typeCode="SUBJ"),
            "productUseReference",
            classCode="SBADM",
            moodCode="EVN",
        )
        w.el(use, "id", root=ref)
    for code, flag in ((OBS_ADDITIONAL_DOCUMENTS, "false"), (OBS_EXPEDITED, "false")):
        obs = w.el(
            w.el(event, "component", typeCode="COMP"),
            "observationEvent",
            classCode="OBS",
            moodCode="EVN",
        )
        w.el(obs, "code", code=code, codeSystem=OID_OBSERVATION)
        w.el(obs, "value", xsi_type="BL", value=flag)  # C.1.6.1, C.1.7
    _write_sources(w, event, parsed)
    for code, system, value in (
        ("1", OID_REPORT_TYPE, parsed.report_type),
        ("3", OID_NULLIFICATION, "1" if parsed.nullified else None),
    ):
        if value is None:
            continue
        characteristic = w.el(
            w.el(event, "subjectOf2", typeCode="SUBJ"),
            "investigationCharacteristic",
            classCode="OBS",
            moodCode="EVN",
        )
        w.el(characteristic, "code", code=code, codeSystem=OID_CHARACTERISTIC)
        w.el(characteristic, "value", xsi_type="CE", code=value, codeSystem=system)
    for wrapper, type_code, oid, ident in (
        ("receiver", "RCV", OID_BATCH_RECEIVER, "RECEIVER"),
        ("sender", "SND", OID_BATCH_SENDER, "YAOJIAN"),
    ):
        device = w.el(
            w.el(root, wrapper, typeCode=type_code),
            "device",
            classCode="DEV",
            determinerCode="INSTANCE",
        )
        w.el(device, "id", extension=ident, root=oid)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _assigned_author(w: _Writer, related: Any) -> Any:
    """relatedInvestigation/subjectOf2/controlActEvent/author/assignedEntity, as C.1.8.2 and
    C.2.r both need it."""
    control = w.el(
        w.el(related, "subjectOf2", typeCode="SUBJ"),
        "controlActEvent",
        classCode="CACT",
        moodCode="EVN",
    )
    return w.el(w.el(control, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")


def _write_sources(w: _Writer, event: Any, parsed: ParsedReport) -> None:
    first = w.el(event, "outboundRelationship", typeCode="SPRT")
    related = w.el(first, "relatedInvestigation", classCode="INVSTG", moodCode="EVN")
    w.el(related, "code", code="1", codeSystem=OID_REPORT_RELATION, displayName="initialReport")
    entity = _assigned_author(w, related)
    w.el(entity, "code", code="2", codeSystem=OID_FIRST_SENDER)  # C.1.8.2: other
    source = w.el(event, "outboundRelationship", typeCode="SPRT")
    w.el(source, "priorityNumber", value="1")
    related = w.el(source, "relatedInvestigation", classCode="INVSTG", moodCode="EVN")
    w.el(related, "code", code="2", codeSystem=OID_REPORT_RELATION, displayName="sourceReport")
    entity = _assigned_author(w, related)
    person = w.el(entity, "assignedPerson", classCode="PSN", determinerCode="INSTANCE")
    qualified = w.el(person, "asQualifiedEntity", classCode="QUAL")
    if parsed.reporter_qualification:
        w.el(qualified, "code", code=parsed.reporter_qualification, codeSystem=OID_QUALIFICATION)
    else:
        w.el(qualified, "code", nullFlavor="UNK")
    if parsed.country:
        location = w.el(
            w.el(person, "asLocatedEntity", classCode="LOCE"),
            "location",
            classCode="COUNTRY",
            determinerCode="INSTANCE",
        )
        w.el(location, "code", code=parsed.country, codeSystem=OID_COUNTRY)
    sender = w.el(
        w.el(
            w.el(
                w.el(event, "subjectOf1", typeCode="SUBJ"),
                "controlActEvent",
                classCode="CACT",
                moodCode="EVN",
            ),
            "author",
            typeCode="AUT",
        ),
        "assignedEntity",
        classCode="ASSIGNED",
    )
    sender_type = SENDER_TYPE_OF[parsed.reporter_type or ReporterType.OTHER]
    w.el(sender, "code", code=sender_type, codeSystem=OID_SENDER_TYPE)  # C.3.1


def _write_reaction(
    w: _Writer, patient: Any, reaction: ParsedReaction, country: str | None
) -> None:
    holder = w.el(patient, "subjectOf2", typeCode="SBJ")
    obs = w.el(holder, "observation", classCode="OBS", moodCode="EVN")
    w.el(obs, "id", root=str(uuid.uuid4()))
    w.el(obs, "code", code=OBS_REACTION, codeSystem=OID_OBSERVATION, displayName="reaction")
    if reaction.onset_on:
        period = w.el(obs, "effectiveTime", xsi_type="IVL_TS")
        w.el(period, "low", value=_ts(reaction.onset_on))
    if reaction.meddra_code:
        value = w.el(obs, "value", xsi_type="CE", code=reaction.meddra_code, codeSystem=OID_MEDDRA)
    else:
        value = w.el(obs, "value", xsi_type="CE", nullFlavor="OTH", codeSystem=OID_MEDDRA)
    w.el(value, "originalText", reaction.reported_term)  # E.i.1.1a
    if country:
        place = w.el(
            w.el(w.el(obs, "location", typeCode="LOC"), "locatedEntity", classCode="LOCE"),
            "locatedPlace",
            classCode="COUNTRY",
            determinerCode="INSTANCE",
        )
        w.el(place, "code", code=country, codeSystem=OID_COUNTRY)  # E.i.9
    for code, (attr, _) in SERIOUSNESS.items():
        criterion = w.observation(obs, "outboundRelationship2", code, typeCode="PERT")
        if getattr(reaction, attr):
            w.el(criterion, "value", xsi_type="BL", value="true")
        else:
            w.el(criterion, "value", xsi_type="BL", nullFlavor="NI")
    if reaction.outcome is not None:
        outcome = w.observation(obs, "outboundRelationship2", OBS_OUTCOME, typeCode="PERT")
        w.el(outcome, "value", xsi_type="CE", code=reaction.outcome, codeSystem=OID_OUTCOME)


def _write_drug(
    w: _Writer, organizer: Any, drug: ParsedDrug, ref: str, approval: str | None
) -> None:
    admin = w.el(
        w.el(organizer, "component", typeCode="COMP"),
        "substanceAdministration",
        classCode="SBADM",
        moodCode="EVN",
    )
    w.el(admin, "id", root=ref)
    product = w.el(
        w.el(w.el(admin, "consumable", typeCode="CSM"), "instanceOfKind", classCode="INST"),
        "kindOfProduct",
        classCode="MMAT",
        determinerCode="KIND",
    )
    w.el(product, "name", drug.reported_name)
    if approval:
        approval_node = w.el(
            w.el(
                w.el(product, "asManufacturedProduct", classCode="MANU"),
                "subjectOf",
                typeCode="SBJ",
            ),
            "approval",
            classCode="CNTRCT",
            moodCode="EVN",
        )
        w.el(approval_node, "id", extension=approval, root=OID_AUTHORISATION_NUMBER)
    for substance in (drug.active_substance or "").split("; "):
        if substance:
            ingredient = w.el(product, "ingredient", classCode="ACTI")
            w.el(
                w.el(ingredient, "ingredientSubstance", classCode="MMAT", determinerCode="KIND"),
                "name",
                substance,
            )
    if drug.dose_text or drug.route or drug.batch_number:
        dosage = w.el(
            w.el(admin, "outboundRelationship2", typeCode="COMP"),
            "substanceAdministration",
            classCode="SBADM",
            moodCode="EVN",
        )
        if drug.dose_text:
            w.el(dosage, "text", drug.dose_text)  # G.k.4.r.8
        if drug.route:
            w.el(w.el(dosage, "routeCode"), "originalText", drug.route)  # G.k.4.r.10.1
        if drug.batch_number:
            kind = w.el(
                w.el(dosage, "consumable", typeCode="CSM"), "instanceOfKind", classCode="INST"
            )
            w.el(
                w.el(kind, "productInstanceInstance", classCode="MMAT", determinerCode="INSTANCE"),
                "lotNumberText",
                drug.batch_number,
            )  # G.k.4.r.7
            w.el(kind, "kindOfProduct", classCode="MMAT", determinerCode="KIND")
    if drug.indication:
        for indication in drug.indication.split("; "):
            obs = w.observation(admin, "inboundRelationship", OBS_INDICATION, typeCode="RSON")
            w.el(
                w.el(obs, "value", xsi_type="CE", codeSystem=OID_MEDDRA), "originalText", indication
            )
