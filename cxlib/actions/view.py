"""How the action plan reads on its page: the top actions as cards, the ranked table, the
chart of revenue at risk, and the tracking table.

Examples
--------
>>> show_plan(plan)                                               # doctest: +SKIP
>>> plots.show_table(plan_view(plan))                             # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from cxlib.actions.plan import FIRST_SCREEN, ActionPlan, size_phrase
from cxlib.actions.tracking import TRACK_COLUMNS
from cxlib.plots import BAD, NEUTRAL, finding_title
from cxlib.templates import render
from cxlib.wording import count, label, money

_LINK = re.compile(r"^[a-z_]+\.html(#[\w\-,.:]+)?$")
"""An evidence link the page may show: one of the run's pages and a section of it."""


def _where(a: Any) -> str:  # noqa: ANN401
    parts = [
        f"{what} {label(v)}" if what else str(v)
        for what, v in (
            ("stage", a.stage), ("touchpoint", a.touchpoint), ("channel", a.channel),
            ("ticket category", a.category), ("", a.persona),
        )
        if v
    ]  # fmt: skip
    return ", ".join(parts)


def _watch(a: Any) -> str:  # noqa: ANN401
    w = a.watch
    if w is None:
        return ""
    unit = "%" if w.unit == "%" else f" {w.unit}" if w.unit not in ("", "%") else ""
    now = f"{w.value:,.1f}{unit}" if math.isfinite(w.value) else "not measured"
    ci = f" (95% CI {w.low:,.1f}–{w.high:,.1f})" if math.isfinite(w.low) else ""
    target = w.target_text()
    return f"{w.label}, now {now}{ci}" + (f"; target {target}" if target else "")


def _href(evidence: str) -> str | None:
    return evidence if _LINK.match(evidence or "") else None


def cards_html(
    plan: ActionPlan, tracked: pd.DataFrame | None = None, top: int = FIRST_SCREEN
) -> str:
    """The top actions as escaped HTML cards (what, where, evidence link, size, owner, watch)."""
    status = (
        {}
        if tracked is None or tracked.empty
        else dict(zip(tracked["id"], tracked["status"], strict=True))
    )
    cards = [
        {
            "action": a.action,
            "where": _where(a),
            "detail": a.detail,
            "size": size_phrase(a, plan.has_revenue),
            "owner": a.owner,
            "watch": _watch(a),
            "status": status.get(a.id, ""),
            "href": _href(a.evidence),
            "evidence": a.evidence.split("#")[-1].replace("-", " ") if a.evidence else "",
        }
        for a in plan.actions[:top]
    ]
    return render("action_cards.html.j2", actions=cards, title=f"The top {len(cards)} actions")


def show_plan(
    plan: ActionPlan, tracked: pd.DataFrame | None = None, top: int = FIRST_SCREEN
) -> None:
    """Display :func:`cards_html` in a notebook."""
    from IPython.display import HTML, display

    display(HTML(cards_html(plan, tracked, top)))


def plan_view(plan: ActionPlan) -> pd.DataFrame:
    """The ranked actions as the page's table (words and formatted numbers)."""
    rows = []
    for i, a in enumerate(plan.actions, 1):
        s = a.size
        risk = (
            "not sized"
            if a.affected is None
            else money(s.revenue)
            if math.isfinite(s.revenue)
            else "n/a"
        )
        if math.isfinite(s.revenue_low):
            risk += f" ({money(s.revenue_low)}–{money(s.revenue_high)})"
        rows.append({
            "rank": i, "action": a.action, "where": _where(a), "kind": a.kind,
            "customers": count(s.customers) if a.affected is not None else "unknown",
            "yearly churn vs rest": (f"{s.churn_affected:.1f}% vs {s.churn_rest:.1f}%"
                                     if math.isfinite(s.churn_affected) else "n/a"),
            "revenue at risk a year (95% CI)": risk, "owner": a.owner, "watch": _watch(a),
        })  # fmt: skip
    return pd.DataFrame(rows)


def tracking_view(tracked: pd.DataFrame) -> pd.DataFrame:
    """The tracking table as the page shows it."""
    if tracked is None or tracked.empty:
        return pd.DataFrame(columns=["action", "status"])
    t = tracked[TRACK_COLUMNS].copy()

    def fmt(v: Any, lo: Any, hi: Any) -> str:  # noqa: ANN401
        if v is None or not math.isfinite(float(v)):
            return ""
        ci = (
            f" ({float(lo):+.1f} to {float(hi):+.1f})"
            if lo is not None and math.isfinite(float(lo))
            else ""
        )
        return f"{float(v):+.1f}{ci}"

    return pd.DataFrame({
        "action": t["action"], "status": t["status"], "first seen": t["first_run"].fillna("this run"),
        "KPI then": t["first_value"].map(lambda v: "" if pd.isna(v) else f"{v:,.1f}"),
        "KPI now": t["kpi_value"].map(lambda v: "" if pd.isna(v) else f"{v:,.1f}"),
        "change (95% CI)": [fmt(v, lo, hi) for v, lo, hi in
                            zip(t["change"], t["change_low"], t["change_high"], strict=True)],
    })  # fmt: skip


def plot_plan(plan: ActionPlan, top: int = 10) -> plt.Figure:
    """Revenue at risk a year of the top actions with their 95% CIs (customers when the
    data has no revenue)."""
    sized = [a for a in plan.actions if a.affected is not None][:top]
    money_axis = plan.has_revenue and any(math.isfinite(a.size.revenue) for a in sized)
    fig, ax = plt.subplots(figsize=(9, 0.5 * max(len(sized), 2) + 1.5))
    if not sized:
        ax.axis("off")
        ax.text(0.5, 0.5, "No action to rank", ha="center", va="center")
        return fig
    names = [_short(f"{i}. {a.action}") for i, a in enumerate(sized, 1)][::-1]
    if money_axis:
        vals = [a.size.revenue for a in sized][::-1]
        err = [[a.size.revenue - a.size.revenue_low for a in sized][::-1],
               [a.size.revenue_high - a.size.revenue for a in sized][::-1]]  # fmt: skip
        ax.barh(names, vals, xerr=err, color=[BAD if a.size.clear else NEUTRAL for a in sized][::-1],
                capsize=3)  # fmt: skip
        ax.set_xlabel("revenue at risk a year (95% CI)")
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: money(x)))
        ax.xaxis.set_major_locator(MaxNLocator(4))
        lead = f"The top action puts {money(sized[0].size.revenue)} a year at risk"
    else:
        ax.barh(names, [a.size.customers for a in sized][::-1], color=NEUTRAL)
        ax.set_xlabel("customers affected")
        lead = f"The top action affects {count(sized[0].size.customers)} customers"
    finding_title(ax, lead, "grey: the extra churn is not clear beyond chance")
    fig.tight_layout()
    return fig


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


__all__ = ["cards_html", "plan_view", "plot_plan", "show_plan", "tracking_view"]
