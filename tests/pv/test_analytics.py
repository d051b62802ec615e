"""Disproportionality measures: hand-worked 2x2 tables, openEBGM's published caers results, CLI.

The caers numbers are those printed by openEBGM 0.9.1's vignettes ("Raw data processing",
"Empirical Bayes metrics") for ``processRaw(caers, stratify = FALSE, zeroes = FALSE)`` and the
hyperparameters its ``autoHyper`` found on the squashed table.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats
from typer.testing import CliRunner

from yaojian.cli import app
from yaojian.kit.errors import InvalidInput
from yaojian.pv.analytics import PAIR_COLUMNS, Result, count_pairs, disproportionality
from yaojian.pv.mgps import Hyper

CAERS = Path(__file__).parent.parent / "data" / "pv" / "caers.csv"
PUBLISHED = Hyper(3.25379356, 0.39988854, 2.02612692, 1.90807970, 0.06534557)
Z = stats.norm.ppf(0.975)


def two_by_two() -> pl.DataFrame:
    """100 reports: a = 3 with drug D and event R, b = 7 with D and Y, c = 12 with X and R,
    d = 78 with X and Y. Report 1 lists its D-R row twice and report 4 lists drug D twice:
    neither may count twice. Reports 1-30 are stratum F, 31-100 stratum M."""
    rows = []
    for report in range(1, 101):
        drug = "D" if report <= 10 else "X"
        event = "R" if report <= 3 or 11 <= report <= 22 else "Y"
        rows.append((report, drug, event, "F" if report <= 30 else "M"))
    rows += [(1, "D", "R", "F"), (4, "D", "Y", "F")]
    return pl.DataFrame(rows, schema=["report", "drug", "event", "sex"], orient="row")


def pair(result: Result, drug: str, event: str) -> dict[str, float]:
    row = result.pairs.filter((pl.col("drug") == drug) & (pl.col("event") == event))
    assert row.height == 1, f"{drug} / {event}: {row.height} rows"
    return row.row(0, named=True)


@pytest.fixture(scope="module")
def caers() -> pl.DataFrame:
    return pl.read_csv(CAERS)


@pytest.fixture(scope="module")
def caers_published(caers: pl.DataFrame) -> Result:
    return disproportionality(caers, "id", "var1", "var2", hyper=PUBLISHED)


def test_it_counts_unique_reports_not_rows() -> None:
    counts = count_pairs(two_by_two(), "report", "drug", "event")
    assert counts.reports == 100
    table = {(r["drug"], r["event"]): r for r in counts.pairs.iter_rows(named=True)}
    assert set(table) == {("D", "R"), ("D", "Y"), ("X", "R"), ("X", "Y")}
    assert (table["D", "R"]["n"], table["D", "R"]["n_drug"], table["D", "R"]["n_event"]) == (
        3,
        10,
        15,
    )
    assert table["D", "Y"]["n"] == 7 and table["X", "Y"]["n"] == 78
    assert table["D", "R"]["expected"] == pytest.approx(10 * 15 / 100)


def test_it_computes_the_measures_of_a_hand_worked_table() -> None:
    result = disproportionality(two_by_two(), "report", "drug", "event", hyper=PUBLISHED)
    row = pair(result, "D", "R")
    # a, b, c, d = 3, 7, 12, 78; N_total = 100; E = 10·15/100 = 1.5
    assert row["expected"] == pytest.approx(1.5)
    assert row["rr"] == pytest.approx(2.0)
    # PRR = (3/10)/(12/90) = 2.25; SE = sqrt(1/3 − 1/10 + 1/12 − 1/90) = 0.552771
    assert row["prr"] == pytest.approx(2.25)
    assert row["prr_lower"] == pytest.approx(0.7614882, rel=1e-6)
    assert row["prr_upper"] == pytest.approx(6.6481663, rel=1e-6)
    # ROR = 3·78/(7·12) = 2.785714; SE = sqrt(1/3 + 1/7 + 1/12 + 1/78) = 0.756534
    assert row["ror"] == pytest.approx(234 / 84)
    assert row["ror_lower"] == pytest.approx(0.6323730, rel=1e-6)
    assert row["ror_upper"] == pytest.approx(12.2715617, rel=1e-6)
    # Yates: 100·(|234 − 84| − 50)² / (10·90·15·85) = 0.871460, as SciPy computes it
    assert row["chi2_yates"] == pytest.approx(1e6 / 1_147_500)
    scipy_chi2 = stats.chi2_contingency([[3, 7], [12, 78]], correction=True)[0]
    assert row["chi2_yates"] == pytest.approx(scipy_chi2)
    # IC = log2(3.5/2.0); the interval from Gamma(3.5, rate 2.0)
    assert row["ic"] == pytest.approx(math.log2(1.75))
    assert row["ic025"] == pytest.approx(math.log2(stats.gamma.ppf(0.025, 3.5, scale=0.5)))
    assert row["ic975"] == pytest.approx(math.log2(stats.gamma.ppf(0.975, 3.5, scale=0.5)))


def test_the_ic_interval_is_close_to_norens_closed_form_approximation() -> None:
    # Norén, Hopstadius & Bate 2013: IC025 ≈ IC − 3.3 m^(−1/2) − 2 m^(−3/2) and
    # IC975 ≈ IC + 2.4 m^(−1/2) − 0.5 m^(−3/2), m = N + 0.5; good to a few hundredths
    # for these counts (the exact gamma quantiles are what the engine reports).
    result = disproportionality(two_by_two(), "report", "drug", "event", hyper=PUBLISHED)
    for row in result.pairs.iter_rows(named=True):
        m = row["n"] + 0.5
        assert row["ic025"] == pytest.approx(row["ic"] - 3.3 * m**-0.5 - 2 * m**-1.5, abs=0.05)
        assert row["ic975"] == pytest.approx(row["ic"] + 2.4 * m**-0.5 - 0.5 * m**-1.5, abs=0.05)


def test_a_zero_cell_gives_infinities_not_errors() -> None:
    # Event Z occurs only with drug D: c = 0, so PRR and ROR are infinite, their intervals
    # undefined; χ² and IC stay finite.
    frame = pl.concat(
        [two_by_two().drop("sex"), pl.DataFrame({"report": [5], "drug": ["D"], "event": ["Z"]})]
    )
    row = pair(disproportionality(frame, "report", "drug", "event", hyper=PUBLISHED), "D", "Z")
    assert row["prr"] == math.inf and row["ror"] == math.inf
    assert math.isnan(row["prr_lower"]) and math.isnan(row["ror_lower"])
    assert math.isfinite(row["chi2_yates"]) and math.isfinite(row["ic"])


def test_strata_change_the_expected_count_but_not_the_prr() -> None:
    frame = two_by_two()
    plain = disproportionality(frame, "report", "drug", "event", hyper=PUBLISHED)
    stratified = disproportionality(
        frame, "report", "drug", "event", strata=["sex"], hyper=PUBLISHED
    )
    # D and R occur only in stratum F (30 reports): E = 10·15/30 + 0 = 5.0
    row = pair(stratified, "D", "R")
    assert row["expected"] == pytest.approx(5.0)
    assert row["rr"] == pytest.approx(3 / 5.0)
    assert row["prr"] == pair(plain, "D", "R")["prr"]
    # X-Y: F has X in 20 reports and Y in 15; M has 70 of each: 20·15/30 + 70·70/70
    assert pair(stratified, "X", "Y")["expected"] == pytest.approx(10 + 70)


def test_it_reproduces_openebgm_counts_on_caers(caers_published: Result) -> None:
    pairs = caers_published.pairs
    assert pairs.height == 17_189
    assert caers_published.reports == 3_356
    first = pair(caers_published, "1-PHENYLALANINE", "HEART RATE INCREASED")
    assert first["n"] == 1
    assert f"{first['expected']:.10f}" == "0.0360548272"
    assert round(first["rr"], 2) == 27.74
    assert round(first["prr"], 2) == 27.96
    cardiac = pair(caers_published, "11 UNSPECIFIED VITAMINS", "CARDIAC FUNCTION TEST")
    assert f"{cardiac['expected']:.10f}" == "0.0002979738"
    assert round(cardiac["rr"], 2) == 3356.00
    assert cardiac["prr"] == math.inf


def test_it_reproduces_openebgm_ebgm_on_caers(caers_published: Result) -> None:
    first = pair(caers_published, "1-PHENYLALANINE", "HEART RATE INCREASED")
    assert round(first["ebgm"], 2) == 2.23
    assert first["eb05"] == pytest.approx(0.49, abs=0.01)
    assert first["eb95"] == pytest.approx(13.85, abs=0.01)
    cardiac = pair(caers_published, "11 UNSPECIFIED VITAMINS", "CARDIAC FUNCTION TEST")
    assert round(cardiac["ebgm"], 2) == 2.63


def test_it_reproduces_openebgms_top_five_by_eb05_on_caers(caers_published: Result) -> None:
    published = [
        ("REUMOFAN PLUS", "WEIGHT INCREASED", 16, 0.40643623, 15.68, 23.26, 33.48),
        ("HYDROXYCUT REGULAR RAPID RELEASE CAPLETS", "EMOTIONAL DISTRESS", 19, 0.89690107,
         11.65, 16.78, 23.55),
        ("REUMOFAN PLUS", "IMMOBILE", 6, 0.07866508, 10.16, 18.28, 30.83),
        ("HYDROXYCUT HARDCORE CAPSULES", "CARDIO-RESPIRATORY DISTRESS", 8, 0.30482718,
         9.00, 15.25, 24.52),
        ("HYDROXYCUT REGULAR RAPID RELEASE CAPLETS", "INJURY", 11, 0.56317044,
         8.98, 14.28, 21.78),
    ]  # fmt: skip
    top = caers_published.pairs.sort("eb05", descending=True).head(5)
    for row, (drug, event, n, e, q05, ebgm, q95) in zip(
        top.iter_rows(named=True), published, strict=True
    ):
        assert (row["drug"], row["event"], row["n"]) == (drug, event, n)
        assert f"{row['expected']:.8f}" == f"{e:.8f}"
        assert round(row["ebgm"], 2) == ebgm
        assert row["eb05"] == pytest.approx(q05, abs=0.01)
        assert row["eb95"] == pytest.approx(q95, abs=0.01)


def test_exactly_131_caers_pairs_have_eb05_of_at_least_2(caers_published: Result) -> None:
    assert int((caers_published.pairs["eb05"] >= 2).sum()) == 131


def test_qn_on_caers_has_openebgms_summary(caers_published: Result) -> None:
    qn = caers_published.pairs["qn"].to_numpy()
    # R's summary(): min, 1st quartile, median, mean, 3rd quartile, max, printed to 7 decimals
    # (its quartiles are NumPy's default, linear interpolation).
    expected = [0.0001205, 0.2340248, 0.3089649, 0.2846021, 0.3397685, 0.9999997]
    quartiles = np.quantile(qn, [0.0, 0.25, 0.5])
    actual = [*quartiles, qn.mean(), np.quantile(qn, 0.75), qn.max()]
    for value, published in zip(actual, expected, strict=True):
        assert round(float(value), 7) == published


def test_the_fitted_prior_on_caers_is_at_least_as_likely_as_openebgms(
    caers: pl.DataFrame,
) -> None:
    result = disproportionality(caers, "id", "var1", "var2", hyper="auto")
    assert result.fit is not None and not result.fit.at_bound
    # openEBGM's best on the unsquashed table: −log L = 4162.456 (to the digits it prints)
    assert result.neg_log_likelihood <= 4162.456 + 1e-6
    given = disproportionality(caers, "id", "var1", "var2", hyper=PUBLISHED)
    assert result.neg_log_likelihood <= given.neg_log_likelihood
    # The likelihood is flat near the optimum: the scores barely move.
    ebgm_fit = result.pairs.sort("drug", "event")["ebgm"].to_numpy()
    ebgm_given = given.pairs.sort("drug", "event")["ebgm"].to_numpy()
    assert np.max(np.abs(ebgm_fit / ebgm_given - 1)) < 0.01


def test_it_names_a_missing_column() -> None:
    with pytest.raises(InvalidInput) as raised:
        disproportionality(two_by_two(), "report", "medicine", "event")
    assert "'medicine'" in str(raised.value) and "drug_col" in str(raised.value)


def test_rows_without_a_drug_are_dropped_and_counted() -> None:
    frame = pl.concat(
        [two_by_two().drop("sex"), pl.DataFrame({"report": [101], "drug": [None], "event": ["R"]})],
        how="vertical_relaxed",
    )
    result = disproportionality(frame, "report", "drug", "event", hyper=PUBLISHED)
    assert result.rows_dropped == 1 and result.reports == 100


def test_a_frame_with_no_complete_row_is_refused() -> None:
    frame = pl.DataFrame(
        {"report": [1], "drug": [None], "event": ["R"]}, schema_overrides={"drug": pl.String}
    )
    with pytest.raises(InvalidInput, match="no rows"):
        disproportionality(frame, "report", "drug", "event")


def test_integer_codes_and_text_report_ids_give_the_same_table() -> None:
    frame = two_by_two()
    as_codes = frame.with_columns(
        pl.col("report").cast(pl.String).alias("report"),
        pl.col("drug").replace_strict({"D": 1_000_000, "X": 7}).alias("drug"),
    )
    a = disproportionality(frame, "report", "drug", "event", hyper=PUBLISHED).pairs
    b = disproportionality(as_codes, "report", "drug", "event", hyper=PUBLISHED).pairs
    b = b.with_columns(pl.col("drug").replace_strict({1_000_000: "D", 7: "X"}))
    assert a.sort("drug", "event").drop("drug").equals(b.sort("drug", "event").drop("drug"))


def test_the_command_writes_the_contract_columns(tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(
        app,
        ["pv", "disproportionality", str(CAERS), "--report-col", "id", "--drug-col", "var1",
         "--event-col", "var2", "--hyper", str(PUBLISHED), "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3.2537936" in result.output and "4162.4557" in result.output
    assert out.read_text().splitlines()[0] == ",".join(PAIR_COLUMNS)
    written = pl.read_csv(out)
    assert written.columns == list(PAIR_COLUMNS) and written.height == 17_189
    assert int((written["eb05"] >= 2).sum()) == 131


def test_the_command_fits_the_prior_with_strata(tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(
        app,
        ["pv", "disproportionality", str(CAERS), "--report-col", "id", "--drug-col", "var1",
         "--event-col", "var2", "--strata", "strat1", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "fitted" in result.output and "log-likelihood" in result.output
    written = pl.read_csv(out)
    assert written.columns == list(PAIR_COLUMNS) and written.height == 17_189


def test_the_command_names_a_missing_column_and_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["pv", "disproportionality", str(CAERS), "--report-col", "id", "--drug-col", "product",
         "--event-col", "var2", "--out", str(tmp_path / "x.csv")],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "--drug-col product" in result.output and "var1" in result.output
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("content", ["", "id,var1,var2\n"])
def test_the_command_refuses_an_empty_file(tmp_path: Path, content: str) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(content)
    result = CliRunner().invoke(
        app,
        ["pv", "disproportionality", str(empty), "--report-col", "id", "--drug-col", "var1",
         "--event-col", "var2", "--out", str(tmp_path / "x.csv")],
    )  # fmt: skip
    assert result.exit_code != 0
    assert str(empty.name) in result.output


def test_the_command_refuses_bad_hyperparameters(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["pv", "disproportionality", str(CAERS), "--report-col", "id", "--drug-col", "var1",
         "--event-col", "var2", "--hyper", "1,2,3", "--out", str(tmp_path / "x.csv")],
    )  # fmt: skip
    assert result.exit_code != 0 and "five numbers" in result.output
