"""Customer metrics, each with its 95% confidence interval.

:func:`churn_rate`
    The % of customers who churned (overall, or within a period from the customers table).
:func:`retention_rate`
    ``100 - churn rate``, for the same customers.
:func:`clv`
    Customer lifetime value, ``average order value x purchase frequency x lifetime x margin``.
:func:`active_at`
    The customers active at a moment: the base of a period's churn rate.

The rules shared by every metric (empty input, missing values, out-of-range values) are
in :mod:`cxlib.metrics`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxlib.metrics._coerce import column, flags, utc, utc_ts
from cxlib.metrics.intervals import (
    MetricResult,
    bootstrap_sums,
    empty_result,
    percentile_ci,
    proportion_result,
)

_YEAR_SECONDS = 365.25 * 86400.0
"""Seconds in an average (Julian) year."""


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
    left = utc(column(customers, "churn_date", "churn_rate"))
    active = active_at(customers, start)
    return (left[active] < utc_ts(end)).to_numpy(dtype=bool)


def active_at(customers: pd.DataFrame, start: Any) -> pd.Series:  # noqa: ANN401
    """Which customers were active at ``start``: signed up before it and not churned
    before it (the base of a period's churn rate).

    Formula: ``active = signup_date < start and (no churn_date or churn_date >= start)``.

    Edge cases: a missing signup date is not active (unknown start); a missing churn date
    means the customer has not churned.

    >>> c = pd.DataFrame({"signup_date": ["2025-01-01", "2025-03-01"],
    ...                   "churn_date": [None, None]})
    >>> active_at(c, "2025-02-01").tolist()
    [True, False]
    """
    signup = utc(column(customers, "signup_date", "churn_rate"))
    left = utc(column(customers, "churn_date", "churn_rate"))
    t0 = utc_ts(start)
    return (signup < t0) & (left.isna() | (left >= t0))


def churn_rate(churned: Any, *, start: Any = None, end: Any = None) -> MetricResult:
    """Churn rate: % of customers who churned, with a Wilson 95% CI.

    Formula: ``churn rate = 100 * churners / customers``.

    Edge cases: no customers (or none active at ``start``) -> ``nan`` with ``n = 0``;
    missing flags ignored; no churner -> 0 with a Wilson CI that still has width.

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

    Raises
    ------
    ValueError
        If only one of ``start`` and ``end`` is given, if they are given without a
        customers table, or if a flag is not a yes/no value.

    Examples
    --------
    >>> float(churn_rate([True, False, False, True]))
    50.0
    """
    churners = _churn_flags(churned, start, end)
    return proportion_result("Churn rate", int(churners.sum()), churners.size)


def retention_rate(churned: Any, *, start: Any = None, end: Any = None) -> MetricResult:
    """Retention rate = 100 − churn rate, for exactly the definition of :func:`churn_rate`.

    Formula: ``retention rate = 100 * (customers - churners) / customers``: the share of
    customers (active at ``start``, when a period is given) who had not churned (by
    ``end``); the Wilson CI is the churn CI mirrored. Edge cases and errors as for
    :func:`churn_rate` (no customers -> ``nan``).

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

    Edge cases: no orders -> ``nan`` with ``n = 0``; rows with a missing amount or customer
    are ignored; a resample without churners counts as an infinite lifetime (with few
    churners the upper bound can be infinite, never ``nan``).

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
