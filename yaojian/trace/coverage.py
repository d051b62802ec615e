"""Traceability coverage indicators of the plan's annex, per city or county (Polars).

- 药品重点产品追溯落实率: of the drugs that must be traced first — vaccines, blood products,
  narcotic, psychotropic, toxic and radioactive drugs and precursor chemicals (the special
  categories of 《药品管理法》 art. 61/112 and 国家药监局《关于加快推进药品智慧监管的行动计划》)
  — the share with at least one pack seen in the platform's EPCIS events (by GTIN or
  药品标识码). Counted at the marketing authorisation holder's county.
- 医疗器械唯一标识制度实施率: of class III devices, the share registered with a UDI-DI.
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yaojian.auth.actor import Actor
from yaojian.auth.scope import scoped
from yaojian.registry.choices import ProductCategory
from yaojian.registry.models import Enterprise, Product, Region
from yaojian.trace.models import TraceEventEpc

KEY_DRUG = or_(
    Product.is_vaccine,
    Product.is_blood_product,
    Product.is_narcotic,
    Product.is_psychotropic,
    Product.is_toxic,
    Product.is_radiopharmaceutical,
    Product.is_precursor,
)


def coverage(
    session: Session, actor: Actor, by: Literal["city", "county"] = "city"
) -> pl.DataFrame:
    traced_gtins = set(session.scalars(select(TraceEventEpc.gtin).distinct())) - {None}
    traced_prefixes = set(session.scalars(select(TraceEventEpc.cn_prefix).distinct())) - {None}
    rows = session.execute(
        scoped(
            select(
                Enterprise.region_code,
                Product.category,
                Product.device_class,
                Product.gtin,
                Product.cn_prefix,
                Product.udi_di,
                KEY_DRUG.label("key"),
            ).join(Enterprise, Enterprise.id == Product.holder_id),
            actor,
            Product,
        )
    ).all()
    frame = pl.DataFrame(
        [
            {
                "region": region,
                "key_drug": category is ProductCategory.DRUG and bool(key),
                "traced": (gtin in traced_gtins) or (prefix in traced_prefixes),
                "class3": category is ProductCategory.DEVICE and device_class == 3,
                "udi": bool(udi),
            }
            for region, category, device_class, gtin, prefix, udi, key in rows
        ],
        schema={"region": pl.String, "key_drug": pl.Boolean, "traced": pl.Boolean,
                "class3": pl.Boolean, "udi": pl.Boolean},
    )  # fmt: skip
    width, suffix = (4, "00") if by == "city" else (6, "")
    measures = [
        pl.col("key_drug").sum().alias("key_drugs"),
        (pl.col("key_drug") & pl.col("traced")).sum().alias("key_drugs_traced"),
        pl.col("class3").sum().alias("class3_devices"),
        (pl.col("class3") & pl.col("udi")).sum().alias("class3_with_udi"),
    ]
    grouped = (
        frame.with_columns((pl.col("region").str.slice(0, width) + suffix).alias("code"))
        .group_by("code")
        .agg(measures)
        .sort("code")
    )
    names = dict(session.execute(select(Region.code, Region.name)).all())
    total = frame.select(measures).with_columns(pl.lit("").alias("code"))
    combined = pl.concat([total.select(grouped.columns), grouped], how="vertical_relaxed")
    return combined.with_columns(
        pl.col("code").replace_strict(names, default="合计", return_dtype=pl.String).alias("name"),
        _rate("key_drugs_traced", "key_drugs").alias("traceability_rate"),
        _rate("class3_with_udi", "class3_devices").alias("udi_rate"),
    )


def _rate(numerator: str, denominator: str) -> pl.Expr:
    """Null, not NaN, where there is nothing to count: Polars gives 0/0 = NaN, which the page
    printed as "nan%" (the API's JSON already turned it into null)."""
    share = pl.col(numerator) / pl.col(denominator)
    return pl.when(pl.col(denominator) > 0).then(share).otherwise(None)
