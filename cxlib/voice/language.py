"""The language of each text (ISO 639-1), from models that ship inside packages.

Chinese and Japanese are told by their script (Han characters, kana); every other text
goes to py3langid (BSD-3-Clause; a naive Bayes model over byte n-grams trained on 97
languages, stored in its wheel, 4.5 MB), restricted to the languages customers are
expected to write in (:data:`LANGUAGES`, or the caller's list), which makes it more
accurate on short texts. The model is applied to all texts at once (:func:`classify_batch`:
its byte automaton walked one byte position at a time across every text with numpy, the
naive Bayes scores as one sparse product), giving py3langid's own answers about forty times
faster than its per-text ``classify``. A text is "und" (undetermined) when it has fewer than
:data:`MIN_LETTERS` letters or the model's probability of its best language is below
:data:`MIN_PROBABILITY`. Each distinct text is classified once.

Examples
--------
>>> import pandas as pd
>>> detect_language(pd.Series(["The app keeps crashing", "Aplikace pořád padá při přihlášení",
...                            "付款一直失败", "ok", None])).tolist()
['en', 'cs', 'zh', 'und', 'und']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from cxlib.wording import in_language

LANGUAGES: tuple[str, ...] = (
    "en", "cs", "sk", "sl", "de", "pl", "hu", "hr", "fr", "es", "it", "pt", "nl", "ru", "uk",
)  # fmt: skip
"""Languages considered by default (besides Chinese and Japanese, told by their script)."""
MIN_LETTERS = 6
"""Texts with fewer letters are "und": "ok", "thx" say nothing about a language."""
MIN_PROBABILITY = 0.6
"""Below this probability of its best language a text is "und"."""
UNDETERMINED = "und"
"""ISO 639 code for an undetermined language."""
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_EAST_ASIAN = re.compile(f"[{_KANA.pattern[1:-1]}{_HAN.pattern[1:-1]}{_HANGUL.pattern[1:-1]}]")
_ENOUGH_LETTERS = re.compile(rf"[\W\d_]*(?:[^\W\d_][\W\d_]*){{{MIN_LETTERS}}}")
"""Matches as soon as a text has :data:`MIN_LETTERS` letters (no full count needed)."""
BATCH_TEXTS = 20_000
"""Texts whose byte features are counted together (bounds the memory of one batch)."""


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]):
    """py3langid's model restricted to ``languages`` (loaded once per language set)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages([lang for lang in languages if lang in ident.nb_classes])
    return ident


def _by_script(text: pd.Series) -> pd.Series:
    """ "ja" (kana), "ko" (Hangul), "zh" (Han without kana) or None (any other script)."""
    out = pd.Series(None, index=text.index, dtype=object)
    east = text[text.str.contains(_EAST_ASIAN)]  # one search per text; most have none
    out[east.index[east.str.contains(_HAN)]] = "zh"
    out[east.index[east.str.contains(_HANGUL)]] = "ko"
    out[east.index[east.str.contains(_KANA)]] = "ja"
    return out


def detect_language(
    texts: pd.Series,
    *,
    languages: Sequence[str] = LANGUAGES,
    min_probability: float = MIN_PROBABILITY,
) -> pd.Series:
    """ISO 639-1 code of each text's language, "und" when unsure or empty.

    Parameters
    ----------
    texts : Series of str (missing values allowed)
    languages : the languages a Latin or Cyrillic text may be in
    min_probability : below this probability the text is "und"

    Returns
    -------
    Series of str, indexed like ``texts``.
    """
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).astype(str)
    found = _by_script(text)
    ask = found.isna().to_numpy() & text.str.match(_ENOUGH_LETTERS).to_numpy(dtype=bool)
    ident = _identifier(tuple(languages))
    best, p = classify_batch(ident, text[ask].tolist())
    found[ask] = np.where(p >= min_probability, best, UNDETERMINED)
    found = found.fillna(UNDETERMINED).to_numpy(dtype=object)
    out = np.where(
        codes >= 0, found[np.maximum(codes, 0)] if len(found) else UNDETERMINED, UNDETERMINED
    )
    return pd.Series(out, index=texts.index, dtype=object, name="language")


def quoted(texts: Sequence[object], languages: Sequence[object] | None = None) -> list[str]:
    """Each text in curly quotes, marked with its language when not English: the way
    every page shows a customer's words (the reader knows what to translate).

    Parameters
    ----------
    texts : the quotes, as shown (already masked and cut)
    languages : ISO codes when known (else detected here, all texts at once)

    Examples
    --------
    >>> quoted(["The app keeps crashing", "Aplikace pořád padá při přihlášení", "ok"])
    ['“The app keeps crashing”', '“Aplikace pořád padá při přihlášení” (in Czech)', '“ok”']
    """
    text = pd.Series(list(texts), dtype=object)
    if languages is None:
        codes = detect_language(text) if len(text) else text
    else:
        codes = pd.Series(list(languages), dtype=object)
    return [f"“{t}”{in_language(c)}" for t, c in zip(text, codes, strict=True)]


def quoted_lists(lists: Iterable[object], sep: str = " · ") -> list[str]:
    """Each list of quotes as one table cell: :func:`quoted` (languages detected across all
    lists at once), joined by ``sep``; a missing list is an empty cell.

    >>> quoted_lists([["slow", "Pomalé doručení balíku"], None])
    ['“slow” · “Pomalé doručení balíku” (in Czech)', '']
    """
    parts = [list(x) if isinstance(x, (list, tuple, np.ndarray)) else [] for x in lists]
    flat = iter(quoted([q for x in parts for q in x]))
    return [sep.join(next(flat) for _ in x) for x in parts]


def _encode(text: str) -> bytes:
    """The bytes py3langid reads: lower case when all upper, NFC, UTF-8."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


def _feature_counts(ident, encoded: list[bytes]):
    """Sparse (texts x features) counts of the model's byte n-grams in each text.

    py3langid's automaton reads a text byte by byte and may emit one feature per state;
    here byte position ``j`` of every text still that long advances in one numpy step
    (texts sorted by length, so the texts still running are a prefix).
    """
    from scipy import sparse

    nextmove = np.frombuffer(ident.tk_nextmove, dtype=_array_dtype(ident.tk_nextmove))
    rowbase = np.asarray(ident.tk_row, dtype=np.int64) << 8
    output = np.asarray(ident.tk_output, dtype=np.int64)
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    order = np.argsort(-lengths, kind="stable")
    starts = np.concatenate([[0], np.cumsum(lengths[order])[:-1]]).astype(np.int64)
    data = np.frombuffer(b"".join(encoded[i] for i in order), dtype=np.uint8)
    running = np.searchsorted(-lengths[order], -np.arange(lengths.max(initial=0)), "left")
    state = np.zeros(len(encoded), dtype=np.int64)
    rows, cols = [], []
    for j, n in enumerate(running):
        state[:n] = nextmove[rowbase[state[:n]] + data[starts[:n] + j]]
        feature = output[state[:n]]
        hit = np.flatnonzero(feature >= 0)
        rows.append(order[hit])
        cols.append(feature[hit])
    row, col = np.concatenate([[], *rows]).astype(np.int64), np.concatenate([[], *cols])
    shape = (len(encoded), ident.nb_ptc.shape[0])
    return sparse.csr_matrix((np.ones(len(row), np.float32), (row, col.astype(np.int64))), shape)


def _array_dtype(values) -> np.dtype:
    """The numpy dtype of a stdlib ``array.array``."""
    return np.dtype(f"u{values.itemsize}")


def classify_batch(ident, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """py3langid's ``classify`` (normalised probabilities) of many texts at once.

    Same features, same naive Bayes scores, same temperature (square root of the byte
    length) and softmax as ``ident.classify`` on each text, in numpy over batches of
    :data:`BATCH_TEXTS`. Models of other layouts (older py3langid) fall back to the
    per-text call.

    Returns
    -------
    The best language of each text and its probability.

    Examples
    --------
    >>> ident = _identifier(LANGUAGES)
    >>> texts = ["Die App stürzt ständig ab", "Aplikace pořád padá při přihlášení"]
    >>> best, p = classify_batch(ident, texts)
    >>> best.tolist(), [ident.classify(t)[0] for t in texts]
    (['de', 'cs'], ['de', 'cs'])
    """
    classes = np.asarray(ident.nb_classes, dtype=object)
    if not _batchable(ident):
        results = [ident.classify(t) for t in texts]
        return np.array([r[0] for r in results], dtype=object), np.array([r[1] for r in results])
    best = np.empty(len(texts), dtype=object)
    prob = np.empty(len(texts), dtype=float)
    ptc = np.asarray(ident.nb_ptc, dtype=np.float32)
    for lo in range(0, len(texts), BATCH_TEXTS):
        encoded = [_encode(t) for t in texts[lo : lo + BATCH_TEXTS]]
        counts = _feature_counts(ident, encoded)
        counts.data = np.log1p(counts.data)
        scores = np.asarray(counts @ ptc) + ident.nb_pc
        scores[counts.getnnz(axis=1) == 0] = 0.0  # no feature: uniform, as py3langid
        lengths = np.fromiter(map(len, encoded), dtype=float, count=len(encoded))
        scores *= (1.0 / np.sqrt(np.maximum(lengths, 1.0)))[:, None]
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
        top = scores.argmax(axis=1)
        best[lo : lo + len(encoded)] = classes[top]
        prob[lo : lo + len(encoded)] = scores[np.arange(len(top)), top]
    return best, prob


def _batchable(ident) -> bool:
    """Whether the model has py3langid 0.4's layout (one feature per automaton state)."""
    return (
        hasattr(ident, "tk_row")
        and isinstance(ident.tk_output, list | np.ndarray)
        and not getattr(ident, "_alias_pairs", [])
        and getattr(ident, "_norm_probs", False)
    )
