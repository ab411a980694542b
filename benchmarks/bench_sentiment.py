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

import os
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


class Clock:
    """Wall and CPU time of each stage (the machine is shared: both are printed)."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, float, float, str]] = []
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, name: str, note: str = "") -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.stages.append((name, wall - self._wall, cpu - self._cpu, note))
        self._wall, self._cpu = wall, cpu

    def report(self, n: int) -> None:
        for name, wall, cpu, note in self.stages:
            print(f"{name:10} wall {wall:6.1f} s  cpu {cpu:6.1f} s  {note}")
        wall = sum(s[1] for s in self.stages)
        cpu = sum(s[2] for s in self.stages)
        verdict = "met" if wall <= TARGET_SECONDS else "NOT met"
        print(
            f"total      wall {wall:6.1f} s  cpu {cpu:6.1f} s  for {n:,} comments "
            f"({n / wall:,.0f} a second); target {TARGET_SECONDS} s wall: {verdict}"
        )


def main(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(0)
    texts, scores = comments(n, rng)
    print(f"{n:,} comments, {texts.nunique():,} distinct; {os.cpu_count()} cores")
    clock = Clock()
    langs = voice.detect_language(texts)
    clock.lap("language", str(langs.value_counts().head(6).to_dict()))
    labelled = ~np.isnan(scores)
    model = voice.SentimentModel().fit(
        texts[labelled][:50_000], pd.Series(scores[labelled][:50_000])
    )
    scored = voice.score_sentiment(texts, languages=langs, model=model)
    counts = scored["sentiment"].value_counts().to_dict()
    clock.lap("sentiment", f"model CV AUC {model.cv_auc_:.3f}; {counts}")
    themes = voice.PhraseThemes(random_state=0).fit(texts, languages=langs)
    other = themes.themes_["share"].iloc[-1]
    clock.lap("themes", f"{len(themes.themes_) - 1} themes, no shared theme {other:.1f}%")
    clock.report(n)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
