"""Disproportionality analysis of drug-event pairs (Polars, NumPy; no database).

Input is a long-format frame: one row per report-drug-event (a report with two drugs and three
reactions gives six rows), optionally with stratum columns. Counting follows openEBGM's
``processRaw``: every count is a number of **unique reports**, so duplicated rows and reports
with several drugs or several events are counted once where they should be.

For a pair (drug D, event R), with N_total reports in all:

    a = N            reports with D and R
    b = N_D − N      reports with D and not R
    c = N_R − N      reports with R and not D
    d = N_total − N_D − N_R + N

Measures (formulas, references and thresholds are defended in ``docs/pv-statistics.md``):

- expected E = N_D·N_R/N_total, or with strata Σ_s N_D,s·N_R,s/N_total,s; RR = N/E;
- PRR = (a/(a+b)) / (c/(c+d)), 95 % CI exp(ln PRR ± 1.96·sqrt(1/a − 1/(a+b) + 1/c − 1/(c+d)));
- Yates-corrected χ² = N_total·max(|ad − bc| − N_total/2, 0)² / ((a+b)(c+d)(a+c)(b+d));
- ROR = ad/(bc), 95 % CI exp(ln ROR ± 1.96·sqrt(1/a + 1/b + 1/c + 1/d));
- IC = log2((N + 0.5)/(E + 0.5)), IC025/IC975 = log2 of the 2.5 %/97.5 % quantiles of
  Gamma(shape N + 0.5, rate E + 0.5) (Norén, Hopstadius & Bate 2013);
- EBGM, EB05, EB95 from :mod:`yaojian.pv.mgps`.

PRR, χ² and ROR use the unstratified table even when strata are given, as openEBGM does; E, RR,
IC and MGPS use the stratified E. A zero denominator gives ±inf, and 0/0 gives NaN, as IEEE
arithmetic does (openEBGM prints PRR = Inf where c = 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import special

from yaojian.kit.errors import InvalidInput
from yaojian.pv import mgps
from yaojian.pv.mgps import Hyper

# The columns of the output, in order. Outside scripts read them by name: keep them as they are.
PAIR_COLUMNS = (
    "drug",
    "event",
    "n",
    "expected",
    "rr",
    "prr",
    "prr_lower",
    "prr_upper",
    "chi2_yates",
    "ror",
    "ror_lower",
    "ror_upper",
    "ic",
    "ic025",
    "ic975",
    "ebgm",
    "eb05",
    "eb95",
)

_Z = 1.959963984540054  # standard normal 97.5 % quantile

Codes = npt.NDArray[np.uint64]
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Counts:
    """One row per drug-event pair with N ≥ 1: drug, event, n, n_drug, n_event, expected."""

    pairs: pl.DataFrame
    reports: int
    rows_dropped: int  # rows without a report, a drug or an event


@dataclass(frozen=True, slots=True)
class Result:
    """``pairs`` holds :data:`PAIR_COLUMNS`, then n_drug, n_event and qn. Drug and event keep
    the input's kind: categorical (or enum) names come back categorical, text as text, integer
    codes as Int64.

    ``neg_log_likelihood`` is −log L of the prior on all pairs, unsquashed (openEBGM's ``negLL``
    with ``N_star = 1``); ``fit`` is None when the hyperparameters were given.
    """

    pairs: pl.DataFrame
    hyper: Hyper
    neg_log_likelihood: float
    reports: int
    rows_dropped: int
    fit: mgps.Fit | None


MAX_STRATUM_VALUES = 50


class _Column:
    """How one key column becomes non-negative integer codes, and codes become values again.

    Integers are used as they are (less their minimum); categoricals by their physical code;
    anything else is first cast to a categorical. The codes are packed into one 64-bit key.
    """

    def __init__(self, data: pl.DataFrame, name: str) -> None:
        self.name = name
        self.integer = data.schema[name].is_integer()
        self.low = int(data[name].min()) if self.integer else 0  # type: ignore[arg-type]
        self.top = int(data.select(self.code().max()).item() or 0)

    @staticmethod
    def prepare(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
        if dtype.is_integer() or isinstance(dtype, pl.Categorical | pl.Enum):
            return column
        return column.cast(pl.String).cast(pl.Categorical)

    def code(self) -> pl.Expr:
        column = pl.col(self.name)
        if self.integer:
            return (column.cast(pl.Int64) - self.low).cast(pl.UInt64)
        return column.to_physical().cast(pl.UInt64)

    @property
    def bits(self) -> int:
        return max(self.top.bit_length(), 1)


class _Margin:
    """Distinct reports per value of a column, indexed by the column's code.

    Decoded names keep the dtype the caller gave: a categorical (or enum) column comes back
    categorical, 4 bytes a pair instead of a 16-byte string view; a text column as text.
    """

    def __init__(self, data: pl.DataFrame, column: _Column, categorical: bool = False) -> None:
        table = data.group_by(column.name).agg(pl.col("report").n_unique().alias("n"))
        codes = table.select(column.code().cast(pl.Int64))[column.name].to_numpy()
        self.column = column
        self.count = np.zeros(column.top + 1)
        self.count[codes] = table["n"].to_numpy()
        self.names: pl.Series | None = None
        self.position: npt.NDArray[np.int64] | None = None
        if not column.integer:
            names = table[column.name]
            self.names = names if categorical else names.cast(pl.String)
            self.position = np.zeros(column.top + 1, dtype=np.int64)
            self.position[codes] = np.arange(table.height)

    def decode(self, codes: Codes, name: str) -> pl.Series:
        if self.names is not None and self.position is not None:
            return self.names.gather(self.position[codes]).alias(name)
        return (pl.Series(name, codes.astype(np.int64)) + self.column.low).alias(name)


def _check_columns(frame: pl.DataFrame, named: dict[str, str]) -> None:
    for option, column in named.items():
        if column not in frame.columns:
            available = ", ".join(frame.columns) or "none"
            raise InvalidInput(option, f"no column named {column!r} (columns: {available})")


def _prepare(
    frame: pl.DataFrame, report_col: str, drug_col: str, event_col: str, strata: Sequence[str]
) -> tuple[pl.DataFrame, int]:
    named = {"report_col": report_col, "drug_col": drug_col, "event_col": event_col}
    named |= {f"strata[{i}]": column for i, column in enumerate(strata)}
    _check_columns(frame, named)
    schema = frame.schema
    columns = {"report": report_col, "drug": drug_col, "event": event_col}
    columns |= {f"stratum{i}": column for i, column in enumerate(strata)}
    data = frame.select(
        _Column.prepare(pl.col(source), schema[source]).alias(target)
        for target, source in columns.items()
    )
    kept = data.drop_nulls(["report", "drug", "event"])
    if kept.height == 0:
        raise InvalidInput(
            "frame", f"no rows with all of {report_col!r}, {drug_col!r} and {event_col!r}"
        )
    for i, column in enumerate(strata):
        distinct = kept[f"stratum{i}"].n_unique()
        if distinct > MAX_STRATUM_VALUES:
            raise InvalidInput(
                f"strata[{i}]",
                f"column {column!r} has {distinct} distinct values; strata are categories "
                f"(at most {MAX_STRATUM_VALUES}): group a continuous variable such as age first",
            )
    return kept, frame.height - kept.height


@dataclass(frozen=True, slots=True)
class _Tally:
    """The counts as one array per column, a pair per element (sorted by drug and event code)."""

    drug: pl.Series
    event: pl.Series
    n: npt.NDArray[np.int64]
    n_drug: npt.NDArray[np.int64]
    n_event: npt.NDArray[np.int64]
    expected: npt.NDArray[np.float64]
    reports: int
    rows_dropped: int


def count_pairs(
    frame: pl.DataFrame,
    report_col: str,
    drug_col: str,
    event_col: str,
    strata: Sequence[str] = (),
) -> Counts:
    """Unique-report counts of every drug-event pair, its margins and its expected count.

    Pairs are counted by sorting one packed 64-bit key per row, (drug, event, report), rather
    than by hashing: after the sort the distinct keys of a pair are adjacent, so N is a run
    length. ``benchmarks/pv_disproportionality.py`` compares it with the plain
    ``group_by(drug, event).agg(n_unique(report))``. Margins are hash group-bys by one column.
    """
    tally = _tally(frame, report_col, drug_col, event_col, strata)
    pairs = pl.DataFrame(
        [
            tally.drug,
            tally.event,
            pl.Series("n", tally.n),
            pl.Series("n_drug", tally.n_drug),
            pl.Series("n_event", tally.n_event),
            pl.Series("expected", tally.expected),
        ]
    )
    return Counts(pairs=pairs, reports=tally.reports, rows_dropped=tally.rows_dropped)


def _tally(
    frame: pl.DataFrame,
    report_col: str,
    drug_col: str,
    event_col: str,
    strata: Sequence[str] = (),
) -> _Tally:
    data, dropped = _prepare(frame, report_col, drug_col, event_col, strata)
    report = _Column(data, "report")
    drug = _Column(data, "drug")
    event = _Column(data, "event")
    if report.bits + drug.bits + event.bits > 64:
        # Sparse report ids (say, 40-bit numbers): their dense rank always fits.
        data = data.with_columns(pl.col("report").rank("dense").cast(pl.Int64))
        report = _Column(data, "report")
    if report.bits + drug.bits + event.bits > 64:
        raise InvalidInput(drug_col, "too many distinct drugs and events to pack in 64 bits")

    key = data.select(
        drug.code() * (1 << (event.bits + report.bits))
        + event.code() * (1 << report.bits)
        + report.code()
    ).to_series()
    ordered = np.sort(key.to_numpy())
    del key
    distinct = np.empty(ordered.size, dtype=bool)
    distinct[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=distinct[1:])
    pair_keys = ordered[distinct]
    del ordered, distinct
    np.right_shift(pair_keys, np.uint64(report.bits), out=pair_keys)
    new_pair = np.empty(pair_keys.size, dtype=bool)
    new_pair[0] = True
    np.not_equal(pair_keys[1:], pair_keys[:-1], out=new_pair[1:])
    starts = np.flatnonzero(new_pair)
    del new_pair
    n = np.diff(starts, append=pair_keys.size).astype(np.int64)
    pair_keys = pair_keys[starts]
    del starts
    drug_codes = pair_keys >> np.uint64(event.bits)
    np.bitwise_and(pair_keys, np.uint64((1 << event.bits) - 1), out=pair_keys)
    event_codes = pair_keys
    del pair_keys

    categorical = {
        name: isinstance(frame.schema[source], pl.Categorical | pl.Enum)
        for name, source in (("drug", drug_col), ("event", event_col))
    }
    drugs = _Margin(data, drug, categorical["drug"])
    events = _Margin(data, event, categorical["event"])
    reports = int(data["report"].n_unique())
    n_drug = drugs.count[drug_codes]
    n_event = events.count[event_codes]
    if len(strata) == 0:
        expected = n_drug * (n_event / reports)
    else:
        expected = _stratified_expected(data, drug, event, len(strata), drug_codes, event_codes)
    return _Tally(
        drug=drugs.decode(drug_codes, "drug"),
        event=events.decode(event_codes, "event"),
        n=n,
        n_drug=n_drug.astype(np.int64),
        n_event=n_event.astype(np.int64),
        expected=expected,
        reports=reports,
        rows_dropped=dropped,
    )


def _stratified_expected(
    data: pl.DataFrame,
    drug: _Column,
    event: _Column,
    strata: int,
    drug_codes: Codes,
    event_codes: Codes,
) -> npt.NDArray[np.float64]:
    """E = Σ_s N_drug,s · N_event,s / N_total,s over the strata the report falls in."""
    # One stratum id per combination of the stratum columns (a missing value is a category).
    names = [f"stratum{i}" for i in range(strata)]
    combined = data.select(
        *[c for c in ("report", "drug", "event")],
        stratum=pl.struct(names).rank("dense").cast(pl.Int64) - 1,
    )
    totals = combined.group_by("stratum").agg(pl.col("report").n_unique().alias("n"))
    expected = np.zeros(drug_codes.size)
    per_stratum = {
        name: combined.group_by("stratum", name).agg(pl.col("report").n_unique().alias("n"))
        for name in ("drug", "event")
    }
    columns = {"drug": drug, "event": event}
    for stratum, total in totals.iter_rows():
        counts = {}
        for name, table in per_stratum.items():
            rows = table.filter(pl.col("stratum") == stratum)
            codes = rows.select(columns[name].code().cast(pl.Int64)).to_series().to_numpy()
            count = np.zeros(columns[name].top + 1)
            count[codes] = rows["n"].to_numpy()
            counts[name] = count
        expected += counts["drug"][drug_codes] * (counts["event"][event_codes] / total)
    return expected


# The frequentist measures in the order frequentist_measures adds them.
_MEASURES = (
    "rr",
    "prr",
    "chi2_yates",
    "ror",
    "ic",
    "ic025",
    "ic975",
    "prr_lower",
    "prr_upper",
    "ror_lower",
    "ror_upper",
)
# Pairs per slice when the measures are written into preallocated arrays.
_SLICE = 1 << 19


def frequentist_measures(pairs: pl.DataFrame, reports: int) -> pl.DataFrame:
    """Add rr, prr (with CI), chi2_yates, ror (with CI), ic, ic025 and ic975 to a frame with
    n, n_drug, n_event and expected."""
    counts = mgps.CountIndex(pairs["n"].cast(pl.Int64).to_numpy())
    low, high = _ic_quantiles(counts)
    inputs = pairs.select("n", "n_drug", "n_event", "expected").with_columns(
        _ic_low=pl.Series(low[counts.index]), _ic_high=pl.Series(high[counts.index])
    )
    return pairs.hstack(_measures(inputs, reports).get_columns())


def _measures(inputs: pl.DataFrame, reports: int) -> pl.DataFrame:
    """The columns of :data:`_MEASURES` from n, n_drug, n_event, expected and the IC's gamma
    quantiles ``_ic_low``, ``_ic_high``; row by row, so slices of a table can go one at a time."""
    n = pl.col("n").cast(pl.Float64)
    a = n
    b = pl.col("n_drug").cast(pl.Float64) - n
    c = pl.col("n_event").cast(pl.Float64) - n
    d = reports - pl.col("n_drug").cast(pl.Float64) - pl.col("n_event").cast(pl.Float64) + n
    # |ad − bc| is formed in exact integer arithmetic: in floating point the two products,
    # each up to ~1e14 at FAERS scale, would cancel to a few units of error.
    ni = pl.col("n").cast(pl.Int64)
    bi = pl.col("n_drug").cast(pl.Int64) - ni
    ci = pl.col("n_event").cast(pl.Int64) - ni
    di = reports - pl.col("n_drug").cast(pl.Int64) - pl.col("n_event").cast(pl.Int64) + ni
    cross = (ni * di - bi * ci).abs().cast(pl.Float64)
    total = float(reports)
    prr_se = (1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)).sqrt()
    ror_se = (1 / a + 1 / b + 1 / c + 1 / d).sqrt()
    return inputs.select(
        rr=n / pl.col("expected"),
        prr=(a / (a + b)) / (c / (c + d)),
        chi2_yates=total
        * (cross - total / 2).clip(lower_bound=0) ** 2
        / ((a + b) * (c + d) * (a + c) * (b + d)),
        ror=(a * d) / (b * c),
        ic=((n + 0.5) / (pl.col("expected") + 0.5)).log(2),
        ic025=(pl.col("_ic_low") / (pl.col("expected") + 0.5)).log(2),
        ic975=(pl.col("_ic_high") / (pl.col("expected") + 0.5)).log(2),
        _prr_se=prr_se,
        _ror_se=ror_se,
    ).select(
        pl.exclude("_prr_se", "_ror_se"),
        prr_lower=(pl.col("prr").log() - _Z * pl.col("_prr_se")).exp(),
        prr_upper=(pl.col("prr").log() + _Z * pl.col("_prr_se")).exp(),
        ror_lower=(pl.col("ror").log() - _Z * pl.col("_ror_se")).exp(),
        ror_upper=(pl.col("ror").log() + _Z * pl.col("_ror_se")).exp(),
    )


def _measures_into(tally: _Tally, out: dict[str, npt.NDArray[np.float64]]) -> None:
    """Write the measures of every pair into ``out`` (one float64 array per measure), a slice
    at a time, so that no more than a slice of intermediates exists at once."""
    counts = mgps.CountIndex(tally.n, index=False)
    low, high = _ic_quantiles(counts)
    for start in range(0, tally.n.size, _SLICE):
        rows = slice(start, start + _SLICE)
        k = counts.lookup(tally.n[rows])
        inputs = pl.DataFrame(
            [
                pl.Series("n", tally.n[rows]),
                pl.Series("n_drug", tally.n_drug[rows]),
                pl.Series("n_event", tally.n_event[rows]),
                pl.Series("expected", tally.expected[rows]),
                pl.Series("_ic_low", low[k]),
                pl.Series("_ic_high", high[k]),
            ]
        )
        measures = _measures(inputs, tally.reports)
        for name in _MEASURES:
            out[name][rows] = measures[name].to_numpy()


def _ic_quantiles(
    counts: mgps.CountIndex,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Quantiles of Gamma(N + 0.5, 1) at 2.5 % and 97.5 % for each distinct N of ``counts``;
    divided by E + 0.5 they are the posterior quantiles of the observed-to-expected ratio.
    They depend on N alone, so they are computed once per distinct N."""
    shape = counts.values.astype(np.float64) + 0.5
    low = np.asarray(special.gammaincinv(shape, 0.025), dtype=np.float64)
    high = np.asarray(special.gammaincinv(shape, 0.975), dtype=np.float64)
    return low, high


def disproportionality(
    frame: pl.DataFrame,
    report_col: str,
    drug_col: str,
    event_col: str,
    strata: Sequence[str] | None = None,
    hyper: Hyper | str = "auto",
    progress: Progress | None = None,
) -> Result:
    """Every measure for every drug-event pair with N ≥ 1 of a long-format frame.

    ``hyper`` is ``"auto"`` (fit the MGPS prior by maximum likelihood, squashing large tables)
    or the hyperparameters to use. Pure: reads nothing but its arguments.
    """
    say = progress or (lambda stage: None)
    if isinstance(hyper, str) and hyper != "auto":
        try:
            hyper = Hyper.parse(hyper)
        except ValueError as exc:
            raise InvalidInput("hyper", str(exc)) from None
    say("counting unique reports per pair")
    tally = _tally(frame, report_col, drug_col, event_col, strata or ())
    n, e = tally.n, tally.expected
    fit: mgps.Fit | None = None
    if isinstance(hyper, Hyper):
        chosen = hyper
    else:
        say("fitting the MGPS prior")
        try:
            fit = mgps.fit(n, e)
        except ValueError as exc:
            raise InvalidInput("hyper", str(exc)) from None
        chosen = fit.hyper
    # −log L on all pairs needs a few arrays of the table's length for a moment: it comes
    # before the result's arrays exist, so the two never add up.
    neg_log_l = mgps.neg_log_likelihood(chosen, n, e)
    # Every result column is allocated once, filled a slice at a time and handed to Polars
    # without a copy; the frame is built once, at the end.
    say("PRR, ROR, chi-square, IC")
    measures = {name: np.empty(n.size) for name in _MEASURES}
    _measures_into(tally, measures)
    say("EBGM, EB05, EB95")
    post = mgps.posterior(
        chosen,
        n,
        e,
        out=mgps.Posterior(
            qn=np.empty(n.size), ebgm=np.empty(n.size), eb05=np.empty(n.size), eb95=np.empty(n.size)
        ),
    )
    columns: dict[str, pl.Series | npt.NDArray[np.generic]] = {
        "drug": tally.drug,
        "event": tally.event,
        "n": n,
        "expected": e,
        **measures,
        "ebgm": post.ebgm,
        "eb05": post.eb05,
        "eb95": post.eb95,
        "n_drug": tally.n_drug,
        "n_event": tally.n_event,
        "qn": post.qn,
    }
    pairs = pl.DataFrame(
        [pl.Series(name, columns[name]) for name in (*PAIR_COLUMNS, "n_drug", "n_event", "qn")]
    )
    return Result(
        pairs=pairs,
        hyper=chosen,
        neg_log_likelihood=neg_log_l if math.isfinite(neg_log_l) else math.nan,
        reports=tally.reports,
        rows_dropped=tally.rows_dropped,
        fit=fit,
    )
