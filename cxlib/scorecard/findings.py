"""The scorecard's findings as sentences with numbers, and its summary JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from cxlib.metrics.intervals import MetricResult
from cxlib.scorecard.kpis import DIMENSIONS, KPIS, PROMISE_HOURS, kpis_to_dict

# --- findings -----------------------------------------------------------------------------


def _pts(r: MetricResult | float, unit: str = "%") -> str:
    value = r.value if isinstance(r, MetricResult) else r
    return f"{value:,.1f}{'%' if unit == '%' else ''}"


def _ci(r: MetricResult) -> str:
    return f"95% CI {r.ci_low:,.1f} to {r.ci_high:,.1f}, n={r.n:,}"


def promise_sentence(kpis: Mapping[str, MetricResult]) -> str:
    """The headline on the 24-hour response promise (or why it cannot be measured)."""
    r = kpis.get("response_24h")
    if r is None:
        return (
            f"The {PROMISE_HOURS}-hour response promise is not measured: the data has no "
            "support tickets with first-response times."
        )
    return (
        f"{r.value:.1f}% of support tickets got a first answer within {PROMISE_HOURS} hours "
        f"({_ci(r)}); most customers expect one within a day, so {100 - r.value:.1f}% "
        "waited longer."
    )


def change_sentences(trends: pd.DataFrame, none: str | None = None) -> list[str]:
    """One sentence per significant month-on-month change, largest first.

    When there is none: ``[none]`` if ``none`` is given, else ``[]``.
    """
    sig = trends[trends["significant"].fillna(False).astype(bool)].copy()
    if sig.empty:
        return [none] if none else []
    prev = trends.groupby("kpi")["period"].shift(1)
    sig["previous"] = prev[sig.index]
    sig = sig.reindex(sig["change"].abs().sort_values(ascending=False).index)
    out = []
    for row in sig.itertuples():
        way = "rose" if row.change > 0 else "fell"
        unit = " points" if row.kpi == "nps" else " percentage points"
        out.append(
            f"{row.label} {way} {abs(row.change):.1f}{unit} from {row.previous} to {row.period} "
            f"(to {row.value:.1f}; adjusted p={row.p_adjusted:.3f})."
        )
    return out


def gap_sentences(
    table: pd.DataFrame, top: int | None = None, none: str | None = None
) -> list[str]:
    """One sentence per significant gap between a group and the rest, worst first.

    At most ``top`` sentences; when there is none: ``[none]`` if given, else ``[]``.
    """
    sig = table[table["significant"].fillna(False).astype(bool)]
    if sig.empty:
        return [none] if none else []
    sig = sig.reindex(sig["diff"].sort_values().index)
    out = []
    for row in sig.itertuples():
        way = "below" if row.diff < 0 else "above"
        dim, dims = DIMENSIONS.get(row.dimension, (row.dimension, row.dimension + "s"))
        unit = "points" if row.kpi == "nps" else "percentage points"
        out.append(
            f"{row.label} at {dim} {row.group!r} is {abs(row.diff):.1f} {unit} {way} the other "
            f"{dims} ({row.value:.1f} vs {row.rest:.1f}, n={row.n:,})."
        )
    return out[:top] if top else out


def theme_sentence(voc: pd.DataFrame | None, group: str = "detractor") -> str | None:
    """What the group talks about most (its largest theme), or None."""
    if voc is None or voc.empty:
        return None
    themes = voc[(voc["group"] == group) & (voc["theme"] > 0)]
    if themes.empty:
        return None
    top = themes.iloc[0]
    return (
        f"{group.capitalize()}s talk most about “{top['keywords']}” "
        f"({top['share']:.0f}% of their {int(top['group_comments']):,} comments)."
    )


def findings(
    kpis: Mapping[str, MetricResult],
    trends: pd.DataFrame,
    table: pd.DataFrame,
    voc: pd.DataFrame | None = None,
) -> list[str]:
    """The scorecard's findings as sentences, most important first (the first three are
    the summary's ``findings``)."""
    out = []
    if "response_24h" in kpis or "fcr" in kpis:
        out.append(promise_sentence(kpis))
    if "nps" in kpis:
        out.append(f"NPS is {kpis['nps'].value:.1f} ({_ci(kpis['nps'])} answers).")
    gaps, changes = gap_sentences(table), change_sentences(trends)
    out += gaps[:1] + changes[:1]
    voc_line = theme_sentence(voc)
    if voc_line:
        out.append(voc_line)
    for key in ("csat", "ces", "fcr", "churn_rate"):
        if key in kpis and len(out) < 3:
            out.append(f"{KPIS[key]} is {kpis[key].value:.1f}% ({_ci(kpis[key])}).")
    if not changes and not trends.empty:
        out.append("No KPI changed significantly from one month to the next.")
    return out


def summary(
    kpis: Mapping[str, MetricResult],
    trends: pd.DataFrame,
    table: pd.DataFrame,
    voc: pd.DataFrame | None = None,
    period: tuple[Any, Any] | None = None,
) -> dict[str, Any]:
    """The scorecard's summary JSON: ``findings`` (top three), ``kpis``, changes, gaps."""
    return {
        "findings": findings(kpis, trends, table, voc)[:3],
        "kpis": kpis_to_dict(kpis),
        "period": [str(p) for p in period] if period else None,
        "significant_changes": change_sentences(trends),
        "significant_gaps": gap_sentences(table),
    }
