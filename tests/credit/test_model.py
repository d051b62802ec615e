"""The points model on constructed counts: the numbers a user would check by hand."""

from __future__ import annotations

import datetime as dt
import tomllib
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError

from yaojian.credit.config import HERE, config, parse
from yaojian.credit.grading import explain, score_frame, window_start

NAMES = list(config().deductions)


def scored(
    *rows: dict[str, int], revoked: set[int] | None = None, listed: set[int] | None = None
) -> list[dict[str, Any]]:
    frame = pl.DataFrame(
        [{"enterprise_id": i} | {n: r.get(n, 0) for n in NAMES} for i, r in enumerate(rows, 1)]
    )
    out = score_frame(frame, config(), revoked=revoked or set(), blacklisted=listed or set())
    return out.to_dicts()


def test_an_enterprise_with_nothing_against_it_keeps_100_points_and_grade_a() -> None:
    (row,) = scored({})
    assert (row["score"], row["grade"]) == (100.0, "A")
    assert explain(row, config()) == ([], [])


def test_each_failed_sample_takes_10_points_and_two_with_a_penalty_make_c() -> None:
    one, two_and_penalty = scored({"sampling_failure": 1}, {"sampling_failure": 2, "penalty": 1})
    assert (one["score"], one["grade"]) == (90.0, "A")  # 90 is still A (A ≥ 90)
    assert (two_and_penalty["score"], two_and_penalty["grade"]) == (72.0, "C")  # 100 − 20 − 8
    deductions, _ = explain(two_and_penalty, config())
    assert deductions == [
        {"input": "sampling_failure", "count": 2, "points": 10, "cap": 30, "deducted": 20.0},
        {"input": "penalty", "count": 1, "points": 8, "cap": 32, "deducted": 8.0},
    ]


def test_a_deduction_stops_at_its_cap() -> None:
    (row,) = scored({"sampling_failure": 7, "complaint_upheld": 10})
    # sampling 7 × 10 = 70, capped at 30; complaints 10 × 4 = 40, capped at 16 → 100 − 46 = 54
    assert (row["score"], row["grade"]) == (54.0, "D")


def test_the_bands_are_b_from_75_and_c_from_60_inclusive() -> None:
    b, c, sixty = scored({"penalty": 3}, {"penalty": 5}, {"penalty_counterfeit_substandard": 2})
    assert (b["score"], b["grade"]) == (76.0, "B")  # 100 − 3 × 8
    assert (c["score"], c["grade"]) == (68.0, "C")  # 5 × 8 = 40, capped at 32
    assert (sixty["score"], sixty["base"]) == (60.0, "C")  # exactly 60 is C, not D


def test_a_penalty_for_counterfeit_drugs_caps_the_grade_at_c_whatever_the_score() -> None:
    (row,) = scored({"penalty_counterfeit_substandard": 1})
    assert row["score"] == 80.0 and row["base"] == "B"
    assert row["grade"] == "C"
    _, overrides = explain(row, config())
    assert overrides == [{"rule": "counterfeit_substandard", "grade": "C"}]


def test_a_revoked_licence_or_a_listing_makes_d() -> None:
    revoked, listed, clean = scored({}, {}, {}, revoked={1}, listed={2})
    assert (revoked["score"], revoked["grade"]) == (100.0, "D")
    assert listed["grade"] == "D"
    assert clean["grade"] == "A"
    assert explain(listed, config())[1] == [{"rule": "blacklisted", "grade": "D"}]


def test_an_override_is_not_recorded_when_the_score_is_already_that_bad() -> None:
    (row,) = scored({"penalty_counterfeit_substandard": 2, "sampling_failure": 3})
    assert row["grade"] == "D"  # 100 − 40 − 30 = 30
    assert explain(row, config())[1] == []


def test_the_window_is_24_months_ending_on_the_grading_day() -> None:
    assert window_start(dt.date(2026, 12, 2), 24) == dt.date(2024, 12, 3)
    assert window_start(dt.date(2026, 2, 28), 24) == dt.date(2024, 2, 29)  # leap year
    assert window_start(dt.date(2025, 3, 31), 1) == dt.date(2025, 3, 1)  # 28 Feb + 1


def _toml() -> dict[str, Any]:
    with (HERE / "credit.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_the_config_refuses_thresholds_out_of_order() -> None:
    data = _toml()
    data["thresholds"] = {"A": 70, "B": 75, "C": 60}
    with pytest.raises(ValidationError, match="A > B > C"):
        parse(data)


def test_the_config_refuses_a_deduction_for_an_input_that_does_not_exist() -> None:
    data = _toml()
    data["deductions"]["inspection_finding_critical"] = dict(data["deductions"]["penalty"])
    with pytest.raises(ValidationError, match="unknown inputs"):
        parse(data)
