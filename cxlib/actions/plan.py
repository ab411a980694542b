"""The CX action plan: every analysis's findings as actions, sized one way and ranked.

:func:`build_plan` gathers the actions of every kind (:mod:`~cxlib.actions.from_analyses`,
:mod:`~cxlib.actions.from_signals`), sizes each by its customers
(:mod:`~cxlib.actions.sizing`) and ranks them: by revenue at risk a year, then by the
extra churners a year, then by customers affected. :func:`plan_table` is the published
table (``action_plan.csv``: rank, action, stage, touchpoint, persona, customers,
revenue_at_risk_per_year, revenue_low, revenue_high, owner, kpi, target, evidence, then
the rest); :func:`plan_sentences` the page's first screen.

Examples
--------
>>> plan = build_plan(cx, read_findings(out), config)              # doctest: +SKIP
>>> plan_table(plan)[["rank", "action", "owner"]].head(2)          # doctest: +SKIP
   rank                                         action          owner
0     1  Stop customers going round in circles at billing page   Billing team
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxlib.actions import from_analyses, from_signals
from cxlib.actions.action import Action
from cxlib.actions.context import PlanContext
from cxlib.actions.inputs import Findings
from cxlib.actions.sizing import LAST_YEAR, UNKNOWN_SIZE, Size, rank_key
from cxlib.io import outputs
from cxlib.io.goals import Owners
from cxlib.wording import count, money

PLAN_CSV = "action_plan.csv"
PLAN_JSON = "action_plan.json"
LEAD_COLUMNS = [
    "rank", "action", "stage", "touchpoint", "persona", "customers",
    "revenue_at_risk_per_year", "revenue_low", "revenue_high", "owner", "kpi", "target",
    "evidence",
]  # fmt: skip
"""The plan's first columns, in the order the issue names them."""
FIRST_SCREEN = 5
"""Actions the first screen names."""


@dataclass
class ActionPlan:
    """Ranked actions, the analyses that gave none, and notes on how they were sized."""

    actions: list[Action]
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    has_revenue: bool = False
    basis: str = ""
    has_churn: bool = False
    top_revenue: Size | None = None
    """The size of the top actions' customers together (each counted once)."""


def build_plan(cx: Any, findings: Findings, config: Any = None) -> ActionPlan:  # noqa: ANN401
    """Every action the findings support, sized and ranked (see the module docstring).

    ``config`` is the data set's :class:`~cxlib.io.config.DatasetConfig` (targets and
    owners); None uses the one the data was loaded with, if any.
    """
    config = config if config is not None else getattr(cx, "config", None)
    ctx = PlanContext(
        cx,
        findings,
        targets=dict(getattr(config, "targets", {}) or {}),
        owners=getattr(config, "owners", None) or Owners(),
    )
    if not findings.alerts_final:  # the run's alerts as the runner will merge them
        findings.alerts = _run_alerts(cx, config, findings, ctx.notes)
    churn = from_analyses.churn_driver_actions(ctx)
    actions = [
        *from_analyses.friction_actions(ctx),
        *churn,
        *from_analyses.nps_driver_actions(ctx, churn),
        *from_analyses.persona_actions(ctx),
        *from_signals.theme_actions(ctx),
        *from_signals.alert_actions(ctx),
        *from_signals.backlog_actions(ctx),
    ]
    pop = ctx.population
    if len(pop.ids):  # each action's customers as a mask over the population, once
        for a in actions:
            if a.affected is not None:
                a.affected = pop.mask(a.affected)
                a.exposed = None if a.exposed is None else pop.mask(a.exposed)
    for a in actions:
        a.size = UNKNOWN_SIZE if a.affected is None else pop.size(a.affected, a.exposed)
    _size_segments_by_what_remains(actions, pop, ctx.notes)
    actions.sort(key=lambda a: (a.affected is None, *rank_key(a.size), -_reach(a), a.id))
    notes = _sizing_notes(pop.has_churn, pop.has_revenue, pop.basis)
    top = [a.affected for a in actions[:FIRST_SCREEN] if a.affected is not None]
    together = pop.size(np.logical_or.reduce(top)) if top and len(pop.ids) else None
    return ActionPlan(actions, findings.missing, notes + ctx.notes, pop.has_revenue, pop.basis,
                      pop.has_churn, together)  # fmt: skip


def _reach(a: Action) -> float:
    """What an unsized action is about, counted: the watched rate's cases (comments, answers)."""
    w = a.watch
    if w is None or not (math.isfinite(w.value) and w.unit == "%"):
        return 0.0
    return w.value * w.n / 100


def _run_alerts(cx: Any, config: Any, findings: Findings, notes: list[str]) -> list[dict]:  # noqa: ANN401
    """The KPI alerts of the data merged with the reports' own, as the runner merges them
    into ``alerts.json`` after the last report (:func:`cxlib.actions.alerts.merge_alerts`)."""
    from cxlib.actions.alerts import kpi_alerts, merge_alerts

    try:
        if findings.kpi_alerts is not None:  # the runner's, computed once per run
            own = findings.kpi_alerts
        elif getattr(cx, "surveys", None) is not None or getattr(cx, "tickets", None) is not None:
            own = kpi_alerts(cx, config)
        else:
            own = []
    except (ValueError, KeyError) as exc:
        notes.append(f"The KPI alerts could not be computed ({exc}); the reports' own are used.")
        own = []
    return merge_alerts(own, findings.summaries.values())


SEGMENT_KINDS = ("persona",)
"""Actions about who customers are rather than what happened to them: sized by the
customers no other action reaches."""


MIN_REMAINING = 0.1
"""A persona whose customers the other actions nearly all reach (all but this share) gets
no action of its own."""


def _size_segments_by_what_remains(
    actions: list[Action],
    pop: Any,  # noqa: ANN401
    notes: list[str],
) -> None:
    """Size each persona action by its customers that no problem action (a friction
    point, a driver, a theme, the backlog, an alert) already covers, so a persona is not
    ranked on the very problems listed elsewhere."""
    if not len(pop.ids):
        return
    covered = np.zeros(len(pop.ids), dtype=bool)
    for a in actions:
        if a.kind not in SEGMENT_KINDS and a.affected is not None:
            covered |= a.affected
    for a in list(actions):
        if a.kind not in SEGMENT_KINDS or a.affected is None:
            continue
        rest = a.affected & ~covered
        if rest.sum() < MIN_REMAINING * a.affected.sum():
            actions.remove(a)
            notes.append(
                f"The persona {a.persona or a.id} gets no action of its own: the other actions "
                "already reach nearly all its customers."
            )
            continue
        a.detail += (
            f" {count(int(rest.sum()))} of its {count(int(a.affected.sum()))} customers are "
            "reached by no other action; the size counts only them."
        )
        a.affected = rest
        a.size = pop.size(rest, a.exposed)


def _sizing_notes(has_churn: bool, has_revenue: bool, basis: str) -> list[str]:
    """How the actions were sized, in sentences for the method note."""
    if not has_churn:
        return [
            "The data says nothing about churn, so actions are ranked by the customers they "
            "affect; revenue at risk is unknown."
        ]
    out = [
        f"Churn is read as {basis}. "
        "Every action is sized the same way: the customers it is about, their yearly loss "
        "(churn, or never becoming a paying customer) against that of the customers who "
        "were exposed to the same problem but not affected (a touchpoint's other "
        "users, the other commenters, the other customers with tickets, everyone else for a "
        "persona or a driver), and the revenue a year their extra loss puts at risk (yearly "
        "revenue of the affected customers still active × the excess, 95% CI from the "
        "excess's; a customer who never paid counts at the median paying customer's "
        "revenue). The figures are associations: customers who met a problem churn more, "
        "which may partly be who they are."
    ]
    if basis == LAST_YEAR:
        out.append(
            "Churn is measured over the last 12 months of the data (churns over the years "
            "each customer was a customer in them, read as the chance of churning in a year)."
        )
    if not has_revenue:
        out.append("The data has no revenue, so actions are ranked by the extra churners a year.")
    return out


def plan_table(plan: ActionPlan) -> pd.DataFrame:
    """The plan as one row per action, ranked (the columns of :data:`LEAD_COLUMNS` first)."""
    rows = [a.record() | {"rank": i} for i, a in enumerate(plan.actions, 1)]
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=LEAD_COLUMNS)
    rest = [c for c in frame.columns if c not in LEAD_COLUMNS]
    return frame[LEAD_COLUMNS + rest]


def money_ci(low: float, high: float) -> str:
    """``95% CI 150.0k–210.0k``; ``95% CI ±12.0k`` when both ends round to one figure.

    >>> money_ci(1_300_000, 1_500_000), money_ci(1_380_000, 1_420_000)
    ('95% CI 1.3m–1.5m', '95% CI ±20.0k')
    """
    a, b = money(low), money(high)
    return f"95% CI {a}–{b}" if a != b else f"95% CI ±{money((high - low) / 2)}"


def size_phrase(a: Action, has_revenue: bool) -> str:
    """``2,300 customers; 180.0k a year at risk (95% CI 150.0k–210.0k)``."""
    s = a.size
    if a.affected is None:
        return "customers not known (anonymous answers or posts): not sized"
    text = f"{count(s.customers)} customers"
    if not math.isfinite(s.excess):
        return f"{text} (no comparison group to size it against)" if a.kind == "alert" else text
    if has_revenue and math.isfinite(s.revenue):
        if s.revenue_high <= 0:
            return f"{text}; no extra churn among them"
        ci = money_ci(s.revenue_low, s.revenue_high)
        return f"{text}; {money(s.revenue)} a year at risk ({ci})"
    return f"{text}; about {count(round(s.extra_churners))} extra churners a year"


def action_sentence(a: Action, has_revenue: bool) -> str:
    """One line per action, in the shape of the issue's example: what, evidence, size,
    owner, watch."""
    parts = [f"{a.action}: {a.detail}".rstrip(". ") + ".", size_phrase(a, has_revenue) + "."]
    parts.append(f"Owner: {a.owner}.")
    if a.watch is not None:
        target = a.watch.target_text()
        parts.append(f"Watch: {a.watch.label}{f', target {target}' if target else ''}.")
    return " ".join(parts)


def plan_sentences(plan: ActionPlan, top: int = FIRST_SCREEN, listed: bool = True) -> list[str]:
    """The first screen: how many actions, what the top ``top`` hold together, and (when
    ``listed``) the top ones in one line each."""
    if not plan.actions:
        why = (
            f" The analyses {', '.join(plan.missing)} did not run, so their findings are missing."
            if plan.missing
            else ""
        )
        return ["No finding is clear enough to act on: no action is proposed." + why]
    sized = [a for a in plan.actions if a.affected is not None]
    lead = f"{count(len(plan.actions))} actions, ranked by " + (
        "the revenue a year their customers' extra churn puts at risk."
        if plan.has_revenue
        else "their extra churners a year."
        if plan.has_churn
        else "the customers they affect (the data says nothing about churn or revenue)."
    )
    if plan.has_revenue and plan.top_revenue is not None and plan.top_revenue.revenue > 0:
        t = plan.top_revenue
        lead += (
            f" The top {min(top, len(sized))} together reach {count(t.customers)} customers "
            f"and {money(t.revenue)} a year at risk ({money_ci(t.revenue_low, t.revenue_high)}; "
            "a customer behind several of them counts once)."
        )
    if not listed:
        return [lead]
    return [lead] + [f"{i}. {action_sentence(a, plan.has_revenue)}" for i, a in
                     enumerate(plan.actions[:top], 1)]  # fmt: skip


def index_sentences(plan: ActionPlan, top: int = 2) -> list[str]:
    """The plan on the index page: how many actions, then the top ones in a short line
    each (what, size, owner)."""
    lead = plan_sentences(plan, listed=False)[:1]
    short = [
        f"{i}. {a.action}: {size_phrase(a, plan.has_revenue)}; owner: {a.owner}."
        for i, a in enumerate(plan.actions[:top], 1)
    ]
    return lead + short


def method_notes(plan: ActionPlan) -> list[str]:
    """How the actions were found and sized, and which analyses did not run."""
    out = list(plan.notes)
    if plan.missing:
        out.append(f"Not in this run, so not in the plan: {', '.join(plan.missing)}.")
    return out


def summary(plan: ActionPlan, tracking: pd.DataFrame | None = None) -> dict[str, Any]:
    """The page's summary JSON: findings (the first screen) and the ranked actions."""
    table = plan_table(plan)
    return {
        "report": "action_plan",
        "findings": index_sentences(plan),
        "actions": table.to_dict("records"),
        "missing_analyses": plan.missing,
        "notes": plan.notes,
        "tracking": None if tracking is None else tracking.to_dict("records"),
    }


def save_outputs(
    plan: ActionPlan, output_dir: str | Path, tracking: pd.DataFrame | None = None
) -> list[Path]:
    """Write ``action_plan.csv`` and ``action_plan.json`` (no customer ids in either)."""
    return [
        outputs.save(output_dir, PLAN_CSV, plan_table(plan)),
        outputs.save(output_dir, PLAN_JSON, summary(plan, tracking)),
    ]


__all__ = [
    "FIRST_SCREEN",
    "LEAD_COLUMNS",
    "PLAN_CSV",
    "PLAN_JSON",
    "ActionPlan",
    "action_sentence",
    "build_plan",
    "index_sentences",
    "method_notes",
    "money_ci",
    "plan_sentences",
    "plan_table",
    "save_outputs",
    "size_phrase",
    "summary",
]
