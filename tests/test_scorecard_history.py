"""Tests of the latest month's changes (cxlib.scorecard.history) and the scorecard headline.

Randomised worlds of monthly survey answers: a change planted in the last month is found
against the month before and the same month a year earlier; worlds without a change
raise a false alarm in at most about 5% of runs (Benjamini–Hochberg over every KPI and
both comparisons); a short history says nothing year on year.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cxlib import scorecard
from cxlib.scorecard.history import PREVIOUS, YEAR_EARLIER, kpi_history, period_changes

MONTHS = 25
"""Months in a world: the last one has a same month a year earlier."""
NULL_WORLDS = 80
ALPHA = 0.05


def _world(seed: int, months: int = MONTHS, n: int = 400, shift: float = 0.0) -> SimpleNamespace:
    """CSAT and CES answers (1-5) and NPS answers (0-10), ``n`` a month; the last month's
    CSAT top-box share moves by ``shift``."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    frames = []
    for m in range(months):
        when = start + pd.DateOffset(months=m) + pd.to_timedelta(rng.uniform(0, 27, n), "D")
        top = 0.45 + (shift if m == months - 1 else 0.0)
        csat = np.where(rng.random(n) < top, rng.integers(4, 6, n), rng.integers(1, 4, n))
        ces = np.where(rng.random(n) < 0.5, rng.integers(4, 6, n), rng.integers(1, 4, n))
        nps = rng.choice(11, n, p=np.r_[np.full(7, 0.3 / 7), 0.1, 0.1, 0.25, 0.25])
        for survey, score in (("csat", csat), ("ces", ces), ("nps", nps)):
            frames.append(pd.DataFrame({"responded_at": when, "survey": survey, "score": score}))
    surveys = pd.concat(frames, ignore_index=True)
    return SimpleNamespace(
        surveys=surveys,
        tickets=None,
        customers=None,
        config=None,
        period=lambda: (surveys["responded_at"].min(), surveys["responded_at"].max()),
    )


def test_a_planted_change_is_found_against_both_earlier_months() -> None:
    found = 0
    for seed in range(20):
        changes = period_changes(scorecard.monthly_trends(_world(seed, shift=0.15)))
        csat = changes[changes["kpi"] == "csat"].set_index("versus")
        assert csat.loc[YEAR_EARLIER, "other_period"] == "2025-01"
        assert csat.loc[PREVIOUS, "other_period"] == "2025-12"
        assert csat.loc[YEAR_EARLIER, "period"] == "2026-01"
        found += bool(csat.loc[YEAR_EARLIER, "significant"] and csat.loc[PREVIOUS, "significant"])
        if csat.loc[YEAR_EARLIER, "significant"]:
            assert csat.loc[YEAR_EARLIER, "better"] is True
            low, high = csat.loc[YEAR_EARLIER, ["change_low", "change_high"]]
            assert low < csat.loc[YEAR_EARLIER, "change"] < high
    assert found >= 18  # 15 points at 400 answers a month: z about 4


def test_worlds_without_a_change_rarely_raise_an_alarm() -> None:
    alarms = 0
    for seed in range(NULL_WORLDS):
        changes = period_changes(scorecard.monthly_trends(_world(1000 + seed)))
        assert len(changes) == 6 and changes["p_value"].notna().all()  # 3 KPIs x 2
        alarms += bool(changes["significant"].any())
    # BH at 5% over the six tests of a world: P(any alarm) <= 5% when nothing changed;
    # fail only when the count is implausible for a 5% rate (one-sided p < 0.01)
    assert stats.binom.sf(alarms - 1, NULL_WORLDS, ALPHA) > 0.01, alarms


def test_a_short_history_has_no_year_on_year_change() -> None:
    changes = period_changes(scorecard.monthly_trends(_world(7, months=6)))
    year = changes[changes["versus"] == YEAR_EARLIER]
    assert year["other_period"].isna().all() and year["p_value"].isna().all()
    assert not year["significant"].any()
    assert changes[changes["versus"] == PREVIOUS]["p_value"].notna().all()


def test_history_for_tiles_holds_twelve_months_and_both_changes() -> None:
    history = kpi_history(_world(3, shift=0.15))
    csat = history["csat"]
    assert len(csat["periods"]) == len(csat["values"]) == 12
    assert csat["periods"][-1] == csat["period"] == "2026-01"
    assert csat["name"] == "CSAT" and csat["unit"] == "%"
    assert [c["versus"] for c in csat["changes"]] == [PREVIOUS, YEAR_EARLIER]
    assert csat["changes"][1]["significant"] and csat["changes"][1]["better"] is True


def test_the_headline_leads_with_the_significant_change() -> None:
    cx = _world(5, shift=0.15)
    trends = scorecard.monthly_trends(cx)
    kpis = scorecard.headline_kpis(cx)
    found = scorecard.findings(kpis, trends, scorecard.breakdown(cx))
    assert found[0].startswith("CSAT rose") and "(better)" in found[0]
    assert "to 63.0% in Jan 2026" in found[0] and "(95% CI +" in found[0]
    quiet = scorecard.findings(kpis, trends[trends["kpi"] == "nps"], scorecard.breakdown(cx))
    assert quiet[1].startswith("No KPI changed significantly in Jan 2026")


@pytest.mark.parametrize("shift", [0.0, 0.15])
def test_summary_states_the_kpis_and_the_changes(shift: float) -> None:
    cx = _world(11, shift=shift)
    trends, kpis = scorecard.monthly_trends(cx), scorecard.headline_kpis(cx)
    summary = scorecard.summary(kpis, trends, scorecard.breakdown(cx), None, cx.period())
    stated = {r["kpi"]: r for r in summary["stated_kpis"]}
    assert set(stated) == {"nps", "csat", "ces"}
    assert stated["ces"]["unit"] == "%" and stated["ces"]["name"] == "CES (% easy)"
    assert stated["nps"]["period"] == ["2024-01-01", str(cx.period()[1])[:10]]
    assert stated["nps"]["period"][1].startswith("2026-01")
    assert len(summary["period_changes"]) == 6
    assert bool(summary["latest_changes"]) == (shift > 0)
