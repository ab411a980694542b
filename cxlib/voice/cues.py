"""Service-complaint cues: an explicit extension of VADER's lexicon for customer messages.

VADER (:mod:`cxlib.voice.lexicon`) was built on general social-media text, where feeling
is carried by words such as "awful" or "love". Customers writing to a company often
complain in facts: "flight cancelled, 3 hours on hold", "still waiting for my refund",
"nobody answers". No word there is in VADER's lexicon, or only weakly ("delayed" -0.9),
while the polite words of a request are rated positive ("please" +1.3, "help" +1.7), so
"please help, on hold forever" scored +0.61 (positive).

Source: our own list (cxlib), written from the data contract's domain (customer service
of any business: waiting, holds, delays and cancellations, lost or missing items,
refunds and charges, things that do not work, nobody answering), on VADER's -4..+4
scale, not fitted to any data set. It was checked on hand-labelled airline tweets split
in two: a development set (``benchmarks/data/airline_tweets_hand_labels.csv``, whose
errors were read while writing the list) and a held-out set labelled before any score
was computed on it (``airline_tweets_hand_labels_heldout.csv``);
``benchmarks/sentiment_comparison.py`` prints both. The crowd-coded labels of the public
airline data set were never seen.

* :data:`SERVICE_CUES` — words and phrases of a service failure, negative valence; a
  phrase is read as one token, so VADER's rules (negation, boosters, "but") apply to it
  ("not delayed" counts -0.74 times the valence, as any negated word);
* :data:`REQUEST_WORDS` — words of a request (please, help), valence 0 in messages to a
  company: asking for help says nothing about approval.

Examples
--------
>>> cue_token("can’t get through")
'cant_get_through'
>>> join_cues(pd.Series(["still waiting, on hold for 2 hours"])).tolist()
['still_waiting, on_hold for 2 hours']
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

SERVICE_CUES: dict[str, float] = {
    # delays and cancellations
    "delay": -2.0, "delays": -2.0, "delayed": -2.0, "cancel": -1.5, "cancelled": -2.0,
    "canceled": -2.0, "cancellation": -2.0, "cancellations": -2.0, "overbooked": -2.0,
    "stranded": -2.5, "stuck": -2.0, "missed my connection": -2.5, "missed my flight": -2.5,
    "diverted": -1.0, "rescheduled": -1.0,
    # waiting and holds
    "on hold": -2.0, "still waiting": -2.5, "been waiting": -2.0, "waited": -1.5,
    "hung up": -2.0, "forever": -1.0,
    # nobody answering
    "no one": -1.5, "nobody": -1.5, "no response": -2.0, "no answer": -2.0,
    "no reply": -2.0, "never received": -2.0, "never got": -2.0, "never heard back": -2.0,
    "can't get through": -2.0, "cannot get through": -2.0, "no call back": -2.0,
    "still no": -2.0, "still not": -2.0, "still haven't": -2.0,
    # lost, missing, broken
    "lost": -2.0, "missing": -1.5, "lost my bag": -2.5, "lost luggage": -2.5,
    "not working": -2.0, "doesn't work": -2.0, "didn't work": -2.0, "won't work": -2.0,
    "stopped working": -2.0, "crashed": -2.0, "crashes": -2.0, "outage": -2.0,
    "error message": -1.5,
    # money
    "refund": -1.0, "overcharged": -2.5, "charged twice": -2.5, "fee": -0.5, "fees": -0.5,
    "compensation": -1.0,
    # a complaint's words VADER rates positive
    "joke": -1.5, "a joke": -2.0,
}  # fmt: skip
"""Valence of each service-failure cue on VADER's -4..+4 scale (lower case)."""
REQUEST_WORDS: dict[str, float] = {"please": 0.0, "pls": 0.0, "plz": 0.0, "help": 0.0}
"""Words of a request to a company, neutral in its messages (VADER: please +1.3, help +1.7)."""


def cue_token(phrase: str) -> str:
    """The single token a cue phrase is read as (letters joined by "_", no apostrophes)."""
    words = re.findall(r"[^\W\d_]+", phrase.replace("'", "").replace("’", "").casefold())
    return "_".join(words)


def cue_lexicon() -> dict[str, float]:
    """Every cue and request word as the token the lexicon counts, with its valence.

    Examples
    --------
    >>> cue_lexicon()["on_hold"], cue_lexicon()["please"]
    (-2.0, 0.0)
    """
    return {cue_token(p): v for p, v in (SERVICE_CUES | REQUEST_WORDS).items()}


@lru_cache(maxsize=1)
def _phrase_pattern() -> re.Pattern[str]:
    """Every cue phrase of several words, longest first, apostrophes of either kind."""
    phrases = sorted((p for p in SERVICE_CUES if " " in p), key=len, reverse=True)
    parts = [re.escape(p).replace("'", "['’]?").replace(r"\ ", r"\s+") for p in phrases]
    return re.compile(rf"\b(?:{'|'.join(parts)})\b")


def join_cues(text: pd.Series) -> pd.Series:
    """Case-folded texts with each cue phrase written as one token ("on hold" -> "on_hold")."""
    return text.str.replace(_phrase_pattern(), lambda m: cue_token(m.group(0)), regex=True)
