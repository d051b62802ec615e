"""The sample list as a spreadsheet (what officials open to report upwards)."""

from __future__ import annotations

from yaojian.kit.xlsx import workbook
from yaojian.sampling.models import Sample

COLUMNS = [
    ("抽样编号", 20), ("计划", 30), ("专项", 22), ("产品", 20), ("批准文号", 22), ("批号", 14),
    ("被抽样单位", 30), ("县（市、区）代码", 10), ("抽样环节", 10), ("抽样人员", 14),
    ("抽样日期", 12), ("数量", 8), ("基本药物", 8), ("集采", 8), ("状态", 10), ("检验机构", 26),
    ("收样日期", 12), ("报告编号", 18), ("报告日期", 12), ("不合格项目", 24),
]  # fmt: skip


def samples_workbook(samples: list[Sample]) -> bytes:
    """One sheet, a row per sample."""
    rows = (
        [
            s.sample_number, s.plan.title, s.plan.programme.zh, s.product.name,
            s.product.approval_number or "", s.batch.batch_number, s.enterprise.name,
            s.region_code, s.stage.zh, s.sampled_by, s.sampled_on, s.quantity,
            "是" if s.essential else "", "是" if s.centrally_procured else "", s.status.zh,
            s.lab, s.received_on, s.report_number or "", s.reported_on,
            "、".join(i.item for i in s.items if not i.passed),
        ]
        for s in samples
    )  # fmt: skip
    return workbook("抽检样品", COLUMNS, rows)
