"""Journey analysis: known answers on a hand-built log, the sample's planted friction, real logs."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib import journey
from cxlib.journey import SQL_DIR, render
from cxlib.journey.findings import UNRANKED_REFERENCE
from cxlib.journey.friction import friction_counts
from cxlib.journey.maps import build_journey_map
from cxlib.paths import PROJECT_ROOT

STAGE = {
    "ad_click": "awareness",
    "product_page": "consideration",
    "cart": "purchase",
    "payment": "purchase",
    "app_login": "usage",
    "billing_page": "usage",
    "renewal": "loyalty",
}

# Five customers (January 2025, day and time):
#   A bought, looped on billing_page (3 visits in 50 min) then a ticket; retained, ends at renewal
#   B bought and churned; last event billing_page (a churn exit)
#   C abandoned at payment (a ticket an hour later)
#   D bounced at product_page
#   E bought, came back for a second order and is retained; last event payment (not an exit)
EVENTS = {
    "A": [("ad_click", "01 10:00"), ("product_page", "01 11:00"), ("cart", "01 12:00"),
          ("payment", "01 12:10"), ("app_login", "05 09:00"), ("billing_page", "10 10:00"),
          ("billing_page", "10 10:20"), ("billing_page", "10 10:50"), ("renewal", "20 09:00")],
    "B": [("ad_click", "01 09:00"), ("product_page", "01 09:30"), ("cart", "02 10:00"),
          ("payment", "02 10:05"), ("app_login", "06 08:00"), ("app_login", "07 08:00"),
          ("billing_page", "08 12:00")],
    "C": [("ad_click", "03 10:00"), ("product_page", "03 10:30"), ("cart", "03 11:00"),
          ("payment", "03 11:05")],
    "D": [("ad_click", "04 10:00"), ("product_page", "04 10:05")],
    "E": [("ad_click", "01 08:00"), ("product_page", "01 08:30"), ("cart", "01 09:00"),
          ("payment", "01 09:10"), ("app_login", "02 09:00"), ("cart", "15 10:00"),
          ("payment", "15 10:05")],
}  # fmt: skip
CUSTOMERS = [  # customer_id, churned, churn_date, monthly_revenue
    ("A", "false", "", 10.0),
    ("B", "true", "2025-02-01", 20.0),
    ("C", "false", "", 0.0),
    ("D", "false", "", 0.0),
    ("E", "false", "", 30.0),
]
TICKETS = [  # ticket_id, customer_id, opened_at, channel
    ("T1", "A", "2025-01-10 11:00", "chat"),
    ("T2", "C", "2025-01-03 12:00", "phone"),
    ("T3", "A", "2025-01-12 09:00", "phone"),
]
SURVEYS = [  # customer_id, responded_at, survey, score, touchpoint, comment
    ("A", "2025-01-10 12:00", "ces", 1, "billing_page", "went round in circles"),
    ("E", "2025-01-01 10:00", "ces", 5, "payment", ""),
    ("C", "2025-01-03 12:30", "ces", 2, "payment", "card declined twice"),
    ("B", "2025-01-05 12:00", "nps", 3, "", "meh"),
]
PERSONAS = {"A": "P1", "B": "P1", "C": "P2", "D": "P2", "E": "P2"}


def _write_log(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [
        (c, f"2025-01-{when}:00", STAGE[tp], tp, "web")
        for c, events in EVENTS.items()
        for tp, when in events
    ]
    pd.DataFrame(
        rows, columns=["customer_id", "timestamp", "stage", "touchpoint", "channel"]
    ).to_csv(folder / "events.csv", index=False)
    pd.DataFrame(
        [(c, "2024-12-01", ch, cd, rev) for c, ch, cd, rev in CUSTOMERS],
        columns=["customer_id", "signup_date", "churned", "churn_date", "monthly_revenue"],
    ).to_csv(folder / "customers.csv", index=False)
    pd.DataFrame(TICKETS, columns=["ticket_id", "customer_id", "opened_at", "channel"]).to_csv(
        folder / "tickets.csv", index=False
    )
    pd.DataFrame(
        SURVEYS, columns=["customer_id", "responded_at", "survey", "score", "touchpoint", "comment"]
    ).to_csv(folder / "surveys.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory):
    """The hand-built log, loaded and analysed (personas P1 = A, B; P2 = C, D, E)."""
    cx = cxlib.load(_write_log(tmp_path_factory.mktemp("hand")))
    personas = pd.DataFrame(
        {"customer_id": list(PERSONAS), "persona": list(PERSONAS.values())}, dtype="string"
    )
    return journey.JourneyAnalysis(min_customers=1).fit(cx, personas)


def test_journey_analysis_is_a_cloneable_estimator(hand):
    """scikit-learn's contract: parameters stored as given, clone is unfitted, fit returns self."""
    from sklearn.base import BaseEstimator, clone

    assert isinstance(hand, BaseEstimator)
    twin = clone(hand)
    assert twin.get_params() == hand.get_params() and twin.min_customers == 1
    assert not [a for a in vars(twin) if a.endswith("_")]
    assert hasattr(hand, "friction_") and not hasattr(twin, "friction_")
    with pytest.raises(ValueError, match="loop_window_hours"):
        journey.JourneyAnalysis(loop_window_hours=0).fit(None)


def _tp(ja: journey.JourneyAnalysis, touchpoint: str) -> pd.Series:
    return ja.friction_.set_index("touchpoint").loc[touchpoint]


# --- known answers ------------------------------------------------------------------------


def test_retained_customers_last_event_is_never_a_drop_off(hand):
    # E is retained and ends at payment after reaching usage; A is retained and ends at renewal
    payment, renewal = _tp(hand, "payment"), _tp(hand, "renewal")
    assert payment["customers"] == 4 and payment["exits"] == 1  # C only, not E
    assert payment["abandonment_exits"] == 1 and payment["churn_exits"] == 0
    assert renewal["exits"] == 0
    assert _tp(hand, "app_login")["exits"] == 0
    # the churned customer's end is an exit, and so is the bounce
    billing = _tp(hand, "billing_page")
    assert (billing["exits"], billing["churn_exits"], billing["exit_rate"]) == (1, 1, 0.5)
    assert _tp(hand, "product_page")["exits"] == 1
    assert hand.friction_["exits"].sum() == 3  # B, C, D


def test_funnel_known_answers(hand):
    f = hand.funnel_[hand.funnel_["split"] == "all"].set_index("stage")
    assert f["reached"].tolist() == [5, 5, 4, 3, 1]
    assert f["converted"].tolist() == [5, 4, 3, 1, 0]
    assert f["dropped"].tolist() == [0, 1, 1, 1, 0]  # D, C, B; E and A are retained
    assert f.loc["purchase", "conversion_rate"] == pytest.approx(0.75)
    assert math.isnan(f.loc["loyalty", "conversion_rate"])
    low, high = f.loc["purchase", ["conversion_rate_ci_low", "conversion_rate_ci_high"]]
    assert low < 0.75 < high
    # from the first purchase event (cart) to the first usage event: A 93 h, B 94 h, E 24 h
    assert f.loc["purchase", "median_hours_to_next"] == pytest.approx(93.0)
    assert f.loc["purchase", "reach_share"] == pytest.approx(0.8)


def test_funnel_by_persona_and_channel(hand):
    f = hand.funnel_
    p2 = f[(f["split"] == "persona") & (f["group"] == "P2")].set_index("stage")
    assert p2.loc["purchase", ["reached", "dropped"]].tolist() == [2, 1]  # C and E
    assert p2.loc["awareness", "customers"] == 3
    web = f[(f["split"] == "channel") & (f["group"] == "web")]
    assert web["reached"].tolist() == [5, 5, 4, 3, 1]


def test_loops_followups_and_times(hand):
    billing = _tp(hand, "billing_page")
    assert (billing["visits"], billing["loop_visits"], billing["loop_customers"]) == (4, 2, 1)
    assert billing["loop_rate"] == pytest.approx(0.5)
    assert billing["followup_visits"] == 3 and billing["followup_contact_rate"] == pytest.approx(
        0.75
    )
    # B's log-ins a day apart are healthy repeat use, not a loop
    assert _tp(hand, "app_login")["loop_visits"] == 0
    # C's ticket an hour after payment: 1 of the 5 payment visits
    assert _tp(hand, "payment")["followup_visits"] == 1
    # A's three billing visits are one step; the next step (renewal) comes 9 d 23 h later
    assert billing["median_hours_to_next"] == pytest.approx(239.0)


def test_loop_window_is_a_parameter(tmp_path):
    cx = cxlib.load(_write_log(tmp_path))
    short = journey.friction(cx, loop_window_hours=0.4, min_customers=1).set_index("touchpoint")
    assert short.loc["billing_page", "loop_visits"] == 1  # 20 min yes, 30 min no
    none = journey.friction(cx, followup_hours=0.5, min_customers=1).set_index("touchpoint")
    assert none.loc["billing_page", "followup_visits"] == 1  # only the 10:50 visit


def test_survey_columns_and_revenue_at_risk(hand):
    payment, billing = _tp(hand, "payment"), _tp(hand, "billing_page")
    assert payment["answers"] == 2 and payment["negative_answer_share"] == pytest.approx(0.5)
    assert payment["comments"] == 1 and payment["negative_comment_share"] == pytest.approx(1.0)
    assert payment["ces_mean"] == pytest.approx(3.5)
    assert billing["negative_answer_share"] == pytest.approx(1.0)
    # billing: A (10) looped, B (20) churned there; payment: C never bought, counted at the
    # mean revenue of paying customers (10 + 20 + 30) / 3, and B's step from payment to
    # usage (94 h) is slower than three in four such steps (slow steps count as affected,
    # but B's revenue is not at risk at payment: a slow step alone puts no revenue at risk)
    assert billing["customers_affected"] == 2 and billing["revenue_at_risk"] == pytest.approx(30)
    assert payment["customers_affected"] == 2 and payment["revenue_at_risk"] == pytest.approx(20)
    assert payment["slow_customers"] == 1
    total = journey.affected_total(hand.log_, ["payment", "billing_page"])
    assert total == {"customers": 3, "revenue_at_risk": pytest.approx(50), "slow_customers": 0}


def test_dfg_variants_and_cross_channel(hand):
    dfg = hand.dfg_.set_index(["source", "target"])["count"]
    assert dfg[("billing_page", "billing_page")] == 2
    assert dfg[("cart", "payment")] == 5
    assert dfg[("payment", "app_login")] == 3
    assert dfg.sum() == sum(len(e) - 1 for e in EVENTS.values())
    v = journey.variants(hand.log_, top=None).set_index("variant")["customers"]
    assert v["ad_click > product_page"] == 1
    assert v["ad_click > product_page > cart > payment > app_login > billing_page > renewal"] == 1
    assert journey.variants(hand.log_, top=1, max_steps=2)["customers"].tolist() == [5]
    cc = hand.cross_channel_.set_index("channel")
    assert cc.loc["all", ["contacts", "repeats", "cross_channel_repeats"]].tolist() == [3, 1, 1]
    assert cc.loc["chat", "top_next_channel"] == "phone"


def test_journey_map_cells_and_suppression(hand):
    jm = hand.journey_map_.set_index(["persona", "stage"])
    assert jm.loc[("P2", "purchase"), "customers"] == 2
    assert jm.loc[("P2", "purchase"), "drop_off_rate"] == pytest.approx(0.5)
    assert jm.loc[("P2", "purchase"), "reach"] == pytest.approx(2 / 3)
    assert jm.loc[("P1", "usage"), "top_pain_point"] == "billing_page"
    assert jm.loc[("P1", "usage"), "experience"] == pytest.approx(0.0)  # CES 1 on 1-5
    strict = build_journey_map(
        hand.log_, hand.funnel_, friction_counts(hand.log_, 1.0, 48.0), 3, None
    ).set_index(["persona", "stage"])
    assert strict.loc[("P1", "usage"), "suppressed"]  # 2 customers < 3
    assert pd.isna(strict.loc[("P1", "usage"), "drop_off_rate"])
    assert not strict.loc[("P2", "awareness"), "suppressed"]


def test_without_customers_no_exit_after_purchase_and_no_revenue(tmp_path):
    folder = _write_log(tmp_path)
    (folder / "customers.csv").unlink()
    ja = journey.JourneyAnalysis(min_customers=1).fit(cxlib.load(folder))
    f = ja.friction_.set_index("touchpoint")
    assert f["churn_exits"].sum() == 0 and f["abandonment_exits"].sum() == 2  # C and D
    assert f["revenue_at_risk"].isna().all()
    assert any("churn" in n for n in ja.notes_) and any("revenue" in n for n in ja.notes_)
    assert any("personas" in n for n in ja.notes_)


def test_friction_score_formula():
    """Impact = weight x customers x excess over the stage norm; a high-reach touchpoint
    outranks a low-reach one with the same rate; small stages use the norm of all."""
    f = pd.DataFrame(
        {
            "stage": ["a", "a", "a", "b"],
            "customers": [1000, 100, 1000, 500],
            "exit_rate": [0.30, 0.30, 0.10, 0.10],
            "loop_customer_share": [0.0, 0.0, 0.2, 0.0],
            "negative_answer_share": [0.5, np.nan, 0.1, np.nan],
            "slow_customer_share": [0.25, 0.75, 0.25, 0.25],
        }
    )
    scored, norms = journey.score_friction(f)
    assert norms["a"]["exit"] == pytest.approx(0.3) and norms["b"] == norms["*"]
    assert norms["*"]["slow"] == pytest.approx(0.25) and norms["a"]["negative"] == 0.3
    # a: 0.5 * 1000 * (0.5 - 0.3);  0.5 * 100 * 0.5;  1000 * 0.2;  b: at the norm
    assert scored["impact"].tolist() == pytest.approx([100.0, 25.0, 200.0, 0.0])
    assert scored["friction_score"].tolist() == pytest.approx([10.0, 25.0, 20.0, 0.0])
    assert scored["main_driver"].tolist() == ["negative", "slow", "loop", None]
    assert scored.loc[2, ["main_rate", "main_norm"]].tolist() == pytest.approx([0.2, 0.0])
    # the same excess rate on ten times the customers: ten times the impact
    same = journey.score_friction(f, norms={"*": {"exit": 0.1}})[0]
    assert same.loc[0, "score_exit"] == pytest.approx(10 * same.loc[1, "score_exit"])
    with pytest.raises(ValueError, match="unknown friction component"):
        journey.score_friction(f, {"speed": 1.0})


# --- the queries --------------------------------------------------------------------------


def test_render_checks_parameters():
    assert "<= 7200" in render("visits", loop_window_s=7200, followup_s=1.5, rework_window_s=1)
    with pytest.raises(KeyError, match="followup_s"):
        render("visits", loop_window_s=3600, rework_window_s=1)
    with pytest.raises(ValueError, match="number"):
        render("cross_channel", repeat_s="1; DROP TABLE x")
    with pytest.raises(KeyError):
        render("no_such_query")


def test_queries_avoid_duckdb_only_syntax():
    """Standard SQL only; the two places without a standard form are marked in a comment."""
    forbidden = [
        r"::", r"\bQUALIFY\b", r"\bFILTER\s*\(", r"\bEXCLUDE\b", r"\bepoch\s*\(",
        r"\bmedian\s*\(", r"\blist_\w*\(", r"\bdate_diff\b", r"\bdatediff\b", r"\barg_m(ax|in)\b",
        r"\bILIKE\b", r"\bGROUP BY ALL\b", r"\bSELECT \* EXCLUDE\b", r"\bstrftime\b",
    ]  # fmt: skip
    files = sorted(SQL_DIR.glob("*.sql"))
    assert len(files) >= 10
    for path in files:
        code = "\n".join(line.split("--")[0] for line in path.read_text().splitlines())
        for pattern in forbidden:
            assert not re.search(pattern, code, re.IGNORECASE), (path.name, pattern)
        text = path.read_text()
        for nonstandard in ("EXTRACT(EPOCH", "string_agg("):
            if nonstandard in code:
                before = text[: text.index(nonstandard)].splitlines()[-4:]
                assert any("No standard form" in line for line in before), (path.name, nonstandard)


# --- the sample's planted friction --------------------------------------------------------


@pytest.fixture(scope="module")
def sample_analysis(small_sample):
    cx = cxlib.load(small_sample)
    return journey.JourneyAnalysis().fit(cx), json.loads((small_sample / "TRUTH.json").read_text())


def test_planted_friction_ranks_first_and_second(sample_analysis):
    ja, truth = sample_analysis
    planted = {f["touchpoint"] for f in truth["friction_touchpoints"]}
    top2 = ja.friction_[ja.friction_["rank"] <= 2]
    assert set(top2["touchpoint"]) == planted
    assert set(top2["stage"]) == {f["stage"] for f in truth["friction_touchpoints"]}
    # each planted touchpoint shows its planted kind of friction
    f = ja.friction_.set_index("touchpoint")
    others = f.drop(index=list(planted))
    assert f.loc["payment", "abandonment_exits"] > others["abandonment_exits"].max()
    assert f.loc["billing_page", "loop_rate"] > 3 * others["loop_rate"].max()
    assert (
        f.loc["billing_page", "followup_contact_rate"] > 3 * others["followup_contact_rate"].max()
    )
    # the score is not driven by one component: without the survey and time signals the
    # planted pair still ranks first and second
    behaviour = journey.friction(ja.log_, weights={"negative": 0, "slow": 0})
    assert set(behaviour[behaviour["rank"] <= 2]["touchpoint"]) == planted


def test_sample_exits_and_drop_offs_agree(sample_analysis):
    ja, _ = sample_analysis
    fa = ja.funnel_[ja.funnel_["split"] == "all"]
    assert ja.friction_["exits"].sum() == fa["dropped"].sum()
    counts = ja.log_.query("journey_counts")
    total = counts[counts["split"] == "all"].iloc[0]
    assert fa["dropped"].sum() == total["abandonment_exits"] + total["churn_exits"]
    # no retained customer who got past purchase has an exit anywhere
    bad = ja.log_.con.execute(
        "SELECT COUNT(*) FROM journey_customer_touchpoints c JOIN journey_journeys j "
        "ON j.customer_id = c.customer_id WHERE c.exited = 1 AND j.furthest_rank > 3 "
        "AND NOT COALESCE(j.churned, FALSE)"
    ).fetchall()[0][0]
    assert bad == 0


def test_report_outputs(sample_analysis, tmp_path):
    ja, _ = sample_analysis
    paths = journey.save_outputs(ja, tmp_path)
    assert {p.name for p in paths} >= {
        "journey_friction.csv", "journey_dfg.csv", "journey_funnel.csv", "journey_friction.json"
    }  # fmt: skip
    fr = pd.read_csv(tmp_path / "journey_friction.csv")
    need = ["stage", "touchpoint", "customers", "exit_rate", "loop_rate",
            "followup_contact_rate", "friction_score", "rank"]  # fmt: skip
    assert set(need) <= set(fr.columns)
    assert list(pd.read_csv(tmp_path / "journey_dfg.csv").columns) == ["source", "target", "count"]
    summary = json.loads((tmp_path / "journey_friction.json").read_text())
    assert len(summary["findings"]) == 3
    assert summary["top_friction"][0]["touchpoint"] in {"payment", "billing_page"}
    assert set(summary["conversion"]) == set(ja.stage_order_)
    assert re.match(  # raw names humanised (cxlib.wording.label)
        r"The top 3 friction points — payment \(purchase\), billing page", summary["findings"][0]
    ) or re.match(
        r"The top 3 friction points — billing page \(usage\), payment", summary["findings"][0]
    )
    assert "of revenue a year" in summary["findings"][0]  # per year, never per month
    top3 = [r["touchpoint"] for r in summary["top_friction"]]
    monthly = journey.affected_total(ja.log_, top3)["revenue_at_risk"]
    assert summary["top_friction_revenue_per_year"] == pytest.approx(12 * monthly)
    stated = {r["kpi"]: r for r in summary["stated_kpis"]}
    assert stated["customers"]["value"] == ja.n_customers_
    assert "friction_score" in summary and "formula" in summary["friction_score"]


# --- personas -----------------------------------------------------------------------------


def test_read_personas(tmp_path):
    (tmp_path / "personas.csv").write_text(
        "customer_id,persona_id,persona_name\n007,1,Savers\n008,2,\n", encoding="utf-8"
    )
    p = journey.read_personas(None, tmp_path)
    assert p["customer_id"].tolist() == ["007", "008"]
    assert p["persona"].tolist() == ["Savers", "Persona 2"]
    assert journey.read_personas(None, tmp_path / "elsewhere") is None
    with pytest.warns(UserWarning, match="does not exist"):
        assert journey.read_personas(tmp_path / "missing.csv") is None
    (tmp_path / "bad.csv").write_text("id,segment\n1,a\n", encoding="utf-8")
    with pytest.raises(ValueError, match="customer_id"):
        journey.read_personas(tmp_path / "bad.csv")


def test_personas_from_another_data_set_are_ignored(tmp_path):
    cx = cxlib.load(_write_log(tmp_path))
    other = pd.DataFrame({"customer_id": ["X1", "X2"], "persona": ["a", "b"]}, dtype="string")
    ja = journey.JourneyAnalysis(min_customers=1).fit(cx, other)
    assert ja.journey_map_.empty
    assert any("shares no customer" in n for n in ja.notes_)
    some = pd.DataFrame({"customer_id": ["A", "X1"], "persona": ["a", "b"]}, dtype="string")
    ja = journey.JourneyAnalysis(min_customers=1).fit(cx, some)
    assert any("cover 20%" in n for n in ja.notes_)
    assert set(ja.journey_map_["persona"]) == {"a"}


# --- real event logs ----------------------------------------------------------------------


def _pandas_dfg(frame: pd.DataFrame, case: str, activity: str, time: str) -> pd.Series:
    """Directly-follows counts, computed independently with plain pandas."""
    ordered = frame.assign(_t=pd.to_datetime(frame[time], utc=True)).sort_values(
        [case, "_t"], kind="stable"
    )
    nxt = ordered.groupby(case)[activity].shift(-1)
    pairs = pd.DataFrame({"source": ordered[activity], "target": nxt}).dropna()
    return pairs.groupby(["source", "target"]).size().sort_index()


def test_helpdesk_dfg_equals_pandas_and_report_runs(shared_dir, tmp_path):
    folder = shared_dir / "data" / "real" / "eventlog_helpdesk"
    config = PROJECT_ROOT / "configs" / "helpdesk.yaml"
    cx = cxlib.load(folder, config)
    assert cx.customers is None and cx.tickets is None
    assert list(cx.config.stage_order) == ["intake", "handling", "resolution", "closure"]
    raw = pd.read_csv(folder / "helpdesk_events.csv", dtype=str)
    expected = _pandas_dfg(raw, "case_id", "activity", "timestamp")
    got = journey.directly_follows(cx).set_index(["source", "target"])["count"].sort_index()
    assert len(raw) == 21_348 and expected.sum() == 21_348 - raw["case_id"].nunique()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)

    ja = journey.JourneyAnalysis().fit(cx)
    assert ja.purchase_stage_ is None and ja.n_customers_ == 4_580
    assert ja.friction_["revenue_at_risk"].isna().all()
    assert ja.friction_["followup_contact_rate"].isna().all()
    assert ja.cross_channel_.empty and ja.journey_map_.empty
    assert any("no purchase stage" in n for n in ja.notes_)
    closed = ja.friction_.set_index("touchpoint").loc["Closed"]
    assert closed["exits"] == 0  # reaching the final stage completes the journey
    fa = ja.funnel_[ja.funnel_["split"] == "all"]
    assert fa["stage"].tolist() == ["intake", "handling", "resolution", "closure"]
    assert fa["dropped"].sum() == ja.friction_["exits"].sum() > 0
    paths = journey.save_outputs(ja, tmp_path)
    assert all(p.is_file() for p in paths)
    found = journey.findings(ja)
    # ranked by impact (customers x excess over the stage norm), reach shown beside it
    assert ja.friction_["impact"].iloc[0] == ja.friction_["impact"].max() > 0
    assert "ranks first by impact" in found[1] and "revenue" not in found[0]
    # slow steps count among the customers affected
    f = ja.friction_
    assert (f["customers_affected"] >= f["slow_customers"]).all() and f["slow_customers"].sum() > 0


def test_bpic2012_funnel_ends_at_approved_applications(shared_dir):
    """BPIC 2012 through its config (stage mapping, COMPLETE filter): the funnel ends at
    the 2,246 approved applications, and no lifecycle triple ranks as a loop."""
    folder = shared_dir / "data" / "real" / "eventlog_bpic2012"
    cx = cxlib.load(folder, PROJECT_ROOT / "configs" / "eventlog_bpic2012.yaml")
    ja = journey.JourneyAnalysis().fit(cx)
    fa = ja.funnel_[ja.funnel_["split"] == "all"]
    assert fa["stage"].iloc[-1] == "approved" and fa["reached"].iloc[-1] == 2_246
    assert fa["reached"].iloc[0] == ja.n_customers_ == 13_087
    # only COMPLETE events: SCHEDULE/START sub-events of a work item are never loops
    assert ja.n_events_ == 164_506
    # without the config's where:, the lifecycle column is understood the same way
    raw = cxlib.load(folder, {**_bpic_config_without_where(), "name": "no where"})
    assert journey.JourneyAnalysis().fit(raw).n_events_ == 164_506


def _bpic_config_without_where() -> dict:
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "configs" / "eventlog_bpic2012.yaml").read_text())
    events = config["tables"]["events"]
    events.pop("where")
    return config


def test_one_stage_for_all_log(shared_dir):
    """A log without stages (the receipt log): one constant stage; the DFG still matches pandas."""
    folder = shared_dir / "data" / "real" / "eventlog_receipt"
    config = {
        "stage_order": ["process"],
        "tables": {
            "events": {
                "file": "receipt_events.csv",
                "columns": {"customer_id": "case_id", "touchpoint": "activity"},
                "constants": {"stage": "process"},
            }
        },
    }
    cx = cxlib.load(folder, config, tables=["events"])
    raw = pd.read_csv(folder / "receipt_events.csv", dtype=str)
    expected = _pandas_dfg(raw, "case_id", "activity", "timestamp")
    got = journey.directly_follows(cx).set_index(["source", "target"])["count"].sort_index()
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)
    ja = journey.JourneyAnalysis(min_customers=1).fit(cx)
    assert ja.friction_["exits"].sum() == 0  # a single stage: every journey completes
    channels = ja.funnel_[ja.funnel_["split"] == "channel"]
    assert channels["reached"].sum() == raw["case_id"].nunique()  # each case enters once


# --- small data: a page that says what it can and cannot show (issue 14, item 2) ----------


def _small_figures(ja: journey.JourneyAnalysis) -> list:
    """Every journey figure and table of the notebook, drawn on ``ja`` (none may raise)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cxlib.journey import figures

    drawn = [
        figures.plot_funnel(ja),
        figures.plot_friction(ja),
        figures.plot_journey_map(ja),
        figures.plot_transitions(ja),
        journey.table_friction(ja),
        journey.table_variants(ja),
        journey.table_cross_channel(ja),
        journey.score_explanation(ja),
    ]
    plt.close("all")
    return drawn


def _figure_text(fig) -> str:
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def test_running_example_log_gets_a_page_not_a_crash(shared_dir, tmp_path):
    """The 6-case running example: no touchpoint reaches min_customers=30; every figure and
    table says so instead of crashing in plot_friction (zero-size array)."""
    folder = shared_dir / "data" / "real" / "eventlog_running_example"
    config = {
        "stage_order": ["process"],
        "tables": {
            "events": {
                "file": "running-example_events.csv",
                "columns": {
                    "customer_id": "case_id",
                    "touchpoint": "activity",
                    "timestamp": "timestamp",
                },
                "constants": {"stage": "process"},
            }
        },
    }
    ja = journey.JourneyAnalysis().fit(cxlib.load(folder, config, tables=["events"]))
    assert ja.n_customers_ == 6 and ja.friction_["rank"].isna().all()
    message = (
        "No touchpoint has the 30 customers needed to rank friction; 6 customers (cases) in "
        "the log, at most 6 at one touchpoint."
    )
    assert journey.findings(ja)[0].startswith(message)
    _, friction, _, transitions, table, variants, _, explanation = _small_figures(ja)
    assert _figure_text(friction).replace("\n", " ").startswith(message)
    # the full reason stands in the findings and on the figure; the table and the score
    # explanation refer to it instead of repeating it (four times on one page before)
    assert table["note"].iloc[0] == UNRANKED_REFERENCE
    assert explanation[-1] == table["note"].iloc[0]
    assert not any("norm" in s for s in explanation[1:])
    assert "most frequent step" in transitions.axes[0].get_title(loc="left")
    assert variants["customers"].sum() == 6
    assert all(p.is_file() for p in journey.save_outputs(ja, tmp_path))


def test_tiny_hand_made_log_with_single_events(tmp_path):
    """Three customers with one event each: nothing to rank, no steps between touchpoints."""
    pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "timestamp": ["2025-01-01 10:00", "2025-01-02 10:00", "2025-01-03 10:00"],
            "stage": ["awareness"] * 3,
            "touchpoint": ["ad_click", "ad_click", "search"],
        }
    ).to_csv(tmp_path / "events.csv", index=False)
    ja = journey.JourneyAnalysis().fit(cxlib.load(tmp_path, tables=["events"]))
    assert ja.dfg_.empty and ja.friction_["rank"].isna().all()
    found = journey.findings(ja)
    assert found[0].startswith(
        "No touchpoint has the 30 customers needed to rank friction; 3 customers (cases) in "
        "the log, at most 2 at one touchpoint."
    )
    funnel, friction, _, transitions, table, *_ = _small_figures(ja)
    assert "No customer has two events in a row (3 customers, 3 events)" in _figure_text(
        transitions
    )
    assert "30 customers needed" in _figure_text(friction).replace("\n", " ")
    assert list(table.columns) == ["note"]


# --- a log without stages (issue 14, item 7) ----------------------------------------------


def test_log_without_a_stage_column_is_one_stage(tmp_path):
    """The hand-built log without its stage column: it loads, every event is in the one stage
    'journey', exits are the churned customers' ends only, and a note says so."""
    folder = _write_log(tmp_path)
    events = pd.read_csv(folder / "events.csv").drop(columns=["stage"])
    events.to_csv(folder / "events.csv", index=False)
    cx = cxlib.load(folder)
    assert "stage" not in cx.events and len(cx.events) == 29
    ja = journey.JourneyAnalysis(min_customers=1).fit(cx)
    assert ja.stage_order_ == ("journey",) and ja.n_events_ == 29 and ja.n_customers_ == 5
    fa = ja.funnel_[ja.funnel_["split"] == "all"]
    assert fa["stage"].tolist() == ["journey"] and fa["reached"].tolist() == [5]
    f = ja.friction_.set_index("touchpoint")
    assert f["exits"].sum() == 1 and f.loc["billing_page", "churn_exits"] == 1  # B only
    assert set(ja.friction_["stage"]) == {"journey"}
    assert ja.notes_[0] == (
        "The events have no stage column, so every event counts as one stage ('journey'): "
        "the funnel has one step, and only a churned customer's last event counts as an exit. "
        "To see stages, map a column onto stage in the config (tables.events.columns.stage, "
        "with values: to group touchpoints into stages)."
    )
    billing = _tp(ja, "billing_page")  # loops and follow-ups need no stage: as with stages
    assert (billing["visits"], billing["loop_visits"], billing["followup_visits"]) == (4, 2, 3)


def test_receipt_log_without_stages_runs_the_journey_report(shared_dir, tmp_path):
    """The real receipt log (no stages, no customers) with a config that maps no stage."""
    folder = shared_dir / "data" / "real" / "eventlog_receipt"
    config = {
        "name": "Receipt phase",
        "tables": {
            "events": {
                "file": "receipt_events.csv",
                "columns": {"customer_id": "case_id", "touchpoint": "activity"},
            }
        },
    }
    cx = cxlib.load(folder, config)
    assert cx.quality.to_dict()["events"] == {"rows_in": 8577, "rows_kept": 8577, "excluded": {}}
    ja = journey.JourneyAnalysis().fit(cx)
    assert ja.n_customers_ == 1434 and ja.friction_["exits"].sum() == 0
    assert (
        "without churn data (customers.churned) no journey end counts as an exit" in (ja.notes_[0])
    )
    assert ja.friction_["rank"].notna().sum() > 0
    assert all(p.is_file() for p in journey.save_outputs(ja, tmp_path))
    assert len(_small_figures(ja)) == 8
