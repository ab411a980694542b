"""Paths: the directly-follows graph, journey variants and cross-channel repeat contacts."""

from __future__ import annotations

import pandas as pd

from cxlib.engine import DEFAULT_ENGINE
from cxlib.journey._common import DAY, add_rate, as_log
from cxlib.journey.queries import render


def directly_follows(data, **kwargs) -> pd.DataFrame:  # noqa: ANN001
    """The directly-follows graph: ``source``, ``target``, ``count``, most frequent first.

    ``count`` is how often ``target`` is the next event after ``source`` for the same
    customer, events ordered by timestamp (ties in source order), as process mining
    defines it; repeats (``a -> a``) included.

    Examples
    --------
    >>> directly_follows(cx).head(3)                                  # doctest: +SKIP
    """
    out = as_log(data, **kwargs).query("dfg")
    out["count"] = out["count"].astype(int)
    return out.sort_values(
        ["count", "source", "target"], ascending=[False, True, True]
    ).reset_index(drop=True)


def variants(data, *, top: int | None = 10, max_steps: int | None = None, **kwargs) -> pd.DataFrame:  # noqa: ANN001
    """The most frequent journey variants (step sequences, consecutive repeats collapsed).

    Parameters
    ----------
    top : int or None
        How many variants to return (None = all). On Spark only those come to the
        driver: the distinct paths grow with the customers (400,000 at 10 million events).
    max_steps : int or None
        Cut each journey after this many steps (None = whole journeys), which groups long
        journeys by how they start.

    Returns
    -------
    DataFrame
        ``variant`` (``"a > b > c"``), ``steps``, ``customers``, ``share`` of customers.

    Examples
    --------
    >>> variants(cx, top=3, max_steps=5)                              # doctest: +SKIP
    """
    log = as_log(data, **kwargs)
    log.materialize("runs")
    steps = max_steps if max_steps else 2**62
    if top and log.engine != DEFAULT_ENGINE:  # only the top rows leave the engine
        sql = render("variants", log.engine, max_steps=steps)
        ranked = f"SELECT * FROM ({sql}) v ORDER BY customers DESC, variant LIMIT {int(top)}"
        out = log.con.execute(ranked).df()
    else:
        out = log.query("variants", max_steps=steps)
    out["customers"] = out["customers"].astype(int)
    out["share"] = out["customers"] / log.n_customers
    out = out.sort_values(["customers", "variant"], ascending=[False, True])
    return (out.head(top) if top else out).reset_index(drop=True)


def cross_channel_repeats(data, *, days: float = 7.0, **kwargs) -> pd.DataFrame:  # noqa: ANN001
    """Repeat support contacts, and those that come back on another channel, per channel.

    A contact (ticket) is *repeated* when the same customer opens the next ticket within
    ``days``; a *cross-channel repeat* when that next ticket comes through another channel
    -- the customer had to start again elsewhere, the opposite of the omnichannel promise.

    Returns
    -------
    DataFrame
        One row per channel plus ``all``: ``contacts``, ``repeats``, ``repeat_rate``,
        ``cross_channel_repeats``, ``cross_channel_rate`` (with Wilson CIs) and
        ``top_next_channel`` (where cross-channel repeats go most). Empty without tickets.

    Examples
    --------
    >>> cross_channel_repeats(cx, days=7)                             # doctest: +SKIP
    """
    log = as_log(data, **kwargs)
    cols = [
        "channel",
        "contacts",
        "repeats",
        "repeat_rate",
        "cross_channel_repeats",
        "cross_channel_rate",
    ]
    if not log.has_tickets:
        return pd.DataFrame(columns=cols)
    pairs = log.query("cross_channel", repeat_s=days * DAY)
    pairs["channel"] = pairs["channel"].fillna("(none)")
    sums = ["contacts", "repeats", "cross_channel_repeats"]
    per = pairs.groupby("channel", as_index=False)[sums].sum()
    per = pd.concat(
        [per, pd.DataFrame([{"channel": "all", **per[sums].sum().to_dict()}])], ignore_index=True
    )
    per[sums] = per[sums].astype(int)
    add_rate(per, "repeat_rate", "repeats", "contacts")
    add_rate(per, "cross_channel_rate", "cross_channel_repeats", "contacts")
    moves = pairs[pairs["next_channel"].notna() & (pairs["next_channel"] != pairs["channel"])]
    top = moves.sort_values("repeats", ascending=False).drop_duplicates("channel")
    per = per.merge(
        top[["channel", "next_channel"]].rename(columns={"next_channel": "top_next_channel"}),
        on="channel",
        how="left",
    )
    return per
