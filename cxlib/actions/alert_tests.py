"""The statistical tests behind the alerts: KPI changes per segment, targets, comment spikes.

:mod:`cxlib.actions.alerts` turns what these tests find into alert records and sentences.
The KPI tests (:func:`kpi_tests`) are one family: target tests, and every KPI × segment ×
comparison (the latest month against the month before and a year earlier), their
p-values Benjamini–Hochberg adjusted together. :func:`comment_spikes` tests the last weeks'
share of negative comments against the weeks before (a second family).

Examples
--------
>>> tests = kpi_tests(cx, cx.config)                               # doctest: +SKIP
>>> tests.sort_values("p_adjusted").head()                         # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st

from cxlib import metrics
from cxlib.metrics.targets import check_target
from cxlib.scorecard.history import LAGS, period_changes
from cxlib.scorecard.kpis import (
    MIN_N,
    SURVEY_KPIS,
    TICKET_KPIS,
    kpi_functions,
    kpi_rows,
    ticket_as_of,
)
from cxlib.scorecard.tables import adjust, monthly_trends
from cxlib.wording import is_known

TARGET_MISSED, DETERIORATION = "target_missed", "deterioration"
"""The kinds of KPI test (and of the alerts they raise)."""
ALPHA = 0.05
"""The chance of any false alarm in a world where nothing changed, split over the three
families of alert tests (Bonferroni): :data:`KPI_ALPHA` + :data:`COMMENT_ALPHA` +
:data:`MENTION_Q`."""
KPI_ALPHA = 0.03
"""Benjamini–Hochberg level of the KPI tests (targets, KPIs x segments x comparisons)."""
COMMENT_ALPHA = 0.01
"""Benjamini–Hochberg level of the weeks tested for a spike of negative comments."""
MENTION_Q = 0.01
"""Largest q-value of the social report's spike test that raises an alert."""
SURVEY_SEGMENTS = ("channel", "touchpoint")
TICKET_SEGMENTS = ("channel", "category")
"""The segments each KPI is tested in (besides persona, when personas are given)."""


# --- KPI tests: overall, per segment, against targets ------------------------------------


def _segment_tables(cx: Any, personas: pd.DataFrame | None) -> dict[str, pd.DataFrame | None]:  # noqa: ANN401
    """Surveys and tickets, with a ``persona`` column when personas are given."""
    out = {}
    lookup = None
    if personas is not None and {"customer_id", "persona"} <= set(personas):
        p = personas.astype({"customer_id": "string"}).drop_duplicates("customer_id")
        lookup = p.set_index("customer_id")["persona"]
    for name in ("surveys", "tickets"):
        table = getattr(cx, name)
        if table is not None and lookup is not None and "customer_id" in table:
            table = table.assign(persona=table["customer_id"].astype("string").map(lookup))
        out[name] = table
    return out


def segment_changes(
    cx: Any,  # noqa: ANN401
    latest: Mapping[str, str],
    personas: pd.DataFrame | None = None,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Each survey and ticket KPI per segment: its ``latest`` month against the month
    before and a year earlier, tested when both months hold ``min_n`` answers.

    ``latest`` maps a KPI key to its latest month (``"2026-09"``, as in the trends).
    Returns rows shaped like :func:`cxlib.scorecard.history.period_changes` (without the
    adjustment) plus ``dimension`` and ``group``.
    """
    funcs = kpi_functions(cx, ticket_as_of(cx.tickets))
    tables = _segment_tables(cx, personas)
    rows: list[dict[str, Any]] = []
    for key in SURVEY_KPIS + TICKET_KPIS:
        if key not in latest:
            continue
        survey = key in SURVEY_KPIS
        base = tables["surveys" if survey else "tickets"]
        frame = None if base is None else kpi_rows(_Tables(base), key)
        time_col = "responded_at" if survey else "opened_at"
        if frame is None or frame.empty or time_col not in frame:
            continue
        dims = [*(SURVEY_SEGMENTS if survey else TICKET_SEGMENTS), "persona"]
        months = frame[time_col].dt.to_period("M")
        now = pd.Period(latest[key], freq="M")
        for versus, lag in LAGS.items():
            pair = frame[(months == now) | (months == now - lag)]
            is_now = (pair[time_col].dt.to_period("M") == now).to_numpy()
            for dim in (d for d in dims if d in pair):
                rows += _group_tests(funcs[key], pair, is_now, dim, key, versus, min_n)
    return pd.DataFrame(rows)


class _Tables:
    """Surveys and tickets as one table (for :func:`cxlib.scorecard.kpis.kpi_rows`)."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.surveys = self.tickets = self.customers = table


def _group_tests(
    func: Any,  # noqa: ANN401
    pair: pd.DataFrame,
    is_now: np.ndarray,
    dim: str,
    key: str,
    versus: str,
    min_n: int,
) -> list[dict[str, Any]]:
    """The latest month against the other one within each group of ``dim``."""
    out = []
    groups = pair[dim].astype("string")
    for group in groups.dropna().unique():
        if not str(group).strip():
            continue
        mask = (groups == group).fillna(False).to_numpy(dtype=bool)
        try:
            now, other = func(pair[mask & is_now]), func(pair[mask & ~is_now])
        except (KeyError, ValueError):
            return []
        if min(now.n, other.n) < min_n:
            continue
        c = metrics.compare(other, now)
        out.append(
            {
                "kpi": key, "dimension": dim, "group": str(group), "versus": versus,
                "value": now.value, "n": now.n, "other_value": other.value,
                "other_n": other.n, "change": c.diff, "change_low": c.ci_low,
                "change_high": c.ci_high, "p_value": c.p_value,
            }
        )  # fmt: skip
    return out


def target_tests(trends: pd.DataFrame, targets: Mapping[str, Any]) -> pd.DataFrame:
    """KPIs whose latest month misses the target the month before met, with a one-sided
    p-value of the miss (``Φ(gap / se)``; ``se`` from the month's CI when not stored).

    >>> from types import SimpleNamespace as T
    >>> tr = pd.DataFrame({"kpi": ["csat"] * 2, "period": ["2026-08", "2026-09"],
    ...     "value": [76.0, 70.0], "ci_low": [74.0, 68.04], "ci_high": [78.0, 71.96],
    ...     "n": [900, 900]})
    >>> t = target_tests(tr, {"csat": T(value=75.0, direction="higher")})
    >>> t[["kpi", "period", "other_period", "change"]].values.tolist(), float(round(t["p_value"][0], 6))
    ([['csat', '2026-09', '2026-08', -5.0]], 0.0)
    """
    rows = []
    for key, t in trends.groupby("kpi", sort=False):
        target = targets.get(str(key))
        if target is None or len(t) < 2:
            continue
        before, now = t.iloc[-2], t.iloc[-1]
        if (pd.Period(now["period"], freq="M") - pd.Period(before["period"], freq="M")).n != 1:
            continue  # the month before has no data: not "newly" missed
        was = check_target(before["value"], before["ci_low"], before["ci_high"], target)
        c = check_target(now["value"], now["ci_low"], now["ci_high"], target)
        if not was.met or c.met is not False:
            continue
        se = now.get("se", math.nan)
        if not is_known(se):
            se = (now["ci_high"] - now["ci_low"]) / (2 * st.norm.ppf(0.975))
        p = float(st.norm.cdf(c.gap / se)) if is_known(se) and se > 0 else math.nan
        rows.append(
            {
                "kpi": str(key), "period": str(now["period"]),
                "other_period": str(before["period"]), "value": c.value,
                "other_value": was.value, "n": int(now["n"]), "change": c.gap,
                "change_low": c.gap_low, "change_high": c.gap_high, "p_value": p,
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def kpi_tests(
    cx: Any,  # noqa: ANN401
    config: Any = None,  # noqa: ANN401
    *,
    personas: pd.DataFrame | None = None,
    min_n: int = MIN_N,
    trends: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every KPI test of an alert run, BH-adjusted together (see the module).

    Rows: ``kind`` (:data:`TARGET_MISSED` or :data:`DETERIORATION`), ``kpi``,
    ``dimension``/``group`` (None overall), ``versus``, ``period``, ``other_period``,
    ``value``, ``other_value``, ``n``, ``change`` (deterioration: latest − other;
    target: the gap, good side positive), its CI, ``p_value``, ``p_adjusted``.
    """
    trends = monthly_trends(cx, min_n=min_n) if trends is None else trends
    cols = ["kind", "kpi", "dimension", "group", "versus", "period", "other_period", "value"]
    cols += ["other_value", "n", "change", "change_low", "change_high", "p_value"]
    parts = []
    overall = period_changes(trends, min_n) if not trends.empty else pd.DataFrame()
    if not overall.empty:
        parts.append(overall.assign(kind=DETERIORATION, dimension=None, group=None))
    latest = {str(k): str(t["period"].iloc[-1]) for k, t in trends.groupby("kpi", sort=False)}
    seg = segment_changes(cx, latest, personas, min_n)
    if not seg.empty:
        periods = seg["kpi"].map(latest)
        lag = seg["versus"].map(LAGS)
        other = [str(pd.Period(p, freq="M") - k) for p, k in zip(periods, lag, strict=True)]
        parts.append(seg.assign(kind=DETERIORATION, period=periods, other_period=other))
    targets = getattr(config, "targets", None) or {}
    if targets and not trends.empty:
        t = target_tests(trends, targets)
        if not t.empty:
            parts.append(t.assign(kind=TARGET_MISSED, dimension=None, group=None, versus=None))
    if not parts:
        return pd.DataFrame(columns=[*cols, "p_adjusted"])
    out = pd.concat([p.reindex(columns=cols) for p in parts], ignore_index=True)
    out = out[out["p_value"].notna()].reset_index(drop=True)
    out["p_adjusted"] = adjust(out["p_value"])
    return out


# --- spikes of negative comments and mentions --------------------------------------------

RECENT_WEEKS = 4
"""Weeks at the end of the data tested for a spike of negative comments."""
BASELINE_WEEKS = 12
"""Weeks before them that form the baseline share."""
MIN_RISE = 5.0
"""A spike's negative share is at least this many percentage points above the baseline."""
MIN_NEGATIVE = 5
"""A spike week holds at least this many negative comments."""


def comment_spikes(
    times: pd.Series,
    negative: pd.Series,
    *,
    weeks: int = RECENT_WEEKS,
    baseline_weeks: int = BASELINE_WEEKS,
    min_n: int = MIN_N,
    alpha: float = COMMENT_ALPHA,
) -> pd.DataFrame:
    """Test the last ``weeks`` weeks' share of negative comments against the weeks before.

    Baseline ``p0 = K / N``: the negative comments over all comments of the
    ``baseline_weeks`` weeks (Monday to Sunday) before the tested ones. Week-to-week
    noise beyond the binomial is ``phi = max(1, X² / (B − 1))``, X² the Pearson statistic
    of the B baseline weeks. A week with ``k`` negative of ``n`` comments gets
    ``z = (k/n − p0) / sqrt(phi · p0 (1 − p0) (1/n + 1/N))`` and the one-sided
    ``p = 1 − Φ(z)``; the tested weeks' p-values are Benjamini–Hochberg adjusted. A
    *spike* has ``q < alpha``, ``n >= min_n``, at least :data:`MIN_NEGATIVE` negative
    comments and a share :data:`MIN_RISE` points above ``p0``.

    Returns
    -------
    DataFrame
        One row per tested week: ``week`` (its Monday), ``comments``, ``negative``,
        ``share`` and ``baseline`` (%), ``rise`` (points) with its 95% CI, ``dispersion``,
        ``p_value``, ``q_value``, ``spike``. Empty when the data is too short.

    Examples
    --------
    >>> days = pd.Series(pd.date_range("2026-01-05", periods=16 * 7, freq="D"))
    >>> t = days.repeat(20).reset_index(drop=True)
    >>> neg = pd.Series(np.arange(len(t)) % 5 == 0)               # 20% negative
    >>> neg[t >= pd.Timestamp("2026-04-20")] = np.arange(140) % 2 == 0  # last week 50%
    >>> s = comment_spikes(t, neg)
    >>> s[["week", "share", "spike"]].astype(str).values.tolist()[-1]
    ['2026-04-20', '50.0', 'True']
    """
    cols = ["week", "comments", "negative", "share", "baseline", "rise", "rise_low"]
    cols += ["rise_high", "dispersion", "p_value", "q_value", "spike"]
    t = pd.to_datetime(pd.Series(times).reset_index(drop=True))
    neg = pd.Series(negative).reset_index(drop=True).fillna(False).astype(bool)
    known = t.notna().to_numpy()
    if not known.any():
        return pd.DataFrame(columns=cols)
    week = t[known].dt.tz_localize(None) if t.dt.tz is not None else t[known]
    week = week.dt.to_period("W-SUN")
    table = pd.DataFrame({"week": week, "neg": neg[known].to_numpy()})
    by = table.groupby("week")["neg"].agg(["size", "sum"])
    full = pd.period_range(by.index.min(), by.index.max(), freq="W-SUN")
    by = by.reindex(full, fill_value=0)
    if len(by) < weeks + max(2, baseline_weeks // 2):
        return pd.DataFrame(columns=cols)
    base, recent = by.iloc[:-weeks].tail(baseline_weeks), by.iloc[-weeks:]
    base = base[base["size"] > 0]
    big_n, big_k = float(base["size"].sum()), float(base["sum"].sum())
    if big_n == 0 or len(base) < 2:
        return pd.DataFrame(columns=cols)
    p0 = big_k / big_n
    var = max(p0 * (1 - p0), 1e-12)
    chi2 = float((((base["sum"] - base["size"] * p0) ** 2) / (base["size"] * var)).sum())
    phi = max(1.0, chi2 / (len(base) - 1))
    n, k = recent["size"].to_numpy(float), recent["sum"].to_numpy(float)
    with np.errstate(all="ignore"):
        share = np.where(n > 0, k / n, np.nan)
        se = np.sqrt(phi * var * (1 / n + 1 / big_n))
        p = np.where(n > 0, st.norm.sf((share - p0) / se), np.nan)
    q = adjust(pd.Series(p)).to_numpy()
    rise = 100 * (share - p0)
    out = pd.DataFrame(
        {
            "week": recent.index.start_time, "comments": n.astype(int), "negative": k.astype(int),
            "share": 100 * share, "baseline": 100 * p0, "rise": rise,
            "rise_low": rise - 196 * se, "rise_high": rise + 196 * se, "dispersion": phi,
            "p_value": p, "q_value": q,
        }
    )  # fmt: skip
    out["spike"] = (
        (out["q_value"] < alpha)
        & (out["comments"] >= min_n)
        & (out["negative"] >= MIN_NEGATIVE)
        & (out["rise"] >= MIN_RISE)
    )
    return out[cols]
