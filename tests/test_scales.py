"""Rating scales and survey questions across the reports (issue 14, items 9 and 10).

One definition of a satisfied and of a negative answer, :func:`cxlib.metrics.boxes`, is used
by the scorecard, the persona profiles and the journey report alike, on any configured scale;
questions a config declares beyond nps/csat/ces are kept, checked against their scale and
shown by the scorecard as "other questions".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib import journey, metrics, scorecard
from cxlib.features import customer_features
from cxlib.io.config import ConfigError, Question, load_config
from cxlib.personas.profiles import persona_profiles
from cxlib.personas.segmenter import PersonaSegmenter
from cxlib.scorecard.kpis import other_questions

N_CUSTOMERS = 40
TOUCHPOINTS = ("checkout", "support")


def _world(folder: Path, csat_scores: list[int], extra: list[tuple[str, int]] = ()) -> Path:
    """Customers, one CSAT answer each (at a touchpoint), two events each, and ``extra``
    (survey, score) answers; written as CSV files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"C{i:03d}" for i in range(N_CUSTOMERS)]
    pd.DataFrame(
        {
            "customer_id": ids,
            "signup_date": "2024-01-01",
            "age": [20 + (i * 7) % 50 for i in range(N_CUSTOMERS)],
            "monthly_revenue": [10.0 + (i % 5) * 20 for i in range(N_CUSTOMERS)],
        }
    ).to_csv(folder / "customers.csv", index=False)
    answers = [
        (c, "2025-01-05", "csat", s, TOUCHPOINTS[i % 2])
        for i, (c, s) in enumerate(zip(ids, csat_scores, strict=True))
    ]
    answers += [(ids[i % N_CUSTOMERS], "2025-01-06", q, s, "") for i, (q, s) in enumerate(extra)]
    pd.DataFrame(
        answers, columns=["customer_id", "responded_at", "survey", "score", "touchpoint"]
    ).to_csv(folder / "surveys.csv", index=False)
    events = [
        (c, f"2025-01-0{day}", stage, touchpoint)
        for i, c in enumerate(ids)
        for day, stage, touchpoint in ((1, "awareness", "ad"), (3, "purchase", TOUCHPOINTS[i % 2]))
    ]
    pd.DataFrame(events, columns=["customer_id", "timestamp", "stage", "touchpoint"]).to_csv(
        folder / "events.csv", index=False
    )
    return folder


# --- item 10: one definition of satisfied and negative --------------------------------------


def test_boxes_are_the_two_ends_of_the_scale():
    assert metrics.boxes((1, 5)) == (2, 4)  # the default scale: unchanged (4-5 satisfied)
    assert metrics.boxes((1, 10)) == (2, 9)
    assert metrics.boxes((1, 7)) == (2, 6)
    assert metrics.boxes((1, 3)) == (1, 3)  # short scale: one box each end, 2 is neutral
    assert metrics.boxes((0, 1)) == (0, 1)
    with pytest.raises(ValueError, match="low < high"):
        metrics.boxes((5, 1))


def test_csat_counts_the_top_boxes_of_its_scale():
    ten = list(range(1, 11))
    assert metrics.csat(ten, scale=(1, 10)).value == pytest.approx(20.0)  # 9 and 10
    assert metrics.csat([1, 2, 3, 3], scale=(1, 3)).value == pytest.approx(50.0)  # was a ValueError
    assert metrics.ces([7, 6, 5, 1], scale=(1, 7)).value == pytest.approx(50.0)
    assert metrics.csat([5, 4, 3, 2]).value == pytest.approx(50.0)  # 1-5 as before


def test_csat_on_a_1_to_10_scale_is_the_same_in_every_report(tmp_path):
    """Scorecard, personas and journey all count 9-10 as satisfied and 1-2 as negative."""
    scores = [1 + i % 10 for i in range(N_CUSTOMERS)]
    cx = cxlib.load(_world(tmp_path / "ten", scores), {"scales": {"csat": [1, 10]}})
    top = np.array(scores) >= 9
    assert scorecard.headline_kpis(cx)["csat"].value == pytest.approx(100 * top.mean())

    X = customer_features(cx)
    seg = PersonaSegmenter(k=2, random_state=0).fit(X[["age", "monthly_revenue"]])
    profiles = persona_profiles(cx, seg, X).set_index("persona_id")
    persona_of = seg.personas_.set_index("customer_id")["persona_id"]
    by_persona = pd.Series(top, index=[f"C{i:03d}" for i in range(N_CUSTOMERS)])
    expected = by_persona.groupby(persona_of.reindex(by_persona.index).to_numpy()).mean() * 100
    np.testing.assert_allclose(profiles.loc[expected.index, "csat"], expected)

    ja = journey.JourneyAnalysis(min_customers=1).fit(cx)
    friction = ja.friction_.set_index("touchpoint")
    for k, tp in enumerate(TOUCHPOINTS):
        mine = np.array(scores[k::2])
        assert friction.loc[tp, "csat"] == pytest.approx(100 * (mine >= 9).mean())
        assert friction.loc[tp, "negative_answer_share"] == pytest.approx((mine <= 2).mean())


def test_a_1_to_3_csat_scale_runs_in_every_report(tmp_path):
    """It raised ``ValueError: threshold 4 is outside the scale`` in personas and journey."""
    scores = [1 + i % 3 for i in range(N_CUSTOMERS)]
    cx = cxlib.load(_world(tmp_path / "three", scores), {"scales": {"csat": [1, 3]}})
    share_top = 100 * (np.array(scores) == 3).mean()
    assert scorecard.headline_kpis(cx)["csat"].value == pytest.approx(share_top)
    X = customer_features(cx)
    seg = PersonaSegmenter(k=2, random_state=0).fit(X[["age", "monthly_revenue"]])
    profiles = persona_profiles(cx, seg, X)
    assert profiles["csat_n"].sum() == N_CUSTOMERS
    friction = journey.JourneyAnalysis(min_customers=1).fit(cx).friction_
    assert friction["csat_answers"].sum() == N_CUSTOMERS


# --- item 9: questions beyond nps, csat and ces -------------------------------------------

QUESTIONS = {"goal_completed": {"scale": [0, 1]}, "eNPS": {"scale": [0, 10], "label": "eNPS"}}


def test_questions_are_declared_with_their_scale():
    cfg = load_config({"questions": QUESTIONS})
    assert cfg.questions == {
        "goal_completed": Question((0, 1), "top_box", "goal_completed"),
        "enps": Question((0, 10), "mean", "eNPS"),
    }
    assert cfg.scales["enps"] == (0, 10) and cfg.scales["csat"] == (1, 5)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"scales": {"enps": [0, 10]}},
            "scales.enps: scales are for nps, csat, ces; declare another question under "
            "questions, e.g. questions: {enps: {scale: [0, 10]}}.",
        ),
        ({"questions": {"nps": {"scale": [0, 10]}}}, "questions.nps: 'nps' is declared twice"),
        ({"questions": {"q": [0, 10]}}, "questions.q must be a mapping with scale"),
        ({"questions": {"q": {"scale": [5, 1]}}}, "questions.q.scale must be [low, high]"),
        (
            {"questions": {"q": {"scale": [1, 5], "metric": "median"}}},
            "questions.q.metric must be one of ['mean', 'top_box'], got 'median'.",
        ),
    ],
)
def test_a_bad_question_declaration_names_the_key(raw, message):
    with pytest.raises(ConfigError) as err:
        load_config(raw)
    assert message in str(err.value)


def test_declared_questions_are_kept_and_checked_against_their_scale(tmp_path):
    extra = [("goal_completed", 1), ("goal_completed", 1), ("goal_completed", 0)]
    extra += [("eNPS", 8), ("eNPS", 6), ("eNPS", 10), ("eNPS", 11)]  # 11: out of its scale
    extra += [("importance", 4)]  # not declared: excluded as today
    folder = _world(tmp_path / "q", [5] * N_CUSTOMERS, extra)
    before = cxlib.load(folder)  # without the declaration every other question is excluded
    assert before.quality.to_dict()["surveys"]["excluded"] == {"unknown_survey_type": 8}
    assert (
        "8  unknown_survey_type: survey is not nps, csat, ces or a question declared in the "
        "config (questions:)"
    ) in str(before.quality)

    cx = cxlib.load(folder, {"questions": QUESTIONS})
    assert cx.quality.to_dict()["surveys"] == {
        "rows_in": N_CUSTOMERS + 8,
        "rows_kept": N_CUSTOMERS + 6,
        "excluded": {"unknown_survey_type": 1, "score_out_of_range": 1},
    }
    others = other_questions(cx)
    goal, enps = others["question:goal_completed"], others["question:enps"]
    assert (goal.value, goal.n) == (pytest.approx(200 / 3), 3)  # the share answering 1
    assert goal.unit == "% answering 1 on 0–1" and goal.ci_low < goal.value < goal.ci_high
    assert (enps.value, enps.n, enps.unit) == (pytest.approx(8.0), 3, "mean on 0–10")
    assert enps.ci_low == pytest.approx(8 - 4.303 * 2 / np.sqrt(3), abs=1e-3)

    kpis = scorecard.headline_kpis(cx)
    assert list(kpis)[-2:] == ["question:goal_completed", "question:enps"]
    table = scorecard.kpi_table(kpis).set_index("KPI")
    assert table.loc["Other question: eNPS", "n"] == "3"
    assert table.loc["Other question: goal_completed", "unit"] == "% answering 1 on 0–1"
    stored = scorecard.kpis_to_dict(kpis)["question:enps"]
    assert (stored["name"], stored["value"], stored["n"]) == ("Other question: eNPS", 8.0, 3)


def test_no_declared_question_means_no_other_questions(tmp_path):
    cx = cxlib.load(_world(tmp_path / "none", [5] * N_CUSTOMERS))
    assert other_questions(cx) == {}
    assert set(scorecard.headline_kpis(cx)) == {"csat"}


def test_declared_questions_at_a_touchpoint_leave_the_journey_answers_alone(tmp_path):
    """Only NPS, CES and CSAT have negative answers: a yes/no question answered at a
    touchpoint is not counted among the journey's answers (it would dilute the share)."""
    scores = [1 + i % 10 for i in range(N_CUSTOMERS)]
    folder = _world(tmp_path / "tp", scores)
    surveys = pd.read_csv(folder / "surveys.csv")
    goal = surveys.assign(survey="goal_completed", score=1)  # one per customer, same touchpoint
    pd.concat([surveys, goal]).to_csv(folder / "surveys.csv", index=False)
    cx = cxlib.load(folder, {"scales": {"csat": [1, 10]}, "questions": QUESTIONS})
    assert (cx.surveys["survey"] == "goal_completed").sum() == N_CUSTOMERS
    friction = journey.JourneyAnalysis(min_customers=1).fit(cx).friction_.set_index("touchpoint")
    for k, tp in enumerate(TOUCHPOINTS):
        mine = np.array(scores[k::2])
        assert friction.loc[tp, "answers"] == len(mine)
        assert friction.loc[tp, "negative_answer_share"] == pytest.approx((mine <= 2).mean())
