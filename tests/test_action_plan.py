"""Tests for cxlib.actions: sizing, the plan's actions, tracking across runs, the page."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib.actions import tracking
from cxlib.actions.action import Watch, action_id
from cxlib.actions.inputs import read_findings
from cxlib.actions.plan import LEAD_COLUMNS, PLAN_JSON, build_plan, plan_table, save_outputs
from cxlib.actions.sizing import LAST_YEAR, SNAPSHOT, Population, rank_key
from cxlib.io.goals import Owners, parse_owners, parse_service, parse_targets
from cxlib.metrics.intervals import Z95
from cxlib.paths import SAMPLE_CONFIG

# --- sizing: hand-computed values -----------------------------------------------------------


def _snapshot() -> pd.DataFrame:
    # a-d affected (2 churned of 4), e-j the rest (1 churned of 6); revenue 10 a month each
    return pd.DataFrame(
        {
            "customer_id": list("abcdefghij"),
            "churned": [1, 1, 0, 0, 1, 0, 0, 0, 0, 0],
            "monthly_revenue": 10.0,
        }
    )


def test_snapshot_size_equals_hand_count() -> None:
    pop = Population.from_customers(_snapshot())
    s = pop.size(list("abcd"))
    assert pop.basis == SNAPSHOT
    assert (s.customers, s.active) == (4, 2)
    assert s.churn_affected == pytest.approx(50.0) and s.churn_rest == pytest.approx(100 / 6)
    assert s.excess == pytest.approx(50 - 100 / 6)
    # revenue: 2 active affected × 120 a year × the excess share
    assert s.revenue == pytest.approx(240 * (0.5 - 1 / 6))
    se = math.hypot(math.sqrt(0.25 / 4), math.sqrt((1 / 6) * (5 / 6) / 6))
    assert s.excess_low == pytest.approx(100 * (0.5 - 1 / 6 - Z95 * se))
    assert s.revenue_low == 0.0  # the CI reaches below 0: a floor of none
    assert s.extra_churners == pytest.approx(2 * (0.5 - 1 / 6))


def test_window_churn_is_a_poisson_rate_over_the_last_year() -> None:
    end = pd.Timestamp("2026-12-31", tz="UTC")
    c = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "signup_date": pd.to_datetime(["2020-01-01"] * 3 + ["2026-07-02"], utc=True),
            # a churns mid-window; b churned before the window (not counted); c, d stay
            "churn_date": pd.to_datetime(["2026-07-02", "2025-06-01", None, None], utc=True),
            "monthly_revenue": [10.0, 10.0, 10.0, 10.0],
        }
    )
    pop = Population.from_customers(c, end)
    assert pop.basis == LAST_YEAR
    assert pop.counted.tolist() == [True, False, True, True]
    years_a = (pd.Timestamp("2026-07-02", tz="UTC") - (end - pd.DateOffset(months=12))).days
    years_d = (end - pd.Timestamp("2026-07-02", tz="UTC")).days
    exposure = (years_a + 365 + years_d) / 365.25  # c is exposed the whole year (365 days)
    value, low, high, n = pop.churn(["a", "c", "d"])
    assert n == 3
    assert value == pytest.approx(100 * (1 - math.exp(-1 / exposure)))
    assert low < value < high


def test_prospects_count_as_lost_and_at_the_median_paying_revenue() -> None:
    c = pd.DataFrame(
        {
            "customer_id": list("abcdef"),
            "churned": [0, 0, 0, 0, 1, 0],
            "monthly_revenue": [0.0, 0.0, 10.0, 30.0, 20.0, 20.0],
        }
    )
    pop = Population.from_customers(c)
    assert pop.prospect.tolist() == [True, True, False, False, False, False]
    s = pop.size(["a", "b"], exposed=list("abcdef"))
    # the affected are all prospects (loss 1); the rest lose 1 of 4 (e churned)
    assert s.churn_affected == pytest.approx(100.0) and s.churn_rest == pytest.approx(25.0)
    # two prospects at the median paying yearly revenue (20 × 12) × 75 points
    assert s.revenue == pytest.approx(2 * 240 * 0.75)


def test_exposed_customers_are_the_baseline() -> None:
    pop = Population.from_customers(_snapshot())
    everyone = pop.size(list("ab"))
    exposed = pop.size(list("ab"), exposed=list("abcde"))  # the rest: c, d, e (1 of 3)
    assert everyone.churn_rest == pytest.approx(100 * 1 / 8)
    assert exposed.churn_rest == pytest.approx(100 / 3)
    assert pop.size(list("ab"), exposed=list("ab")).revenue != pop.size(list("ab")).revenue


def test_ranking_puts_revenue_first_and_unknown_last() -> None:
    pop = Population.from_customers(_snapshot())
    big, small = pop.size(list("abcde")), pop.size(["a"])
    unknown = Population.from_customers(_snapshot().drop(columns="churned")).size(["a"])
    keys = sorted([rank_key(unknown), rank_key(small), rank_key(big)])
    assert keys[-1] == rank_key(unknown)


def test_sizing_truth_study_covers_the_planted_excess() -> None:
    """A fast subset of benchmarks/truth_actions.py (make truth runs 200 worlds)."""
    import sys

    from cxlib.paths import PROJECT_ROOT

    sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
    from truth_actions import study, targets

    r = study(60)
    assert all(targets(r).values()), r


# --- config: targets, owners, service promises ----------------------------------------------


def test_goals_parse_and_reject_bad_keys() -> None:
    t = parse_targets({"nps": 10, "churn_rate_monthly": 2, "exit_rate": {"value": 5}})
    assert [t[k].direction for k in ("nps", "churn_rate_monthly", "exit_rate")] == [
        "higher",
        "lower",
        "lower",
    ]
    assert t["nps"].met(12) and not t["nps"].met(8) and t["nps"].gap(8) == -2
    with pytest.raises(ValueError, match="unknown KPI"):
        parse_targets({"nsp": 10})
    with pytest.raises(ValueError, match="direction"):
        parse_targets({"customers": 10})
    with pytest.raises(ValueError, match="more than 0"):
        parse_service({"resolution_hours": 0})
    o = parse_owners({"touchpoints": {"payment": "Pay"}, "stages": {"purchase": "Shop"}})
    assert o.owner(touchpoint="payment", stage="purchase") == "Pay"
    assert o.owner(touchpoint="cart", stage="purchase") == "Shop"
    assert Owners().owner(touchpoint="cart") == "unassigned"


def test_watch_meets_its_target_by_direction() -> None:
    assert Watch("x", "x", 4.0, 3.0, 5.0, 100, 5.0, "lower").met is True
    assert Watch("x", "x", 4.0, 3.0, 5.0, 100, 5.0, "higher").met is False
    assert Watch("x", "x", 4.0, 3.0, 5.0, 100).met is None
    assert action_id("friction", "Billing page", "loop") == "friction:billing_page:loop"


# --- the plan on data: journey friction, and two runs with a planted improvement ------------


def _journey_findings(data: Path, out: Path) -> None:
    """The journey report's outputs for ``data`` (what the action plan reads)."""
    from cxlib.journey import JourneyAnalysis
    from cxlib.journey.findings import save_outputs as save_journey

    cx = cxlib.load(data)
    save_journey(JourneyAnalysis().fit(cx), out)


def _improve_payment(src: Path, dst: Path, share: float = 0.6, seed: int = 0) -> int:
    """A copy of ``src`` where ``share`` of the customers whose journey ends at payment
    go on to place the order: their journey gets a usage event after payment (the planted
    improvement of the payment step). Returns the customers changed."""
    dst.mkdir()
    for f in src.iterdir():
        if f.is_file():
            (dst / f.name).write_bytes(f.read_bytes())
    events = pd.read_csv(src / "events.csv", dtype={"customer_id": str, "session_id": str})
    last = events.sort_values("timestamp").groupby("customer_id").tail(1)
    enders = last[last["touchpoint"].eq("payment")]
    rng = np.random.default_rng(seed)
    chosen = enders[rng.random(len(enders)) < share].copy()
    ts = pd.to_datetime(chosen["timestamp"]) + pd.Timedelta(minutes=5)
    chosen = chosen.assign(
        timestamp=ts.dt.strftime("%Y-%m-%d %H:%M:%S"), stage="usage", touchpoint="feature_use"
    )
    pd.concat([events, chosen]).to_csv(dst / "events.csv", index=False)
    return len(chosen)


def test_friction_actions_are_sized_owned_and_linked(small_sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "run" / "outputs"
    _journey_findings(small_sample, out)
    cx = cxlib.load(small_sample)
    config = cxlib.io.config.load_config(SAMPLE_CONFIG)
    plan = build_plan(cx, read_findings(out), config)
    table = plan_table(plan)
    assert list(table.columns[: len(LEAD_COLUMNS)]) == LEAD_COLUMNS
    pay = table[table["id"].eq("friction:payment:exit")]
    assert len(pay) == 1, table["id"].tolist()
    row = pay.iloc[0]
    assert row["owner"] == "Payments team"  # from the sample config's owners
    assert row["evidence"] == "journey_friction.html#Friction-ranking"
    assert row["customers"] > 0 and row["revenue_low"] <= row["revenue_at_risk_per_year"]
    assert row["revenue_at_risk_per_year"] <= row["revenue_high"]
    assert row["target"].startswith("below 10.0%")  # the config's exit_rate target
    # the plan's files carry no customer id
    save_outputs(plan, out)
    text = (out / "action_plan.csv").read_text() + (out / PLAN_JSON).read_text()
    ids = set(cx.customers["customer_id"].astype(str))
    assert not any(f",{i}," in text or f'"{i}"' in text for i in list(ids)[:500])


def test_second_run_reports_the_planted_improvement(small_sample: Path, tmp_path: Path) -> None:
    history = tmp_path / tracking.HISTORY_FILE
    out1 = tmp_path / "r1" / "outputs"
    _journey_findings(small_sample, out1)
    plan1 = build_plan(cxlib.load(small_sample), read_findings(out1))
    save_outputs(plan1, out1)
    assert tracking.record_run(history, "r1", out1 / PLAN_JSON)

    improved = tmp_path / "improved"
    assert _improve_payment(small_sample, improved) > 50
    out2 = tmp_path / "r2" / "outputs"
    _journey_findings(improved, out2)
    plan2 = build_plan(cxlib.load(improved), read_findings(out2))
    tracked = tracking.track(plan_table(plan2), tracking.read_history(history))
    row = tracked[tracked["id"].eq("friction:payment:exit")]
    if row.empty:  # the exit rate fell below the typical touchpoint's: resolved
        pytest.fail("the payment action vanished instead of showing its change")
    r = row.iloc[0]
    assert r["first_run"] == "r1"
    assert r["change"] < 0 and r["change_high"] < 0, r.to_dict()  # fell, beyond chance
    assert r["status"] == tracking.IMPROVED


def test_history_is_appended_atomically_and_never_overwritten_when_unreadable(
    tmp_path: Path,
) -> None:
    plan_json = tmp_path / PLAN_JSON
    plan_json.write_text(json.dumps({"actions": [{"id": "a", "kpi_value": 1.0, "extra": 5}]}))
    history = tmp_path / tracking.HISTORY_FILE
    assert tracking.record_run(history, "r1", plan_json)
    assert tracking.record_run(history, "r1", plan_json)  # the same run replaces itself
    runs = tracking.read_history(history)
    assert [r["run_id"] for r in runs] == ["r1"] and "extra" not in runs[0]["actions"][0]
    history.write_text("{not json")
    assert tracking.record_run(history, "r2", plan_json)
    assert (tmp_path / "action_history.unreadable-r2.json").read_text() == "{not json"
    assert [r["run_id"] for r in tracking.read_history(history)] == ["r2"]
    assert not tracking.record_run(history, "r3", tmp_path / "missing.json")


def test_tracking_marks_new_resolved_and_target_met() -> None:
    history = [
        {"run_id": "r1", "actions": [{"id": "gone", "action": "Old", "kpi_value": 9.0},
                                     {"id": "kept", "action": "Kept", "kpi_value": 9.0,
                                      "kpi_low": 8.0, "kpi_high": 10.0}]},
    ]  # fmt: skip
    now = pd.DataFrame(
        [
            {"id": "kept", "action": "Kept", "kpi_value": 8.9, "kpi_low": 7.9,
             "kpi_high": 9.9, "target_met": False, "target_direction": "lower"},
            {"id": "fresh", "action": "New", "kpi_value": 3.0, "target_met": None},
            {"id": "ok", "action": "Met", "kpi_value": 1.0, "target_met": True},
        ]
    )  # fmt: skip
    t = tracking.track(now, history).set_index("id")["status"].to_dict()
    assert t == {
        "kept": tracking.SAME,
        "fresh": tracking.NEW,
        "ok": tracking.MET,
        "gone": tracking.RESOLVED,
    }


# --- the published run on the default sample (slow) ----------------------------------------


@pytest.mark.slow
def test_sample_plan_leads_with_the_planted_problems(sample_reports: Path) -> None:
    out = sample_reports / "outputs"
    plan = pd.read_csv(out / "action_plan.csv")
    top = plan.head(5)
    churn = json.loads((out / "churn_drivers.json").read_text())
    lead = churn["top_drivers"][0]["driver"]
    shapes = churn["driver_shapes"]
    wanted = {
        "friction:payment:exit",
        "friction:billing_page:loop",
        f"churn_driver:{shapes[lead]['lead']}",
    }
    assert wanted <= set(top["id"]), plan[["rank", "id", "revenue_at_risk_per_year"]].head(10)
    for r in top.to_dict("records"):
        assert r["owner"] != "unassigned" and r["kpi"] and r["evidence"]
        page, _, anchor = r["evidence"].partition("#")
        assert f'id="{anchor}"' in (sample_reports / page).read_text(encoding="utf-8")
    html = (sample_reports / "action_plan.html").read_text(encoding="utf-8")
    assert "The top 5 actions" in html
    assert (sample_reports.parent / tracking.HISTORY_FILE).is_file()
