"""Voice of the customer: sentiment, language and themes of every text, offline.

Survey comments, social mentions and ticket text in English, Czech, Slovak, Slovene,
German, Chinese and other languages, with nothing downloaded at run time (every model
and word list ships inside an installed package):

* :func:`detect_language` — ISO 639-1 code per text (:mod:`~cxlib.voice.language`);
* :func:`score_sentiment` — ``sentiment_score`` in [-1, 1], ``sentiment`` label and
  ``language`` per text (:mod:`~cxlib.voice.sentiment`): VADER's lexicon for English
  with service-complaint cues ("on hold", "still waiting"; :mod:`~cxlib.voice.cues`),
  and a :class:`SentimentModel` trained on the data's own NPS-scored comments for any
  language;
* :class:`PhraseThemes` — themes named by phrases ("still waiting", "no internet"),
  lemmatised per language (:mod:`~cxlib.voice.themes`), and :func:`themes_by_group`
  to compare them across NPS groups, touchpoints, personas or platforms.

Contact details are masked (:mod:`cxlib.io.privacy`) before anything is learned or quoted.

Examples
--------
>>> import pandas as pd
>>> from cxlib import voice
>>> texts = pd.Series(["Still waiting for my router", "Great, quick installation, thank you!"])
>>> voice.score_sentiment(texts)["sentiment"].tolist()  # "still waiting": a service cue
['negative', 'positive']
>>> voice.detect_language(texts).tolist()
['en', 'en']
"""

from __future__ import annotations

from cxlib.voice.groups import GROUP_COLUMNS, themes_by_group, themes_per_language
from cxlib.voice.language import LANGUAGES, UNDETERMINED, detect_language, quoted, quoted_lists
from cxlib.voice.lexicon import lexicon_scores, vader_lexicon
from cxlib.voice.sentiment import NEUTRAL_BAND, SentimentModel, label, score_sentiment
from cxlib.voice.text import lemma_map, stop_words, tokenize
from cxlib.voice.themes import OTHER, THEME_COLUMNS, PhraseThemes, cut

__all__ = [
    "GROUP_COLUMNS",
    "LANGUAGES",
    "NEUTRAL_BAND",
    "OTHER",
    "THEME_COLUMNS",
    "UNDETERMINED",
    "PhraseThemes",
    "SentimentModel",
    "cut",
    "detect_language",
    "label",
    "lemma_map",
    "lexicon_scores",
    "quoted",
    "quoted_lists",
    "score_sentiment",
    "stop_words",
    "themes_by_group",
    "themes_per_language",
    "tokenize",
    "vader_lexicon",
]
