"""Readable names for themes: the phrase that sets a group of texts apart.

A theme is named by a short phrase taken from its own texts ("still waiting for the
router", "easy to set up"), not by a list of keywords. Candidates are the word
sequences of 2 to :data:`MAX_WORDS` words (runs of 2 to 4 characters in Chinese and
Japanese) that occur in several of the theme's texts and do not begin or end with a
stop word (a negation may begin one: "not working"). Each is scored by how many of the
theme's texts hold it times how much more often they do than the other texts
(lift); the best one names the theme. A theme with no shared phrase is named by its
two strongest keywords.

Examples
--------
>>> inside = ["still waiting for the router", "been waiting for the router for weeks",
...           "waiting for the router to arrive"]
>>> outside = ["great service", "friendly staff", "waiting times are fine"]
>>> best_phrase(inside, outside, "en")
'waiting for the router'
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from cxlib.voice.text import NEGATIONS, NO_SPACE_SCRIPT, normalize, stop_words

MAX_WORDS = 4
"""Longest phrase, in words."""
MIN_TEXTS = 2
"""A phrase must occur in at least this many of the theme's texts."""
LENGTH_BONUS = 0.15
"""Score bonus per extra word: of two phrases in as many texts, the longer one reads better."""
_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@lru_cache(maxsize=65536)
def candidates(text: str, language: str) -> frozenset[str]:
    """The phrases of ``text`` that may name a theme (each counted once per text)."""
    text = normalize(text)
    out: set[str] = set()
    for run in NO_SPACE_SCRIPT.findall(text):
        out |= {run[i : i + n] for n in range(2, 5) for i in range(len(run) - n + 1)}
    stop = stop_words(language)
    words = _WORDS.findall(NO_SPACE_SCRIPT.sub(" ", text))
    for i, first in enumerate(words):
        if first in stop and first not in NEGATIONS:
            continue
        for n in range(2, MAX_WORDS + 1):
            if i + n > len(words):
                break
            last = words[i + n - 1]
            if last not in stop:
                out.add(" ".join(words[i : i + n]))
    return frozenset(out)


def best_phrase(
    inside: Sequence[str],
    outside: Sequence[str],
    language: str,
    *,
    taken: set[str] | frozenset[str] = frozenset(),
) -> str | None:
    """The phrase that best names the texts ``inside`` against those ``outside``.

    ``taken`` phrases (names of other themes) are skipped; None when no phrase occurs
    in :data:`MIN_TEXTS` texts.
    """
    counts_in = Counter(p for t in inside for p in candidates(t, language))
    counts_in = Counter({p: c for p, c in counts_in.items() if c >= MIN_TEXTS and p not in taken})
    if not counts_in:
        return None
    counts_out = Counter(p for t in outside for p in candidates(t, language) if p in counts_in)
    n_in, n_out = max(len(inside), 1), max(len(outside), 1)

    def score(phrase: str) -> float:
        rate_in = counts_in[phrase] / n_in
        rate_out = (counts_out[phrase] + 0.5) / (n_out + 1)
        words = len(phrase.split()) if " " in phrase else max(1, len(phrase) // 2)
        lift = math.log(max(rate_in / rate_out, 1.0)) + 1.0
        return counts_in[phrase] * lift * (1 + LENGTH_BONUS * (words - 1))

    return max(sorted(counts_in), key=score)
