"""What customers say at each touchpoint, in words: the table under the friction ranking,
the finding about the top friction point and the method note.

Reads the ``voices_`` of a fitted :class:`~cxlib.journey.JourneyAnalysis`
(:mod:`~cxlib.journey.voices`). Every number goes through :mod:`cxlib.wording`; quotes are
the masked comments (the page's tables mask them again and escape them), marked with their
language when not English.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.voice import PhraseThemes, label, quoted
from cxlib.wording import count, decimals, is_known, percent
from cxlib.wording import label as named

SCALE = "−1 to +1"
"""How the sentiment scale reads on the page."""
TOP_TABLE = 10
"""Ranked touchpoints shown (as many as the friction table)."""
TABLE_COLUMNS = [
    "rank", "touchpoint", "what customers say", "share of comments (95% CI)", "for example",
    "comments", "mean sentiment (95% CI)",
]  # fmt: skip
"""The columns of :func:`table_voices`: what is said first (it is what a phone shows)."""


def sentiment_text(x: float) -> str:
    """A mean sentiment with its sign, typographic minus: ``+0.45``, ``−0.83``, ``n/a``.

    Examples
    --------
    >>> sentiment_text(0.4512), sentiment_text(-0.8), sentiment_text(0.0), sentiment_text(None)
    ('+0.45', '−0.80', '0.00', 'n/a')
    """
    text = decimals(x, 2)
    if is_known(x) and round(float(x), 2) > 0:
        text = "+" + text
    return text.replace("-", "−")


def _ci(low: float, high: float, fmt) -> str:  # noqa: ANN001 -- a wording function
    """``a to b`` with ``fmt``, or empty when unknown."""
    return f"{fmt(low)} to {fmt(high)}" if is_known(low) and is_known(high) else ""


def _order(ja) -> list[str]:  # noqa: ANN001 -- JourneyAnalysis
    """Touchpoints in the friction table's order (top :data:`TOP_TABLE` ranked), then the
    other touchpoints with comments (unranked, or outside the event log)."""
    ranked = ja.friction_[ja.friction_["rank"].notna()].head(TOP_TABLE)["touchpoint"].tolist()
    others = [t for t in pd.unique(ja.voices_.touchpoints["touchpoint"]) if t not in ranked]
    return ranked + others


def _rows(tp: str, rank: str, part: pd.DataFrame, min_comments: int) -> list[dict]:
    """The table rows of one touchpoint: one per theme, the first with its numbers."""
    if part.empty:
        return [
            {"rank": rank, "touchpoint": tp, "comments": "0", "what customers say": "no comments"}
        ]
    first = part.iloc[0]
    head = {
        "rank": rank,
        "touchpoint": named(tp),
        "comments": count(first["comments"]),
        "mean sentiment (95% CI)": (
            f"{sentiment_text(first['sentiment'])} "
            f"({_ci(first['sentiment_low'], first['sentiment_high'], sentiment_text)})"
        ),
    }
    if bool(first["suppressed"]):
        return [head | {"mean sentiment (95% CI)": "",
                        "what customers say": f"too few comments (under {min_comments})"}]  # fmt: skip
    rows, themed = [], part[part["theme"].notna()]
    for i, (r, said) in enumerate(zip(themed.itertuples(), quoted(themed["quote"]), strict=True)):
        rows.append(
            (head if i == 0 else {})
            | {"what customers say": r.theme,
               "share of comments (95% CI)": f"{percent(r.share)} ({_ci(r.share_low, r.share_high, percent)})",
               "for example": said}
        )  # fmt: skip
    return rows or [head | {"what customers say": "no shared theme"}]


def table_voices(ja) -> pd.DataFrame:  # noqa: ANN001 -- JourneyAnalysis
    """What customers say at each friction point: top themes (share, 95% CI, a quote) and
    the mean sentiment of the comments, in the friction table's order.

    A touchpoint with fewer than ``min_comments`` comments shows "too few comments"; a
    ranked one without comments shows "no comments". Other touchpoints with comments
    (unranked, or only in the surveys) follow, ranked "–".
    """
    tv = ja.voices_.touchpoints
    if tv.empty:
        return pd.DataFrame({"note": ["No survey comment names a touchpoint."]})
    ranks = ja.friction_.set_index("touchpoint")["rank"]
    rows = []
    for tp in _order(ja):
        rank = ranks.get(tp, np.nan)
        rank_text = count(rank) if is_known(rank) else "–"
        rows += _rows(tp, rank_text, tv[tv["touchpoint"] == tp], ja.min_comments)
    return pd.DataFrame(rows).reindex(columns=TABLE_COLUMNS).fillna("")


def voice_sentence(ja, touchpoint: str) -> list[str]:  # noqa: ANN001 -- JourneyAnalysis
    """What customers say at ``touchpoint`` in one sentence (none when it has no comments;
    a "too few" sentence under ``min_comments``)."""
    tv = ja.voices_.touchpoints
    part = tv[tv["touchpoint"] == touchpoint] if len(tv) else tv
    if part.empty:
        return []
    first = part.iloc[0]
    if bool(first["suppressed"]):
        return [
            f"Only {count(first['comments'])} comments were left at {named(touchpoint)}: too few "
            f"(under {count(ja.min_comments)}) to say what customers say there."
        ]
    mean = first["sentiment"]
    feel = (
        f"{label(np.array([mean]))[0]} on average (mean sentiment {sentiment_text(mean)} on "
        f"{SCALE}, 95% CI {_ci(first['sentiment_low'], first['sentiment_high'], sentiment_text)})"
        if is_known(mean)
        else "of unknown sentiment"
    )
    said = ""
    if part["theme"].notna().any():
        t = part[part["theme"].notna()].iloc[0]
        said = (
            f"; the most common theme is “{t['theme']}” ({percent(t['share'])} of them, 95% CI "
            f"{_ci(t['share_low'], t['share_high'], percent)}), e.g. {quoted([t['quote'].rstrip('.')])[0]}"
        )
    return [
        f"The {count(first['comments'])} comments left at {named(touchpoint)} are {feel}{said}."
    ]


def voice_method(ja) -> list[str]:  # noqa: ANN001 -- JourneyAnalysis
    """How the sentiment and themes of the comments were found, with the model's accuracy."""
    m = ja.voices_.model
    if not m:
        return []
    if m.get("trained"):
        model = (
            f"and a model trained on this data's {count(m['n_negative'] + m['n_positive'])} "
            "NPS comments (0–6 negative, 9–10 positive) for every language "
            f"(right on {percent(m['cv_accuracy'])} of the comments it was tested on, held out "
            f"from its training; ranking score {decimals(m['cv_auc'], 2)} of 1)"
        )
    else:
        model = (
            "alone: too few NPS comments to train a model for other languages, so comments "
            "in other languages have no sentiment"
        )
    return [
        f"Sentiment runs from −1 (negative) to +1 (positive): VADER's English lexicon {model}. "
        "A comment neither can read is left out of the means. Themes are phrases learned "
        "from all touchpoint comments at once, so a theme means the same at every touchpoint; "
        f"shares are of the touchpoint's comments.{_theme_sample(ja)} Touchpoints and persona "
        f"× stage cells with fewer than {count(ja.min_comments)} comments are not shown."
    ]


def _theme_sample(ja) -> str:  # noqa: ANN001 -- JourneyAnalysis
    """The sentence saying the themes were learned on a sample, when they were (more
    touchpoint comments than :class:`~cxlib.voice.PhraseThemes` learns from)."""
    tv = ja.voices_.touchpoints
    n = int(tv.drop_duplicates("touchpoint")["comments"].sum()) if len(tv) else 0
    most = PhraseThemes().max_docs
    if n <= most:
        return ""
    return (
        f" The themes were learned from a random sample of {count(most)} of the {count(n)} "
        "touchpoint comments (seeded: the same data gives the same themes); every comment "
        "was then placed in its theme."
    )
