"""Voice work once per distinct text, and shared by a report run's notebooks.

* :func:`cxlib.io.memo.cached`: computed once, read by the next caller, never read half
  written (a live writer is waited for, a dead one's file ignored, a broken file redone);
* the sentiment model trained once per training set in a run's memo folder;
* the distinct-text paths give what the row-by-row definitions give (hand-built frames).
"""

from __future__ import annotations

import os
import pickle
import threading
import time

import numpy as np
import pandas as pd
import pytest

from cxlib.io import memo
from cxlib.io.privacy import mask_comments
from cxlib.voice import PhraseThemes, SentimentModel, score_sentiment
from cxlib.voice import sentiment as sentiment_module
from cxlib.voice.text import blank_texts, masked_comments
from cxlib.voice.themes import _examples, _mode, clean_distinct, cut


@pytest.fixture
def run_folder(tmp_path, monkeypatch):
    """A memo folder this process 'loaded from', as a notebook of a report run."""
    monkeypatch.setattr(memo, "_active", [tmp_path])
    return tmp_path


def test_cached_computes_once_then_reads(tmp_path) -> None:
    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3)}

    first = memo.cached("t", "k1", compute, folder=tmp_path)
    second = memo.cached("t", "k1", compute, folder=tmp_path)
    assert len(calls) == 1
    assert second["x"].tolist() == first["x"].tolist() == [0, 1, 2]
    assert memo.cached("t", "k2", compute, folder=tmp_path) is not None
    assert len(calls) == 2  # another key is another result
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t-k1.pkl", "t-k2.pkl"]


def test_cached_without_a_folder_just_computes(monkeypatch) -> None:
    monkeypatch.setattr(memo, "_active", [])
    calls = []
    for _ in range(2):
        assert memo.cached("t", "k", lambda: calls.append(1) or 7) == 7
    assert len(calls) == 2


def test_cached_waits_for_a_live_writer(tmp_path) -> None:
    tmp = tmp_path / f"t-k.{os.getpid()}.tmp"  # a live process (this one) is writing
    tmp.write_bytes(b"half a pick")

    def finish():
        time.sleep(0.3)
        tmp.write_bytes(pickle.dumps("from the writer"))
        tmp.replace(tmp_path / "t-k.pkl")

    writer = threading.Thread(target=finish)
    writer.start()
    got = memo.cached("t", "k", lambda: "computed here", folder=tmp_path)
    writer.join()
    assert got == "from the writer"


def test_cached_ignores_a_dead_writer_and_redoes_a_broken_file(tmp_path) -> None:
    dead = 2**22 + 12345  # above pid_max's default: no such process
    (tmp_path / f"t-k.{dead}.tmp").write_bytes(b"left by a killed kernel")
    assert memo.cached("t", "k", lambda: "mine", folder=tmp_path) == "mine"
    (tmp_path / "t-b.pkl").write_bytes(b"not a pickle")
    assert memo.cached("t", "b", lambda: "redone", folder=tmp_path) == "redone"
    assert memo.cached("t", "b", lambda: "again", folder=tmp_path) == "redone"


def test_cached_gives_up_waiting_and_computes(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(memo, "STORE_WAIT_S", 0.2)
    (tmp_path / f"t-k.{os.getpid()}.tmp").write_bytes(b"never finished")
    assert memo.cached("t", "k", lambda: "own", folder=tmp_path) == "own"


def _nps_texts(n: int = 60) -> tuple[pd.Series, pd.Series]:
    texts = pd.Series(["slow and rude staff"] * n + ["quick and kind help"] * n)
    return texts, pd.Series([1] * n + [10] * n)


def test_sentiment_model_trained_once_per_training_set(run_folder, monkeypatch) -> None:
    trained = []
    real = SentimentModel._train

    def counting(self, train, y):
        trained.append(len(train))
        return real(self, train, y)

    monkeypatch.setattr(SentimentModel, "_train", counting)
    texts, scores = _nps_texts()
    a = SentimentModel(min_per_class=5).fit(texts, scores)
    b = SentimentModel(min_per_class=5).fit(texts.copy(), scores.tolist())  # same data
    assert trained == [120]
    probe = pd.Series(["rude", "kind", "xyz"])
    pd.testing.assert_series_equal(a.predict_score(probe), b.predict_score(probe))
    assert (a.cv_accuracy_, a.cv_auc_) == (b.cv_accuracy_, b.cv_auc_)
    SentimentModel(min_per_class=5, C=0.5).fit(texts, scores)  # other parameters
    SentimentModel(min_per_class=5).fit(texts, scores[::-1].reset_index(drop=True))  # labels
    assert trained == [120, 120, 120]
    assert len(list(run_folder.glob("voice-sentiment-model-*.pkl"))) == 3


def test_score_sentiment_shared_and_equal_to_one_text_at_a_time(run_folder, monkeypatch) -> None:
    texts, scores = _nps_texts()
    model = SentimentModel(min_per_class=5).fit(texts, scores)
    rows = pd.Series(
        ["Great service, thank you!", None, "slow and rude", "Great service, thank you!", " ",
         "still waiting, on hold"], index=[10, 11, 12, 13, 14, 15],
    )  # fmt: skip
    got = score_sentiment(rows, model=model)
    assert got.index.tolist() == rows.index.tolist()
    for i, text in rows.items():  # each row as if scored alone
        alone = sentiment_module._score_distinct(pd.Series([text], dtype=object), None, model, True)
        pd.testing.assert_series_equal(
            got.loc[i], alone.iloc[0], check_names=False, check_dtype=False
        )
    assert got.loc[11, "sentiment_source"] == "none" and np.isnan(got.loc[11, "sentiment_score"])
    calls = []
    monkeypatch.setattr(
        sentiment_module, "_score_distinct", lambda *a: calls.append(1) or pd.DataFrame()
    )
    again = score_sentiment(rows.sample(frac=1, random_state=1).sort_index(), model=model)
    assert calls == []  # the same distinct texts with the same model: read, not scored
    pd.testing.assert_frame_equal(again, got)


def test_score_sentiment_per_text_and_language_pair() -> None:
    rows = pd.Series(["good service", "good service", "good service"])
    got = score_sentiment(rows, languages=pd.Series(["en", "cs", "en"]))
    assert got["language"].tolist() == ["en", "cs", "en"]
    assert got["sentiment_source"].tolist() == ["lexicon", "none", "lexicon"]  # lexicon: en only
    assert got["sentiment_score"].iloc[0] == got["sentiment_score"].iloc[2] > 0


def test_masked_comments_equal_mask_comments() -> None:
    comments = pd.Series(
        ["mail me at anna.berg@example.com", "  ", None, "Anna here, call +49 170 1234567",
         "fine", "mail me at anna.berg@example.com"], dtype="string",
    )  # fmt: skip
    ids = pd.Series(["1", "2", "3", "1", "2", "2"])
    for names in (None, pd.Series({"1": ["Anna", "Berg", "Anna Berg"]})):
        text, filled = masked_comments(comments, ids, names)
        want = mask_comments(comments, ids, names).astype(object)
        assert [t if isinstance(t, str) else None for t in want] == text.tolist()
        assert filled.tolist() == (~blank_texts(want)).tolist() == [1, 0, 0, 1, 1, 1]
    assert masked_comments(comments, ids, names)[0][3] == "[name] here, call [phone]"


def test_examples_and_mode_as_the_row_by_row_versions() -> None:
    rng = np.random.default_rng(3)
    pool = np.array(["a b", "c d", None, "a  b", "e f", "g h"], dtype=object)
    rows = pd.Series(pool[rng.integers(0, len(pool), 400)], dtype=object)
    codes, text_u = clean_distinct(rows)
    members = np.flatnonzero(rng.random(400) < 0.5)
    want = [cut(e) for e in dict.fromkeys(rows.iloc[members].dropna().tolist())][:3]
    assert _examples(text_u, codes[members], 3) == want
    langs = np.array(["en", "cs", "de"], dtype=object)
    lang_codes = rng.integers(0, 3, 400)
    for part in (members, np.array([0, 1]), np.arange(400)):
        expected = pd.Series(langs[lang_codes[part]]).mode().iloc[0]
        assert _mode(lang_codes[part], langs) == expected


def test_phrase_themes_of_repeated_texts_label_each_copy_alike() -> None:
    base = ["slow delivery again", "delivery was slow", "very slow delivery",
            "rude staff at the desk", "the staff were rude", "rude staff"]  # fmt: skip
    texts = pd.Series(base * 50 + [None, " "], dtype="string")
    model = PhraseThemes(n_themes=2, min_df=1, random_state=0).fit(texts)
    labels = model.labels_[:-2].reshape(50, 6)
    assert (labels == labels[0]).all() and model.labels_[-2:].tolist() == [0, 0]
    assert sorted(set(labels[0])) == [1, 2] and model.n_texts_ == 300
    assert model.themes_["n"].tolist()[:2] == [150, 150]
    assert model.languages_.tolist()[-2:] == ["und", "und"]
