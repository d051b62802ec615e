"""Who may write what: the one table of write permissions, checked by every service."""

from __future__ import annotations

from enum import StrEnum

from yaojian.auth.actor import Actor, jurisdiction_prefix
from yaojian.auth.models import Role
from yaojian.kit.errors import Forbidden


class Action(StrEnum):
    REGISTRY_WRITE = "registry.write"
    SIGNAL_TRIAGE = "signals.triage"
    SIGNAL_EMIT = "signals.emit"
    USER_ADMIN = "auth.user_admin"
    PV_ANALYSE = "pv.analyse"  # run signal detection, review signals
    PV_REPORT = "pv.report"  # submit adverse-reaction reports (E2B, FAERS, hospital template)
    PV_TERMINOLOGY = "pv.terminology"  # load MedDRA, edit the synonym table
    TRACE_CAPTURE = "trace.capture"  # send EPCIS events
    TRACE_RECALL = "trace.recall"  # start a recall of a batch
    COMPLAINT_SUBMIT = "complaints.submit"  # file a 投诉 or 举报 (anyone, no account needed)
    COMPLAINT_HANDLE = "complaints.handle"  # accept, handle, reply, close, transfer
    # supervisory sampling
    SAMPLING_PLAN = "sampling.plan"  # write a sampling plan and its quotas
    SAMPLING_SAMPLE = "sampling.sample"  # take a sample, send it to the laboratory
    SAMPLING_RESULT = "sampling.result"  # record the laboratory's test report
    SAMPLING_FOLLOW_UP = "sampling.follow_up"  # close the follow-up of a failing sample
    BATCH_QUARANTINE = "registry.batch_quarantine"  # put a batch under control (控制)
    PRODUCT_PROGRAMMES = "registry.product_programmes"  # essential / centrally procured flags
    # enforcement
    CASE_HANDLE = "enforcement.handle"  # open a case, investigate, upload evidence, serve, execute
    CASE_DECIDE = "enforcement.decide"  # file, extend, decide, transfer, close (负责人审批)
    # inspections
    INSPECTION_POOL = "inspection.pool"  # add and edit inspectors
    INSPECTION_PLAN = "inspection.plan"  # generate a year's plan, order an unannounced visit
    INSPECTION_ASSIGN = "inspection.assign"  # assign teams
    INSPECTION_EXECUTE = "inspection.execute"  # start, record findings, conclude, order fixes
    INSPECTION_RECTIFY = "inspection.rectify"  # submit rectification evidence
    INSPECTION_VERIFY = "inspection.verify"  # verify a rectification, close the visit
    # credit
    CREDIT_GRADE = "credit.grade"  # run the province's grading
    CREDIT_BLACKLIST = "credit.blacklist"  # list on / remove from 严重违法失信名单


_REGULATORS_WHO_WRITE = {
    Role.PROVINCE_ADMIN,
    Role.PROVINCE_REGULATOR,
    Role.CITY_REGULATOR,
    Role.COUNTY_REGULATOR,
}

ALLOWED: dict[Action, set[Role]] = {
    Action.REGISTRY_WRITE: _REGULATORS_WHO_WRITE,
    Action.SIGNAL_TRIAGE: _REGULATORS_WHO_WRITE | {Role.INSPECTOR},
    Action.SIGNAL_EMIT: _REGULATORS_WHO_WRITE,
    Action.USER_ADMIN: {Role.PROVINCE_ADMIN},
    # Signal detection and review are the province centre's work (省药品化妆品审评中心).
    Action.PV_ANALYSE: {Role.PROVINCE_ADMIN, Role.PROVINCE_REGULATOR},
    # Regulators enter reports they receive; hospitals, MAHs and pharmacies send their own.
    Action.PV_REPORT: _REGULATORS_WHO_WRITE | {Role.ENTERPRISE},
    Action.PV_TERMINOLOGY: {Role.PROVINCE_ADMIN, Role.PROVINCE_REGULATOR},
    # Enterprises send their own events; the province administrator may send any document
    # (integration, migration, conformance testing).
    Action.TRACE_CAPTURE: {Role.PROVINCE_ADMIN, Role.ENTERPRISE},
    # The province, or the regulators of the recalling party's county (and its city).
    Action.TRACE_RECALL: _REGULATORS_WHO_WRITE,
    # The public files complaints without an account; so may anyone signed in.
    Action.COMPLAINT_SUBMIT: set(Role),
    # The 投诉举报 desk of the handling jurisdiction (county, or city/province above it).
    Action.COMPLAINT_HANDLE: _REGULATORS_WHO_WRITE,
    # Supervisory sampling: each authority plans its own; the officers who take samples
    # (often inspectors) record them; the report comes to the regulator, who enters it.
    Action.SAMPLING_PLAN: _REGULATORS_WHO_WRITE,
    Action.SAMPLING_SAMPLE: _REGULATORS_WHO_WRITE | {Role.INSPECTOR},
    Action.SAMPLING_RESULT: _REGULATORS_WHO_WRITE,
    Action.SAMPLING_FOLLOW_UP: _REGULATORS_WHO_WRITE,
    # A control measure of the county where a failing pack was found (药品管理法 第一百条).
    Action.BATCH_QUARANTINE: _REGULATORS_WHO_WRITE,
    # The national lists (基本药物目录, 集采中选) are kept by the province.
    Action.PRODUCT_PROGRAMMES: {Role.PROVINCE_ADMIN, Role.PROVINCE_REGULATOR},
    # enforcement: inspectors (稽查员) handle cases; the regulator's heads approve and decide.
    Action.CASE_HANDLE: _REGULATORS_WHO_WRITE | {Role.INSPECTOR},
    Action.CASE_DECIDE: _REGULATORS_WHO_WRITE,
    # Inspections: regulators plan and assign in their jurisdiction; inspectors act only on the
    # visits they are assigned to (the scope rule of inspection_visit); enterprises answer orders.
    Action.INSPECTION_POOL: _REGULATORS_WHO_WRITE,
    Action.INSPECTION_PLAN: _REGULATORS_WHO_WRITE,
    Action.INSPECTION_ASSIGN: _REGULATORS_WHO_WRITE,
    Action.INSPECTION_EXECUTE: _REGULATORS_WHO_WRITE | {Role.INSPECTOR},
    Action.INSPECTION_RECTIFY: {Role.ENTERPRISE},
    Action.INSPECTION_VERIFY: _REGULATORS_WHO_WRITE | {Role.INSPECTOR},
    # credit: the grading is the province's (one model, one run); listing and removal are for
    # the province or the regulators of the enterprise's county (and its city).
    Action.CREDIT_GRADE: {Role.PROVINCE_ADMIN, Role.PROVINCE_REGULATOR},
    Action.CREDIT_BLACKLIST: _REGULATORS_WHO_WRITE,
}


def authorize(actor: Actor, action: Action, region_code: str | None = None) -> None:
    """Raise Forbidden unless ``actor`` may perform ``action`` on something in ``region_code``.

    A regulator acts only inside their jurisdiction: the target county's code must start with
    the actor's jurisdiction prefix.
    """
    if actor.role not in ALLOWED[action]:
        raise Forbidden(f"role {actor.role.value} may not perform {action.value}")
    if region_code is not None and not actor.is_province_wide:
        prefix = actor.jurisdiction_prefix
        if prefix is None or not region_code.startswith(prefix):
            raise Forbidden(f"region {region_code} is outside your jurisdiction")


def in_jurisdiction(actor: Actor, region_code: str) -> bool:
    if actor.is_province_wide:
        return True
    return actor.jurisdiction_prefix is not None and region_code.startswith(
        actor.jurisdiction_prefix
    )


__all__ = ["Action", "authorize", "in_jurisdiction", "jurisdiction_prefix"]
