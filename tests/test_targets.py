"""Targets and benchmarks: the gap arithmetic against hand counts, where they are shown,
and that no target is invented."""

from __future__ import annotations

import math
from types import SimpleNamespace as T

import pandas as pd
import pytest

from cxlib.metrics.intervals import MetricResult
from cxlib.metrics.targets import benchmark_gap, check_target, target_record, target_sentence
from cxlib.report.index import index_html, kpi_tiles
from cxlib.report.tiles import goal_texts
from cxlib.scorecard.kpis import kpi_table
from cxlib.scorecard.targets import goal_columns, target_records, target_sentences

AT_LEAST_75 = T(value=75.0, direction="higher")
AT_MOST_1_5 = T(value=1.5, direction="lower")


def test_gap_arithmetic_by_hand() -> None:
    # at least 75: value 70 (CI 68 to 72) is 5 short; the gap's CI is the CI's gap
    c = check_target(70.0, 68.0, 72.0, AT_LEAST_75)
    assert (c.met, c.gap, c.gap_low, c.gap_high, c.clear) == (False, -5.0, -7.0, -3.0, True)
    # at most 1.5: value 1.2 (CI 0.9 to 1.6) meets it by 0.3, CI 1.5-1.6 to 1.5-0.9
    c = check_target(1.2, 0.9, 1.6, AT_MOST_1_5)
    assert c.met is True and c.gap == pytest.approx(0.3)
    assert (c.gap_low, c.gap_high) == pytest.approx((-0.1, 0.6)) and not c.clear
    # exactly on the target meets it; an unknown value is neither
    assert check_target(75.0, 74.0, 76.0, AT_LEAST_75).met is True
    assert check_target(math.nan, math.nan, math.nan, AT_LEAST_75).met is None
    assert benchmark_gap(-27.9, T(value=20.0, source="x")) == pytest.approx(-47.9)


def test_sentences_say_met_short_and_straddling() -> None:
    short = target_sentence(
        "nps", check_target(-27.9, -29.1, -26.7, T(value=0, direction="higher"))
    )
    assert "not met, 27.9 points short (26.7 to 29.1)" in short
    assert "not clearly" not in short
    met = target_sentence("csat", check_target(80.0, 78.0, 82.0, AT_LEAST_75))
    assert "met, 5.0 percentage points above it (3.0 to 7.0)" in met
    over = target_sentence("churn_rate_monthly", check_target(4.1, 3.8, 4.4, AT_MOST_1_5))
    assert "not met, 2.6 percentage points over it (2.3 to 2.9)" in over
    unclear = target_sentence("csat", check_target(74.0, 72.0, 76.0, AT_LEAST_75))
    assert "not clearly above or below the target" in unclear
    r = target_record("nps", -27.9, -29.1, -26.7, None, T(value=20.0, source="survey X"))
    assert r["target"] is None and r["benchmark_gap"] == pytest.approx(-47.9)
    assert "vs benchmark 20 (source: survey X): 47.9 points below" in r["sentence"]


def test_scorecard_records_put_missed_targets_first_and_invent_none() -> None:
    trends = pd.DataFrame(
        {
            "kpi": ["csat", "csat", "fcr", "ces"],
            "period": ["2026-08", "2026-09", "2026-09", "2026-09"],
            "value": [74.0, 80.0, 60.0, 50.0],
            "ci_low": [72.0, 78.0, 58.0, 48.0],
            "ci_high": [76.0, 82.0, 62.0, 52.0],
            "n": [900, 900, 700, 800],
        }
    )
    targets = {"csat": AT_LEAST_75, "fcr": T(value=70.0, direction="higher")}
    records = target_records({}, trends, targets)
    assert [r["kpi"] for r in records] == ["fcr", "csat"]  # missed first; ces has none
    assert records[1]["value"] == 80.0 and records[1]["period"] == "2026-09"  # latest month
    assert records[0]["gap"] == -10.0 and records[0]["met"] is False
    assert target_sentences([], none="none") == ["none"]


def test_kpi_table_gains_columns_only_with_targets() -> None:
    kpis = {
        "csat": MetricResult("CSAT", 70.0, 900, 68.0, 72.0, "%", "wilson"),
        "nps": MetricResult("NPS", -10.0, 900, -14.0, -6.0, "points", "normal", 2.0),
    }
    plain = kpi_table(kpis)
    assert list(plain.columns) == ["KPI", "value", "95% CI", "n", "unit", "period"]
    table = kpi_table(kpis, {"csat": AT_LEAST_75}, {"nps": T(value=20.0, source="s")})
    assert list(table.columns)[6:] == ["target", "status", "gap (95% CI)", "benchmark"]
    assert table.loc[0, ["target", "status"]].tolist() == ["at least 75%", "not met"]
    assert table.loc[0, "gap (95% CI)"] == "−5.0 (−7.0 to −3.0)"
    assert table.loc[1, "target"] == "" and table.loc[1, "benchmark"].startswith("20 (−30.0")
    cols = goal_columns(kpis, {"csat": T(value=69.0, direction="higher")})
    assert cols.loc[0, "status"] == "not clear"  # 70 (68 to 72) against at least 69


def _history(value: float, low: float, high: float) -> dict:
    return {"periods": ["2026-08", "2026-09"], "values": [value, value], "n": [900, 900],
            "period": "2026-09", "value": value, "ci_low": low, "ci_high": high,
            "changes": []}  # fmt: skip


def test_tiles_show_the_config_targets_and_nothing_else() -> None:
    history = {"csat": _history(70.0, 68.0, 72.0), "ces": _history(50.0, 48.0, 52.0),
               "churn_rate_monthly": _history(4.1, 3.8, 4.4)}  # fmt: skip
    targets = {"csat": {"value": 75, "direction": "higher"},
               "churn_rate_monthly": {"value": 1.5, "direction": "lower"}}  # fmt: skip
    tiles = {t.name: t for t in kpi_tiles({}, history, targets=targets)}
    assert tiles["CSAT"].target.startswith("Target at least 75%: not met, 5.0")
    assert tiles["CSAT"].target_css == "worse"
    assert tiles["CES (% easy)"].target == "" and tiles["CES (% easy)"].benchmark == ""
    assert "2.6 percentage points over it" in tiles["Monthly churn rate"].target
    assert (
        goal_texts("csat", 74.0, 72.0, 76.0, {"value": 75, "direction": "higher"})["target_css"]
        == "same"
    )


def test_index_page_leads_with_alerts_and_shows_targets() -> None:
    manifest = {
        "run_id": "r1", "status": "succeeded", "started_at": "2026-10-01T07:00:00+00:00",
        "cxlib_version": "0", "reports": [], "parameters": {},
        "data": {"source": "x", "period": None, "tables": {}, "quality": []},
        "kpis": {}, "kpi_history": {"csat": _history(70.0, 68.0, 72.0)},
        "targets": {"csat": {"value": 75, "direction": "higher"}},
        "alerts": ["Alert: CSAT fell <b>6</b> points."],
    }  # fmt: skip
    page = index_html(manifest)
    assert page.index("Alerts") < page.index("Headline KPIs")
    assert "Alert: CSAT fell &lt;b&gt;6&lt;/b&gt; points." in page  # escaped
    assert "Target at least 75%: not met, 5.0 percentage points short" in page
