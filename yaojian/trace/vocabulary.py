"""Names for people of the CBV 2.0 words a chain shows (business steps, dispositions, event
types and actions), in Chinese as the province's regulators say them, and in English as the
CBV standard spells them (``retail_selling`` → "retail selling")."""

from __future__ import annotations

BIZ_STEPS = {
    "accepting": "验收",
    "arriving": "到达",
    "assembling": "组装",
    "collecting": "收集",
    "commissioning": "赋码",
    "consigning": "托运",
    "creating_class_instance": "创建批次",
    "cycle_counting": "循环盘点",
    "decommissioning": "注销",
    "departing": "离开",
    "destroying": "销毁",
    "disassembling": "拆解",
    "dispensing": "调配/售出",
    "encoding": "编码",
    "entering_exiting": "出入",
    "holding": "暂扣",
    "inspecting": "检查",
    "installing": "安装",
    "killing": "停用标签",
    "loading": "装车",
    "other": "其他",
    "packing": "装箱",
    "picking": "拣货",
    "receiving": "收货",
    "removing": "移除",
    "repackaging": "重新包装",
    "repairing": "维修",
    "replacing": "替换",
    "reserving": "预留",
    "retail_selling": "零售",
    "sampling": "抽样",
    "sensor_reporting": "传感器上报",
    "shipping": "发货",
    "staging_outbound": "备货待发",
    "stock_taking": "盘点",
    "stocking": "上架",
    "storing": "入库",
    "transporting": "运输",
    "unloading": "卸车",
    "unpacking": "拆箱",
    "void_shipping": "撤销发货",
}

DISPOSITIONS = {
    "active": "在用",
    "available": "可用",
    "completeness_inferred": "推定完整",
    "completeness_verified": "核验完整",
    "conformant": "合格",
    "container_closed": "已封箱",
    "container_open": "已开箱",
    "damaged": "已损坏",
    "destroyed": "已销毁",
    "dispensed": "已调配/售出",
    "disposed": "已处置",
    "encoded": "已编码",
    "expired": "已过期",
    "in_progress": "处理中",
    "in_transit": "运输中",
    "inactive": "未激活",
    "mismatch_class": "品种不符",
    "mismatch_instance": "实物不符",
    "mismatch_quantity": "数量不符",
    "needs_replacement": "需更换",
    "no_pedigree_match": "无匹配来源记录",
    "non_conformant": "不合格",
    "non_sellable_other": "不可销售",
    "partially_dispensed": "部分调配",
    "recalled": "已召回",
    "reserved": "已预留",
    "retail_sold": "已零售",
    "returned": "已退回",
    "sellable_accessible": "可销售",
    "sellable_not_accessible": "可销售（不可取用）",
    "stolen": "被盗",
    "unavailable": "不可用",
    "unknown": "未知",
}

EVENT_TYPES = {
    "ObjectEvent": "对象事件",
    "AggregationEvent": "聚合事件",
    "TransactionEvent": "交易事件",
    "TransformationEvent": "转换事件",
    "AssociationEvent": "关联事件",
}

# An aggregation's ADD packs, its DELETE unpacks; on other events the words keep their sense.
ACTIONS = {"ADD": "新增", "DELETE": "删除", "OBSERVE": "观察"}
AGGREGATION_ACTIONS = {"ADD": "装入", "DELETE": "拆出"}

_TABLES = {
    "bizStep": BIZ_STEPS,
    "disposition": DISPOSITIONS,
    "type": EVENT_TYPES,
    "action": ACTIONS,
    "aggregation": AGGREGATION_ACTIONS,
}


def cbv_label(kind: str, word: str | None, locale: str = "zh") -> str:
    """The name of a CBV ``word`` of ``kind`` (bizStep, disposition, type, action, aggregation)
    for ``locale``; a word outside the CBV (a private vocabulary's URI) is shown as it is."""
    if not word:
        return ""
    if locale != "zh":
        return word.replace("_", " ") if word in _TABLES[kind] else word
    return _TABLES[kind].get(word, word)
