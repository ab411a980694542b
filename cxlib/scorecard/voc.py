"""Voice of the customer: what detractors and promoters talk about, from their comments.

Themes come from TF-IDF on the comments and non-negative matrix factorisation (NMF,
scikit-learn): each theme is a handful of keywords; each comment belongs to the theme it
loads on most; a theme's share is the part of the group's comments that belong to it.
Tokenisation makes no assumption about the language: Unicode word tokens (any script),
case-folded and NFKC-normalised; scripts written without spaces (Chinese, Japanese) are
cut into character pairs. Very common words are dropped by document frequency
(``max_df``), which works in any language; a stop-word list (by default the function
words of ten European languages, :mod:`cxlib.scorecard.stopwords`) is optional.

Comments are masked before anything is learned from them (:mod:`cxlib.io.privacy`):
e-mail addresses, phone, card and account numbers and links with personal tokens become
placeholders (``[e-mail]``, ``[phone]``, ...), and a customer's own name becomes
``[name]`` when the customers table has it; placeholders are not words of a theme, and
the examples quoted are the masked comments.

Examples
--------
>>> comments = ["slow delivery", "delivery was slow again", "rude staff", "staff were rude",
...             "slow slow delivery", "rude and unhelpful staff"]
>>> model = ThemeModel(n_themes=2, min_df=1, random_state=0).fit(comments)
>>> model.labels_.tolist()                        # theme of each comment
[2, 2, 1, 1, 2, 1]
>>> model.themes_["keywords"].str.split(", ").str[:2].tolist()
[['staff', 'rude'], ['slow', 'delivery']]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from cxlib.io.privacy import PLACEHOLDERS, customer_names, mask_comments, mask_series
from cxlib.scorecard.stopwords import STOP_WORDS

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NO_SPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
OTHER = "(no shared theme)"
"""The ``keywords`` of the row holding the comments no theme explains."""
EXAMPLE_CHARS = 240
"""Example comments are cut to this many characters."""
NMF_MAX_ITER = 400
"""Iterations NMF may take to converge."""
MIN_DOCS_FOR_MAX_DF = 20
"""Below this many comments the ``max_df`` limit is not applied (too few to judge)."""
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
"""The masks of :mod:`cxlib.io.privacy`: not words a theme is made of."""


def tokenize(text: str) -> list[str]:
    """Unicode word tokens of ``text`` (any language), case-folded; CJK as character pairs.

    Tokens of one character and pure numbers are dropped.

    Examples
    --------
    >>> tokenize("Die App stürzt ständig ab!")
    ['die', 'app', 'stürzt', 'ständig', 'ab']
    >>> tokenize("付款一直失败")
    ['付款', '款一', '一直', '直失', '失败']
    """
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    out: list[str] = []
    for word in _WORD.findall(text):
        if _NO_SPACE_SCRIPT.search(word):
            for part in re.split(f"({_NO_SPACE_SCRIPT.pattern})", word):
                if not part:
                    continue
                if _NO_SPACE_SCRIPT.fullmatch(part):
                    out += [part[i : i + 2] for i in range(len(part) - 1)] or [part]
                elif len(part) > 1 and not part.isdigit():
                    out.append(part)
        elif len(word) > 1 and not word.isdigit():
            out.append(word)
    return out


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


class ThemeModel(BaseEstimator):
    """Themes of a set of comments: TF-IDF + NMF, with shares and example comments.

    Parameters
    ----------
    n_themes : int
        Themes to find (fewer when the vocabulary is too small).
    n_keywords : int
        Keywords listed per theme.
    n_examples : int
        Example comments kept per theme (the ones loading most on it).
    min_df : int
        A word must occur in at least this many comments.
    max_df : float
        Words in more than this share of comments are dropped (language-neutral stop words).
    stop_words : "common", list of str or None
        Words to drop: ``"common"`` = the function words of :mod:`cxlib.scorecard.stopwords` (ten
        European languages), a list = those words, None = none.
    max_features : int
        Vocabulary size.
    max_docs : int
        At most this many comments are analysed: beyond it, a seeded random sample; shares
        are then estimates from the sample and ``comments`` counts are scaled to all.
    min_fit : float
        A comment belongs to its strongest theme only when the themes explain it: the
        cosine between its TF-IDF vector and the NMF reconstruction is at least this.
        Others are unassigned (e.g. comments in a language no theme covers).
    random_state : int
        Seed of the sample and of NMF's initialisation.

    Attributes
    ----------
    themes_ : DataFrame
        ``theme`` (1..k, by share), ``keywords``, ``comments``, ``share`` (% of all
        comments given), ``examples`` (list of str).
    labels_ : ndarray of int
        The theme of each analysed comment (0 = none), in the order of ``sample_``.
    sample_ : ndarray of int
        Positions (among the non-empty comments) of the analysed comments.
    unassigned_ : dict
        ``comments``, ``share`` and ``examples`` of the comments no theme explains.
    n_comments_ : int
        Non-empty comments.
    """

    def __init__(
        self,
        n_themes: int = 6,
        n_keywords: int = 5,
        n_examples: int = 3,
        min_df: int = 3,
        max_df: float = 0.6,
        stop_words: str | Sequence[str] | None = "common",
        max_features: int = 5000,
        max_docs: int = 20000,
        min_fit: float = 0.1,
        random_state: int | None = 0,
    ):
        self.n_themes = n_themes
        self.n_keywords = n_keywords
        self.n_examples = n_examples
        self.min_df = min_df
        self.max_df = max_df
        self.stop_words = stop_words
        self.max_features = max_features
        self.max_docs = max_docs
        self.min_fit = min_fit
        self.random_state = random_state

    def fit(self, comments: Iterable[object]) -> ThemeModel:
        """Find the themes of ``comments`` (missing or blank ones are ignored)."""
        from sklearn.decomposition import NMF

        text = self._analysed(comments)
        scale = self.n_comments_ / max(len(text), 1)
        self.labels_ = np.zeros(len(text), dtype=int)
        self.unassigned_ = {
            "comments": self.n_comments_,
            "share": 100.0 if len(text) else 0.0,
            "examples": _examples(text, self.n_examples),
        }
        self.themes_ = pd.DataFrame(columns=["theme", "keywords", "comments", "share", "examples"])
        if len(text) < 2:
            return self
        vectorizer = self._vectorizer(len(text))
        try:
            x = vectorizer.fit_transform(text)
        except ValueError:  # no word survives the document-frequency limits
            return self
        k = max(1, min(self.n_themes, x.shape[1] - 1, x.shape[0] - 1))
        nmf = NMF(
            n_components=k, init="nndsvda", random_state=self.random_state, max_iter=NMF_MAX_ITER
        )
        weights = nmf.fit_transform(x)
        terms = np.asarray(vectorizer.get_feature_names_out())
        dominant = np.where(
            _fit(x, weights, nmf.components_) >= self.min_fit, weights.argmax(1), -1
        )
        rows = [
            self._theme_row(j, text, weights, nmf.components_[j], terms, dominant, scale)
            for j in range(k)
        ]
        themes = pd.DataFrame(rows).sort_values(["comments", "component"], ascending=[False, True])
        themes = themes[themes["comments"] > 0].reset_index(drop=True)
        rank = {c: i + 1 for i, c in enumerate(themes["component"])}
        themes.insert(0, "theme", themes.pop("component").map(rank))
        rest = np.flatnonzero(dominant < 0)
        self.unassigned_ = {
            "comments": round(len(rest) * scale),
            "share": 100.0 * len(rest) / len(text),
            "examples": _examples(text.iloc[rest], self.n_examples),
        }
        self.labels_ = np.array([rank.get(d, 0) for d in dominant], dtype=int)
        self.themes_ = themes
        return self

    def _analysed(self, comments: Iterable[object]) -> pd.Series:
        """The non-blank comments to analyse (a seeded sample beyond ``max_docs``).

        Sets ``n_comments_`` and ``sample_``; returns Python strings (for the tokenizer and
        the examples), contact details masked (:func:`cxlib.io.privacy.mask_contacts`).
        """
        text = comments if isinstance(comments, pd.Series) else pd.Series(list(comments))
        text = text[text.notna()].astype("string[pyarrow]").str.strip()  # vectorised (Arrow)
        text = mask_series(text)
        text = text[text != ""].reset_index(drop=True)
        self.n_comments_ = len(text)
        rng = np.random.default_rng(self.random_state)
        self.sample_ = np.arange(len(text))
        if len(text) > self.max_docs:
            self.sample_ = np.sort(rng.choice(len(text), self.max_docs, replace=False))
            text = text.iloc[self.sample_].reset_index(drop=True)
        return text.astype(object)

    def _vectorizer(self, n_docs: int):
        """TF-IDF on :func:`tokenize`'s words, stop words and document-frequency limits applied.

        On few comments the limits relax: ``min_df`` to half of them, no ``max_df`` below
        :data:`MIN_DOCS_FOR_MAX_DF` comments (a word in 3 of 10 comments is not noise).
        """
        from sklearn.feature_extraction.text import TfidfVectorizer

        words = STOP_WORDS if self.stop_words == "common" else self.stop_words or ()
        stop = {w.casefold() for w in words}
        return TfidfVectorizer(
            analyzer=lambda s: [t for t in tokenize(_PLACEHOLDER.sub(" ", s)) if t not in stop],
            min_df=min(self.min_df, max(1, n_docs // 2)),
            max_df=self.max_df if n_docs >= MIN_DOCS_FOR_MAX_DF else 1.0,
            max_features=self.max_features,
            sublinear_tf=True,
        )

    def _theme_row(
        self,
        j: int,
        text: pd.Series,
        weights: np.ndarray,
        component: np.ndarray,
        terms: np.ndarray,
        dominant: np.ndarray,
        scale: float,
    ) -> dict[str, object]:
        """NMF component ``j`` as a theme: keywords, members counted (scaled), examples."""
        members = np.flatnonzero(dominant == j)
        keywords = terms[np.argsort(component)[::-1][: self.n_keywords]]
        order = members[np.argsort(weights[members, j])[::-1]]
        return {
            "component": j,
            "keywords": ", ".join(keywords),
            "comments": round(len(members) * scale),
            "share": 100.0 * len(members) / len(text),
            "examples": _examples(text.iloc[order], self.n_examples),
        }


def _fit(x, weights: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Cosine between each comment's TF-IDF vector and its NMF reconstruction."""
    recon = weights @ components
    dot = np.asarray(x.multiply(recon).sum(axis=1)).ravel()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel()) * np.linalg.norm(recon, axis=1)
    return np.divide(dot, norms, out=np.zeros_like(dot), where=norms > 0)


def _examples(text: pd.Series, n: int) -> list[str]:
    """The first ``n`` distinct comments of ``text``, cut to :data:`EXAMPLE_CHARS`."""
    return [_cut(e) for e in dict.fromkeys(text.tolist())][:n]


def _cut(text: str, limit: int = EXAMPLE_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
    customers : the customers table; when it has names (``name``, ``first_name``,
        ``last_name``, ...: :data:`cxlib.io.privacy.NAME_COLUMNS`), each customer's own
        name is masked in their comments
    survey : the survey type whose answers are grouped (its scores must be on 0–10)
    groups : NPS groups to analyse, in order
    min_comments : groups with fewer comments get no themes
    **theme_kwargs : passed to :class:`ThemeModel` (``n_themes``, ``random_state``, ...)

    Returns
    -------
    DataFrame
        ``group``, ``theme``, ``keywords``, ``comments``, ``share`` (% of the group's
        comments), ``examples``, ``group_comments``; theme 0 (keywords :data:`OTHER`)
        holds the comments no theme explains. Empty when there are no comments.

    Examples
    --------
    >>> voc = voice_of_customer(cx.surveys)             # doctest: +SKIP
    """
    cols = ["group", "theme", "keywords", "comments", "share", "examples", "group_comments"]
    if surveys is None or "comment" not in surveys.columns:
        return pd.DataFrame(columns=cols)
    answers = surveys[surveys["survey"].astype(str) == survey] if "survey" in surveys else surveys
    label = np.asarray(nps_group(answers["score"]), dtype=object)
    ids = answers.get("customer_id")
    masked = mask_comments(answers["comment"], ids, customer_names(customers))
    frames = []
    for group in groups:
        comments = masked[label == group]
        model = ThemeModel(**theme_kwargs).fit(comments)  # type: ignore[arg-type]
        if model.n_comments_ < min_comments or model.themes_.empty:
            continue
        themes = model.themes_.assign(group=group, group_comments=model.n_comments_)
        rest = model.unassigned_
        if rest["comments"]:
            other = {"theme": 0, "keywords": OTHER, "group": group}
            other.update(rest, group_comments=model.n_comments_)
            themes = pd.concat([themes, pd.DataFrame([other])], ignore_index=True)
        frames.append(themes)
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def comment_counts(surveys: pd.DataFrame | None, survey: str = "nps") -> dict[str, int]:
    """Non-empty comments per NPS group (``{"detractor": n, "passive": n, "promoter": n}``)."""
    if surveys is None or "comment" not in surveys.columns:
        return {}
    answers = surveys[surveys["survey"].astype(str) == survey]
    has = answers["comment"].notna() & (answers["comment"].astype(str).str.strip() != "")
    label = pd.Series(np.asarray(nps_group(answers["score"]), dtype=object), index=answers.index)
    return {g: int((has & (label == g)).sum()) for g in ("detractor", "passive", "promoter")}


def theme_table(themes: pd.DataFrame) -> pd.DataFrame:
    """The themes of :func:`voice_of_customer` as a table for people (examples quoted).

    Customer text is returned as is: display it escaped (:func:`cxlib.plots.show_table`).
    """
    if themes is None or themes.empty:
        return pd.DataFrame(columns=["group", "theme", "share %", "comments", "examples"])
    return pd.DataFrame(
        {
            "group": themes["group"].astype(str) + "s",
            "theme": themes["keywords"],
            "share %": themes["share"].round(1),
            "comments": themes["comments"].astype(int),
            "examples": [" · ".join(f"“{e}”" for e in ex) for ex in themes["examples"]],
        }
    )
