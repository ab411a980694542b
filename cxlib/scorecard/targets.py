"""The scorecard's KPIs against the config's targets and benchmarks.

A KPI with a monthly trend is judged on its latest month (as the index tile shows it);
one without, on its value over the data. The arithmetic (met, gap with its CI) is
:mod:`cxlib.metrics.targets`; no target is invented: a KPI the config names no target for
gets none.

Examples
--------
>>> goals = target_records(kpis, trends, cx.config.targets, cx.config.benchmarks)  # doctest: +SKIP
>>> target_sentences(goals)[0]                                                     # doctest: +SKIP
'CSAT in Sep 2026 51.6% (95% CI 49.3 to 53.9) against a target of at least 75%: ...'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from cxlib.metrics.intervals import MetricResult
from cxlib.metrics.targets import (
    benchmark_gap,
    check_target,
    target_record,
    target_text,
)
from cxlib.wording import month, number


def target_records(
    kpis: Mapping[str, MetricResult],
    trends: pd.DataFrame,
    targets: Mapping[str, Any] | None,
    benchmarks: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One :func:`cxlib.metrics.targets.target_record` per KPI the config gives a target
    or a benchmark for and the data measures: missed targets first (clear misses before
    those whose CI straddles the target), then met ones, then benchmark-only KPIs.

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> tr = pd.DataFrame({"kpi": ["csat"], "period": ["2026-09"], "value": [70.0],
    ...                    "ci_low": [68.0], "ci_high": [72.0], "n": [900]})
    >>> r = target_records({}, tr, {"csat": T(value=75, direction="higher")})[0]
    >>> r["met"], r["gap"], r["gap_low"], r["gap_high"], r["period"]
    (False, -5.0, -7.0, -3.0, '2026-09')
    """
    targets, benchmarks = targets or {}, benchmarks or {}
    out = []
    for key in dict.fromkeys([*targets, *benchmarks]):
        rows = trends[trends["kpi"] == key] if "kpi" in trends else trends.iloc[0:0]
        if len(rows):
            last = rows.iloc[-1]
            value, low, high, n = last["value"], last["ci_low"], last["ci_high"], last["n"]
            period, when = str(last["period"]), f"in {month(last['period'])}"
        elif key in kpis:
            r = kpis[key]
            value, low, high, n, period, when = r.value, r.ci_low, r.ci_high, r.n, None, ""
        else:
            continue
        out.append(
            target_record(
                key, value, low, high, targets.get(key), benchmarks.get(key),
                n=n, period=period, when=when,
            )
        )  # fmt: skip

    def rank(r: dict[str, Any]) -> int:
        if r["met"] is None:
            return 3
        return 2 if r["met"] else 0 if r["clear"] else 1

    return sorted(out, key=rank)


def target_sentences(records: list[dict[str, Any]], none: str | None = None) -> list[str]:
    """The records' sentences (missed targets first); ``[none]`` when there is none."""
    out = [str(r["sentence"]) for r in records if r.get("sentence")]
    return out or ([none] if none else [])


def goal_columns(
    kpis: Mapping[str, MetricResult],
    targets: Mapping[str, Any] | None,
    benchmarks: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Per KPI (rows in the order of ``kpis``): ``target``, ``status`` (met / not met,
    "not clear" when the CI straddles the target), ``gap (95% CI)`` and ``benchmark``;
    blank where the config gives none. The KPI table's extra columns.

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> r = MetricResult("CSAT", 70.0, 900, 68.0, 72.0, "%", "wilson")
    >>> goal_columns({"csat": r}, {"csat": T(value=75, direction="higher")}).iloc[0].tolist()
    ['at least 75%', 'not met', '−5.0 (−7.0 to −3.0)', '']
    """
    targets, benchmarks = targets or {}, benchmarks or {}
    rows = []
    for key, r in kpis.items():
        row = {"target": "", "status": "", "gap (95% CI)": "", "benchmark": ""}
        t = targets.get(key)
        if t is not None and not math.isnan(r.value):
            c = check_target(r.value, r.ci_low, r.ci_high, t)
            row["target"] = target_text(key, t.value, t.direction)
            row["status"] = ("met" if c.met else "not met") if c.clear else "not clear"
            row["gap (95% CI)"] = (
                f"{_signed(c.gap)} ({_signed(c.gap_low)} to {_signed(c.gap_high)})"
            )
        b = benchmarks.get(key)
        if b is not None:
            row["benchmark"] = f"{b.value:g} ({_signed(benchmark_gap(r.value, b))}; {b.source})"
        rows.append(row)
    return pd.DataFrame(rows, columns=["target", "status", "gap (95% CI)", "benchmark"])


def _signed(x: float) -> str:
    """``+1.5`` / ``−2.0``: a gap with its sign."""
    if math.isnan(x):
        return number(x)
    return f"{x:+,.1f}".replace("-", "−")


__all__ = ["goal_columns", "target_records", "target_sentences"]
