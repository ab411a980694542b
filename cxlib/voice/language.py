"""The language of each text (ISO 639-1), from models that ship inside packages.

Chinese and Japanese are told by their script (Han characters, kana); every other text
goes to py3langid (BSD-3-Clause; a naive Bayes model over byte n-grams trained on 97
languages, stored in its wheel, 4.5 MB), restricted to the languages customers are
expected to write in (:data:`LANGUAGES`, or the caller's list), which makes it more
accurate on short texts. A text is "und" (undetermined) when it has fewer than
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
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

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
_LETTER = re.compile(r"[^\W\d_]")


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
    out[text.str.contains(_HAN)] = "zh"
    out[text.str.contains(_HANGUL)] = "ko"
    out[text.str.contains(_KANA)] = "ja"
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
    letters = text.str.count(_LETTER.pattern).to_numpy()
    ask = found.isna().to_numpy() & (letters >= MIN_LETTERS)
    ident = _identifier(tuple(languages))
    results = [ident.classify(t) for t in text[ask]]
    found[ask] = [lang if p >= min_probability else UNDETERMINED for lang, p in results]
    found = found.fillna(UNDETERMINED).to_numpy(dtype=object)
    out = np.where(
        codes >= 0, found[np.maximum(codes, 0)] if len(found) else UNDETERMINED, UNDETERMINED
    )
    return pd.Series(out, index=texts.index, dtype=object, name="language")
