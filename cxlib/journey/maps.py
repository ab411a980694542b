"""Per-persona journey maps: stages x personas with reach, drop-off, experience, pain point."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.journey._common import as_log
from cxlib.journey.friction import friction_counts, ranked_friction, score_friction
from cxlib.journey.funnel import funnel
from cxlib.journey.log import JourneyLog


def journey_map(
    data,  # noqa: ANN001
    *,
    min_customers: int = 30,
    loop_window_hours: float = 1.0,
    followup_hours: float = 48.0,
    weights: dict[str, float] | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Stages x personas: reach, drop-off, mean experience score and the top pain point.

    Parameters
    ----------
    data : CXData or JourneyLog
        Needs personas (``personas=`` for a CXData); without them the map is empty.
    min_customers : int
        Cells where fewer customers of the persona reached the stage are suppressed (values
        NaN, ``suppressed`` True).

    Returns
    -------
    DataFrame
        One row per persona and stage: ``customers`` (reached), ``reach`` (share of the
        persona's customers), ``drop_off_rate``, ``experience`` (mean CES/CSAT answer at the
        stage's touchpoints on 0-100) with ``experience_answers``, ``top_pain_point`` (the
        touchpoint of the stage with the highest friction score for the persona, scored
        against the overall norms; None when none is above the norm) and ``pain_score``.

    Examples
    --------
    >>> journey_map(cx, personas=personas, min_customers=30)          # doctest: +SKIP
    """
    log = as_log(data, **kwargs)
    counts = friction_counts(log, loop_window_hours, followup_hours)
    return build_journey_map(log, funnel(log), counts, min_customers, weights)


def build_journey_map(
    log: JourneyLog,
    funnel_table: pd.DataFrame,
    counts: pd.DataFrame,
    min_customers: int,
    weights: dict[str, float] | None,
) -> pd.DataFrame:
    """The journey map from a funnel table and the counts of :func:`friction_counts`."""
    cols = [
        "persona", "stage_rank", "stage", "customers", "reach", "drop_off_rate", "experience",
        "experience_answers", "top_pain_point", "pain_score", "suppressed",
    ]  # fmt: skip
    fp = funnel_table[funnel_table["split"] == "persona"]
    if fp.empty:
        return pd.DataFrame(columns=cols)
    cells = fp.rename(columns={"group": "persona", "reach_share": "reach"})[
        ["persona", "stage_rank", "stage", "reached", "reach", "drop_off_rate"]
    ].rename(columns={"reached": "customers"})
    exp = log.query("stage_experience")
    exp = exp[exp["split"] == "persona"].rename(
        columns={"grp": "persona", "answers": "experience_answers"}
    )
    cells = cells.merge(
        exp[["persona", "stage_rank", "experience", "experience_answers"]],
        on=["persona", "stage_rank"],
        how="left",
    )
    cells["experience_answers"] = cells["experience_answers"].fillna(0).astype(int)
    overall = ranked_friction(counts[counts["split"] == "all"], min_customers, weights)
    per = counts[counts["split"] == "persona"].reset_index(drop=True)
    per, _ = score_friction(per, weights, overall.attrs["norms"], min_units=min_customers)
    per = per[(per["customers"] >= min_customers) & (per["friction_score"] > 0)]
    top = per.sort_values("impact", ascending=False).drop_duplicates(["grp", "stage_rank"])
    top = top.rename(
        columns={"grp": "persona", "touchpoint": "top_pain_point", "friction_score": "pain_score"}
    )
    cells = cells.merge(
        top[["persona", "stage_rank", "top_pain_point", "pain_score"]],
        on=["persona", "stage_rank"],
        how="left",
    )
    cells["suppressed"] = cells["customers"] < min_customers
    hide = ["reach", "drop_off_rate", "experience", "top_pain_point", "pain_score"]
    cells.loc[cells["suppressed"], hide] = np.nan
    cells.loc[cells["suppressed"], "top_pain_point"] = None
    return cells[cols].sort_values(["persona", "stage_rank"]).reset_index(drop=True)
