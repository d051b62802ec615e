"""Kinds and statuses of inspections, with their labels."""

from __future__ import annotations

from yaojian.kit.choices import LabelledChoice


class Employment(LabelledChoice):
    """专职检查员 + 兼职检查员 + 购买检查服务 (the seeds' three sources of inspectors)."""

    FULL_TIME = ("full_time", "专职", "full-time")
    PART_TIME = ("part_time", "兼职", "part-time")
    CONTRACTED = ("contracted", "购买服务", "contracted service")


class InspectorGrade(LabelledChoice):
    INSPECTOR = ("inspector", "检查员", "inspector")
    TEAM_LEADER = ("team_leader", "检查组长", "team leader")


class Domain(LabelledChoice):
    """A qualification domain; every visit needs inspectors qualified in its domains."""

    DRUG_GMP = ("drug_gmp", "药品生产（GMP）", "drug manufacturing (GMP)")
    DRUG_GSP = ("drug_gsp", "药品经营（GSP）", "drug distribution (GSP)")
    VACCINE = ("vaccine", "疫苗", "vaccines")
    DEVICE = ("device", "医疗器械", "medical devices")
    COSMETICS = ("cosmetics", "化妆品", "cosmetics")


class VisitKind(LabelledChoice):
    ROUTINE = ("routine", "日常监督检查", "routine inspection")
    UNANNOUNCED = ("unannounced", "飞行检查", "unannounced inspection")


class VisitStatus(LabelledChoice):
    PLANNED = ("planned", "待派员", "planned")
    ASSIGNED = ("assigned", "已派员", "team assigned")
    IN_PROGRESS = ("in_progress", "检查中", "in progress")
    CONCLUDED = ("concluded", "已出结论", "concluded")
    CLOSED = ("closed", "已闭环", "closed")


class TeamRole(LabelledChoice):
    LEADER = ("leader", "组长", "team leader")
    MEMBER = ("member", "组员", "member")


class FindingSeverity(LabelledChoice):
    CRITICAL = ("critical", "严重缺陷", "critical")
    MAJOR = ("major", "主要缺陷", "major")
    MINOR = ("minor", "一般缺陷", "minor")


class Conclusion(LabelledChoice):
    COMPLIANT = ("compliant", "符合要求", "compliant")
    RECTIFY = ("rectify", "整改后符合要求", "compliant after rectification")
    NON_COMPLIANT = ("non_compliant", "不符合要求", "non-compliant")


class Disposition(LabelledChoice):
    """How a finding was dealt with (监督检查发现问题处置率 counts every value but NONE)."""

    NONE = ("none", "未处置", "not yet disposed")
    RECTIFICATION = ("rectification", "责令整改", "rectification ordered")
    INTERVIEW = ("interview", "约谈", "interview")
    CASE_REFERRAL = ("case_referral", "移送立案", "referred for a case")


class RectificationStatus(LabelledChoice):
    ISSUED = ("issued", "待整改", "issued")
    SUBMITTED = ("submitted", "已提交整改", "evidence submitted")
    VERIFIED = ("verified", "整改已核实", "verified")
