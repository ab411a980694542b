"""The social-listening analysis of a data set's mentions, all at once.

:class:`SocialListening` scores every mention's sentiment and language and finds its theme
(:mod:`cxlib.voice`), then measures volume, share of voice, engagement, sentiment shares
and trend, negative spikes (:mod:`~cxlib.social.spikes`) and the response to negative posts
(:mod:`~cxlib.social.responses`). Calendar days and periods are those of the data set's time
zone (``timezone`` in its config).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from cxlib.io.dataset import CXData
from cxlib.social import responses as resp
from cxlib.social import sentiment as sent
from cxlib.social import volume as vol
from cxlib.social.posts import brand_handles, clean_posts, quote
from cxlib.social.spikes import negative_spikes
from cxlib.voice import OTHER, PhraseThemes, SentimentModel, score_sentiment, themes_by_group

QUOTE_MIN_CHARS = 30
"""Quotes are drawn from posts at least this long when a theme has some (a few words say
little)."""
MIN_BRANDS = 2
"""Share of voice needs mentions of at least this many brands."""


class SocialListening(BaseEstimator):
    """Volume, share of voice, engagement, sentiment, negative spikes and themes of mentions.

    Parameters
    ----------
    freq : {"D", "W", "M"} or None
        Period of the volume and trend charts; None = by the span of the data
        (:func:`cxlib.social.volume.period_freq`).
    window_days, alpha, min_ratio, min_count :
        Spike detection (:func:`cxlib.social.spikes.negative_spikes`).
    n_themes : int or None
        Themes to find in the mentions (:class:`cxlib.voice.PhraseThemes`); None = the
        theme model's own choice.
    n_quotes : int
        Quotes shown per negative theme.
    response_hours : float
        The response-time target for negative posts (with ``in_reply_to`` only).
    random_state : int
        Seed of the theme model and the bootstrap intervals.

    Attributes
    ----------
    mentions_ : DataFrame
        One row per mention: ``mention_id``, ``posted_at`` (local time), ``platform``,
        [``brand``], ``sentiment``, ``sentiment_score``, ``language``,
        ``sentiment_source``, ``theme`` (the theme's phrase) and ``negative``.
    freq_ : str
        The period used.
    volume_, volume_brand_ : DataFrame
        Mentions per period and platform (and brand; empty with fewer than two brands).
    share_of_voice_ : DataFrame
        Share of voice per brand with 95% CIs (empty with fewer than two brands).
    engagement_, engagement_sentiment_ : DataFrame
        Engagement per platform and per sentiment label (empty without likes, shares or
        comments).
    sentiment_, sentiment_platform_, sentiment_brand_, trend_ : DataFrame
        Sentiment shares overall, per platform, per brand and per period.
    change_ : Comparison or None
        Negative share of the last period minus that of the earlier ones.
    spikes_ : DataFrame
        Every tested day and unit (:func:`~cxlib.social.spikes.negative_spikes`).
    themes_, negative_themes_ : DataFrame
        All themes; the themes of the negative mentions with shares, CIs and quotes.
    responses_ : dict or None
        Response to negative posts (:func:`~cxlib.social.responses.response_summary`).
    sentiment_model_ : SentimentModel or None
        The model trained on the data's NPS comments, when it has enough of them.
    notes_ : list of str
        What the data could not support.
    timezone_ : str
        The time zone of the days and periods (the config's).

    Examples
    --------
    >>> sl = SocialListening().fit(cxlib.load("data/sample"))     # doctest: +SKIP
    >>> sl.share_of_voice_.head(2)                                 # doctest: +SKIP
    """

    def __init__(
        self,
        freq: str | None = None,
        window_days: int = 14,
        alpha: float = 0.05,
        min_ratio: float = 1.5,
        min_count: int = 5,
        n_themes: int | None = 8,
        n_quotes: int = 2,
        response_hours: float = resp.DEFAULT_RESPONSE_HOURS,
        random_state: int | None = 0,
    ):
        self.freq = freq
        self.window_days = window_days
        self.alpha = alpha
        self.min_ratio = min_ratio
        self.min_count = min_count
        self.n_themes = n_themes
        self.n_quotes = n_quotes
        self.response_hours = response_hours
        self.random_state = random_state

    def fit(self, cx: CXData) -> SocialListening:
        """Analyse ``cx.mentions``; raises ValueError when the data has none."""
        m = cx.mentions
        if m is None or m.empty:
            raise ValueError("the data has no mentions: the social-listening report needs them")
        self.source_, self.notes_, self.timezone_ = cx.source, [], cx.config.timezone
        self.mentions_ = self._score(m, cx)
        local = self.mentions_["posted_at"]
        self.freq_ = self.freq or vol.period_freq(local)
        self.period_ = (local.min(), local.max())
        brands = m["brand"].dropna().nunique() if "brand" in m else 0
        self.brands_ = int(brands)
        self._volume(m)
        self._sentiment(m["text"], clean_posts(m["text"]))
        units = self.mentions_["brand"] if brands >= MIN_BRANDS else None
        self.spikes_ = negative_spikes(
            local, self.mentions_["negative"], units, window_days=self.window_days,
            alpha=self.alpha, min_ratio=self.min_ratio, min_count=self.min_count,
        )  # fmt: skip
        self.responses_ = None
        if resp.has_replies(m):
            self.responses_ = resp.response_summary(
                m.assign(posted_at=local.to_numpy()), self.mentions_["negative"],
                self.response_hours,
            )  # fmt: skip
        else:
            self.notes_.append(
                "No replies in the data (no in_reply_to column pointing to other mentions): "
                "the response time to negative posts cannot be measured."
            )
        return self

    def _score(self, m: pd.DataFrame, cx: CXData) -> pd.DataFrame:
        """Sentiment, language and theme of every mention, times in local time."""
        self.sentiment_model_ = _nps_model(cx)
        text = clean_posts(m["text"])
        scored = score_sentiment(text, model=self.sentiment_model_)
        size = {} if self.n_themes is None else {"n_themes": self.n_themes}
        self.theme_model_ = PhraseThemes(**size, random_state=self.random_state).fit(
            text, languages=scored["language"]
        )
        labels = self.theme_model_.themes_.set_index("theme")["label"]
        local = (
            m["posted_at"].dt.tz_localize("UTC").dt.tz_convert(cx.config.timezone)
            .dt.tz_localize(None)
        )  # fmt: skip
        keep = [c for c in ("mention_id", "platform", "brand") if c in m]
        out = m[keep].assign(posted_at=local.to_numpy())
        out = pd.concat([out, scored], axis=1)
        out["theme"] = labels.reindex(self.theme_model_.labels_).fillna(OTHER).to_numpy()
        out["negative"] = out["sentiment"].eq("negative").to_numpy()
        return out

    def _volume(self, m: pd.DataFrame) -> None:
        """Volume by platform and brand, share of voice and engagement."""
        mm = self.mentions_
        self.volume_ = vol.volume(mm, self.freq_, "platform")
        multi = self.brands_ >= MIN_BRANDS
        self.volume_brand_ = vol.volume(mm, self.freq_, "brand") if multi else pd.DataFrame()
        self.share_of_voice_ = vol.share_of_voice_table(mm) if multi else pd.DataFrame()
        if not multi:
            self.notes_.append(
                "The mentions name fewer than two brands (no brand column mapped, or one "
                "brand): share of voice is not shown."
            )
        eng = m.assign(sentiment=mm["sentiment"].to_numpy())
        self.engagement_ = vol.engagement_table(eng, "platform")
        self.engagement_sentiment_ = vol.engagement_table(eng, "sentiment")
        if self.engagement_.empty:
            self.notes_.append(
                "No likes, shares or comments in the data: engagement is not measured."
            )

    def _sentiment(self, raw: pd.Series, text: pd.Series) -> None:
        """Sentiment shares, trend, change and the negative themes."""
        mm = self.mentions_
        self.sentiment_ = sent.sentiment_shares(mm)
        self.sentiment_platform_ = sent.sentiment_shares(mm, "platform")
        multi = self.brands_ >= MIN_BRANDS
        self.sentiment_brand_ = sent.sentiment_shares(mm, "brand") if multi else pd.DataFrame()
        period = vol.periods(mm["posted_at"], self.freq_)
        self.trend_ = sent.sentiment_trend(mm, period)
        self.change_ = sent.negative_change(mm, period)
        self.themes_ = self.theme_model_.themes_
        self.negative_themes_ = self._negative_themes(raw, text)

    def _negative_themes(self, raw: pd.Series, text: pd.Series) -> pd.DataFrame:
        """Themes of the negative mentions: share (95% CI) and short masked quotes."""
        mm = self.mentions_
        table = themes_by_group(text, mm["sentiment"], model=self.theme_model_, min_texts=1)
        neg = table[table["group"] == "negative"].drop(columns=["group", "example"])
        raw = raw.reset_index(drop=True)
        keep = brand_handles(raw)
        theme_of = pd.Series(self.theme_model_.labels_)
        negative = mm["negative"].reset_index(drop=True)
        rng = np.random.default_rng(self.random_state)
        quotes = []
        for theme in neg["theme"]:
            posts = [str(p) for p in pd.unique(raw[negative & (theme_of == theme)].dropna())]
            long = [p for p in posts if len(p) >= QUOTE_MIN_CHARS]
            pool = np.array(long or list(posts), dtype=object)
            picked = rng.choice(pool, min(self.n_quotes, len(pool)), replace=False)
            quotes.append([quote(p, keep) for p in picked])
        return neg.assign(quotes=quotes).reset_index(drop=True)


def _nps_model(cx: CXData) -> SentimentModel | None:
    """A sentiment model trained on the data's NPS comments, or None when too few."""
    s = cx.surveys
    if s is None or "comment" not in s:
        return None
    nps = s[(s["survey"] == "nps") & s["comment"].notna()]
    if nps.empty:
        return None
    model = SentimentModel().fit(nps["comment"], nps["score"])
    return model if model.fitted_ else None
