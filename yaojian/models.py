"""Imports every area's tables so that the metadata is complete (migrations, tests)."""

from yaojian.audit.models import AuditEntry, AuditHead
from yaojian.auth.models import ApiToken, User
from yaojian.db import Base
from yaojian.inspection.models import (
    Finding,
    InspectionPlan,
    InspectionVisit,
    Inspector,
    Rectification,
    TeamMember,
)
from yaojian.pv.models import (
    AnalysisRun,
    MeddraTerm,
    PairStatistic,
    Report,
    ReportDrug,
    ReportReaction,
    SignalReview,
    TermSynonym,
)
from yaojian.registry.models import Batch, Enterprise, KeyPosition, Licence, Person, Product, Region
from yaojian.signals.models import RiskSignal
from yaojian.trace.models import CaptureJob, TraceEvent, TraceEventEpc, TraceLocation

__all__ = [
    "AnalysisRun",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Batch",
    "CaptureJob",
    "Enterprise",
    "Finding",
    "InspectionPlan",
    "InspectionVisit",
    "Inspector",
    "KeyPosition",
    "Licence",
    "MeddraTerm",
    "PairStatistic",
    "Person",
    "Product",
    "Rectification",
    "Region",
    "Report",
    "ReportDrug",
    "ReportReaction",
    "RiskSignal",
    "SignalReview",
    "TeamMember",
    "TermSynonym",
    "TraceEvent",
    "TraceEventEpc",
    "TraceLocation",
    "User",
]
