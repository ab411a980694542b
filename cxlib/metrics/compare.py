"""Comparing metric results: two results (:func:`compare`) or a metric per group (:func:`grouped`).

Both work on the :class:`~cxlib.metrics.intervals.MetricResult` every metric in :mod:`cxlib.metrics`
returns, and both are re-exported there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from scipy import stats as st

from cxlib.metrics._coerce import column, utc
from cxlib.metrics.intervals import CONF, Z95, MetricResult

ALPHA = 1 - CONF  # significance level of compare(), matching the 95% intervals


@dataclass(frozen=True)
class Comparison:
    """The difference ``b − a`` between two results of the same metric.

    ``diff``, ``ci_low`` and ``ci_high`` are in the metric's unit (percentage points for
    a % metric); ``significant`` is ``p_value < 0.05``.
    """

    metric: str
    a: MetricResult
    b: MetricResult
    diff: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    method: str

    def __str__(self) -> str:
        if math.isnan(self.diff):
            return f"{self.metric}: no comparison (an input is empty)"
        unit = "points" if self.a.unit in ("%", "points") else self.a.unit
        unit = "" if unit == "currency" else f" {unit}"
        way = "up" if self.diff > 0 else "down" if self.diff < 0 else "unchanged"
        verdict = "significant" if self.significant else "not significant"
        p = "p<0.001" if self.p_value < 0.001 else f"p={self.p_value:.3f}"
        return (
            f"{self.metric} {way} {abs(self.diff):,.1f}{unit} (95% CI {self.ci_low:,.1f} "
            f"to {self.ci_high:,.1f}), {verdict} ({p})"
        )


def _se(r: MetricResult) -> float:
    """The result's SE, else the half-width of its CI over 1.96 (symmetric CIs)."""
    if math.isfinite(r.se):
        return r.se
    return (r.ci_high - r.ci_low) / (2 * Z95)


def compare(a: MetricResult, b: MetricResult) -> Comparison:
    """Compare two results of one metric from independent samples: ``diff = b − a``.

    Assumes ``a`` and ``b`` come from independent samples (e.g. two periods or two
    channels with different customers); paired data (the same customers answering twice)
    would need a paired test.

    - Proportions (both ``method == "wilson"``): two-proportion z-test with the pooled
      proportion for the p-value, and Newcombe's hybrid score interval (built from the two
      Wilson intervals) for the difference. In rare borderline cases the interval may
      touch 0 while p < 0.05 or vice versa; ``significant`` follows the test.
    - Anything else: normal approximation, ``SE = sqrt(se_a² + se_b²)`` using each
      result's ``se`` (or, when absent, its CI half-width / 1.96), z-test and
      ``diff ± 1.96 SE``.

    Empty inputs give ``nan`` and ``significant = False``.

    Raises
    ------
    ValueError
        If the two results are of different metrics or units.

    Examples
    --------
    >>> a = MetricResult("AHT", 10.0, 100, 8.04, 11.96, "hours", "t", se=1.0)
    >>> b = MetricResult("AHT", 13.0, 100, 11.04, 14.96, "hours", "t", se=1.0)
    >>> str(compare(a, b))
    'AHT up 3.0 hours (95% CI 0.2 to 5.8), significant (p=0.034)'
    """
    if (a.name, a.unit) != (b.name, b.unit):
        raise ValueError(f"cannot compare {a.name} ({a.unit}) with {b.name} ({b.unit})")
    diff = b.value - a.value
    if a.n == 0 or b.n == 0 or math.isnan(diff):
        nan = math.nan
        return Comparison(a.name, a, b, nan, nan, nan, nan, False, "none (empty input)")
    if a.method == b.method == "wilson":
        method = "two-proportion z-test (pooled); Newcombe hybrid score CI"
        p1, p2 = a.value / 100, b.value / 100
        pooled = (p1 * a.n + p2 * b.n) / (a.n + b.n)
        se = 100 * math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n))
        low = diff - math.hypot(b.value - b.ci_low, a.ci_high - a.value)
        high = diff + math.hypot(b.ci_high - b.value, a.value - a.ci_low)
    else:
        method = "normal approximation, independent samples"
        se = math.hypot(_se(a), _se(b))
        low, high = diff - Z95 * se, diff + Z95 * se
    if se > 0:
        p = float(2 * st.norm.sf(abs(diff) / se))
    else:
        p = math.nan if math.isnan(se) else float(diff == 0)
    return Comparison(a.name, a, b, diff, low, high, p, bool(p < ALPHA), method)


def grouped(
    metric: Callable[..., MetricResult],
    frame: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    *,
    value: str | None = None,
    time_col: str | None = None,
    freq: str | None = None,
    min_n: int = 30,
    **kwargs: Any,
) -> pd.DataFrame:
    """A metric per group and/or period, as a tidy DataFrame.

    Parameters
    ----------
    metric : callable
        Any metric of :mod:`cxlib.metrics`, e.g. ``nps`` or ``fcr``.
    frame : DataFrame
        The table to split (``surveys``, ``tickets``, ...).
    by : str or list of str, optional
        Grouping column(s); rows with a missing key are left out (pandas' default).
    value : str, optional
        For score metrics, the column passed to ``metric`` (e.g. ``"score"``); without it
        each group's sub-table is passed (table metrics such as ``fcr``).
    time_col, freq : str, optional
        Also group by calendar period: ``time_col`` converted to UTC periods of ``freq``
        (``"M"``, ``"W"``, ``"Q"``, ...), in a column named ``period``.
    min_n : int
        Groups with ``n < min_n`` are flagged ``low_n`` (still reported).
    **kwargs
        Passed to ``metric`` (e.g. ``threshold=5``).

    Returns
    -------
    DataFrame
        Columns: the group column(s), ``metric``, ``value``, ``n``, ``ci_low``,
        ``ci_high``, ``low_n``; one row per non-empty group, sorted by group.

    Examples
    --------
    >>> from cxlib.metrics import nps
    >>> s = pd.DataFrame({"channel": ["web", "web", "app"], "score": [10, 0, 9]})
    >>> grouped(nps, s, "channel", value="score", min_n=2)[["channel", "value", "low_n"]]
      channel  value  low_n
    0     app  100.0   True
    1     web    0.0  False
    """
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    if freq is not None:
        if time_col is None:
            raise ValueError("freq needs time_col")
        periods = utc(column(frame, time_col, "grouped")).dt.tz_convert(None).dt.to_period(freq)
        frame = frame.assign(period=periods)
        keys.append("period")
    elif time_col is not None:
        raise ValueError("time_col needs freq")
    if not keys:
        raise ValueError("give by and/or time_col with freq")
    rows = []
    for key, sub in frame.groupby(keys, observed=True, sort=True):
        r = metric(sub[value] if value is not None else sub, **kwargs)
        rows.append([*key, r.name, r.value, r.n, r.ci_low, r.ci_high, r.n < min_n])
    out = pd.DataFrame(rows, columns=[*keys, "metric", "value", "n", "ci_low", "ci_high", "low_n"])
    return out.astype({"value": float, "n": int, "ci_low": float, "ci_high": float, "low_n": bool})
