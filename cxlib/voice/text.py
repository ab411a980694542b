"""Words of a text in any language: tokens, lemmas and stop words, from packaged data only.

Tokenisation makes no assumption about the language: Unicode word tokens (any script),
case-folded and NFKC-normalised; scripts written without spaces (Chinese, Japanese) are
cut into character pairs. Lemmas come from simplemma (MIT; its dictionaries ship inside
the wheel) and stop words from stopwordsiso (MIT) for the text's language, minus the
words that carry meaning in feedback: negations ("not working", "no internet"), words
such as "still" and every word of VADER's sentiment lexicon ("good", "problem").
Nothing is downloaded: both packages read files installed with them.

Examples
--------
>>> tokenize("Die App stürzt ständig ab!")
['die', 'app', 'stürzt', 'ständig', 'ab']
>>> words = ["waiting", "calls"] + [f"word{i}" for i in range(MIN_LEMMA_WORDS)]
>>> lemmas = lemma_map(words, "en")
>>> lemmas["waiting"], lemmas["calls"]
('wait', 'call')
>>> "good" in stop_words("en"), "the" in stop_words("en")
(False, True)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pandas as pd

from cxlib.io.privacy import PLACEHOLDERS, mask_contacts

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
NO_SPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
"""Scripts written without spaces between words (Chinese, Japanese kana)."""
PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS))
"""The masks of :mod:`cxlib.io.privacy`: not words a theme is made of."""
NEGATIONS = frozenset(
    [
        "no",
        "not",
        "never",
        "nothing",
        "nobody",
        "none",
        "nor",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "wont",
        "wouldnt",
        "couldnt",
        "shouldnt",
        "havent",
        "hasnt",
        "hadnt",
        "without",
        "still",
        "again",
        "nicht",
        "kein",
        "keine",
        "keinen",
        "nie",
        "nichts",
        "ohne",
        "immer",
        "noch",
        "ne",
        "nie",
        "nikdy",
        "nic",
        "nebo",
        "bez",
        "stále",
        "pořád",
        "furt",
        "porad",
        "nikoli",
        "ničesar",
        "brez",
        "še",
        "vedno",
        "没",
        "没有",
        "不",
        "无",
    ]
)
"""Words kept although stop-word lists hold them: what detractors write about."""
MIN_LEMMA_WORDS = 300
"""Distinct words of a language below which its texts are not lemmatised (see :func:`lemma_map`)."""
OWN_LIST_ONLY = frozenset({"en", "und"})
"""Languages whose stopwordsiso list is not used: the English one (1,298 words) holds
topics customers write about ("bill", "order", "call", "problem", "page", "work")."""
LEMMA_LANGUAGES = frozenset(
    [
        "bg",
        "ca",
        "cs",
        "cy",
        "da",
        "de",
        "el",
        "en",
        "es",
        "et",
        "fa",
        "fi",
        "fr",
        "ga",
        "gd",
        "gl",
        "gv",
        "hbs",
        "hi",
        "hu",
        "hy",
        "id",
        "is",
        "it",
        "ka",
        "la",
        "lb",
        "lt",
        "lv",
        "mk",
        "ms",
        "nb",
        "nl",
        "nn",
        "pl",
        "pt",
        "ro",
        "ru",
        "se",
        "sk",
        "sl",
        "sq",
        "sv",
        "sw",
        "tl",
        "tr",
        "uk",
    ]
)
"""Languages simplemma lemmatises (ISO 639-1); others keep their word forms."""
MASK_CACHE = 1 << 18
"""Distinct texts whose masked form is remembered (sentiment and themes read the same texts)."""
_mask_one = lru_cache(maxsize=MASK_CACHE)(mask_contacts)


def mask_texts(texts: pd.Series) -> pd.Series:
    """Texts with contact details masked (:func:`cxlib.io.privacy.mask_contacts`).

    Each distinct string is masked once, and the last :data:`MASK_CACHE` are remembered,
    so scoring the sentiment and finding the themes of the same texts masks them once.
    Missing values become None; non-strings are kept.

    Examples
    --------
    >>> mask_texts(pd.Series(["mail me: a.b@example.com", None])).tolist()
    ['mail me: [e-mail]', None]
    """
    codes, uniques = distinct(texts)
    return pd.Series(spread(mask_distinct(uniques), codes), index=texts.index, dtype=object)


def mask_distinct(uniques: np.ndarray) -> np.ndarray:
    """Distinct texts with contact details masked (non-strings kept), as :func:`mask_texts`.

    >>> mask_distinct(np.array(["a@b.example.com", 3], dtype=object)).tolist()
    ['[e-mail]', 3]
    """
    out = np.empty(len(uniques), dtype=object)
    out[:] = [_mask_one(u) if isinstance(u, str) else u for u in uniques]
    return out


def distinct(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The code of each value (-1 = missing) and the distinct values (object array).

    A column of millions of comments holds few distinct texts: work done on the distinct
    ones and spread back (:func:`spread`) costs what the distinct texts cost. String
    columns stored by Arrow are encoded without a conversion to Python objects.

    Examples
    --------
    >>> codes, uniques = distinct(pd.Series(["b", None, "a", "b"]))
    >>> codes.tolist(), uniques.tolist()
    ([0, -1, 1, 0], ['b', 'a'])
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object)


def spread(per_value: np.ndarray | list, codes: np.ndarray, missing: object = None) -> np.ndarray:
    """``per_value[code]`` for each code; ``missing`` where the code is -1.

    >>> spread(np.array(["x", "y"], dtype=object), np.array([1, -1, 0])).tolist()
    ['y', None, 'x']
    """
    values = np.asarray(per_value)
    dtype = object if values.dtype == object or missing is None else np.result_type(values, float)
    out = np.empty(len(values) + 1, dtype=dtype)
    out[:-1] = values
    out[-1] = missing
    return out[codes]


def masked_comments(
    comments: pd.Series, customer_ids: pd.Series | None = None, names: pd.Series | None = None
) -> tuple[pd.Series, np.ndarray]:
    """Comments masked as :func:`cxlib.io.privacy.mask_comments` does (object dtype, same
    index; missing ones None), and whether each is non-blank (:func:`blank_texts`).

    Without customer names to mask (``names`` None) each distinct comment is masked and
    tested once: a column of millions of comments holds few distinct ones.

    Examples
    --------
    >>> text, filled = masked_comments(pd.Series(["mail a@b.example.com", " ", None]))
    >>> text.tolist(), filled.tolist()
    (['mail [e-mail]', ' ', None], [True, False, False])
    """
    if names is not None and customer_ids is not None:
        from cxlib.io.privacy import mask_comments

        text = mask_comments(comments, customer_ids, names).astype(object)
        text = text.where(text.notna(), None)
        return text, ~blank_texts(text)
    codes, uniques = distinct(comments)
    masked = mask_distinct(uniques)
    text = pd.Series(spread(masked, codes), index=comments.index, dtype=object)
    return text, ~spread(blank_distinct(masked), codes, True).astype(bool)


def normalize(text: str) -> str:
    """NFKC-normalised, case-folded text with the privacy placeholders removed.

    Examples
    --------
    >>> normalize("Call me on [phone] ASAP")
    'call me on   asap'
    """
    return unicodedata.normalize("NFKC", PLACEHOLDER.sub(" ", str(text))).casefold()


def tokenize(text: str) -> list[str]:
    """Unicode word tokens of ``text`` (any language), case-folded; CJK as character pairs.

    Tokens of one character and pure numbers are dropped.

    Examples
    --------
    >>> tokenize("付款一直失败")
    ['付款', '款一', '一直', '直失', '失败']
    """
    text = normalize(text)
    words = _WORD.findall(text)
    if not NO_SPACE_SCRIPT.search(text):  # the common case: words between spaces
        return [w for w in words if len(w) > 1 and not w.isdigit()]
    out: list[str] = []
    for word in words:
        if NO_SPACE_SCRIPT.search(word):
            for part in re.split(f"({NO_SPACE_SCRIPT.pattern})", word):
                if NO_SPACE_SCRIPT.fullmatch(part):
                    out += [part[i : i + 2] for i in range(len(part) - 1)] or [part]
                elif len(part) > 1 and not part.isdigit():
                    out.append(part)
        elif len(word) > 1 and not word.isdigit():
            out.append(word)
    return out


@lru_cache(maxsize=64)
def stop_words(language: str) -> frozenset[str]:
    """Stop words of ``language`` (ISO 639-1) that carry no topic and no sentiment.

    stopwordsiso's list (and the function words of :mod:`cxlib.voice.stopwords`), minus
    :data:`NEGATIONS` and the words of VADER's lexicon. English and unknown languages
    ("und") get the function words only (:data:`OWN_LIST_ONLY`).
    """
    import stopwordsiso

    from cxlib.voice.lexicon import vader_lexicon
    from cxlib.voice.stopwords import STOP_WORDS

    words = set(STOP_WORDS)
    if language not in OWN_LIST_ONLY and stopwordsiso.has_lang(language):
        words |= {
            unicodedata.normalize("NFKC", w).casefold() for w in stopwordsiso.stopwords(language)
        }
    keep = NEGATIONS | set(vader_lexicon())
    return frozenset(w for w in words if w not in keep)


def lemma_map(words: Iterable[str], language: str) -> dict[str, str]:
    """The lemma of each word in ``language`` (simplemma), for words whose lemma differs.

    Called on a vocabulary (each distinct word once), not on every text, so the cost
    does not grow with the number of texts. A vocabulary under :data:`MIN_LEMMA_WORDS`
    words is kept as it is: loading a language's dictionary takes about two seconds,
    and a few repeated phrases gain nothing from lemmas.
    """
    words = set(words)
    if language not in LEMMA_LANGUAGES or len(words) < MIN_LEMMA_WORDS:
        return {}
    import simplemma

    out: dict[str, str] = {}
    for word in words:
        if NO_SPACE_SCRIPT.search(word):
            continue
        lemma = simplemma.lemmatize(word, lang=language).casefold()
        if lemma != word:
            out[word] = lemma
    return out


def blank_texts(texts: pd.Series) -> np.ndarray:
    """Whether each text is missing or blank; each distinct value is checked once (a
    column of millions of comments holds few distinct ones).

    Examples
    --------
    >>> blank_texts(pd.Series(["a", " ", None, "a"])).tolist()
    [False, True, True, False]
    """
    codes, uniques = distinct(texts)
    return spread(blank_distinct(uniques), codes, True).astype(bool)


def blank_distinct(uniques: np.ndarray) -> np.ndarray:
    """Whether each distinct value is missing or blank (:func:`blank_texts`)."""
    return np.array([u is None or u is pd.NA or str(u).strip() == "" for u in uniques], dtype=bool)
