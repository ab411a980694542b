"""Support metrics, each with its 95% confidence interval.

:func:`fcr`
    First-contact resolution, the % of resolved tickets closed in one contact.
:func:`avg_resolution_time`
    The mean (or median) of ``resolved_at - opened_at`` over resolved tickets.
:func:`avg_first_response_time`
    The mean (or median) of ``first_response_at - opened_at`` over answered tickets.
:func:`response_within`
    The response promise: the % of tickets first answered within a number of hours.

The rules shared by every metric (empty input, missing values, out-of-range values) are
in :mod:`cxlib.metrics`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxlib.metrics._coerce import column, utc, utc_ts
from cxlib.metrics.intervals import (
    MetricResult,
    empty_result,
    median_ci,
    proportion_result,
    t_mean_ci,
)

_UNIT_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
"""Seconds per unit of a duration metric."""


def fcr(tickets: pd.DataFrame) -> MetricResult:
    """First-contact resolution: % of resolved tickets closed in one contact.

    Formula: ``FCR = 100 * #(resolved and contacts == 1) / #(resolved)``, Wilson 95% CI.
    Denominator choice: only resolved tickets (``resolved_at`` present) with a known
    ``contacts`` count; open tickets are excluded because their outcome is not yet known.

    Edge cases: no resolved ticket with a known count -> ``nan`` with ``n = 0``; every
    resolved ticket closed in one contact -> 100, with a Wilson CI that still has width.

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

    Formula: ``mean = Σ (resolved_at − opened_at) / n`` in ``unit`` (seconds, minutes,
    hours or days), with the t 95% CI ``mean ± t(0.975, n − 1) · s / √n``;
    ``statistic="median"`` gives the median with a distribution-free order-statistic CI,
    more robust to the long tail.

    Edge cases: open tickets (no ``resolved_at``) are excluded; none resolved -> ``nan``
    with ``n = 0``; one ticket -> no CI (the median: none below 6 tickets).

    Raises
    ------
    ValueError
        If a ticket is resolved before it was opened, or ``unit`` or ``statistic`` is
        unknown.

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

    Formula: ``mean = Σ (first_response_at − opened_at) / n`` over answered tickets only
    (see :func:`response_within` for a measure that counts unanswered ones); t 95% CI, or
    ``statistic="median"`` as in :func:`avg_resolution_time`.

    Edge cases: none answered -> ``nan`` with ``n = 0``; one ticket -> no CI.

    Raises
    ------
    ValueError
        If a ticket is answered before it was opened, or ``unit`` or ``statistic`` is
        unknown.

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
    ``as_of`` defaults to the latest timestamp in the table.

    Formula: ``100 * #within / #decided`` (decided = within or not within), Wilson 95% CI.

    Edge cases: no timestamp at all -> ``nan`` with ``n = 0``; no decided ticket -> ``nan``.

    Raises
    ------
    ValueError
        If a ticket is answered before it was opened.

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
