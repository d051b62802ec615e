"""A case safety report as read from any source, before it is stored.

E2B(R3) XML, FAERS/AERS ASCII files and the hospital template all parse into a
:class:`ParsedReport`; ``yaojian.pv.service.store_report`` stores it. A stored report turns back
into one with :func:`parsed_from_report`, which is what the E2B export writes and what an
identical re-import is compared against.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from yaojian.kit.errors import InvalidInput
from yaojian.pv.models import DrugRole, Report, ReportCategory, ReporterType


@dataclass
class ParsedDrug:
    role: DrugRole  # G.k.1
    reported_name: str  # G.k.2.2
    active_substance: str | None = None  # G.k.2.3.r.1 (several joined by "; ")
    batch_number: str | None = None  # G.k.4.r.7
    route: str | None = None  # G.k.4.r.10.1
    dose_text: str | None = None  # G.k.4.r.8
    indication: str | None = None  # G.k.7.r.1
    # G.k.3.1 authorisation number (国药准字…): used to link the registry's product, not stored.
    approval_number: str | None = None


SERIOUSNESS_CRITERIA = (
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "other_serious",
)


@dataclass
class ParsedReaction:
    reported_term: str  # E.i.1.1a (or E.i.1.2 when only the translation is given)
    meddra_code: str | None = None  # E.i.2.1b
    death: bool = False  # E.i.3.2a
    life_threatening: bool = False  # E.i.3.2b
    hospitalisation: bool = False  # E.i.3.2c
    disability: bool = False  # E.i.3.2d
    congenital_anomaly: bool = False  # E.i.3.2e
    other_serious: bool = False  # E.i.3.2f
    outcome: str | None = None  # E.i.7
    onset_on: dt.date | None = None  # E.i.4

    def flagged(self, criteria: Iterable[str]) -> ParsedReaction:
        """A copy with the named seriousness criteria (``death``, ``hospitalisation``…) set."""
        copy = dataclasses.replace(self)
        for name in criteria:
            if name not in SERIOUSNESS_CRITERIA:
                raise ValueError(f"{name} is not a seriousness criterion")
            setattr(copy, name, True)
        return copy

    @property
    def is_serious(self) -> bool:
        return any(
            (
                self.death,
                self.life_threatening,
                self.hospitalisation,
                self.disability,
                self.congenital_anomaly,
                self.other_serious,
            )
        )


@dataclass
class ParsedReport:
    safety_report_id: str  # C.1.1
    report_type: str  # C.1.3
    received_on: dt.date | None  # C.1.4
    most_recent_on: dt.date | None  # C.1.5
    reactions: list[ParsedReaction]
    drugs: list[ParsedDrug]
    # An explicit version (FAERS caseversion); None when the source has none (E2B): the service
    # then numbers versions in the order of C.1.5.
    version: int | None = None
    worldwide_case_id: str | None = None  # C.1.8.1
    nullified: bool = False  # C.1.11.1 = 1
    reporter_type: ReporterType | None = None  # from C.3.1 sender type
    reporter_qualification: str | None = None  # C.2.r.4
    country: str | None = None  # C.2.r.3, else E.i.9
    patient_initials: str | None = None  # D.1
    patient_age_years: float | None = None  # D.2.2 in years
    patient_sex: str | None = None  # D.5: "1" male, "2" female
    patient_weight_kg: float | None = None  # D.3
    narrative: str = ""  # H.1
    # Not E2B elements: what the platform knows about the submission.
    category: ReportCategory = ReportCategory.DRUG
    sentinel: bool = False
    region_code: str | None = None
    is_new: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def serious(self) -> bool:
        return any(r.is_serious for r in self.reactions)


# Column widths of the schema (yaojian/pv/models.py); PostgreSQL refuses longer values, so every
# source checks them and names the element at fault instead.
REPORT_LIMITS = {
    "safety_report_id": ("C.1.1", 100),
    "worldwide_case_id": ("C.1.8.1", 100),
    "patient_initials": ("D.1", 60),
    "country": ("C.2.r.3", 2),
}
DRUG_LIMITS = {
    "reported_name": ("G.k.2.2", 250),
    "active_substance": ("G.k.2.3.r.1", 250),
    "batch_number": ("G.k.4.r.7", 60),
    "route": ("G.k.4.r.10.1", 60),
    "dose_text": ("G.k.4.r.8", 200),
    "indication": ("G.k.7.r.1", 250),
}
REACTION_LIMITS = {"reported_term": ("E.i.1.1a", 250), "meddra_code": ("E.i.2.1b", 10)}


def check_lengths(parsed: ParsedReport, where: str = "") -> None:
    """Raise InvalidInput naming the element whose value does not fit its column."""

    def check(obj: object, limits: dict[str, tuple[str, int]]) -> None:
        for attr, (element, limit) in limits.items():
            value = getattr(obj, attr)
            if value is not None and len(value) > limit:
                raise InvalidInput(element, f"{where}longer than {limit} characters ({len(value)})")

    check(parsed, REPORT_LIMITS)
    for drug in parsed.drugs:
        check(drug, DRUG_LIMITS)
    for reaction in parsed.reactions:
        check(reaction, REACTION_LIMITS)


def fingerprint(parsed: ParsedReport) -> dict[str, Any]:
    """What makes two versions the same: every stored field, not the version number itself."""
    data = dataclasses.asdict(parsed)
    data.pop("version")
    data.pop("extra")
    for drug in data["drugs"]:
        drug.pop("approval_number")
    return data


def parsed_from_report(report: Report) -> ParsedReport:
    """The stored report as the parsed form it was stored from (approval numbers from products)."""
    return ParsedReport(
        safety_report_id=report.safety_report_id,
        report_type=report.report_type or "4",
        received_on=report.received_on,
        most_recent_on=report.most_recent_on,
        version=report.version,
        worldwide_case_id=report.worldwide_case_id,
        nullified=report.status.value == "nullified",
        reporter_type=report.reporter_type,
        reporter_qualification=report.reporter_qualification,
        country=report.country,
        patient_initials=report.patient_initials,
        patient_age_years=report.patient_age_years,
        patient_sex=report.patient_sex,
        patient_weight_kg=report.patient_weight_kg,
        narrative=report.narrative,
        category=report.category,
        sentinel=report.sentinel,
        region_code=report.region_code,
        is_new=report.is_new,
        reactions=[
            ParsedReaction(
                reported_term=r.reported_term,
                meddra_code=r.meddra_code,
                death=r.death,
                life_threatening=r.life_threatening,
                hospitalisation=r.hospitalisation,
                disability=r.disability,
                congenital_anomaly=r.congenital_anomaly,
                other_serious=r.other_serious,
                outcome=r.outcome,
                onset_on=r.onset_on,
            )
            for r in report.reactions
        ],
        drugs=[
            ParsedDrug(
                role=d.role,
                reported_name=d.reported_name,
                active_substance=d.active_substance,
                batch_number=d.batch_number,
                route=d.route,
                dose_text=d.dose_text,
                indication=d.indication,
                approval_number=None,
            )
            for d in report.drugs
        ],
    )
