"""A year of adverse-reaction reports for the synthetic province.

Volumes follow the plan's density targets (drugs 1,000, devices 500, cosmetics 100 reports per
million residents per year), divided by the scale. The reporter mix follows the national annual
reports' order of magnitude (hospitals most, then holders, distributors, a few consumers).
Reactions are a background drawn independently of the drug, plus a few **planted**
drug–event associations (``PLANTED``) whose strength is known, so that the disproportionality
engine has something true to find and a newcomer sees signals appear.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from yaojian.pv.models import (
    DrugRole,
    Report,
    ReportCategory,
    ReportDrug,
    ReporterType,
    ReportReaction,
    ReportStatus,
    TermSynonym,
)
from yaojian.pv.quality import score_report
from yaojian.registry.choices import EnterpriseKind, ProductCategory, RegionLevel
from yaojian.registry.models import Enterprise, Product, Region

PER_MILLION = {ReportCategory.DRUG: 1000, ReportCategory.DEVICE: 500, ReportCategory.COSMETIC: 100}
PRODUCT_CATEGORY = {
    ReportCategory.DRUG: ProductCategory.DRUG,
    ReportCategory.DEVICE: ProductCategory.DEVICE,
    ReportCategory.COSMETIC: ProductCategory.COSMETIC,
}
REPORTER_MIX = [
    (ReporterType.MEDICAL_INSTITUTION, 0.84),
    (ReporterType.MAH, 0.08),
    (ReporterType.PHARMACY, 0.06),
    (ReporterType.CONSUMER, 0.02),
]
# (preferred term, relative frequency, share serious). Chinese preferred terms as the Chinese
# MedDRA edition words them; no MedDRA codes ship, so reports carry terms only.
BACKGROUND: dict[ReportCategory, list[tuple[str, float, float]]] = {
    ReportCategory.DRUG: [
        ("皮疹", 20, 0.02), ("瘙痒", 14, 0.01), ("恶心", 12, 0.02), ("呕吐", 8, 0.03),
        ("头晕", 8, 0.03), ("腹泻", 6, 0.03), ("头痛", 5, 0.02), ("胸闷", 4, 0.10),
        ("心悸", 4, 0.08), ("寒战", 3, 0.10), ("发热", 3, 0.08), ("呼吸困难", 2, 0.30),
        ("肝功能异常", 2, 0.25), ("静脉炎", 2, 0.05), ("过敏样反应", 2, 0.30),
        ("血小板减少", 0.6, 0.50), ("过敏性休克", 0.3, 0.95), ("横纹肌溶解", 0.15, 0.90),
        ("肌腱炎", 0.2, 0.20), ("急性肾损伤", 0.3, 0.80),
    ],
    ReportCategory.DEVICE: [
        ("局部红肿", 10, 0.02), ("疼痛", 10, 0.02), ("过敏", 6, 0.05), ("感染", 4, 0.40),
        ("器械断裂", 3, 0.30), ("渗漏", 4, 0.05), ("读数不准", 5, 0.02), ("出血", 2, 0.40),
        ("血栓形成", 1, 0.80), ("植入物移位", 1, 0.60),
    ],
    ReportCategory.COSMETIC: [
        ("接触性皮炎", 12, 0.01), ("红斑", 8, 0.01), ("瘙痒", 8, 0.01), ("丘疹", 5, 0.01),
        ("灼热感", 4, 0.01), ("色素沉着", 2, 0.02), ("脱发", 1, 0.05),
    ],
}  # fmt: skip
# Planted associations: when a report names the drug, the event is added with this probability.
PLANTED: dict[tuple[str, str], float] = {
    ("注射用头孢曲松钠", "过敏性休克"): 0.12,
    ("瑞舒伐他汀钙片", "横纹肌溶解"): 0.15,
    ("左氧氟沙星片", "肌腱炎"): 0.12,
    ("连花清瘟胶囊", "肝功能异常"): 0.20,
    ("冠状动脉药物洗脱支架", "血栓形成"): 0.15,
    ("染发霜（自然黑）", "接触性皮炎"): 0.45,
}
# Everyday wordings of reported terms and the preferred term they code to.
SYNONYMS = {
    "出疹子": "皮疹", "起皮疹": "皮疹", "全身瘙痒": "瘙痒", "皮肤痒": "瘙痒", "恶心想吐": "恶心",
    "头昏": "头晕", "拉肚子": "腹泻", "心慌": "心悸", "发烧": "发热", "喘不上气": "呼吸困难",
    "转氨酶升高": "肝功能异常", "过敏性休克反应": "过敏性休克", "皮肤发红": "红斑",
}  # fmt: skip
_SYNONYM_OF = {v: k for k, v in SYNONYMS.items()}
ROUTES = {
    ReportCategory.DRUG: ["口服", "静脉滴注", "肌内注射"],
    ReportCategory.DEVICE: [""],
    ReportCategory.COSMETIC: ["外用"],
}


@dataclass
class _Catalogue:
    names: list[str]
    weights: list[float]
    product_ids: dict[str, int]


def _catalogue(session: Session, category: ReportCategory) -> _Catalogue:
    rows = session.execute(
        select(Product.name, Product.id)
        .where(Product.category == PRODUCT_CATEGORY[category])
        .order_by(Product.id)
    ).all()
    product_ids: dict[str, int] = {}
    for name, pid in rows:
        product_ids.setdefault(name, pid)
    names = sorted(product_ids)
    # Zipf-like popularity: a few products are named in most reports.
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(names))]
    return _Catalogue(names, weights, product_ids)


def generate_reports(
    session: Session,
    rng: random.Random,
    *,
    divisor: int,
    as_of: dt.date,
    advance: Callable[[int], None] = lambda n: None,
) -> int:
    """Insert a year of reports; returns how many. Expects the registry to be generated."""
    regions = list(session.scalars(select(Region)))
    province = next(r for r in regions if r.level is RegionLevel.PROVINCE)
    counties = sorted((r for r in regions if r.level is RegionLevel.COUNTY), key=lambda r: r.code)
    city_population = {r.code: r.population or 0 for r in regions if r.level is RegionLevel.CITY}
    per_city = {c: sum(1 for r in counties if r.parent_code == c) for c in city_population}
    county_weights = [
        city_population[r.parent_code or ""] / per_city[r.parent_code or ""] for r in counties
    ]
    hospitals = list(
        session.execute(
            select(Enterprise.id, Enterprise.region_code)
            .where(Enterprise.kind == EnterpriseKind.MEDICAL_INSTITUTION)
            .order_by(Enterprise.id)
        ).all()
    )
    # About 116 sentinel hospitals in the real province (the plan), scaled.
    sentinel_ids = {
        h[0] for h in rng.sample(hospitals, k=min(len(hospitals), max(2, 116 // divisor)))
    }
    hospitals_by_county: dict[str, list[int]] = {}
    for hid, county_code in hospitals:
        hospitals_by_county.setdefault(county_code, []).append(hid)
    pharmacies = [
        row[0]
        for row in session.execute(
            select(Enterprise.id)
            .where(Enterprise.kind == EnterpriseKind.RETAIL_PHARMACY)
            .order_by(Enterprise.id)
        )
    ]
    session.execute(
        insert(TermSynonym), [{"reported": k, "preferred": v} for k, v in SYNONYMS.items()]
    )

    report_rows: list[dict[str, Any]] = []
    drug_rows: list[list[dict[str, Any]]] = []
    reaction_rows: list[list[dict[str, Any]]] = []
    serial = 0
    for category, density in PER_MILLION.items():
        catalogue = _catalogue(session, category)
        if not catalogue.names:
            continue
        count = max(1, round((province.population or 0) * density / 1_000_000 / divisor))
        background = BACKGROUND[category]
        for _ in range(count):
            serial += 1
            county = rng.choices(counties, weights=county_weights)[0]
            reporter = rng.choices(
                [t for t, _ in REPORTER_MIX], weights=[w for _, w in REPORTER_MIX]
            )[0]
            reporter_id: int | None = None
            sentinel = False
            if reporter is ReporterType.MEDICAL_INSTITUTION:
                local = hospitals_by_county.get(county.code) or [h[0] for h in hospitals]
                # Sentinel hospitals report more, and more of what matters.
                sentinel_local = [h for h in local if h in sentinel_ids]
                if sentinel_local and rng.random() < 0.5:
                    reporter_id, sentinel = rng.choice(sentinel_local), True
                else:
                    reporter_id = rng.choice(local)
                    sentinel = reporter_id in sentinel_ids
            elif reporter is ReporterType.PHARMACY and pharmacies:
                reporter_id = rng.choice(pharmacies)
            received = as_of - dt.timedelta(days=rng.randint(0, 364))
            onset = received - dt.timedelta(days=int(rng.expovariate(1 / (6 if sentinel else 12))))
            suspects = rng.choices(
                catalogue.names, weights=catalogue.weights, k=rng.choice([1, 1, 1, 2, 3])
            )
            suspects = list(dict.fromkeys(suspects))
            events: dict[str, bool] = {}
            for name in suspects:
                for (drug, event), probability in PLANTED.items():
                    if drug == name and rng.random() < probability:
                        events[event] = True
            while len(events) < rng.choice([1, 1, 2, 2, 3]):
                term, _, serious_share = rng.choices(
                    background, weights=[b[1] for b in background]
                )[0]
                events.setdefault(term, rng.random() < serious_share * (2.0 if sentinel else 1.0))
            serious_by_event = {
                term: planted or any(term == b[0] and rng.random() < b[2] for b in background)
                for term, planted in events.items()
            }
            serious = any(serious_by_event.values())
            is_new = rng.random() < (0.30 if sentinel else 0.15)
            complete = rng.random() < (0.9 if reporter is not ReporterType.CONSUMER else 0.4)
            report = Report(
                safety_report_id=f"CN-ZJ-{as_of.year}-{serial:07d}",
                version=1,
                status=ReportStatus.CURRENT,
                category=category,
                report_type="1",
                reporter_type=reporter,
                reporter_enterprise_id=reporter_id,
                sentinel=sentinel,
                region_code=county.code,
                country="CN",
                received_on=received,
                most_recent_on=received,
                patient_age_years=float(rng.randint(1, 90))
                if complete or rng.random() < 0.5
                else None,
                patient_sex=rng.choice(["1", "2"]) if complete or rng.random() < 0.5 else None,
                patient_weight_kg=round(rng.uniform(40, 90), 1)
                if complete and rng.random() < 0.7
                else None,
                serious=serious,
                is_new=is_new,
                narrative=_narrative(rng, suspects, list(events), onset, complete),
                source="demo",
            )
            report.drugs = [
                ReportDrug(
                    seq=i + 1,
                    role=DrugRole.SUSPECT,
                    reported_name=name,
                    product_id=catalogue.product_ids.get(name),
                    batch_number=f"{received:%y%m}{rng.randint(1, 30):02d}"
                    if complete and rng.random() < 0.8
                    else None,
                    route=rng.choice(ROUTES[category]) or None,
                )
                for i, name in enumerate(suspects)
            ]
            report.reactions = [
                ReportReaction(
                    seq=i + 1,
                    reported_term=_SYNONYM_OF[term]
                    if term in _SYNONYM_OF and rng.random() < 0.3
                    else term,
                    coded_term=term,
                    hospitalisation=is_serious and rng.random() < 0.8,
                    other_serious=is_serious,
                    death=is_serious
                    and term in ("过敏性休克", "横纹肌溶解")
                    and rng.random() < 0.03,
                    outcome=rng.choice(["1", "1", "1", "2", "3"]) if complete else None,
                    onset_on=onset if complete or rng.random() < 0.5 else None,
                )
                for i, (term, is_serious) in enumerate(serious_by_event.items())
            ]
            score = score_report(report)
            row = {c.key: getattr(report, c.key) for c in Report.__table__.columns if c.key != "id"}
            row |= {
                "quality_score": score.total,
                "quality_detail": {"parts": score.parts, "missing": score.missing},
            }
            report_rows.append(row)
            drug_rows.append([_row(d, ReportDrug) for d in report.drugs])
            reaction_rows.append([_row(r, ReportReaction) for r in report.reactions])

    ids: list[int] = []
    for start in range(0, len(report_rows), 5000):
        chunk = report_rows[start : start + 5000]
        ids.extend(
            session.scalars(
                insert(Report).returning(Report.id, sort_by_parameter_order=True), chunk
            )
        )
        advance(len(chunk))
    children_d = [
        d | {"report_id": rid} for rid, ds in zip(ids, drug_rows, strict=True) for d in ds
    ]
    children_r = [
        r | {"report_id": rid} for rid, rs in zip(ids, reaction_rows, strict=True) for r in rs
    ]
    for start in range(0, len(children_d), 5000):
        session.execute(insert(ReportDrug), children_d[start : start + 5000])
    for start in range(0, len(children_r), 5000):
        session.execute(insert(ReportReaction), children_r[start : start + 5000])
    return len(ids)


def _row(obj: Any, model: type[Any]) -> dict[str, Any]:
    skip = {"id", "report_id"}
    return {c.key: getattr(obj, c.key) for c in model.__table__.columns if c.key not in skip}


def _narrative(
    rng: random.Random, drugs: list[str], events: list[str], onset: dt.date, complete: bool
) -> str:
    if not complete and rng.random() < 0.5:
        return f"用药后出现{events[0]}。"
    text = (
        f"患者于{onset:%Y年%m月%d日}使用{'、'.join(drugs)}后出现{'、'.join(events)}，"
        f"立即停药并予对症处理。"
    )
    if complete:
        text += (
            "既往无药物过敏史，无其他合并用药。停药后症状逐渐缓解，"
            "经临床评价，不良反应与怀疑药品的关联性评价为很可能，"
            "已按规定报告并随访转归情况。患者目前一般情况良好，继续观察。"
        )
    return text
