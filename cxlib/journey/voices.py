"""What customers say along the journey: comment themes and sentiment per touchpoint, and
the emotion (mean sentiment of comments) per persona x stage.

Survey answers that name a touchpoint (CSAT and CES mostly; an NPS answer given about a
touchpoint counts too) carry comments about that step. The journey report shows, beside
each friction point, the themes of those comments and how they feel, so a leader sees not
only *where* customers struggle but *what they say about it*.

* Comments are masked first (:func:`cxlib.io.privacy.mask_comments`: contact details, and
  each customer's own name when the customers table has it); the quotes are the masked
  comments, cut to :data:`QUOTE_CHARS`.
* Sentiment: :func:`cxlib.voice.score_sentiment` (VADER's lexicon for English) with a
  :class:`cxlib.voice.SentimentModel` trained on the data's own NPS comments (0-6 vs 9-10)
  when there are enough, so Czech or German comments are read too; each distinct comment is
  scored once. A comment that neither can read (no rated word, no word seen in training)
  has no sentiment and is left out of the means rather than counted as neutral.
* Themes: one :class:`cxlib.voice.PhraseThemes` model over all touchpoint comments (so a
  theme means the same at every touchpoint), with each touchpoint's share of it and a 95%
  Wilson interval (:func:`cxlib.voice.themes_by_group`).
* Cells with fewer than ``min_comments`` comments (default :data:`MIN_COMMENTS`) are
  suppressed: their shares and means would be noise.

Examples
--------
>>> comments = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
...     "touchpoint": ["payment"] * 4, "sentiment_score": [-0.6, -0.2, np.nan, 0.2]})
>>> sentiment_means(comments, ["touchpoint"], min_comments=3).to_dict("records")
[{'touchpoint': 'payment', 'sentiment_comments': 3, 'sentiment': -0.2, 'sentiment_suppressed': False}]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.io.ids import positions
from cxlib.io.privacy import customer_names
from cxlib.metrics.intervals import t_mean_ci
from cxlib.voice import OTHER, SentimentModel, score_sentiment, themes_by_group
from cxlib.voice.text import masked_comments
from cxlib.voice.themes import cut

MIN_COMMENTS = 20
"""Touchpoints and persona x stage cells with fewer comments are suppressed ("too few")."""
TOP_THEMES = 3
"""Themes shown per touchpoint."""
QUOTE_CHARS = 90
"""Quotes are cut to this many characters (one short line beside a friction point)."""
VOICE_COLUMNS = [
    "touchpoint", "stage", "stage_rank", "comments", "sentiment_comments", "sentiment",
    "sentiment_low", "sentiment_high", "theme_rank", "theme", "share", "share_low",
    "share_high", "quote", "suppressed",
]  # fmt: skip
"""Columns of :attr:`JourneyVoices.touchpoints` (one row per touchpoint and top theme)."""


@dataclass
class JourneyVoices:
    """The comments of a journey, scored and themed.

    Attributes
    ----------
    comments : DataFrame
        One row per non-blank survey comment: ``customer_id``, ``touchpoint``, ``survey``,
        ``text`` (masked), ``sentiment_score`` (NaN when unreadable), ``language``.
    touchpoints : DataFrame
        :data:`VOICE_COLUMNS`: per touchpoint with comments, its top themes (``share`` and
        its CI as fractions of the touchpoint's comments) and mean sentiment with a 95%
        t interval; a touchpoint under ``min_comments`` has one row, ``suppressed`` True.
    model : dict
        The sentiment model: ``trained``, ``cv_accuracy``, ``cv_auc``, ``n_negative``,
        ``n_positive`` (the NPS comments it learned from).
    """

    comments: pd.DataFrame
    touchpoints: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VOICE_COLUMNS))
    model: dict = field(default_factory=dict)


def survey_comments(cx) -> pd.DataFrame:  # noqa: ANN001 -- CXData
    """The non-blank survey comments, masked: ``customer_id``, ``touchpoint``, ``survey``,
    ``score``, ``text`` (empty without a surveys table or a comment column)."""
    cols = ["customer_id", "touchpoint", "survey", "score", "text"]
    sv = cx.surveys
    if sv is None or "comment" not in sv or sv["comment"].isna().all():
        return pd.DataFrame(columns=cols)
    ids = sv["customer_id"] if "customer_id" in sv else pd.Series(pd.NA, index=sv.index)
    text, keep = masked_comments(sv["comment"], ids, customer_names(cx.customers))
    out = pd.DataFrame(
        {
            "customer_id": ids.astype("string"),
            "touchpoint": sv["touchpoint"].astype("string") if "touchpoint" in sv else pd.NA,
            "survey": sv["survey"].astype("string"),
            "score": sv["score"],
            "text": text,
        }
    )
    return out[keep].reset_index(drop=True)


def score_comments(comments: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """``comments`` with ``sentiment_score`` and ``language``, and the model's summary.

    The model learns from the NPS comments (:class:`cxlib.voice.SentimentModel`); each
    distinct text is then scored once. Unreadable texts (``sentiment_source`` "none")
    get NaN, not 0: an unread comment is not a neutral one.
    """
    nps = (comments["survey"] == "nps").fillna(False).to_numpy(bool)
    model = SentimentModel().fit(comments.loc[nps, "text"], comments.loc[nps, "score"])
    codes, uniques = pd.factorize(comments["text"])
    scored = score_sentiment(pd.Series(np.asarray(uniques, dtype=object)), model=model)
    score = scored["sentiment_score"].where(scored["sentiment_source"] != "none")
    out = comments.assign(
        sentiment_score=score.to_numpy()[codes], language=scored["language"].to_numpy()[codes]
    )
    info = {
        "trained": bool(model.fitted_),
        "cv_accuracy": model.cv_accuracy_,
        "cv_auc": model.cv_auc_,
        **{f"n_{k}": v for k, v in model.n_train_.items()},
    }
    return out, info


def sentiment_means(
    comments: pd.DataFrame, by: list[str], *, min_comments: int = MIN_COMMENTS
) -> pd.DataFrame:
    """Mean ``sentiment_score`` per group of ``by``, over the comments that have one.

    Returns ``by``, ``sentiment_comments`` (comments with a sentiment), ``sentiment`` (NaN
    when suppressed) and ``sentiment_suppressed`` (fewer than ``min_comments``).
    """
    scored = comments[comments["sentiment_score"].notna()]
    out = (
        scored.groupby(by, observed=True, sort=True)["sentiment_score"]
        .agg(sentiment_comments="size", sentiment="mean")
        .reset_index()
    )
    out["sentiment_comments"] = out["sentiment_comments"].astype(int)
    out["sentiment_suppressed"] = out["sentiment_comments"] < min_comments
    out.loc[out["sentiment_suppressed"], "sentiment"] = np.nan
    out["sentiment"] = out["sentiment"].round(3)
    return out[[*by, "sentiment_comments", "sentiment", "sentiment_suppressed"]]


def touchpoint_voices(
    comments: pd.DataFrame,
    stages: pd.DataFrame,
    *,
    min_comments: int = MIN_COMMENTS,
    top: int = TOP_THEMES,
    **theme_kwargs: object,
) -> pd.DataFrame:
    """The top themes and mean sentiment of each touchpoint's comments.

    Parameters
    ----------
    comments : scored comments (:func:`score_comments`); those without a touchpoint are
        left out
    stages : ``touchpoint``, ``stage``, ``stage_rank`` (e.g. the friction table)
    min_comments : touchpoints with fewer comments get one suppressed row
    top : themes kept per touchpoint (the :data:`~cxlib.voice.OTHER` theme is never one)
    **theme_kwargs : passed to :class:`cxlib.voice.PhraseThemes`

    Returns
    -------
    DataFrame of :data:`VOICE_COLUMNS`, in stage order, each touchpoint's themes by share.
    """
    at = comments[comments["touchpoint"].notna()].reset_index(drop=True)
    if at.empty:
        return pd.DataFrame(columns=VOICE_COLUMNS)
    groups = at["touchpoint"].astype(object)
    themes = themes_by_group(at["text"], groups, languages=at["language"], min_texts=min_comments,
                             **theme_kwargs)  # fmt: skip
    themes = themes[themes["label"] != OTHER].groupby("group", sort=False).head(top)
    rows = []
    for tp, part in at.groupby("touchpoint", sort=True):
        n = len(part)
        mean, low, high, _ = t_mean_ci(part["sentiment_score"].dropna().to_numpy(float))
        base = {"touchpoint": tp, "comments": n,
                "sentiment_comments": int(part["sentiment_score"].notna().sum()),
                "sentiment": mean, "sentiment_low": low, "sentiment_high": high}  # fmt: skip
        if n < min_comments:
            rows.append(base | {"sentiment": np.nan, "sentiment_low": np.nan,
                                "sentiment_high": np.nan, "suppressed": True})  # fmt: skip
            continue
        mine = themes[themes["group"] == tp]
        for rank, t in enumerate(mine.itertuples(), start=1):
            rows.append(base | {"theme_rank": rank, "theme": t.label, "share": t.share / 100,
                                "share_low": t.share_low / 100, "share_high": t.share_high / 100,
                                "quote": cut(t.example, QUOTE_CHARS), "suppressed": False})  # fmt: skip
        if mine.empty:
            rows.append(base | {"suppressed": False})
    out = pd.DataFrame(rows).reindex(columns=VOICE_COLUMNS)
    out = out.drop(columns=["stage", "stage_rank"]).merge(
        stages[["touchpoint", "stage", "stage_rank"]].drop_duplicates("touchpoint"),
        on="touchpoint",
        how="left",
    )
    out = out.sort_values(["stage_rank", "touchpoint", "theme_rank"], na_position="last")
    out = out.astype({"stage_rank": "Int64", "theme_rank": "Int64"})
    return out[VOICE_COLUMNS].reset_index(drop=True)


def stage_emotions(
    comments: pd.DataFrame,
    stages: pd.DataFrame,
    personas: pd.DataFrame | None,
    *,
    min_comments: int = MIN_COMMENTS,
) -> pd.DataFrame:
    """Mean sentiment of comments per persona x stage (the emotion of a journey map).

    A comment belongs to the stage of its touchpoint (``stages``: ``touchpoint``,
    ``stage_rank``) and to the persona of its customer (``personas``: ``customer_id``,
    ``persona``); anonymous comments and touchpoints outside the log are left out.

    Returns
    -------
    DataFrame: ``persona``, ``stage_rank``, ``sentiment_comments``, ``sentiment`` (NaN
    below ``min_comments``: "too few") and ``sentiment_suppressed``.
    """
    cols = ["persona", "stage_rank", "sentiment_comments", "sentiment", "sentiment_suppressed"]
    if personas is None or comments.empty:
        return pd.DataFrame(columns=cols)
    stage_of = stages.drop_duplicates("touchpoint")
    at = positions(comments["touchpoint"], stage_of["touchpoint"])
    who = positions(comments["customer_id"], personas["customer_id"])
    keep = (at >= 0) & (who >= 0)
    frame = pd.DataFrame(
        {
            "persona": personas["persona"].to_numpy(object)[who[keep]],
            "stage_rank": stage_of["stage_rank"].to_numpy()[at[keep]],
            "sentiment_score": comments["sentiment_score"].to_numpy(float)[keep],
        }
    )
    return sentiment_means(frame, ["persona", "stage_rank"], min_comments=min_comments)[cols]


def journey_voices(
    cx,  # noqa: ANN001 -- CXData
    stages: pd.DataFrame,
    personas: pd.DataFrame | None = None,
    *,
    min_comments: int = MIN_COMMENTS,
    top: int = TOP_THEMES,
) -> tuple[JourneyVoices, pd.DataFrame]:
    """Score and theme the survey comments of ``cx``: per touchpoint, and per persona x stage.

    Returns
    -------
    (JourneyVoices, DataFrame)
        The touchpoint voices and the emotions of :func:`stage_emotions`.

    Examples
    --------
    >>> voices, emotions = journey_voices(cx, ja.friction_, personas)   # doctest: +SKIP
    """
    comments = survey_comments(cx)
    if comments.empty:
        return JourneyVoices(comments), stage_emotions(comments, stages, None)
    comments, info = score_comments(comments)
    tps = touchpoint_voices(comments, stages, min_comments=min_comments, top=top)
    emotions = stage_emotions(comments, stages, personas, min_comments=min_comments)
    return JourneyVoices(comments, tps, info), emotions


def add_emotions(journey_map: pd.DataFrame, emotions: pd.DataFrame) -> pd.DataFrame:
    """The journey map with ``sentiment`` and ``sentiment_comments`` per persona x stage.

    ``sentiment`` is NaN where the comments are too few (``sentiment_comments`` still says
    how many) and where the cell itself is hidden for too few customers.

    Examples
    --------
    >>> jm = pd.DataFrame({"persona": ["A", "A"], "stage_rank": [1, 2], "suppressed": [False, True]})
    >>> em = pd.DataFrame({"persona": ["A", "A"], "stage_rank": [1, 2], "sentiment_comments": [40, 25],
    ...                    "sentiment": [0.25, -0.5], "sentiment_suppressed": [False, False]})
    >>> add_emotions(jm, em)[["sentiment", "sentiment_comments"]].values.tolist()
    [[0.25, 40.0], [nan, 25.0]]
    """
    out = journey_map.drop(columns=["sentiment", "sentiment_comments"], errors="ignore")
    out = out.merge(
        emotions[["persona", "stage_rank", "sentiment", "sentiment_comments"]],
        on=["persona", "stage_rank"],
        how="left",
    )
    out["sentiment_comments"] = out["sentiment_comments"].fillna(0).astype(int)
    out["sentiment"] = out["sentiment"].astype(float).where(~out["suppressed"].astype(bool))
    return out
