"""The social-listening report: share of voice, spikes, replies, posts, the analysis, outputs.

The spike detector is checked as a simulation study: worlds of daily negative mentions
(weekly rhythm, slow seasonality, over-dispersed day-to-day noise, one to four brands)
with and without planted spikes. Without spikes, few worlds may raise any alarm (the
false-alarm control); with a planted tripling of a brand's negative mentions on a day,
the day must be found and dated.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib.contract import TABLES
from cxlib.io.config import DatasetConfig
from cxlib.io.dataset import CXData
from cxlib.io.quality import QualityReport
from cxlib.metrics import share_of_voice
from cxlib.plots import table_html
from cxlib.report.registry import REPORTS
from cxlib.social import SocialListening, findings, negative_spikes, save_outputs, summary
from cxlib.social.posts import brand_handles, clean_posts, quote
from cxlib.social.responses import first_responses, response_summary
from cxlib.social.spikes import ALL
from cxlib.social.volume import share_of_voice_table, volume

# --- worlds for the spike detector ------------------------------------------------------


def spike_world(seed: int, spikes: int = 0, mult: float = 3.0, days: int | None = None):
    """Mentions of 1-4 brands over ``days`` days; ``spikes`` days of brand b0 multiplied.

    Returns the posting times, the negative flags, the brands (None for one brand) and the
    planted (brand, day) pairs.
    """
    rng = np.random.default_rng(seed)
    n_days = days or int(rng.choice([45, 120, 365]))
    n_brands = int(rng.integers(1, 5))
    day0 = pd.Timestamp("2024-01-01")
    dates = pd.date_range(day0, periods=n_days, freq="D")
    week = 1 + rng.uniform(0, 0.3) * np.sin(2 * np.pi * (dates.dayofweek + rng.uniform(0, 7)) / 7)
    season = 1 + rng.uniform(0, 0.3) * np.sin(2 * np.pi * np.arange(n_days) / 365)
    shape = rng.choice([np.inf, 100.0])
    planted, times, negative, brands = set(), [], [], []
    for b in range(n_brands):
        lam = rng.uniform(20, 150) * week.to_numpy() * season
        lam = lam if np.isinf(shape) else rng.gamma(shape, lam / shape)
        factor = np.ones(n_days)
        if b == 0:
            for d in rng.choice(np.arange(20, n_days - 2), spikes, replace=False):
                factor[d] = mult
                planted.add((f"b{b}", dates[d]))
        for counts, is_neg in ((rng.poisson(lam * factor), True), (rng.poisson(lam), False)):
            at = np.repeat(dates.to_numpy(), counts)
            times.append(
                at + (rng.uniform(0, 86_400, counts.sum()) * 1e9).astype("timedelta64[ns]")
            )
            negative.append(np.full(counts.sum(), is_neg))
            brands.append(np.full(counts.sum(), f"b{b}"))
    units = pd.Series(np.concatenate(brands)) if n_brands > 1 else None
    return pd.Series(np.concatenate(times)), pd.Series(np.concatenate(negative)), units, planted


def test_no_spike_worlds_rarely_raise_an_alarm() -> None:
    """False-alarm control: in worlds without spikes, few raise any alarm at all (5% target;
    the limit leaves room for the simulation's own noise)."""
    worlds = 40
    alarmed = sum(bool(negative_spikes(*spike_world(s)[:3])["spike"].any()) for s in range(worlds))
    assert alarmed <= 5, f"{alarmed} of {worlds} worlds without spikes raised an alarm"


def test_planted_spikes_are_found_and_dated() -> None:
    found = total = wrong = 0
    for seed in range(100, 125):
        times, neg, units, planted = spike_world(seed, spikes=2, mult=3.0)
        result = negative_spikes(times, neg, units)
        hits = result[result["spike"]]
        unit_of = {"b0": "b0" if units is not None else ALL}
        for brand, day in planted:
            total += 1
            found += bool(((hits["unit"] == unit_of[brand]) & (hits["day"] == day)).any())
        wrong += int((~hits["day"].isin([d for _, d in planted])).sum())
    assert found / total >= 0.9, f"found {found} of {total} planted spikes"
    assert wrong <= 3, f"{wrong} spike days that were not planted"


def test_a_run_of_high_days_is_judged_against_the_days_before() -> None:
    """A short export whose last days are all high (as the airline tweets): each is a spike
    (a baseline from both sides would count the high days as normal)."""
    rng = np.random.default_rng(7)
    counts = np.r_[rng.poisson(400, 6), rng.poisson(1000, 3)]
    dates = np.repeat(pd.date_range("2024-03-01", periods=9, freq="D"), counts + 200)
    times = pd.Series(dates + pd.to_timedelta(rng.uniform(0, 24, len(dates)), unit="h"))
    neg = pd.Series(np.concatenate([[True] * c + [False] * 200 for c in counts]))
    result = negative_spikes(times, neg)
    assert result.loc[result["spike"], "day"].dt.day.tolist() == [7, 8, 9]
    assert not result.loc[result["day"].dt.day < 5, "tested"].any()  # the baseline days


def test_a_partial_first_day_is_not_a_quiet_day() -> None:
    """An export that starts in the evening: the first day's expected count is scaled to
    the hours it covers, so the late hours are not read as a spike or a dip."""
    rng = np.random.default_rng(3)
    start = pd.Timestamp("2024-05-01")
    hours = rng.uniform(0, 24 * 40, 40 * 200)
    times = pd.Series(start + pd.to_timedelta(hours[hours >= 18], unit="h"))
    result = negative_spikes(times, pd.Series(True, index=times.index))
    first = result.iloc[0]
    assert 0.2 < first["exposure"] < 0.3
    assert not result["spike"].any()


def test_spikes_of_an_empty_table() -> None:
    assert negative_spikes(pd.Series([], dtype="datetime64[ns]"), pd.Series([], dtype=bool)).empty


# --- metrics, volume, posts, replies -----------------------------------------------------


def test_share_of_voice_known_answer() -> None:
    r = share_of_voice(pd.Series(["a", "b", "a", "c", None]), "a")
    assert (r.value, r.n) == (50.0, 4)
    assert r.ci_low < 50 < r.ci_high
    m = pd.DataFrame({"brand": ["a", "b", "a", "c"]})
    table = share_of_voice_table(m)
    assert table["share"].sum() == pytest.approx(100)
    assert table["brand"].tolist()[0] == "a"


def test_volume_fills_silent_periods() -> None:
    m = pd.DataFrame(
        {"posted_at": pd.to_datetime(["2024-01-01", "2024-01-04"]), "platform": ["x", "x"]}
    )
    v = volume(m, "D", "platform")
    assert v["mentions"].tolist() == [1, 0, 0, 1]


def test_posts_are_cleaned_and_quoted_without_private_handles() -> None:
    texts = pd.Series(["@united lost my bag &amp; #fail http://t.co/x", "@united @bob_1 ok"] * 5)
    assert clean_posts(texts).iloc[0] == "lost my bag & fail"
    keep = brand_handles(texts)
    assert keep == {"@united", "@bob_1"}  # both are in every post of this tiny set
    shown = quote("@united thanks @jane call 555-123-4567 <script>x</script>", {"@united"})
    assert "@jane" not in shown and "555-123-4567" not in shown and "@united" in shown
    assert "<script>" not in table_html(pd.DataFrame({"quote": [shown]}))


def test_first_responses_and_response_time() -> None:
    m = pd.DataFrame(
        {
            "mention_id": ["a", "b", "r1", "r2", "c"],
            "posted_at": pd.to_datetime(
                ["2024-01-01 08:00", "2024-01-01 09:00", "2024-01-01 08:30",
                 "2024-01-01 12:00", "2024-01-03 09:00"]
            ),
            "in_reply_to": [None, None, "a", "b", None],
        }
    )  # fmt: skip
    first = first_responses(m)["first_response_at"]
    assert first.iloc[0] == pd.Timestamp("2024-01-01 08:30")
    assert first.iloc[1] == pd.Timestamp("2024-01-01 12:00")
    r = response_summary(m, pd.Series([True, True, False, False, True]), hours=1)
    assert (r["posts"], r["answered"]) == (3, 2)
    # a answered in 30 min, b in 3 h; c is unanswered but younger than 1 h at the end of
    # the data, so its outcome is not known yet and it is left out
    assert r["within"].value == pytest.approx(50.0) and r["within"].n == 2
    assert r["median_hours"].value == pytest.approx(1.75)


# --- the analysis on a small data set ----------------------------------------------------


def _cx(mentions: pd.DataFrame) -> CXData:
    return CXData("test", DatasetConfig(), QualityReport("test"), {"mentions": mentions})


@pytest.fixture(scope="module")
def small() -> tuple[CXData, SocialListening]:
    """60 days of posts about two brands; brand b's complaints triple on day 45."""
    rng = np.random.default_rng(0)
    bad = [
        "terrible service and an awful delay",
        "worst airline ever, the staff were rude",
        "my flight was cancelled again, horrible",
    ]
    good = [
        "great crew, thank you",
        "lovely flight, very friendly staff",
        "quick and easy boarding",
    ]
    rows = []
    for d in range(60):
        for brand, n_bad in (("a", 8), ("b", 24 if d == 45 else 8)):
            texts = list(rng.choice(bad, n_bad)) + list(rng.choice(good, 10))
            for t in texts:
                at = pd.Timestamp("2024-01-01") + pd.Timedelta(days=d, hours=rng.uniform(0, 24))
                rows.append((at, brand, t, int(rng.integers(0, 20))))
    m = pd.DataFrame(rows, columns=["posted_at", "brand", "text", "likes"])
    m.insert(0, "mention_id", [f"M{i}" for i in range(len(m))])
    m["platform"] = np.where(rng.random(len(m)) < 0.5, "x", "facebook")
    cx = _cx(m)
    return cx, SocialListening(n_themes=3).fit(cx)


def test_every_mention_is_scored(small) -> None:
    cx, sl = small
    assert sl.mentions_["mention_id"].tolist() == cx.mentions["mention_id"].tolist()
    assert sl.mentions_["sentiment"].notna().all()
    assert set(sl.mentions_["sentiment"]) <= {"negative", "neutral", "positive"}


def test_share_of_voice_and_spike_of_the_small_world(small) -> None:
    _, sl = small
    sov = sl.share_of_voice_.set_index("brand")
    expected_b = (59 * 18 + 34) / (60 * 36 + 16)
    assert sov.loc["b", "share"] == pytest.approx(100 * expected_b)
    spikes = sl.spikes_[sl.spikes_["spike"]]
    assert pd.Timestamp("2024-02-15") in set(spikes.loc[spikes["unit"] == "b", "day"])


def test_findings_and_summary(small, tmp_path: Path) -> None:
    _, sl = small
    sentences = findings(sl)
    assert len(sentences) >= 3 and all(any(ch.isdigit() for ch in s) for s in sentences[:3])
    assert "2024-02-15" in sentences[1]
    files = save_outputs(sl, tmp_path)
    assert {f.name for f in files} >= {"social_mentions.csv", "social_listening.json"}
    out = pd.read_csv(tmp_path / "social_mentions.csv")
    assert list(out.columns) == ["mention_id", "sentiment", "sentiment_score", "theme", "language"]
    assert len(out) == len(sl.mentions_)
    data = json.loads((tmp_path / "social_listening.json").read_text())
    assert data["findings"] == summary(sl)["findings"] and len(data["findings"]) == 3
    assert {s["unit"] for s in data["spikes"]} >= {"b"}


def test_without_mentions_the_analysis_says_why_and_the_report_is_skipped() -> None:
    with pytest.raises(ValueError, match="no mentions"):
        SocialListening().fit(CXData("x", DatasetConfig(), QualityReport("x"), {}))
    social = next(r for r in REPORTS if r.name == "social")
    assert "mentions" in social.missing_tables(["surveys", "customers"])
    assert social.missing_tables(["mentions"]) is None


def test_the_contract_has_brand_and_in_reply_to() -> None:
    cols = {c.name: c for c in TABLES["mentions"].columns}
    assert not cols["brand"].required and not cols["in_reply_to"].required
    assert cols["in_reply_to"].kind == "id"


# --- the sample and the real airline tweets ------------------------------------------------


@pytest.mark.slow
def test_sample_social_listening(default_sample) -> None:
    """The sample's planted difference: negative posts draw about twice the engagement."""
    sl = SocialListening().fit(cxlib.load(default_sample))
    assert len(sl.mentions_) == 6_000 and sl.share_of_voice_.empty
    es = sl.engagement_sentiment_.set_index("sentiment")
    assert es.loc["negative", "ci_low"] > es.loc["positive", "ci_high"]


def _airline(shared_dir: Path) -> CXData:
    folder = shared_dir / "data" / "real" / "social_airline_tweets"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return cxlib.load(folder, Path(cxlib.__file__).parents[1] / "configs" / "airline_tweets.yaml")


def test_airline_tweets_config(shared_dir: Path) -> None:
    cx = _airline(shared_dir)
    m = cx.mentions
    assert len(m) == 14_485 and m["mention_id"].is_unique
    assert cx.quality.to_dict()["mentions"]["excluded"] == {"duplicate_row": 155}
    assert m["brand"].nunique() == 6 and set(m["platform"]) == {"twitter"}


@pytest.mark.slow
def test_airline_tweets_report(shared_dir: Path, tmp_path: Path) -> None:
    """Every distinct tweet scored, six brands' share of voice, dated negative spikes."""
    cx = _airline(shared_dir)
    sl = SocialListening().fit(cx)
    save_outputs(sl, tmp_path)
    out = pd.read_csv(tmp_path / "social_mentions.csv", dtype={"mention_id": str})
    assert out["mention_id"].nunique() == len(out) == 14_485
    assert set(out["mention_id"]) == set(cx.mentions["mention_id"])
    assert len(sl.share_of_voice_) == 6
    assert sl.share_of_voice_["share"].sum() == pytest.approx(100)
    days = set(sl.spikes_.loc[sl.spikes_["spike"], "day"].dt.strftime("%Y-%m-%d"))
    assert "2015-02-22" in days  # the weekend of storms and cancellations


def test_the_analysis_runs_with_the_network_blocked(small, monkeypatch) -> None:
    """Nothing is downloaded at run time: every connection attempt fails the test."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the social analysis tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    cx, fitted = small
    sl = SocialListening(n_themes=3).fit(cx)
    assert sl.mentions_["sentiment"].tolist() == fitted.mentions_["sentiment"].tolist()
