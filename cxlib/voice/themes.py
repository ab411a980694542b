"""Themes of texts in any language, named by phrases a person would use.

:class:`PhraseThemes` finds what a set of texts talks about: each text's words are
lemmatised and stripped of stop words in its own language (:mod:`cxlib.voice.text`),
described by TF-IDF over lemmas and lemma pairs, and factorised (NMF, scikit-learn) into
themes; each text belongs to the theme it loads on most when the themes explain it
(cosine between the text and its reconstruction at least ``min_fit``), else to
:data:`OTHER`. A theme is named by the phrase of its own texts that sets it apart
(:func:`cxlib.voice.phrases.best_phrase`), e.g. "waiting for the router".

Texts are masked (:func:`cxlib.voice.text.mask_texts`) before anything is learned or
quoted: e-mails, phones, card and account numbers become placeholders.

Examples
--------
>>> import pandas as pd
>>> texts = pd.Series(["slow delivery again", "delivery was slow", "very slow delivery",
...                    "rude staff at the desk", "the staff were rude", "rude staff"])
>>> model = PhraseThemes(n_themes=2, min_df=1, random_state=0).fit(texts)
>>> model.themes_[["label", "n"]].values.tolist()
[['slow delivery', 3], ['rude staff', 3], ['(no shared theme)', 0]]
>>> model.labels_.tolist()
[1, 1, 1, 2, 2, 2]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from cxlib.voice.language import UNDETERMINED, detect_language
from cxlib.voice.phrases import best_phrase
from cxlib.voice.text import (
    blank_distinct,
    distinct,
    lemma_map,
    mask_distinct,
    stop_words,
    tokenize,
)

OTHER = "(no shared theme)"
"""The label of the texts no theme explains (theme 0)."""
EXAMPLE_CHARS = 240
"""Quoted examples are cut to this many characters."""
NMF_MAX_ITER = 400
"""Iterations NMF may take to converge."""
MIN_DOCS_FOR_MAX_DF = 20
"""Below this many texts the ``max_df`` limit is not applied (too few to judge)."""
THEME_LADDER = (3, 5, 8, 12, 16, 20, 25)
"""Numbers of themes tried in turn when ``n_themes`` is None (then ``max_themes``)."""
PHRASE_SAMPLE = 400
"""Texts inside and outside a theme read to name it (enough for a stable phrase)."""
THEME_COLUMNS = ["theme", "label", "keywords", "n", "share", "examples", "language"]


def _clean(texts: Iterable[object]) -> pd.Series:
    """Texts as strings with contact details masked; blanks become None."""
    codes, text_u = clean_distinct(texts)
    return pd.Series(text_u[codes], dtype=object)


def clean_distinct(texts: Iterable[object]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct texts masked, blanks as None (the last one is None), and the code of
    each text: :func:`_clean` is ``text_u[codes]``, each distinct text masked once.

    Examples
    --------
    >>> codes, text_u = clean_distinct(["a@b.example.com", " ", None, "a@b.example.com"])
    >>> codes.tolist(), text_u.tolist()
    ([0, 1, 2, 0], ['[e-mail]', None, None])
    """
    text = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    codes, uniques = distinct(text)
    masked = mask_distinct(uniques)
    masked[blank_distinct(masked)] = None
    return np.where(codes < 0, len(uniques), codes), np.append(masked, None)


def analyse(texts: list[str], languages: pd.Series) -> list[str]:
    """Each text as one string of lemmas (stop words out) for the TF-IDF of themes.

    Each distinct text is tokenised once, and lemmas are looked up once per distinct
    word and language (:func:`analyse_distinct`).
    """
    codes, docs = analyse_distinct(texts, languages)
    return [docs[c] for c in codes]


def analyse_distinct(texts: list[str], languages: pd.Series) -> tuple[np.ndarray, list[str]]:
    """The lemma string of each distinct (text, language) pair, and which pair each text is.

    Returns
    -------
    codes : ndarray of int, the pair of each text (an index into ``docs``)
    docs : list of str, one per distinct pair

    Examples
    --------
    >>> codes, docs = analyse_distinct(["the delivery", "The delivery"], pd.Series(["en", "en"]))
    >>> codes.tolist(), docs
    ([0, 1], ['delivery', 'delivery'])
    """
    pairs = pd.DataFrame({"text": pd.Series(texts, dtype=object).astype(str).to_numpy(),
                          "lang": languages.astype(str).to_numpy()})  # fmt: skip
    codes = pairs.groupby(["text", "lang"], sort=False).ngroup().to_numpy()
    uniques = pairs.drop_duplicates()
    tokens = [tokenize(t) for t in uniques["text"]]
    lang_of = uniques["lang"].reset_index(drop=True)
    done = [""] * len(uniques)
    for lang in pd.unique(lang_of):
        rows = np.flatnonzero((lang_of == lang).to_numpy())
        lemmas = lemma_map({w for r in rows for w in tokens[r]}, lang)
        stop = stop_words(lang)
        for r in rows:
            words = [lemmas.get(w, w) for w in tokens[r] if w not in stop]
            done[r] = " ".join(w for w in words if w not in stop)
    return codes, done


def lemma_pairs(doc: str) -> list[str]:
    """The lemmas of an :func:`analyse`d text and each pair of neighbouring lemmas.

    Examples
    --------
    >>> lemma_pairs("wait router week")
    ['wait', 'router', 'week', 'wait router', 'router week']
    """
    words = doc.split()
    return words + [" ".join(p) for p in zip(words, words[1:], strict=False)]


class PhraseThemes(BaseEstimator):
    """Themes of texts (any language): lemma TF-IDF + NMF, named by phrases.

    Parameters
    ----------
    n_themes : int or None
        Themes to find (fewer when the vocabulary is too small); None = the fewest of
        :data:`THEME_LADDER` (up to ``max_themes``) that leave at most ``max_other`` of
        the texts without a theme, so that a varied set of texts gets more themes.
    max_themes : int
        Most themes tried when ``n_themes`` is None.
    max_other : float
        Share of texts that may stay without a theme when ``n_themes`` is None.
    n_keywords, n_examples : int
        Keywords listed and masked example texts quoted per theme.
    min_df : int
        A lemma must occur in at least this many texts.
    max_df : float
        Lemmas in more than this share of texts are dropped.
    min_fit : float
        A text joins the theme whose direction (NMF component) is nearest its TF-IDF
        vector when their cosine is at least this; otherwise it is :data:`OTHER`.
    max_docs : int
        At most this many texts are used to learn the themes (a seeded sample); every
        text is then assigned to a theme.
    random_state : int
        Seed of the sample and of NMF.

    Attributes
    ----------
    labels_ : ndarray of int
        Theme of each text given to ``fit`` (0 = :data:`OTHER` or blank).
    themes_ : DataFrame
        :data:`THEME_COLUMNS`, one row per theme by size, then the :data:`OTHER` row;
        ``n`` texts, ``share`` % of the non-blank texts, ``language`` the most common
        language of its texts.
    languages_ : Series
        Language of each text given to ``fit``.
    n_texts_ : int
        Non-blank texts.
    """

    def __init__(
        self,
        n_themes: int | None = None,
        max_themes: int = 30,
        max_other: float = 0.15,
        n_keywords: int = 5,
        n_examples: int = 3,
        min_df: int = 3,
        max_df: float = 0.5,
        min_fit: float = 0.1,
        max_docs: int = 20000,
        random_state: int | None = 0,
    ):
        self.n_themes = n_themes
        self.max_themes = max_themes
        self.max_other = max_other
        self.n_keywords = n_keywords
        self.n_examples = n_examples
        self.min_df = min_df
        self.max_df = max_df
        self.min_fit = min_fit
        self.max_docs = max_docs
        self.random_state = random_state

    def fit(self, texts: Iterable[object], languages: pd.Series | None = None) -> PhraseThemes:
        """Learn the themes of ``texts`` (blank ones are ignored) and label every text.

        Masking, language detection, lemmas and the theme of a text are worked out once
        per distinct text (with its language) and spread back to every row.
        """
        codes, text_u = clean_distinct(texts)
        text = pd.Series(text_u[codes], dtype=object)
        lang_codes, lang_u = _language_codes(codes, text_u, languages)
        self.languages_ = pd.Series(lang_u[lang_codes], dtype=object)
        has = text.notna().to_numpy()
        self.n_texts_ = int(has.sum())
        self.labels_ = np.zeros(len(text), dtype=int)
        self.themes_ = pd.DataFrame(columns=THEME_COLUMNS)
        rows = np.flatnonzero(has)
        rng = np.random.default_rng(self.random_state)
        learn = (
            np.sort(rng.choice(rows, self.max_docs, replace=False))
            if len(rows) > self.max_docs
            else rows
        )
        if len(learn) >= 2 and self._learn(text, learn):
            self.labels_[rows] = self._assign_codes(codes[rows], text_u, lang_codes[rows], lang_u)
        self.themes_ = self._table(text, (codes, text_u), (lang_codes, lang_u))
        return self

    def _learn(self, text: pd.Series, rows: np.ndarray) -> bool:
        """TF-IDF and NMF on the texts at ``rows``; False when no lemma is shared."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = analyse(text.iloc[rows].tolist(), self.languages_.iloc[rows])
        self.vectorizer_ = TfidfVectorizer(
            analyzer=lemma_pairs,
            min_df=min(self.min_df, max(1, len(rows) // 2)),
            max_df=self.max_df if len(rows) >= MIN_DOCS_FOR_MAX_DF else 1.0,
            sublinear_tf=True,
        )
        try:
            x = self.vectorizer_.fit_transform(docs)
        except ValueError:  # no lemma survives the document-frequency limits
            return False
        n_docs = x.shape[0]
        x, copies = _distinct_rows(x)
        most = max(1, min(x.shape[1] - 1, x.shape[0] - 1))
        ladder = (
            [self.n_themes] if self.n_themes else [k for k in THEME_LADDER if k < self.max_themes]
        )
        ladder = sorted({min(k, most) for k in [*ladder, self.n_themes or self.max_themes]})
        self.nmf_ = self._smallest_fit(x, copies / n_docs, ladder)
        return True

    def _smallest_fit(self, x, weight: np.ndarray, ladder: list[int]):
        """NMF with the fewest themes of ``ladder`` that leave at most ``max_other`` of
        the texts (``weight`` each) unexplained; the largest when none does.

        The largest is fitted first: when even it leaves too many texts out (a varied
        set), the smaller ones need not be tried, and the answer is the same.
        """
        from sklearn.decomposition import NMF

        def fit(k: int) -> tuple[object, bool]:
            nmf = NMF(k, init="nndsvda", random_state=self.random_state, max_iter=NMF_MAX_ITER)
            nmf.fit(x)
            explained = _nearest(x, nmf.components_, self.min_fit) > 0
            return nmf, 1 - weight[explained].sum() <= self.max_other

        if self.n_themes or len(ladder) == 1:
            return fit(ladder[0])[0]
        largest, ok = fit(ladder[-1])
        if not ok:
            return largest
        for k in ladder[:-1]:
            nmf, ok = fit(k)
            if ok:
                return nmf
        return largest

    def _assign(self, text: pd.Series, languages: pd.Series) -> np.ndarray:
        """Component (1..k) nearest to each text when near enough, else 0 (:func:`_nearest`)."""
        codes, text_u = clean_distinct(text.reset_index(drop=True))
        l_codes, lang_u = distinct(pd.Series(np.asarray(languages, dtype=object)))
        return self._assign_codes(codes, text_u, l_codes, lang_u)

    def _assign_codes(
        self, codes: np.ndarray, text_u: np.ndarray, l_codes: np.ndarray, lang_u: np.ndarray
    ) -> np.ndarray:
        """:meth:`_assign` of texts given as codes into ``text_u`` and ``lang_u``: each
        distinct (text, language) pair is analysed and placed once."""
        n_lang = max(len(lang_u), 1)
        pair_codes, pairs = pd.factorize(codes * n_lang + l_codes)
        pairs = np.asarray(pairs)
        doc_codes, docs = analyse_distinct(
            list(text_u[pairs // n_lang]), pd.Series(lang_u[pairs % n_lang], dtype=object)
        )
        x = self.vectorizer_.transform(docs)
        return _nearest(x, self.nmf_.components_, self.min_fit)[doc_codes][pair_codes]

    def transform(self, texts: Iterable[object], languages: pd.Series | None = None) -> np.ndarray:
        """Theme id of each of ``texts`` (0 = :data:`OTHER` or blank), in ``themes_`` ids."""
        text = _clean(texts)
        out = np.zeros(len(text), dtype=int)
        if not hasattr(self, "nmf_"):
            return out
        lang = (
            detect_language(text) if languages is None else pd.Series(list(languages), dtype=object)
        )
        rows = np.flatnonzero(text.notna().to_numpy())
        lang = pd.Series(np.asarray(lang, dtype=object), dtype=object).fillna(UNDETERMINED)
        comp = self._assign(text.iloc[rows], lang.iloc[rows].reset_index(drop=True))
        out[rows] = self.order_[comp]
        return out

    def _table(
        self,
        text: pd.Series,
        texts: tuple[np.ndarray, np.ndarray],
        languages: tuple[np.ndarray, np.ndarray],
    ) -> pd.DataFrame:
        """Themes by size with their phrase, keywords and examples; relabels ``labels_``.

        ``texts`` and ``languages`` are each text's code and the distinct values
        (``text`` is ``texts[1][texts[0]]``): examples and languages are read per code."""
        rows, has = [], text.notna().to_numpy()
        n_all = max(self.n_texts_, 1)
        k = self.nmf_.n_components_ if hasattr(self, "nmf_") else 0
        sizes = np.bincount(self.labels_, minlength=k + 1)
        order = [c for c in np.argsort(-sizes[1:], kind="stable") + 1 if sizes[c] > 0]
        self.order_ = np.zeros(k + 1, dtype=int)
        self.order_[order] = np.arange(1, len(order) + 1)
        taken: set[str] = set()
        for comp in order:
            rows.append(self._theme_row(comp, text, texts, languages, has, taken, n_all))
        self.labels_ = self.order_[self.labels_]
        rest = np.flatnonzero(has & (self.labels_ == 0))
        rows.append(
            {"theme": 0, "label": OTHER, "keywords": "", "n": len(rest), "share": 100.0 * len(rest) / n_all,
             "examples": _examples(texts[1], texts[0][rest], self.n_examples), "language": ""}
        )  # fmt: skip
        return pd.DataFrame(rows, columns=THEME_COLUMNS)

    def _theme_row(
        self,
        comp: int,
        text: pd.Series,
        texts: tuple[np.ndarray, np.ndarray],
        languages: tuple[np.ndarray, np.ndarray],
        has: np.ndarray,
        taken: set[str],
        n_all: int,
    ) -> dict:
        """One theme: its phrase (unique among themes), keywords, size and examples."""
        members = np.flatnonzero(self.labels_ == comp)
        others = np.flatnonzero(has & (self.labels_ != comp))
        rng = np.random.default_rng(self.random_state)
        inside = text.iloc[_some(members, rng)].tolist()
        outside = text.iloc[_some(others, rng)].tolist()
        language = str(_mode(languages[0][members], languages[1]))
        terms = self.vectorizer_.get_feature_names_out()
        top = terms[np.argsort(self.nmf_.components_[comp - 1])[::-1][: self.n_keywords]]
        phrase = best_phrase(inside, outside, language, taken=taken) or " / ".join(top[:2])
        taken.add(phrase)
        return {
            "theme": int(self.order_[comp]),
            "label": phrase,
            "keywords": ", ".join(top),
            "n": len(members),
            "share": 100.0 * len(members) / n_all,
            "examples": _examples(texts[1], texts[0][members], self.n_examples),
            "language": language,
        }


def _distinct_rows(x) -> tuple[object, np.ndarray]:
    """Each distinct row of ``x`` once, times the square root of its copies; the copies.

    NMF's squared error on a row scaled by sqrt(c) equals the error on c copies of it,
    so the factorisation is the same as on all rows, at the cost of the distinct ones.
    """
    from scipy import sparse

    x = sparse.csr_matrix(x)
    keys = pd.Series(
        [
            hash((tuple(x.indices[a:b]), x.data[a:b].tobytes()))
            for a, b in zip(x.indptr[:-1], x.indptr[1:], strict=True)
        ]
    )
    codes, uniques = pd.factorize(keys)
    first = pd.Series(np.arange(len(codes))).groupby(codes).first().to_numpy()
    copies = np.bincount(codes)
    return sparse.diags(np.sqrt(copies)) @ x[first], copies


def _some(rows: np.ndarray, rng: np.random.Generator, n: int = PHRASE_SAMPLE) -> np.ndarray:
    """At most ``n`` of ``rows`` (a seeded sample), in order."""
    return rows if len(rows) <= n else np.sort(rng.choice(rows, n, replace=False))


def _nearest(x, components: np.ndarray, min_fit: float) -> np.ndarray:
    """The theme (1..k) whose direction is nearest each row of ``x``; 0 when the cosine
    to it is under ``min_fit`` or the row is empty.

    One sparse product for all texts (no iterative solve per text), so a million texts
    are assigned in seconds.
    """
    norms = np.linalg.norm(components, axis=1, keepdims=True)
    directions = components / np.where(norms > 0, norms, 1.0)
    cos = np.asarray(x @ directions.T)
    row = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).reshape(-1, 1)
    cos = np.divide(cos, row, out=np.zeros_like(cos), where=row > 0)
    best = cos.argmax(axis=1)
    return np.where(cos[np.arange(len(best)), best] >= min_fit, best + 1, 0)


def _language_codes(
    codes: np.ndarray, text_u: np.ndarray, languages: Iterable[object] | None
) -> tuple[np.ndarray, np.ndarray]:
    """The code of each text's language and the distinct languages (missing = "und");
    detected once per distinct text (``text_u[codes]``) when not given."""
    if languages is None:
        found = detect_language(pd.Series(text_u, dtype=object)).fillna(UNDETERMINED)
        l_codes, lang_u = distinct(found)
        return l_codes[codes], lang_u
    given = pd.Series(np.asarray(list(languages), dtype=object), dtype=object)
    return distinct(given.fillna(UNDETERMINED))


def _examples(text_u: np.ndarray, codes: np.ndarray, n: int) -> list[str]:
    """The first ``n`` distinct texts of ``text_u[codes]`` (in order, blanks left out),
    cut to :data:`EXAMPLE_CHARS`; each distinct text is read once."""
    said = text_u[pd.unique(codes)]  # in order of first appearance
    return [cut(e) for e in dict.fromkeys(t for t in said if t is not None)][:n]


def _mode(codes: np.ndarray, uniques: np.ndarray) -> object:
    """The most common of ``uniques[codes]`` (the first in sort order on a tie, as
    :meth:`pandas.Series.mode`), counted on the codes.

    >>> _mode(np.array([1, 0, 1, 0]), np.array(["en", "cs"], dtype=object))
    'cs'
    """
    counts = np.bincount(codes, minlength=len(uniques))
    tied = [uniques[i] for i in np.flatnonzero(counts == counts.max())]
    return sorted(tied)[0]


def cut(text: str, limit: int = EXAMPLE_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters (an ellipsis marks the cut).

    Examples
    --------
    >>> cut("a  very\\nlong text", 8)
    'a very…'
    """
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
