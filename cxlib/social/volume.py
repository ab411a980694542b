"""How much is said, where and about whom: volume over time, share of voice, engagement.

Pure functions of a mentions table (the contract's columns); every share carries its 95%
Wilson interval and every mean its CI (:mod:`cxlib.metrics`).

Examples
--------
>>> m = pd.DataFrame({"posted_at": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-09"]),
...                   "platform": ["x", "reddit", "x"], "brand": ["a", "b", "a"]})
>>> period_freq(m["posted_at"])
'D'
>>> share_of_voice_table(m)[["brand", "mentions", "share"]].round(1).values.tolist()
[['a', 2, 66.7], ['b', 1, 33.3]]
"""

from __future__ import annotations

import pandas as pd

from cxlib.metrics import engagement_rate, share_of_voice

ENGAGEMENT_COLUMNS = ("likes", "shares", "comments")
"""The contract's engagement counts."""
DAILY_MAX_DAYS = 92
"""Data spanning up to this many days is shown per day; up to :data:`WEEKLY_MAX_DAYS` per
week; longer per month."""
WEEKLY_MAX_DAYS = 800
PERIOD_NAMES = {"D": "day", "W": "week", "M": "month"}
AUDIENCE_COLUMNS = ("impressions", "reach", "followers")
"""Extra columns (mapped in a config) that can serve as an engagement rate's audience."""


def period_freq(times: pd.Series) -> str:
    """The calendar period that shows a span best: "D", "W" or "M" (see the constants)."""
    t = pd.to_datetime(times).dropna()
    if t.empty:
        return "D"
    days = (t.max() - t.min()) / pd.Timedelta(days=1)
    return "D" if days <= DAILY_MAX_DAYS else "W" if days <= WEEKLY_MAX_DAYS else "M"


def periods(times: pd.Series, freq: str) -> pd.Series:
    """The start of each time's calendar period (days, ISO weeks from Monday, months)."""
    t = pd.to_datetime(times)
    return t.dt.to_period(freq).dt.start_time


def volume(mentions: pd.DataFrame, freq: str, by: str | None = None) -> pd.DataFrame:
    """Mentions per period (and per ``by`` group): ``period``, [``by``], ``mentions``.

    Every period from the first to the last is listed (zeros filled), so a silent week
    shows as a dip, not as a gap.
    """
    p = periods(mentions["posted_at"], freq)
    full = pd.date_range(p.min(), p.max(), freq={"D": "D", "W": "W-MON", "M": "MS"}[freq])
    if by is None:
        counts = p.value_counts().reindex(full, fill_value=0)
        return pd.DataFrame({"period": full, "mentions": counts.to_numpy()})
    table = pd.crosstab(p, mentions[by].astype(object)).reindex(full, fill_value=0)
    table.index.name, table.columns.name = "period", by
    return table.stack().rename("mentions").reset_index()


def share_of_voice_table(mentions: pd.DataFrame, column: str = "brand") -> pd.DataFrame:
    """Each brand's share of voice with its 95% CI, largest first.

    Columns: ``brand``, ``mentions``, ``share``, ``ci_low``, ``ci_high`` (% of the mentions
    naming a brand; :func:`cxlib.metrics.share_of_voice`).
    """
    brands = mentions[column].dropna().astype(str)
    rows = []
    for brand in brands.value_counts().index:
        r = share_of_voice(brands, brand)
        rows.append([brand, int((brands == brand).sum()), r.value, r.ci_low, r.ci_high])
    return pd.DataFrame(rows, columns=["brand", "mentions", "share", "ci_low", "ci_high"])


def engagement_columns(mentions: pd.DataFrame) -> list[str]:
    """The engagement counts the data holds (some value present)."""
    return [c for c in ENGAGEMENT_COLUMNS if c in mentions and mentions[c].notna().any()]


def engagement_table(mentions: pd.DataFrame, by: str) -> pd.DataFrame:
    """Engagement per group: totals and engagements per mention (bootstrap 95% CI).

    Columns: ``by``, ``mentions``, each engagement count's total, ``per_mention``,
    ``ci_low``, ``ci_high`` and, when the data holds an audience column
    (:data:`AUDIENCE_COLUMNS`), ``rate`` (% of the audience,
    :func:`cxlib.metrics.engagement_rate`). Empty when no engagement count exists.
    """
    cols = engagement_columns(mentions)
    if not cols:
        return pd.DataFrame()
    audience = next((a for a in AUDIENCE_COLUMNS if a in mentions), None)
    rows = []
    for group, part in mentions.groupby(by, observed=True, sort=True):
        r = engagement_rate(part[cols])
        row = {by: group, "mentions": len(part), **{c: int(part[c].sum()) for c in cols}}
        row.update(per_mention=r.value, ci_low=r.ci_low, ci_high=r.ci_high)
        if audience is not None:
            row["rate"] = engagement_rate(part, audience=audience).value
        rows.append(row)
    return pd.DataFrame(rows).sort_values("mentions", ascending=False, ignore_index=True)
