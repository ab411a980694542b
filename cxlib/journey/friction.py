"""Touchpoint friction: exit, loop and follow-up rates, times, survey answers and the score."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cxlib.journey._common import HOUR, add_rate, as_log
from cxlib.journey.log import JourneyLog
from cxlib.journey.queries import render
from cxlib.metrics import ces_mean, csat, grouped

DEFAULT_WEIGHTS: dict[str, float] = {
    "exit": 1.0,
    "loop": 1.0,
    "rework": 1.0,
    "followup": 1.0,
    "negative": 0.5,
    "slow": 0.5,
}
"""Weights of the friction-score components (the formula is in :mod:`cxlib.journey`)."""

COMPONENTS = {  # component -> the share of the touchpoint's customers it scores
    "exit": "exit_rate",
    "loop": "loop_customer_share",
    "rework": "rework_customer_share",
    "followup": "followup_customer_share",
    "negative": "negative_answer_share",
    "slow": "slow_customer_share",
}
UNITS = {  # component -> the count its rate is a share of
    "exit": "customers",
    "loop": "customers",
    "rework": "customers",
    "followup": "customers",
    "negative": "answers",
    "slow": "customers",
}
MIN_STAGE_TOUCHPOINTS = 3
"""A stage's own norm needs this many ranked touchpoints; smaller stages use the norm of
all ranked touchpoints (the median of two is their mean: it would halve a real excess)."""
ALL_STAGES = "*"
"""The key of the norms over all ranked touchpoints."""


def friction_counts(
    log: JourneyLog,
    loop_window_hours: float,
    followup_hours: float,
    rework_window_hours: float = 8.0,
) -> pd.DataFrame:
    """Per-touchpoint counts (split ``all`` and ``persona``) with times and survey columns."""
    windows = {
        "loop_window_s": loop_window_hours * HOUR,
        "followup_s": followup_hours * HOUR,
        "rework_window_s": rework_window_hours * HOUR,
    }
    log.materialize("visits", **windows)
    log.materialize("customer_touchpoints", **windows)  # rebuilt when the windows change
    counts = log.query("friction")
    counts = counts[(counts["split"] == "all") | counts["grp"].notna()]
    steps = log.query("step_times")
    out = counts.merge(steps, on=["stage_rank", "touchpoint"], how="left")
    answers = log.query("touchpoint_answers")
    out = out.merge(answers, on="touchpoint", how="left")
    for c in ("answers", "negative_answers", "comments", "negative_comments", "steps",
              "slow_steps"):  # fmt: skip
        out[c] = out[c].fillna(0).astype(int)
    ints = [
        "visits", "customers", "exits", "abandonment_exits", "churn_exits", "outcome_ends",
        "loop_customers", "loop_visits", "rework_customers", "rework_visits",
        "followup_customers", "followup_visits", "slow_customers", "negative_customers",
        "customers_affected",
    ]  # fmt: skip
    out[ints] = out[ints].fillna(0).astype(int)
    _add_rates(log, out)
    if not log.has_revenue:
        out["revenue_at_risk"] = np.nan
    else:
        out["revenue_at_risk"] = out["revenue_at_risk"].fillna(0.0)
    out["reach"] = out["customers"] / max(log.n_customers, 1)
    return _survey_metrics(log, out)


def _add_rates(log: JourneyLog, out: pd.DataFrame) -> None:
    """The rates of :func:`friction_counts`: per customer (scored) and per visit or step."""
    add_rate(out, "exit_rate", "exits", "customers")
    add_rate(out, "loop_rate", "loop_visits", "visits")
    add_rate(out, "followup_contact_rate", "followup_visits", "visits")
    with np.errstate(invalid="ignore", divide="ignore"):
        for comp in ("loop", "rework", "followup", "slow"):
            out[f"{comp}_customer_share"] = out[f"{comp}_customers"] / out["customers"]
        out["rework_rate"] = out["rework_visits"] / out["visits"]
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
    if not log.has_tickets:
        followup = ["followup_contact_rate", "followup_contact_rate_ci_low",
                    "followup_contact_rate_ci_high", "followup_customer_share"]  # fmt: skip
        out[followup] = np.nan


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
    norms: dict[str, dict[str, float]] | None = None,
    min_units: int = 0,
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """Add the friction impact, score and their components to a per-touchpoint frame.

    Parameters
    ----------
    frame : DataFrame
        ``customers``, ``stage`` and the rate columns of :data:`COMPONENTS` (shares of
        the touchpoint's customers; negative answers: of its survey answers; NaN = not
        available).
    weights : dict, optional
        Component weights; default :data:`DEFAULT_WEIGHTS`.
    norms : dict, optional
        ``{stage: {component: norm}}`` (and :data:`ALL_STAGES` for stages not listed);
        default: per stage the median over the stage's touchpoints when it has
        :data:`MIN_STAGE_TOUCHPOINTS` with the rate, otherwise the median over ``frame``.
    min_units : int
        A rate measured on fewer units (customers or answers, see :data:`UNITS`; checked
        when the frame has that column) adds nothing to the score and to the norm: a share
        of three survey answers is no evidence.

    Returns
    -------
    (frame, norms)
        ``frame`` with ``score_<component>`` (weighted excess customers: customers -- for
        negative answers, the answers -- x max(0, rate - norm)), ``impact`` (their sum: customers with friction beyond what
        is normal for the stage), ``friction_score`` (100 x impact / customers: weighted
        points above the norm), ``main_driver`` (the largest component) with its
        ``main_rate`` and ``main_norm``; the norms used.

    Examples
    --------
    >>> f = pd.DataFrame({"stage": "s", "customers": [1000, 100, 1000],
    ...                   "exit_rate": [0.3, 0.3, 0.1], "loop_customer_share": 0.0})
    >>> scored, norms = score_friction(f)
    >>> scored["impact"].round().tolist(), norms["s"]["exit"]
    ([0.0, 0.0, 0.0], 0.3)
    >>> scored, _ = score_friction(f, norms={"*": {"exit": 0.1}})
    >>> scored["impact"].round().tolist(), scored["friction_score"].round().tolist()
    ([200.0, 20.0, 0.0], [20.0, 20.0, 0.0])
    """
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    unknown = set(w) - set(COMPONENTS)
    if unknown:
        raise ValueError(f"unknown friction component(s) {sorted(unknown)}; use {list(COMPONENTS)}")
    out = frame.copy()
    stage = out["stage"].astype(str) if "stage" in out else pd.Series(ALL_STAGES, index=out.index)
    rates = _component_rates(out, min_units)
    if norms is None:
        norms = _norms(rates, stage)
    customers = out["customers"].to_numpy(float) if "customers" in out else np.ones(len(out))
    total = np.zeros(len(out))
    for comp, x in rates.items():
        norm = _norm_of(norms, stage, comp)
        out[f"norm_{comp}"] = norm
        excess = (x - norm).clip(lower=0).fillna(0.0).to_numpy()
        # survey answers are asked of few, selected customers: their excess counts the
        # answers (known negatives), not the touchpoint's customers
        units = out[UNITS[comp]].to_numpy(float) if UNITS[comp] in out else customers
        out[f"score_{comp}"] = w[comp] * units * excess
        total += out[f"score_{comp}"].to_numpy()
    out["impact"] = total
    with np.errstate(invalid="ignore", divide="ignore"):
        out["friction_score"] = np.where(customers > 0, 100.0 * total / customers, 0.0)
    parts = out[[f"score_{c}" for c in rates]]
    main = parts.idxmax(axis=1).str.removeprefix("score_")
    out["main_driver"] = np.where(total > 0, main, None)
    out["main_rate"] = [
        rates[m].iloc[i] if isinstance(m, str) else np.nan for i, m in enumerate(out["main_driver"])
    ]
    out["main_norm"] = [
        out[f"norm_{m}"].iloc[i] if isinstance(m, str) else np.nan
        for i, m in enumerate(out["main_driver"])
    ]
    return out.drop(columns=[f"norm_{c}" for c in rates]), norms


def _component_rates(frame: pd.DataFrame, min_units: int) -> dict[str, pd.Series]:
    """Each component's rate column (NaN when missing or measured on too few units)."""
    rates = {}
    for comp, col in COMPONENTS.items():
        x = frame[col].astype(float) if col in frame else pd.Series(np.nan, index=frame.index)
        if min_units and UNITS[comp] in frame:
            x = x.where(frame[UNITS[comp]] >= min_units)
        rates[comp] = x
    return rates


def _norms(rates: dict[str, pd.Series], stage: pd.Series) -> dict[str, dict[str, float]]:
    """What is normal per stage: the median of each rate over the stage's touchpoints (with
    :data:`MIN_STAGE_TOUCHPOINTS` of them), else over all; 0 when no touchpoint has it."""
    overall = {c: float(x.median()) if x.notna().any() else 0.0 for c, x in rates.items()}
    norms = {ALL_STAGES: overall}
    for name in pd.unique(stage):
        at = (stage == name).to_numpy()
        norms[str(name)] = {
            c: float(x[at].median()) if x[at].notna().sum() >= MIN_STAGE_TOUCHPOINTS else overall[c]
            for c, x in rates.items()
        }
    return norms


def _norm_of(norms: dict[str, dict[str, float]], stage: pd.Series, comp: str) -> np.ndarray:
    """The norm of ``comp`` for each row's stage (the overall norm for unlisted stages)."""
    fallback = norms.get(ALL_STAGES, {}).get(comp, 0.0)
    return np.array([norms.get(s, {}).get(comp, fallback) for s in stage], dtype=float)


FRICTION_COLUMNS = [
    "rank", "stage_rank", "stage", "touchpoint", "impact", "friction_score", "main_driver",
    "main_rate", "main_norm", "customers", "reach", "visits", "customers_affected",
    "revenue_at_risk",
    "exit_rate", "exit_rate_ci_low", "exit_rate_ci_high", "exits", "abandonment_exits",
    "churn_exits", "outcome_ends",
    "loop_rate", "loop_rate_ci_low", "loop_rate_ci_high", "loop_visits", "loop_customers",
    "loop_customer_share", "rework_rate", "rework_visits", "rework_customers",
    "rework_customer_share",
    "followup_contact_rate", "followup_contact_rate_ci_low", "followup_contact_rate_ci_high",
    "followup_visits", "followup_customers", "followup_customer_share",
    "median_hours_to_next", "stage_median_hours", "time_to_next_ratio", "steps",
    "slow_steps", "slow_step_share", "slow_customers", "slow_customer_share",
    "ces_mean", "ces_answers", "csat", "csat_answers", "answers", "negative_answer_share",
    "comments", "negative_comment_share",
    "score_exit", "score_loop", "score_rework", "score_followup", "score_negative",
    "score_slow",
]  # fmt: skip


def rank_touchpoints(frame: pd.DataFrame, min_customers: int) -> pd.DataFrame:
    """Rank by impact (ties: the higher score, then more customers affected first, then
    stage and touchpoint, so that the order does not depend on the SQL engine's row order);
    small touchpoints get NA."""
    rankable = frame["customers"] >= min_customers
    order = frame.assign(_ok=rankable).sort_values(
        ["_ok", "impact", "friction_score", "customers_affected", "stage_rank", "touchpoint"],
        ascending=[False, False, False, False, True, True],
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
    rework_window_hours: float = 8.0,
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
    rework_window_hours : float
        A return to a touchpoint within this many hours of the previous visit to it, after
        visiting another touchpoint, is rework.
    min_customers : int
        Touchpoints with fewer customers are scored but not ranked (``rank`` is NA).
    weights : dict, optional
        Friction-score weights (default :data:`DEFAULT_WEIGHTS`).
    **kwargs
        For a CXData: ``stage_order``, ``purchase_stage``, ``personas``.

    Returns
    -------
    DataFrame
        One row per touchpoint, ranked by ``impact``; ``attrs["norms"]`` holds the norms
        the score used (per stage). Columns are described in the module docstring.

    Examples
    --------
    >>> friction(cx)[["rank", "touchpoint", "friction_score"]].head(3)  # doctest: +SKIP
    """
    log = as_log(data, **kwargs)
    counts = friction_counts(log, loop_window_hours, followup_hours, rework_window_hours)
    return ranked_friction(counts[counts["split"] == "all"], min_customers, weights)


def ranked_friction(
    rows: pd.DataFrame,
    min_customers: int,
    weights: dict[str, float] | None = None,
    norms: dict[str, dict[str, float]] | None = None,
) -> pd.DataFrame:
    """Score (:func:`score_friction`) and rank per-touchpoint counts of :func:`friction_counts`.

    The norms are the medians (per stage, see :func:`score_friction`) over the touchpoints
    with at least ``min_customers`` customers unless given; only those touchpoints are
    ranked, and a rate on fewer than ``min_customers`` units (customers, answers) is not
    scored. ``attrs`` keeps the norms
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
    those of them whose only friction there was a slow step. Needs the friction
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
