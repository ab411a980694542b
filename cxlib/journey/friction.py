"""Touchpoint friction: exit, loop and follow-up rates, times, survey answers and the score."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cxlib.journey._common import HOUR, add_rate, as_log
from cxlib.journey.log import JourneyLog, render
from cxlib.metrics import ces_mean, csat, grouped

DEFAULT_WEIGHTS: dict[str, float] = {
    "exit": 1.0,
    "loop": 1.0,
    "followup": 1.0,
    "negative": 0.5,
    "slow": 0.5,
}
"""Weights of the friction-score components (the formula is in :mod:`cxlib.journey`)."""

COMPONENTS = {  # component -> the rate column it scores
    "exit": "exit_rate",
    "loop": "loop_rate",
    "followup": "followup_contact_rate",
    "negative": "negative_answer_share",
    "slow": "slow_step_share",
}
UNITS = {  # component -> the count its rate is a share of
    "exit": "customers",
    "loop": "visits",
    "followup": "visits",
    "negative": "answers",
    "slow": "steps",
}
SLOW_NORM = 0.25
"""A slow step is slower than three in four comparable steps: 25% is the norm."""


def friction_counts(
    log: JourneyLog, loop_window_hours: float, followup_hours: float
) -> pd.DataFrame:
    """Per-touchpoint counts (split ``all`` and ``persona``) with times and survey columns."""
    windows = {"loop_window_s": loop_window_hours * HOUR, "followup_s": followup_hours * HOUR}
    log.materialize("visits", **windows)
    log.materialize("customer_touchpoints", **windows)  # rebuilt when the windows change
    log.materialize("runs")
    log.materialize("step_norms")
    counts = log.query("friction")
    counts = counts[(counts["split"] == "all") | counts["grp"].notna()]
    steps = log.query("step_times")
    out = counts.merge(steps, on=["stage_rank", "touchpoint"], how="left")
    answers = log.query("touchpoint_answers")
    out = out.merge(answers, on="touchpoint", how="left")
    for c in (
        "answers",
        "negative_answers",
        "comments",
        "negative_comments",
        "steps",
        "slow_steps",
    ):
        out[c] = out[c].fillna(0).astype(int)
    ints = [
        "visits", "customers", "exits", "abandonment_exits", "churn_exits", "loop_customers",
        "loop_visits", "followup_customers", "followup_visits", "customers_affected",
    ]  # fmt: skip
    out[ints] = out[ints].fillna(0).astype(int)
    add_rate(out, "exit_rate", "exits", "customers")
    add_rate(out, "loop_rate", "loop_visits", "visits")
    add_rate(out, "followup_contact_rate", "followup_visits", "visits")
    if not log.has_tickets:
        for c in (
            "followup_contact_rate",
            "followup_contact_rate_ci_low",
            "followup_contact_rate_ci_high",
        ):
            out[c] = np.nan
    if not log.has_revenue:
        out["revenue_at_risk"] = np.nan
    else:
        out["revenue_at_risk"] = out["revenue_at_risk"].fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["time_to_next_ratio"] = out["median_hours_to_next"] / out["stage_median_hours"]
        out["slow_step_share"] = np.where(
            out["steps"] > 0, out["slow_steps"] / out["steps"], np.nan
        )
        out["negative_answer_share"] = np.where(
            out["answers"] > 0, out["negative_answers"] / out["answers"], np.nan
        )
        out["negative_comment_share"] = np.where(
            out["comments"] > 0, out["negative_comments"] / out["comments"], np.nan
        )
    return _survey_metrics(log, out)


def _survey_metrics(log: JourneyLog, out: pd.DataFrame) -> pd.DataFrame:
    """CES mean and CSAT per touchpoint through :mod:`cxlib.metrics`."""
    out["ces_mean"], out["ces_answers"] = np.nan, 0
    out["csat"], out["csat_answers"] = np.nan, 0
    if not log.has_answers:
        return out
    sv = log.cx.surveys[["touchpoint", "survey", "score"]]
    sv = sv[sv["touchpoint"].notna() & sv["survey"].isin(["ces", "csat"])]
    for survey, metric, col in (("ces", ces_mean, "ces_mean"), ("csat", csat, "csat")):
        rows = sv[sv["survey"] == survey]
        if rows.empty:
            continue
        scale = log.scales.get(survey)
        g = grouped(metric, rows, "touchpoint", value="score", min_n=1, scale=scale)
        g["touchpoint"] = g["touchpoint"].astype(str)
        m = out[["touchpoint"]].merge(g, on="touchpoint", how="left")
        out[col] = m["value"].to_numpy()
        out[f"{survey}_answers"] = m["n"].fillna(0).astype(int).to_numpy()
    return out


def score_friction(
    frame: pd.DataFrame,
    weights: dict[str, float] | None = None,
    norms: dict[str, float] | None = None,
    min_units: int = 0,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Add the friction score and its components to a per-touchpoint frame.

    Parameters
    ----------
    frame : DataFrame
        With the rate columns ``exit_rate``, ``loop_rate``, ``followup_contact_rate``,
        ``negative_answer_share``, ``slow_step_share`` (NaN = not available).
    weights : dict, optional
        Component weights; default :data:`DEFAULT_WEIGHTS`.
    norms : dict, optional
        The norm of each component; default the median over ``frame`` (slow: 0.25).
    min_units : int
        A rate measured on fewer units (customers, visits, answers or steps, see
        :data:`UNITS`; checked when the frame has that column) adds nothing to the score
        and to the norm: a share of three survey answers is no evidence.

    Returns
    -------
    (frame, norms)
        ``frame`` with ``score_<component>`` (points) and ``friction_score`` (their sum),
        ``main_driver`` (the largest component); the norms used.

    Examples
    --------
    >>> f = pd.DataFrame({"exit_rate": [0.3, 0.1, 0.1], "loop_rate": [0.0, 0.0, 0.2],
    ...                   "followup_contact_rate": np.nan, "negative_answer_share": np.nan,
    ...                   "slow_step_share": 0.25})
    >>> score_friction(f)[0]["friction_score"].round(1).tolist()
    [20.0, 0.0, 20.0]
    """
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    unknown = set(w) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown friction component(s) {sorted(unknown)}; use {list(COMPONENTS)}")
    out = frame.copy()
    rates = {
        comp: out[col].where(out[UNITS[comp]] >= min_units)
        if min_units and UNITS[comp] in out
        else out[col]
        for comp, col in COMPONENTS.items()
    }
    if norms is None:
        norms = {c: float(x.median()) if x.notna().any() else 0.0 for c, x in rates.items()}
        norms["slow"] = SLOW_NORM
    total = np.zeros(len(out))
    for comp, x in rates.items():
        excess = (x - norms.get(comp, 0.0)).clip(lower=0).fillna(0.0)
        out[f"score_{comp}"] = w[comp] * 100.0 * excess
        total += out[f"score_{comp}"].to_numpy()
    out["friction_score"] = total
    parts = out[[f"score_{c}" for c in COMPONENTS]]
    out["main_driver"] = np.where(total > 0, parts.idxmax(axis=1).str.removeprefix("score_"), None)
    return out, norms


FRICTION_COLUMNS = [
    "rank", "stage_rank", "stage", "touchpoint", "friction_score", "main_driver", "customers", "visits",
    "customers_affected", "revenue_at_risk",
    "exit_rate", "exit_rate_ci_low", "exit_rate_ci_high", "exits", "abandonment_exits",
    "churn_exits",
    "loop_rate", "loop_rate_ci_low", "loop_rate_ci_high", "loop_visits", "loop_customers",
    "followup_contact_rate", "followup_contact_rate_ci_low", "followup_contact_rate_ci_high",
    "followup_visits", "followup_customers",
    "median_hours_to_next", "stage_median_hours", "time_to_next_ratio", "slow_step_share",
    "ces_mean", "ces_answers", "csat", "csat_answers", "answers", "negative_answer_share",
    "comments", "negative_comment_share",
    "score_exit", "score_loop", "score_followup", "score_negative", "score_slow",
]  # fmt: skip


def rank_touchpoints(frame: pd.DataFrame, min_customers: int) -> pd.DataFrame:
    """Rank by friction score (ties: more customers affected first); small ones get NA."""
    rankable = frame["customers"] >= min_customers
    order = frame.assign(_ok=rankable).sort_values(
        ["_ok", "friction_score", "customers_affected"], ascending=[False, False, False]
    )
    order["rank"] = pd.array(np.where(order["_ok"], np.cumsum(order["_ok"]), 0), dtype="Int64")
    order.loc[~order["_ok"], "rank"] = pd.NA
    return order.drop(columns="_ok")


def friction(
    data,  # noqa: ANN001
    *,
    loop_window_hours: float = 1.0,
    followup_hours: float = 48.0,
    min_customers: int = 30,
    weights: dict[str, float] | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Touchpoint friction: exit, loop and follow-up rates, times, survey answers, score, rank.

    Parameters
    ----------
    data : CXData or JourneyLog
    loop_window_hours : float
        A repeat of the same touchpoint within this window is a loop.
    followup_hours : float
        A ticket within this many hours after a visit is a follow-up contact.
    min_customers : int
        Touchpoints with fewer customers are scored but not ranked (``rank`` is NA).
    weights : dict, optional
        Friction-score weights (default :data:`DEFAULT_WEIGHTS`).
    **kwargs
        For a CXData: ``stage_order``, ``purchase_stage``, ``personas``.

    Returns
    -------
    DataFrame
        One row per touchpoint, ranked by ``friction_score``; ``attrs["norms"]`` holds the
        norms the score used. Columns are described in the module docstring.

    Examples
    --------
    >>> friction(cx)[["rank", "touchpoint", "friction_score"]].head(3)  # doctest: +SKIP
    """
    log = as_log(data, **kwargs)
    counts = friction_counts(log, loop_window_hours, followup_hours)
    return ranked_friction(counts[counts["split"] == "all"], min_customers, weights)


def ranked_friction(
    rows: pd.DataFrame,
    min_customers: int,
    weights: dict[str, float] | None = None,
    norms: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Score (:func:`score_friction`) and rank per-touchpoint counts of :func:`friction_counts`.

    The norms are the medians over the touchpoints with at least ``min_customers``
    customers unless given; only those touchpoints are ranked, and a rate on fewer than
    ``min_customers`` units (answers, steps, ...) is not scored. ``attrs`` keeps the norms
    and weights used.
    """
    rows = rows.reset_index(drop=True)
    if norms is None:
        big = rows[rows["customers"] >= min_customers]
        _, norms = score_friction(big if len(big) else rows, weights, min_units=min_customers)
    scored, _ = score_friction(rows, weights, norms, min_units=min_customers)
    out = rank_touchpoints(scored, min_customers)[FRICTION_COLUMNS].reset_index(drop=True)
    out.attrs["norms"] = norms
    out.attrs["weights"] = {**DEFAULT_WEIGHTS, **(weights or {})}
    return out


def affected_total(log: JourneyLog, touchpoints: list[str]) -> dict[str, float]:
    """Distinct customers affected at any of ``touchpoints`` and their monthly revenue at stake.

    A customer affected at several of the touchpoints counts once. ``slow_customers``:
    the customers who, besides those, had a slow step at one of them. Needs the friction
    tables of ``log`` (built by :func:`friction` or :class:`JourneyAnalysis`).

    Examples
    --------
    >>> affected_total(ja.log_, ["payment", "billing_page"])        # doctest: +SKIP
    {'customers': 6021, 'revenue_at_risk': 205312.4, 'slow_customers': 3120}
    """
    touchpoints = list(touchpoints)

    def compute() -> dict[str, float]:
        log.con.register(
            "journey_selected", pd.DataFrame({"touchpoint": touchpoints}, dtype="string")
        )
        customers, revenue, slow = log.con.execute(render("affected_total")).fetchall()[0]
        revenue = float(revenue) if revenue is not None and log.has_revenue else math.nan
        return {
            "customers": int(customers),
            "revenue_at_risk": revenue,
            "slow_customers": int(slow),
        }

    return dict(log.cached(("affected_total", *touchpoints), compute))
