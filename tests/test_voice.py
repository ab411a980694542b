"""Tests of cxlib.voice: sentiment, language and phrase-named themes of texts, offline."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cxlib import voice
from cxlib.voice.lexicon import lexicon_scores

REAL_NPS = Path(__file__).resolve().parents[2] / "shared/data/real/nps_verbatims_textsummary"

DELIVERY = ["delivery was late again", "late delivery, parcel lost", "courier delivery late",
            "delivery late, no tracking", "the delivery came late"]  # fmt: skip
BILLING = ["charged twice on my bill", "wrong bill amount charged", "bill charged twice",
           "charged twice this month on my bill", "my bill was charged twice"]  # fmt: skip


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails (models and word lists must be local)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_the_network_block_works(no_network: None) -> None:
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("example.org", 80), timeout=1)
    with pytest.raises(OSError, match="blocked"):
        socket.socket().connect(("93.184.216.34", 80))


def test_sentiment_language_and_themes_with_the_network_blocked(no_network: None) -> None:
    """Every model, lexicon, stop-word list and lemma dictionary ships in a package."""
    texts = pd.Series(
        [
            "Great service, thank you!",
            "Terrible support, nobody answers",
            "Aplikace pořád padá",
            "Die Rechnung war falsch",
            "付款一直失败",
            "Plačilo se je večkrat prekinilo",
        ]
        * 5
        + DELIVERY * 4
        + BILLING * 4  # fmt: skip
    )
    langs = voice.detect_language(texts)
    assert list(langs[:6]) == ["en", "en", "cs", "de", "zh", "sl"]
    scores = pd.Series([10, 1, 2, 3, 1, 2] * 5 + [2] * 20 + [3] * 20)
    model = voice.SentimentModel(min_per_class=5).fit(texts, scores)
    out = voice.score_sentiment(texts, model=model)
    assert out.loc[0, "sentiment"] == "positive" and out.loc[1, "sentiment"] == "negative"
    themes = voice.PhraseThemes(n_themes=8, min_df=2).fit(texts)
    assert themes.themes_["label"].iloc[-1] == voice.OTHER and len(themes.themes_) > 2
    words = [f"word{i}" for i in range(voice.text.MIN_LEMMA_WORDS)]  # loads the dictionaries
    for lang in ("en", "cs", "de", "sl", "sk"):
        assert voice.lemma_map(["waiting", *words], lang) is not None
    assert voice.lemma_map(["čekal", *words], "cs")["čekal"] == "čekat"


def test_lexicon_matches_the_vader_reference_on_real_tweets() -> None:
    """The vectorised lexicon gives VADER's own compound score (within rounding) on most texts."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    tweets = REAL_NPS.parent / "social_airline_tweets" / "tweets.csv"
    if not tweets.exists():
        pytest.skip(f"real data absent: {tweets}")
    texts = pd.read_csv(tweets)["text"].sample(1000, random_state=0).reset_index(drop=True)
    ours = lexicon_scores(texts).to_numpy()
    ref = np.array([SentimentIntensityAnalyzer().polarity_scores(t)["compound"] for t in texts])
    assert np.corrcoef(ours, ref)[0, 1] > 0.9
    assert (np.sign(ours) == np.sign(ref)).mean() > 0.85


def test_sentiment_known_answers() -> None:
    texts = pd.Series(["I love it", "not good at all", "The app crashes", "", None, "very good!!!"])
    out = voice.score_sentiment(texts)
    assert list(out.columns[:3]) == ["sentiment_score", "sentiment", "language"]
    assert out["sentiment"].tolist()[:3] == ["positive", "negative", "negative"]  # cue: crashes
    plain = voice.score_sentiment(texts, cues=False)["sentiment"].tolist()[:3]
    assert plain == ["positive", "negative", "neutral"]  # VADER alone has no word for it
    assert out["sentiment_score"].iloc[3:5].isna().all() and out["sentiment"].iloc[3:5].isna().all()
    assert out["sentiment_score"].iloc[5] > lexicon_scores(pd.Series(["good"])).iloc[0]
    assert out["sentiment_score"].between(-1, 1).all() or out["sentiment_score"].isna().any()
    assert out.index.equals(texts.index)


def test_sentiment_model_learns_any_language_and_reports_cv() -> None:
    bad = ["aplikace pořád padá", "platba neprošla", "付款一直失败", "die rechnung war falsch"]
    good = ["skvělá obsluha", "rychlé doručení", "送货很快", "sehr freundliches personal"]
    texts = pd.Series((bad + good) * 20)
    scores = pd.Series(([1] * 4 + [10] * 4) * 20)
    model = voice.SentimentModel(min_per_class=10).fit(texts, scores)
    assert (
        model.fitted_ and model.cv_auc_ > 0.9 and model.n_train_ == {"negative": 80, "positive": 80}
    )
    pred = model.predict_score(pd.Series(["platba neprošla", "送货很快", "xyz qqq"]))
    assert pred.iloc[0] < 0 < pred.iloc[1] and np.isnan(pred.iloc[2])
    few = voice.SentimentModel().fit(texts[:8], scores[:8])
    assert not few.fitted_ and few.predict_score(texts).isna().all()
    assert clone(model).get_params() == model.get_params()


def test_phrase_themes_recover_two_planted_topics() -> None:
    rng = np.random.default_rng(0)
    texts = pd.Series(rng.permutation(DELIVERY * 6 + BILLING * 6 + ["ok"] * 3))
    model = voice.PhraseThemes(random_state=0).fit(texts)
    themes = model.themes_
    assert themes["n"].sum() == len(texts) and themes["share"].sum() == pytest.approx(100)
    topics = {"deliver": DELIVERY, "bill": BILLING}
    for row in themes[themes["theme"] > 0].itertuples():
        topic = "deliver" if "deliver" in row.keywords else "bill"
        members = texts[model.labels_ == row.theme]
        assert members.isin(topics[topic]).mean() > 0.9  # a theme is one planted topic
        assert " " in row.label and any(row.label in t for t in topics[topic])
    assert set(texts[model.labels_ == 0]) <= {"ok"}
    assert (
        model.transform(pd.Series(["late delivery again"]))[0]
        == model.labels_[texts == DELIVERY[0]][0]
    )


def test_themes_mask_contacts_before_learning_or_quoting() -> None:
    texts = pd.Series(
        [
            f"{t} mail jan.novak@example.com or +420 777 123 45{i % 10}"
            for i, t in enumerate(DELIVERY * 4)
        ]
    )
    model = voice.PhraseThemes(n_themes=2, min_df=2).fit(texts)
    blob = " ".join(model.themes_["label"]) + " ".join(
        e for ex in model.themes_["examples"] for e in ex
    )
    assert "@" not in blob and "777" not in blob and "example" not in blob
    assert "[e-mail]" in blob


def test_themes_by_group_shares_with_intervals() -> None:
    texts = pd.Series(DELIVERY * 4 + BILLING * 4)
    groups = pd.Series(["a"] * 20 + ["b"] * 20)
    table = voice.themes_by_group(texts, groups, n_themes=2, min_df=2)
    assert list(table.columns) == voice.GROUP_COLUMNS
    for _, part in table.groupby("group"):
        assert part["share"].sum() == pytest.approx(100) and (part["group_n"] == 20).all()
        assert (part["share_low"] <= part["share"]).all() and (
            part["share"] <= part["share_high"]
        ).all()
    top = table.groupby("group").first()
    assert top.loc["a", "label"] != top.loc["b", "label"]


def test_language_detection_and_undetermined() -> None:
    texts = pd.Series(["Aplikácia stále padá pri prihlásení", "Sehr freundliches Personal",
                       "Dostava je bila zelo hitra.", "ok", "", None, "アプリが落ちる"])  # fmt: skip
    assert voice.detect_language(texts).tolist() == ["sk", "de", "sl", "und", "und", "und", "ja"]


def _real_nps() -> pd.DataFrame:
    path = REAL_NPS / "nps_verbatims.csv"
    if not path.exists():
        pytest.skip(f"real data absent: {path}")
    return pd.read_csv(path)


@pytest.mark.slow
def test_real_nps_promoters_sound_happier_than_detractors() -> None:
    """The lexicon alone (nothing learned from these scores): AUC promoter vs detractor."""
    from sklearn.metrics import roc_auc_score

    nps = _real_nps()
    keep = (nps["NPS_SCORE"] <= 6) | (nps["NPS_SCORE"] >= 9)
    promoter = nps.loc[keep, "NPS_SCORE"] >= 9
    auc = {
        cues: roc_auc_score(
            promoter, voice.score_sentiment(nps.loc[keep, "text"], cues=cues)["sentiment_score"]
        )
        for cues in (False, True)
    }
    assert auc[False] > 0.8 and auc[True] >= auc[False]  # the service cues do not hurt here


@pytest.mark.slow
def test_real_nps_and_sample_leave_at_most_15_percent_without_a_theme(default_sample) -> None:
    import cxlib
    from cxlib.scorecard import voc

    nps = _real_nps()
    assert voice.PhraseThemes().fit(nps["text"]).themes_["share"].iloc[-1] <= 15
    surveys = nps.rename(columns={"text": "comment", "NPS_SCORE": "score"}).assign(survey="nps")
    table = voc.voice_of_customer(surveys)
    assert (table.loc[table["theme"] == 0, "share"] <= 15).all()
    cx = cxlib.load(default_sample)
    scored = voc.score_comments(cx.surveys, customers=cx.customers)
    assert (
        scored.attrs["no_theme_share"] <= 15 and len(scored) == cx.surveys["comment"].notna().sum()
    )


def test_batched_language_model_gives_py3langid_answers() -> None:
    """classify_batch walks py3langid's automaton over all texts at once: same answers."""
    from cxlib.voice.language import LANGUAGES, _identifier, classify_batch

    texts = ["Aplikácia stále padá pri prihlásení", "Sehr freundliches Personal", "ÜBER ALLES",
             "Dostava je bila zelo hitra.", "The app keeps crashing", "x", "", "1234 5678",
             "Pomalé doručení a drahé", "Muy buen servicio, gracias"] * 3  # fmt: skip
    tweets = REAL_NPS.parent / "social_airline_tweets" / "tweets.csv"
    if tweets.exists():
        texts += pd.read_csv(tweets)["text"].sample(2000, random_state=1).tolist()
    ident = _identifier(LANGUAGES)
    best, p = classify_batch(ident, texts)
    ref = [ident.classify(t) for t in texts]
    assert best.tolist() == [r[0] for r in ref]
    assert np.allclose(p, [r[1] for r in ref], atol=1e-5)


def test_service_cues_read_complaints_written_as_facts() -> None:
    texts = pd.Series(["please help, on hold forever", "still waiting for my refund",
                       "flight delayed 3 hours, nobody answers", "not delayed, on time",
                       "I can’t get through to anyone", "great crew, thank you"])  # fmt: skip
    plain, cued = lexicon_scores(texts), lexicon_scores(texts, cues=True)
    assert plain.iloc[0] > 0 > cued.iloc[0]  # "please" and "help" no longer read as praise
    assert (cued.iloc[[1, 2, 4]] < -0.05).all() and (plain.iloc[[1, 4]] == 0).all()
    assert cued.iloc[3] > 0  # a negated cue flips, as any negated word in VADER
    assert cued.iloc[5] == pytest.approx(plain.iloc[5])  # praise is read as before
    out = voice.score_sentiment(texts)
    assert out["sentiment"].iloc[0] == "negative"
    assert voice.score_sentiment(texts, cues=False)["sentiment"].iloc[0] == "positive"


def test_service_cues_beat_vader_on_held_out_hand_labels() -> None:
    """The cues were written before the held-out tweets were scored; they must help there."""
    from cxlib.social.posts import clean_posts

    tweets = REAL_NPS.parent / "social_airline_tweets" / "tweets.csv"
    labels = Path(__file__).resolve().parents[1] / "benchmarks/data"
    labels = labels / "airline_tweets_hand_labels_heldout.csv"
    if not tweets.exists():
        pytest.skip(f"real data absent: {tweets}")
    text = pd.read_csv(tweets, dtype={"tweet_id": str}).drop_duplicates("tweet_id")
    text = clean_posts(text.set_index("tweet_id")["text"])
    hand = pd.read_csv(labels, dtype={"tweet_id": str})
    hand = hand[hand["label"] != "mixed"]
    texts = text.reindex(hand["tweet_id"]).reset_index(drop=True)
    truth = hand["label"].to_numpy()
    accuracy = {
        cues: (voice.score_sentiment(texts, cues=cues)["sentiment"].to_numpy() == truth).mean()
        for cues in (False, True)
    }
    assert accuracy[True] > accuracy[False] + 0.05
