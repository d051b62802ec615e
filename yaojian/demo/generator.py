"""Generate a synthetic province: enterprises, licences, products, batches, key persons, accounts.

Deterministic for a seed and an as-of date: the same seed on the same as-of date gives the same
rows. Dates are spread around the as-of date so that some licences have lapsed and some are
about to, which is what the registry's expiry detector looks for.

Rows are written with bulk INSERTs in chunks; the generation is recorded as one audit entry
(with the counts) rather than one per row, and the demo accounts and signals it raises are
audited one by one through their services.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from stdnum.cn import ric, uscc

from yaojian.audit.chain import record
from yaojian.auth.actor import system_actor
from yaojian.auth.models import Role, User
from yaojian.auth.service import create_user
from yaojian.credit.demo import generate_credit
from yaojian.demo import vocabulary as vocab
from yaojian.demo.complaints import generate_complaints
from yaojian.demo.enforcement_cases import generate_cases
from yaojian.demo.inspections import generate_inspections
from yaojian.demo.pv_reports import generate_reports
from yaojian.demo.sampling import generate_samplings
from yaojian.demo.trace_anomalies import plant_anomalies
from yaojian.demo.trace_flows import ensure_locations, generate_flows
from yaojian.pv.indicators import Period
from yaojian.pv.models import PairStatistic, ReportCategory
from yaojian.pv.review import run_analysis
from yaojian.registry.choices import (
    EnterpriseKind,
    EnterpriseStatus,
    LicenceStatus,
    LicenceType,
    PositionRole,
    ProductCategory,
    RegionLevel,
    ReleaseStatus,
)
from yaojian.registry.detectors import detect_licence_expiry
from yaojian.registry.models import (
    Batch,
    Enterprise,
    KeyPosition,
    Licence,
    Person,
    Product,
    Region,
)
from yaojian.trace.detectors import run_trace_detectors

# About a real province (Zhejiang's order of magnitude). ``small`` is 1/50 of it.
PROVINCE_COUNTS: dict[EnterpriseKind, int] = {
    EnterpriseKind.DRUG_MANUFACTURER: 500,
    EnterpriseKind.DRUG_WHOLESALER: 700,
    EnterpriseKind.RETAIL_CHAIN: 350,
    EnterpriseKind.RETAIL_PHARMACY: 27_000,
    EnterpriseKind.MEDICAL_INSTITUTION: 35_000,
    EnterpriseKind.VACCINATION_SITE: 3_000,
    EnterpriseKind.DEVICE_MANUFACTURER: 3_500,
    EnterpriseKind.DEVICE_DISTRIBUTOR: 60_000,
    EnterpriseKind.COSMETICS_MANUFACTURER: 600,
    EnterpriseKind.ECOMMERCE_PLATFORM: 50,
}
SCALES = {"small": 50, "province": 1}

LICENCE_OF_KIND: dict[EnterpriseKind, LicenceType] = {
    EnterpriseKind.DRUG_MANUFACTURER: LicenceType.DRUG_MANUFACTURING,
    EnterpriseKind.DRUG_WHOLESALER: LicenceType.DRUG_WHOLESALE,
    EnterpriseKind.RETAIL_CHAIN: LicenceType.DRUG_WHOLESALE,
    EnterpriseKind.RETAIL_PHARMACY: LicenceType.DRUG_RETAIL,
    EnterpriseKind.MEDICAL_INSTITUTION: LicenceType.MEDICAL_PRACTICE,
    EnterpriseKind.VACCINATION_SITE: LicenceType.VACCINATION,
    EnterpriseKind.DEVICE_MANUFACTURER: LicenceType.DEVICE_MANUFACTURING,
    EnterpriseKind.DEVICE_DISTRIBUTOR: LicenceType.DEVICE_DISTRIBUTION,
    EnterpriseKind.COSMETICS_MANUFACTURER: LicenceType.COSMETICS_MANUFACTURING,
    EnterpriseKind.ECOMMERCE_PLATFORM: LicenceType.INTERNET_DRUG_INFO,
}
LICENCE_SCOPE: dict[LicenceType, str] = {
    LicenceType.DRUG_MANUFACTURING: "片剂、硬胶囊剂、颗粒剂、小容量注射剂",
    LicenceType.DRUG_WHOLESALE: "化学药、中成药、生物制品（除疫苗）",
    LicenceType.DRUG_RETAIL: "处方药、甲类非处方药、乙类非处方药：化学药、中成药",
    LicenceType.MEDICAL_PRACTICE: "内科、外科、预防保健科",
    LicenceType.VACCINATION: "免疫规划疫苗、非免疫规划疫苗接种",
    LicenceType.DEVICE_MANUFACTURING: "Ⅱ类、Ⅲ类医疗器械生产",
    LicenceType.DEVICE_DISTRIBUTION: "Ⅲ类医疗器械经营",
    LicenceType.COSMETICS_MANUFACTURING: "一般液态单元、膏霜乳液单元",
    LicenceType.INTERNET_DRUG_INFO: "经营性互联网药品信息服务",
}
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
CHUNK = 5_000

DEMO_ACCOUNTS = [
    ("province", Role.PROVINCE_ADMIN, "330000", "省药监局（演示）"),
    ("hangzhou", Role.CITY_REGULATOR, "330100", "杭州市市场监管局（演示）"),
    ("xihu", Role.COUNTY_REGULATOR, "330106", "西湖区市场监管局（演示）"),
    ("inspector1", Role.INSPECTOR, "330100", "检查员一（演示）"),
]
DEMO_ENTERPRISE_USER = "ent1"
DEMO_ENTERPRISE_COUNTY = "330106"


@dataclass
class GenerationResult:
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)
    signals: int = 0


def _org_code(rng: random.Random) -> str:
    """A 9-character organisation code with its GB 11714 check character."""
    body = "".join(rng.choice(_ORG_ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    body = "MA" + rng.choice("0123456789") + body[1:]
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def _credit_code(rng: random.Random, county: str, taken: set[str]) -> str:
    while True:
        stem = "91" + county + _org_code(rng)
        code = stem + uscc.calc_check_digit(stem)
        if code not in taken:
            taken.add(code)
            return code


def _allocate(total: int, weights: dict[str, float], minimum: int = 0) -> dict[str, int]:
    """Split ``total`` over counties in proportion to weight (largest remainder), with a floor."""
    weight_sum = sum(weights.values())
    exact = {k: total * w / weight_sum for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    leftover = total - sum(counts.values())
    for k in sorted(exact, key=lambda k: (counts[k] - exact[k], k))[:leftover]:
        counts[k] += 1
    for k in counts:
        counts[k] = max(counts[k], minimum)
    return counts


def _chunks(rows: list[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class _Writer:
    """Bulk inserts that return the new ids in order (works on SQLite and PostgreSQL)."""

    def __init__(self, session: Session, advance: Callable[[int], None]) -> None:
        self.session = session
        self.advance = advance

    def insert(
        self, model: type[Any], rows: list[dict[str, Any]], want_ids: bool = False
    ) -> list[int]:
        ids: list[int] = []
        for chunk in _chunks(rows):
            if want_ids:
                stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
                ids.extend(self.session.scalars(stmt, chunk))
            else:
                self.session.execute(insert(model), chunk)
            self.advance(len(chunk))
        return ids


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Enterprise))


def planned_rows(scale: str) -> int:
    """Enterprises to be generated at ``scale``; the progress bar's unit of work."""
    divisor = SCALES[scale]
    return sum(max(1, round(n / divisor)) for n in PROVINCE_COUNTS.values())


def generate(
    session: Session,
    *,
    scale: str = "small",
    seed: int = 1,
    as_of: dt.date,
    password: str,
    progress: Callable[[str, int], None] | None = None,
) -> GenerationResult:
    """Fill an empty database. ``progress(stage, n)`` is called as rows are written."""
    if scale not in SCALES:
        raise ValueError(f"scale is one of {', '.join(SCALES)}")
    advance = (lambda n: progress("rows", n)) if progress else (lambda n: None)
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    result = GenerationResult()
    divisor = SCALES[scale]
    enterprise_ids, enterprise_rows = generate_registry(
        session, rng, fake, divisor=divisor, as_of=as_of, result=result, advance=advance
    )

    # ---- a year of adverse-reaction reports
    result.counts["pv_reports"] = generate_reports(
        session, rng, divisor=divisor, as_of=as_of, advance=advance
    )

    # ---- supply-chain flows through the EPCIS repository
    result.counts["trace_events"] = generate_flows(session, rng, as_of=as_of, scale=divisor)
    result.counts["trace_anomalies"] = plant_anomalies(session, rng, as_of=as_of, scale=divisor)

    # ---- demo accounts, the audit entry of the generation, the first signals
    actor = system_actor("demo")
    record(
        session, actor, "demo.generate", "province", "330000",
        after={"scale": scale, "seed": seed, "as_of": as_of.isoformat(), **result.counts},
    )  # fmt: skip
    for username, account_role, region, display in DEMO_ACCOUNTS:
        create_user(
            session, actor, username=username, password=password, role=account_role,
            region_code=region, display_name=display,
        )  # fmt: skip
        result.accounts.append((username, account_role.value, region))
    demo_enterprise_id = enterprise_ids[-1]
    # Its trace location, so that the enterprise account can capture its own events at once.
    ensure_locations(session, {demo_enterprise_id})
    create_user(
        session, actor, username=DEMO_ENTERPRISE_USER, password=password, role=Role.ENTERPRISE,
        enterprise_id=demo_enterprise_id, display_name=enterprise_rows[-1]["name"],
    )  # fmt: skip
    result.accounts.append(
        (DEMO_ENTERPRISE_USER, Role.ENTERPRISE.value, enterprise_rows[-1]["name"])
    )
    if progress:
        progress("signals", 0)
    reported, _ = detect_licence_expiry(session, as_of)
    result.signals = reported
    result.signals += sum(run_trace_detectors(session).values())
    # The monthly signal detection, run once so that a newcomer finds signals to review.
    for category in ReportCategory:
        run = run_analysis(session, actor, category, Period.last_year(as_of))
        result.signals += (
            session.scalar(
                select(func.count()).where(
                    PairStatistic.run_id == run.id, PairStatistic.passed.is_(True)
                )
            )
            or 0
        )
    # ---- a year of complaints and reports, more at enterprises that now carry signals
    result.counts["complaints"], clusters = generate_complaints(session, rng, divisor, as_of)
    result.signals += clusters
    # ---- two years of supervisory sampling; failures signal through the services
    sampling = generate_samplings(session, rng, as_of=as_of, divisor=divisor)
    result.counts["samples"], result.signals = sampling.samples, result.signals + sampling.signals
    # ---- a year of enforcement cases, more at enterprises with signals
    result.counts["enforcement_cases"], warnings = generate_cases(
        session, rng, divisor=divisor, as_of=as_of,
        focus_county=DEMO_ENTERPRISE_COUNTY, demo_enterprise_id=demo_enterprise_id,
    )  # fmt: skip
    result.signals += warnings
    # ---- the inspector corps and a year of inspections, planned after the signals it reads
    result.counts.update(generate_inspections(session, rng, divisor=divisor, as_of=as_of))
    # ---- credit: serious cases onto the blacklist, then everyone graded (runs last)
    credit = generate_credit(session, as_of)
    result.counts["credit_grades"] = credit.graded
    result.counts["blacklist_entries"] = credit.listed
    result.signals += credit.signals
    session.flush()
    return result


def generate_registry(
    session: Session,
    rng: random.Random,
    fake: Faker,
    *,
    divisor: int,
    as_of: dt.date,
    result: GenerationResult,
    advance: Callable[[int], None] = lambda n: None,
) -> tuple[list[int], list[dict[str, Any]]]:
    """The registry stage of :func:`generate`: enterprises (the demo enterprise last), licences,
    products, batches, persons in key positions. Benchmarks that need only the registry call it
    alone. Returns the enterprise ids and rows, in order."""
    writer = _Writer(session, advance)
    regions = list(session.scalars(select(Region)))
    cities = {r.code: r for r in regions if r.level is RegionLevel.CITY}
    counties = sorted((r for r in regions if r.level is RegionLevel.COUNTY), key=lambda r: r.code)
    per_city = {c: sum(1 for r in counties if r.parent_code == c) for c in cities}
    # The shared region data has populations per city only: a city's population is split evenly
    # among its counties for the purpose of placing enterprises.
    weights = {
        r.code: (cities[r.parent_code or ""].population or 1) / per_city[r.parent_code or ""]
        for r in counties
    }
    county_by_code = {r.code: r for r in counties}

    # ---- enterprises
    taken_codes: set[str] = set()
    taken_names: set[str] = set()
    enterprise_rows: list[dict[str, Any]] = []
    for kind, province_count in PROVINCE_COUNTS.items():
        count = max(1, round(province_count / divisor))
        floor = (
            1 if kind in (EnterpriseKind.RETAIL_PHARMACY, EnterpriseKind.MEDICAL_INSTITUTION) else 0
        )
        allocation = _allocate(count, weights, floor)
        for county_code, n in allocation.items():
            county = county_by_code[county_code]
            city = cities[county.parent_code or ""]
            for _ in range(n):
                enterprise_rows.append(
                    _enterprise_row(rng, fake, kind, county, city, taken_codes, taken_names)
                )
    # The demo enterprise user needs a manufacturer with products in Xihu.
    xihu_city = cities["330100"]
    enterprise_rows.append(
        _enterprise_row(
            rng,
            fake,
            EnterpriseKind.DRUG_MANUFACTURER,
            county_by_code[DEMO_ENTERPRISE_COUNTY],
            xihu_city,
            taken_codes,
            taken_names,
        )
    )
    enterprise_ids = writer.insert(Enterprise, enterprise_rows, want_ids=True)
    enterprises = [(eid, row) for eid, row in zip(enterprise_ids, enterprise_rows, strict=True)]
    result.counts["enterprises"] = len(enterprises)

    # ---- licences
    licence_rows = []
    seq_by_type: dict[LicenceType, int] = {}
    for eid, row in enterprises:
        kind = row["kind"]
        if kind is EnterpriseKind.DEVICE_DISTRIBUTOR and rng.random() > 0.4:
            continue  # class II distributors file (备案) rather than hold a licence
        licence_type = LICENCE_OF_KIND[kind]
        seq_by_type[licence_type] = seq_by_type.get(licence_type, 0) + 1
        licence_rows.append(
            _licence_row(
                rng, eid, licence_type, seq_by_type[licence_type], row["region_code"], as_of
            )
        )
    writer.insert(Licence, licence_rows)
    result.counts["licences"] = len(licence_rows)

    # ---- products and batches
    product_rows: list[dict[str, Any]] = []
    taken_numbers: set[str] = set()
    for eid, row in enterprises:
        kind = row["kind"]
        if kind is EnterpriseKind.DRUG_MANUFACTURER:
            product_rows.extend(_drug_rows(rng, eid, taken_numbers, as_of))
        elif kind is EnterpriseKind.DEVICE_MANUFACTURER:
            product_rows.extend(_device_rows(rng, eid, taken_numbers, as_of))
        elif kind is EnterpriseKind.COSMETICS_MANUFACTURER:
            product_rows.extend(_cosmetic_rows(rng, eid, taken_numbers, as_of))
    product_ids = writer.insert(Product, product_rows, want_ids=True)
    result.counts["products"] = len(product_ids)

    batch_rows: list[dict[str, Any]] = []
    for pid, prow in zip(product_ids, product_rows, strict=True):
        if prow["category"] is ProductCategory.COSMETIC and rng.random() < 0.5:
            continue
        batch_rows.extend(_batch_rows(rng, pid, prow, as_of))
    writer.insert(Batch, batch_rows)
    result.counts["batches"] = len(batch_rows)

    # ---- persons in key positions (manufacturers and wholesalers)
    person_rows: list[dict[str, Any]] = []
    position_plan: list[tuple[int, PositionRole, dt.date]] = []
    taken_ids: set[str] = set()
    key_kinds = {
        EnterpriseKind.DRUG_MANUFACTURER,
        EnterpriseKind.DRUG_WHOLESALER,
        EnterpriseKind.RETAIL_CHAIN,
        EnterpriseKind.DEVICE_MANUFACTURER,
        EnterpriseKind.COSMETICS_MANUFACTURER,
    }
    for eid, row in enterprises:
        if row["kind"] not in key_kinds:
            continue
        for role in (PositionRole.LEGAL_REPRESENTATIVE, PositionRole.QUALITY_HEAD):
            home: str = row["region_code"]

            def new_id(home: str = home) -> str:
                return _resident_id(rng, home, as_of)

            id_number = _unique(new_id, taken_ids)
            person_rows.append({"name": fake.name(), "id_number": id_number})
            position_plan.append((eid, role, as_of - dt.timedelta(days=rng.randint(60, 3650))))
    person_ids = writer.insert(Person, person_rows, want_ids=True)
    writer.insert(
        KeyPosition,
        [
            {"enterprise_id": eid, "person_id": pid, "role": role, "since": since}
            for pid, (eid, role, since) in zip(person_ids, position_plan, strict=True)
        ],
    )
    result.counts["persons"] = len(person_ids)

    return enterprise_ids, enterprise_rows


def _enterprise_row(
    rng: random.Random,
    fake: Faker,
    kind: EnterpriseKind,
    county: Region,
    city: Region,
    taken_codes: set[str],
    taken_names: set[str],
) -> dict[str, Any]:
    city_short = city.name.removesuffix("市")
    county_short = county.name[:-1] if len(county.name) > 2 else county.name
    ending = rng.choice(vocab.NAME_ENDINGS[kind])
    if kind is EnterpriseKind.DRUG_MANUFACTURER or kind is EnterpriseKind.COSMETICS_MANUFACTURER:
        place = rng.choice(["浙江", city_short, ""])
    elif kind is EnterpriseKind.VACCINATION_SITE:
        place = county_short + fake.street_name()[:2]
    else:
        place = rng.choice([city_short, county_short])
    prefix = fake.company_prefix()
    while any(ch.isdigit() for ch in prefix):
        prefix = fake.company_prefix()
    base = f"{place}{prefix}{ending}"
    name = base
    branch = 1
    while name in taken_names:
        branch += 1
        name = f"{base}（{county_short}第{branch}分店）" if "药" in ending else f"{base}{branch}"
    taken_names.add(name)
    lon, lat = city.center_lon or 120.15, city.center_lat or 29.5
    status = EnterpriseStatus.ACTIVE
    roll = rng.random()
    if roll < 0.02:
        status = EnterpriseStatus.SUSPENDED
    elif roll < 0.03:
        status = EnterpriseStatus.CLOSED
    return {
        "credit_code": _credit_code(rng, county.code, taken_codes),
        "name": name,
        "kind": kind,
        "region_code": county.code,
        "address": f"浙江省{city.name}{county.name}{fake.street_name()}{rng.randint(1, 999)}号",
        "longitude": round(lon + rng.gauss(0, 0.12), 6),
        "latitude": round(lat + rng.gauss(0, 0.10), 6),
        "status": status,
    }


def _licence_row(
    rng: random.Random, eid: int, licence_type: LicenceType, seq: int, county: str, as_of: dt.date
) -> dict[str, Any]:
    # Five-year licences; about 3 % have lapsed and about 2 % lapse within the next 30 days.
    roll = rng.random()
    if roll < 0.03:
        valid_to = as_of - dt.timedelta(days=rng.randint(1, 180))
    elif roll < 0.05:
        valid_to = as_of + dt.timedelta(days=rng.randint(0, 30))
    else:
        valid_to = as_of + dt.timedelta(days=rng.randint(31, 5 * 365))
    valid_from = valid_to - dt.timedelta(days=5 * 365 - 1)
    year = valid_from.year
    numbers = {
        LicenceType.DRUG_MANUFACTURING: f"浙{year}{seq:04d}",
        LicenceType.DRUG_WHOLESALE: f"浙AA{county[2:4]}{seq:05d}",
        LicenceType.DRUG_RETAIL: f"浙CB{county[2:4]}{seq:06d}",
        LicenceType.MEDICAL_PRACTICE: f"PDY{seq:05d}{county}",
        LicenceType.VACCINATION: f"浙接种{county}{seq:04d}",
        LicenceType.DEVICE_MANUFACTURING: f"浙药监械生产许{year}{seq:04d}号",
        LicenceType.DEVICE_DISTRIBUTION: f"浙{county[2:4]}药监械经营许{year}{seq:05d}号",
        LicenceType.COSMETICS_MANUFACTURING: f"浙妆{year}{seq:04d}",
        LicenceType.INTERNET_DRUG_INFO: f"（浙）-经营性-{year}-{seq:04d}",
    }
    status = LicenceStatus.VALID if rng.random() > 0.005 else LicenceStatus.SUSPENDED
    return {
        "enterprise_id": eid,
        "licence_type": licence_type,
        "number": numbers[licence_type],
        "scope": LICENCE_SCOPE[licence_type],
        "valid_from": valid_from,
        "valid_to": valid_to,
        "status": status,
    }


_PRODUCT_DEFAULTS: dict[str, Any] = {
    "specification": "", "sterile": False, "approval_number": None, "dosage_form": None,
    "is_vaccine": False, "is_blood_product": False, "is_narcotic": False, "is_psychotropic": False,
    "is_radiopharmaceutical": False, "is_toxic": False, "is_precursor": False,
    "is_essential": False, "is_centrally_procured": False,
    "device_class": None, "registration_number": None, "udi_di": None, "implantable": False,
    "filing_number": None, "special_use": False, "for_children": False, "whitening": False,
    "gtin": None, "cn_prefix": None,
}  # fmt: skip


def _unique(make: Callable[[], str], taken: set[str]) -> str:
    value = make()
    while value in taken:
        value = make()
    taken.add(value)
    return value


def _drug_rows(
    rng: random.Random, holder: int, taken: set[str], as_of: dt.date
) -> list[dict[str, Any]]:
    rows = []
    special_maker = rng.random()
    pool: list[tuple[str, str, str, bool, bool, str]] = [(*d, "") for d in vocab.DRUGS]
    letter = "H"
    if special_maker < 0.08:
        pool = list(vocab.BIOLOGICS)
        letter = "S"
    elif special_maker < 0.12:
        pool = list(vocab.CONTROLLED)
    elif special_maker < 0.35:
        pool = [(*d, "") for d in vocab.TCM_DRUGS]
        letter = "Z"
    for name, form, spec, sterile, essential, flag in rng.sample(
        pool, k=min(len(pool), rng.randint(3, 12))
    ):

        def number(letter: str = letter) -> str:
            if rng.random() < 0.6:
                return f"国药准字{letter}33{rng.randint(0, 99):02d}{rng.randint(1, 9999):04d}"
            return f"国药准字{letter}{rng.randint(2020, as_of.year)}{rng.randint(1, 9999):04d}"

        rows.append(
            _PRODUCT_DEFAULTS
            | {
                "category": ProductCategory.DRUG,
                "name": name,
                "holder_id": holder,
                "specification": spec,
                "dosage_form": form,
                "sterile": sterile,
                "approval_number": _unique(number, taken),
                "gtin": _unique(lambda: _gtin14(rng), taken),
                "cn_prefix": _unique(lambda: f"8{rng.randint(0, 999999):06d}", taken),
                "is_essential": essential,
                "is_centrally_procured": essential and rng.random() < 0.4,
                "is_vaccine": flag == "vaccine",
                "is_blood_product": flag == "blood",
                "is_narcotic": flag == "narcotic",
                "is_psychotropic": flag == "psychotropic",
                "is_radiopharmaceutical": flag == "radio",
                "is_toxic": flag == "toxic",
                "is_precursor": flag == "precursor",
            }
        )
    return rows


def _resident_id(rng: random.Random, county: str, as_of: dt.date) -> str:
    """A resident ID number (GB 11643) registered in ``county``, of someone aged 28 to 62."""
    born = as_of - dt.timedelta(days=rng.randint(28 * 365, 62 * 365))
    stem = f"{county}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return stem + ric.calc_check_digit(stem + "0")


def _gtin14(rng: random.Random) -> str:
    body = "069" + "".join(str(rng.randint(0, 9)) for _ in range(10))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def _device_rows(
    rng: random.Random, holder: int, taken: set[str], as_of: dt.date
) -> list[dict[str, Any]]:
    rows = []
    for name, cls, category, implantable, sterile in rng.sample(vocab.DEVICES, k=rng.randint(2, 6)):

        def number(cls: int = cls, category: str = category) -> str:
            year = rng.randint(2015, as_of.year)
            if cls == 1:
                return (
                    f"浙{rng.choice('杭甬温嘉湖绍金衢舟台丽')}械备{year}{rng.randint(1, 9999):04d}"
                )
            issuer = "国" if cls == 3 else "浙"
            return f"{issuer}械注准{year}{cls}{category}{rng.randint(1, 9999):04d}"

        rows.append(
            _PRODUCT_DEFAULTS
            | {
                "category": ProductCategory.DEVICE,
                "name": name,
                "holder_id": holder,
                "device_class": cls,
                "registration_number": _unique(number, taken),
                "udi_di": (udi := _unique(lambda: _gtin14(rng), taken)),
                "gtin": udi,
                "implantable": implantable,
                "sterile": sterile,
            }
        )
    return rows


def _cosmetic_rows(
    rng: random.Random, holder: int, taken: set[str], as_of: dt.date
) -> list[dict[str, Any]]:
    rows = []
    for name, special, children, whitening in rng.sample(vocab.COSMETICS, k=rng.randint(3, 8)):

        def number(special: bool = special) -> str:
            year = rng.randint(2021, as_of.year)
            if special:
                return f"国妆特字G{year}{rng.randint(1, 9999):04d}"
            return f"浙G妆网备字{year}{rng.randint(1, 999999):06d}"

        rows.append(
            _PRODUCT_DEFAULTS
            | {
                "category": ProductCategory.COSMETIC,
                "name": name,
                "holder_id": holder,
                "filing_number": _unique(number, taken),
                "special_use": special,
                "for_children": children,
                "whitening": whitening,
            }
        )
    return rows


def _batch_rows(
    rng: random.Random, product_id: int, product: dict[str, Any], as_of: dt.date
) -> list[dict[str, Any]]:
    rows = []
    shelf_life = rng.choice([365, 730, 1095])
    for n in range(rng.randint(1, 4)):
        made = as_of - dt.timedelta(days=rng.randint(5, 900))
        released = rng.random()
        status = ReleaseStatus.RELEASED
        if made > as_of - dt.timedelta(days=20) and released < 0.5:
            status = ReleaseStatus.PENDING
        elif released < 0.01:
            status = ReleaseStatus.REJECTED
        rows.append(
            {
                "product_id": product_id,
                "enterprise_id": product["holder_id"],
                "batch_number": f"{made:%y%m%d}{n + 1:02d}",
                "manufactured_on": made,
                "expires_on": made + dt.timedelta(days=shelf_life - 1),
                "quantity": rng.randint(1, 200) * 100,
                "unit": "盒" if product["category"] is ProductCategory.DRUG else "件",
                "release_status": status,
            }
        )
    return rows


def demo_user_exists(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.username == DEMO_ACCOUNTS[0][0])) is not None
