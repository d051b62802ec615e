"""Stages, lead kinds and the other choices of a case, with their labels."""

from __future__ import annotations

from yaojian.kit.choices import LabelledChoice


class LeadKind(LabelledChoice):
    INSPECTION_FINDING = ("inspection_finding", "检查发现", "inspection finding")
    SAMPLING = ("sampling", "抽检不合格", "sampling failure")
    COMPLAINT = ("complaint", "投诉举报", "complaint")
    SIGNAL = ("signal", "风险信号", "risk signal")
    OTHER = ("other", "其他来源", "other")


class CaseStage(LabelledChoice):
    """The stages in order; ``closed`` is also where a lead that is not filed ends."""

    LEAD = ("lead", "线索核查", "lead check")
    INVESTIGATION = ("investigation", "调查取证", "investigation")
    LEGAL_REVIEW = ("legal_review", "法制审核", "legal review")
    DECIDED = ("decided", "处罚决定", "decided")
    EXECUTION = ("execution", "执行", "execution")
    CLOSED = ("closed", "结案", "closed")


class DecisionKind(LabelledChoice):
    PENALTY = ("penalty", "给予行政处罚", "penalty")
    NO_PENALTY = ("no_penalty", "不予行政处罚", "no penalty")


class ClosureReason(LabelledChoice):
    NOT_FILED = ("not_filed", "不予立案", "not filed")
    EXECUTED = ("executed", "处罚执行完毕", "penalty executed")
    NO_PENALTY = ("no_penalty", "不予行政处罚", "no penalty")
    TRANSFERRED = ("transferred", "移送司法机关", "transferred to public security")


class TransferStatus(LabelledChoice):
    NONE = ("none", "未移送", "not transferred")
    PENDING = ("pending", "已移送待回复", "transferred, awaiting reply")
    ACCEPTED = ("accepted", "公安已立案", "accepted by public security")
    DECLINED = ("declined", "公安不予立案", "declined by public security")


class BanScope(LabelledChoice):
    """What a banned person may not do (药品管理法 第一百一十八条 etc.)."""

    DRUG = ("drug", "药品生产经营活动", "drug production and trade")
    DEVICE = ("device", "医疗器械生产经营活动", "device production and trade")
    COSMETIC = ("cosmetic", "化妆品生产经营活动", "cosmetics production and trade")
