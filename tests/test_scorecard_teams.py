"""The scorecard's team view and its service-time and CLV rows (issue 16, item 6)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib import scorecard
from cxlib.contract import TABLES
from cxlib.paths import private_outputs
from cxlib.scorecard import teams as T

START = pd.Timestamp("2025-03-01 09:00")


def _team(name: str, n: int, fcr: int, first: tuple[float, float], resolve: tuple[float, float]):
    """``n`` tickets of a team: ``fcr`` of them closed in one contact; half answered after
    ``first[0]`` hours and half after ``first[1]``, resolved likewise after ``resolve``."""
    half = n // 2
    first_h = [first[0]] * half + [first[1]] * (n - half)
    resolve_h = [resolve[0]] * half + [resolve[1]] * (n - half)
    return pd.DataFrame(
        {
            "team": name,
            "agent": [f"{name}-agent-{i % 2}" for i in range(n)],
            "opened_at": START,
            "first_response_at": START + pd.to_timedelta(first_h, "h"),
            "resolved_at": START + pd.to_timedelta(resolve_h, "h"),
            "contacts": [1] * fcr + [2] * (n - fcr),
        }
    )


def hand_fixture() -> pd.DataFrame:
    """Team A: 40 tickets, FCR 36/40 = 90%, answered after 1 or 3 h (mean and median 2 h,
    all within 24 h), resolved after 8 or 12 h (10 h). Team B: 40 tickets, FCR 20/40 = 50%,
    answered after 28 or 32 h (30 h, none within 24 h), resolved after 40 or 60 h (50 h).
    Team C: 5 tickets (below MIN_N = 30: suppressed)."""
    t = pd.concat(
        [
            _team("A", 40, 36, (1, 3), (8, 12)),
            _team("B", 40, 20, (28, 32), (40, 60)),
            _team("C", 5, 5, (1, 1), (10, 10)),
        ],
        ignore_index=True,
    )
    return t.assign(ticket_id=[f"T{i}" for i in range(len(t))], customer_id="c1", channel="chat")


def test_team_table_equals_the_hand_count() -> None:
    table = T.team_table(hand_fixture()).set_index(["kpi", "group"])
    assert table.loc[("fcr", "A"), "value"] == pytest.approx(90.0)
    assert table.loc[("fcr", "B"), "value"] == pytest.approx(50.0)
    assert table.loc[("fcr", "A"), "rest"] == pytest.approx(100 * 25 / 45)  # B and C
    assert table.loc[("response_24h", "A"), "value"] == 100.0
    assert table.loc[("response_24h", "B"), "value"] == 0.0
    assert table.loc[("first_response_mean", "A"), "value"] == pytest.approx(2.0)
    assert table.loc[("first_response_median", "B"), "value"] == pytest.approx(30.0)
    assert table.loc[("resolution_mean", "B"), "value"] == pytest.approx(50.0)
    assert table.loc[("resolution_median", "A"), "value"] == pytest.approx(10.0)
    ci = table.loc[("fcr", "A")]
    assert ci["ci_low"] < 90 < ci["ci_high"] and ci["n"] == 40
    # B is worse than the rest on every KPI; A on none
    assert table.xs("B", level="group")["worse"].all()
    assert not table.xs("A", level="group")["worse"].any()
    # C has 5 tickets: shown with its n, no value, no CI, no test
    c = table.xs("C", level="group")
    assert c["suppressed"].all() and (c["n"] == 5).all()
    assert c["value"].isna().all() and c["ci_low"].isna().all() and c["p_value"].isna().all()
    assert not table.xs("A", level="group")["suppressed"].any()


def test_suppression_follows_min_n() -> None:
    table = T.team_table(hand_fixture(), min_n=3)
    assert not table["suppressed"].any()
    table = T.team_table(hand_fixture(), min_n=41)
    assert table["suppressed"].all() and table["value"].isna().all()
    assert not table["worse"].any()


def test_team_view_sentences_and_record() -> None:
    table = T.team_table(hand_fixture())
    view = T.team_view(table)
    assert list(view["team"]) == ["A", "B", "C"]
    assert view.set_index("team").loc["C", "FCR"] == "n=5: too few"
    assert view.set_index("team").loc["B", "FCR"].endswith("▼")
    sentences = T.team_sentences(table)
    assert sum(s.startswith("Team 'B' does worse") for s in sentences) == 6
    assert sentences[-1] == (
        "1 team has fewer than 30 tickets behind a KPI: that value is not shown."
    )
    record = T.team_record(table)
    assert record["groups"] == 3 and record["suppressed_cells"] == 6
    assert {w["group"] for w in record["worse"]} == {"B"}


def test_no_team_column_gives_the_one_line() -> None:
    table = T.team_table(hand_fixture().drop(columns="team"))
    assert table.empty
    assert T.team_sentences(table) == [
        "The tickets carry no team column, so there is no team view."
    ]
    assert T.team_table(None).empty


def test_agents_go_to_the_private_folder_only(tmp_path: Path) -> None:
    out = tmp_path / "run" / "outputs"
    paths = T.save_team_tables(hand_fixture(), out)
    assert paths == [out / T.TEAMS_CSV, private_outputs(out) / T.AGENTS_CSV]
    published = (out / T.TEAMS_CSV).read_text()
    assert "agent" not in published
    assert "A-agent-0" in (private_outputs(out) / T.AGENTS_CSV).read_text()
    assert not (out / T.AGENTS_CSV).exists()


def test_team_and_agent_are_optional_contract_columns(tmp_path: Path) -> None:
    assert {"team", "agent"}.isdisjoint(TABLES["tickets"].required)
    assert TABLES["tickets"].column("team").kind == "category"
    folder = tmp_path / "d"
    folder.mkdir()
    hand_fixture().to_csv(folder / "tickets.csv", index=False)
    cx = cxlib.load(folder)
    assert {"team", "agent"} <= set(cx.tickets) and cx.quality.to_dict()["tickets"][
        "excluded"
    ] == {}
    assert "team" not in cx.quality.tables["tickets"].extra_columns
    out = tmp_path / "run" / "outputs"
    kpis = scorecard.headline_kpis(cx)
    trends, table = scorecard.monthly_trends(cx), scorecard.breakdown(cx)
    scorecard.save_outputs(out, kpis, trends, table, None, cx.period(), tickets=cx.tickets)
    saved = pd.read_json(out / "cx_scorecard.json", typ="series")
    assert {w["group"] for w in saved["teams"]["worse"]} == {"B"}


def test_a_planted_slow_team_is_flagged_on_sample_data(small_sample: Path) -> None:
    """The sample's tickets with teams assigned at random, 20 times: the team whose answers
    are planted 20 hours later is flagged worse on response every time; FCR, where nothing
    is planted, is flagged (a false alarm) in few of the worlds (BH over each table)."""
    cx = cxlib.load(small_sample)
    assert T.team_sentences(T.team_table(cx.tickets)) == [
        "The tickets carry no team column, so there is no team view."
    ]
    planted = {("Slow", "response_24h"), ("Slow", "first_response_mean")}
    planted |= {("Slow", "first_response_median")}
    found, false_fcr = 0, 0
    for seed in range(20):
        t = cx.tickets.copy()
        t["team"] = np.random.default_rng(seed).choice(["North", "South", "Slow"], len(t))
        slow = t["team"] == "Slow"
        t.loc[slow, "first_response_at"] += pd.Timedelta(hours=20)
        later = slow & (t["resolved_at"] < t["first_response_at"])
        t.loc[later, "resolved_at"] = t.loc[later, "first_response_at"]
        table = T.team_table(t)
        worse = table[table["worse"]]
        flagged = set(zip(worse["group"], worse["kpi"], strict=True))
        found += planted <= flagged
        false_fcr += any(k == "fcr" for _, k in flagged)
        assert set(worse["group"]) <= {"Slow"} | set(worse.loc[worse["kpi"] == "fcr", "group"])
    assert found == 20
    assert false_fcr <= 4  # 2 of 20 at the time of writing; 5% FDR per table


# --- the service times and CLV on the headline table ------------------------------------


def test_service_times_and_clv_are_headline_rows(tmp_path: Path) -> None:
    folder = tmp_path / "v"
    folder.mkdir()
    # 10 tickets opened 2025-02-01 00:00: 7 answered after 10 h, 2 after 48 h, 1 never;
    # all resolved after 96 h. Mean first response (7 * 10 + 2 * 48) / 9 = 18.44 h.
    pd.DataFrame(
        {
            "ticket_id": [f"T{i}" for i in range(10)],
            "customer_id": "a",
            "opened_at": "2025-02-01 00:00",
            "first_response_at": ["2025-02-01 10:00"] * 7 + ["2025-02-03 00:00"] * 2 + [None],
            "resolved_at": "2025-02-05 00:00",
            "channel": "email",
            "contacts": 1,
        }
    ).to_csv(folder / "tickets.csv", index=False)
    # a churns after 731 days, b is active at the end (2025-01-01): 1,462 days of exposure,
    # 1 churn; orders 100 (2024-01-01) and 300 (2025-01-01) span 366 days. CLV =
    # mean revenue 200 / (366 / 365.25) years × (1462 / 365.25) years = 200 × 1462 / 366.
    pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "signup_date": ["2023-01-01", "2023-01-01"],
            "churn_date": ["2025-01-01", None],
        }
    ).to_csv(folder / "customers.csv", index=False)
    pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "customer_id": ["a", "b"],
            "ordered_at": ["2024-01-01", "2025-01-01"],
            "amount": [100.0, 300.0],
        }
    ).to_csv(folder / "orders.csv", index=False)
    cx = cxlib.load(folder, {"currency": "EUR"})
    kpis = scorecard.headline_kpis(cx)
    assert kpis["first_response_time"].value == pytest.approx(166 / 9)
    assert kpis["first_response_time"].n == 9 and kpis["first_response_time"].unit == "hours"
    assert kpis["resolution_time"].value == pytest.approx(96.0) and kpis["resolution_time"].n == 10
    assert kpis["clv"].value == pytest.approx(200 * 1462 / 366) and kpis["clv"].unit == "EUR"
    assert kpis["clv"].ci_low <= kpis["clv"].value <= kpis["clv"].ci_high
    table = scorecard.kpi_table(kpis).set_index("KPI")
    assert table.loc["Avg first response time", "period"] == "the tickets answered in the period"
    assert table.loc["Customer lifetime value (CLV, revenue)", "n"] == "2"
    assert not math.isnan(kpis["first_response_time"].ci_low)
