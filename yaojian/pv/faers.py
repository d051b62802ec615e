"""FDA FAERS (2012Q4 on) and legacy AERS quarterly ASCII files, read with Polars.

A quarter is a zip of ``$``-delimited tables with a header line: DEMO (one row per report
version), DRUG, REAC, OUTC, INDI, THER, RPSR. FAERS keys rows by ``primaryid`` and groups
versions of a case by ``caseid``/``caseversion``; legacy AERS keys by ``ISR`` and ``CASE``.

De-duplication follows the FDA's advice: keep the highest ``caseversion`` of each ``caseid``
(AERS: the latest ``FDA_DT`` of each ``CASE``, then the highest ISR), then drop the cases the
quarter lists as deleted (``DELETE*.txt``/``*DELETED*``). A line whose field count does not
match its header, or whose key is not a number, is reported with its file and line number and
counted; it is never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from yaojian.pv.models import DrugRole, ReporterType
from yaojian.pv.parsed import ParsedDrug, ParsedReaction, ParsedReport

TABLES = ("demo", "drug", "reac", "outc", "indi")
_TABLE_NAME = re.compile(r"^(DEMO|DRUG|REAC|OUTC|INDI|THER|RPSR|STAT)\d{2}Q\d\.TXT$")

ROLES = {"PS": DrugRole.SUSPECT, "SS": DrugRole.SUSPECT, "C": DrugRole.CONCOMITANT}
ROLES["I"] = DrugRole.INTERACTING
OUTCOME_FLAGS = {
    "DE": "death",
    "LT": "life_threatening",
    "HO": "hospitalisation",
    "DS": "disability",
    "CA": "congenital_anomaly",
    "RI": "other_serious",  # required intervention to prevent permanent impairment
    "OT": "other_serious",
}
AGE_YEARS = {"DEC": 10.0, "YR": 1.0, "MON": 1 / 12, "WK": 7 / 365.25, "DY": 1 / 365.25}
AGE_YEARS["HR"] = 1 / 8766
WEIGHT_KG = {"KG": 1.0, "LBS": 0.45359237, "GMS": 0.001}
QUALIFICATION = {"MD": "1", "PH": "2", "OT": "3", "HP": "3", "LW": "4", "CN": "5"}


@dataclass
class BadLine:
    file: str
    line: int
    reason: str


@dataclass
class FaersSummary:
    files: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    read: Counter[str] = field(default_factory=Counter)
    bad_lines: list[BadLine] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)
    deleted_listed: int = 0
    kept_reports: int = 0
    kept_drug_rows: int = 0
    kept_reaction_rows: int = 0
    stored: Counter[str] = field(default_factory=Counter)
    withdrawn: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "formats": self.formats,
            "read": {t: self.read[t] for t in TABLES},
            "bad_lines": len(self.bad_lines),
            "bad_line_details": [b.__dict__ for b in self.bad_lines],
            "dropped": dict(self.dropped),
            "deleted_cases_listed": self.deleted_listed,
            "kept": {
                "reports": self.kept_reports,
                "drug_rows": self.kept_drug_rows,
                "reaction_rows": self.kept_reaction_rows,
            },
            "stored": dict(self.stored),
            "withdrawn_stored_cases": self.withdrawn,
        }


DROP_REASONS = {
    "superseded_versions": "较早的病例版本（保留每个病例的最新版本）",
    "deleted_cases": "FDA 删除清单中的病例",
    "duplicate_rows": "重复的报告行",
    "without_drug_or_reaction": "无药品或无不良反应记录的报告",
    "orphan_drug_rows": "所属报告已剔除或不存在的药品行",
    "orphan_reaction_rows": "所属报告已剔除或不存在的不良反应行",
    "orphan_outcome_rows": "所属报告已剔除或不存在的结局行",
    "orphan_indication_rows": "所属报告已剔除或不存在的适应症行",
}


@dataclass
class Quarter:
    """The tables of one or more zips, one frame per table (all columns as text)."""

    kind: str  # "faers" or "aers"
    tables: dict[str, list[pl.DataFrame]] = field(default_factory=lambda: defaultdict(list))
    deleted: set[str] = field(default_factory=set)


# ---------------------------------------------------------------- reading the files


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_table(name: str, data: bytes, summary: FaersSummary) -> pl.DataFrame:
    """One ``$``-delimited table as text columns named by its header, plus ``_line``."""
    lines = _decode(data).split("\n")
    header = [h.strip().lower() for h in lines[0].rstrip("\r").split("$")]
    if header and header[-1] == "":
        header.pop()
    width = len(header)
    frame = pl.DataFrame(
        {"_line": pl.int_range(2, len(lines) + 1, eager=True), "text": lines[1:]},
        schema={"_line": pl.Int64, "text": pl.String},
    ).with_columns(pl.col("text").str.strip_suffix("\r"))
    frame = frame.filter(pl.col("text").str.strip_chars() != "")
    count = pl.col("text").str.count_matches("$", literal=True) + 1
    # Some FDA files end every line with a "$": one empty field more than the header names.
    frame = frame.with_columns(
        pl.when((count == width + 1) & pl.col("text").str.ends_with("$"))
        .then(pl.col("text").str.slice(0, pl.col("text").str.len_chars() - 1))
        .otherwise(pl.col("text"))
        .alias("text")
    ).with_columns(count.alias("_fields"))
    bad = frame.filter(pl.col("_fields") != width)
    for line, fields in bad.select("_line", "_fields").iter_rows():
        summary.bad_lines.append(BadLine(name, line, f"{fields} fields, the header names {width}"))
    good = frame.filter(pl.col("_fields") == width)
    columns = good.select(
        "_line",
        pl.col("text").str.split_exact("$", width - 1).struct.rename_fields(header).alias("row"),
    ).unnest("row")
    return columns.with_columns(
        [
            pl.when(pl.col(c).str.strip_chars() == "")
            .then(None)
            .otherwise(pl.col(c).str.strip_chars())
            .alias(c)
            for c in header
        ]
    ).with_columns(pl.lit(name).alias("_file"))


def _require_digits(frame: pl.DataFrame, columns: list[str], summary: FaersSummary) -> pl.DataFrame:
    """Drop (and report) rows whose key columns are not whole numbers."""
    ok = pl.lit(True)
    for column in columns:
        ok = ok & pl.col(column).is_not_null() & pl.col(column).str.contains(r"^\d+$")
    for file, line, *values in frame.filter(~ok).select("_file", "_line", *columns).iter_rows():
        shown = ", ".join(f"{c}={v!r}" for c, v in zip(columns, values, strict=True))
        summary.bad_lines.append(BadLine(file, line, f"not a number: {shown}"))
    return frame.filter(ok)


def read_zip(path: Path, quarter: Quarter | None, summary: FaersSummary) -> Quarter:
    with zipfile.ZipFile(path) as archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        tables: dict[str, zipfile.ZipInfo] = {}
        deletions = []
        for member in members:
            base = Path(member.filename).name.upper()
            match = _TABLE_NAME.match(base)
            if match:
                tables[match.group(1).lower()] = member
            elif base.endswith(".TXT") and (
                base.startswith("DELE") or "DELETED" in member.filename.upper()
            ):
                deletions.append(member)
        if "demo" not in tables:
            raise ValueError(f"{path.name}: no DEMO table (DEMOyyQn.txt) in the zip")
        header = _decode(archive.read(tables["demo"]).split(b"\n", 1)[0]).lower()
        kind = "faers" if "primaryid" in header else "aers"
        if kind == "aers" and "isr" not in header:
            raise ValueError(f"{path.name}: DEMO has neither primaryid nor ISR columns")
        if quarter is None:
            quarter = Quarter(kind)
        elif quarter.kind != kind:
            raise ValueError(f"{path.name}: FAERS and legacy AERS quarters cannot be mixed")
        summary.files.append(path.name)
        summary.formats[path.name] = kind
        for table in TABLES:
            if table in tables:
                label = f"{path.name}:{tables[table].filename}"
                frame = read_table(label, archive.read(tables[table]), summary)
                summary.read[table] += frame.height
                quarter.tables[table].append(frame)
        for member in deletions:
            for value in _decode(archive.read(member)).split():
                if value.strip().isdigit():
                    quarter.deleted.add(value.strip())
    return quarter


# ---------------------------------------------------------------- de-duplication


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame | None:
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


def deduplicate(quarter: Quarter, summary: FaersSummary) -> tuple[pl.DataFrame, str]:
    """The DEMO rows kept (one per case) and the column that keys the other tables."""
    demo = _concat(quarter.tables["demo"])
    assert demo is not None
    if quarter.kind == "faers":
        key, case = "primaryid", "caseid"
        demo = _require_digits(demo, ["primaryid", "caseid", "caseversion"], summary)
        order = [pl.col("caseversion").cast(pl.Int64), pl.col("fda_dt"), pl.col(key).cast(pl.Int64)]
    else:
        key, case = "isr", "case"
        demo = _require_digits(demo, ["isr", "case"], summary)
        order = [pl.col("fda_dt"), pl.col(key).cast(pl.Int64)]
    before = demo.height
    demo = demo.unique(subset=[key], keep="first", maintain_order=True)
    summary.dropped["duplicate_rows"] += before - demo.height
    before = demo.height
    demo = demo.sort(
        [pl.col(case), *order], descending=[False] + [True] * len(order), nulls_last=True
    ).unique(subset=[case], keep="first", maintain_order=True)
    summary.dropped["superseded_versions"] += before - demo.height
    summary.deleted_listed = len(quarter.deleted)
    if quarter.deleted:
        before = demo.height
        demo = demo.filter(~pl.col(case).is_in(sorted(quarter.deleted)))
        summary.dropped["deleted_cases"] += before - demo.height
    return demo, key


def _children(
    quarter: Quarter, table: str, key: str, kept: pl.DataFrame, summary: FaersSummary
) -> pl.DataFrame | None:
    frame = _concat(quarter.tables[table])
    if frame is None:
        return None
    frame = _require_digits(frame, [key], summary)
    joined = frame.join(kept.select(key), on=key, how="semi")
    orphan = {"drug": "drug", "reac": "reaction", "outc": "outcome", "indi": "indication"}[table]
    summary.dropped[f"orphan_{orphan}_rows"] += frame.height - joined.height
    return joined


# ---------------------------------------------------------------- building reports


def _date(value: str | None) -> dt.date | None:
    if value and len(value) == 8 and value.isdigit():
        try:
            return dt.datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            return None
    return None


def _scaled(value: str | None, unit: str | None, units: dict[str, float]) -> float | None:
    if value is None or unit is None or unit.upper() not in units:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number * units[unit.upper()] if number >= 0 else None


def _country(*codes: str | None) -> str | None:
    return next((c.upper() for c in codes if c and re.fullmatch(r"[A-Za-z]{2}", c)), None)


def _reporter_type(rept_cod: str | None, occupation: str | None) -> ReporterType:
    if (rept_cod or "").upper() != "DIR":
        return ReporterType.MAH  # expedited and periodic reports come from manufacturers
    return {
        "CN": ReporterType.CONSUMER,
        "LW": ReporterType.OTHER,
        "PH": ReporterType.PHARMACY,
    }.get((occupation or "").upper(), ReporterType.MEDICAL_INSTITUTION)


def _grouped(frame: pl.DataFrame | None, key: str) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if frame is not None:
        for row in frame.iter_rows(named=True):
            groups[row[key]].append(row)
    return groups


def build_reports(quarter: Quarter, summary: FaersSummary) -> list[tuple[ParsedReport, str]]:
    """De-duplicate and turn the kept DEMO rows with their drugs and reactions into reports."""
    demo, key = deduplicate(quarter, summary)
    drugs = _grouped(_children(quarter, "drug", key, demo, summary), key)
    reactions = _grouped(_children(quarter, "reac", key, demo, summary), key)
    outcomes = _grouped(_children(quarter, "outc", key, demo, summary), key)
    indications = _grouped(_children(quarter, "indi", key, demo, summary), key)
    faers = quarter.kind == "faers"
    reports = []
    for row in demo.iter_rows(named=True):
        report_key = row[key]
        flags: dict[str, bool] = {}
        for outcome in outcomes.get(report_key, []):
            code = (outcome.get("outc_cod") or outcome.get("outc_code") or "").upper()
            if code in OUTCOME_FLAGS:
                flags[OUTCOME_FLAGS[code]] = True
            else:
                summary.bad_lines.append(
                    BadLine(outcome["_file"], outcome["_line"], f"unknown outcome code {code!r}")
                )
        indication_of: dict[str, list[str]] = defaultdict(list)
        for item in indications.get(report_key, []):
            if item.get("indi_pt"):
                indication_of[item.get("indi_drug_seq") or item.get("drug_seq") or ""].append(
                    item["indi_pt"]
                )
        drug_rows = sorted(drugs.get(report_key, []), key=lambda d: int(d.get("drug_seq") or 0))
        parsed_drugs = []
        for drug in drug_rows:
            role = ROLES.get((drug.get("role_cod") or "").upper())
            if role is None or not drug.get("drugname"):
                reason = "no drug name" if role else f"unknown role_cod {drug.get('role_cod')!r}"
                summary.bad_lines.append(BadLine(drug["_file"], drug["_line"], reason))
                continue
            parsed_drugs.append(
                ParsedDrug(
                    role=role,
                    reported_name=drug["drugname"][:250],
                    active_substance=(drug.get("prod_ai") or None) and drug["prod_ai"][:250],
                    batch_number=(drug.get("lot_num") or None) and drug["lot_num"][:60],
                    route=(drug.get("route") or None) and drug["route"][:60],
                    dose_text=(drug.get("dose_vbm") or None) and drug["dose_vbm"][:200],
                    indication=("; ".join(indication_of.get(drug.get("drug_seq") or "", [])))[:250]
                    or None,
                )
            )
        terms = [r.get("pt") for r in reactions.get(report_key, [])]
        parsed_reactions = [
            ParsedReaction(reported_term=t[:250], onset_on=_date(row.get("event_dt"))).flagged(
                flags
            )
            for t in dict.fromkeys(t for t in terms if t)
        ]
        summary.kept_drug_rows += len(parsed_drugs)
        summary.kept_reaction_rows += len(parsed_reactions)
        if not parsed_drugs or not parsed_reactions:
            summary.dropped["without_drug_or_reaction"] += 1
            summary.kept_drug_rows -= len(parsed_drugs)
            summary.kept_reaction_rows -= len(parsed_reactions)
            continue
        sex = (row.get("sex") or row.get("gndr_cod") or "").upper()
        rept_cod = row.get("rept_cod")
        case = row["caseid"] if faers else row["case"]
        reports.append(
            (
                ParsedReport(
                    safety_report_id=f"{'FAERS' if faers else 'AERS'}-{case}",
                    version=int(row["caseversion"]) if faers else None,
                    worldwide_case_id=(row.get("mfr_num") or None) and row["mfr_num"][:100],
                    report_type="1" if (rept_cod or "").upper() == "DIR" else "4",
                    received_on=_date(row.get("init_fda_dt") or row.get("fda_dt")),
                    most_recent_on=_date(row.get("fda_dt")),
                    reporter_type=_reporter_type(rept_cod, row.get("occp_cod")),
                    reporter_qualification=QUALIFICATION.get((row.get("occp_cod") or "").upper()),
                    country=_country(row.get("occr_country"), row.get("reporter_country")),
                    patient_age_years=_scaled(row.get("age"), row.get("age_cod"), AGE_YEARS),
                    patient_sex={"M": "1", "F": "2"}.get(sex),
                    patient_weight_kg=_scaled(row.get("wt"), row.get("wt_cod"), WEIGHT_KG),
                    reactions=parsed_reactions,
                    drugs=parsed_drugs,
                ),
                f"{row['_file'].split(':')[0]}#{report_key}",
            )
        )
    summary.kept_reports = len(reports)
    return reports


def read_quarters(
    paths: list[Path],
) -> tuple[list[tuple[ParsedReport, str]], Quarter, FaersSummary]:
    """Read, de-duplicate and build; nothing touches the database."""
    summary = FaersSummary()
    quarter: Quarter | None = None
    for path in paths:
        quarter = read_zip(path, quarter, summary)
    assert quarter is not None, "no zip given"
    return build_reports(quarter, summary), quarter, summary
