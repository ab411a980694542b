"""Actions from the analyses: friction points, churn drivers, NPS key drivers, personas.

Each builder reads one report's outputs (:class:`~cxlib.actions.inputs.Findings`) and
returns :class:`~cxlib.actions.action.Action` records with the customers each is about;
only findings beyond chance become actions (a friction rate whose CI lies above the
typical touchpoint's, a churn driver the churn page calls reliable and significant, a
persona whose churn CI lies above the overall rate).

Examples
--------
>>> ctx = PlanContext(cx, read_findings("reports/latest/outputs"))   # doctest: +SKIP
>>> [a.id for a in friction_actions(ctx)][:2]                       # doctest: +SKIP
['friction:payment:exit', 'friction:billing_page:loop']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from cxlib.actions.action import Action, action_id
from cxlib.actions.context import PlanContext
from cxlib.features.dictionary import family
from cxlib.features.dictionary import label as feature_label
from cxlib.metrics.intervals import wilson
from cxlib.wording import count, is_known, label, percent, share

MIN_FRICTION_CUSTOMERS = 20
"""A friction point met by fewer customers (or answers) gets no action."""
TOP_FRICTION = 10
"""Ranked touchpoints considered (the journey page's top ten)."""
FRICTION = {  # main driver -> watched KPI, column counting its customers, flag, KPI label
    "exit": ("exit_rate", "exits", "exited", "share of its customers whose journey ends there"),
    "loop": ("loop_rate", "loop_customers", "looped", "share of its customers who loop"),
    "rework": ("rework_rate", "rework_customers", "reworked", "share of its customers who redo a step"),
    "followup": ("followup_contact_rate", "followup_customers", "followed_up",
                 "share of its customers who contact support after it"),
    "negative": ("negative_answer_share", None, "negative_answer", "share of negative survey answers"),
    "slow": ("slow_customer_share", "slow_customers", "slowed",
             "share of its customers who wait longer than usual for the next step"),
}  # fmt: skip
ACTIONS = {  # main driver -> what to do (touchpoint filled in)
    "exit": "Find out why journeys end at {tp} and remove what stops customers there",
    "loop": "Stop customers going round in circles at {tp}",
    "rework": "Remove the need to redo steps at {tp}",
    "followup": "Answer at {tp} what now needs a call or ticket to support",
    "negative": "Fix what customers criticise about {tp}",
    "slow": "Shorten the wait after {tp}",
}
DETAILS = {  # main driver -> what was found (figures filled in)
    "exit": "{k} of the {n} customers who reached {tp} ({stage}) ended their journey there",
    "loop": "{k} of the {n} customers who used {tp} ({stage}) repeated it within {loop}",
    "rework": "{k} of the {n} customers who used {tp} ({stage}) redid a step within {rework}",
    "followup": "{k} of the {n} customers who used {tp} ({stage}) contacted support within {followup}",
    "negative": "{k} of the {n} survey answers about {tp} ({stage}) were negative",
    "slow": "{k} of the {n} customers who used {tp} ({stage}) waited longer than usual for their next step",
}  # fmt: skip
MET = ("exited", "looped", "reworked", "followed_up", "negative_answer")
"""The friction a touchpoint's action is about: more than a slow step (the journey page's
affected revenue counts the same customers)."""
MIN_PERSONA_SHARE = 0.02
"""A persona smaller than this share of customers gets no action of its own."""
SPEND_FAMILIES = ("orders", "revenue")
"""Feature families that measure what a customer spends: not a lever of their own."""
OUTCOMES = "experience"
"""The feature family of survey answers: an NPS driver there gets no action of its own."""
WORST_SHARE = 0.2
"""An NPS driver's action is about the fifth of customers on its worse side."""
TOP_NPS_DRIVERS = 3
"""NPS key drivers considered (the strongest by share of the explained differences)."""


def _hours(h: Any) -> str:  # noqa: ANN401
    h = float(h)
    return f"{h / 24:g} days" if h >= 48 else f"{h:g} hours" if h != 1 else "an hour"


def friction_actions(ctx: PlanContext) -> list[Action]:
    """One action per ranked touchpoint whose main friction lies beyond the typical
    touchpoint's (the 95% CI of its rate above the norm)."""
    table = ctx.findings.table("friction")
    if table is None or table.empty:
        return []
    who = ctx.findings.table("friction_customers")
    params = ctx.findings.summaries.get("journey", {}).get("parameters", {})
    windows = {
        "loop": _hours(params.get("loop_window_hours", 1)),
        "rework": _hours(params.get("rework_window_hours", 8)),
        "followup": _hours(params.get("followup_hours", 48)),
    }
    out = []
    for r in table.sort_values("rank").head(TOP_FRICTION).to_dict("records"):
        kind = str(r.get("main_driver"))
        if kind not in FRICTION:
            continue
        key, k_col, flag, kpi_label = FRICTION[kind]
        if kind == "negative":
            n = float(r.get("answers") or 0)
            k = round(float(r.get("negative_answer_share") or 0) * n)
        else:
            n, k = float(r.get("customers") or 0), float(r.get(k_col) or 0)
        norm = float(r.get("main_norm") or 0)
        if n <= 0 or k < MIN_FRICTION_CUSTOMERS or wilson(k, n)[0] <= norm:
            continue  # too few, or not beyond the typical touchpoint
        tp, stage = str(r["touchpoint"]), str(r["stage"])
        ids = None
        if who is not None and flag in who:  # who met more than a slow step there, as the
            met = who[list(MET)].eq(1).any(axis=1) if kind != "slow" else who[flag].eq(1)
            ids = who.loc[who["touchpoint"].astype(str).eq(tp) & met, "customer_id"]
        watch = ctx.watch_share(
            key, f"{kpi_label} ({label(tp)})", k, n, norm, "the typical touchpoint's rate"
        )
        detail = DETAILS[kind].format(
            k=count(k), n=count(n), tp=label(tp), stage=label(stage), **windows
        )
        detail += (
            f": {percent(k / n, 1)} (95% CI {percent(watch.low / 100, 1)}–{percent(watch.high / 100, 1)}),"
            f" against {percent(norm, 1)} at a typical touchpoint"
        )
        if ids is not None and kind != "slow":
            detail += (
                "; the size counts every customer who met friction there (left, looped, "
                "redid a step, contacted support after it or answered negatively)"
            )
        detail += "."
        out.append(
            Action(
                action_id("friction", tp, kind),
                "friction",
                ACTIONS[kind].format(tp=label(tp)),
                detail,
                stage=stage,
                touchpoint=tp,
                owner=ctx.owners.owner(touchpoint=tp, stage=stage),
                watch=watch,
                evidence=ctx.evidence("journey", "Friction-ranking"),
                affected=None if ids is None else ids.tolist(),
                exposed=ctx.visitors(tp),
            )
        )
    return out


def _risky_bins(bins: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bins whose churn rate's CI lies above the rate of all the rows."""
    n = sum(float(b.get("n") or 0) for b in bins)
    overall = sum(float(b.get("churners") or 0) for b in bins) / n if n else math.nan
    return [b for b in bins if float(b.get("ci_low") or 0) > overall]


def _in_bins(values: pd.Series, bins: list[dict[str, Any]]) -> pd.Series:
    """Which values fall in ``bins`` (numeric ranges low–high, or category labels)."""
    numeric = all(is_known(b.get("low")) for b in bins)
    if numeric:
        v = pd.to_numeric(values, errors="coerce")
        hit = pd.Series(False, index=values.index)
        for b in bins:
            hit |= v.between(float(b["low"]), float(b["high"]))
        return hit
    return values.astype(str).isin({str(b["label"]) for b in bins})


def churn_driver_actions(ctx: PlanContext) -> list[Action]:
    """One action per reliable, significant top churn driver: the customers at the driver's
    riskier values (the bins of its shape whose churn CI lies above the overall rate)."""
    summary = ctx.findings.summaries.get("churn") or {}
    shapes = summary.get("driver_shapes") or {}
    sentences = {
        str(d.get("driver")): d.get("sentence", "") for d in summary.get("top_drivers") or []
    }
    features = ctx.features if shapes else None
    out = []
    for driver, spec in shapes.items():
        lead, bins = str(spec["lead"]), _risky_bins(spec.get("bins") or [])
        if not bins or features is None or lead not in features:
            continue
        if family(lead) in SPEND_FAMILIES:
            ctx.notes.append(
                f"The churn driver “{spec.get('name') or lead}” gets no action of its own: it "
                "measures what customers spend, and the sizing already counts what each "
                "customer is worth."
            )
            continue
        hit = _in_bins(features[lead], bins)
        marked = ctx.mask_of(hit)
        exposed = ctx.mask_of(features[lead].notna())
        value, low, high, n = ctx.population.churn(marked)
        rest = ctx.population.churn(exposed & ~marked)[0]
        numeric = all(is_known(b.get("low")) for b in bins)
        values = " or ".join(str(b["label"]) for b in bins)
        name = feature_label(lead)
        where = f"{name} of {values}" if numeric else f"{name} {values}"
        watch = ctx.watch(
            "driver_churn_rate",
            f"yearly churn of the customers with {where}",
            value, low, high, n, rest, "the other customers' churn",
        )  # fmt: skip
        out.append(
            Action(
                action_id("churn_driver", lead),
                "churn driver",
                f"Reach the customers with {where} before they leave",
                str(sentences.get(driver) or ""),
                owner=ctx.owners.owner(family=family(lead)),
                watch=watch,
                evidence=ctx.evidence("churn", "What-goes-with-churn"),
                affected=marked,
                exposed=exposed,
            )
        )
    return out


def nps_driver_actions(ctx: PlanContext, merged_into: list[Action]) -> list[Action]:
    """Actions from the NPS key drivers: a driver that is also a churn driver adds a sentence
    to that action; the others mark the customers on the driver's worse half."""
    drivers = (ctx.findings.summaries.get("churn") or {}).get("nps_key_drivers") or []
    by_lead = {a.id.split(":", 1)[1]: a for a in merged_into if a.kind == "churn driver"}
    features, out = None, []
    for d in sorted(drivers, key=lambda d: d.get("rank", 99))[:TOP_NPS_DRIVERS]:
        feature = str(d.get("feature"))
        phrase = (
            f"It is also key driver {d.get('rank')} of NPS: {share(d.get('share'))} of the "
            f"differences in NPS the model explains ({d.get('direction')})."
        )
        if feature in by_lead:
            by_lead[feature].detail = f"{by_lead[feature].detail} {phrase}".strip()
            continue
        features = ctx.features if features is None else features
        if features is None or feature not in features or family(feature) == OUTCOMES:
            continue  # an experience answer (CSAT) is an outcome, not a lever
        x = pd.to_numeric(features[feature], errors="coerce")
        raises = "raises" in str(d.get("direction"))
        cut = x.quantile(WORST_SHARE if raises else 1 - WORST_SHARE)
        worse = x <= cut if raises else x >= cut
        if worse.mean() > 2 * WORST_SHARE:  # ties (a count's zeros): strictly beyond
            worse = x < cut if raises else x > cut
        marked = ctx.mask_of(worse.fillna(False))
        if not marked.any():
            continue
        side = "lowest" if raises else "highest"
        watch = _nps_watch(
            ctx, marked, f"NPS of the fifth with the {side} {feature_label(feature)}"
        )
        out.append(
            Action(
                action_id("nps_driver", feature),
                "NPS driver",
                f"Improve the experience of the fifth of customers with the {side} {feature_label(feature)}",
                phrase.replace("It is also key", "Key").replace(" of NPS:", " of NPS:"),
                owner=ctx.owners.owner(family=family(feature)),
                watch=watch,
                evidence=ctx.evidence("churn", "Why-customers-score-us-low:-NPS-key-drivers"),
                affected=marked,
                exposed=ctx.mask_of(x.notna()),
            )
        )
    return out


def _nps_watch(ctx: PlanContext, marked: np.ndarray, text: str):  # noqa: ANN202
    """The NPS of the marked customers' answers, against the config's NPS target or the
    other customers' NPS."""
    from cxlib.metrics import nps

    s = getattr(ctx.cx, "surveys", None)
    if s is None or "survey" not in s or "customer_id" not in s:
        return ctx.watch("nps", text, math.nan, math.nan, math.nan, 0, unit="points")
    s = s[s["survey"].astype(str).eq("nps")]
    rows = ctx.population.positions(s["customer_id"])
    mine = np.zeros(len(s), dtype=bool)
    mine[rows >= 0] = marked[rows[rows >= 0]]
    now, rest = nps(s.loc[mine, "score"]), nps(s.loc[~mine, "score"])
    return ctx.watch("nps", text, now.value, now.ci_low, now.ci_high, now.n, rest.value,
                     "the other customers' NPS", unit="points")  # fmt: skip


def persona_actions(ctx: PlanContext) -> list[Action]:
    """One action per persona whose churn (95% CI) lies above the overall churn rate."""
    profiles, members = ctx.findings.table("personas"), ctx.findings.table("persona_of")
    if profiles is None or members is None or "churn_rate_ci_low" not in profiles:
        return []
    total = float(profiles["n"].sum())
    overall = float((profiles["churn_rate"] * profiles["n"]).sum() / total) if total else math.nan
    out = []
    for r in profiles.to_dict("records"):
        if not (float(r["churn_rate_ci_low"]) > overall and r["n"] / total >= MIN_PERSONA_SHARE):
            continue
        name = str(r["persona_name"])
        ids = members.loc[members["persona_name"].astype(str).eq(name), "customer_id"]
        value, low, high, n = ctx.population.churn(ids)
        rest = ctx.population.churn(members.loc[~members["customer_id"].isin(ids), "customer_id"])[
            0
        ]
        alias = f" ({r['persona_alias']})" if r.get("persona_alias") else ""
        detail = (
            f"{name}{alias}: {count(r['n'])} customers ({share(r['share'])}); "
            f"{percent(r['churn_rate'] / 100, 1)} had churned by the end of the data "
            f"(95% CI {percent(r['churn_rate_ci_low'] / 100, 1)}–"
            f"{percent(r['churn_rate_ci_high'] / 100, 1)}) against {percent(overall / 100, 1)} "
            f"of all customers; they prefer {label(r.get('preferred_channel'))}."
        )
        out.append(
            Action(
                action_id("persona", name),
                "persona",
                f"Keep the {name} customers: find and fix what makes them leave",
                detail,
                persona=name,
                owner=ctx.owners.owner(persona=name),
                watch=ctx.watch(
                    "persona_churn_rate",
                    f"yearly churn of {name}",
                    value,
                    low,
                    high,
                    n,
                    rest,
                    "the other customers' churn",
                ),  # fmt: skip
                evidence=ctx.evidence("personas", "Experience-and-churn-per-persona"),
                affected=ids.astype(str).tolist(),
            )
        )
    return out


__all__ = ["churn_driver_actions", "friction_actions", "nps_driver_actions", "persona_actions"]
