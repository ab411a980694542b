"""Voice of the customer: what detractors and promoters talk about, and how every comment feels.

The themes are :class:`cxlib.voice.PhraseThemes` (lemmatised per language, named by a
phrase of the comments such as "still waiting"), learned per NPS group; sentiment is
:func:`cxlib.voice.score_sentiment` with a :class:`cxlib.voice.SentimentModel` trained
on the data's own NPS-scored comments. Comments are masked before anything is learned
from them (:mod:`cxlib.io.privacy`): e-mail addresses, phone, card and account numbers
and links with personal tokens become placeholders, and a customer's own name becomes
``[name]`` when the customers table has it; the examples quoted are the masked comments.

Examples
--------
>>> comments = ["slow delivery", "delivery was slow again", "rude staff", "staff were rude",
...             "slow slow delivery", "rude and unhelpful staff"]
>>> model = ThemeModel(n_themes=2, min_df=1, random_state=0).fit(comments)
>>> model.themes_["label"].tolist()
['slow delivery', 'staff / rude', '(no shared theme)']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cxlib.io.privacy import customer_names
from cxlib.voice import (
    OTHER,
    PhraseThemes,
    SentimentModel,
    quoted_lists,
    score_sentiment,
    themes_per_language,
    tokenize,
)
from cxlib.voice.text import blank_texts, masked_comments

ThemeModel = PhraseThemes
"""The scorecard's former theme model: now :class:`cxlib.voice.PhraseThemes`."""
COMMENTS_FILE = "comments_scored.csv"
"""Every survey comment's sentiment, theme and language (:func:`score_comments`)."""
SCORED_COLUMNS = ["response_id", "survey", "sentiment", "sentiment_score", "theme", "language"]
VOC_COLUMNS = [
    "group", "theme", "label", "keywords", "comments", "share", "examples", "group_comments",
]  # fmt: skip

__all__ = [
    "COMMENTS_FILE",
    "OTHER",
    "ThemeModel",
    "comment_counts",
    "nps_group",
    "score_comments",
    "theme_table",
    "tokenize",
    "voice_of_customer",
]


def nps_group(scores: Iterable[float]) -> pd.Categorical:
    """``detractor`` (0–6), ``passive`` (7–8) or ``promoter`` (9–10); missing stays missing.

    Examples
    --------
    >>> list(nps_group([0, 7, 10]))
    ['detractor', 'passive', 'promoter']
    """
    s = scores if isinstance(scores, pd.Series) else pd.Series(list(scores), dtype="object")
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    labels = np.full(x.shape, None, dtype=object)
    labels[x <= 6] = "detractor"
    labels[(x >= 7) & (x <= 8)] = "passive"
    labels[x >= 9] = "promoter"
    return pd.Categorical(labels, categories=["detractor", "passive", "promoter"])


def _masked(surveys: pd.DataFrame, customers: pd.DataFrame | None) -> pd.Series:
    """The comments with contact details and each customer's own name masked."""
    ids = surveys.get("customer_id")
    return masked_comments(surveys["comment"], ids, customer_names(customers))[0]


def voice_of_customer(
    surveys: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    survey: str = "nps",
    groups: Sequence[str] = ("detractor", "promoter"),
    min_comments: int = 10,
    **theme_kwargs: object,
) -> pd.DataFrame:
    """Themes of the comments of each NPS group (detractors, promoters by default).

    Parameters
    ----------
    surveys : DataFrame with ``survey``, ``score`` and ``comment`` (the contract's names)
    customers : the customers table; when it has names (:data:`cxlib.io.privacy.NAME_COLUMNS`),
        each customer's own name is masked in their comments
    survey : the survey type whose answers are grouped (its scores must be on 0–10)
    groups : NPS groups to analyse, in order
    min_comments : groups with fewer comments get no themes
    **theme_kwargs : passed to :class:`cxlib.voice.PhraseThemes` (``n_themes``, ...)

    Returns
    -------
    DataFrame
        :data:`VOC_COLUMNS`: ``label`` the theme's phrase, ``keywords`` its lemmas,
        ``comments`` and ``share`` (% of the group's comments); theme 0 (label
        :data:`OTHER`) holds the comments no theme explains. Empty without comments.

    Examples
    --------
    >>> voc = voice_of_customer(cx.surveys)             # doctest: +SKIP
    """
    if surveys is None or "comment" not in surveys.columns:
        return pd.DataFrame(columns=VOC_COLUMNS)
    answers = surveys[_is(surveys["survey"], survey)] if "survey" in surveys else surveys
    label = np.asarray(nps_group(answers["score"]), dtype=object)
    masked = _masked(answers, customers)
    frames = []
    for group in groups:
        model = PhraseThemes(**theme_kwargs).fit(masked[label == group])  # type: ignore[arg-type]
        if model.n_texts_ < min_comments or len(model.themes_) < 2:
            continue
        themes = model.themes_.rename(columns={"n": "comments"})
        themes = themes[(themes["theme"] > 0) | (themes["comments"] > 0)]
        frames.append(themes.assign(group=group, group_comments=model.n_texts_))
    if not frames:
        return pd.DataFrame(columns=VOC_COLUMNS)
    return pd.concat(frames, ignore_index=True)[VOC_COLUMNS]


def score_comments(
    surveys: pd.DataFrame | None,
    *,
    customers: pd.DataFrame | None = None,
    **theme_kwargs: object,
) -> pd.DataFrame:
    """Sentiment, theme and language of every survey comment (NPS, CSAT, CES, ...).

    Sentiment: :func:`cxlib.voice.score_sentiment`, with a model trained on the NPS
    comments when there are enough (:class:`cxlib.voice.SentimentModel`; its
    cross-validated accuracy is in ``attrs["sentiment_model"]``). Theme: one
    :func:`cxlib.voice.themes_per_language` (themes learned within each language), its
    phrase as ``theme``.
    No customer id and no text: the file is for checking, not for reading comments.

    Returns
    -------
    DataFrame of :data:`SCORED_COLUMNS`, one row per non-blank comment.

    Examples
    --------
    >>> scored = score_comments(cx.surveys, customers=cx.customers)   # doctest: +SKIP
    """
    if surveys is None or "comment" not in surveys.columns:
        return pd.DataFrame(columns=SCORED_COLUMNS)
    ids = surveys.get("customer_id")
    text, has = masked_comments(surveys["comment"], ids, customer_names(customers))
    kept = [c for c in ("response_id", "survey", "score") if c in surveys]
    answers, text = surveys.loc[has, kept], text[has]  # the columns used: a faster copy
    model = SentimentModel()
    nps = _is(answers["survey"], "nps") if "survey" in answers else pd.Series(True, text.index)
    model.fit(text[nps.to_numpy()], answers.loc[nps.to_numpy(), "score"])
    scored = score_sentiment(text, model=model)
    themes = themes_per_language(text, scored["language"], **theme_kwargs)
    out = pd.DataFrame(
        {
            "response_id": answers.get(
                "response_id", pd.Series(answers.index, index=answers.index)
            ),
            "survey": answers.get("survey"),
            "sentiment": scored["sentiment"],
            "sentiment_score": scored["sentiment_score"],
            "theme": themes["theme"],
            "language": scored["language"],
        }
    ).reset_index(drop=True)
    out.attrs["sentiment_model"] = {
        "trained": bool(model.fitted_),
        "cv_accuracy": model.cv_accuracy_,
        "cv_auc": model.cv_auc_,
        **{f"n_{k}": v for k, v in model.n_train_.items()},
    }
    out.attrs["no_theme_share"] = 100.0 * float((themes["theme"] == OTHER).mean())
    return out[SCORED_COLUMNS]


def comment_counts(surveys: pd.DataFrame | None, survey: str = "nps") -> dict[str, int]:
    """Non-empty comments per NPS group (``{"detractor": n, "passive": n, "promoter": n}``)."""
    if surveys is None or "comment" not in surveys.columns:
        return {}
    answers = surveys[_is(surveys["survey"], survey)]
    has = pd.Series(~blank_texts(answers["comment"]), index=answers.index)
    label = pd.Series(np.asarray(nps_group(answers["score"]), dtype=object), index=answers.index)
    return {g: int((has & (label == g)).sum()) for g in ("detractor", "passive", "promoter")}


def _is(column: pd.Series, value: str) -> pd.Series:
    """``column.astype(str) == value`` without writing every row as a string."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    return (column == value).fillna(False).astype(bool)


def theme_table(themes: pd.DataFrame) -> pd.DataFrame:
    """The themes of :func:`voice_of_customer` as a table for people (examples quoted,
    each marked with its language when not English: :func:`cxlib.voice.quoted`).

    Customer text is returned as is: display it escaped (:func:`cxlib.plots.show_table`).
    """
    if themes is None or themes.empty:
        return pd.DataFrame(columns=["group", "theme", "share %", "comments", "examples"])
    return pd.DataFrame(
        {
            "group": themes["group"].astype(str) + "s",
            "theme": themes["label"],
            "share %": themes["share"].round(1),
            "comments": themes["comments"].astype(int),
            "examples": quoted_lists(themes["examples"]),
        }
    )
