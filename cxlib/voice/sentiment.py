"""Sentiment of every text: a score in [-1, 1] and a label, in any language, offline.

Two sources, both without network access:

* **lexicon** (English): VADER's lexicon and rules (:mod:`cxlib.voice.lexicon`), for
  texts detected as English or undetermined ("great!!" has no language but a sentiment),
  extended by default with the service-complaint cues of :mod:`cxlib.voice.cues`
  ("still waiting", "on hold", "cancelled": complaints written as facts);
* **model** (any language): a logistic regression trained at run time on the data set's
  own NPS-scored comments, 0–6 = negative and 9–10 = positive (:class:`SentimentModel`),
  on word and character-pair features (:func:`cxlib.voice.text.tokenize`), so it reads
  Czech, German or Chinese as well as the data holds them. Its cross-validated accuracy
  and AUC are kept (``cv_accuracy_``, ``cv_auc_``) to be shown with its results.

:func:`score_sentiment` averages the two where both speak, uses the one that does
otherwise, and says which in ``sentiment_source``; a text neither can read scores 0
("neutral", source "none"). Labels: negative below -:data:`NEUTRAL_BAND`, positive
above it.

Examples
--------
>>> import pandas as pd
>>> score_sentiment(pd.Series(["Great service, thank you!", "Worst support ever", ""]))
   sentiment_score sentiment language sentiment_source
0            0.784  positive       en          lexicon
1           -0.340  negative      und          lexicon
2              NaN       NaN      und             none
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from cxlib.io import memo
from cxlib.voice.language import UNDETERMINED, detect_language
from cxlib.voice.lexicon import lexicon_scores
from cxlib.voice.text import blank_distinct, distinct, mask_distinct, mask_texts, spread, tokenize

NEUTRAL_BAND = 0.05
"""|score| below this is "neutral" (VADER's threshold on its compound score)."""
LEXICON_LANGUAGES = frozenset({"en", UNDETERMINED})
"""Languages the English lexicon is applied to."""
DETRACTOR_MAX, PROMOTER_MIN = 6, 9
"""NPS scores up to 6 label a comment negative, from 9 positive (passives are left out)."""
MIN_PER_CLASS = 30
MAX_TRAIN = 50_000
"""Labelled comments the data-trained model learns from at most (a stratified sample)."""
"""Fewer negative or positive scored comments than this: no model is trained."""
COLUMNS = ["sentiment_score", "sentiment", "language", "sentiment_source"]


def label(scores: pd.Series | np.ndarray, band: float = NEUTRAL_BAND) -> np.ndarray:
    """ "negative" / "neutral" / "positive" for each score; NaN stays missing.

    Examples
    --------
    >>> label(np.array([-0.5, 0.0, 0.3, np.nan])).tolist()
    ['negative', 'neutral', 'positive', nan]
    """
    x = np.asarray(scores, dtype=float)
    out = np.where(x <= -band, "negative", np.where(x >= band, "positive", "neutral")).astype(
        object
    )
    out[np.isnan(x)] = np.nan
    return out


class SentimentModel(BaseEstimator):
    """Sentiment learned from the data's own NPS-scored comments (any language).

    Parameters
    ----------
    min_per_class : int
        Negative and positive comments needed to train (fewer: ``fitted_`` is False).
    C : float
        Inverse regularisation of the logistic regression.
    cv : int
        Folds of the cross-validation that estimates accuracy and AUC.
    max_features : int
        Vocabulary size (words, and character pairs of Chinese and Japanese).
    max_train : int or None
        At most this many labelled comments train the model (a stratified random sample,
        seeded; None = all): past tens of thousands more comments barely change a
        bag-of-words model and cost linear time (2.6 million NPS comments at 1M customers).
    random_state : int
        Seed of the folds.

    Attributes
    ----------
    fitted_ : bool
        Whether a model was trained.
    n_labelled_ : int
        Comments with a negative or positive score; ``sampled_`` whether only
        ``max_train`` of them trained the model.
    n_train_ : dict
        Comments used per class (``negative``, ``positive``).
    cv_accuracy_, cv_auc_ : float
        Cross-validated accuracy (at p = 0.5) and AUC of negative vs positive.
    languages_ : dict
        Training comments per language.

    Examples
    --------
    >>> texts = pd.Series(["slow and rude"] * 40 + ["quick and kind"] * 40)
    >>> model = SentimentModel().fit(texts, pd.Series([2] * 40 + [10] * 40))
    >>> model.predict_score(pd.Series(["rude", "kind", "xyz"])).round(1).tolist()
    [-0.7, 0.7, nan]
    """

    def __init__(
        self,
        min_per_class: int = MIN_PER_CLASS,
        C: float = 1.0,
        cv: int = 5,
        max_features: int = 20000,
        max_train: int | None = MAX_TRAIN,
        random_state: int | None = 0,
    ):
        self.min_per_class = min_per_class
        self.C = C
        self.cv = cv
        self.max_features = max_features
        self.max_train = max_train
        self.random_state = random_state

    def fit(self, texts: pd.Series, scores: Iterable[float]) -> SentimentModel:
        """Train on texts whose NPS score is 0–6 (negative) or 9–10 (positive).

        Masking and the blank test run once per distinct text; the training itself (the
        vectoriser, the cross-validation and the classifier: ``fitted_``, ``cv_*``) is
        shared by the processes of a report run (:func:`cxlib.io.memo.cached`), keyed by
        a fingerprint of the training texts, their labels and the parameters, so the
        notebooks that read the same comments train one model between them.
        """
        x = _numbers(scores)
        codes, uniques = distinct(texts)
        masked = mask_distinct(uniques)
        filled = ~spread(blank_distinct(masked), codes, True).astype(bool)
        keep = filled & ((x <= DETRACTOR_MAX) | (x >= PROMOTER_MIN))
        self.n_labelled_ = int(keep.sum())
        keep = _bounded(keep, x >= PROMOTER_MIN, self.max_train, self.random_state)
        y = (x[keep] >= PROMOTER_MIN).astype(int)
        self.n_train_ = {"negative": int((y == 0).sum()), "positive": int((y == 1).sum())}
        self.sampled_ = bool(self.max_train and keep.sum() < self.n_labelled_)
        train = pd.Series(masked[codes[keep]], dtype=object)
        self.languages_ = detect_language(train).value_counts().to_dict()
        self.fitted_ = min(self.n_train_.values()) >= self.min_per_class
        self.cv_accuracy_ = self.cv_auc_ = float("nan")
        self.fingerprint_ = memo.fingerprint(
            "SentimentModel", sorted(self.get_params().items()), train.to_numpy(), y
        )
        if not self.fitted_:
            return self
        learned = memo.cached(
            "voice-sentiment-model", self.fingerprint_, lambda: self._train(train, y)
        )
        for name, value in learned.items():
            setattr(self, name, value)
        return self

    def _train(self, train: pd.Series, y: np.ndarray) -> dict:
        """The vectoriser, the classifier and their cross-validated accuracy and AUC."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        vectorizer = self._vectorizer()
        features = vectorizer.fit_transform(train.astype(str))
        classifier = LogisticRegression(C=self.C, max_iter=1000, class_weight="balanced")
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        p = cross_val_predict(classifier, features, y, cv=folds, method="predict_proba")[:, 1]
        classifier.fit(features, y)
        return {
            "vectorizer_": vectorizer,
            "classifier_": classifier,
            "cv_accuracy_": float(((p >= 0.5) == y).mean()),
            "cv_auc_": _auc(p, y),
        }

    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer=tokenize, min_df=2, max_features=self.max_features, sublinear_tf=True
        )

    def predict_score(self, texts: pd.Series) -> pd.Series:
        """2 p(positive) - 1 for each text; NaN when no word of it was seen in training."""
        out = pd.Series(np.nan, index=texts.index, dtype=float)
        if not getattr(self, "fitted_", False):
            return out
        codes, uniques = pd.factorize(texts, use_na_sentinel=True)
        if not len(uniques):
            return out
        features = self.vectorizer_.transform(
            pd.Series(np.asarray(uniques, dtype=object)).astype(str)
        )
        p = self.classifier_.predict_proba(features)[:, 1]
        seen = np.asarray(features.getnnz(axis=1)) > 0
        score = np.where(seen, 2 * p - 1, np.nan)
        out[:] = np.where(codes >= 0, score[np.maximum(codes, 0)], np.nan)
        return out


def _numbers(scores: Iterable[float]) -> np.ndarray:
    """The scores as floats, by position (unreadable ones NaN)."""
    s = scores.reset_index(drop=True) if isinstance(scores, pd.Series) else pd.Series(list(scores))
    if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object:
        s = pd.Series(np.asarray(s, dtype=object))
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _bounded(
    keep: np.ndarray, positive: np.ndarray, limit: int | None, seed: int | None
) -> np.ndarray:
    """``keep`` thinned to at most ``limit`` rows, the same share from each class (seeded)."""
    rows = np.flatnonzero(keep)
    if not limit or len(rows) <= limit:
        return keep
    rng = np.random.default_rng(seed)
    pos = np.asarray(positive, dtype=bool)[rows]
    chosen = []
    for cls in (False, True):
        part = rows[pos == cls]
        take = int(round(limit * len(part) / len(rows)))
        chosen.append(rng.choice(part, size=min(take, len(part)), replace=False))
    out = np.zeros(len(keep), dtype=bool)
    out[np.concatenate(chosen)] = True
    return out


def _auc(p: np.ndarray, y: np.ndarray) -> float:
    """Area under the ROC curve of scores ``p`` for labels ``y`` (NaN without both classes)."""
    from sklearn.metrics import roc_auc_score

    ok = ~np.isnan(p)
    if len(np.unique(y[ok])) < 2:
        return float("nan")
    return float(roc_auc_score(y[ok], p[ok]))


def score_sentiment(
    texts: pd.Series,
    *,
    languages: pd.Series | None = None,
    model: SentimentModel | None = None,
    cues: bool = True,
) -> pd.DataFrame:
    """Sentiment of each text: ``sentiment_score`` in [-1, 1], ``sentiment``, ``language``.

    Parameters
    ----------
    texts : Series of str; contact details are masked before scoring
    languages : the language of each text when known (else detected)
    model : a fitted :class:`SentimentModel` (e.g. on the data's NPS comments); None =
        the English lexicon alone
    cues : whether the English lexicon reads the service-complaint cues of
        :mod:`cxlib.voice.cues` ("on hold", "still waiting", "cancelled"; "please" and
        "help" neutral); False = VADER's lexicon alone

    Returns
    -------
    DataFrame indexed like ``texts`` with :data:`COLUMNS`; ``sentiment_source`` is
    "lexicon", "model", "both" or "none". Empty texts get NaN and no label.

    Each distinct text (with its given language) is scored once and the result spread
    back to every row; inside a report run the scores of a set of distinct texts are
    shared by the notebooks that score the same texts with the same model
    (:func:`cxlib.io.memo.cached`).
    """
    if languages is None:
        codes, uniques = distinct(texts)
        text_u, lang_u = np.append(uniques, None), None
        codes = np.where(codes < 0, len(uniques), codes)
    else:
        t_codes, t_uniques = distinct(texts)
        l_codes, l_uniques = distinct(languages.reindex(texts.index))
        n_lang = len(l_uniques) + 1
        pairs = np.where(t_codes < 0, len(t_uniques), t_codes) * n_lang + np.where(
            l_codes < 0, len(l_uniques), l_codes
        )
        codes, firsts = pd.factorize(pairs)
        text_u = np.append(t_uniques, None)[firsts // n_lang]
        lang_u = pd.Series(np.append(l_uniques, None)[firsts % n_lang], dtype=object)
    key = None
    if model is None or getattr(model, "fingerprint_", None):
        key = memo.fingerprint(
            text_u, None if lang_u is None else lang_u.to_numpy(), cues,
            None if model is None else (model.fingerprint_, getattr(model, "fitted_", False)),
        )  # fmt: skip
    text = pd.Series(text_u, dtype=object)

    def score() -> pd.DataFrame:
        return _score_distinct(text, lang_u, model, cues)

    table = memo.cached("voice-sentiment", key, score) if key else score()
    out = table.iloc[np.asarray(codes)]
    out.index = texts.index
    return out


def _score_distinct(
    texts: pd.Series, languages: pd.Series | None, model: SentimentModel | None, cues: bool
) -> pd.DataFrame:
    """:func:`score_sentiment` of each text, row by row (one row per distinct text)."""
    text = mask_texts(texts)
    blank = text.isna() | (text.astype(str).str.strip() == "")
    text = text.where(~blank, None)
    lang = detect_language(text) if languages is None else languages
    lang = lang.fillna(UNDETERMINED).astype(object)
    lex = lexicon_scores(text, cues=cues).where(lang.isin(LEXICON_LANGUAGES).to_numpy())
    lex = lex.where(lex != 0)  # no rated word: the lexicon has nothing to say
    mdl = model.predict_score(text) if model is not None else pd.Series(np.nan, index=text.index)
    score = pd.concat([lex, mdl], axis=1).mean(axis=1)
    score = score.fillna(0.0).where(~blank)
    source = np.select(
        [lex.notna() & mdl.notna(), lex.notna(), mdl.notna()], ["both", "lexicon", "model"], "none"
    )
    return pd.DataFrame(
        {
            "sentiment_score": score.round(3),
            "sentiment": label(score),
            "language": lang,
            "sentiment_source": source,
        },
        index=texts.index,
    )
