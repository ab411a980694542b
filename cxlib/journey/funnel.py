"""The stage funnel: reach, progression and drop-off per stage, by persona and channel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.journey._common import add_rate, as_log


def funnel(data, **kwargs) -> pd.DataFrame:  # noqa: ANN001
    """The stage funnel, overall, by persona and by the channel each stage was entered through.

    Parameters
    ----------
    data : CXData or JourneyLog
    **kwargs
        For a CXData: ``stage_order``, ``purchase_stage``, ``personas`` (see
        :class:`~cxlib.journey.log.JourneyLog`).

    Returns
    -------
    DataFrame
        One row per split (``all``, ``persona``, ``channel``), group and stage in order:
        ``reached``, ``reach_share`` (of the group's customers; not for channels, which
        are per stage), ``converted`` (progressed to a later stage), ``conversion_rate``
        with ``conversion_rate_ci_low/high`` (none for the final stage), ``dropped``,
        ``drop_off_rate`` with CI, ``median_hours_to_next``.

    Examples
    --------
    >>> f = funnel(cx)                                               # doctest: +SKIP
    >>> f[f.split == "all"][["stage", "reached", "conversion_rate"]]  # doctest: +SKIP
    """
    log = as_log(data, **kwargs)
    log.materialize("customer_stages")
    raw = log.query("funnel")
    raw = raw[(raw["split"] == "all") | raw["grp"].notna()]
    stages = pd.DataFrame(
        {"stage_rank": range(1, len(log.stage_order) + 1), "stage": log.stage_order}
    )
    counts = log.query("journey_counts")
    totals = {
        (s, g): n for s, g, n in counts[["split", "grp", "customers"]].itertuples(index=False)
    }
    parts = []
    for (split, grp), sub in raw.groupby(["split", "grp"], dropna=False, sort=False):
        grp = None if pd.isna(grp) else grp
        full = stages.merge(sub.drop(columns=["stage"]), on="stage_rank", how="left")
        full["split"], full["group"] = split, grp
        full[["reached", "converted", "dropped"]] = (
            full[["reached", "converted", "dropped"]].fillna(0).astype(int)
        )
        total = totals.get((split, grp)) if split != "channel" else None
        full["customers"] = total if total is not None else np.nan
        parts.append(full)
    out = pd.concat(parts, ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["reach_share"] = out["reached"] / out["customers"]
    last = out["stage_rank"] == len(log.stage_order)
    out.loc[last, "converted"] = 0
    add_rate(out, "conversion_rate", "converted", "reached")
    out.loc[last, ["conversion_rate", "conversion_rate_ci_low", "conversion_rate_ci_high"]] = np.nan
    add_rate(out, "drop_off_rate", "dropped", "reached")
    order = {"all": 0, "persona": 1, "channel": 2}
    out = out.sort_values(
        ["split", "group", "stage_rank"], key=lambda s: s.map(order) if s.name == "split" else s
    )
    cols = [
        "split", "group", "stage_rank", "stage", "customers", "reached", "reach_share",
        "converted", "conversion_rate", "conversion_rate_ci_low", "conversion_rate_ci_high",
        "dropped", "drop_off_rate", "drop_off_rate_ci_low", "drop_off_rate_ci_high",
        "median_hours_to_next",
    ]  # fmt: skip
    return out[cols].reset_index(drop=True)


def outcomes(data, **kwargs) -> pd.DataFrame:  # noqa: ANN001
    """How journeys end: customers per outcome named in the config, and those with none.

    The funnel of a log without stages: ``outcome``, ``customers``, ``share`` of all
    customers with its 95% Wilson CI, ``is_goal``; outcomes in the config's order, then
    ``"no outcome"`` (journeys that ended, or are still open, without one). Empty when the
    config names no outcome.

    Examples
    --------
    >>> outcomes(cx)[["outcome", "customers", "share"]]              # doctest: +SKIP
    """
    log = as_log(data, **kwargs)
    if not log.outcomes:
        return pd.DataFrame(
            columns=["outcome", "customers", "share", "share_ci_low", "share_ci_high", "is_goal"]
        )
    found = log.con.execute(
        "SELECT outcome, COUNT(*) AS customers FROM journey_journeys GROUP BY outcome"
    ).df()
    named = list(dict.fromkeys(log.outcomes.values()))
    by = dict(zip(found["outcome"].where(found["outcome"].notna(), NO_OUTCOME), found["customers"],
                  strict=True))  # fmt: skip
    out = pd.DataFrame({"outcome": [*named, NO_OUTCOME]})
    out["customers"] = [int(by.get(o, 0)) for o in out["outcome"]]
    out["total"] = log.n_customers
    add_rate(out, "share", "customers", "total")
    out["is_goal"] = out["outcome"].isin(log.goal)
    return out.drop(columns="total")


NO_OUTCOME = "no outcome"
"""The row of :func:`outcomes` for journeys that reached none of the named outcomes."""
