"""The social-listening report in words and numbers: findings, tables and output files.

Reads a fitted :class:`~cxlib.social.SocialListening`. :func:`save_outputs` writes
``social_mentions.csv`` (one row per mention: ``mention_id``, ``sentiment``,
``sentiment_score``, ``theme``, ``language``; no text), ``social_spikes.csv`` (every tested
day and unit), ``social_share_of_voice.csv``, ``social_trend.csv`` and
``social_listening.json`` (``findings``, share of voice, sentiment, spikes, negative
themes, response time, notes and parameters).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cxlib.io import outputs
from cxlib.social.analysis import SocialListening
from cxlib.social.spikes import ALL
from cxlib.social.volume import PERIOD_NAMES
from cxlib.wording import count, hours, interval, number, p_value, percent, value

MENTION_COLUMNS = ["mention_id", "sentiment", "sentiment_score", "theme", "language"]
"""The columns of ``social_mentions.csv``."""
DAY = "%Y-%m-%d"
"""How a day is written (ISO, as on every page)."""
SPIKES_NAMED = 3
"""Spike days named in a finding."""
TOP_BRANDS = 3
"""Brands named in the share-of-voice finding."""


def _pct(x: float) -> str:
    """A percentage value (0-100) as a sentence writes it."""
    return percent(x / 100)


def _ci(low: float, high: float) -> str:
    """A 95% CI of percentages, whole points."""
    return interval(low, high, 0)


# --- findings ---------------------------------------------------------------------------


def findings(sl: SocialListening) -> list[str]:
    """The report's sentences, most important first (the first three go to the index)."""
    out = [_volume_sentence(sl), _spike_sentence(sl), _theme_sentence(sl)]
    out += [_trend_sentence(sl), _brand_sentiment_sentence(sl), _engagement_sentence(sl)]
    out.append(_response_sentence(sl))
    return [s for s in out if s]


def _volume_sentence(sl: SocialListening) -> str:
    """How many mentions, when, how negative, and who has the largest share of voice."""
    s = sl.sentiment_.iloc[0]
    first, last = sl.period_
    zone = "" if sl.timezone_ == "UTC" else f" ({sl.timezone_} time)"
    head = (
        f"{count(len(sl.mentions_))} mentions from {first:{DAY}} to {last:{DAY}}{zone}: "
        f"{_pct(s['negative_share'])} negative ({_ci(s['negative_low'], s['negative_high'])}) "
        f"and {_pct(s['positive_share'])} positive"
    )
    sov = sl.share_of_voice_
    if sov.empty:
        top = sl.mentions_["platform"].value_counts(normalize=True)
        return f"{head}; {percent(top.iloc[0])} were posted on {top.index[0]}."
    named = "; ".join(
        f"{r.brand} {_pct(r.share)} ({_ci(r.ci_low, r.ci_high)})"
        for r in sov.head(TOP_BRANDS).itertuples()
    )
    return f"{head}. Share of voice of the {count(len(sov))} brands: {named}."


def expected_text(x: float) -> str:
    """An expected count as a sentence writes it ("under 1" for a unit usually silent)."""
    return "under 1" if x < 1 else count(x)


def _spike_day(day: pd.DataFrame) -> str:
    """One spike day in words: all mentions' figure, then the brands that spiked."""
    all_ = day[day["unit"] == ALL]
    brands = day[day["unit"] != ALL].sort_values("negative", ascending=False)
    bits = [
        f"{count(r.negative)} negative against about {expected_text(r.expected)} expected"
        + (f", {number(r.ratio, 1)} times" if r.expected >= 1 else "")
        for r in all_.itertuples()
    ]
    if len(brands):
        named = ", ".join(
            f"{r.unit} {count(r.negative)} vs {expected_text(r.expected)}"
            for r in brands.itertuples()
        )
        bits.append(("brands: " if len(all_) else "") + named)
    return f"{day['day'].iloc[0]:{DAY}} ({'; '.join(bits)})"


def _spike_sentence(sl: SocialListening) -> str:
    """The dated spikes of negative mentions (the largest days, in date order), or that no
    day stood out."""
    sp = sl.spikes_
    tested = sp[sp["tested"]]
    spikes = sp[sp["spike"]]
    if tested.empty:
        return "Too few days of data to test for spikes of negative mentions."
    if spikes.empty:
        return (
            f"No day stood out with a spike of negative mentions ({count(len(tested))} "
            f"day-and-brand tests, false-alarm rate held at {percent(sl.alpha)})."
        )
    size = spikes.groupby("day")["negative"].max().sort_values(ascending=False)
    days = sorted(size.index[:SPIKES_NAMED])
    parts = [_spike_day(spikes[spikes["day"] == d]) for d in days]
    more = f" (the {count(len(size))} days are listed below)" if len(size) > SPIKES_NAMED else ""
    return (
        f"Negative mentions spiked beyond day-to-day noise (false-alarm rate "
        f"{percent(sl.alpha)}) on {'; '.join(parts)}{more}."
    )


def _theme_sentence(sl: SocialListening) -> str | None:
    """The most common themes of negative mentions."""
    nt = sl.negative_themes_
    named = nt[nt["theme"] != 0]
    if named.empty:
        return None
    parts = [
        f"“{r.label}” ({_pct(r.share)}, {_ci(r.share_low, r.share_high)})"
        for r in named.head(2).itertuples()
    ]
    return (
        f"Negative mentions talk most about {' and '.join(parts)} of the "
        f"{count(named['group_n'].iloc[0])} negative mentions."
    )


def _trend_sentence(sl: SocialListening) -> str | None:
    """The negative share of the last period against the earlier ones."""
    c = sl.change_
    if c is None:
        return None
    period = PERIOD_NAMES[sl.freq_]
    way = "higher" if c.diff > 0 else "lower"
    verdict = "a clear change" if c.significant else "within what chance explains"
    return (
        f"In the last {period} {_pct(c.b.value)} of mentions were negative against "
        f"{_pct(c.a.value)} before, {value(abs(c.diff))} points {way} "
        f"({interval(c.ci_low, c.ci_high)}, {p_value(c.p_value)}): {verdict}."
    )


def _brand_sentiment_sentence(sl: SocialListening) -> str | None:
    """The brands with the highest and lowest negative share."""
    sb = sl.sentiment_brand_
    if sb.empty or len(sb) < 2:
        return None
    sb = sb.sort_values("negative_share")
    lo, hi = sb.iloc[0], sb.iloc[-1]
    return (
        f"The negative share is highest for {hi['brand']}, {_pct(hi['negative_share'])} "
        f"({_ci(hi['negative_low'], hi['negative_high'])}), and lowest for {lo['brand']}, "
        f"{_pct(lo['negative_share'])} ({_ci(lo['negative_low'], lo['negative_high'])})."
    )


def _engagement_sentence(sl: SocialListening) -> str | None:
    """Engagements per negative mention against per positive one."""
    es = sl.engagement_sentiment_
    if es.empty:
        return None
    by = es.set_index("sentiment")
    if not {"negative", "positive"} <= set(by.index):
        return None
    n, p = by.loc["negative"], by.loc["positive"]
    return (
        f"A negative mention draws {number(n['per_mention'], 1)} engagements "
        f"({interval(n['ci_low'], n['ci_high'])}) against {number(p['per_mention'], 1)} "
        f"({interval(p['ci_low'], p['ci_high'])}) for a positive one."
    )


def _response_sentence(sl: SocialListening) -> str | None:
    """How fast negative posts are answered."""
    r = sl.responses_
    if r is None or r["posts"] == 0:
        return None
    w, med = r["within"], r["median_hours"]
    return (
        f"{count(r['answered'])} of {count(r['posts'])} negative posts got a reply; "
        f"{value(w.value, '%')} within {hours(r['hours'])} ({interval(w.ci_low, w.ci_high)}), "
        f"median first reply after {hours(med.value)}."
    )


def method_notes(sl: SocialListening) -> list[str]:
    """How sentiment, themes and spikes were obtained, with the model's accuracy."""
    src = sl.mentions_["sentiment_source"].value_counts()
    n = len(sl.mentions_)
    lexicon = int(src.get("lexicon", 0) + src.get("both", 0))
    notes = [
        f"Sentiment: VADER's English lexicon scored {count(lexicon)} of {count(n)} mentions "
        f"(English or no detectable language); {count(src.get('none', 0))} mentions had "
        "nothing either method could read and count as neutral (or blank)."
    ]
    m = sl.sentiment_model_
    if m is not None:
        notes.append(
            f"A model trained on the data's {count(sum(m.n_train_.values()))} NPS comments "
            f"(0-6 negative, 9-10 positive) scored {count(src.get('model', 0) + src.get('both', 0))} "
            f"mentions in any language; its cross-validated accuracy is "
            f"{percent(m.cv_accuracy_)} (AUC {number(m.cv_auc_, 2)}) on survey comments, "
            "which may read differently from public posts."
        )
    else:
        notes.append(
            "No NPS comments in the data to train a sentiment model on: mentions that are "
            "not in English are not scored (neutral)."
        )
    langs = sl.mentions_["language"].value_counts(normalize=True).head(4)
    notes.append(
        "Languages detected: "
        + ", ".join(f"{k} {percent(v)}" for k, v in langs.items())
        + f". Themes: {count(len(sl.themes_) - 1)} found across all mentions (each mention "
        "joins the theme it matches best, or none)."
    )
    notes.append(
        f"Spikes: each day's negative mentions are tested against the median of the "
        f"{sl.window_days} days before it (weekday-adjusted from four weeks of data; the "
        "first days serve as the baseline and are not tested), under "
        "a negative-binomial model with day-to-day noise estimated robustly from the data; "
        f"the false-discovery rate over all days and brands is held at {percent(sl.alpha)}, "
        f"and a spike must hold at least {number(sl.min_ratio, 1)} times the baseline and "
        f"{count(sl.min_count)} negative mentions. The first and last day count only the "
        "hours the data covers."
    )
    return notes


def summary(sl: SocialListening, alerts: list[dict] | None = None) -> dict:
    """The content of ``social_listening.json``; ``alerts`` (records of
    :func:`cxlib.actions.alerts.mention_alerts`) go under ``alerts`` for the run's index."""
    sp = sl.spikes_
    spikes = sp[sp["spike"]].sort_values(["day", "unit"])
    c = sl.change_
    r = sl.responses_
    return {
        "report": "social_listening",
        "data": sl.source_,
        "mentions": len(sl.mentions_),
        "period": [sl.period_[0], sl.period_[1]],
        "findings": findings(sl)[:3],
        "sentiment": sl.sentiment_.iloc[0].to_dict(),
        "share_of_voice": sl.share_of_voice_.to_dict(orient="records"),
        "sentiment_by_brand": sl.sentiment_brand_.to_dict(orient="records"),
        "sentiment_by_platform": sl.sentiment_platform_.to_dict(orient="records"),
        "negative_change": None if c is None else {
            "last_period": c.b.value, "before": c.a.value, "diff": c.diff,
            "ci_low": c.ci_low, "ci_high": c.ci_high, "p_value": c.p_value,
        },
        "spikes": spikes[["day", "unit", "negative", "expected", "ratio", "q_value"]]
        .assign(day=spikes["day"].dt.strftime(DAY)).to_dict(orient="records"),
        "days_tested": int(sp["tested"].sum()),
        "negative_themes": sl.negative_themes_.to_dict(orient="records"),
        "responses": None if r is None else {
            "posts": r["posts"], "answered": r["answered"], "hours": r["hours"],
            "within": r["within"].value, "within_ci": [r["within"].ci_low, r["within"].ci_high],
            "median_hours": r["median_hours"].value,
        },
        "sentiment_model": None if sl.sentiment_model_ is None else {
            "cv_accuracy": sl.sentiment_model_.cv_accuracy_, "cv_auc": sl.sentiment_model_.cv_auc_,
            "n_train": sl.sentiment_model_.n_train_,
        },
        "parameters": {
            "freq": sl.freq_, "window_days": sl.window_days, "alpha": sl.alpha,
            "min_ratio": sl.min_ratio, "min_count": sl.min_count, "n_themes": sl.n_themes,
        },
        "notes": sl.notes_,
        "alerts": list(alerts or []),
    }  # fmt: skip


def save_outputs(
    sl: SocialListening, output_dir: str | Path, alerts: list[dict] | None = None
) -> list[Path]:
    """Write the report's CSV and JSON files into ``output_dir``; return their paths.

    ``alerts`` (:func:`cxlib.actions.alerts.mention_alerts`) go into the summary JSON."""
    return [
        outputs.save(output_dir, "social_mentions.csv", sl.mentions_[MENTION_COLUMNS]),
        outputs.save(output_dir, "social_spikes.csv", sl.spikes_),
        outputs.save(output_dir, "social_share_of_voice.csv", sl.share_of_voice_),
        outputs.save(output_dir, "social_trend.csv", sl.trend_),
        outputs.save(output_dir, "social_listening.json", summary(sl, alerts)),
    ]
