"""What churn is worth: revenue at risk per customer and group, and the churn trend.

Revenue at risk of an active customer, per year = P(churn within a year) x monthly
revenue x 12: the revenue expected to be lost over the next year if nothing changes,
under the simple reading that a churner's revenue stops for the whole year. The model
gives P(churn within the horizon) (as-of design); over a year it is
``1 - (1 - p) ** (12 / horizon)``, a constant hazard over the year. In a snapshot the
flag's window is unknown and P(churn) is read as the chance of leaving within a year (the
method notes say so). The at-risk list names customers by ``customer_id`` only, or by a
stable pseudonym when the ids are e-mail addresses or phone numbers.

Examples
--------
>>> risk = at_risk(model, data)                                      # doctest: +SKIP
>>> risk.head(3)[["customer_id", "churn_probability", "revenue_at_risk"]]  # doctest: +SKIP
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cxlib.churn.data import ChurnData
from cxlib.churn.model import ChurnDriverModel
from cxlib.metrics import Comparison, MetricResult, churn_rate, compare

AT_RISK_COLUMNS = [
    "rank",
    "customer_id",
    "churn_probability",
    "churn_probability_year",
    "monthly_revenue",
    "revenue_at_risk",
]
MONTHS_PER_YEAR = 12


def yearly(p: np.ndarray, horizon_months: int | None) -> np.ndarray:
    """P(churn within a year) from P(churn within ``horizon_months``) (constant hazard);
    ``None`` (a snapshot) reads ``p`` as yearly already.

    Examples
    --------
    >>> yearly(np.array([0.1]), 3).round(4).tolist(), yearly(np.array([0.1]), None).tolist()
    ([0.3439], [0.1])
    """
    if not horizon_months:
        return p
    return 1 - (1 - p) ** (MONTHS_PER_YEAR / horizon_months)


def at_risk(model: ChurnDriverModel, data: ChurnData) -> pd.DataFrame:
    """Active customers with P(churn) and revenue at risk per year, most at risk first.

    As-of design: every active customer is scored on today's features by the model fitted
    on the cutoff rows (``model.predict_proba``), P(churn within the horizon). Snapshot:
    the modelled customers are the active ones, scored out of fold (never by a model that
    saw them; outside the model's sample on large tables by the model fitted on the sample,
    which never saw them either).

    Returns
    -------
    DataFrame
        :data:`AT_RISK_COLUMNS`; ``revenue_at_risk`` = P(churn within a year) x monthly
        revenue x 12. Empty when the model is not trustworthy.
    """
    if not model.trustworthy_ or data.X_now.empty:
        return pd.DataFrame(columns=AT_RISK_COLUMNS)
    ids = data.X_now.index
    if data.design == "snapshot":
        score = model.oof_proba_.reindex(ids)
        unscored = score.isna().to_numpy()
        if unscored.any():
            score[unscored] = _scores(model, data.X_now.loc[unscored], data.engine)
        p = score.to_numpy(dtype=float)
        horizon = None
    else:
        p = _scores(model, data.X_now, data.engine)
        horizon = data.horizon_months
    rev = data.revenue
    revenue = (rev if rev.index.equals(ids) else rev.reindex(ids)).to_numpy(dtype=float)
    p_year = yearly(p, horizon)
    value = p_year * revenue * MONTHS_PER_YEAR
    # most revenue at risk first, then highest P(churn); NaN last; ties keep their order
    order = np.lexsort((-p, -value))
    out = pd.DataFrame(
        {
            "rank": np.arange(1, len(ids) + 1),
            "customer_id": ids.to_numpy(dtype=object)[order],
            "churn_probability": p[order],
            "churn_probability_year": p_year[order],
            "monthly_revenue": revenue[order],
            "revenue_at_risk": value[order],
        }
    )
    return out[AT_RISK_COLUMNS]


def _scores(model: ChurnDriverModel, X: pd.DataFrame, engine: str) -> np.ndarray:
    """P(churn) of every row of ``X``: on Spark's executors when ``engine`` is Spark
    (:func:`cxlib.engine.scoring.score_frame`, the model fitted in scikit-learn on the
    bounded sample), else here; the same numbers either way."""
    if engine != "spark":
        return model.predict_proba(X)[:, 1]
    from cxlib.engine.scoring import score_frame

    model.predict_proba(X.head(1))  # fits the scorer when it is not fitted yet
    return score_frame(X, model.estimators_[model.scorer_], list(model.features_))


def churn_by_group(
    customers: pd.DataFrame,
    labels: pd.Series,
    risk: pd.DataFrame | None = None,
    *,
    by: str = "group",
    min_n: int = 30,
) -> pd.DataFrame:
    """Churn rate (Wilson 95% CI) and revenue at risk per group of customers.

    Parameters
    ----------
    customers : DataFrame
        With ``customer_id`` and ``churned`` (or ``churn_date``).
    labels : Series
        Group per ``customer_id`` (e.g. persona, plan).
    risk : DataFrame, optional
        :func:`at_risk` output; adds ``active``, ``revenue_at_risk`` and ``risk_share``.
    by : str
        Name of the group column in the result.

    Returns
    -------
    DataFrame
        ``by``, ``customers``, ``churn_rate``, ``ci_low``, ``ci_high`` (%), ``low_n``,
        ``revenue_at_risk``, ``risk_share``; sorted by revenue at risk (churn rate when
        there is none), largest first.
    """
    ids = customers["customer_id"].to_numpy(dtype=object)
    flags = customers["churned"] if "churned" in customers else customers["churn_date"].notna()
    labels = pd.Series(labels)
    same = len(labels) == len(ids) and labels.index.equals(pd.Index(ids))  # no lookup needed
    frame = pd.DataFrame(
        {
            by: (labels if same else labels.reindex(ids)).to_numpy(dtype=object),
            "churned": flags.astype("boolean").to_numpy(),
        }
    )
    frame = frame.dropna(subset=[by])
    rows = []
    for name, sub in frame.groupby(by, sort=True):
        r = churn_rate(sub["churned"])
        rows.append(
            {
                by: str(name),
                "customers": r.n,
                "churn_rate": r.value,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "low_n": r.n < min_n,
            }
        )
    out = pd.DataFrame(rows, columns=[by, "customers", "churn_rate", "ci_low", "ci_high", "low_n"])
    if risk is not None and not risk.empty:
        lab = pd.Series(labels).astype(object)
        lab.index = lab.index.astype(object)
        rg = risk.assign(**{by: lab.reindex(risk["customer_id"]).to_numpy()}).dropna(subset=[by])
        agg = rg.groupby(by)["revenue_at_risk"].agg(["size", "sum", "count"])
        agg.index = agg.index.astype(str)
        out["active"] = out[by].map(agg["size"]).fillna(0).astype(int)
        known = agg["sum"].where(agg["count"] > 0)  # unknown revenue is unknown, never 0
        out["revenue_at_risk"] = out[by].map(known).where(out[by].isin(agg.index), 0.0)
        total = risk["revenue_at_risk"].sum()
        out["risk_share"] = out["revenue_at_risk"] / total if total > 0 else np.nan
        key = "revenue_at_risk" if out["revenue_at_risk"].sum() > 0 else "churn_rate"
    else:
        key = "churn_rate"
    return out.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)


def churn_trend(
    customers: pd.DataFrame, as_of: pd.Timestamp, months: int = 3
) -> tuple[MetricResult, MetricResult, Comparison] | None:
    """Churn rate of the last ``months`` against the ``months`` before (needs churn dates).

    Each period's rate is :func:`cxlib.metrics.churn_rate` with ``start``/``end``: churners
    in the period over the customers active at its start. None without churn dates or
    when either period has no customers.
    """
    if "churn_date" not in customers or customers["churn_date"].notna().sum() == 0:
        return None
    end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
    mid = end - pd.DateOffset(months=months)
    start = mid - pd.DateOffset(months=months)
    now = churn_rate(customers, start=mid, end=end)
    before = churn_rate(customers, start=start, end=mid)
    if now.n == 0 or before.n == 0 or math.isnan(now.value) or math.isnan(before.value):
        return None
    return now, before, compare(before, now)
