"""Monthly trends and breakdowns of the scorecard KPIs, with the changes that matter.

Each KPI is computed per month (:func:`monthly_trends`) and per group of a dimension --
channel, touchpoint, ticket category, persona, plan, region -- (:func:`breakdown`). A
month is tested against the month before, a group against the rest of its dimension,
with :func:`cxlib.metrics.compare`; the p-values of a table are Benjamini-Hochberg
adjusted, so "significant" survives the many comparisons.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import false_discovery_control

from cxlib import metrics
from cxlib.io.ids import positions
from cxlib.metrics.intervals import MetricResult
from cxlib.scorecard.kpis import (
    DIMENSIONS,
    KPI_COLUMNS,
    KPIS,
    MIN_N,
    NAMED_DIMENSIONS,
    SURVEY_KPIS,
    TICKET_KPIS,
    kpi_functions,
    kpi_rows,
    ticket_as_of,
)
from cxlib.wording import label, number

# --- monthly trends -----------------------------------------------------------------------

_TIME = {"survey": "responded_at", "ticket": "opened_at"}


def adjust(p: pd.Series) -> pd.Series:
    """Benjamini-Hochberg adjusted p-values (NaN stays NaN)."""
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        out[ok] = false_discovery_control(p[ok].to_numpy(float), method="bh")
    return out


def monthly_trends(cx: Any, freq: str = "M", min_n: int = MIN_N) -> pd.DataFrame:
    """Each KPI per month with its CI, and the change from the month before.

    Returns
    -------
    DataFrame
        ``kpi`` (key), ``label``, ``period`` (str), ``value``, ``n``, ``ci_low``,
        ``ci_high``, ``low_n``, ``change`` (vs the previous period), ``p_value``,
        ``p_adjusted`` (BH over all tests of the table), ``significant``
        (adjusted p < 0.05; only tested when both periods have ``min_n`` answers), and
        ``se``, ``method`` (of each month's result, for further tests). Churn is trended
        as ``churn_rate_monthly`` (:func:`monthly_churn`) when the customers have dates.
    """
    funcs = kpi_functions(cx, ticket_as_of(cx.tickets))
    frames = []
    for key in SURVEY_KPIS + TICKET_KPIS:
        rows = kpi_rows(cx, key)
        time_col = _TIME["survey" if key in SURVEY_KPIS else "ticket"]
        if rows is None or len(rows) == 0 or time_col not in rows:
            continue
        periods = rows[time_col].dt.to_period(freq)
        records = []
        for period, sub in rows.groupby(periods, observed=True, sort=True):
            try:
                r = funcs[key](sub)
            except (KeyError, ValueError):
                break
            if r.n > 0:
                records.append((str(period), r))
        if not records:
            continue
        frames.append(_trend_frame(key, records, min_n))
    churn = monthly_churn(cx, freq)
    if churn:
        frames.append(_trend_frame("churn_rate_monthly", churn, min_n))
    cols = ["kpi", "label", "period", "value", "n", "ci_low", "ci_high", "low_n"]
    cols += ["change", "p_value", "p_adjusted", "significant", "se", "method"]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    out["low_n"] = out["n"] < min_n
    out["p_adjusted"] = adjust(out["p_value"])
    out["significant"] = out["p_adjusted"] < 0.05
    return out[cols]


def _trend_frame(key: str, records: list[tuple[str, MetricResult]], min_n: int) -> pd.DataFrame:
    """One KPI's months as trend rows, each tested against the month before."""
    frame = pd.DataFrame(
        {
            "kpi": key,
            "label": KPIS[key],
            "period": [p for p, _ in records],
            "value": [r.value for _, r in records],
            "n": [r.n for _, r in records],
            "ci_low": [r.ci_low for _, r in records],
            "ci_high": [r.ci_high for _, r in records],
            "se": [r.se for _, r in records],
            "method": [r.method for _, r in records],
        }
    )
    tests = [(math.nan, math.nan)] + [
        _test(a, b, min_n) for (_, a), (_, b) in zip(records, records[1:], strict=False)
    ]
    frame["change"] = [t[0] for t in tests]
    frame["p_value"] = [t[1] for t in tests]
    return frame


def monthly_churn(cx: Any, freq: str = "M") -> list[tuple[str, MetricResult]]:
    """The churn rate of each month of the data: churners in it over customers active at
    its start (:func:`cxlib.metrics.churn_rate` with ``start``/``end``), as (period, result).

    Months run from the first to the last month of the data (:meth:`CXData.period`);
    empty when the customers lack signup or churn dates.
    """
    customers, period = cx.customers, cx.period()
    if customers is None or period is None or not {"signup_date", "churn_date"} <= set(customers):
        return []
    out = []
    for month in pd.period_range(period[0], period[1], freq=freq):
        start, end = month.start_time.tz_localize("UTC"), month.end_time.tz_localize("UTC")
        r = metrics.churn_rate(customers, start=start, end=end + pd.Timedelta(1, "ns"))
        if r.n > 0:
            out.append((str(month), r))
    return out


def _test(a: MetricResult, b: MetricResult, min_n: int) -> tuple[float, float]:
    """(b − a, p) when both have ``min_n`` answers, else (b − a, NaN)."""
    diff = b.value - a.value
    if a.n < min_n or b.n < min_n:
        return diff, math.nan
    c = metrics.compare(a, b)
    return c.diff, c.p_value


# --- breakdowns ---------------------------------------------------------------------------


def segment_columns(
    cx: Any, personas: pd.DataFrame | None = None, segments: tuple[str, ...] = ("plan", "region")
) -> pd.DataFrame | None:
    """Per customer: ``persona`` (when given) and the customers' segment columns."""
    parts = []
    if cx.customers is not None:
        cols = [c for c in segments if c in cx.customers]
        if cols:
            parts.append(cx.customers[["customer_id", *cols]].astype({"customer_id": "string"}))
    if personas is not None:
        parts.append(personas.astype("string"))
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out.merge(p, on="customer_id", how="outer")
    return out.drop_duplicates("customer_id")


def breakdown(
    cx: Any,
    personas: pd.DataFrame | None = None,
    min_n: int = MIN_N,
    survey_dims: tuple[str, ...] = ("channel", "touchpoint"),
    ticket_dims: tuple[str, ...] = ("channel", "category"),
) -> pd.DataFrame:
    """Each KPI by channel, touchpoint, ticket category, persona and customer segment.

    Every group is tested against the rest of its dimension (:func:`cxlib.metrics.compare`,
    BH-adjusted over the whole table) when both sides have ``min_n`` answers.

    Returns
    -------
    DataFrame
        ``kpi``, ``label``, ``dimension``, ``group``, ``value``, ``ci_low``, ``ci_high``,
        ``n``, ``low_n``, ``rest`` (the KPI over the other groups), ``diff`` (group −
        rest), ``p_value``, ``p_adjusted``, ``significant``.
    """
    funcs = kpi_functions(cx, ticket_as_of(cx.tickets))
    segs = segment_columns(cx, personas)
    seg_dims = [c for c in ("persona", "plan", "region") if segs is not None and c in segs]
    rows: list[dict[str, Any]] = []
    bases = {}  # surveys and tickets with the segment columns looked up once
    for name in ("surveys", "tickets"):
        table = getattr(cx, name)
        if table is not None and seg_dims and "customer_id" in table:
            table = table.assign(**_segments_of(table["customer_id"], segs, seg_dims))
        bases[name] = table
    for key in SURVEY_KPIS + TICKET_KPIS:
        base = bases["surveys" if key in SURVEY_KPIS else "tickets"]
        frame = None if base is None else kpi_rows(SimpleNamespace(surveys=base, tickets=base), key)
        if frame is None or len(frame) == 0:
            continue
        dims = [d for d in (survey_dims if key in SURVEY_KPIS else ticket_dims) if d in frame]
        dims += [d for d in seg_dims if d in frame]
        for dim in dims:
            rows += _vs_rest(funcs[key], frame, dim, key, min_n)
    cols = ["kpi", "label", "dimension", "group", "value", "ci_low", "ci_high", "n", "low_n"]
    cols += ["rest", "diff", "p_value", "p_adjusted", "significant"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(rows)
    out["low_n"] = out["n"] < min_n
    out["p_adjusted"] = adjust(out["p_value"])
    out["significant"] = out["p_adjusted"] < 0.05
    return out[cols]


def _segments_of(ids: pd.Series, segs: pd.DataFrame, dims: list[str]) -> dict[str, pd.Categorical]:
    """Each segment column looked up for every row's ``customer_id`` (categorical)."""
    pos = positions(ids, segs["customer_id"])
    out = {}
    for dim in dims:
        cat = pd.Categorical(segs[dim])
        codes = np.where(pos >= 0, cat.codes[pos], -1)
        out[dim] = pd.Categorical.from_codes(codes, cat.categories)
    return out


def _vs_rest(
    func: Callable[[pd.DataFrame], MetricResult],
    frame: pd.DataFrame,
    dim: str,
    key: str,
    min_n: int,
) -> list[dict[str, Any]]:
    """The KPI for each group of ``dim`` and for the rest of the dimension, tested."""
    codes, groups = pd.factorize(frame[dim])
    blank = np.flatnonzero([str(g).strip() == "" for g in groups])
    codes = np.where(np.isin(codes, blank), -1, codes)
    if len(groups) - len(blank) < 2:
        return []
    data = frame[[c for c in KPI_COLUMNS[key] if c in frame]]
    masked = [c for c in data if isinstance(data[c].dtype, pd.api.extensions.ExtensionDtype)]
    if masked:  # Int64/boolean -> float with NaN: the many subsets below are plain numpy takes
        data = data.assign(**{c: data[c].to_numpy(dtype=float, na_value=np.nan) for c in masked})
    known = codes >= 0
    rows = []
    for code in np.argsort(-np.bincount(codes[known], minlength=len(groups)), kind="stable"):
        mask = codes == code
        try:
            g, rest = func(data[mask]), func(data[known & ~mask])
        except (KeyError, ValueError):
            return []
        if g.n == 0:
            continue
        diff, p = _test(rest, g, min_n) if rest.n else (math.nan, math.nan)
        rows.append(
            {
                "kpi": key,
                "label": KPIS[key],
                "dimension": dim,
                "group": str(groups[code]),
                "value": g.value,
                "ci_low": g.ci_low,
                "ci_high": g.ci_high,
                "n": g.n,
                "rest": rest.value,
                "diff": diff,
                "p_value": p,
            }
        )
    return rows


def breakdown_table(table: pd.DataFrame) -> pd.DataFrame:
    """The breakdown for people: one row per group, one column per KPI, ``value (CI)``.

    A ``▲``/``▼`` marks a group significantly better/worse than the rest of its dimension.
    Customer text (group names) is returned as is: display it escaped
    (:func:`cxlib.plots.show_table`).
    """
    if table.empty:
        return pd.DataFrame(columns=["dimension", "group"])
    sig = table["significant"].fillna(False).astype(bool)
    mark = np.where(sig & (table["diff"] < 0), " ▼", np.where(sig, " ▲", ""))
    one_decimal = partial(number, digits=1)
    cell = (
        table["value"].map(one_decimal)
        + " ("
        + table["ci_low"].map(one_decimal)
        + " to "
        + table["ci_high"].map(one_decimal)
        + ")"
        + mark
    )
    wide = (
        table.assign(cell=cell)
        .pivot_table(index=["dimension", "group"], columns="label", values="cell", aggfunc="first")
        .reset_index()
    )
    labels = [KPIS[k] for k in KPIS if KPIS[k] in wide.columns]
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    wide = wide.sort_values(
        ["dimension", "group"], key=lambda s: s.map(order) if s.name == "dimension" else s
    )
    named = wide["dimension"].isin(NAMED_DIMENSIONS)
    wide.loc[named, "group"] = wide.loc[named, "group"].map(label)
    wide["dimension"] = wide["dimension"].map(lambda d: DIMENSIONS.get(d, (d,))[0])
    wide.columns.name = None
    return wide[["dimension", "group", *labels]].fillna("–").reset_index(drop=True)
