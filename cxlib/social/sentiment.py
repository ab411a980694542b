"""What the mentions feel like: sentiment shares by group and over time, with 95% CIs.

Reads mentions already scored by :func:`cxlib.voice.score_sentiment` (columns
``sentiment`` and ``sentiment_score``). Shares are % of the mentions with a label, with
Wilson intervals; the mean score carries a t interval. A change over time compares the
last period with all earlier ones (two-proportion test, :func:`cxlib.metrics.compare`).

Examples
--------
>>> s = pd.DataFrame({"sentiment": ["negative", "positive", "negative", "neutral"],
...                   "sentiment_score": [-0.6, 0.5, -0.2, 0.0], "brand": list("aabb")})
>>> sentiment_shares(s, "brand")[["brand", "n", "negative_share"]].values.tolist()
[['a', 2, 50.0], ['b', 2, 50.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.metrics import compare
from cxlib.metrics.compare import Comparison
from cxlib.metrics.intervals import proportion_result, t_mean_ci

LABELS = ("negative", "neutral", "positive")


def _shares(part: pd.DataFrame) -> dict:
    """n, the share of each label with its CI, and the mean score with its CI."""
    labelled = part["sentiment"].dropna()
    n = len(labelled)
    row: dict = {"n": n}
    for lab in LABELS:
        r = proportion_result(lab, int((labelled == lab).sum()), n)
        row.update({f"{lab}_share": r.value, f"{lab}_low": r.ci_low, f"{lab}_high": r.ci_high})
    score = part["sentiment_score"].dropna().to_numpy(float)
    mean, low, high, _ = t_mean_ci(score) if score.size else (np.nan,) * 4
    row.update(mean_score=mean, mean_low=low, mean_high=high)
    return row


def sentiment_shares(scored: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Sentiment shares (%) and mean score per group (or overall), with 95% CIs.

    Columns: [``by``], ``n``, ``<label>_share``, ``<label>_low``, ``<label>_high`` for
    negative, neutral and positive, ``mean_score``, ``mean_low``, ``mean_high``.
    """
    if by is None:
        return pd.DataFrame([_shares(scored)])
    rows = [
        {by: key, **_shares(part)} for key, part in scored.groupby(by, observed=True, sort=True)
    ]
    return pd.DataFrame(rows)


def sentiment_trend(scored: pd.DataFrame, period: pd.Series) -> pd.DataFrame:
    """:func:`sentiment_shares` per period (``period``: each mention's period start)."""
    return sentiment_shares(scored.assign(period=period.to_numpy()), "period")


def negative_change(scored: pd.DataFrame, period: pd.Series) -> Comparison | None:
    """The negative share of the last period against all earlier periods, or None.

    None when the data has a single period or either side has no labelled mention.
    """
    labelled = scored["sentiment"].notna().to_numpy()
    p = pd.Series(period.to_numpy())[labelled]
    neg = scored["sentiment"].to_numpy()[labelled] == "negative"
    if p.nunique() < 2:
        return None
    last = (p == p.max()).to_numpy()
    now = proportion_result("Negative share", int(neg[last].sum()), int(last.sum()))
    before = proportion_result("Negative share", int(neg[~last].sum()), int((~last).sum()))
    if now.n == 0 or before.n == 0:
        return None
    return compare(before, now)  # diff = now - before
