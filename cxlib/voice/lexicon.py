"""VADER's English sentiment lexicon, scored for many texts at once with sparse matrices.

VADER (Hutto & Gilbert 2014, package ``vaderSentiment``, MIT) rates about 7,500 words,
emoticons and slang from -4 to +4 and ships the ratings inside its wheel: nothing is
downloaded. Its reference implementation walks each text in a Python loop (about 10,000
texts a second); here the same lexicon is applied as one sparse product ``counts @
valence`` over all distinct texts, with VADER's main rules written as text rewrites that
run on whole columns:

* negation: a word within three words after "not", "never", "don't", ... counts
  ``N_SCALAR`` (-0.74) times its valence;
* boosters ("very", "extremely"; dampeners "slightly"): the next word's valence moves
  by 0.293 away from zero (towards zero for dampeners);
* "but": valence before the first "but" counts half, after it one and a half times;
* exclamation marks (up to 4) add 0.292 each in the direction of the sum;
* emoji: the valence of their CLDR names (VADER's ``emoji_utf8_lexicon``).

The sum ``s`` becomes the compound score ``s / sqrt(s**2 + 15)`` in (-1, 1) as in VADER.
Rules left out (capitals, idioms, "kind of", question marks) move few texts;
``benchmarks/sentiment_comparison.py`` prints the agreement with the reference.

Examples
--------
>>> import pandas as pd
>>> lexicon_scores(pd.Series(["Great service!", "not good", "The app crashes"])).round(2).tolist()
[0.66, -0.34, 0.0]
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

ALPHA = 15.0
"""VADER's normalisation constant: compound = s / sqrt(s² + ALPHA)."""
NEGATION_WINDOW = 3
"""Words after a negation whose valence flips (VADER looks three words back)."""
EXCLAMATION_BOOST = 0.292
"""Added per exclamation mark in the direction of the sum (VADER)."""
MAX_EXCLAMATIONS = 4
"""Exclamation marks counted at most (VADER)."""
BUT_BEFORE, BUT_AFTER = 0.5, 1.5
"""Weights of the valence before and after the first "but" (VADER)."""
_NEG, _UP, _DOWN = "neg_", "up_", "down_"
_TOKEN = r"(?:[^\W\d_][\w'’-]*[^\W_]|[^\W\d_])"
_EMOJI = "[\U0001f300-\U0001faff\u2600-\u27bf]"


@lru_cache(maxsize=1)
def vader_lexicon() -> dict[str, float]:
    """VADER's word valences (-4..+4), words case-folded, read from the installed package.

    Examples
    --------
    >>> vader_lexicon()["good"], vader_lexicon()["horrible"]
    (1.9, -2.5)
    """
    lexicon: dict[str, float] = {}
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text("utf-8")
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and re.fullmatch(_TOKEN, parts[0]):
            lexicon[parts[0].casefold()] = float(parts[1])
    return lexicon


@lru_cache(maxsize=1)
def emoji_lexicon() -> dict[str, float]:
    """Valence of each emoji: VADER's lexicon summed over the words of its name."""
    words = vader_lexicon()
    out: dict[str, float] = {}
    text = resources.files("vaderSentiment").joinpath("emoji_utf8_lexicon.txt")
    for line in text.read_text("utf-8").splitlines():
        emoji, _, name = line.partition("\t")
        value = sum(words.get(w, 0.0) for w in name.casefold().split())
        if value and len(emoji) == 1:
            out[emoji] = value
    return out


@lru_cache(maxsize=1)
def _rules() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The negation, booster and dampener patterns from VADER's own word lists."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE

    def alternatives(words: list[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

    negate = [w.replace("'", "['’]") for w in map(re.escape, NEGATE)] + ["no"]
    following = rf"((?:\W+{_TOKEN}){{1,{NEGATION_WINDOW}}})"
    neg = re.compile(rf"\b(?:{'|'.join(negate)})\b{following}")
    up = [w for w, v in BOOSTER_DICT.items() if v > 0 and " " not in w]
    down = [w for w, v in BOOSTER_DICT.items() if v < 0 and " " not in w]
    return (
        neg,
        re.compile(rf"\b(?:{alternatives(up)})\s+({_TOKEN})"),
        re.compile(rf"\b(?:{alternatives(down)})\s+({_TOKEN})"),
    )


@lru_cache(maxsize=2)
def _vocabulary(cues: bool = False) -> tuple[dict[str, int], np.ndarray]:
    """Every scored token (plain, negated, boosted, dampened, emoji) and its valence;
    with ``cues``, the service-complaint cues (:mod:`cxlib.voice.cues`) too."""
    from vaderSentiment.vaderSentiment import B_INCR, N_SCALAR

    from cxlib.voice.cues import cue_lexicon

    base = vader_lexicon() | emoji_lexicon() | (cue_lexicon() if cues else {})
    words = list(base)
    values = np.array([base[w] for w in words])
    sign = np.sign(values)
    tokens = (
        words + [_NEG + w for w in words] + [_UP + w for w in words] + [_DOWN + w for w in words]
    )
    valence = np.concatenate(
        [values, values * N_SCALAR, values + sign * B_INCR, values - sign * B_INCR]
    )
    return {t: i for i, t in enumerate(tokens)}, valence


def _mark(text: pd.Series) -> pd.Series:
    """Words after a negation, booster or dampener prefixed so the lexicon sees them."""
    neg, up, down = _rules()

    word = re.compile(_TOKEN)

    def negate(m: re.Match[str]) -> str:
        cut = m.start(1) - m.start()
        return m.group(0)[:cut] + word.sub(lambda w: _NEG + w.group(0), m.group(1))

    text = text.str.replace(neg, negate, regex=True)
    text = text.str.replace(up, lambda m: " " + _UP + m.group(1), regex=True)
    return text.str.replace(down, lambda m: " " + _DOWN + m.group(1), regex=True)


def _sums(text: pd.Series, cues: bool = False) -> np.ndarray:
    """Sum of valences of each text (sparse counts times the valence vector)."""
    from sklearn.feature_extraction.text import CountVectorizer

    vocabulary, valence = _vocabulary(cues)
    vectorizer = CountVectorizer(
        vocabulary=vocabulary,
        lowercase=False,
        token_pattern=rf"(?:{_NEG}|{_UP}|{_DOWN})?{_TOKEN}|{_EMOJI}",
        dtype=np.float32,
    )
    return np.asarray(vectorizer.transform(text) @ valence).ravel()


def lexicon_scores(texts: pd.Series, *, cues: bool = False) -> pd.Series:
    """VADER-style compound score in (-1, 1) of each text; 0 when no word is rated.

    Distinct texts are scored once. Missing texts give NaN. ``cues``: VADER's lexicon
    extended with the service-complaint cues of :mod:`cxlib.voice.cues` ("on hold",
    "still waiting", "cancelled"; "please" and "help" neutral); False = VADER's alone.

    Examples
    --------
    >>> text = pd.Series(["please help, on hold forever"])
    >>> lexicon_scores(text).round(2).tolist(), lexicon_scores(text, cues=True).round(2).tolist()
    ([0.61], [-0.61])
    """
    index = texts.index
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    if not len(uniques):
        return pd.Series(np.nan, index=index, dtype=float)
    text = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.casefold()
    if cues:
        from cxlib.voice.cues import join_cues

        text = join_cues(text)
    text = _mark(text)
    parts = text.str.partition(" but ")
    has_but = (parts[1] != "").to_numpy()
    total = np.zeros(len(text))
    if (~has_but).any():
        total[~has_but] = _sums(text[~has_but], cues)
    if has_but.any():
        before, after = parts[0][has_but], parts[2][has_but]
        total[has_but] = BUT_BEFORE * _sums(before, cues) + BUT_AFTER * _sums(after, cues)
    marks = np.minimum(text.str.count("!").to_numpy(), MAX_EXCLAMATIONS) * EXCLAMATION_BOOST
    total = total + np.sign(total) * marks
    compound = total / np.sqrt(total * total + ALPHA)
    out = np.where(codes >= 0, compound[np.maximum(codes, 0)], np.nan)
    return pd.Series(out, index=index, dtype=float)
