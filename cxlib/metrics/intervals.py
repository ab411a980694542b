"""The statistics under the metrics: the result type and 95% confidence intervals.

numpy/scipy only, no pandas, no I/O. :class:`MetricResult` is what every metric in
:mod:`cxlib.metrics` returns (re-exported there); the interval helpers (Wilson, t,
order-statistic, seeded bootstrap) work on plain arrays, so the metrics stay a thin layer
of definitions (what is counted) over these (how uncertain it is).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats as st

CONF = 0.95
"""The confidence level of every interval in cxlib."""
Z95 = float(st.norm.ppf(0.5 + CONF / 2))  # 1.959963...
"""The two-sided 95% normal quantile (1.96): the one definition in cxlib, imported where used."""

_BOOT_CHUNK = 2_000_000  # resampled values held in memory at once


@dataclass(frozen=True)
class MetricResult:
    """A metric value with its sample size and 95% confidence interval.

    ``float(result)`` is the value. ``se`` is the standard error behind the CI when one
    exists (used by :func:`cxlib.metrics.compare.compare`); ``nan`` otherwise.

    Examples
    --------
    >>> r = MetricResult("NPS", 25.0, 4, 3.1, 46.9, "points", "normal")
    >>> float(r), str(r)
    (25.0, 'NPS 25.0 (95% CI 3.1 to 46.9, n=4)')
    """

    name: str
    value: float
    n: int
    ci_low: float
    ci_high: float
    unit: str
    method: str
    se: float = math.nan

    def __float__(self) -> float:
        return float(self.value)

    def __str__(self) -> str:
        if self.n == 0 or math.isnan(self.value):
            return f"{self.name} n/a (n={self.n})"
        suffix = {"%": "%", "points": "", "currency": ""}.get(self.unit, f" {self.unit}")
        ci = (
            f"95% CI {self.ci_low:,.1f} to {self.ci_high:,.1f}, "
            if not (math.isnan(self.ci_low) or math.isnan(self.ci_high))
            else "no CI, "
        )
        return f"{self.name} {self.value:,.1f}{suffix} ({ci}n={self.n})"


def empty_result(name: str, unit: str, method: str) -> MetricResult:
    """The result for empty input: value ``nan``, ``n = 0``, no CI."""
    return MetricResult(name, math.nan, 0, math.nan, math.nan, unit, method)


def proportion_result(name: str, k: int, n: int) -> MetricResult:
    """The percentage ``100 * k / n`` with its Wilson 95% CI and binomial SE.

    Examples
    --------
    >>> str(proportion_result("CSAT", 2, 4))
    'CSAT 50.0% (95% CI 15.0 to 85.0, n=4)'
    """
    if n == 0:
        return empty_result(name, "%", "wilson")
    p = k / n
    low, high = wilson(k, n)
    se = math.sqrt(p * (1 - p) / n)
    return MetricResult(name, 100.0 * p, int(n), 100 * low, 100 * high, "%", "wilson", 100 * se)


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion of ``k`` successes in ``n`` trials.

    Parameters
    ----------
    k, n : float
        Successes and trials (``0 <= k <= n``).
    z : float
        Normal quantile; the default gives a 95% interval.

    Returns
    -------
    (low, high) : tuple of float
        Bounds as proportions in [0, 1]; ``(nan, nan)`` when ``n == 0``. The interval always
        contains ``k / n`` (clamped against rounding at 0 and 1).

    Examples
    --------
    >>> [round(b, 4) for b in wilson(2, 4)]
    [0.15, 0.85]
    """
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, min(centre - half, p)), min(1.0, max(centre + half, p))


def t_mean_ci(x: np.ndarray, conf: float = CONF) -> tuple[float, float, float, float]:
    """Mean of ``x`` with a Student-t confidence interval.

    Returns
    -------
    (mean, low, high, se) : tuple of float
        ``nan`` everywhere for empty input; the CI and SE are ``nan`` when ``len(x) < 2``.

    Examples
    --------
    >>> [round(v, 3) for v in t_mean_ci(np.array([1.0, 2.0, 3.0]))]
    [2.0, -0.484, 4.484, 0.577]
    """
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan
    se = float(x.std(ddof=1)) / math.sqrt(n)
    half = float(st.t.ppf(0.5 + conf / 2, n - 1)) * se
    return mean, mean - half, mean + half, se


def median_ci(x: np.ndarray, conf: float = CONF) -> tuple[float, float, float]:
    """Median of ``x`` with the distribution-free (binomial order-statistic) interval.

    The interval is ``[x_(j), x_(n-j+1)]`` with ``j`` the largest rank such that
    ``P(Binomial(n, 0.5) < j) <= (1 - conf) / 2``; its coverage is at least ``conf``.

    Returns
    -------
    (median, low, high) : tuple of float
        The CI is ``nan`` when ``n < 6`` (no pair of order statistics reaches 95%).

    Examples
    --------
    >>> median_ci(np.arange(1.0, 11.0))
    (5.5, 2.0, 9.0)
    """
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan
    xs = np.sort(x)
    med = float(np.median(xs))
    j = int(st.binom.ppf((1 - conf) / 2, n, 0.5))  # P(B <= j-1) < alpha/2 <= P(B <= j)
    if j < 1:
        return med, math.nan, math.nan
    return med, float(xs[j - 1]), float(xs[n - j])


CLT_ROWS = 100_000
"""From this many rows, :func:`bootstrap_sums` draws the sums from their normal limit."""


def bootstrap_sums(columns: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Column sums of ``n_boot`` resamples (rows drawn with replacement) of ``columns``.

    Most bootstrap statistics here (a mean, a ratio of totals) are functions of column
    sums, so only the sums are kept; resampling runs in chunks to bound memory. From
    :data:`CLT_ROWS` rows on, the sums of a resample are normal to any precision that
    matters (the central limit theorem: mean n × the column means, covariance n × the
    columns' covariance), so the sums are drawn from that normal instead of resampling a
    million rows 2,000 times (minutes at 1M customers; the same interval to the third
    digit).

    Parameters
    ----------
    columns : ndarray of shape (n, k)
        One row per independent unit (customer, mention, ...).
    n_boot : int
        Number of resamples.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (n_boot, k)

    Examples
    --------
    >>> sums = bootstrap_sums(np.ones((5, 1)), 3, np.random.default_rng(0))
    >>> sums.ravel().tolist()
    [5.0, 5.0, 5.0]
    """
    n, k = columns.shape
    if n >= CLT_ROWS:  # the resampled sums are normal here: draw them, not the rows
        x = np.asarray(columns, dtype=float)
        cov = np.atleast_2d(np.cov(x, rowvar=False))
        return rng.multivariate_normal(n * x.mean(axis=0), n * cov, size=n_boot, method="eigh")
    out = np.empty((n_boot, k))
    chunk = max(1, _BOOT_CHUNK // max(n * k, 1))
    for start in range(0, n_boot, chunk):
        m = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(m, n))
        out[start : start + m] = columns[idx].sum(axis=1)
    return out


def percentile_ci(replicates: np.ndarray, conf: float = CONF) -> tuple[float, float, float]:
    """Percentile interval and standard error of bootstrap replicates.

    Uses the nearest order statistic, so infinite replicates (e.g. a lifetime estimated
    from a resample with no churn) give an infinite bound rather than ``nan``.

    Returns
    -------
    (low, high, se) : tuple of float
        ``se`` is the standard deviation of the finite replicates.

    Examples
    --------
    >>> percentile_ci(np.arange(1001.0))[:2]
    (25.0, 975.0)
    """
    if replicates.size == 0:
        return math.nan, math.nan, math.nan
    alpha = 1 - conf
    low, high = np.quantile(replicates, [alpha / 2, 1 - alpha / 2], method="nearest")
    finite = replicates[np.isfinite(replicates)]
    se = float(finite.std(ddof=1)) if finite.size > 1 else math.nan
    return float(low), float(high), se


def bootstrap_ci(
    columns: np.ndarray,
    statistic: Callable[[np.ndarray, int], np.ndarray],
    *,
    n_boot: int = 2000,
    random_state: int | np.random.Generator | None = 0,
    conf: float = CONF,
) -> tuple[float, float, float, float]:
    """Seeded percentile bootstrap of a statistic of column sums.

    Parameters
    ----------
    columns : ndarray of shape (n, k)
        One row per resampling unit.
    statistic : callable
        ``statistic(sums, n)`` maps an array of column sums of shape (B, k) to B values.
    n_boot : int
        Number of resamples.
    random_state : int, Generator or None
        Seed; the same seed gives the same interval.

    Returns
    -------
    (estimate, low, high, se) : tuple of float

    Examples
    --------
    >>> mean = lambda sums, n: sums[:, 0] / n
    >>> est, low, high, se = bootstrap_ci(np.array([[1.0], [2.0], [3.0], [4.0]]), mean)
    >>> est, low <= est <= high
    (2.5, True)
    """
    n = columns.shape[0]
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    estimate = float(statistic(columns.sum(axis=0)[None, :], n)[0])
    rng = np.random.default_rng(random_state)
    reps = statistic(bootstrap_sums(columns, n_boot, rng), n)
    low, high, se = percentile_ci(reps, conf)
    return estimate, low, high, se
