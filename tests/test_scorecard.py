"""Tests of the CX scorecard (cxlib.scorecard) and the voice of the customer (cxlib.scorecard.voc).

Known answers on tiny hand-built data sets; the real NPS survey in ../shared counted by
hand with the csv module; the comment themes on a tiny two-topic corpus.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib import scorecard
from cxlib.metrics.intervals import MetricResult
from cxlib.paths import PROJECT_ROOT
from cxlib.scorecard import voc

NPS_CONFIG = PROJECT_ROOT / "configs" / "nps_verbatims.yaml"


def _load(folder: Path, **tables: pd.DataFrame) -> cxlib.CXData:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return cxlib.load(folder)


def _surveys(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["responded_at", "survey", "score", "touchpoint"])


# --- the real survey ------------------------------------------------------------------------


def _hand_count(path: Path) -> tuple[float, int]:
    promoters = detractors = n = 0
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["NPS_SCORE"].strip() == "":
                continue
            score = int(row["NPS_SCORE"])
            n += 1
            promoters += score >= 9
            detractors += score <= 6
    return 100.0 * (promoters - detractors) / n, n


def test_real_survey_nps_equals_the_hand_count(shared_dir: Path) -> None:
    folder = shared_dir / "data" / "real" / "nps_verbatims_textsummary"
    expected, n = _hand_count(folder / "nps_verbatims.csv")
    cx = cxlib.load(folder, NPS_CONFIG)
    assert cx.quality.to_dict()["surveys"] == {
        "rows_in": 2385,
        "rows_kept": 2353,
        "excluded": {"missing_value": 32},
    }
    kpis = scorecard.headline_kpis(cx)
    assert set(kpis) == {"nps"}  # surveys alone, NPS only
    assert kpis["nps"].n == n == 2353
    assert kpis["nps"].value == pytest.approx(expected, abs=1e-9)
    assert -26 < expected < -24  # SOURCE.md: "NPS on this sample is about -25"
    assert set(cx.surveys["touchpoint"].cat.categories) == {
        "Order",
        "First Payment",
        "Equipment Received",
        "Service in Use",
    }


@pytest.mark.slow
def test_scorecard_report_on_the_real_survey(shared_dir: Path, tmp_path: Path) -> None:
    from cxlib.report import run_reports

    folder = shared_dir / "data" / "real" / "nps_verbatims_textsummary"
    expected, _ = _hand_count(folder / "nps_verbatims.csv")
    result = run_reports(folder, NPS_CONFIG, tmp_path, only=["scorecard"], echo=lambda s: None)
    status = {r.report.name: r.status for r in result.reports}
    assert status["scorecard"] == "succeeded" and result.exit_code == 0
    assert set(status.values()) <= {"succeeded", "skipped"}  # personas: no customers table
    summary = json.loads((result.path / "outputs" / "cx_scorecard.json").read_text())
    assert summary["kpis"]["nps"]["value"] == pytest.approx(expected, abs=1e-9)
    assert summary["findings"][0].startswith(f"NPS is {expected:.1f}")
    page = (result.path / "cx_scorecard.html").read_text(encoding="utf-8")
    assert "not measured: the data has no support tickets" in page
    assert "Detractors" in page and "Voice of the customer" in page


# --- KPIs, trends, breakdowns on known answers ------------------------------------------------


@pytest.fixture()
def two_months(tmp_path: Path) -> cxlib.CXData:
    """January: 40 detractors; February: 40 promoters; touchpoint a = Jan, b = Feb."""
    rows = [("2025-01-10 10:00", "nps", 0, "a")] * 40 + [("2025-02-10 10:00", "nps", 10, "b")] * 40
    rows += [("2025-01-11 10:00", "csat", 5, "a")] * 35 + [
        ("2025-02-11 10:00", "csat", 5, "b")
    ] * 35
    tickets = pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(10)],
            "customer_id": "c1",
            "opened_at": "2025-02-01 00:00",
            "first_response_at": ["2025-02-01 10:00"] * 7 + ["2025-02-03 00:00"] * 2 + [None],
            "resolved_at": "2025-02-05 00:00",
            "channel": ["email"] * 5 + ["chat"] * 5,
            "contacts": [1] * 6 + [2] * 4,
        }
    )
    customers = pd.DataFrame({"customer_id": ["c1"], "signup_date": ["2024-01-01"], "plan": "x"})
    return _load(tmp_path / "d", surveys=_surveys(rows), tickets=tickets, customers=customers)


def test_headline_kpis_known_answers(two_months: cxlib.CXData) -> None:
    kpis = scorecard.headline_kpis(two_months)
    assert kpis["nps"].value == 0.0 and kpis["nps"].n == 80
    assert kpis["csat"].value == 100.0 and "ces" not in kpis  # no CES answers: not shown
    assert kpis["fcr"].value == 60.0  # 6 of 10 resolved tickets in one contact
    # 7 answered within 24 h, 2 later, 1 never answered (older than 24 h at the end): 7/10
    assert kpis["response_24h"].value == pytest.approx(70.0) and kpis["response_24h"].n == 10
    assert "churn_rate" not in kpis  # customers has no churned / churn_date column
    table = scorecard.kpi_table(kpis)
    assert list(table["KPI"]) == [
        "NPS", "CSAT", "FCR", "Response within 24h", "Avg first response time", "Avg resolution time",
    ]  # fmt: skip


def test_monthly_trends_flag_the_planted_change(two_months: cxlib.CXData) -> None:
    trends = scorecard.monthly_trends(two_months)
    nps = trends[trends["kpi"] == "nps"].reset_index(drop=True)
    assert list(nps["period"]) == ["2025-01", "2025-02"]
    assert list(nps["value"]) == [-100.0, 100.0]
    assert nps.loc[1, "change"] == 200.0 and bool(nps.loc[1, "significant"])
    csat = trends[trends["kpi"] == "csat"].reset_index(drop=True)
    assert csat.loc[1, "change"] == 0.0 and not bool(csat.loc[1, "significant"])
    assert scorecard.change_sentences(trends) == [
        "NPS rose 200.0 points from 2025-01 to 2025-02 (to 100.0; adjusted p < 0.001)."
    ]
    few = scorecard.monthly_trends(two_months, min_n=50)  # below min_n: shown, not tested
    assert few["low_n"].all() and not few["significant"].any() and few["p_value"].isna().all()


def test_breakdown_tests_each_group_against_the_rest(two_months: cxlib.CXData) -> None:
    table = scorecard.breakdown(two_months)
    nps = table[(table["kpi"] == "nps") & (table["dimension"] == "touchpoint")].set_index("group")
    assert nps.loc["a", "value"] == -100 and nps.loc["a", "rest"] == 100
    assert nps.loc["a", "diff"] == -200 and bool(nps.loc["a", "significant"])
    gaps = scorecard.gap_sentences(table)
    assert gaps[0] == (
        "NPS at touchpoint 'a' is 200.0 points below the other touchpoints (-100.0 vs 100.0, n=40)."
    )
    fcr = table[(table["kpi"] == "fcr") & (table["dimension"] == "channel")]
    assert set(fcr["group"]) == {"email", "chat"} and fcr["low_n"].all()
    assert fcr["p_value"].isna().all()  # 5 tickets per channel: not tested


def test_breakdown_by_persona_from_the_personas_file(
    two_months: cxlib.CXData, tmp_path: Path
) -> None:
    path = tmp_path / "personas.csv"
    pd.DataFrame({"customer_id": ["c1"], "persona_id": [1], "persona_name": ["Busy Bees"]}).to_csv(
        path, index=False
    )
    personas = scorecard.read_personas(path)
    assert personas.to_dict("records") == [{"customer_id": "c1", "persona": "Busy Bees"}]
    assert scorecard.read_personas(None, tmp_path).equals(personas)  # <output_dir>/personas.csv
    assert scorecard.read_personas(tmp_path / "missing.csv") is None
    segments = scorecard.segment_columns(two_months, personas)
    assert set(segments.columns) == {"customer_id", "plan", "persona"}


def test_surveys_only_findings(tmp_path: Path) -> None:
    rows = [("2025-01-10 10:00", "nps", 10, "a")] * 30 + [("2025-01-12 10:00", "nps", 3, "b")] * 10
    cx = _load(tmp_path / "s", surveys=_surveys(rows))
    kpis = scorecard.headline_kpis(cx)
    trends, table = scorecard.monthly_trends(cx), scorecard.breakdown(cx)
    found = scorecard.findings(kpis, trends, table)
    # p_P = .75, p_D = .25: SE = 100 * sqrt((.75 + .25 - .5**2) / 40) = 13.69; ±1.96 SE
    assert found[0] == "NPS is 50.0 (95% CI 23.2 to 76.8, n=40 answers)."
    assert "response_24h" not in kpis
    assert scorecard.promise_sentence(kpis).startswith(
        "The 24-hour response promise is not measured"
    )
    summary = scorecard.summary(kpis, trends, table, None, cx.period())
    assert summary["findings"] == found[:3] and summary["kpis"]["nps"]["value"] == 50.0


def test_kpis_round_trip_through_json() -> None:
    kpis = {"nps": MetricResult("NPS", 12.5, 8, math.nan, math.nan, "points", "normal")}
    back = scorecard.kpis_from_dict(
        json.loads(json.dumps(scorecard.kpis_to_dict(kpis)).replace("NaN", "null"))
    )
    assert back["nps"].value == 12.5 and back["nps"].n == 8 and math.isnan(back["nps"].ci_low)


def test_save_outputs_writes_the_summary_and_the_tables(
    two_months: cxlib.CXData, tmp_path: Path
) -> None:
    kpis = scorecard.headline_kpis(two_months)
    trends = scorecard.monthly_trends(two_months)
    table = scorecard.breakdown(two_months)
    themes = scorecard.voice_of_customer(two_months.surveys)  # no comments: an empty table
    out = tmp_path / "out"
    paths = scorecard.save_outputs(out, kpis, trends, table, themes, two_months.period())
    assert [p.name for p in paths] == list(scorecard.OUTPUT_FILES)
    saved = json.loads((out / "cx_scorecard.json").read_text(encoding="utf-8"))
    expected = scorecard.summary(kpis, trends, table, themes, two_months.period())
    assert saved["findings"] == expected["findings"] and saved["period"] == expected["period"]
    assert saved["kpis"]["nps"]["n"] == 80
    back = pd.read_csv(out / "cx_scorecard_trends.csv")
    assert len(back) == len(trends) and list(back.columns) == list(trends.columns)
    assert len(pd.read_csv(out / "cx_scorecard_breakdown.csv")) == len(table)
    assert (out / "cx_scorecard_themes.csv").is_file()


def test_package_shape_and_lazy_imports() -> None:
    """Shaped like journey/: findings, summary, save_outputs, figures and the VoC names."""
    import subprocess
    import sys

    for name in ("findings", "summary", "save_outputs", "voice_of_customer", "theme_table"):
        assert callable(getattr(scorecard, name)), name
    assert scorecard.figures.__name__ == "cxlib.scorecard.figures"
    assert scorecard.voice_of_customer is voc.voice_of_customer
    code = (
        "import sys, cxlib.scorecard; "
        "print(sorted(m for m in ('sklearn', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"  # the runner's process imports neither


# --- voice of the customer --------------------------------------------------------------------


CORPUS = (
    ["delivery was late again", "late delivery, parcel lost", "the parcel delivery took weeks",
     "courier delivery late and rude", "delivery late, no parcel tracking"] * 4
    + ["charged twice on my bill", "wrong bill amount charged", "bill charged twice this month",
       "refund for the wrong bill charge", "my bill was charged wrongly"] * 4
)  # fmt: skip


def test_themes_on_a_two_topic_corpus() -> None:
    model = voc.ThemeModel(n_themes=2, min_df=2, random_state=0).fit(CORPUS + [None, "  "])
    assert model.n_texts_ == 40
    themes = model.themes_
    assert list(themes["theme"]) == [1, 2, 0] and themes["label"].iloc[-1] == voc.OTHER
    assert themes["n"].iloc[:2].sum() + themes["n"].iloc[-1] == 40
    assert themes["share"].sum() == pytest.approx(100)
    words = [set(k.split(", ")) for k in themes["keywords"].iloc[:2]]
    assert any({"delivery", "late"} <= w for w in words)
    assert any(
        "bill" in w and w & {"charge", "charged"} for w in words
    )  # lemmas on big vocabularies
    for row in themes.iloc[:2].itertuples():  # phrases and examples belong to their theme
        topic = "deliver" if "delivery" in row.keywords else "bill"
        assert all(topic in e for e in row.examples) and len(row.examples) == 3
        members = [c for c in CORPUS if topic in c]
        assert " " in row.label and sum(row.label in c for c in members) >= 2  # a shared phrase
    assert set(model.labels_[:40]) <= {0, 1, 2} and list(model.labels_[40:]) == [0, 0]
    again = voc.ThemeModel(n_themes=2, min_df=2, random_state=0).fit(CORPUS)
    pd.testing.assert_frame_equal(again.themes_, themes)  # seeded: same themes


def test_theme_model_clones() -> None:
    from sklearn.base import clone

    model = voc.ThemeModel(n_themes=2, min_df=2, random_state=0).fit(CORPUS)
    twin = clone(model)
    assert twin.get_params() == model.get_params() and not hasattr(twin, "themes_")
    pd.testing.assert_frame_equal(twin.fit(CORPUS).themes_, model.themes_)


def test_themes_of_a_sample_when_there_are_many_comments() -> None:
    model = voc.ThemeModel(n_themes=2, min_df=2, max_docs=20, random_state=1).fit(CORPUS * 5)
    assert model.n_texts_ == 200 == len(model.labels_)  # learned on 20, every comment labelled
    assert model.themes_["n"].sum() == 200
    assert model.themes_["share"].sum() == pytest.approx(100)


def test_tokenize_any_language() -> None:
    assert voc.tokenize("Účtovali mi DVAKRÁT stejnou platbu.") == [
        "účtovali",
        "mi",
        "dvakrát",
        "stejnou",
        "platbu",
    ]
    assert voc.tokenize("Straße ＡＢＣ 42 x") == ["strasse", "abc"]  # casefold + NFKC; no digits
    assert voc.tokenize("应用经常闪退。app crash") == [
        "应用",
        "用经",
        "经常",
        "常闪",
        "闪退",
        "app",
        "crash",
    ]
    assert voc.tokenize("<img src=x onerror=alert(1)>") == ["img", "src", "onerror", "alert"]


def test_voice_of_customer_groups_and_other_row() -> None:
    scores = [0] * 20 + [10] * 20 + [8] * 5
    comments = CORPUS[:20] + CORPUS[20:] + ["ok"] * 5
    surveys = pd.DataFrame({"survey": "nps", "score": scores, "comment": comments})
    out = voc.voice_of_customer(surveys, n_themes=3, min_df=2)
    assert set(out["group"]) == {"detractor", "promoter"}
    for _, part in out.groupby("group"):
        assert part["share"].sum() == pytest.approx(100) and (part["group_comments"] == 20).all()
        assert part["label"].str.len().gt(0).all()
    assert list(voc.nps_group([0, 6, 7, 8, 9, 10, None])) == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter", np.nan,
    ]  # fmt: skip
    assert voc.comment_counts(surveys) == {"detractor": 20, "passive": 5, "promoter": 20}
    table = voc.theme_table(out)
    assert table["examples"].str.startswith("“").all()
    assert voc.voice_of_customer(surveys.drop(columns="comment")).empty


# --- personal data in quoted comments (issue 14, item 16) ---------------------------------


def test_quoted_comments_carry_no_contact_details_or_own_names(tmp_path: Path) -> None:
    """Detractors who sign their comments: e-mails, phones and their own names are masked
    in the theme examples, the theme table and cx_scorecard_themes.csv; no theme is made of
    an address."""
    first, last = ["Anna", "Jonas", "Maria", "Pieter"], ["Berg", "Novak", "Rossi", "Keller"]
    surveys = pd.DataFrame(
        {
            "customer_id": [str(i % 4) for i in range(24)],
            "survey": "nps",
            "score": [2] * 24,
            "comment": [
                f"{topic} Mail {first[i % 4].lower()}@gmail.com or call +49 170 123456{i % 10}. "
                f"{first[i % 4]} {last[i % 4]}"
                for i, topic in enumerate(
                    ["Delivery was late again.", "Charged twice on my bill."] * 12
                )
            ],
        }
    )
    customers = pd.DataFrame(
        {"customer_id": [str(i) for i in range(4)], "first_name": first, "last_name": last}
    )
    themes = voc.voice_of_customer(surveys, customers=customers, n_themes=2, min_comments=5)
    quoted = " ".join(e for ex in themes["examples"] for e in ex)
    assert "[e-mail]" in quoted and "[phone]" in quoted and "[name]" in quoted
    for leak in ("@", "gmail", "170", *first, *last):
        assert leak not in quoted and leak.casefold() not in " ".join(themes["keywords"])
        assert leak.casefold() not in " ".join(themes["label"]).casefold()
    assert "Delivery was late again. Mail [e-mail] or call [phone]. [name]" in quoted
    table = voc.theme_table(themes)
    assert not table["examples"].str.contains("@|Anna|Berg").any()
    from cxlib.io import outputs

    path = outputs.save(tmp_path, scorecard.OUTPUT_FILES[-1], themes)  # cx_scorecard_themes.csv
    assert "@" not in path.read_text() and "Berg" not in path.read_text()


def test_privacy_notes_say_what_is_and_is_not_masked() -> None:
    with_names = scorecard.privacy_notes(
        pd.DataFrame({"customer_id": ["1"], "first_name": ["Anna"], "last_name": ["Berg"]})
    )
    assert with_names[1].startswith(
        "Each customer's own name (customers columns first_name, last_name) is masked as [name]"
    )
    assert "e-mail addresses ([e-mail]), phone numbers ([phone])" in with_names[0]
    assert with_names[2].startswith("Not masked: postal addresses")
    assert scorecard.privacy_notes(None)[1].startswith(
        "Names are not masked: the customers table has no name column"
    )
