"""Storing and reading case safety reports: versions, nullification, coding, product links.

Every source (E2B, FAERS, the hospital template) hands a ``ParsedReport`` to
:func:`store_report`, which authorises the actor, decides what the report is to the case it
belongs to, links drugs to the registry, codes reactions, writes and audits. Reads go through
``scoped`` so that each party sees only its own jurisdiction or enterprise.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from yaojian.audit.chain import record, snapshot
from yaojian.auth.actor import Actor
from yaojian.auth.models import Role
from yaojian.auth.permissions import Action, authorize
from yaojian.auth.scope import get_visible, scoped
from yaojian.kit.choices import LabelledChoice
from yaojian.kit.errors import Conflict, InvalidInput
from yaojian.kit.pagination import PageParams, paginate
from yaojian.pv.models import (
    MeddraTerm,
    Report,
    ReportCategory,
    ReportDrug,
    ReporterType,
    ReportReaction,
    ReportStatus,
    TermSynonym,
)
from yaojian.pv.parsed import ParsedReaction, ParsedReport, check_lengths, fingerprint
from yaojian.pv.parsed import parsed_from_report as parsed_from_report
from yaojian.pv.quality import apply_score
from yaojian.registry.choices import EnterpriseKind, ProductCategory
from yaojian.registry.models import Enterprise, Product, Region


class StoreOutcome(LabelledChoice):
    CREATED = ("created", "新报告", "new report")
    FOLLOW_UP = (
        "follow_up",
        "随访报告，已替代前一版本",
        "follow-up, supersedes the earlier version",
    )
    LATE = ("late", "较早版本，已存为历史版本", "earlier version, kept as superseded")
    NULLIFIED = ("nullified", "病例已作废", "case nullified")
    DUPLICATE = ("duplicate", "与已存版本相同，未重复保存", "identical to a stored version")


@dataclass
class Stored:
    report: Report
    outcome: StoreOutcome


_REPORTER_OF_KIND = {
    EnterpriseKind.MEDICAL_INSTITUTION: ReporterType.MEDICAL_INSTITUTION,
    EnterpriseKind.VACCINATION_SITE: ReporterType.MEDICAL_INSTITUTION,
    EnterpriseKind.DRUG_MANUFACTURER: ReporterType.MAH,
    EnterpriseKind.DEVICE_MANUFACTURER: ReporterType.MAH,
    EnterpriseKind.COSMETICS_MANUFACTURER: ReporterType.MAH,
    EnterpriseKind.DRUG_WHOLESALER: ReporterType.PHARMACY,
    EnterpriseKind.RETAIL_CHAIN: ReporterType.PHARMACY,
    EnterpriseKind.RETAIL_PHARMACY: ReporterType.PHARMACY,
    EnterpriseKind.DEVICE_DISTRIBUTOR: ReporterType.PHARMACY,
}
_PRODUCT_CATEGORY = {
    ReportCategory.DRUG: ProductCategory.DRUG,
    ReportCategory.DEVICE: ProductCategory.DEVICE,
    ReportCategory.COSMETIC: ProductCategory.COSMETIC,
}


# ---------------------------------------------------------------- terminology


class Terminology:
    """Codes reported terms: MedDRA LLT/PT code → PT name, else the synonym table, else as is.

    One instance caches its look-ups; a bulk import keeps one for the whole run.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self._by_code: dict[str, str | None] = {}
        self._by_name: dict[str, str | None] = {}
        self._synonyms: dict[str, str | None] = {}
        self._meddra_loaded: bool | None = None

    @property
    def meddra_loaded(self) -> bool:
        if self._meddra_loaded is None:
            self._meddra_loaded = self.session.scalar(select(MeddraTerm.code).limit(1)) is not None
        return self._meddra_loaded

    def _pt_of_code(self, code: str) -> str | None:
        if code not in self._by_code:
            self._by_code[code] = self.session.scalar(
                select(MeddraTerm.pt_name).where(MeddraTerm.code == code)
            )
        return self._by_code[code]

    def _pt_of_name(self, name: str) -> str | None:
        if name not in self._by_name:
            self._by_name[name] = self.session.scalar(
                select(MeddraTerm.pt_name).where(MeddraTerm.name == name).limit(1)
            )
        return self._by_name[name]

    def synonym(self, term: str) -> str | None:
        if term not in self._synonyms:
            preferred = self.session.scalar(
                select(TermSynonym.preferred).where(TermSynonym.reported == term)
            )
            if preferred is None:
                preferred = self.session.scalar(
                    select(TermSynonym.preferred)
                    .where(func.lower(TermSynonym.reported) == term.lower())
                    .limit(1)
                )
            self._synonyms[term] = preferred
        return self._synonyms[term]

    def coded(self, reaction: ParsedReaction) -> str:
        term = reaction.reported_term.strip()
        if self.meddra_loaded and reaction.meddra_code:
            pt = self._pt_of_code(reaction.meddra_code)
            if pt:
                return pt
        preferred = self.synonym(term) or term
        if self.meddra_loaded:
            return self._pt_of_name(preferred) or preferred
        return preferred


def _link_product(
    session: Session, category: ReportCategory, name: str, number: str | None
) -> int | None:
    """The registry's product by approval/registration/filing number, else by exact name."""
    kind = _PRODUCT_CATEGORY[category]
    if number:
        found = session.scalar(
            select(Product.id).where(
                or_(
                    Product.approval_number == number,
                    Product.registration_number == number,
                    Product.filing_number == number,
                )
            )
        )
        if found is not None:
            return found
    matches = list(
        session.scalars(
            select(Product.id).where(Product.category == kind, Product.name == name).limit(2)
        )
    )
    # Several holders may market a product of the same name; then the name alone says nothing.
    return matches[0] if len(matches) == 1 else None


# ---------------------------------------------------------------- storing


def _with_context(session: Session, actor: Actor, parsed: ParsedReport) -> ParsedReport:
    """Fill what the submitter, not the message, tells: reporter type, region of occurrence."""
    changes: dict[str, Any] = {}
    domestic = parsed.country in (None, "CN")
    if actor.role is Role.ENTERPRISE:
        enterprise = session.get(Enterprise, actor.enterprise_id)
        if enterprise is None:
            raise InvalidInput("enterprise", "the token's enterprise no longer exists")
        changes["reporter_type"] = _REPORTER_OF_KIND.get(
            enterprise.kind, parsed.reporter_type or ReporterType.OTHER
        )
        if parsed.region_code is None and domestic:
            changes["region_code"] = enterprise.region_code
    elif parsed.region_code is None and domestic and not actor.is_province_wide:
        changes["region_code"] = actor.region_code
    if parsed.worldwide_case_id is None:
        # A report whose sender is its first sender carries its own id as C.1.8.1 (ICH rule).
        changes["worldwide_case_id"] = parsed.safety_report_id
    if parsed.reporter_type is None and "reporter_type" not in changes:
        changes["reporter_type"] = ReporterType.OTHER
    return dataclasses.replace(parsed, **changes) if changes else parsed


def _authorize(session: Session, actor: Actor, parsed: ParsedReport) -> None:
    if parsed.region_code is not None and session.get(Region, parsed.region_code) is None:
        raise InvalidInput(
            "region_code", f"{parsed.region_code} is not a GB/T 2260 region code of this province"
        )
    region = parsed.region_code if actor.role is not Role.ENTERPRISE else None
    authorize(actor, Action.PV_REPORT, region)


def _case_versions(session: Session, actor: Actor, safety_report_id: str) -> list[Report]:
    versions = list(
        session.scalars(
            select(Report)
            .where(Report.safety_report_id == safety_report_id)
            .order_by(Report.version)
            .options(selectinload(Report.drugs), selectinload(Report.reactions))
        )
    )
    if versions:
        ids = [v.id for v in versions]
        visible = set(
            session.scalars(scoped(select(Report.id).where(Report.id.in_(ids)), actor, Report))
        )
        if visible != set(ids):
            raise Conflict(
                f"safety report {safety_report_id} belongs to another submitter", "C.1.1"
            )
    return versions


def _audit_state(report: Report) -> dict[str, Any]:
    state = snapshot(report)
    state["drugs"] = [d.reported_name for d in report.drugs]
    state["reactions"] = [r.coded_term for r in report.reactions]
    return state


def _set_status(session: Session, actor: Actor, report: Report, status: ReportStatus) -> None:
    before = {"status": report.status.value}
    report.status = status
    session.flush()
    record(
        session,
        actor,
        f"pv.report.{status.value}",
        "pv_report",
        report.id,
        before,
        {"status": status.value},
    )


def store_report(
    session: Session,
    actor: Actor,
    parsed: ParsedReport,
    source: str,
    source_ref: str | None = None,
    *,
    terminology: Terminology | None = None,
) -> Stored:
    """Store one version of a case; return it and what it was to the case.

    - the first version of a case is stored as current;
    - a version with a higher number (FAERS ``caseversion``) or, without numbers, with later or
      equal C.1.5 and different content supersedes the current one; an older one arriving late
      is kept as superseded;
    - a nullification (C.1.11.1 = 1) marks every version of the case nullified;
    - a version identical to a stored one is acknowledged and not stored again.
    """
    parsed = _with_context(session, actor, parsed)
    _authorize(session, actor, parsed)
    check_lengths(parsed)
    if not parsed.reactions:
        raise InvalidInput("E.i", "the report has no reaction / event")
    if not parsed.drugs:
        raise InvalidInput("G.k", "the report has no drug")
    versions = _case_versions(session, actor, parsed.safety_report_id)
    incoming = fingerprint(dataclasses.replace(parsed, nullified=False))

    if any(v.status is ReportStatus.NULLIFIED for v in versions):
        if parsed.nullified:
            return Stored(versions[-1], StoreOutcome.DUPLICATE)
        raise Conflict(f"case {parsed.safety_report_id} has been nullified", "C.1.11.1")
    for stored in versions:
        same = fingerprint(dataclasses.replace(parsed_from_report(stored), nullified=False))
        if same == incoming and parsed.version in (None, stored.version) and not parsed.nullified:
            return Stored(stored, StoreOutcome.DUPLICATE)
        if parsed.version is not None and parsed.version == stored.version and not parsed.nullified:
            raise Conflict(
                f"version {stored.version} of case {parsed.safety_report_id} is stored with "
                "different content",
                "version",
            )

    current = next((v for v in versions if v.status is ReportStatus.CURRENT), None)
    number = parsed.version or (max((v.version for v in versions), default=0) + 1)
    if parsed.nullified and versions:
        for stored in versions:
            _set_status(session, actor, stored, ReportStatus.NULLIFIED)
        return Stored(current or versions[-1], StoreOutcome.NULLIFIED)
    if any(v.version == number for v in versions):
        number = max(v.version for v in versions) + 1

    if parsed.nullified:
        status, outcome = ReportStatus.NULLIFIED, StoreOutcome.NULLIFIED
    elif current is None:
        status, outcome = (
            ReportStatus.CURRENT,
            (StoreOutcome.FOLLOW_UP if versions else StoreOutcome.CREATED),
        )
    elif _is_newer(parsed, number, current):
        status, outcome = ReportStatus.CURRENT, StoreOutcome.FOLLOW_UP
    else:
        status, outcome = ReportStatus.SUPERSEDED, StoreOutcome.LATE

    report = _new_report(session, actor, parsed, number, status, source, source_ref, terminology)
    if outcome is StoreOutcome.FOLLOW_UP and current is not None:
        _set_status(session, actor, current, ReportStatus.SUPERSEDED)
    return Stored(report, outcome)


def _is_newer(parsed: ParsedReport, number: int, current: Report) -> bool:
    if parsed.version is not None:
        return number > current.version
    if parsed.most_recent_on is None or current.most_recent_on is None:
        return True
    return parsed.most_recent_on >= current.most_recent_on


def _new_report(
    session: Session,
    actor: Actor,
    parsed: ParsedReport,
    version: int,
    status: ReportStatus,
    source: str,
    source_ref: str | None,
    terminology: Terminology | None,
) -> Report:
    terms = terminology or Terminology(session)
    report = Report(
        safety_report_id=parsed.safety_report_id,
        version=version,
        worldwide_case_id=parsed.worldwide_case_id,
        status=status,
        category=parsed.category,
        report_type=parsed.report_type,
        reporter_type=parsed.reporter_type or ReporterType.OTHER,
        reporter_qualification=parsed.reporter_qualification,
        reporter_enterprise_id=actor.enterprise_id if actor.role is Role.ENTERPRISE else None,
        sentinel=parsed.sentinel,
        region_code=parsed.region_code,
        country=parsed.country,
        received_on=parsed.received_on,
        most_recent_on=parsed.most_recent_on,
        patient_initials=parsed.patient_initials,
        patient_age_years=parsed.patient_age_years,
        patient_sex=parsed.patient_sex,
        patient_weight_kg=parsed.patient_weight_kg,
        serious=parsed.serious,
        is_new=parsed.is_new,
        narrative=parsed.narrative,
        source=source,
        source_ref=source_ref[:200] if source_ref else None,
    )
    for seq, drug in enumerate(parsed.drugs, start=1):
        report.drugs.append(
            ReportDrug(
                seq=seq,
                role=drug.role,
                reported_name=drug.reported_name,
                product_id=_link_product(
                    session, parsed.category, drug.reported_name, drug.approval_number
                ),
                active_substance=drug.active_substance,
                batch_number=drug.batch_number,
                route=drug.route,
                dose_text=drug.dose_text,
                indication=drug.indication,
            )
        )
    for seq, reaction in enumerate(parsed.reactions, start=1):
        report.reactions.append(
            ReportReaction(
                seq=seq,
                reported_term=reaction.reported_term,
                coded_term=terms.coded(reaction)[:250],
                meddra_code=reaction.meddra_code,
                death=reaction.death,
                life_threatening=reaction.life_threatening,
                hospitalisation=reaction.hospitalisation,
                disability=reaction.disability,
                congenital_anomaly=reaction.congenital_anomaly,
                other_serious=reaction.other_serious,
                outcome=reaction.outcome,
                onset_on=reaction.onset_on,
            )
        )
    apply_score(report)
    session.add(report)
    session.flush()
    record(session, actor, "pv.report.create", "pv_report", report.id, None, _audit_state(report))
    return report


def withdraw_case(session: Session, actor: Actor, safety_report_id: str) -> int:
    """Mark every version of a case nullified (FAERS deletions); returns versions changed."""
    authorize(actor, Action.PV_REPORT)
    changed = 0
    for report in _case_versions(session, actor, safety_report_id):
        if report.status is not ReportStatus.NULLIFIED:
            _set_status(session, actor, report, ReportStatus.NULLIFIED)
            changed += 1
    return changed


# ---------------------------------------------------------------- reading


def report_query(
    actor: Actor,
    *,
    category: ReportCategory | None = None,
    drug: str | None = None,
    event: str | None = None,
    serious: bool | None = None,
    status: ReportStatus | None = None,
) -> Select[Any]:
    stmt = select(Report).order_by(Report.received_on.desc(), Report.id.desc())
    if category is not None:
        stmt = stmt.where(Report.category == category)
    if serious is not None:
        stmt = stmt.where(Report.serious.is_(serious))
    if status is not None:
        stmt = stmt.where(Report.status == status)
    if drug:
        term = drug.strip().lower()
        stmt = stmt.where(
            exists().where(
                ReportDrug.report_id == Report.id,
                or_(
                    func.lower(ReportDrug.reported_name).contains(term, autoescape=True),
                    func.lower(ReportDrug.active_substance).contains(term, autoescape=True),
                ),
            )
        )
    if event:
        term = event.strip().lower()
        stmt = stmt.where(
            exists().where(
                ReportReaction.report_id == Report.id,
                or_(
                    func.lower(ReportReaction.coded_term).contains(term, autoescape=True),
                    func.lower(ReportReaction.reported_term).contains(term, autoescape=True),
                ),
            )
        )
    return scoped(stmt, actor, Report).options(
        selectinload(Report.drugs), selectinload(Report.reactions)
    )


def list_reports(
    session: Session,
    actor: Actor,
    params: PageParams,
    *,
    category: ReportCategory | None = None,
    drug: str | None = None,
    event: str | None = None,
    serious: bool | None = None,
    status: ReportStatus | None = None,
) -> tuple[list[Report], int]:
    stmt = report_query(
        actor, category=category, drug=drug, event=event, serious=serious, status=status
    )
    return paginate(session, stmt, params)


def get_report(session: Session, actor: Actor, report_id: int) -> Report:
    return get_visible(session, actor, Report, report_id, "report")


# ---------------------------------------------------------------- synonyms


def add_synonym(session: Session, actor: Actor, reported: str, preferred: str) -> TermSynonym:
    """Map a reported term to a preferred term (replacing an earlier mapping of it)."""
    authorize(actor, Action.PV_TERMINOLOGY)
    reported, preferred = reported.strip(), preferred.strip()
    for name, value in (("reported", reported), ("preferred", preferred)):
        if not value:
            raise InvalidInput(name, "must not be empty")
        if len(value) > 250:
            raise InvalidInput(name, "longer than 250 characters")
    synonym = session.scalars(select(TermSynonym).where(TermSynonym.reported == reported)).first()
    before = snapshot(synonym) if synonym else None
    if synonym is None:
        synonym = TermSynonym(reported=reported, preferred=preferred)
        session.add(synonym)
    else:
        synonym.preferred = preferred
    session.flush()
    record(
        session, actor, "pv.synonym.set", "pv_term_synonym", synonym.id, before, snapshot(synonym)
    )
    return synonym
