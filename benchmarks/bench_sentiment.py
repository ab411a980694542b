"""Sentiment + language + themes for 1,000,000 comments: how long on this machine.

The comments are made from real texts (the real NPS survey's verbatims, the airline
tweets, the sample's comments in seven languages): each is one real text followed, half
the time, by the first words of another, so nearly every comment is distinct (nothing is
saved by scoring each distinct text once). Stages: language, sentiment (lexicon + the
model trained on the NPS-scored part), themes (learned on a 20,000-comment sample, every
comment assigned).

    .venv/bin/python benchmarks/bench_sentiment.py [n_comments]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib import voice

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared/data/real"
TARGET_SECONDS = 60


def pool() -> tuple[pd.Series, pd.Series]:
    """Real texts and their NPS score where they have one."""
    parts, scores = [], []
    nps = REAL / "nps_verbatims_textsummary/nps_verbatims.csv"
    if nps.exists():
        frame = pd.read_csv(nps)
        parts.append(frame["text"].astype(str))
        scores.append(frame["NPS_SCORE"])
    tweets = REAL / "social_airline_tweets/tweets.csv"
    if tweets.exists():
        parts.append(pd.read_csv(tweets)["text"].astype(str))
        scores.append(pd.Series(np.nan, index=parts[-1].index))
    sample = ROOT / "data/sample/surveys.csv"
    if sample.exists():
        frame = pd.read_csv(sample)
        frame = frame[frame["comment"].notna()]
        parts.append(frame["comment"].astype(str))
        scores.append(frame["score"].where(frame["survey"] == "nps"))
    if not parts:
        sys.exit("no texts: needs ../shared/data/real or data/sample")
    return pd.concat(parts, ignore_index=True), pd.concat(scores, ignore_index=True)


def comments(n: int, rng: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    texts, scores = pool()
    first = rng.integers(0, len(texts), n)
    second = rng.integers(0, len(texts), n)
    tail = texts.str.split().str[:4].str.join(" ").to_numpy()[second]
    add = rng.random(n) < 0.5
    body = texts.to_numpy()[first]
    out = np.where(add, body + " " + tail, body)
    return pd.Series(out, dtype=object), scores.to_numpy()[first]


def main(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(0)
    texts, scores = comments(n, rng)
    print(f"{n:,} comments, {texts.nunique():,} distinct; 2 cores")
    t0 = time.perf_counter()
    langs = voice.detect_language(texts)
    t1 = time.perf_counter()
    labelled = ~np.isnan(scores)
    model = voice.SentimentModel().fit(
        texts[labelled][:50_000], pd.Series(scores[labelled][:50_000])
    )
    scored = voice.score_sentiment(texts, languages=langs, model=model)
    t2 = time.perf_counter()
    themes = voice.PhraseThemes(random_state=0).fit(texts, languages=langs)
    t3 = time.perf_counter()
    total = t3 - t0
    print(f"language   {t1 - t0:6.1f} s  ({langs.value_counts().head(6).to_dict()})")
    print(
        f"sentiment  {t2 - t1:6.1f} s  (model CV AUC {model.cv_auc_:.3f}; {scored['sentiment'].value_counts().to_dict()})"
    )
    print(
        f"themes     {t3 - t2:6.1f} s  ({len(themes.themes_) - 1} themes, no shared theme {themes.themes_['share'].iloc[-1]:.1f}%)"
    )
    print(
        f"total      {total:6.1f} s  for {n:,} comments: {n / total:,.0f} a second; target {TARGET_SECONDS} s: {'met' if total <= TARGET_SECONDS else 'NOT met'}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
