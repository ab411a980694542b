"""What customers say along the journey: themes and sentiment per touchpoint, emotions per
persona x stage (cxlib.journey.voices), and the themes on the persona cards
(cxlib.personas.voices), on hand-built comments with known answers."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlib
from cxlib import journey, personas
from cxlib.journey import voices
from cxlib.journey.voice_tables import table_voices, voice_method, voice_sentence
from cxlib.journey.voices import (
    add_emotions,
    score_comments,
    sentiment_means,
    stage_emotions,
    touchpoint_voices,
)
from cxlib.metrics.intervals import t_mean_ci, wilson
from cxlib.personas.voices import _pick, card_lines, persona_themes

STAGES = pd.DataFrame(
    {
        "touchpoint": ["product_page", "payment", "app_login"],
        "stage": ["consideration", "purchase", "usage"],
        "stage_rank": [2, 3, 4],
    }
)


# --- pure functions on hand-built frames ------------------------------------------------------


def test_sentiment_means_leave_out_unread_comments_and_suppress_small_groups():
    frame = pd.DataFrame(
        {
            "touchpoint": ["a"] * 4 + ["b"] * 2,
            "sentiment_score": [-0.5, 0.1, np.nan, 0.4, 0.9, 0.9],
        }
    )
    out = sentiment_means(frame, ["touchpoint"], min_comments=3).set_index("touchpoint")
    assert out.loc["a", "sentiment_comments"] == 3  # the unread comment is not a neutral one
    assert out.loc["a", "sentiment"] == pytest.approx(0.0)
    assert out.loc["b", "sentiment_comments"] == 2 and out.loc["b", "sentiment_suppressed"]
    assert np.isnan(out.loc["b", "sentiment"])


def _touchpoint_comments() -> pd.DataFrame:
    """36 payment comments (24 about failing payments, 12 about declined cards), 30 about the
    app, 10 at the product page (too few), 5 without a touchpoint."""
    rows = (
        [("payment", f"payment failed at checkout {w}", -0.6) for w in ("again", "today", "twice")] * 8
        + [("payment", "my card declined by the bank", 0.0)] * 12
        + [("app_login", f"login screen freezes {w}", -0.2) for w in ("often", "daily")] * 15
        + [("product_page", "prices unclear", -0.1)] * 10
        + [(None, "nice shop overall", 0.5)] * 5
    )  # fmt: skip
    frame = pd.DataFrame(rows, columns=["touchpoint", "text", "sentiment_score"])
    return frame.assign(language="en", customer_id=[f"c{i}" for i in range(len(frame))])


def test_touchpoint_voices_known_shares_means_and_suppression():
    tv = touchpoint_voices(_touchpoint_comments(), STAGES, min_comments=20)
    assert list(pd.unique(tv["touchpoint"])) == ["product_page", "payment", "app_login"]  # stages
    small = tv[tv["touchpoint"] == "product_page"]
    assert len(small) == 1 and bool(small["suppressed"].iloc[0])
    assert small["comments"].iloc[0] == 10 and np.isnan(small["sentiment"].iloc[0])
    assert pd.isna(small["theme"].iloc[0])
    pay = tv[tv["touchpoint"] == "payment"].set_index("theme_rank")
    assert pay.loc[1, "comments"] == 36
    assert "payment" in pay.loc[1, "theme"] or "fail" in pay.loc[1, "theme"]
    assert pay.loc[1, "share"] == pytest.approx(24 / 36)
    assert (pay.loc[1, "share_low"], pay.loc[1, "share_high"]) == pytest.approx(wilson(24, 36))
    assert "card" in pay.loc[2, "theme"] or "decline" in pay.loc[2, "theme"]
    assert pay.loc[2, "share"] == pytest.approx(12 / 36)
    mean, low, high, _ = t_mean_ci(np.array([-0.6] * 24 + [0.0] * 12))
    assert pay.loc[1, ["sentiment", "sentiment_low", "sentiment_high"]].tolist() == pytest.approx(
        [mean, low, high]
    )
    assert pay["quote"].str.len().max() <= voices.QUOTE_CHARS
    assert (
        tv["stage"].dropna() == tv["touchpoint"].map(STAGES.set_index("touchpoint")["stage"])
    ).all()


def test_touchpoint_voices_without_touchpoints_is_empty():
    comments = _touchpoint_comments().assign(touchpoint=None)
    assert touchpoint_voices(comments, STAGES).empty


def _persona_comments() -> tuple[pd.DataFrame, pd.DataFrame]:
    """P1 (c1, c2) and P2 (c3): known sentiments at payment and app_login; an anonymous
    comment, a comment at a touchpoint outside the log and a customer without a persona."""
    rows = [
        ("c1", "payment", -0.8), ("c1", "payment", -0.4), ("c2", "payment", -0.6),
        ("c3", "payment", 0.5), ("c3", "payment", 0.7), ("c3", "payment", 0.6),
        ("c1", "app_login", 0.2),
        (None, "payment", 0.9), ("c1", "store", 0.9), ("c9", "payment", 0.9),
    ]  # fmt: skip
    comments = pd.DataFrame(rows, columns=["customer_id", "touchpoint", "sentiment_score"])
    personas = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "persona": ["P1", "P1", "P2"]})
    return comments.astype({"customer_id": "string", "touchpoint": "string"}), personas


def test_stage_emotions_persona_by_stage_means():
    comments, personas = _persona_comments()
    em = stage_emotions(comments, STAGES, personas, min_comments=2).set_index(
        ["persona", "stage_rank"]
    )
    assert set(em.index) == {("P1", 3), ("P2", 3), ("P1", 4)}  # no anonymous, store or c9
    assert em.loc[("P1", 3), "sentiment"] == pytest.approx(-0.6)
    assert em.loc[("P1", 3), "sentiment_comments"] == 3
    assert em.loc[("P2", 3), "sentiment"] == pytest.approx(0.6)
    assert (
        em.loc[("P1", 4), "sentiment_comments"] == 1 and em.loc[("P1", 4), "sentiment_suppressed"]
    )
    assert np.isnan(em.loc[("P1", 4), "sentiment"])
    assert stage_emotions(comments, STAGES, None).empty


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["c1", "c2", "c3", "c4"]),
                  st.sampled_from(["product_page", "payment", "app_login", "store"]),
                  st.floats(-1, 1)),
        min_size=1, max_size=60,
    ),
    st.integers(1, 5),
)  # fmt: skip
def test_stage_emotions_equal_a_plain_groupby(rows, min_comments):
    """Every persona x stage mean is the plain mean of its customers' comments at its stage."""
    comments = pd.DataFrame(rows, columns=["customer_id", "touchpoint", "sentiment_score"])
    personas = pd.DataFrame({"customer_id": ["c1", "c2", "c3"], "persona": ["A", "B", "A"]})
    em = stage_emotions(comments, STAGES, personas, min_comments=min_comments)
    plain = comments.merge(personas).merge(STAGES)
    want = plain.groupby(["persona", "stage_rank"])["sentiment_score"].agg(["size", "mean"])
    got = em.set_index(["persona", "stage_rank"])
    assert sorted(got.index) == sorted(want.index)
    for key, row in want.iterrows():
        assert got.loc[key, "sentiment_comments"] == row["size"]
        if row["size"] >= min_comments:
            assert got.loc[key, "sentiment"] == pytest.approx(round(row["mean"], 3), abs=1e-9)
        else:
            assert np.isnan(got.loc[key, "sentiment"])


def test_add_emotions_hides_cells_of_few_customers_and_counts_missing_as_zero():
    jm = pd.DataFrame(
        {"persona": ["P1", "P1", "P2"], "stage_rank": [3, 4, 3], "suppressed": [False, True, False]}
    )
    em = pd.DataFrame({"persona": ["P1", "P1"], "stage_rank": [3, 4], "sentiment": [-0.6, 0.2],
                       "sentiment_comments": [30, 40], "sentiment_suppressed": [False, False]})  # fmt: skip
    out = add_emotions(jm, em).set_index(["persona", "stage_rank"])
    assert out.loc[("P1", 3), "sentiment"] == pytest.approx(-0.6)
    assert np.isnan(out.loc[("P1", 4), "sentiment"])  # the cell is hidden for few customers
    assert out.loc[("P2", 3), "sentiment_comments"] == 0 and np.isnan(
        out.loc[("P2", 3), "sentiment"]
    )


def test_score_comments_scores_each_distinct_text_once(monkeypatch):
    """40 negative and 40 positive NPS comments train the model; a CSAT comment of unknown
    words gets no sentiment (NaN, not 0); duplicates are scored once."""
    texts = ["slow and rude service"] * 40 + ["quick and kind service"] * 40 + ["xqzv plorb"] * 3
    comments = pd.DataFrame(
        {
            "customer_id": pd.array([None] * len(texts), dtype="string"),
            "touchpoint": pd.array([None] * 80 + ["payment"] * 3, dtype="string"),
            "survey": pd.array(["nps"] * 80 + ["csat"] * 3, dtype="string"),
            "score": [2] * 40 + [10] * 40 + [1] * 3,
            "text": texts,
        }
    )
    seen: list[int] = []
    real = voices.score_sentiment
    monkeypatch.setattr(
        voices, "score_sentiment", lambda t, **k: seen.append(len(t)) or real(t, **k)
    )
    scored, info = score_comments(comments)
    assert seen == [3]
    assert info["trained"] and info["n_negative"] == 40 and info["n_positive"] == 40
    assert (scored["sentiment_score"][:40] < 0).all() and (
        scored["sentiment_score"][40:80] > 0
    ).all()
    assert scored["sentiment_score"][80:].isna().all()


# --- the analysis on a small world -------------------------------------------------------------

N_PER_PERSONA = 30
FEW = 5


def _world(folder: Path) -> Path:
    """Two personas of 30 customers each, all through product_page -> payment -> app_login.
    P1 complain at payment, P2 praise it; 5 comments at app_login (too few); one comment
    carries an e-mail address."""
    events, surveys, customers = [], [], []
    for i in range(2 * N_PER_PERSONA):
        cid = f"{i:03d}"
        customers.append((cid, "2024-12-01", "false", 10.0))
        day = 1 + i % 20
        for h, (tp, stage) in enumerate(
            [("product_page", "consideration"), ("payment", "purchase"), ("app_login", "usage")]
        ):
            events.append((cid, f"2025-01-{day:02d} {10 + h}:00:00", stage, tp, "web"))
        bad = i < N_PER_PERSONA
        text = (
            "payment failed again, terrible and frustrating"
            if bad
            else "smooth payment, great, thanks"
        )
        if i == 0:
            text += " write to anna.berg@example.com"
        surveys.append(
            (cid, f"2025-01-{day:02d} 12:30:00", "ces", 1 if bad else 5, "payment", text)
        )
        if i % 12 == 0:
            surveys.append(
                (cid, f"2025-01-{day:02d} 13:30:00", "ces", 4, "app_login", "login is easy")
            )
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        events, columns=["customer_id", "timestamp", "stage", "touchpoint", "channel"]
    ).to_csv(folder / "events.csv", index=False)
    pd.DataFrame(
        customers, columns=["customer_id", "signup_date", "churned", "monthly_revenue"]
    ).to_csv(folder / "customers.csv", index=False)
    pd.DataFrame(
        surveys, columns=["customer_id", "responded_at", "survey", "score", "touchpoint", "comment"]
    ).to_csv(folder / "surveys.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    cx = cxlib.load(_world(tmp_path_factory.mktemp("voices")))
    ids = [f"{i:03d}" for i in range(2 * N_PER_PERSONA)]
    personas = pd.DataFrame(
        {"customer_id": ids, "persona": ["P1"] * N_PER_PERSONA + ["P2"] * N_PER_PERSONA},
        dtype="string",
    )
    return journey.JourneyAnalysis(min_customers=10).fit(cx, personas)


def test_journey_map_carries_the_emotion_of_each_persona_and_stage(world):
    jm = world.journey_map_.set_index(["persona", "stage"])
    assert (
        jm.loc[("P1", "purchase"), "sentiment"]
        < -0.3
        < 0.3
        < jm.loc[("P2", "purchase"), "sentiment"]
    )
    assert jm.loc[("P1", "purchase"), "sentiment_comments"] == N_PER_PERSONA
    usage = jm.xs("usage", level="stage")
    assert usage["sentiment"].isna().all()  # 3 and 2 comments: too few
    assert usage["sentiment_comments"].sum() == FEW
    assert (jm.xs("consideration", level="stage")["sentiment_comments"] == 0).all()


def test_touchpoint_table_and_findings_quote_the_top_friction_point(world):
    tv = world.voices_.touchpoints
    pay = tv[tv["touchpoint"] == "payment"]
    assert pay["comments"].iloc[0] == 2 * N_PER_PERSONA
    assert pay["share"].sum() == pytest.approx(1.0)  # two themes, every comment in one
    assert not pay["quote"].str.contains("@").any()
    table = table_voices(world)
    assert table["touchpoint"].iloc[0] in set(world.friction_["touchpoint"])
    assert (table["what customers say"] == "too few comments (under 20)").sum() == 1
    said = voice_sentence(world, "payment")[0]
    assert said.startswith("The 60 comments left at payment") and "@" not in said
    assert voice_sentence(world, "app_login")[0].startswith("Only 5 comments")
    assert voice_sentence(world, "product_page") == []
    assert "VADER" in voice_method(world)[0]


def test_outputs_hold_the_voices_masked(world, tmp_path):
    journey.save_outputs(world, tmp_path)
    saved = pd.read_csv(tmp_path / "journey_voices.csv")
    assert set(saved["touchpoint"]) == {"payment", "app_login"}
    assert not saved["quote"].fillna("").str.contains("anna").any()
    assert {"sentiment", "sentiment_comments"} <= set(pd.read_csv(tmp_path / "journey_map.csv"))
    summary = journey.summary(world)
    assert summary["voices"] and "trained" in summary["sentiment_model"]


def test_comments_off_leaves_the_map_as_it_was(world):
    from sklearn.base import clone

    quiet = clone(world).set_params(comments=False).fit(world.log_.cx, None)
    assert quiet.voices_.touchpoints.empty and "sentiment" not in quiet.journey_map_
    assert table_voices(quiet).columns.tolist() == ["note"]


def test_emotion_panel_labels_too_few_cells(world):
    import matplotlib.pyplot as plt

    from cxlib.journey import figures

    fig = figures.plot_journey_map(world)
    text = " ".join(t.get_text() for ax in fig.axes for t in ax.texts) + " ".join(
        ax.get_title(loc="left") for ax in fig.axes
    )
    assert len(fig.axes) >= 2 and "too few" in text and "no comments" in text
    assert "P1 feel most negative at purchase" in text
    plt.close(fig)


# --- persona cards: the themes that set a persona apart -------------------------------------


def _persona_world() -> tuple[SimpleNamespace, SimpleNamespace]:
    """P1 (40 customers): 50 app complaints + 30 generic comments; P2 (40): 20 delivery
    complaints + 30 generic; P3 (5 customers): 10 comments (too few). One e-mail address."""
    rows = []
    for i in range(40):
        rows.append((f"a{i}", "app crashes on login" if i < 30 else "does the job fine"))
        rows.append(
            (f"a{i}", "does the job fine" if i < 20 else "app crashes on login write me a@b.de")
        )
    for i in range(40):
        rows.append((f"b{i}", "delivery was late again" if i < 20 else "does the job fine"))
        if i < 10:
            rows.append((f"b{i}", "does the job fine"))
    rows += [(f"c{i % 5}", "delivery was late again") for i in range(10)]
    surveys = pd.DataFrame(rows, columns=["customer_id", "comment"]).astype("string")
    ids = [f"a{i}" for i in range(40)] + [f"b{i}" for i in range(40)] + [f"c{i}" for i in range(5)]
    seg = SimpleNamespace(
        personas_=pd.DataFrame({"customer_id": ids, "persona_id": [1] * 40 + [2] * 40 + [3] * 5})
    )
    return SimpleNamespace(surveys=surveys, customers=None), seg


def test_persona_themes_are_the_ones_said_more_often_than_by_others():
    cx, seg = _persona_world()
    themes = persona_themes(cx, seg, min_comments=20)
    assert set(themes["persona_id"]) == {1, 2}  # P3: 10 comments, too few
    p1 = themes[themes["persona_id"] == 1].set_index("rank")
    assert "app" in p1.loc[1, "theme"] or "crash" in p1.loc[1, "theme"]
    assert p1.loc[1, "share"] == pytest.approx(50 / 80) and p1.loc[1, "distinct"]
    assert p1.loc[1, "others_share"] == pytest.approx(0 / 60)
    assert len(p1) == 1  # "does the job": 30 of 80 for P1, 30 of 60 for the others
    p2 = themes[themes["persona_id"] == 2].set_index("rank")
    assert "deliver" in p2.loc[1, "theme"] or "late" in p2.loc[1, "theme"]
    assert p2.loc[1, "share"] == pytest.approx(20 / 50)
    assert p2.loc[1, "others_share"] == pytest.approx(10 / 90)  # P1 never, P3 ten times
    assert p2.loc[1, "lift"] == pytest.approx((20 / 50) / (10 / 90))
    assert not themes["quote"].str.contains("@").any()


def test_persona_without_a_distinct_theme_shows_its_most_common_ones():
    themes = pd.DataFrame({"persona_id": [1, 1, 1], "theme": ["x", "y", "z"], "n": [5, 9, 7],
                           "comments": 30, "share": [5 / 30, 9 / 30, 7 / 30], "share_low": 0.1,
                           "share_high": 0.4, "others_share": 0.5, "lift": 0.5, "distinct": False,
                           "quote": "q"})  # fmt: skip
    picked = _pick(themes, 2)
    assert picked["theme"].tolist() == ["y", "z"] and picked["rank"].tolist() == [1, 2]
    assert card_lines(picked) == {1: ["“y” 30%", "“z” 23%"]}


def test_persona_cards_show_what_they_say_escaped():
    profiles = pd.DataFrame({"persona_id": [1, 2], "persona_name": ["A", "B"],
                             "persona_alias": ["Al", "Bo"], "description": ["d", "d"],
                             "n": [10, 10], "share": [0.5, 0.5], "revenue_share": [0.5, 0.5],
                             "nps": [1.0, 2.0], "csat": [np.nan, np.nan], "churn_rate": [1.0, 1.0]})  # fmt: skip
    themes = pd.DataFrame({"persona_id": [1], "theme": ["<b>slow</b>"], "share": [0.25],
                           "lift": [3.0], "distinct": [True]})  # fmt: skip
    html = personas.cards_html(profiles, themes)
    assert "“&lt;b&gt;slow&lt;/b&gt;” 25% (3.0× others)" in html and html.count("They say") == 1
    assert "They say" not in personas.cards_html(profiles)


# --- planted truths: the sample's worlds --------------------------------------------------------


def _planted_world(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Scored comments' emotions by the *planted* persona, the touchpoint voices, the truth."""
    cx = cxlib.load(folder)
    truth = json.loads((folder / "TRUTH.json").read_text())
    planted = pd.read_csv(folder / "truth_personas.csv", dtype=str)
    planted = planted.rename(columns={"persona_id": "persona"})
    rank = {s: i for i, s in enumerate(cx.config.stage_order, start=1)}
    stages = cx.events.groupby("touchpoint", observed=True)["stage"].first().reset_index()
    stages = stages.assign(
        stage=stages["stage"].astype(str), stage_rank=stages["stage"].astype(str).map(rank)
    )
    comments, _ = score_comments(voices.survey_comments(cx))
    return stage_emotions(comments, stages, planted), touchpoint_voices(comments, stages), truth


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_strugglers_feel_worst_and_payment_reads_negative(seed, small_sample, tmp_path):
    """In every world, the planted support-heavy persona (low CSAT, NPS and CES) has the lowest
    mean sentiment at every stage it is shown, below the premium loyalists; the planted
    friction point payment has the most negative comments of all touchpoints."""
    from cxlib.sample import generate

    folder = small_sample
    if seed:
        folder = tmp_path / f"world{seed}"
        generate(folder, customers=2_000, seed=seed)
    em, tv, truth = _planted_world(folder)
    ids = {p["name"].split()[0]: str(p["id"]) for p in truth["personas"]}
    grid = em.pivot(index="persona", columns="stage_rank", values="sentiment")
    shown = grid.loc[ids["Support-heavy"]].dropna()
    assert len(shown) >= 2
    for stage, value in shown.items():
        assert value == grid[stage].min() and value < 0
        if not np.isnan(grid.loc[ids["Premium"], stage]):
            assert grid.loc[ids["Premium"], stage] > 0.3
    means = tv.drop_duplicates("touchpoint").set_index("touchpoint")["sentiment"]
    assert "payment" in {f["touchpoint"] for f in truth["friction_touchpoints"]}
    assert means.idxmin() == "payment" and means["payment"] < -0.3


def test_method_says_when_themes_were_learned_on_a_sample():
    from types import SimpleNamespace

    from cxlib.voice import PhraseThemes

    most = PhraseThemes().max_docs

    def method(counts):
        tv = pd.DataFrame({"touchpoint": ["a", "a", "b"], "comments": counts})
        voices = SimpleNamespace(touchpoints=tv, model={"trained": False})
        return voice_method(SimpleNamespace(voices_=voices, min_comments=20))[0]

    assert "sample" not in method([most - 5, most - 5, 5])  # a's rows count once: 20,000
    said = method([most, most, 7])
    assert f"random sample of {most:,} of the {most + 7:,} touchpoint comments" in said
