"""The penalty discretion helper (行政处罚裁量): violation + circumstances → a recommended range.

The rule (docs/enforcement.md, "Discretion"):

1. The statutory range of the fine comes from the violation's row of ``discretion.toml``: a
   fixed range in yuan, or a multiple of the goods' value (or of the person's income) with the
   article's floor on the base. "Serious circumstances" (情节严重) select the article's heavier
   range where it has one, and the revocation and bans that the article reserves for them.
2. An exempting circumstance (行政处罚法 第三十三条) with nothing aggravating or serious
   recommends no penalty.
3. Otherwise count mitigating (第三十二条) and aggravating circumstances: only aggravating →
   从重 (the upper band); one mitigating and nothing aggravating → 从轻 (the lower band);
   two or more mitigating and nothing aggravating → 减轻 (below the statutory minimum, down to
   ``reduced_floor`` of it); none, or both kinds → 一般 (the middle band).

A decision may depart from the recommendation only with a written reason; it may never exceed
the statutory maximum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from yaojian.enforcement.config import Discretion, Fine, Violation, discretion
from yaojian.kit.choices import LabelledChoice
from yaojian.kit.errors import InvalidInput

MIN_REASON_CHARS = 10


class Band(LabelledChoice):
    EXEMPT = ("exempt", "不予处罚", "no penalty")
    REDUCED = ("reduced", "减轻处罚", "reduced")
    LIGHTER = ("lighter", "从轻处罚", "lighter")
    ORDINARY = ("ordinary", "一般处罚", "ordinary")
    HEAVIER = ("heavier", "从重处罚", "heavier")


@dataclass(frozen=True)
class Recommendation:
    violation: Violation
    band: Band
    serious: bool
    statutory_min: int | None
    statutory_max: int | None
    fine_min: int | None
    fine_max: int | None
    warning: bool
    confiscation: bool
    revocation: bool
    # Years of the ban on responsible persons; 0 = for life; None = no ban.
    person_ban_years: int | None
    reasons: list[str] = field(default_factory=list)

    @property
    def exempt(self) -> bool:
        return self.band is Band.EXEMPT


def _statutory(fine: Fine, base_value: int | None) -> tuple[int, int]:
    if fine.kind == "fixed":
        return int(fine.min), int(fine.max)
    if base_value is None or base_value < 0:
        what = "所获收入" if fine.base == "income" else "货值金额"
        raise InvalidInput("goods_value", f"the fine is a multiple of {what}; enter it in yuan")
    base = max(float(base_value), fine.base_floor)
    return math.floor(fine.min * base), math.ceil(fine.max * base)


def _band(table: Discretion, codes: list[str]) -> tuple[Band, bool, list[str]]:
    effects = []
    reasons = []
    for code in codes:
        circumstance = table.circumstance(code)
        if circumstance is None:
            raise InvalidInput("circumstances", f"unknown circumstance {code}")
        effects.append(circumstance.effect)
        reasons.append(f"{circumstance.label_zh}（{circumstance.basis}）")
    serious = "serious" in effects
    mitigating = effects.count("mitigating")
    aggravating = effects.count("aggravating")
    if "exempting" in effects and not aggravating and not serious:
        return Band.EXEMPT, serious, reasons
    if aggravating and not mitigating:
        return Band.HEAVIER, serious, reasons
    if mitigating and not aggravating:
        return (Band.LIGHTER if mitigating == 1 else Band.REDUCED), serious, reasons
    return Band.ORDINARY, serious, reasons


def recommend(
    violation_code: str, circumstances: list[str], goods_value: int | None = None
) -> Recommendation:
    table = discretion()
    violation = table.violation(violation_code)
    if violation is None:
        raise InvalidInput("violation_code", f"unknown violation {violation_code}")
    band, serious, reasons = _band(table, list(dict.fromkeys(circumstances)))
    fine = violation.fine_serious if serious and violation.fine_serious else violation.fine
    statutory_min = statutory_max = fine_min = fine_max = None
    if fine is not None:
        statutory_min, statutory_max = _statutory(fine, goods_value)
        span = statutory_max - statutory_min
        if band is Band.EXEMPT:
            fine_min = fine_max = 0
        elif band is Band.REDUCED:
            fine_min, fine_max = (
                math.floor(table.bands.reduced_floor * statutory_min),
                statutory_min,
            )
        else:
            low, high = getattr(table.bands, band.value)
            fine_min = math.floor(statutory_min + low * span)
            fine_max = math.ceil(statutory_min + high * span)
    # The years come from the banning article (dal-118 for 116/117), the condition from the row.
    ban_source = (
        table.violation(violation.person_ban_article) if violation.person_ban_article else None
    )
    ban_years = (ban_source or violation).person_ban_years
    bans = ban_years is not None and (violation.person_ban_when == "always" or serious)
    penalising = band is not Band.EXEMPT
    return Recommendation(
        violation=violation,
        band=band,
        serious=serious,
        statutory_min=statutory_min,
        statutory_max=statutory_max,
        fine_min=fine_min,
        fine_max=fine_max,
        warning=penalising and violation.warning,
        confiscation=penalising and violation.confiscation,
        revocation=penalising
        and (violation.revocation == "always" or (violation.revocation == "serious" and serious)),
        person_ban_years=ban_years if penalising and bans else None,
        reasons=reasons,
    )


def departures(rec: Recommendation, *, no_penalty: bool, fine_amount: int | None) -> list[str]:
    """How a chosen penalty differs from the recommendation (empty: it follows it).

    Raises InvalidInput for a fine above the statutory maximum, which no reason can justify.
    """
    if fine_amount is not None and fine_amount < 0:
        raise InvalidInput("fine_amount", "a fine is not negative")
    if (
        fine_amount is not None
        and rec.statutory_max is not None
        and fine_amount > rec.statutory_max
    ):
        raise InvalidInput(
            "fine_amount",
            f"{fine_amount} yuan exceeds the statutory maximum of {rec.statutory_max} yuan "
            f"({rec.violation.basis})",
        )
    if fine_amount and rec.statutory_max is None:
        raise InvalidInput("fine_amount", f"{rec.violation.basis} provides no fine")
    found = []
    if no_penalty and not rec.exempt:
        found.append(f"不予处罚，而建议为{rec.band.zh}")
    if not no_penalty and rec.exempt:
        found.append("给予处罚，而建议为不予处罚")
    if not no_penalty and rec.fine_min is not None and rec.fine_max is not None:
        amount = fine_amount or 0
        if not rec.fine_min <= amount <= rec.fine_max:
            found.append(f"罚款{amount}元，不在建议幅度{rec.fine_min}–{rec.fine_max}元内")
    return found


def require_reason(found: list[str], reason: str) -> None:
    """A departure from the recommendation needs a written reason (the field is named)."""
    if found and len(reason.strip()) < MIN_REASON_CHARS:
        raise InvalidInput(
            "departure_reason",
            "the decision departs from the recommended range ("
            + "; ".join(found)
            + f"); write the reason (at least {MIN_REASON_CHARS} characters)",
        )
