"""Time to churn: Kaplan-Meier retention curves per group, log-rank test, median lifetime.

A customer's lifetime runs from ``signup_date`` to ``churn_date`` (an observed churn) or
to the end of the data (censored: still a customer). A churner without a churn date (a
snapshot table such as IBM Telco, where churners left in the last month) is counted as
churning at the end of the data. Curves come from ``lifelines.KaplanMeierFitter``
(Greenwood CIs, exponential form), the test from ``lifelines.statistics.
multivariate_logrank_test`` (equal retention in every group).

Examples
--------
>>> life = lifetimes(cx.customers)                                 # doctest: +SKIP
>>> km = retention_curves(life, cx.customers.set_index("customer_id")["plan"])  # doctest: +SKIP
>>> km.summary[["group", "median_months", "retention_12m"]]        # doctest: +SKIP
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test
from lifelines.utils import median_survival_times

from cxlib.contract import DAYS_PER_MONTH

SECONDS_PER_DAY = 86_400
RETENTION_MONTHS = 12.0
"""The horizon of the summary's retention (``retention_12m``)."""
CURVE_COLUMNS = ["group", "months", "retention", "low", "high"]
SUMMARY_COLUMNS = [
    "group", "customers", "churners", "median_months", "median_low", "median_high",
    "retention_12m", "retention_12m_low", "retention_12m_high",
]  # fmt: skip
"""Columns of a retention summary (also of an empty one: no group large enough, or no
signup dates)."""


@dataclass
class RetentionCurves:
    """Kaplan-Meier curves per group and the log-rank test across them.

    Attributes
    ----------
    curves : DataFrame
        ``group``, ``months``, ``retention``, ``low``, ``high`` (step function points).
    summary : DataFrame
        Per group: ``group``, ``customers``, ``churners``, ``median_months`` (inf when
        retention never falls to 50%), ``median_low``, ``median_high``, ``retention_12m``,
        ``retention_12m_low``, ``retention_12m_high``; sorted by median, then 12-month
        retention, worst first.
    test_statistic, p_value : float
        Log-rank chi-square over the groups shown (nan with one group).
    df : int
        Degrees of freedom of the test.
    by : str
        What the groups are (e.g. "persona", "plan").
    """

    curves: pd.DataFrame
    summary: pd.DataFrame
    test_statistic: float
    p_value: float
    df: int
    by: str


def lifetimes(customers: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Months from signup to churn (or to ``as_of``) and the churn flag, per customer.

    Parameters
    ----------
    customers : DataFrame
        ``customer_id``, ``signup_date`` and ``churned`` and/or ``churn_date``.
    as_of : Timestamp, optional
        End of observation; default the latest signup or churn date.

    Returns
    -------
    DataFrame
        Index ``customer_id``; ``months`` (>= 0) and ``churned`` (bool). Customers without
        a signup date, or whose end comes before signup, are left out (all of them when the
        table has no ``signup_date`` column: lifetimes are unknown).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["a", "b"], "churned": [True, False],
    ...     "signup_date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
    ...     "churn_date": pd.to_datetime(["2024-07-01", None])})
    >>> lifetimes(c, pd.Timestamp("2025-01-01")).round(1).to_dict("list")
    {'months': [6.0, 12.0], 'churned': [True, False]}
    """
    if "signup_date" not in customers:
        empty = pd.Index([], dtype=object, name="customer_id")
        return pd.DataFrame({"months": [], "churned": pd.Series([], dtype=bool)}, index=empty)
    signup = pd.to_datetime(customers["signup_date"])
    left = (
        pd.to_datetime(customers["churn_date"])
        if "churn_date" in customers
        else pd.Series(pd.NaT, index=customers.index)
    )
    if "churned" in customers:
        churned = customers["churned"].astype("boolean").fillna(False).astype(bool)
        churned = churned | left.notna()
    else:
        churned = left.notna()
    if as_of is None:
        as_of = max(d for d in (signup.max(), left.max()) if pd.notna(d))
    end = left.where(left.notna() & churned, pd.Timestamp(as_of))
    months = (end - signup).dt.total_seconds() / SECONDS_PER_DAY / DAYS_PER_MONTH
    keep = months.notna() & (months >= 0)
    return pd.DataFrame(
        {"months": months[keep].to_numpy(), "churned": churned[keep].to_numpy(dtype=bool)},
        index=pd.Index(
            customers.loc[keep, "customer_id"].to_numpy(dtype=object), name="customer_id"
        ),
    )


def retention_curves(
    life: pd.DataFrame,
    groups: pd.Series | None = None,
    *,
    by: str = "group",
    min_n: int = 30,
    max_groups: int = 8,
    points: int = 300,
) -> RetentionCurves:
    """Kaplan-Meier retention per group, median lifetime and the log-rank test.

    Parameters
    ----------
    life : DataFrame
        From :func:`lifetimes`.
    groups : Series, optional
        Group label per ``customer_id``; None = one curve for everybody ("All").
    by : str
        Name of the grouping, for titles.
    min_n : int
        Groups with fewer customers are left out of curves and test.
    max_groups : int
        Only the largest groups are kept.
    points : int
        Curve points kept per group (the step function read on an even grid of times,
        plus its end), enough to draw; medians and tests use the full curves.

    Returns
    -------
    RetentionCurves
    """
    # plain arrays, by position: lifelines (and pandas) would otherwise hash the million-row
    # customer_id index of every part they are handed
    if groups is None:
        labels = pd.Series("All", index=range(len(life)), dtype=object)
    else:
        same = len(groups) == len(life) and groups.index.equals(life.index)
        labels = pd.Series((groups if same else groups.reindex(life.index)).to_numpy(dtype=object))
    ok = labels.notna().to_numpy()
    labels = labels[ok].astype(str)
    sizes = labels.value_counts()
    keep = sizes[sizes >= min_n].index[:max_groups]
    chosen = labels.isin(keep).to_numpy()
    labels = labels.to_numpy(dtype=object)[chosen]
    months = life["months"].to_numpy(dtype=float)[ok][chosen]
    churned = life["churned"].to_numpy(dtype=bool)[ok][chosen]
    curves, rows = [], []
    for name in keep:
        part = labels == name
        curve, row = _group_curve(str(name), months[part], churned[part], points)
        curves.append(curve)
        rows.append(row)
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    if not summary.empty:
        summary = summary.sort_values(["median_months", "retention_12m"], kind="stable")
        summary = summary.reset_index(drop=True)
    stat, p, df = math.nan, math.nan, 0
    if len(keep) > 1:
        res = multivariate_logrank_test(months, labels, churned)
        stat, p, df = float(res.test_statistic), float(res.p_value), int(res.degrees_of_freedom)
    curves_df = (
        pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(columns=CURVE_COLUMNS)
    )
    return RetentionCurves(curves_df, summary, stat, p, df, by)


def _group_curve(
    name: str, months: np.ndarray, churned: np.ndarray, points: int
) -> tuple[pd.DataFrame, dict]:
    """One group's Kaplan-Meier curve (thinned to ``points``) and its summary row."""
    kmf = KaplanMeierFitter().fit(months, churned, label=name)
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        med_ci = median_survival_times(kmf.confidence_interval_)
    at12 = _at(sf, ci, RETENTION_MONTHS)
    row = {
        "group": name,
        "customers": len(months),
        "churners": int(churned.sum()),
        "median_months": float(kmf.median_survival_time_),
        "median_low": float(med_ci.iloc[0, 0]),
        "median_high": float(med_ci.iloc[0, 1]),
        "retention_12m": at12[0],
        "retention_12m_low": at12[1],
        "retention_12m_high": at12[2],
    }
    return _thin(name, sf, ci, points), row


def _thin(name: str, sf: pd.Series, ci: pd.DataFrame, points: int) -> pd.DataFrame:
    """The step function read at ``points`` even times (and its last time)."""
    t = sf.index.to_numpy(dtype=float)
    grid = np.unique(np.r_[np.linspace(t[0], t[-1], points), t[-1]])
    i = np.searchsorted(t, grid, side="right") - 1
    return pd.DataFrame(
        {
            "group": name,
            "months": grid,
            "retention": sf.to_numpy()[i],
            "low": ci.iloc[:, 0].to_numpy()[i],
            "high": ci.iloc[:, 1].to_numpy()[i],
        }
    )


def _at(sf: pd.Series, ci: pd.DataFrame, t: float) -> tuple[float, float, float]:
    """Retention and its CI at time ``t`` (nan when follow-up ends before ``t``)."""
    if sf.index.max() < t:
        return math.nan, math.nan, math.nan
    i = int(np.searchsorted(sf.index.to_numpy(dtype=float), t, side="right")) - 1
    i = max(i, 0)
    return float(sf.iloc[i]), float(ci.iloc[i, 0]), float(ci.iloc[i, 1])
