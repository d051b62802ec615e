"""Kinds and statuses of the registry, with their labels."""

from __future__ import annotations

from yaojian.kit.choices import LabelledChoice


class RegionLevel(LabelledChoice):
    PROVINCE = ("province", "省", "province")
    CITY = ("city", "市", "city")
    COUNTY = ("county", "县（市、区）", "county")


class EnterpriseKind(LabelledChoice):
    DRUG_MANUFACTURER = ("drug_manufacturer", "药品生产企业", "drug manufacturer")
    DRUG_WHOLESALER = ("drug_wholesaler", "药品批发企业", "drug wholesaler")
    RETAIL_CHAIN = ("retail_chain", "药品零售连锁总部", "retail chain HQ")
    RETAIL_PHARMACY = ("retail_pharmacy", "零售药店", "retail pharmacy")
    MEDICAL_INSTITUTION = ("medical_institution", "医疗机构", "medical institution")
    VACCINATION_SITE = ("vaccination_site", "预防接种单位", "vaccination site")
    DEVICE_MANUFACTURER = ("device_manufacturer", "医疗器械生产企业", "device manufacturer")
    DEVICE_DISTRIBUTOR = ("device_distributor", "医疗器械经营企业", "device distributor")
    COSMETICS_MANUFACTURER = ("cosmetics_manufacturer", "化妆品生产企业", "cosmetics manufacturer")
    ECOMMERCE_PLATFORM = ("ecommerce_platform", "网络交易第三方平台", "e-commerce platform")


class EnterpriseStatus(LabelledChoice):
    ACTIVE = ("active", "在业", "active")
    SUSPENDED = ("suspended", "停产停业", "suspended")
    REVOKED = ("revoked", "吊销", "revoked")
    CLOSED = ("closed", "注销", "closed")


class LicenceType(LabelledChoice):
    DRUG_MANUFACTURING = ("drug_manufacturing", "药品生产许可证", "drug manufacturing licence")
    DRUG_WHOLESALE = ("drug_wholesale", "药品经营许可证（批发）", "drug wholesale licence")
    DRUG_RETAIL = ("drug_retail", "药品经营许可证（零售）", "drug retail licence")
    MEDICAL_PRACTICE = ("medical_practice", "医疗机构执业许可证", "medical institution licence")
    VACCINATION = ("vaccination", "预防接种单位资质", "vaccination site designation")
    DEVICE_MANUFACTURING = (
        "device_manufacturing",
        "医疗器械生产许可证",
        "device manufacturing licence",
    )
    DEVICE_DISTRIBUTION = (
        "device_distribution",
        "医疗器械经营许可证",
        "device distribution licence",
    )
    COSMETICS_MANUFACTURING = (
        "cosmetics_manufacturing",
        "化妆品生产许可证",
        "cosmetics manufacturing licence",
    )
    INTERNET_DRUG_INFO = (
        "internet_drug_info",
        "互联网药品信息服务资格证书",
        "internet drug information licence",
    )


class LicenceStatus(LabelledChoice):
    VALID = ("valid", "有效", "valid")
    SUSPENDED = ("suspended", "暂停", "suspended")
    REVOKED = ("revoked", "吊销", "revoked")
    CANCELLED = ("cancelled", "注销", "cancelled")


class ExpiryState(LabelledChoice):
    """Computed from a licence's dates and today's date; never stored."""

    CURRENT = ("current", "有效期内", "current")
    EXPIRING = ("expiring", "30日内到期", "expiring within 30 days")
    EXPIRED = ("expired", "已过期", "expired")
    NOT_YET_VALID = ("not_yet_valid", "尚未生效", "not yet valid")


class ProductCategory(LabelledChoice):
    DRUG = ("drug", "药品", "drug")
    DEVICE = ("device", "医疗器械", "medical device")
    COSMETIC = ("cosmetic", "化妆品", "cosmetic")


class ReleaseStatus(LabelledChoice):
    PENDING = ("pending", "待放行", "pending release")
    RELEASED = ("released", "已放行", "released")
    REJECTED = ("rejected", "不予放行", "rejected")
    QUARANTINED = ("quarantined", "控制中", "quarantined")
    RECALLED = ("recalled", "已召回", "recalled")


class PositionRole(LabelledChoice):
    LEGAL_REPRESENTATIVE = ("legal_representative", "法定代表人", "legal representative")
    PRINCIPAL = ("principal", "企业负责人", "principal")
    QUALITY_HEAD = ("quality_head", "质量负责人", "quality head")
    PRODUCTION_HEAD = ("production_head", "生产负责人", "production head")
    QUALIFIED_PERSON = ("qualified_person", "质量受权人", "qualified person")
    PHARMACOVIGILANCE_HEAD = ("pharmacovigilance_head", "药物警戒负责人", "pharmacovigilance head")
