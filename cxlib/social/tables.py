"""The social-listening report's tables, as a reader sees them (numbers as text).

Each function reads a fitted :class:`~cxlib.social.SocialListening` and returns a small
DataFrame for :func:`cxlib.plots.show_table` (which escapes every cell and masks contact
details); a one-row ``note`` table when the data cannot support it.
"""

from __future__ import annotations

import pandas as pd

from cxlib.social.analysis import SocialListening
from cxlib.social.findings import DAY, expected_text
from cxlib.social.spikes import ALL
from cxlib.voice import quoted_lists
from cxlib.wording import count, interval, number, percent

SPIKE_ROWS = 15
"""Spike days listed at most."""


def _note(text: str) -> pd.DataFrame:
    return pd.DataFrame({"note": [text]})


def _share(x: float, low: float, high: float) -> str:
    """A percentage (0-100) with its CI in whole points."""
    return f"{percent(x / 100)} ({interval(low, high, 0)})"


def table_share_of_voice(sl: SocialListening) -> pd.DataFrame:
    """Share of voice and negative share per brand."""
    if sl.share_of_voice_.empty:
        return _note("The mentions name fewer than two brands: no share of voice.")
    sb = sl.sentiment_brand_.set_index("brand")
    rows = []
    for r in sl.share_of_voice_.itertuples():
        s = sb.loc[r.brand]
        rows.append(
            {
                "brand": r.brand,
                "mentions": count(r.mentions),
                "share of voice": _share(r.share, r.ci_low, r.ci_high),
                "negative": _share(s["negative_share"], s["negative_low"], s["negative_high"]),
                "positive": _share(s["positive_share"], s["positive_low"], s["positive_high"]),
            }
        )
    return pd.DataFrame(rows)


def table_sentiment(sl: SocialListening, by: str = "platform") -> pd.DataFrame:
    """Sentiment shares and mean score per platform (or ``brand``), with 95% CIs."""
    frame = sl.sentiment_platform_ if by == "platform" else sl.sentiment_brand_
    if frame.empty:
        return _note(f"No {by} to split by.")
    frame = frame.sort_values("n", ascending=False)
    return pd.DataFrame(
        {
            by: frame[by].astype(str),
            "mentions": frame["n"].map(count),
            "negative": [
                _share(a, b, c)
                for a, b, c in zip(
                    frame["negative_share"],
                    frame["negative_low"],
                    frame["negative_high"],
                    strict=True,
                )
            ],
            "positive": [
                _share(a, b, c)
                for a, b, c in zip(
                    frame["positive_share"],
                    frame["positive_low"],
                    frame["positive_high"],
                    strict=True,
                )
            ],
            "mean score (−1 to 1)": [
                f"{number(m, 2)} ({interval(lo, hi, 2)})"
                for m, lo, hi in zip(
                    frame["mean_score"], frame["mean_low"], frame["mean_high"], strict=True
                )
            ],
        }
    )


def table_spikes(sl: SocialListening) -> pd.DataFrame:
    """The spike days, largest first: negative mentions against the baseline."""
    sp = sl.spikes_[sl.spikes_["spike"]].sort_values("ratio", ascending=False)
    if sp.empty:
        tested = int(sl.spikes_["tested"].sum())
        return _note(
            f"No spike of negative mentions: none of {count(tested)} tested days (per brand "
            "and overall) stood out beyond day-to-day noise."
        )
    sp = sp.head(SPIKE_ROWS)
    return pd.DataFrame(
        {
            "day": sp["day"].dt.strftime(DAY),
            "weekday": sp["day"].dt.day_name(),
            "brand": sp["unit"].where(sp["unit"] != ALL, "all"),
            "negative mentions": sp["negative"].map(count),
            "expected": sp["expected"].map(expected_text),
            "times expected": sp["ratio"].map(lambda x: number(x, 1)),
            "negative share that day": sp["negative_share"].map(percent),
            "q-value": sp["q_value"].map(lambda q: "< 0.001" if q < 0.001 else number(q, 3)),
        }
    )


def table_negative_themes(sl: SocialListening, top: int = 8) -> pd.DataFrame:
    """The themes of negative mentions with their share and short quotes (each marked with
    its language when not English)."""
    nt = sl.negative_themes_
    if nt.empty:
        return _note("No negative mention to read themes from.")
    nt = pd.concat([nt[nt["theme"] != 0].head(top), nt[nt["theme"] == 0]])
    return pd.DataFrame(
        {
            "theme": nt["label"],
            "negative mentions": nt["n"].map(count),
            "share": [
                _share(a, b, c)
                for a, b, c in zip(nt["share"], nt["share_low"], nt["share_high"], strict=True)
            ],
            "what people write": quoted_lists(nt["quotes"]),
        }
    )


def table_engagement(sl: SocialListening, by: str = "platform") -> pd.DataFrame:
    """Engagement per platform (or sentiment): totals and per mention with a 95% CI."""
    frame = sl.engagement_ if by == "platform" else sl.engagement_sentiment_
    if frame.empty:
        return _note("No likes, shares or comments in the data: engagement is not measured.")
    out = pd.DataFrame({by: frame[by].astype(str), "mentions": frame["mentions"].map(count)})
    for col in ("likes", "shares", "comments"):
        if col in frame:
            out[col] = frame[col].map(count)
    out["engagements per mention"] = [
        f"{number(v, 1)} ({interval(lo, hi)})"
        for v, lo, hi in zip(frame["per_mention"], frame["ci_low"], frame["ci_high"], strict=True)
    ]
    if "rate" in frame:
        out["engagement rate"] = frame["rate"].map(lambda x: number(x, 2) + "%")
    return out
