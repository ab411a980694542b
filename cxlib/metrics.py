"""Customer-experience metrics: one pure function per metric, named after it.

Every metric returns a :class:`MetricResult` (value, n, 95% CI, unit, CI method) and follows
the same rules: empty input gives ``value = nan`` and ``n = 0`` (no exception); missing
values (NaN/None/NaT) are ignored and not counted in ``n``; out-of-range values raise
``ValueError`` saying how many. Column names are the data contract's (``cxlib.contract``).
Tables may hold datetimes as ISO 8601 strings or datetime columns; naive times are UTC.
:func:`compare` (two results) and :func:`grouped` (a metric per group or period) come from
:mod:`cxlib.compare`, :class:`MetricResult` from :mod:`cxlib.stats`; all are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from cxlib._coerce import column, flags, utc, utc_ts
from cxlib._coerce import scores as checked_scores
from cxlib.compare import Comparison as Comparison
from cxlib.compare import compare as compare
from cxlib.compare import grouped as grouped
from cxlib.contract import DEFAULT_SCALES
from cxlib.stats import (
    Z95,
    MetricResult,
    bootstrap_ci,
    bootstrap_sums,
    empty_result,
    median_ci,
    percentile_ci,
    proportion_result,
    t_mean_ci,
)

_UNIT_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
_YEAR_SECONDS = 365.25 * 86400.0


# --- survey metrics -----------------------------------------------------------------------


def nps(scores: Iterable[float]) -> MetricResult:
    """Net Promoter Score: % promoters (9–10) minus % detractors (0–6), in points.

    Formula: ``NPS = 100 * (promoters - detractors) / n``, range −100..100. Each answer is
    coded +100 / 0 / −100 (promoter / passive / detractor); the NPS is the mean of that
    coding and the 95% CI is the normal interval with the multinomial variance
    ``Var = 100² * (p_P + p_D - (p_P - p_D)²) / n``, clipped to [−100, 100].

    Edge cases: empty input -> ``nan`` with ``n = 0``; all passives -> 0 with a zero-width
    CI (as for all promoters or all detractors: the normal interval is degenerate when
    every answer is alike, so treat small or one-sided samples with care); NaNs ignored.

    Parameters
    ----------
    scores : iterable of int
        Answers on the 0–10 scale.

    Raises
    ------
    ValueError
        If any score is not an integer from 0 to 10 (the message gives the count).

    Examples
    --------
    >>> float(nps([10, 9, 7, 0]))
    25.0
    """
    method = "normal (multinomial variance)"
    x = checked_scores(scores, DEFAULT_SCALES["nps"], "NPS")
    n = x.size
    if n == 0:
        return empty_result("NPS", "points", method)
    p_pro, p_det = float((x >= 9).sum()) / n, float((x <= 6).sum()) / n
    value = 100.0 * float((x >= 9).sum() - (x <= 6).sum()) / n
    se = 100.0 * math.sqrt(max(p_pro + p_det - (p_pro - p_det) ** 2, 0.0) / n)
    low, high = max(value - Z95 * se, -100.0), min(value + Z95 * se, 100.0)
    return MetricResult("NPS", value, n, low, high, "points", method, se)


def _top_box(
    scores: Iterable[float], scale: tuple[int, int], threshold: float, label: str
) -> MetricResult:
    if not scale[0] <= threshold <= scale[1]:
        raise ValueError(f"threshold {threshold} is outside the scale {scale}")
    x = checked_scores(scores, scale, label)
    return proportion_result(label, int((x >= threshold).sum()), x.size)


def csat(
    scores: Iterable[float], scale: tuple[int, int] = DEFAULT_SCALES["csat"], threshold: float = 4
) -> MetricResult:
    """Customer satisfaction: % of answers at or above ``threshold`` (top-2-box on 1–5).

    Formula: ``CSAT = 100 * #(score >= threshold) / n``, with a Wilson 95% CI.
    Empty input -> ``nan`` with ``n = 0``; NaNs ignored; scores outside ``scale`` or not
    integers raise ``ValueError``.

    Examples
    --------
    >>> float(csat([5, 4, 3, 2]))
    50.0
    """
    return _top_box(scores, scale, threshold, "CSAT")


def ces(
    scores: Iterable[float], scale: tuple[int, int] = DEFAULT_SCALES["ces"], threshold: float = 4
) -> MetricResult:
    """Customer effort score: % of answers that found it easy (``score >= threshold``).

    The data contract's CES scale runs 1–5 with 5 = very easy, so higher is better.
    Formula: ``CES = 100 * #(score >= threshold) / n``, Wilson 95% CI. Empty input ->
    ``nan``; NaNs ignored; see :func:`ces_mean` for the mean effort score.

    Examples
    --------
    >>> round(float(ces([5, 4, 1])), 2)
    66.67
    """
    return _top_box(scores, scale, threshold, "CES")


def ces_mean(
    scores: Iterable[float], scale: tuple[int, int] = DEFAULT_SCALES["ces"]
) -> MetricResult:
    """Mean customer effort score on its own scale (1–5, 5 = very easy), with a t CI.

    Empty input -> ``nan``; one answer -> no CI; NaNs ignored.

    Examples
    --------
    >>> round(float(ces_mean([5, 4, 1])), 2)
    3.33
    """
    x = checked_scores(scores, scale, "CES mean")
    mean, low, high, se = t_mean_ci(x)
    return MetricResult("CES mean", mean, x.size, low, high, "points", "t", se)


# --- customer metrics ---------------------------------------------------------------------


def _churn_flags(churned: Any, start: Any, end: Any) -> np.ndarray:
    if (start is None) != (end is None):
        raise ValueError("give both start and end, or neither")
    if not isinstance(churned, pd.DataFrame):
        if start is not None:
            raise ValueError("start/end need a customers DataFrame")
        return flags(churned)
    customers = churned
    if start is None:
        if "churned" in customers.columns:
            return flags(customers["churned"])
        return utc(column(customers, "churn_date", "churn_rate")).notna().to_numpy()
    signup = utc(column(customers, "signup_date", "churn_rate"))
    left = utc(column(customers, "churn_date", "churn_rate"))
    t0, t1 = utc_ts(start), utc_ts(end)
    active = (signup < t0) & (left.isna() | (left >= t0))
    return (left[active] < t1).to_numpy(dtype=bool)


def churn_rate(churned: Any, *, start: Any = None, end: Any = None) -> MetricResult:
    """Churn rate: % of customers who churned, with a Wilson 95% CI.

    Parameters
    ----------
    churned : iterable of bool / 0-1 / "yes"-"no", or customers DataFrame
        Flags (missing ones ignored), or a ``customers`` table: its ``churned`` column
        (or, without one, ``churn_date`` present).
    start, end : date-like, optional
        Churn within the period ``[start, end)`` from ``signup_date``/``churn_date``:
        ``churners / customers active at start``, where a customer is active at start if
        ``signup_date < start`` and they have not churned before ``start``, and churned in
        the period if ``start <= churn_date < end``. Customers who sign up during the period
        are not counted.

    Examples
    --------
    >>> float(churn_rate([True, False, False, True]))
    50.0
    """
    churners = _churn_flags(churned, start, end)
    return proportion_result("Churn rate", int(churners.sum()), churners.size)


def retention_rate(churned: Any, *, start: Any = None, end: Any = None) -> MetricResult:
    """Retention rate = 100 − churn rate, for exactly the definition of :func:`churn_rate`.

    The share of customers (active at ``start``, when a period is given) who had not churned
    (by ``end``); the Wilson CI is the churn CI mirrored.

    Examples
    --------
    >>> float(retention_rate([True, False, False, False]))
    75.0
    """
    c = churn_rate(churned, start=start, end=end)
    return MetricResult(
        "Retention rate", 100 - c.value, c.n, 100 - c.ci_high, 100 - c.ci_low, "%", c.method, c.se
    )


def _lifetime_columns(customers: pd.DataFrame) -> np.ndarray:
    """(exposure years, churned 0/1) per customer, as of the table's latest date."""
    signup = utc(column(customers, "signup_date", "clv"))
    left = utc(column(customers, "churn_date", "clv"))
    as_of = pd.concat([signup, left]).max()
    keep = signup.notna()
    exposure = ((left.fillna(as_of) - signup)[keep]).dt.total_seconds() / _YEAR_SECONDS
    if (exposure < 0).any():
        raise ValueError(f"clv: {int((exposure < 0).sum())} customers churn before signup")
    return np.column_stack([exposure.to_numpy(float), left[keep].notna().to_numpy(float)])


def clv(
    orders: pd.DataFrame,
    *,
    expected_lifetime_years: float | None = None,
    customers: pd.DataFrame | None = None,
    margin: float = 1.0,
    observed_years: float | None = None,
    currency: str = "currency",
    n_boot: int = 2000,
    random_state: int | None = 0,
) -> MetricResult:
    """Customer lifetime value, the simple (historic average) model.

    Formula::

        CLV = AOV × F × L × margin
        AOV = revenue / orders                               (average order value)
        F   = orders / customers / observed_years            (purchases per customer-year)
        L   = expected_lifetime_years                        (expected lifetime)

    so ``AOV × F`` is revenue per customer per year, over customers with at least one
    order. ``observed_years`` defaults to the span of ``ordered_at`` (first to last order,
    365.25-day years). When ``expected_lifetime_years`` is not given it is estimated from
    ``customers`` as ``1 / annual churn rate`` with the annual churn rate = churns per
    customer-year of exposure (``signup_date`` to ``churn_date`` or to the table's latest
    date): the mean lifetime under a constant churn hazard.

    The 95% CI is a seeded percentile bootstrap over customers: customers' order totals
    are resampled and, when the lifetime is estimated, ``customers`` independently too.
    Empty orders -> ``nan``. Rows with a missing amount or customer are ignored.

    Raises
    ------
    ValueError
        If neither ``expected_lifetime_years`` nor ``customers`` is given, if no customer
        has churned, or if the observed span is zero (pass ``observed_years``).

    Examples
    --------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [100.0, 50.0, 30.0],
    ...                        "ordered_at": ["2024-01-01", "2024-06-01", "2024-03-01"]})
    >>> float(clv(orders, expected_lifetime_years=3, observed_years=1.0))
    270.0
    """
    method = f"percentile bootstrap over customers (n_boot={n_boot})"
    o = orders[
        column(orders, "amount", "clv").notna() & column(orders, "customer_id", "clv").notna()
    ]
    if expected_lifetime_years is None and customers is None:
        raise ValueError("clv needs expected_lifetime_years or a customers table")
    if len(o) == 0:
        return empty_result("CLV", currency, method)
    revenue = o.groupby("customer_id")["amount"].sum().to_numpy(dtype=float)
    if observed_years is None:
        when = utc(column(o, "ordered_at", "clv"))
        observed_years = (when.max() - when.min()).total_seconds() / _YEAR_SECONDS
        if not observed_years > 0:
            raise ValueError("clv: all orders share one date; pass observed_years")
    scale = margin / observed_years
    rng = np.random.default_rng(random_state)
    rev_reps = bootstrap_sums(revenue[:, None], n_boot, rng)[:, 0] / revenue.size
    if expected_lifetime_years is not None:
        life, life_reps = float(expected_lifetime_years), float(expected_lifetime_years)
    else:
        cols = _lifetime_columns(customers)
        if cols[:, 1].sum() == 0:
            raise ValueError("clv: no churned customers; pass expected_lifetime_years")
        life = cols[:, 0].sum() / cols[:, 1].sum()
        sums = bootstrap_sums(cols, n_boot, rng)
        with np.errstate(divide="ignore", invalid="ignore"):
            life_reps = np.where(sums[:, 1] > 0, sums[:, 0] / sums[:, 1], np.inf)
    value = float(revenue.mean()) * scale * life
    low, high, se = percentile_ci(rev_reps * scale * life_reps)
    return MetricResult("CLV", value, revenue.size, low, high, currency, method, se)


# --- support metrics ----------------------------------------------------------------------


def fcr(tickets: pd.DataFrame) -> MetricResult:
    """First-contact resolution: % of resolved tickets closed in one contact.

    Formula: ``FCR = 100 * #(resolved and contacts == 1) / #(resolved)``, Wilson 95% CI.
    Denominator choice: only resolved tickets (``resolved_at`` present) with a known
    ``contacts`` count; open tickets are excluded because their outcome is not yet known.

    Examples
    --------
    >>> t = pd.DataFrame({"resolved_at": ["2024-01-01", "2024-01-02", None],
    ...                   "contacts": [1, 2, 1]})
    >>> float(fcr(t))
    50.0
    """
    resolved = utc(column(tickets, "resolved_at", "fcr")).notna()
    contacts = pd.to_numeric(column(tickets, "contacts", "fcr"))
    known = resolved & contacts.notna()
    return proportion_result("FCR", int((contacts[known] == 1).sum()), int(known.sum()))


def _duration_metric(
    tickets: pd.DataFrame, end_col: str, label: str, unit: str, statistic: str
) -> MetricResult:
    if unit not in _UNIT_SECONDS:
        raise ValueError(f"unit must be one of {sorted(_UNIT_SECONDS)}")
    opened = utc(column(tickets, "opened_at", label))
    ended = utc(column(tickets, end_col, label))
    delta = (ended - opened).dropna().dt.total_seconds().to_numpy(float) / _UNIT_SECONDS[unit]
    if (delta < 0).any():
        raise ValueError(f"{label}: {int((delta < 0).sum())} tickets end before opened_at")
    if statistic == "mean":
        value, low, high, se = t_mean_ci(delta)
        return MetricResult(f"Avg {label}", value, delta.size, low, high, unit, "t", se)
    if statistic == "median":
        value, low, high = median_ci(delta)
        return MetricResult(f"Median {label}", value, delta.size, low, high, unit, "order-stat")
    raise ValueError("statistic must be 'mean' or 'median'")


def avg_resolution_time(
    tickets: pd.DataFrame, unit: str = "hours", *, statistic: str = "mean"
) -> MetricResult:
    """Average time to resolve: mean of ``resolved_at − opened_at`` over resolved tickets.

    The mean is the headline (t 95% CI); ``statistic="median"`` gives the median with a
    distribution-free order-statistic CI (none below 6 tickets), more robust to the long
    tail. Open tickets are excluded; ``unit`` is seconds, minutes, hours or days.

    Examples
    --------
    >>> t = pd.DataFrame({"opened_at": ["2024-01-01 09:00", "2024-01-01 10:00"],
    ...                   "resolved_at": ["2024-01-01 11:00", None]})
    >>> float(avg_resolution_time(t))
    2.0
    """
    return _duration_metric(tickets, "resolved_at", "resolution time", unit, statistic)


def avg_first_response_time(
    tickets: pd.DataFrame, unit: str = "hours", *, statistic: str = "mean"
) -> MetricResult:
    """Average first response time: mean of ``first_response_at − opened_at``.

    Over answered tickets only (see :func:`response_within` for a measure that counts
    unanswered ones); t 95% CI, or ``statistic="median"`` as in
    :func:`avg_resolution_time`.

    Examples
    --------
    >>> t = pd.DataFrame({"opened_at": ["2024-01-01 09:00"],
    ...                   "first_response_at": ["2024-01-01 09:30"]})
    >>> float(avg_first_response_time(t, unit="minutes"))
    30.0
    """
    return _duration_metric(tickets, "first_response_at", "first response time", unit, statistic)


def response_within(tickets: pd.DataFrame, hours: float = 24, *, as_of: Any = None) -> MetricResult:
    """Share of tickets first answered within ``hours`` of ``opened_at``, as of ``as_of``.

    Counted as within: ``first_response_at − opened_at <= hours``. Not within: answered
    later, or still unanswered when older than ``hours`` at ``as_of``. Excluded: tickets
    still unanswered but younger than ``hours`` (their outcome is not known yet) and
    tickets opened after ``as_of``; responses after ``as_of`` count as not yet given.
    ``as_of`` defaults to the latest timestamp in the table. Wilson 95% CI.

    Examples
    --------
    >>> t = pd.DataFrame({"opened_at": ["2024-01-01 00:00", "2024-01-01 00:00"],
    ...                   "first_response_at": ["2024-01-01 02:00", None]})
    >>> float(response_within(t, hours=4, as_of="2024-01-02"))
    50.0
    """
    name = f"Response within {hours:g}h"
    opened = utc(column(tickets, "opened_at", "response_within"))
    answered = utc(column(tickets, "first_response_at", "response_within"))
    if as_of is None:
        stamps = [opened, answered]
        if "resolved_at" in tickets.columns:
            stamps.append(utc(tickets["resolved_at"]))
        as_of = pd.concat(stamps).max()
    if pd.isna(as_of):
        return empty_result(name, "%", "wilson")
    t = utc_ts(as_of)
    answered = answered.where(answered <= t)
    limit = pd.Timedelta(hours=hours)
    delay = answered - opened
    if (delay < pd.Timedelta(0)).any():
        raise ValueError(
            f"response_within: {int((delay < pd.Timedelta(0)).sum())} tickets "
            "answered before opened_at"
        )
    decided = opened.notna() & (opened <= t) & (answered.notna() | (t - opened > limit))
    within = decided & (delay <= limit)
    return proportion_result(name, int(within.sum()), int(decided.sum()))


# --- social -------------------------------------------------------------------------------


def engagement_rate(
    mentions: pd.DataFrame,
    audience: float | str | None = None,
    *,
    n_boot: int = 2000,
    random_state: int | None = 0,
) -> MetricResult:
    """Social engagement: engagements (likes + shares + comments) per audience, in %.

    With ``audience`` (a number, e.g. followers, or a column such as ``followers`` or
    ``impressions``): ``100 * Σ engagements / Σ audience`` over mentions, a number being
    the audience of every mention (so it equals the mean engagements per post / audience).
    Without ``audience``: the mean engagements per mention, unit ``"per mention"``.

    Missing engagement columns count as absent; a mention with all three missing, or with
    a missing or non-positive audience, is ignored. CI: seeded percentile bootstrap over
    mentions.

    Examples
    --------
    >>> m = pd.DataFrame({"likes": [10, 0], "shares": [2, 0], "comments": [3, 1]})
    >>> float(engagement_rate(m)), float(engagement_rate(m, audience=100))
    (8.0, 8.0)
    """
    method = f"percentile bootstrap over mentions (n_boot={n_boot})"
    cols = [c for c in ("likes", "shares", "comments") if c in mentions.columns]
    if not cols:
        raise KeyError("engagement_rate needs likes, shares and/or comments columns")
    eng = mentions[cols].apply(pd.to_numeric).sum(axis=1, min_count=1).astype(float)
    if (eng < 0).any():
        raise ValueError(f"engagement_rate: {int((eng < 0).sum())} negative engagement counts")
    if audience is None:
        data = eng.dropna().to_numpy(float)[:, None]
        name, unit, factor = "Engagements per mention", "per mention", 1.0
    else:
        if isinstance(audience, str):
            aud = pd.to_numeric(column(mentions, audience, "engagement_rate")).astype(float)
        elif not float(audience) > 0:
            raise ValueError("audience must be positive")
        else:
            aud = pd.Series(float(audience), index=mentions.index)
        keep = eng.notna() & (aud > 0)
        data = np.column_stack([eng[keep].to_numpy(float), aud[keep].to_numpy(float)])
        name, unit, factor = "Engagement rate", "%", 100.0

    def statistic(sums: np.ndarray, n: int) -> np.ndarray:
        return factor * sums[:, 0] / (sums[:, 1] if audience is not None else n)

    if data.shape[0] == 0:
        return empty_result(name, unit, method)
    value, low, high, se = bootstrap_ci(data, statistic, n_boot=n_boot, random_state=random_state)
    return MetricResult(name, value, data.shape[0], low, high, unit, method, se)
