"""Choices of the complaints desk, with their Chinese and English labels."""

from __future__ import annotations

from yaojian.kit.choices import LabelledChoice


class ComplaintKind(LabelledChoice):
    # 投诉: a consumer's own dispute with a business; 举报: a lead on a violation (办法 第三条).
    COMPLAINT = ("complaint", "投诉", "complaint")
    REPORT = ("report", "举报", "report")


class ComplaintStatus(LabelledChoice):
    RECEIVED = ("received", "待受理", "received")
    ACCEPTED = ("accepted", "已受理", "accepted")
    NOT_ACCEPTED = ("not_accepted", "不予受理", "not accepted")
    HANDLING = ("handling", "处理中", "handling")
    REPLIED = ("replied", "已答复", "replied")
    CLOSED = ("closed", "已办结", "closed")


class NotAcceptedReason(LabelledChoice):
    """Grounds for not accepting that the rules list (办法 第十五条; see the docs)."""

    NOT_OUR_REMIT = ("not_our_remit", "不属于本部门职责或无处理权限", "not our remit")
    HANDLED_ELSEWHERE = (
        "handled_elsewhere",
        "法院、仲裁机构、其他行政机关或调解组织已受理或处理",
        "handled elsewhere",
    )
    NOT_CONSUMER = (
        "not_consumer",
        "非生活消费需要或不能证明存在消费争议",
        "not a consumer dispute",
    )
    TIME_BARRED = ("time_barred", "知道权益受侵害之日起超过三年", "time-barred (over three years)")
    MISSING_MATERIAL = ("missing_material", "未提供必要的投诉材料", "required material missing")
    NO_CASE = ("no_case", "经核查不予立案", "no case opened after verification")
    OTHER = ("other", "法律、法规、规章规定的其他情形", "other statutory ground")


class Routing(LabelledChoice):
    """How the handling desk was chosen."""

    ENTERPRISE = ("enterprise", "被投诉举报企业所在地", "enterprise's county")
    COMPLAINANT = ("complainant", "投诉举报人所指县（市、区）", "county named by the complainant")
    PROVINCE = ("province", "省局分拨", "province triage desk")
    TRANSFER = ("transfer", "移送", "transferred")


class EntryKind(LabelledChoice):
    RECEIVED = ("received", "收到", "received")
    ACCEPTED = ("accepted", "受理", "accepted")
    NOT_ACCEPTED = ("not_accepted", "不予受理", "not accepted")
    TRANSFERRED = ("transferred", "移送", "transferred")
    EXTENDED = ("extended", "延长核查期限", "deadline extended")
    RECORD = ("record", "处理记录", "handling record")
    REPLIED = ("replied", "答复", "replied")
    CLOSED = ("closed", "办结", "closed")


class DeadlineState(LabelledChoice):
    NONE = ("none", "无时限", "no deadline")
    OK = ("ok", "正常", "on time")
    NEAR = ("near", "临期", "due soon")
    OVERDUE = ("overdue", "超期", "overdue")
