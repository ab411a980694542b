"""Social listening: what people say about the brand online, how they feel, and when it turns.

The analysis of the ``mentions`` table (one row per public post): volume over time by
platform and brand, share of voice when the data names several brands, engagement (likes,
shares, comments) where the data holds it, sentiment shares and trend with 95% intervals,
spikes of negative mentions (dated, with false-alarm control), the themes of negative
mentions with short masked quotes, and the response time to negative posts when the data
holds replies (``in_reply_to``). Sentiment, language and themes come from
:mod:`cxlib.voice` (offline: nothing is downloaded when it runs).

Modules: :mod:`~cxlib.social.volume` (volume, share of voice, engagement),
:mod:`~cxlib.social.sentiment` (shares, trend, change), :mod:`~cxlib.social.spikes`
(negative spikes), :mod:`~cxlib.social.responses` (replies), :mod:`~cxlib.social.analysis`
(everything at once: :class:`SocialListening`), :mod:`~cxlib.social.findings` (sentences,
output files), :mod:`~cxlib.social.tables` and :mod:`~cxlib.social.figures` (imported on first use).

Definitions
-----------
Share of voice
    A brand's mentions / the mentions naming any brand, in %, with a Wilson 95% CI
    (:func:`cxlib.metrics.share_of_voice`); volume, not approval.
Engagement per mention
    (likes + shares + comments) / mentions, with a bootstrap 95% CI
    (:func:`cxlib.metrics.engagement_rate`); a rate per audience when the data holds
    impressions, reach or followers.
Sentiment share
    Mentions labelled negative (positive, neutral) / labelled mentions, Wilson 95% CI.
Negative spike
    A day whose negative mentions exceed a robust baseline of the surrounding days far
    beyond day-to-day noise (negative-binomial test, Benjamini-Hochberg over all days and
    brands at 5%) and at least 1.5 times the baseline (:mod:`~cxlib.social.spikes`).

Examples
--------
>>> from cxlib import social
>>> sl = social.SocialListening().fit(cxlib.load("data/sample"))        # doctest: +SKIP
>>> social.findings(sl)[0]                                              # doctest: +SKIP
"""

from cxlib.social.analysis import SocialListening
from cxlib.social.findings import findings, method_notes, save_outputs, summary
from cxlib.social.spikes import negative_spikes
from cxlib.social.tables import (
    table_engagement,
    table_negative_themes,
    table_sentiment,
    table_share_of_voice,
    table_spikes,
)


def __getattr__(name: str):
    """Import :mod:`cxlib.social.figures` (matplotlib, seaborn) only when it is used."""
    if name == "figures":
        import importlib

        return importlib.import_module("cxlib.social.figures")
    raise AttributeError(f"module 'cxlib.social' has no attribute {name!r}")


__all__ = [
    "SocialListening",
    "figures",
    "findings",
    "method_notes",
    "negative_spikes",
    "save_outputs",
    "summary",
    "table_engagement",
    "table_negative_themes",
    "table_sentiment",
    "table_share_of_voice",
    "table_spikes",
]
