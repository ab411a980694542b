"""How fast negative posts are answered, when the data holds replies (``in_reply_to``).

A *reply* is a mention whose ``in_reply_to`` names another mention of the data; a post's
*first response* is its earliest reply posted after it (who replied is not in the
contract: any reply counts, the brand's own or another user's). The response time of the
negative posts is then measured like a support queue's (:mod:`cxlib.metrics.support`):
the share answered within ``hours`` (unanswered posts older than that count as not
answered; younger ones are left out) and the median time to the first response of the
answered ones, both with 95% CIs.

Examples
--------
>>> m = pd.DataFrame({
...     "mention_id": ["a", "b", "r1", "c"],
...     "posted_at": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
...                                  "2024-01-01 10:00", "2024-01-03 09:00"]),
...     "in_reply_to": [None, None, "a", None]})
>>> first_responses(m)["first_response_at"].astype(str).tolist()
['2024-01-01 10:00:00', 'NaT', 'NaT', 'NaT']
>>> r = response_summary(m, pd.Series([True, True, False, False]), hours=24)
>>> r["posts"], r["answered"], r["within"].value
(2, 1, 50.0)
"""

from __future__ import annotations

import pandas as pd

from cxlib.metrics import avg_first_response_time, response_within

DEFAULT_RESPONSE_HOURS = 1.0
"""The response-time target shown by default: a negative post answered within the hour."""


def has_replies(mentions: pd.DataFrame) -> bool:
    """True when some mention answers another mention of the data."""
    if "in_reply_to" not in mentions:
        return False
    return bool(mentions["in_reply_to"].dropna().isin(mentions["mention_id"]).any())


def first_responses(mentions: pd.DataFrame) -> pd.DataFrame:
    """Each mention's time and its first reply's time (NaT when unanswered).

    Columns ``opened_at`` and ``first_response_at`` (the names of the support metrics),
    indexed like ``mentions``. A reply posted before the post it answers (clock or export
    error) is ignored.
    """
    posted = mentions["posted_at"]
    out = pd.DataFrame({"opened_at": posted, "first_response_at": pd.NaT}, index=mentions.index)
    if "in_reply_to" not in mentions:
        return out
    replies = pd.DataFrame(
        {"target": mentions["in_reply_to"], "at": posted}, index=mentions.index
    ).dropna()
    when = pd.Series(posted.to_numpy(), index=mentions["mention_id"].to_numpy())
    replies = replies[replies["target"].isin(when.index)]
    replies = replies[replies["at"].to_numpy() >= when.loc[replies["target"]].to_numpy()]
    first = replies.groupby("target", observed=True)["at"].min()
    out["first_response_at"] = mentions["mention_id"].map(first).to_numpy()
    return out


def response_summary(
    mentions: pd.DataFrame, negative: pd.Series, hours: float = DEFAULT_RESPONSE_HOURS
) -> dict:
    """Response to the negative posts that are not replies themselves.

    Returns
    -------
    dict
        ``posts`` (negative posts), ``answered`` (with a reply), ``within``
        (:func:`cxlib.metrics.response_within` at ``hours``, as of the last mention),
        ``median_hours`` (:func:`cxlib.metrics.avg_first_response_time`, median with an
        order-statistic CI) and ``hours``.
    """
    times = first_responses(mentions)
    is_reply = (
        mentions["in_reply_to"].notna()
        if "in_reply_to" in mentions
        else pd.Series(False, index=mentions.index)
    )
    posts = times[negative.to_numpy() & ~is_reply.to_numpy()]
    as_of = mentions["posted_at"].max()
    return {
        "posts": len(posts),
        "answered": int(posts["first_response_at"].notna().sum()),
        "within": response_within(posts, hours=hours, as_of=as_of),
        "median_hours": avg_first_response_time(posts, statistic="median"),
        "hours": hours,
    }
