"""What each persona says: the comment themes that set a persona apart, for its card.

All survey comments (NPS, CSAT, CES, ...) of the persona's customers are masked
(:func:`cxlib.io.privacy.mask_comments`: contact details and each customer's own name),
and one :class:`cxlib.voice.PhraseThemes` model is learned on all of them, so a theme means
the same for every persona (:func:`cxlib.voice.themes_by_group`). A persona card shows the
themes the persona mentions *more often than the other customers* -- its share's 95% Wilson
interval lies above the others' share -- by how many times more often (``lift``); themes
every persona shares ("does the job") would make every card alike. A persona with no such
theme shows its most common ones. Personas with fewer than ``min_comments`` comments show
none.

Examples
--------
>>> themes = persona_themes(cx, seg)                                    # doctest: +SKIP
>>> card_lines(themes)[1]                                               # doctest: +SKIP
['“person on the phone” 9% (4.3× others)', ...]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib import wording
from cxlib.io.ids import positions
from cxlib.io.privacy import customer_names
from cxlib.voice import OTHER, PhraseThemes, themes_by_group
from cxlib.voice.text import masked_comments
from cxlib.voice.themes import cut

MIN_COMMENTS = 20
"""Personas with fewer comments get no themes on their card."""
TOP_THEMES = 3
"""Themes shown per persona."""
QUOTE_CHARS = 80
"""The quote of a theme is cut to this many characters."""
THEME_COLUMNS = [
    "persona_id", "rank", "theme", "n", "comments", "share", "share_low", "share_high",
    "others_share", "lift", "distinct", "quote", "language",
]  # fmt: skip
"""Columns of :func:`persona_themes` (shares as fractions of the persona's comments)."""


def _persona_comments(cx, segmenter) -> tuple[pd.Series, pd.Series]:  # noqa: ANN001
    """The masked non-blank comments of customers with a persona, and their persona ids."""
    sv = cx.surveys
    if sv is None or "comment" not in sv or "customer_id" not in sv:
        return pd.Series([], dtype=object), pd.Series([], dtype=float)
    assign = segmenter.personas_[["customer_id", "persona_id"]]
    at = positions(sv["customer_id"], assign["customer_id"])
    text, filled = masked_comments(sv["comment"], sv["customer_id"], customer_names(cx.customers))
    keep = filled & (at >= 0)
    ids = assign["persona_id"].to_numpy()[at[keep]]
    return text[keep].reset_index(drop=True), pd.Series(ids)


def persona_themes(
    cx,  # noqa: ANN001 -- CXData
    segmenter,  # noqa: ANN001 -- a fitted PersonaSegmenter
    *,
    top: int = TOP_THEMES,
    min_comments: int = MIN_COMMENTS,
    **theme_kwargs: object,
) -> pd.DataFrame:
    """The ``top`` comment themes of each persona that set it apart from other customers.

    Parameters
    ----------
    cx : CXData the personas were built from (its surveys' comments)
    segmenter : a fitted :class:`~cxlib.personas.PersonaSegmenter` (``personas_``)
    top : themes kept per persona
    min_comments : personas with fewer comments get no rows
    **theme_kwargs : passed to :class:`cxlib.voice.PhraseThemes`

    Returns
    -------
    DataFrame of :data:`THEME_COLUMNS`: ``share`` (with its 95% CI) of the persona's
    ``comments``, ``others_share`` of the other customers' comments, ``lift`` their ratio,
    ``distinct`` whether the share's CI lies above ``others_share``, a masked ``quote`` and
    the theme's ``language`` (ISO code: the most common one of its comments).
    """
    texts, ids = _persona_comments(cx, segmenter)
    if texts.empty:
        return pd.DataFrame(columns=THEME_COLUMNS)
    model = PhraseThemes(**theme_kwargs).fit(texts)  # type: ignore[arg-type]
    table = themes_by_group(texts, ids, model=model, min_texts=min_comments)
    table = table[table["label"] != OTHER]
    if table.empty:
        return pd.DataFrame(columns=THEME_COLUMNS)
    said = table["theme"].map(pd.Series(model.labels_).value_counts())  # every persona's
    rest = len(texts) - table["group_n"]
    others = ((said - table["n"]) / rest).where(rest > 0)
    out = pd.DataFrame(
        {
            "persona_id": table["group"], "theme": table["label"], "n": table["n"],
            "comments": table["group_n"], "share": table["share"] / 100,
            "share_low": table["share_low"] / 100, "share_high": table["share_high"] / 100,
            "others_share": others, "quote": table["example"].map(lambda t: cut(t, QUOTE_CHARS)),
            "language": table["theme"].map(model.themes_.set_index("theme")["language"]),
        }
    )  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        out["lift"] = out["share"] / out["others_share"]
    out["distinct"] = out["share_low"] > out["others_share"].fillna(np.inf)
    return _pick(out, top)


def _pick(themes: pd.DataFrame, top: int) -> pd.DataFrame:
    """Each persona's distinct themes by lift, or its most common ones when none is."""
    parts = []
    for _, part in themes.groupby("persona_id", sort=True):
        mine = part[part["distinct"]].sort_values("lift", ascending=False)
        if mine.empty:
            mine = part.sort_values("share", ascending=False)
        parts.append(mine.head(top).assign(rank=np.arange(1, min(top, len(mine)) + 1)))
    return pd.concat(parts, ignore_index=True).reindex(columns=THEME_COLUMNS)


def card_lines(themes: pd.DataFrame | None) -> dict[object, list[str]]:
    """The "what they say" line of each persona card: persona id -> short texts (the
    theme, its share of the persona's comments and, for a distinct theme, how many times
    as often as the other customers' comments); a theme not in English is marked with its
    language ("(in Czech)").

    Examples
    --------
    >>> t = pd.DataFrame({"persona_id": [1, 2], "theme": ["slow delivery", "great app"],
    ...     "share": [0.12, 0.3], "lift": [2.5, 1.0], "distinct": [True, False],
    ...     "language": ["en", "cs"]})
    >>> card_lines(t)
    {1: ['“slow delivery” 12% (2.5× others)'], 2: ['“great app” (in Czech) 30%']}
    """
    if themes is None or themes.empty:
        return {}
    out: dict[object, list[str]] = {}
    for r in themes.itertuples():
        mark = wording.in_language(getattr(r, "language", None))
        text = f"“{r.theme}”{mark} {wording.percent(r.share)}"
        if r.distinct and wording.is_known(r.lift):
            text += f" ({wording.number(r.lift, 1)}× others)"
        out.setdefault(r.persona_id, []).append(text)
    return out
