"""Each KPI's latest month against the month before and the same month a year earlier.

A leader asks two questions of a KPI: did it move since last month, and is it better than
a year ago (the year-on-year comparison removes the season). :func:`period_changes`
answers both for every KPI of :func:`~cxlib.scorecard.tables.monthly_trends`, testing each
difference with :func:`cxlib.metrics.compare` and adjusting the p-values of all the KPIs
and both comparisons together (Benjamini–Hochberg, 5% false-discovery rate), so testing
many KPIs does not raise false alarms. :func:`kpi_history` packs the last twelve months
and both changes per KPI as plain data for the index page's tiles.

Examples
--------
>>> trends = monthly_trends(cx)                                  # doctest: +SKIP
>>> changes = period_changes(trends)                             # doctest: +SKIP
>>> changes.loc[changes["kpi"].eq("ces") & changes["versus"].eq(YEAR_EARLIER),
...             ["period", "other_period", "change"]]            # doctest: +SKIP
    period other_period     change
5  2026-09      2025-09  11.679880
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cxlib import metrics
from cxlib.metrics.intervals import MetricResult
from cxlib.metrics.kpis import kpi
from cxlib.scorecard.kpis import MIN_N
from cxlib.scorecard.tables import adjust, monthly_trends

PREVIOUS = "previous month"
"""The ``versus`` of the change against the month before."""
YEAR_EARLIER = "a year earlier"
"""The ``versus`` of the change against the same month a year earlier."""
LAGS = {PREVIOUS: 1, YEAR_EARLIER: 12}
"""Months back of each comparison."""
SPARK_MONTHS = 12
"""Months a tile's sparkline shows."""
CHANGE_COLUMNS = [
    "kpi", "label", "period", "value", "n", "ci_low", "ci_high", "versus", "other_period",
    "other_value", "other_n", "change", "change_low", "change_high", "p_value",
    "p_adjusted", "significant", "better",
]  # fmt: skip


def _result(row: Any) -> MetricResult:
    """A trend row as the metric result it came from (for :func:`cxlib.metrics.compare`)."""
    se = float(row.se) if "se" in row.index and pd.notna(row.se) else math.nan
    return MetricResult(
        str(row.label), row.value, int(row.n), row.ci_low, row.ci_high,
        "points" if row.kpi == "nps" else "%", str(getattr(row, "method", "")), se,
    )  # fmt: skip


def _change(key: str, now: Any, other: Any | None, versus: str, min_n: int) -> dict[str, Any]:
    """One comparison of the latest month with an earlier one (NaN when it cannot be made)."""
    row = {c: now[c] for c in ("kpi", "label", "period", "value", "n", "ci_low", "ci_high")}
    row |= {"versus": versus, "other_period": None, "other_value": math.nan, "other_n": 0}
    row |= dict.fromkeys(("change", "change_low", "change_high", "p_value"), math.nan)
    if other is None:
        return row
    row |= {"other_period": other.period, "other_value": other.value, "other_n": int(other.n)}
    row["change"] = now.value - other.value
    if min(now.n, other.n) >= min_n:
        c = metrics.compare(_result(other), _result(now))
        row |= {"change_low": c.ci_low, "change_high": c.ci_high, "p_value": c.p_value}
    return row


def period_changes(trends: pd.DataFrame, min_n: int = MIN_N) -> pd.DataFrame:
    """Each KPI's latest month against the month before and the same month a year earlier.

    Parameters
    ----------
    trends : DataFrame
        :func:`~cxlib.scorecard.tables.monthly_trends` (with its ``se`` and ``method``).
    min_n : int
        Both months need this many answers (customers, tickets) to be tested.

    Returns
    -------
    DataFrame
        One row per KPI and comparison (``versus``: :data:`PREVIOUS` or
        :data:`YEAR_EARLIER`): the latest month (``period``, ``value``, ``n``, CI), the
        other month (``other_period`` None when the data does not reach back), ``change``
        (latest − other) with its 95% CI, ``p_value``, ``p_adjusted`` (Benjamini–Hochberg
        over every row of the table: all KPIs, both comparisons), ``significant``
        (adjusted p < 0.05) and ``better`` (the change is good news, by the KPI's
        direction; None when not significant).
    """
    rows = []
    for key, t in trends.groupby("kpi", sort=False):
        t = t.reset_index(drop=True)
        months = pd.PeriodIndex(t["period"], freq="M")
        now = t.iloc[-1]
        for versus, lag in LAGS.items():
            hit = t[months == months[-1] - lag]
            other = hit.iloc[0] if len(hit) else None
            rows.append(_change(str(key), now, other, versus, min_n))
    if not rows:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    out = pd.DataFrame(rows)
    out["p_adjusted"] = adjust(out["p_value"])
    out["significant"] = out["p_adjusted"] < 0.05
    out["better"] = [
        kpi(k).better(c) if s else None
        for k, c, s in zip(out["kpi"], out["change"], out["significant"], strict=True)
    ]
    return out[CHANGE_COLUMNS]


def _plain(x: Any) -> Any:
    """A number for JSON (NaN -> None), other values as they are."""
    if isinstance(x, float):
        return None if math.isnan(x) else x
    return x.item() if hasattr(x, "item") else x


def kpi_history(
    cx: Any, months: int = SPARK_MONTHS, min_n: int = MIN_N, trends: pd.DataFrame | None = None
) -> dict[str, dict[str, Any]]:
    """Per KPI: its last ``months`` monthly values and the latest month's two changes.

    Plain data (JSON-ready, the run's manifest keeps it) for the index page's tiles:
    ``name``, ``unit``, ``periods``, ``values``, ``n`` (the sparkline), ``period``,
    ``value``, ``ci_low``, ``ci_high`` (the latest month) and ``changes`` (one dict per
    comparison of :func:`period_changes`).

    Examples
    --------
    >>> h = kpi_history(cxlib.load("data/sample"))                    # doctest: +SKIP
    >>> h["ces"]["periods"][-1], round(h["ces"]["changes"][1]["change"], 1)  # doctest: +SKIP
    ('2026-09', 11.7)
    """
    trends = monthly_trends(cx, min_n=min_n) if trends is None else trends
    changes = period_changes(trends, min_n)
    out: dict[str, dict[str, Any]] = {}
    for key, t in trends.groupby("kpi", sort=False):
        last = t.tail(months)
        now = last.iloc[-1]
        mine = changes[changes["kpi"] == key]
        out[str(key)] = {
            "name": kpi(str(key)).name,
            "unit": kpi(str(key)).unit,
            "periods": [str(p) for p in last["period"]],
            "values": [_plain(float(v)) for v in last["value"]],
            "n": [int(n) for n in last["n"]],
            "period": str(now["period"]),
            "value": _plain(float(now["value"])),
            "ci_low": _plain(float(now["ci_low"])),
            "ci_high": _plain(float(now["ci_high"])),
            "changes": [{k: _plain(v) for k, v in r.items()} for r in mine.to_dict("records")],
        }
    return out
