"""The discretion helper's recommendation and the written-reason rule."""

from __future__ import annotations

import pytest

from yaojian.enforcement.config import discretion, limits
from yaojian.enforcement.discretion import Band, departures, recommend, require_reason
from yaojian.kit.errors import InvalidInput


def test_the_configuration_tables_load_and_cite_their_sources() -> None:
    assert {v.code for v in discretion().violations} >= {"dal-116", "dal-117", "dal-126"}
    assert all(clock.source for clock in limits().clocks.values())


def test_an_ordinary_gmp_case_is_recommended_the_middle_of_the_range() -> None:
    rec = recommend("dal-126", [])
    assert rec.band is Band.ORDINARY
    assert (rec.statutory_min, rec.statutory_max) == (100_000, 500_000)
    assert (rec.fine_min, rec.fine_max) == (220_000, 380_000)
    assert rec.warning and rec.person_ban_years is None


def test_serious_circumstances_select_the_heavier_range_and_the_ban() -> None:
    rec = recommend("dal-126", ["serious", "repeat"])
    assert rec.band is Band.HEAVIER and rec.serious
    assert (rec.statutory_min, rec.statutory_max) == (500_000, 2_000_000)
    assert (rec.fine_min, rec.fine_max) == (1_550_000, 2_000_000)
    assert rec.revocation and rec.person_ban_years == 10


def test_a_counterfeit_fine_is_a_multiple_of_the_goods_value_with_its_floor() -> None:
    small = recommend("dal-116", ["eliminated_harm"], goods_value=20_000)
    # 货值金额不足十万元的，按十万元计算: 15–30 × 100 000, lower band
    assert (small.statutory_min, small.statutory_max) == (1_500_000, 3_000_000)
    assert small.band is Band.LIGHTER
    assert (small.fine_min, small.fine_max) == (1_500_000, 1_950_000)
    assert small.person_ban_years == 0  # 第一百一十八条: for life
    large = recommend("dal-116", [], goods_value=400_000)
    assert (large.statutory_min, large.statutory_max) == (6_000_000, 12_000_000)


def test_two_mitigating_circumstances_reduce_below_the_minimum() -> None:
    rec = recommend("dal-127", ["eliminated_harm", "confessed"])
    assert rec.band is Band.REDUCED
    assert (rec.fine_min, rec.fine_max) == (50_000, 100_000)


def test_a_first_minor_corrected_violation_is_recommended_no_penalty() -> None:
    rec = recommend("dal-130", ["first_minor_corrected"])
    assert rec.exempt and not rec.warning
    assert recommend("dal-130", ["first_minor_corrected", "obstructed"]).band is Band.HEAVIER


def test_a_multiple_needs_the_goods_value_and_unknown_codes_are_named() -> None:
    with pytest.raises(InvalidInput) as missing:
        recommend("dal-117", [])
    assert missing.value.invalid_params[0].name == "goods_value"
    with pytest.raises(InvalidInput) as unknown:
        recommend("dal-126", ["bribed_the_inspector"])
    assert unknown.value.invalid_params[0].name == "circumstances"


def test_a_fine_outside_the_recommendation_needs_a_written_reason() -> None:
    rec = recommend("dal-126", [])
    assert departures(rec, no_penalty=False, fine_amount=300_000) == []
    found = departures(rec, no_penalty=False, fine_amount=150_000)
    assert found
    with pytest.raises(InvalidInput) as refused:
        require_reason(found, "")
    assert refused.value.invalid_params[0].name == "departure_reason"
    require_reason(found, "当事人积极整改并召回全部产品，社会危害较小。")


def test_no_reason_justifies_a_fine_above_the_statutory_maximum() -> None:
    rec = recommend("dal-126", [])
    with pytest.raises(InvalidInput) as refused:
        departures(rec, no_penalty=False, fine_amount=600_000)
    assert refused.value.invalid_params[0].name == "fine_amount"
