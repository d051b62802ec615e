"""DuMouchel's Multi-item Gamma Poisson Shrinker (MGPS): prior fit, EBGM and its quantiles.

The model (DuMouchel 1999, *The American Statistician* 53:177-190): the count N of a drug-event
pair is Poisson(λ·E) given its expected count E, and λ is drawn from a mixture of two gammas,

    λ ~ P·Gamma(α1, β1) + (1 − P)·Gamma(α2, β2)        (shape α, rate β).

So N is marginally a mixture of two negative binomials, and the five hyperparameters are fitted by
maximum likelihood on the observed (N, E) pairs. Only pairs with N ≥ 1 are observed, so the
likelihood is the one truncated at N ≥ 1 (DuMouchel & Pregibon 2001; openEBGM's ``negLL`` with
``N_star = 1``). Given N = n the posterior of λ is again a two-gamma mixture, with shapes α + n,
rates β + E and weight Qn on the first component; EBGM = exp(E[log λ | n]) and EB05/EB95 are its
5th and 95th percentiles.

Everything here is vectorised over pairs with NumPy/SciPy. Terms that depend only on n (log-gamma,
digamma, the component quantiles) are computed once per distinct n and gathered, because a large
table has millions of pairs but only a few thousand distinct counts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import optimize, special

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

# openEBGM's parameter limit is 100; the search space is a little wider so that a fit that
# wants to leave it shows up as a bound hit rather than as a silently clipped answer.
_BOUND_LOW = 1e-4
_BOUND_HIGH = 1e3
_P_LOW = 1e-6
# Tables with more pairs than this are squashed before the fit (about 50 ms per likelihood
# evaluation at this size; openEBGM recommends at most ~20,000 points for its R optimisers).
SQUASH_ABOVE = 200_000
# Width of a squashing bin in log E: points with the same N whose E differ by less than 1 %
# share a bin (5 % for the first, exploring fits).
SQUASH_LOG_WIDTH = 0.01
COARSE_SQUASH_LOG_WIDTH = 0.05
# Pairs per chunk of the posterior. Small enough that the worker threads' temporaries (a few
# dozen arrays a chunk) do not pile up in their malloc arenas: with 1 << 19 the arenas kept
# ~10 % of the result's size in RSS, with 1 << 17 about 2 %, for no more CPU time.
_CHUNK = 1 << 17
# Above this many pairs, EB05/EB95 of frequent counts are interpolated on a grid of E
# (see _QuantileGrid); below it every pair is solved on its own.
INTERPOLATE_ABOVE = 200_000
GRID_STEP = 0.02
GRID_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Hyper:
    """The prior's hyperparameters: shapes α, rates β of the two gammas and the weight P of
    the first. Component 1 is reported as the one with the larger prior mean α/β (the
    "signal" component), so that fits from different starting points compare directly."""

    alpha1: float
    beta1: float
    alpha2: float
    beta2: float
    p: float

    @classmethod
    def parse(cls, text: str) -> Hyper:
        """``"a1,b1,a2,b2,p"`` → Hyper; raises ValueError naming what is wrong."""
        parts = [part.strip() for part in text.split(",")]
        if len(parts) != 5:
            raise ValueError(f"expected five numbers a1,b1,a2,b2,p; got {len(parts)}")
        try:
            values = [float(part) for part in parts]
        except ValueError:
            raise ValueError(f"not numbers: {text!r}") from None
        hyper = cls(*values)
        hyper.check()
        return hyper

    def check(self) -> None:
        for name in ("alpha1", "beta1", "alpha2", "beta2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, not {value}")
        if not 0 < self.p < 1:
            raise ValueError(f"p must lie strictly between 0 and 1, not {self.p}")

    def canonical(self) -> Hyper:
        if self.alpha1 / self.beta1 >= self.alpha2 / self.beta2:
            return self
        return Hyper(self.alpha2, self.beta2, self.alpha1, self.beta1, 1 - self.p)

    def as_tuple(self) -> tuple[float, float, float, float, float]:
        return (self.alpha1, self.beta1, self.alpha2, self.beta2, self.p)

    def __str__(self) -> str:
        return ",".join(f"{value:.8g}" for value in self.as_tuple())


# openEBGM's vignette starting points (DuMouchel's "lightly justified" guess among them).
DEFAULT_STARTS: tuple[Hyper, ...] = (
    Hyper(0.2, 0.1, 2.0, 4.0, 1 / 3),
    Hyper(0.1, 0.1, 10.0, 10.0, 0.2),
    Hyper(0.3, 0.5, 6.0, 6.0, 0.5),
    Hyper(0.5, 0.3, 12.0, 12.0, 0.8),
    Hyper(0.2, 0.2, 5.0, 5.0, 0.4),
)


class CountIndex:
    """Maps each pair to its distinct count (``values[index]`` is ``n``), so that terms that
    depend on the count alone are computed once per distinct count.

    With ``index=False`` only the distinct counts are kept, and :meth:`lookup` gives the index
    of a slice of pairs when it is needed: a table of millions of pairs then holds no
    pair-length index array.
    """

    def __init__(self, n: Ints, index: bool = True) -> None:
        top = int(n.max()) if n.size else 0
        self._position: Ints | None = None
        if top <= max(1 << 20, n.size):
            present = np.zeros(top + 1, dtype=bool)
            present[n] = True
            self.values: Ints = np.flatnonzero(present).astype(np.int64)
            position = np.zeros(top + 1, dtype=np.int64)
            position[self.values] = np.arange(self.values.size)
            self._position = position
            self.index: Ints = position[n] if index else np.empty(0, dtype=np.int64)
        elif index:
            self.values, self.index = np.unique(n, return_inverse=True)
        else:
            self.values = np.unique(n)
            self.index = np.empty(0, dtype=np.int64)

    def lookup(self, n: Ints) -> Ints:
        """The index of each count in ``n`` (all of them among the counts indexed)."""
        if self._position is not None:
            return self._position[n]
        return np.searchsorted(self.values, n).astype(np.int64)

    def subset(self, rows: slice) -> CountIndex:
        part = object.__new__(CountIndex)
        part.values = self.values
        part.index = self.index[rows]
        part._position = self._position
        return part


def _component_log_pmf(
    alpha: float, beta: float, n: Ints, counts: CountIndex, log_e: Floats, log_be: Floats
) -> tuple[Floats, Floats]:
    """log NegBin(n; α, β/(β+E)) and log P(N = 0) for one component."""
    values = counts.values.astype(np.float64)
    per_count = (
        special.gammaln(alpha + values) - special.gammaln(alpha) - special.gammaln(values + 1)
    )
    ell = math.log(beta) - log_be  # log(β / (β + E))
    log_pmf = per_count[counts.index] + alpha * ell + n * (log_e - log_be)
    return log_pmf, alpha * ell


def _log_truncation(log_p0: Floats) -> Floats:
    """log(1 − P(N = 0)), accurate when P(N = 0) is close to 1 (tiny E)."""
    return np.log(-np.expm1(log_p0))


def neg_log_likelihood(hyper: Hyper, n: Ints, e: Floats, weight: Floats | None = None) -> float:
    """−log L of the pairs under the prior, the marginal truncated at N ≥ 1.

    The same quantity as openEBGM's ``negLL(theta, N, E, N_star = 1)`` (or ``negLLsquash`` with
    weights), including the log n! constant, so values compare directly with theirs.
    """
    counts = CountIndex(n)
    log_e = np.log(e)
    terms = []
    for alpha, beta, weight_log in (
        (hyper.alpha1, hyper.beta1, math.log(hyper.p)),
        (hyper.alpha2, hyper.beta2, math.log1p(-hyper.p)),
    ):
        log_be = np.log(beta + e)
        log_pmf, log_p0 = _component_log_pmf(alpha, beta, n, counts, log_e, log_be)
        terms.append(weight_log + log_pmf - _log_truncation(log_p0))
    log_l = np.logaddexp(terms[0], terms[1])
    return float(-(log_l.sum() if weight is None else np.dot(weight, log_l)))


@dataclass(frozen=True, slots=True)
class Squashed:
    """Pairs binned by N and by E (bins of width ``SQUASH_LOG_WIDTH`` in log E); each point
    carries the mean E of its bin and the number of pairs in it as its weight."""

    n: Ints
    e: Floats
    weight: Floats


def squash(
    n: Ints, e: Floats, log_width: float = SQUASH_LOG_WIDTH, weight: Floats | None = None
) -> Squashed:
    """Data squashing (DuMouchel & Pregibon 2001) as openEBGM's ``squashData`` does it: points
    with the same N and similar E become one point at the bin's mean E, weighted by its size.

    openEBGM sorts each N's points by E and cuts them into bins of a fixed number of points
    (keeping the largest E unsquashed); here bins have a fixed width in log E instead, which
    needs no sort, bounds the spread of E within every bin, and leaves sparse regions (large
    E, large N) practically unsquashed by itself. Already weighted points (a finer squash)
    can be squashed again: the bin's E is then the weighted mean.
    """
    frame = pl.DataFrame(
        {"n": n, "e": e, "w": np.ones(n.size) if weight is None else weight}
    ).with_columns(bin=(pl.col("e").log() / log_width).floor().cast(pl.Int64))
    points = (
        frame.group_by("n", "bin")
        .agg(e=(pl.col("e") * pl.col("w")).sum() / pl.col("w").sum(), w=pl.col("w").sum())
        .sort("n", "e")
    )
    return Squashed(
        n=points["n"].to_numpy().astype(np.int64),
        e=points["e"].to_numpy().astype(np.float64),
        weight=points["w"].to_numpy().astype(np.float64),
    )


def _collapse(n: Ints, e: Floats) -> Squashed:
    points = pl.DataFrame({"n": n, "e": e}).group_by("n", "e").len().sort("n", "e")
    return Squashed(
        n=points["n"].to_numpy().astype(np.int64),
        e=points["e"].to_numpy().astype(np.float64),
        weight=points["len"].to_numpy().astype(np.float64),
    )


def _to_free(hyper: Hyper) -> Floats:
    return np.array(
        [
            math.log(hyper.alpha1),
            math.log(hyper.beta1),
            math.log(hyper.alpha2),
            math.log(hyper.beta2),
            math.log(hyper.p / (1 - hyper.p)),
        ]
    )


def _from_free(x: Floats) -> Hyper:
    a1, b1, a2, b2 = (float(v) for v in np.exp(x[:4]))
    return Hyper(a1, b1, a2, b2, float(special.expit(x[4])))


class _Objective:
    """−log L and its gradient in the free parameters (log α, log β, logit P).

    Derivatives of the truncated negative binomial f* = f / (1 − p0), with ℓ = log(β/(β+E)),
    p0 = exp(αℓ) and ρ = p0/(1 − p0) = 1/expm1(−αℓ):
        ∂ log f*/∂α = ψ(α+n) − ψ(α) + ℓ·(1 + ρ)
        ∂ log f*/∂β = α/β − (α+n)/(β+E) + ρ·αE/(β(β+E))
    and ∂ log L/∂θ_k = r_k ∂ log f*_k/∂θ_k with r_k the posterior weight of component k.
    """

    def __init__(self, n: Ints, e: Floats, weight: Floats) -> None:
        self.n = n
        self.e = e
        self.weight = weight
        self.counts = CountIndex(n)
        self.values = self.counts.values.astype(np.float64)
        self.log_e = np.log(e)
        # The optimiser sees the mean −log L per pair: its tolerances are then the same for
        # a table of a thousand pairs and for one of ten million.
        self.scale = 1.0 / float(weight.sum())
        self.evaluations = 0

    def __call__(self, x: Floats) -> tuple[float, Floats]:
        self.evaluations += 1
        hyper = _from_free(x)
        n, e, index = self.n, self.e, self.counts.index
        parts = []
        for alpha, beta in ((hyper.alpha1, hyper.beta1), (hyper.alpha2, hyper.beta2)):
            log_be = np.log(beta + e)
            log_pmf, log_p0 = _component_log_pmf(alpha, beta, n, self.counts, self.log_e, log_be)
            rho = 1.0 / np.expm1(-log_p0)
            ell = log_p0 / alpha
            digamma = special.digamma(alpha + self.values) - special.digamma(alpha)
            d_alpha = digamma[index] + ell * (1 + rho)
            d_beta = alpha / beta - (alpha + n) / (beta + e) + rho * alpha * e / (beta * (beta + e))
            parts.append((log_pmf - _log_truncation(log_p0), d_alpha * alpha, d_beta * beta))
        (log_f1, da1, db1), (log_f2, da2, db2) = parts
        t1 = math.log(hyper.p) + log_f1
        t2 = math.log1p(-hyper.p) + log_f2
        log_l = np.logaddexp(t1, t2)
        r1 = np.exp(t1 - log_l)
        r2 = 1.0 - r1
        w = self.weight * self.scale
        gradient = -np.array(
            [
                np.dot(w, r1 * da1),
                np.dot(w, r1 * db1),
                np.dot(w, r2 * da2),
                np.dot(w, r2 * db2),
                np.dot(w, r1 - hyper.p),
            ]
        )
        return float(-np.dot(w, log_l)), gradient


@dataclass(frozen=True, slots=True)
class Attempt:
    start: Hyper
    hyper: Hyper
    neg_log_likelihood: float
    converged: bool
    at_bound: bool
    message: str


@dataclass(frozen=True, slots=True)
class Fit:
    """The chosen hyperparameters and how they were found.

    ``attempts`` lists one optimisation per starting point and, when the pairs were squashed,
    a last one that polishes the best of them on the finer squash. Each attempt's
    ``neg_log_likelihood`` is on the points it saw; :func:`neg_log_likelihood` gives it on any
    set of pairs.
    """

    hyper: Hyper
    neg_log_likelihood: float
    squashed_points: int | None
    at_bound: bool
    attempts: tuple[Attempt, ...]


_BOUNDS = [(math.log(_BOUND_LOW), math.log(_BOUND_HIGH))] * 4 + [
    (math.log(_P_LOW / (1 - _P_LOW)), math.log((1 - _P_LOW) / _P_LOW))
]


def _attempt(objective: _Objective, start: Hyper) -> Attempt:
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        result = optimize.minimize(
            objective,
            _to_free(start),
            jac=True,
            method="L-BFGS-B",
            bounds=_BOUNDS,
            options={"maxiter": 500, "ftol": 1e-13, "gtol": 1e-8},
        )
    x = np.asarray(result.x, dtype=np.float64)
    at_bound = any(
        abs(value - low) < 1e-6 or abs(value - high) < 1e-6
        for value, (low, high) in zip(x, _BOUNDS, strict=True)
    )
    value = float(result.fun) / objective.scale
    # L-BFGS-B reports an "abnormal" line search when it can no longer decrease −log L in
    # floating point; where the gradient vanishes that is convergence all the same.
    gradient = np.asarray(result.jac, dtype=np.float64)
    stationary = float(np.max(np.abs(gradient))) <= 1e-6
    return Attempt(
        start=start,
        hyper=_from_free(x).canonical(),
        neg_log_likelihood=value,
        converged=(bool(result.success) or stationary) and math.isfinite(value),
        at_bound=at_bound,
        message=str(result.message),
    )


def fit(
    n: Ints,
    e: Floats,
    starts: Sequence[Hyper] = DEFAULT_STARTS,
    squash_above: int = SQUASH_ABOVE,
) -> Fit:
    """Maximum-likelihood hyperparameters from several starting points (L-BFGS-B, bounded).

    Raises ValueError when no start converges inside the bounds.
    """
    if n.size == 0:
        raise ValueError("no pairs to fit the prior to")
    squashed: Squashed | None = None
    if n.size > squash_above:
        # Explore from every start on a coarse squash, then polish the best end point on a
        # fine one: the fine squash is within ~1e-10 of the full likelihood (relative), the
        # coarse one within ~1e-7, and costs a fifth as much per evaluation.
        squashed = squash(n, e, SQUASH_LOG_WIDTH)
        coarse = squash(squashed.n, squashed.e, COARSE_SQUASH_LOG_WIDTH, squashed.weight)
        explore = _Objective(coarse.n, coarse.e, coarse.weight)
        polish: _Objective | None = _Objective(squashed.n, squashed.e, squashed.weight)
    else:
        # Pairs with the same N and the same E (common: many rare drugs with rare events)
        # contribute identical terms; weighting one copy by their number loses nothing.
        same = _collapse(n, e)
        explore = _Objective(same.n, same.e, same.weight)
        polish = None
    attempts = [_attempt(explore, start) for start in starts]
    converged = [a for a in attempts if a.converged]
    if not converged:
        raise ValueError(
            "the prior fit did not converge from any starting point; "
            "give the hyperparameters explicitly"
        )
    # An optimum on a bound (a component that wants zero weight or a log-series limit, α → 0)
    # is still the best prior in the search space, but an interior one is preferred, as
    # openEBGM does.
    best = min(converged, key=lambda a: (a.at_bound, a.neg_log_likelihood))
    if polish is not None:
        polished = _attempt(polish, best.hyper)
        attempts.append(polished)
        if polished.converged:
            best = polished
    return Fit(
        hyper=best.hyper,
        neg_log_likelihood=best.neg_log_likelihood,
        squashed_points=None if squashed is None else int(squashed.n.size),
        at_bound=best.at_bound,
        attempts=tuple(attempts),
    )


@dataclass(frozen=True, slots=True)
class Posterior:
    """Per pair: Qn (posterior weight of component 1), EBGM, EB05 and EB95 (unrounded)."""

    qn: Floats
    ebgm: Floats
    eb05: Floats
    eb95: Floats


def posterior(
    hyper: Hyper,
    n: Ints,
    e: Floats,
    threads: int | None = None,
    interpolate_above: int = INTERPOLATE_ABOVE,
    out: Posterior | None = None,
) -> Posterior:
    """Qn, EBGM and the 5th/95th posterior percentiles of every pair.

    Qn = P f1(n) / (P f1(n) + (1 − P) f2(n)) with the untruncated negative binomials (given
    N = n the truncation at N ≥ 1 cancels); E[log λ | n] = Σ_k w_k (ψ(α_k + n) − log(β_k + E))
    (DuMouchel 1999, eqs. 6, 9-11). Quantiles are solved pair by pair (:func:`_solve`); in
    tables of more than ``interpolate_above`` pairs, counts shared by many pairs are solved on
    a grid of E instead and interpolated (:class:`_QuantileGrid`). Work is split into chunks
    run on ``threads`` threads (SciPy's special functions release the GIL); nothing of the
    length of the table is allocated but the four results, which are written into ``out``
    when it is given (four float64 arrays of ``n``'s length).
    """
    counts = CountIndex(n, index=False)
    tables = _CountTables(hyper, counts.values.astype(np.float64))
    if out is None:
        out = Posterior(qn=np.empty(n.size), ebgm=np.empty(n.size), eb05=np.empty(n.size),
                        eb95=np.empty(n.size))  # fmt: skip
    qn, ebgm, eb05, eb95 = out.qn, out.ebgm, out.eb05, out.eb95
    grid = None
    if n.size > interpolate_above:
        grid = _QuantileGrid(tables, counts, n, e)

    def work(rows: slice) -> None:
        k = counts.lookup(n[rows])
        chunk_e = e[rows]
        chunk_log_e = np.log(chunk_e)
        q, log_be1, log_be2 = tables.qn(k, chunk_e, chunk_log_e)
        qn[rows] = q
        ebgm[rows] = np.exp(
            q * (tables.digamma1[k] - log_be1) + (1 - q) * (tables.digamma2[k] - log_be2)
        )
        del log_be1, log_be2
        for result, prob in ((eb05, 0.05), (eb95, 0.95)):
            values = np.empty(k.size)
            if grid is None:
                exact = np.ones(k.size, dtype=bool)
            else:
                inside = grid.covers(prob, k, chunk_log_e)
                values[inside] = grid.evaluate(prob, k[inside], chunk_log_e[inside])
                exact = ~inside
            values[exact] = _solve(prob, q[exact], k[exact], chunk_e[exact], tables)
            result[rows] = values

    _in_chunks(work, n.size, threads)
    return out


def _in_chunks(work: Callable[[slice], None], size: int, threads: int | None) -> None:
    chunks = [slice(start, min(start + _CHUNK, size)) for start in range(0, size, _CHUNK)]
    workers = min(threads or os.cpu_count() or 1, len(chunks))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        if workers <= 1:
            for rows in chunks:
                work(rows)
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(work, chunks))


class _CountTables:
    """Everything about the posterior that depends on the count n alone, per distinct n."""

    def __init__(self, hyper: Hyper, values: Floats) -> None:
        self.hyper = hyper
        self.values = values
        self.shape1 = hyper.alpha1 + values
        self.shape2 = hyper.alpha2 + values
        self.digamma1 = special.digamma(self.shape1)
        self.digamma2 = special.digamma(self.shape2)
        self.lgamma1 = special.gammaln(self.shape1)
        self.lgamma2 = special.gammaln(self.shape2)
        # log NegBin(n) = const + (α+n)·(−log(β+E)) + n·log E
        lfact = special.gammaln(values + 1)
        self.const1 = (
            self.lgamma1
            - special.gammaln(hyper.alpha1)
            - lfact
            + hyper.alpha1 * math.log(hyper.beta1)
        )
        self.const2 = (
            self.lgamma2
            - special.gammaln(hyper.alpha2)
            - lfact
            + hyper.alpha2 * math.log(hyper.beta2)
        )
        # Standard-gamma quantiles of each component's posterior; divided by the rate they give
        # the component quantiles, which bracket the mixture's quantile.
        self.inverse = {
            prob: (special.gammaincinv(self.shape1, prob), special.gammaincinv(self.shape2, prob))
            for prob in (0.05, 0.95)
        }

    def qn(self, k: Ints, e: Floats, log_e: Floats) -> tuple[Floats, Floats, Floats]:
        """Qn, log(β1 + E) and log(β2 + E) of pairs with count index ``k``."""
        hyper = self.hyper
        n = self.values[k]
        log_be1 = np.log(hyper.beta1 + e)
        log_be2 = np.log(hyper.beta2 + e)
        # The n·log E term is common to both components and cancels.
        t1 = math.log(hyper.p) + self.const1[k] - self.shape1[k] * log_be1
        t2 = math.log1p(-hyper.p) + self.const2[k] - self.shape2[k] * log_be2
        del n
        return special.expit(t1 - t2), log_be1, log_be2


def _cdf_terms(
    x: Floats, q: Floats, k: Ints, e: Floats, tables: _CountTables
) -> tuple[Floats, Floats, Floats, Floats, Floats, Floats]:
    """At x: the two components' CDFs G1, G2 and x·density φ1, φ2, and the rates."""
    rate1 = tables.hyper.beta1 + e
    rate2 = tables.hyper.beta2 + e
    s1, s2 = tables.shape1[k], tables.shape2[k]
    z1 = rate1 * x
    z2 = rate2 * x
    g1 = special.gammainc(s1, z1)
    g2 = special.gammainc(s2, z2)
    phi1 = np.exp(s1 * np.log(z1) - z1 - tables.lgamma1[k])
    phi2 = np.exp(s2 * np.log(z2) - z2 - tables.lgamma2[k])
    return g1, g2, phi1, phi2, rate1, rate2


def _solve(prob: float, qn: Floats, k: Ints, e: Floats, tables: _CountTables) -> Floats:
    """Solve Qn·G1(x) + (1 − Qn)·G2(x) = prob for x, pair by pair.

    The answer lies between the two component quantiles (at the lower one the mixture CDF is at
    most ``prob``, at the upper one at least), which gives every pair a tight bracket. Inside
    it a safeguarded Newton iteration on log x (bisection whenever Newton would leave the
    bracket) runs until x is known to a relative 1e-10; pairs leave the iteration as they
    converge.
    """
    inverse1, inverse2 = tables.inverse[prob]
    q1 = inverse1[k] / (tables.hyper.beta1 + e)
    q2 = inverse2[k] / (tables.hyper.beta2 + e)
    lo = np.log(np.minimum(q1, q2))
    hi = np.log(np.maximum(q1, q2))
    # Start at the component quantiles' geometric mean weighted by Qn.
    y = np.log(q1) * qn + np.log(q2) * (1 - qn)
    active = np.flatnonzero((hi - lo) > 1e-12)
    for _ in range(100):
        if active.size == 0:
            break
        ya = y[active]
        w = qn[active]
        g1, g2, phi1, phi2, _, _ = _cdf_terms(np.exp(ya), w, k[active], e[active], tables)
        error = w * g1 + (1 - w) * g2 - prob
        slope = w * phi1 + (1 - w) * phi2  # d cdf / d log x
        low = np.where(error < 0, ya, lo[active])
        high = np.where(error < 0, hi[active], ya)
        lo[active] = low
        hi[active] = high
        candidate = ya - error / slope
        # An exact zero puts ya on the bracket's edge; it is the answer, not a reason to bisect.
        outside = ~((candidate > low) & (candidate < high)) & (error != 0)
        candidate = np.where(outside, 0.5 * (low + high), candidate)
        y[active] = candidate
        done = (np.abs(candidate - ya) < 1e-10) | (error == 0) | ((high - low) < 1e-10)
        active = active[~done]
    return np.exp(y)


class _QuantileGrid:
    """EB05/EB95 of counts shared by many pairs, interpolated in log E.

    For such a count n, log q is a smooth function of log E almost everywhere. It is solved
    exactly at points ``GRID_STEP`` apart in log E, together with its slope d log q / d log E
    from the implicit function theorem, and a pair's value is the cubic Hermite interpolant
    between the two points around it (error of order step⁴). Where the posterior is bimodal
    and Qn crosses the percentile, the quantile jumps from one mode to the other within a
    short range of E; to catch that, every segment is also solved exactly at its midpoint,
    and a segment whose interpolant misses the midpoint by more than ``GRID_TOLERANCE``
    (relative) is marked unsafe, with its neighbours: pairs there are solved on their own.
    Counts with fewer pairs than grid points are solved on their own too.
    ``tests/pv/test_mgps.py`` compares the result with the exact solution.
    """

    def __init__(self, tables: _CountTables, counts: CountIndex, n: Ints, e: Floats) -> None:
        self.tables = tables
        # The range of log E and the number of pairs of each count, a slice at a time.
        low, high = math.inf, -math.inf
        frequency = np.zeros(counts.values.size, dtype=np.int64)
        for start in range(0, n.size, _CHUNK):
            rows = slice(start, start + _CHUNK)
            log_e = np.log(e[rows])
            low, high = min(low, float(log_e.min())), max(high, float(log_e.max()))
            frequency += np.bincount(counts.lookup(n[rows]), minlength=counts.values.size)
        self.low = low - GRID_STEP
        points = math.ceil((high + GRID_STEP - self.low) / GRID_STEP) + 1
        self.points = points
        gridded = np.flatnonzero(frequency > 4 * points)
        self.row = np.full(counts.values.size, -1, dtype=np.int64)
        self.row[gridded] = np.arange(gridded.size)
        self.values: dict[float, Floats] = {}
        self.slopes: dict[float, Floats] = {}
        self.safe: dict[float, npt.NDArray[np.bool_]] = {}
        shape = (gridded.size, points)
        offsets = np.arange(points) * GRID_STEP
        with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
            k = np.repeat(gridded, points)
            log_grid = np.tile(self.low + offsets, gridded.size)
            e = np.exp(log_grid)
            qn, _, _ = tables.qn(k, e, log_grid)
            k_mid = np.repeat(gridded, points - 1)
            log_mid = np.tile(self.low + offsets[:-1] + GRID_STEP / 2, gridded.size)
            e_mid = np.exp(log_mid)
            qn_mid, _, _ = tables.qn(k_mid, e_mid, log_mid)
            for prob in (0.05, 0.95):
                x = _solve(prob, qn, k, e, tables)
                self.values[prob] = np.log(x).reshape(shape)
                self.slopes[prob] = _log_slope(x, qn, k, e, tables).reshape(shape)
                self.safe[prob] = np.ones(shape, dtype=bool)  # every segment, for now
                exact_mid = np.log(_solve(prob, qn_mid, k_mid, e_mid, tables))
                guess_mid = np.log(self.evaluate(prob, k_mid, log_mid))
                bad = ~(np.abs(guess_mid - exact_mid) <= GRID_TOLERANCE)
                bad = bad.reshape(gridded.size, points - 1)
                unsafe = np.zeros(shape, dtype=bool)
                unsafe[:, :-1] |= bad
                unsafe[:, 1:-1] |= bad[:, :-1] | bad[:, 1:]
                self.safe[prob] = ~unsafe

    def _segment(self, k: Ints, log_e: Floats) -> tuple[Ints, Ints, Floats]:
        t = (log_e - self.low) / GRID_STEP
        j = np.clip(np.floor(t).astype(np.int64), 0, self.points - 2)
        return self.row[k], j, t - j

    def covers(self, prob: float, k: Ints, log_e: Floats) -> npt.NDArray[np.bool_]:
        """Which pairs the grid answers (the rest are solved exactly)."""
        row, j, _ = self._segment(k, log_e)
        covered = row >= 0
        covered[covered] = self.safe[prob][row[covered], j[covered]]
        return covered

    def evaluate(self, prob: float, k: Ints, log_e: Floats) -> Floats:
        row, j, s = self._segment(k, log_e)
        values, slopes = self.values[prob], self.slopes[prob]
        v0, v1 = values[row, j], values[row, j + 1]
        d0, d1 = slopes[row, j] * GRID_STEP, slopes[row, j + 1] * GRID_STEP
        s2 = s * s
        s3 = s2 * s
        result = (
            (2 * s3 - 3 * s2 + 1) * v0
            + (s3 - 2 * s2 + s) * d0
            + (3 * s2 - 2 * s3) * v1
            + (s3 - s2) * d1
        )
        return np.exp(result)


def _log_slope(x: Floats, qn: Floats, k: Ints, e: Floats, tables: _CountTables) -> Floats:
    """d log x / d log E along F(x; E) = prob, by the implicit function theorem.

    With φ_i = x·density of component i and r_i = β_i + E:
        x·∂F/∂x = Qn φ1 + (1 − Qn) φ2
        E·∂F/∂E = E·Qn'·(G1 − G2) + E·(Qn φ1/r1 + (1 − Qn) φ2/r2),
        E·Qn'   = Qn (1 − Qn)·E·((α2 + n)/r2 − (α1 + n)/r1).
    """
    g1, g2, phi1, phi2, rate1, rate2 = _cdf_terms(x, qn, k, e, tables)
    e_dqn = qn * (1 - qn) * e * (tables.shape2[k] / rate2 - tables.shape1[k] / rate1)
    e_dfe = e_dqn * (g1 - g2) + e * (qn * phi1 / rate1 + (1 - qn) * phi2 / rate2)
    return -e_dfe / (qn * phi1 + (1 - qn) * phi2)
