"""Themes compared across groups (NPS groups, touchpoints, personas, platforms).

One :class:`~cxlib.voice.themes.PhraseThemes` model is learned on all texts, so a theme
means the same in every group, and each group's share of it comes with a 95% Wilson
interval (:func:`cxlib.metrics.intervals.wilson`).

Examples
--------
>>> import pandas as pd
>>> texts = pd.Series(["slow delivery", "delivery was slow", "rude staff", "staff rude",
...                    "slow delivery again", "rude staff again"])
>>> groups = pd.Series(["a", "a", "b", "b", "a", "b"])
>>> table = themes_by_group(texts, groups, min_texts=1, n_themes=2, min_df=1)
>>> table[["group", "label", "n", "share"]].values.tolist()
[['a', 'slow delivery', 3, 100.0], ['b', 'rude staff', 3, 100.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.metrics.intervals import wilson
from cxlib.voice.text import blank_texts
from cxlib.voice.themes import OTHER, PhraseThemes

GROUP_COLUMNS = [
    "group", "theme", "label", "n", "share", "share_low", "share_high", "example", "group_n",
]  # fmt: skip
MIN_TEXTS = 10
"""Groups with fewer non-blank texts get no rows (their shares would say little)."""


def themes_by_group(
    texts: pd.Series,
    groups: pd.Series,
    *,
    model: PhraseThemes | None = None,
    languages: pd.Series | None = None,
    min_texts: int = MIN_TEXTS,
    **theme_kwargs: object,
) -> pd.DataFrame:
    """Share of each theme in each group, with 95% CIs and one example text.

    Parameters
    ----------
    texts : Series of str (masked before use)
    groups : the group of each text (aligned with ``texts``); missing = left out
    model : a fitted :class:`PhraseThemes` whose ``labels_`` belong to ``texts``;
        None = one is fitted on ``texts`` with ``theme_kwargs``
    languages : language of each text when known
    min_texts : groups with fewer non-blank texts are left out

    Returns
    -------
    DataFrame of :data:`GROUP_COLUMNS`, by group then share (largest first); the
    :data:`OTHER` row (theme 0) of each group comes last. Shares in % of the group's
    non-blank texts.
    """
    if model is None:
        model = PhraseThemes(**theme_kwargs).fit(texts, languages=languages)  # type: ignore[arg-type]
    info = model.themes_.set_index("theme")
    frame = pd.DataFrame(
        {
            "group": np.asarray(groups, dtype=object),
            "theme": model.labels_,
            "text": model_texts(model, texts),
        }
    )
    frame = frame[frame["group"].notna() & frame["text"].notna()]
    rows = []
    for group, part in frame.groupby("group", sort=True):
        if len(part) < min_texts:
            continue
        counts = part["theme"].value_counts()
        order = [t for t in counts.index if t != 0] + ([0] if 0 in counts.index else [])
        for theme in order:
            k = int(counts[theme])
            low, high = wilson(k, len(part))
            rows.append(
                {"group": group, "theme": int(theme), "label": info.at[theme, "label"] if theme else OTHER,
                 "n": k, "share": 100.0 * k / len(part), "share_low": 100.0 * low,
                 "share_high": 100.0 * high, "example": part.loc[part["theme"] == theme, "text"].iloc[0],
                 "group_n": len(part)}
            )  # fmt: skip
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


def model_texts(model: PhraseThemes, texts: pd.Series) -> np.ndarray:
    """The masked, cut texts aligned with ``model.labels_`` (None where blank)."""
    from cxlib.voice.themes import clean_distinct, cut

    codes, text_u = clean_distinct(texts)  # each distinct text cut once
    return np.array([cut(t) if t is not None else None for t in text_u], dtype=object)[codes]


MIN_LANGUAGE_TEXTS = 200
"""Languages with fewer texts share one theme model (too few for themes of their own)."""


def themes_per_language(
    texts: pd.Series,
    languages: pd.Series,
    *,
    min_texts: int = MIN_LANGUAGE_TEXTS,
    **theme_kwargs: object,
) -> pd.DataFrame:
    """The theme of each text, learned within its language (phrases in that language).

    Texts in different languages share few words, so one model over all of them needs
    a theme per language and meaning; within a language, the themes are the meanings.
    Languages with fewer than ``min_texts`` texts are pooled in one model.

    Returns
    -------
    DataFrame indexed like ``texts``: ``theme`` (the phrase, :data:`OTHER` or missing
    for blank texts), ``theme_id`` (within the language's model), ``theme_language``.

    Examples
    --------
    >>> texts = pd.Series(["slow delivery", "delivery slow"] * 3 + ["pomalé doručení"] * 2)
    >>> langs = pd.Series(["en"] * 6 + ["cs"] * 2)
    >>> themes_per_language(texts, langs, min_texts=4, min_df=1)["theme"].tolist()[-3:]
    ['delivery slow', 'pomalé doručení', 'pomalé doručení']
    """
    lang = pd.Series(np.asarray(languages, dtype=object), index=texts.index).fillna("und")
    sizes = lang.value_counts()
    pooled = lang.where(lang.map(sizes) >= min_texts, "(pooled)")
    theme = np.full(len(texts), None, dtype=object)
    theme_id = np.zeros(len(texts), dtype=np.int64)
    codes, _ = pd.factorize(pooled, sort=True)  # the groups in sorted order, by position
    for code in range(codes.max(initial=-1) + 1):
        at = np.flatnonzero(codes == code)
        part = texts.iloc[at]
        model = PhraseThemes(**theme_kwargs).fit(part, languages=lang.iloc[at])  # type: ignore[arg-type]
        names = model.themes_.set_index("theme")["label"]
        theme_id[at] = model.labels_
        theme[at] = np.where(_blank(part), None, names.reindex(model.labels_).to_numpy())
    return pd.DataFrame(
        {"theme": theme, "theme_id": theme_id, "theme_language": pooled}, index=texts.index
    )


def _blank(texts: pd.Series) -> np.ndarray:
    """Whether each text is missing or blank."""
    return blank_texts(texts)
