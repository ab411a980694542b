"""The scorecard's headline KPIs: what each measures, on which rows, and their JSON form.

Survey questions declared in the config beyond nps/csat/ces (``questions:``, see
:mod:`cxlib.io.config`) follow the headline KPIs as "other questions" (keys
``question:<survey type>``): their mean or top-box share with its 95% CI and n.

Examples
--------
>>> cx = cxlib.load("data/sample")                       # doctest: +SKIP
>>> {k: round(r.value, 1) for k, r in headline_kpis(cx).items()}   # doctest: +SKIP
{'nps': -27.9, 'csat': 42.9, 'ces': 47.8, 'churn_rate': 23.7, 'fcr': 62.0, 'response_24h': 85.4}
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from cxlib import metrics
from cxlib.contract import DEFAULT_SCALES
from cxlib.metrics.intervals import MetricResult
from cxlib.metrics.kpis import kpi
from cxlib.scorecard.targets import goal_columns
from cxlib.wording import count, number

PROMISE_HOURS = 24
"""Most customers expect an answer within a day: the response promise of the scorecard."""
HEADLINE = ("nps", "csat", "ces", "churn_rate", "fcr", "response_24h")
"""The headline KPIs, in display order (keys of :data:`cxlib.metrics.kpis.KPIS`)."""
SERVICE_VALUE = ("first_response_time", "resolution_time", "clv")
"""KPIs the headline table shows after :data:`HEADLINE` (no index tile): the mean first
response and resolution times of the tickets, and customer lifetime value."""
KPIS: dict[str, str] = {
    key: kpi(key).name for key in (*HEADLINE, *SERVICE_VALUE, "churn_rate_monthly")
}
"""The scorecard's KPIs: key -> label, the one name of :mod:`cxlib.metrics.kpis`."""
LOWER_IS_BETTER = frozenset(k for k in KPIS if kpi(k).higher_is_better is False)
"""KPIs for which a fall is good news."""
KPI_COLUMNS: dict[str, tuple[str, ...]] = {
    "nps": ("score",),
    "csat": ("score",),
    "ces": ("score",),
    "fcr": ("resolved_at", "contacts"),
    "response_24h": ("opened_at", "first_response_at"),
    "churn_rate": ("churned", "churn_date", "signup_date"),
}
"""The columns each KPI reads (a KPI whose columns are all absent is skipped)."""
DIMENSIONS: dict[str, tuple[str, str]] = {
    "channel": ("channel", "channels"),
    "touchpoint": ("touchpoint", "touchpoints"),
    "category": ("ticket category", "ticket categories"),
    "persona": ("persona", "personas"),
    "plan": ("plan", "plans"),
    "region": ("region", "regions"),
}
"""Breakdown dimensions in display order: (singular, plural) names."""
NAMED_DIMENSIONS = frozenset({"channel", "touchpoint", "category"})
"""Dimensions whose groups are raw names of the data, written through
:func:`cxlib.wording.label` (persona, plan and region names are written as they are)."""
SURVEY_KPIS = ("nps", "csat", "ces")
TICKET_KPIS = ("fcr", "response_24h")
MIN_N = 30
"""Groups and months with fewer answers are shown but not tested."""
QUESTION_PREFIX = "question:"
"""Key prefix of a declared question's result among the KPIs (``question:enps``)."""
OTHER_QUESTION = "Other question"
"""Label prefix of a declared question in the KPI table."""


# --- what each KPI measures ---------------------------------------------------------------


def _scale(cx: Any, survey: str) -> tuple[int, int]:
    scales = getattr(getattr(cx, "config", None), "scales", None) or DEFAULT_SCALES
    return tuple(scales.get(survey, DEFAULT_SCALES[survey]))  # type: ignore[return-value]


def kpi_functions(cx: Any, as_of: Any = None) -> dict[str, Callable[[pd.DataFrame], MetricResult]]:
    """Each KPI as a function of its table's rows (survey KPIs: of one survey type's rows).

    CSAT and CES count the top boxes of their scale (4–5 on 1–5, :func:`cxlib.metrics.boxes`).
    """
    csat, ces = _scale(cx, "csat"), _scale(cx, "ces")
    return {
        "nps": lambda f: metrics.nps(f["score"]),
        "csat": lambda f: metrics.csat(f["score"], scale=csat),
        "ces": lambda f: metrics.ces(f["score"], scale=ces),
        "fcr": metrics.fcr,
        "response_24h": lambda f: metrics.response_within(f, PROMISE_HOURS, as_of=as_of),
        "churn_rate": metrics.churn_rate,
    }


def ticket_as_of(tickets: pd.DataFrame | None) -> pd.Timestamp | None:
    """The latest timestamp in the tickets (the 'now' of the response promise)."""
    if tickets is None:
        return None
    cols = [c for c in ("opened_at", "first_response_at", "resolved_at") if c in tickets]
    stamps = pd.concat([tickets[c] for c in cols]) if cols else pd.Series(dtype="datetime64[ns]")
    return stamps.max() if stamps.notna().any() else None


def kpi_rows(cx: Any, key: str) -> pd.DataFrame | None:
    """The rows a KPI is computed on (None when the data lacks them)."""
    if key in SURVEY_KPIS:
        s = cx.surveys
        return None if s is None else s[(s["survey"] == key).to_numpy(dtype=bool, na_value=False)]
    if key in TICKET_KPIS:
        return cx.tickets
    return cx.customers


def other_questions(cx: Any) -> dict[str, MetricResult]:
    """The declared questions beyond nps/csat/ces that have answers, keyed ``question:<type>``.

    Each is the mean answer (unit ``mean on <low>–<high>``) or, with ``metric: top_box``
    (the default on a two-point scale), the % of answers in the top boxes of its scale
    (:func:`cxlib.metrics.boxes`; unit ``% answering <points>``), with its 95% CI and n.

    Examples
    --------
    >>> other_questions(cx)["question:goal_completed"].value           # doctest: +SKIP
    72.0
    """
    questions = getattr(getattr(cx, "config", None), "questions", None) or {}
    surveys = cx.surveys
    out: dict[str, MetricResult] = {}
    if surveys is None or not questions:
        return out
    survey = surveys["survey"].astype(str).to_numpy()
    for name, q in questions.items():
        scores = surveys["score"][survey == name]
        label = f"{OTHER_QUESTION}: {q.label}"
        if q.metric == "top_box":
            r = metrics.top_box(scores, q.scale, label)
            low = metrics.boxes(q.scale).satisfied_min
            top = str(low) if low == q.scale[1] else f"{low}–{q.scale[1]}"
            r = dataclasses.replace(r, unit=f"% answering {top} on {q.scale[0]}–{q.scale[1]}")
        else:
            r = metrics.question_mean(scores, q.scale, label)
        if r.n > 0:
            out[QUESTION_PREFIX + name] = r
    return out


def service_value_kpis(cx: Any) -> dict[str, MetricResult]:
    """The mean first-response and resolution times in hours
    (:func:`cxlib.metrics.avg_first_response_time`, :func:`~cxlib.metrics.avg_resolution_time`)
    and CLV (:func:`cxlib.metrics.clv`: revenue-based, lifetime from the customers' churn),
    each with its 95% CI; what the data cannot give is skipped (:data:`SERVICE_VALUE`).

    Examples
    --------
    >>> {k: round(v.value, 1) for k, v in service_value_kpis(cx).items()}  # doctest: +SKIP
    {'first_response_time': 10.3, 'resolution_time': 49.1, 'clv': 705.4}
    """
    out: dict[str, MetricResult] = {}
    tickets = cx.tickets
    times = {
        "first_response_time": metrics.avg_first_response_time,
        "resolution_time": metrics.avg_resolution_time,
    }
    for key, func in times.items():
        if tickets is not None and len(tickets):
            try:
                out[key] = func(tickets, "hours")
            except (KeyError, ValueError):  # no such column
                continue
    orders, customers = getattr(cx, "orders", None), cx.customers
    if orders is not None and len(orders) and customers is not None:
        currency = getattr(getattr(cx, "config", None), "currency", None) or "currency"
        # no signup/churn dates, or no churner: no lifetime, no CLV
        with contextlib.suppress(KeyError, ValueError):
            out["clv"] = metrics.clv(orders, customers=customers, currency=currency)
    return {k: r for k, r in out.items() if r.n > 0}


def headline_kpis(cx: Any) -> dict[str, MetricResult]:
    """The headline KPIs the data can give (absent tables, columns or answers are skipped),
    then the service times and CLV (:func:`service_value_kpis`) and the config's other
    questions (:func:`other_questions`).

    Examples
    --------
    >>> {k: round(v.value, 1) for k, v in headline_kpis(cx).items()}     # doctest: +SKIP
    {'nps': 12.0, 'csat': 71.3, ...}
    """
    funcs = kpi_functions(cx, ticket_as_of(cx.tickets))
    out: dict[str, MetricResult] = {}
    for key in HEADLINE:
        rows = kpi_rows(cx, key)
        if rows is None or len(rows) == 0:
            continue
        try:
            result = funcs[key](rows)
        except (KeyError, ValueError):  # the column the KPI needs is not in the data
            continue
        if result.n > 0:
            out[key] = result
    return out | service_value_kpis(cx) | other_questions(cx)


def kpi_table(
    kpis: Mapping[str, MetricResult],
    targets: Mapping[str, Any] | None = None,
    benchmarks: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """One row per KPI for people: ``KPI``, ``value``, ``95% CI``, ``n``, ``unit``, ``period``.

    With the config's ``targets`` or ``benchmarks`` (:mod:`cxlib.io.goals`), the columns
    ``target``, ``status``, ``gap (95% CI)`` and ``benchmark`` follow
    (:func:`cxlib.scorecard.targets.goal_columns`; blank for a KPI without one).
    """
    rows = [
        {
            "KPI": KPIS.get(k, r.name),
            "value": r.value,
            "95% CI": "–"
            if math.isnan(r.ci_low)
            else f"{number(r.ci_low, 1)} to {number(r.ci_high, 1)}",
            "n": count(r.n),
            "unit": "points (−100 to 100)" if r.unit == "points" else r.unit,
            "period": kpi(k).period if k in KPIS else "the answers given in the period",
        }
        for k, r in kpis.items()
    ]
    table = pd.DataFrame(rows, columns=["KPI", "value", "95% CI", "n", "unit", "period"])
    if not (targets or benchmarks):
        return table
    return pd.concat([table, goal_columns(kpis, targets, benchmarks)], axis=1)


def kpis_to_dict(kpis: Mapping[str, MetricResult]) -> dict[str, dict[str, Any]]:
    """KPIs as plain dicts (for JSON); :func:`kpis_from_dict` reverses it."""
    fields = ("name", "value", "n", "ci_low", "ci_high", "unit", "method", "se")
    return {k: {f: getattr(r, f) for f in fields} for k, r in kpis.items()}


def kpis_from_dict(data: Mapping[str, Mapping[str, Any]]) -> dict[str, MetricResult]:
    """The KPIs stored by :func:`kpis_to_dict` (missing numbers become NaN)."""

    def num(v: Any) -> float:
        return math.nan if v is None else float(v)

    return {
        k: MetricResult(
            d["name"],
            num(d["value"]),
            int(d["n"]),
            num(d["ci_low"]),
            num(d["ci_high"]),
            d["unit"],
            d["method"],
            num(d.get("se")),
        )
        for k, d in data.items()
    }
