"""Compare the sentiment candidates of cxlib.voice on labelled data we can get honestly.

Candidates: VADER's reference implementation (vaderSentiment, per text), cxlib's vectorised
VADER lexicon (cxlib.voice.lexicon), the model trained on NPS-scored comments
(cxlib.voice.SentimentModel) and the two combined (cxlib.voice.score_sentiment).

Labelled data:
* the real NPS survey (../shared/data/real/nps_verbatims_textsummary): score 0-6 = detractor,
  9-10 = promoter; the model is scored out of fold (5 folds: trained on 4/5, scored on 1/5);
* 200 airline tweets labelled by hand (benchmarks/data/airline_tweets_hand_labels.csv, see
  its README); the model there is the one trained on the whole NPS survey (another domain);
* the sample's NPS comments (seven languages; planted, so an easy check of coverage).

    .venv/bin/python benchmarks/sentiment_comparison.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from cxlib import voice
from cxlib.voice.lexicon import lexicon_scores

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared/data/real"
LABELS = ROOT / "benchmarks/data/airline_tweets_hand_labels.csv"
HELD_OUT = ROOT / "benchmarks/data/airline_tweets_hand_labels_heldout.csv"


def vader_reference(texts: pd.Series) -> np.ndarray:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return np.array([analyzer.polarity_scores(str(t))["compound"] for t in texts])


def out_of_fold(
    texts: pd.Series, scores: pd.Series, folds: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Model-only and combined scores of each text from models that never saw it."""
    model_only, combined = np.full(len(texts), np.nan), np.full(len(texts), np.nan)
    y = (scores >= 9).to_numpy()
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, y):
        model = voice.SentimentModel().fit(texts.iloc[train], scores.iloc[train])
        model_only[test] = model.predict_score(texts.iloc[test]).to_numpy()
        combined[test] = voice.score_sentiment(texts.iloc[test], model=model)["sentiment_score"]
    return model_only, combined


def auc(y: np.ndarray, s: np.ndarray) -> str:
    ok = ~np.isnan(s)
    return f"{roc_auc_score(y[ok], s[ok]):.3f} (scored {ok.mean():.0%})"


def real_nps() -> voice.SentimentModel | None:
    path = REAL / "nps_verbatims_textsummary/nps_verbatims.csv"
    if not path.exists():
        print(f"real NPS survey absent ({path}): skipped")
        return None
    nps = pd.read_csv(path)
    nps = nps[(nps["NPS_SCORE"] <= 6) | (nps["NPS_SCORE"] >= 9)].reset_index(drop=True)
    texts, scores, y = nps["text"].astype(str), nps["NPS_SCORE"], (nps["NPS_SCORE"] >= 9).to_numpy()
    print(
        f"\n== Real NPS survey: {len(nps)} comments ({y.sum()} promoters, {(~y).sum()} detractors)"
    )
    lex, ref = lexicon_scores(texts).to_numpy(), vader_reference(texts)
    model_only, combined = out_of_fold(texts, scores)
    print("AUC promoter vs detractor (sentiment score):")
    print(f"  VADER reference (per text)      {auc(y, ref)}")
    print(f"  cxlib lexicon (vectorised)      {auc(y, lex)}")
    print(
        f"  lexicon + service cues          {auc(y, lexicon_scores(texts, cues=True).to_numpy())}"
    )
    print(f"  NPS-trained model, out of fold  {auc(y, model_only)}")
    print(f"  combined (score_sentiment), OOF {auc(y, combined)}")
    for name, s in [("lexicon", lex), ("combined OOF", combined)]:
        print(
            f"  mean {name}: promoters {np.nanmean(s[y]):+.3f}, detractors {np.nanmean(s[~y]):+.3f}"
        )
    print(
        f"  lexicon vs reference: r = {np.corrcoef(lex, ref)[0, 1]:.3f}, same sign {(np.sign(lex) == np.sign(ref)).mean():.1%}"
    )
    model = voice.SentimentModel().fit(texts, scores)
    print(
        f"  model on all: CV accuracy {model.cv_accuracy_:.3f}, CV AUC {model.cv_auc_:.3f}, n={model.n_train_}"
    )
    return model


def _tweets() -> pd.Series | None:
    """The distinct airline tweets, cleaned as the social report reads them, by tweet id."""
    from cxlib.social.posts import clean_posts

    path = REAL / "social_airline_tweets/tweets.csv"
    if not path.exists():
        print(f"airline tweets absent ({path}): skipped")
        return None
    text = pd.read_csv(path, dtype={"tweet_id": str}).drop_duplicates("tweet_id")
    return clean_posts(text.set_index("tweet_id")["text"])


def _candidates(texts: pd.Series, model: voice.SentimentModel | None) -> dict[str, np.ndarray]:
    """Each candidate's score of each text (0 where it cannot read one)."""
    out = {
        "VADER reference (per text)": vader_reference(texts.fillna("")),
        "cxlib lexicon (vectorised)": lexicon_scores(texts).fillna(0).to_numpy(),
        "lexicon + service cues": lexicon_scores(texts, cues=True).fillna(0).to_numpy(),
    }
    if model is not None:
        out["NPS-trained model (telecom)"] = model.predict_score(texts).fillna(0).to_numpy()
        out["cues + telecom model"] = (
            voice.score_sentiment(texts, model=model)["sentiment_score"].fillna(0).to_numpy()
        )
    return out


def tweets(model: voice.SentimentModel | None) -> None:
    """Candidates on the hand labels (development and held-out) and the negative share."""
    text = _tweets()
    if text is None:
        return
    sets = {"development (V's 196; errors read while writing the cues)": LABELS,
            "held-out (200, labelled before any scoring)": HELD_OUT}  # fmt: skip
    for name, path in sets.items():
        labels = pd.read_csv(path, dtype={"tweet_id": str})
        labels = labels[labels["label"] != "mixed"]
        texts = text.reindex(labels["tweet_id"]).reset_index(drop=True)
        truth = labels["label"].to_numpy()
        counts = pd.Series(truth).value_counts().to_dict()
        print(f"\n== Airline tweets labelled by hand, {name}: {len(labels)} {counts}")
        print(
            "  candidate                      3-class acc  macro-F1  AUC neg vs pos  negative share"
        )
        polar = truth != "neutral"
        for cand, s in _candidates(texts, model).items():
            pred = voice.label(s)
            acc = (pred == truth).mean()
            f1 = f1_score(truth, pred.astype(str), average="macro")
            auc_ = roc_auc_score(truth[polar] == "positive", s[polar])
            print(
                f"  {cand:30} {acc:10.3f} {f1:9.3f}  {auc_:13.3f}  {(pred == 'negative').mean():6.1%}"
            )
        print(f"  (hand labels: negative share {(truth == 'negative').mean():.1%})")
    every = voice.score_sentiment(text, cues=False)["sentiment"].value_counts(normalize=True)
    after = voice.score_sentiment(text)["sentiment"].value_counts(normalize=True)
    print(
        f"\n== All {len(text):,} distinct tweets, as the social report scores them: negative "
        f"{every.get('negative', 0):.1%} with VADER's lexicon alone, "
        f"{after.get('negative', 0):.1%} with the service cues "
        f"(neutral {every.get('neutral', 0):.1%} -> {after.get('neutral', 0):.1%}, "
        f"positive {every.get('positive', 0):.1%} -> {after.get('positive', 0):.1%})"
    )


def sample() -> None:
    path = ROOT / "data/sample/surveys.csv"
    if not path.exists():
        return
    s = pd.read_csv(path)
    s = s[(s["survey"] == "nps") & s["comment"].notna()]
    s = s[(s["score"] <= 6) | (s["score"] >= 9)].reset_index(drop=True)
    y = (s["score"] >= 9).to_numpy()
    out = voice.score_sentiment(s["comment"])
    model_only, combined = out_of_fold(s["comment"], s["score"])
    print(
        f"\n== Sample NPS comments: {len(s)}, languages {out['language'].value_counts().to_dict()}"
    )
    print(
        f"  lexicon alone AUC {auc(y, out['sentiment_score'].where(out['sentiment_source'] != 'none').to_numpy())}"
    )
    print(f"  combined OOF AUC  {auc(y, combined)}")


if __name__ == "__main__":
    sample()
    tweets(real_nps())
