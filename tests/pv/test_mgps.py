"""MGPS: the likelihood, its gradient, squashing, the fit, and the posterior it gives."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import integrate, stats

from yaojian.pv import mgps
from yaojian.pv.analytics import count_pairs
from yaojian.pv.mgps import Hyper

CAERS = Path(__file__).parent.parent / "data" / "pv" / "caers.csv"
PUBLISHED = Hyper(3.25379356, 0.39988854, 2.02612692, 1.90807970, 0.06534557)
# Another optimiser's answer on the unsquashed table, with openEBGM's −log L = 4162.456.
UNSQUASHED = Hyper(3.25596685, 0.39998994, 2.02376139, 1.90614108, 0.06530755)


@pytest.fixture(scope="module")
def caers_counts() -> tuple[np.ndarray, np.ndarray]:
    pairs = count_pairs(pl.read_csv(CAERS), "id", "var1", "var2").pairs
    return pairs["n"].to_numpy().astype(np.int64), pairs["expected"].to_numpy()


def test_the_likelihood_is_openebgms_truncated_negative_binomial_mixture(
    caers_counts: tuple[np.ndarray, np.ndarray],
) -> None:
    n, e = caers_counts
    assert round(mgps.neg_log_likelihood(UNSQUASHED, n, e), 3) == 4162.456
    # The same sum written out with SciPy's negative binomial, truncated at N ≥ 1.
    terms = []
    for alpha, beta, weight in ((PUBLISHED.alpha1, PUBLISHED.beta1, PUBLISHED.p),
                                (PUBLISHED.alpha2, PUBLISHED.beta2, 1 - PUBLISHED.p)):  # fmt: skip
        p = beta / (beta + e)
        terms.append(weight * stats.nbinom.pmf(n, alpha, p) / stats.nbinom.sf(0, alpha, p))
    assert mgps.neg_log_likelihood(PUBLISHED, n, e) == pytest.approx(
        -np.log(terms[0] + terms[1]).sum(), rel=1e-12
    )


def test_the_gradient_agrees_with_finite_differences(
    caers_counts: tuple[np.ndarray, np.ndarray],
) -> None:
    n, e = caers_counts
    objective = mgps._Objective(n, e, np.ones(n.size))
    for hyper in (mgps.DEFAULT_STARTS[0], PUBLISHED):
        x = mgps._to_free(hyper)
        _, gradient = objective(x)
        step = 1e-5
        central = [
            (objective(x + step * unit)[0] - objective(x - step * unit)[0]) / (2 * step)
            for unit in np.eye(5)
        ]
        assert gradient == pytest.approx(central, rel=1e-5, abs=1e-8)


def test_squashing_keeps_every_pair_and_almost_all_the_likelihood(
    caers_counts: tuple[np.ndarray, np.ndarray],
) -> None:
    n, e = caers_counts
    squashed = mgps.squash(n, e)
    assert squashed.n.size < n.size / 10
    assert squashed.weight.sum() == n.size
    assert np.dot(squashed.weight, squashed.n) == n.sum()
    full = mgps.neg_log_likelihood(PUBLISHED, n, e)
    assert mgps.neg_log_likelihood(
        PUBLISHED, squashed.n, squashed.e, squashed.weight
    ) == pytest.approx(full, abs=0.01)


def test_a_fit_on_squashed_data_is_as_good_as_openebgms(
    caers_counts: tuple[np.ndarray, np.ndarray],
) -> None:
    n, e = caers_counts
    fit = mgps.fit(n, e, squash_above=0)
    assert fit.squashed_points is not None and fit.squashed_points < n.size / 10
    assert mgps.neg_log_likelihood(fit.hyper, n, e) <= 4162.456 + 1e-3
    assert fit.hyper.alpha1 == pytest.approx(UNSQUASHED.alpha1, abs=0.05)
    assert fit.hyper.p == pytest.approx(UNSQUASHED.p, abs=0.005)


def test_the_fit_recovers_a_known_prior_from_simulated_counts() -> None:
    rng = np.random.default_rng(7)
    truth = Hyper(2.0, 0.5, 8.0, 8.0, 0.1)  # 10 % of pairs around λ = 4, the rest around 1
    size = 60_000
    e = np.exp(rng.uniform(np.log(0.05), np.log(20), size))
    first = rng.random(size) < truth.p
    lam = np.where(
        first,
        rng.gamma(truth.alpha1, 1 / truth.beta1, size),
        rng.gamma(truth.alpha2, 1 / 8.0, size),
    )
    n = rng.poisson(lam * e)
    kept = n >= 1  # as in a real table, only pairs that were reported at all
    n, e = n[kept].astype(np.int64), e[kept]
    fit = mgps.fit(n, e)
    # The maximum is at least as high as the likelihood of the truth...
    assert mgps.neg_log_likelihood(fit.hyper, n, e) <= mgps.neg_log_likelihood(truth, n, e)

    # ...and the fitted prior describes λ as the true one does (the two components
    # themselves trade off against each other and are less well determined).
    def prior_mean(h: Hyper) -> float:
        return h.p * h.alpha1 / h.beta1 + (1 - h.p) * h.alpha2 / h.beta2

    def prior_above(h: Hyper, x: float) -> float:
        return float(
            h.p * stats.gamma.sf(x, h.alpha1, scale=1 / h.beta1)
            + (1 - h.p) * stats.gamma.sf(x, h.alpha2, scale=1 / h.beta2)
        )

    assert prior_mean(fit.hyper) == pytest.approx(prior_mean(truth), rel=0.05)
    for x in (0.5, 1.5, 3.0, 6.0):
        assert prior_above(fit.hyper, x) == pytest.approx(prior_above(truth, x), abs=0.02)


def _posterior_cdf(hyper: Hyper, n: int, e: float, qn: float, x: float) -> float:
    first = stats.gamma.cdf(x, hyper.alpha1 + n, scale=1 / (hyper.beta1 + e))
    second = stats.gamma.cdf(x, hyper.alpha2 + n, scale=1 / (hyper.beta2 + e))
    return float(qn * first + (1 - qn) * second)


def test_eb05_and_eb95_are_the_posterior_percentiles(
    caers_counts: tuple[np.ndarray, np.ndarray],
) -> None:
    n, e = caers_counts
    post = mgps.posterior(PUBLISHED, n, e)
    for i in np.random.default_rng(3).choice(n.size, 200, replace=False):
        cdf = _posterior_cdf(PUBLISHED, int(n[i]), float(e[i]), float(post.qn[i]), post.eb05[i])
        assert cdf == pytest.approx(0.05, abs=1e-9)
        cdf = _posterior_cdf(PUBLISHED, int(n[i]), float(e[i]), float(post.qn[i]), post.eb95[i])
        assert cdf == pytest.approx(0.95, abs=1e-9)


def test_ebgm_is_the_geometric_mean_of_the_posterior(
    caers_counts: tuple[np.ndarray, np.ndarray],
) -> None:
    n, e = caers_counts
    post = mgps.posterior(PUBLISHED, n, e)
    h = PUBLISHED
    for i in (0, int(np.argmax(n)), int(np.argmax(post.eb05))):
        k, x = int(n[i]), float(e[i])
        prior = (h.p * stats.nbinom.pmf(k, h.alpha1, h.beta1 / (h.beta1 + x)),
                 (1 - h.p) * stats.nbinom.pmf(k, h.alpha2, h.beta2 / (h.beta2 + x)))  # fmt: skip
        qn = prior[0] / (prior[0] + prior[1])
        assert post.qn[i] == pytest.approx(qn, rel=1e-10)

        def density(lam: float, k: int = k, x: float = x, qn: float = qn) -> float:
            return float(
                qn * stats.gamma.pdf(lam, h.alpha1 + k, scale=1 / (h.beta1 + x))
                + (1 - qn) * stats.gamma.pdf(lam, h.alpha2 + k, scale=1 / (h.beta2 + x))
            )

        mean_log, _ = integrate.quad(lambda lam: math.log(lam) * density(lam), 0, np.inf)
        assert post.ebgm[i] == pytest.approx(math.exp(mean_log), rel=1e-7)


def test_interpolated_quantiles_agree_with_pair_by_pair_ones() -> None:
    # A prior with a narrow background and a diffuse signal component makes the posterior
    # bimodal, where the percentiles jump between modes: the hard case for the grid.
    rng = np.random.default_rng(11)
    hyper = Hyper(234.2, 248.5, 0.02, 0.0155, 0.9533)
    size = 60_000
    n = rng.choice([1, 2, 3, 4], size=size, p=[0.6, 0.2, 0.12, 0.08]).astype(np.int64)
    e = np.exp(rng.uniform(np.log(0.001), np.log(30), size))
    grid = mgps.posterior(hyper, n, e, interpolate_above=0)
    exact = mgps.posterior(hyper, n, e, interpolate_above=10 * size)
    assert np.max(np.abs(grid.eb05 / exact.eb05 - 1)) < 1e-8
    assert np.max(np.abs(grid.eb95 / exact.eb95 - 1)) < 1e-8
    assert np.array_equal(grid.ebgm, exact.ebgm)


def test_hyperparameters_parse_and_refuse_nonsense() -> None:
    assert Hyper.parse("3.25, 0.4, 2.03, 1.91, 0.065") == Hyper(3.25, 0.4, 2.03, 1.91, 0.065)
    for text, message in (("1,2,3", "five numbers"), ("1,2,3,4,x", "not numbers"),
                          ("1,-2,3,4,0.5", "beta1"), ("1,2,3,4,1", "p must")):  # fmt: skip
        with pytest.raises(ValueError, match=message):
            Hyper.parse(text)


def test_components_are_reported_signal_first() -> None:
    swapped = Hyper(2.0, 2.0, 3.0, 0.5, 0.9)
    assert swapped.canonical() == Hyper(3.0, 0.5, 2.0, 2.0, pytest.approx(0.1))
