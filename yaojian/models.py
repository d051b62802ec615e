"""Imports every area's tables so that the metadata is complete (migrations, tests)."""

from yaojian.audit.models import AuditEntry, AuditHead
from yaojian.auth.models import ApiToken, User
from yaojian.complaints.models import Complaint, ComplaintEntry
from yaojian.credit.models import BlacklistEntry, CreditGrade, CreditRun
from yaojian.db import Base
from yaojian.enforcement.models import Case, CaseEvent, Evidence, PersonBan
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
from yaojian.sampling.models import FollowUp, Sample, SamplingPlan, SamplingQuota, TestItem
from yaojian.signals.models import RiskSignal
from yaojian.trace.models import CaptureJob, TraceEvent, TraceEventEpc, TraceLocation

__all__ = [
    "AnalysisRun",
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "Base",
    "Batch",
    "BlacklistEntry",
    "CaptureJob",
    "Case",
    "CaseEvent",
    "Complaint",
    "ComplaintEntry",
    "CreditGrade",
    "CreditRun",
    "Enterprise",
    "Evidence",
    "Finding",
    "FollowUp",
    "InspectionPlan",
    "InspectionVisit",
    "Inspector",
    "KeyPosition",
    "Licence",
    "MeddraTerm",
    "PairStatistic",
    "Person",
    "PersonBan",
    "Product",
    "Rectification",
    "Region",
    "Report",
    "ReportDrug",
    "ReportReaction",
    "RiskSignal",
    "Sample",
    "SamplingPlan",
    "SamplingQuota",
    "SignalReview",
    "TeamMember",
    "TermSynonym",
    "TestItem",
    "TraceEvent",
    "TraceEventEpc",
    "TraceLocation",
    "User",
]
