"""Tests for cxlib.metrics (with cxlib.metrics.intervals and cxlib.metrics.compare behind it).

Known answers are computed by hand in the comments; property tests (hypothesis) check the
invariants; two seeded simulations check that the 95% intervals cover about 95% of the time.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlib.metrics import (
    MetricResult,
    avg_first_response_time,
    avg_resolution_time,
    ces,
    ces_mean,
    churn_rate,
    clv,
    compare,
    csat,
    engagement_rate,
    fcr,
    grouped,
    nps,
    response_within,
    retention_rate,
)
from cxlib.metrics.intervals import median_ci, wilson

Z = 1.959963984540054

# --- fixtures: tiny hand-built tables -------------------------------------------------------


@pytest.fixture
def tickets() -> pd.DataFrame:
    """Seven tickets; durations in hours noted per row (as_of = latest stamp = 01-05 20:00)."""
    rows = [
        # id, opened,           first response,     resolved,           channel, contacts
        ("t1", "2024-01-01 09:00", "2024-01-01 10:00", "2024-01-01 12:00", "chat", 1),  # 1h, 3h
        ("t2", "2024-01-01 10:00", "2024-01-02 12:00", "2024-01-03 10:00", "email", 3),  # 26h, 48h
        ("t3", "2024-01-02 08:00", "2024-01-02 08:30", "2024-01-02 09:00", "phone", 1),  # .5h, 1h
        ("t4", "2024-01-02 12:00", "2024-01-03 11:00", None, "email", 2),  # 23h, open
        ("t5", "2024-01-03 00:00", None, None, "email", None),  # unanswered, 68h old
        ("t6", "2024-01-04 06:00", "2024-01-04 06:15", "2024-01-04 11:00", "chat", 2),  # .25h, 5h
        ("t7", "2024-01-05 20:00", None, None, "chat", None),  # unanswered, 0h old
    ]
    cols = ["ticket_id", "opened_at", "first_response_at", "resolved_at", "channel", "contacts"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["customer_id"] = ["c1", "c2", "c3", "c1", "c4", "c5", "c2"]
    return frame


@pytest.fixture
def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
            "signup_date": [
                "2023-01-10",  # active at 2024-01-01, churns in January
                "2023-06-01",  # active, stays
                "2023-03-01",  # churned before the period: not active at start
                "2024-01-05",  # signs up during the period: not counted
                "2023-11-11",  # active; churns on the end date, i.e. after [start, end)
                "2023-02-02",  # active, churns in January
                "2023-05-05",  # active, stays
            ],
            "churn_date": [
                "2024-01-15",
                None,
                "2023-12-20",
                "2024-01-20",
                "2024-02-01",
                "2024-01-31",
                None,
            ],
            "churned": [True, False, True, True, True, True, False],
        }
    )


@pytest.fixture
def orders() -> pd.DataFrame:
    # c1: 100 + 50, c2: 30, c3: 20 -> revenue 200, 4 orders, 3 customers.
    # Span 2023-01-01 00:00 -> 2024-01-01 06:00 = 365.25 days = exactly one year.
    return pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5"],
            "customer_id": ["c1", "c1", "c2", "c3", "c3"],
            "ordered_at": [
                "2023-01-01 00:00",
                "2023-07-01 00:00",
                "2023-03-01 00:00",
                "2024-01-01 06:00",
                "2023-05-05 00:00",
            ],
            "amount": [100.0, 50.0, 30.0, 20.0, None],  # o5: missing amount, ignored
        }
    )


@pytest.fixture
def surveys() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "channel": ["web", "web", "web", "app", "app", "web", "app", "email"],
            "score": [10, 9, 0, 7, 8, 10, 3, 9],
            "responded_at": [
                "2024-01-05",
                "2024-01-10",
                "2024-01-20",
                "2024-01-21",
                "2024-02-01T00:30:00+01:00",  # = 2024-01-31 23:30 UTC: January
                "2024-02-01",
                "2024-02-15",
                "2024-02-20",
            ],
        }
    )


# --- result type ----------------------------------------------------------------------------


def test_metric_result_converts_and_reads():
    r = nps([10, 9, 7, 0])
    assert float(r) == 25.0
    assert str(r).startswith("NPS 25.0 (95% CI -56.3 to 100.0, n=4)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.value = 1.0  # type: ignore[misc]


# --- survey metrics -------------------------------------------------------------------------


def test_nps_known_answer():
    # promoters 10, 9; passive 7; detractor 0 -> (2 - 1) / 4 = 25 points.
    # Var = 100² (p_P + p_D - (p_P - p_D)²) / n = 1e4 (.5 + .25 - .0625) / 4 = 1718.75
    # SE = 41.458; low = 25 - 1.96 * 41.458 = -56.256; high = 106.3, clipped to 100.
    r = nps([10, 9, 7, 0])
    assert (r.value, r.n, r.unit) == (25.0, 4, "points")
    assert r.se == pytest.approx(41.4578, abs=1e-4)
    assert r.ci_low == pytest.approx(-56.2558, abs=1e-3)
    assert r.ci_high == 100.0


def test_nps_all_passives_is_zero():
    r = nps([7, 8, 7, 8])
    assert (r.value, r.ci_low, r.ci_high, r.n) == (0.0, 0.0, 0.0, 4)


def test_nps_ignores_missing_and_rejects_out_of_scale():
    assert nps([10, float("nan"), None, 0]).n == 2
    assert nps(pd.Series([10, None, 0], dtype="Int64")).value == 0.0
    with pytest.raises(ValueError, match="2 of 4"):
        nps([11, 9.5, 3, 10])


def test_csat_known_answer():
    # 5 and 4 are top-2-box -> 2 / 4 = 50%. Wilson, z² = 3.8415:
    # centre = (.5 + z²/8) / (1 + z²/4) = .5; half = z / 1.96037 * sqrt(.0625 + z²/64) = .34996
    r = csat([5, 4, 3, 2])
    assert float(r) == 50.0
    assert (r.ci_low, r.ci_high) == (
        pytest.approx(15.0039, abs=1e-3),
        pytest.approx(84.9961, abs=1e-3),
    )
    assert float(csat([5, 4, 3, 2], threshold=5)) == 25.0  # top box only: 1 / 4
    with pytest.raises(ValueError, match="1 of 2"):
        csat([5, 6])


def test_ces_known_answers():
    assert round(float(ces([5, 4, 1])), 2) == 66.67  # 2 of 3 found it easy (>= 4)
    # mean 10/3; sd = sqrt((1.667² + .667² + 2.333²) / 2) = 2.0817; se = 1.2019;
    # t(.975, 2) = 4.3027 -> 3.333 ± 5.1714
    r = ces_mean([5, 4, 1])
    assert r.value == pytest.approx(10 / 3)
    assert (r.ci_low, r.ci_high) == (
        pytest.approx(-1.8381, abs=1e-3),
        pytest.approx(8.5048, abs=1e-3),
    )


# --- customer metrics -----------------------------------------------------------------------


def test_churn_rate_from_flags():
    assert float(churn_rate([True, False, False, True, None])) == 50.0  # None ignored: 2 / 4
    assert float(churn_rate(["yes", "No", " 1 ", "0"])) == 50.0
    assert churn_rate(np.array([1, 0, 0, 0])).n == 4
    with pytest.raises(ValueError, match="1 values"):
        churn_rate([0, 1, 2])
    with pytest.raises(ValueError):
        churn_rate(["maybe"])


def test_churn_and_retention_from_customers(customers):
    # churned column: c1, c3, c4, c5, c6 -> 5 / 7
    assert float(churn_rate(customers)) == pytest.approx(500 / 7)
    # [2024-01-01, 2024-02-01): active at start c1, c2, c5, c6, c7; churned c1, c6 -> 2 / 5
    r = churn_rate(customers, start="2024-01-01", end="2024-02-01")
    assert (r.value, r.n) == (40.0, 5)
    kept = retention_rate(customers, start="2024-01-01", end="2024-02-01")
    assert (kept.value, kept.n) == (60.0, 5)
    assert (kept.ci_low, kept.ci_high) == (
        pytest.approx(100 - r.ci_high),
        pytest.approx(100 - r.ci_low),
    )
    with pytest.raises(ValueError, match="both start and end"):
        churn_rate(customers, start="2024-01-01")


def test_clv_with_given_lifetime(orders):
    # AOV = 200 / 4 = 50; F = 4 orders / 3 customers / 1 year; L = 3; margin .5
    # CLV = 50 * 4/3 * 3 * .5 = 100
    r = clv(orders, expected_lifetime_years=3, margin=0.5)
    assert r.value == pytest.approx(100.0)
    assert r.n == 3
    assert r.ci_low <= r.value <= r.ci_high
    assert clv(
        orders, expected_lifetime_years=3, margin=0.5, observed_years=2
    ).value == pytest.approx(50)
    assert clv(orders, expected_lifetime_years=3, margin=0.5) == r  # seeded bootstrap
    with pytest.raises(ValueError, match="expected_lifetime_years"):
        clv(orders)


def test_clv_with_lifetime_from_customers(orders):
    # As of 2023-01-01: a 730 + b 730 + c 365 = 1825 days of exposure, 2 churns.
    # Annual churn = 2 / (1825 / 365.25) -> L = 2.4983 years; CLV = 200 / 3 / 1 * L = 166.55
    people = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "signup_date": ["2021-01-01", "2021-01-01", "2022-01-01"],
            "churn_date": ["2023-01-01", None, "2023-01-01"],
        }
    )
    r = clv(orders, customers=people, n_boot=500)
    assert r.value == pytest.approx(200 / 3 * (1825 / 365.25 / 2))
    assert r.ci_low <= r.value <= r.ci_high


# --- support metrics ------------------------------------------------------------------------


def test_fcr(tickets):
    # resolved: t1 (1 contact), t2 (3), t3 (1), t6 (2); open t4, t5, t7 excluded -> 2 / 4
    r = fcr(tickets)
    assert (r.value, r.n) == (50.0, 4)


def test_resolution_time(tickets):
    # resolved durations 3, 48, 1, 5 hours -> mean 57 / 4 = 14.25; median (3 + 5) / 2 = 4
    r = avg_resolution_time(tickets)
    assert (r.value, r.n, r.unit) == (14.25, 4, "hours")
    assert r.ci_low < 14.25 < r.ci_high
    assert avg_resolution_time(tickets, unit="minutes").value == 855.0
    med = avg_resolution_time(tickets, statistic="median")
    assert med.value == 4.0 and math.isnan(med.ci_low)  # n < 6: no 95% order-statistic CI


def test_first_response_time(tickets):
    # answered: 1 + 26 + .5 + 23 + .25 = 50.75 hours over 5 tickets -> 10.15
    r = avg_first_response_time(tickets)
    assert (r.value, r.n) == (pytest.approx(10.15), 5)


def test_response_within(tickets):
    # 24h: t1 yes, t2 no (26h), t3 yes, t4 yes (23h), t5 no (unanswered, 68h old), t6 yes;
    # t7 unanswered but 0h old at as_of -> excluded. 4 / 6
    r = response_within(tickets, hours=24)
    assert (r.value, r.n) == (pytest.approx(400 / 6), 6)
    # 1h: t1 yes (exactly 1h), t2 no, t3 yes, t4 no, t5 no, t6 yes; t7 excluded -> 3 / 6
    assert response_within(tickets, hours=1).value == 50.0
    # as of 2024-01-02 00:00: only t1, t2 opened; t1 answered; t2's answer comes later and
    # it is 14h old -> excluded. 1 / 1
    early = response_within(tickets, as_of="2024-01-02 00:00")
    assert (early.value, early.n) == (100.0, 1)


def test_durations_reject_time_travel(tickets):
    bad = tickets.assign(first_response_at=["2023-12-31 00:00"] + [None] * 6)
    with pytest.raises(ValueError, match="1 tickets"):
        response_within(bad)
    with pytest.raises(ValueError, match="1 tickets"):
        avg_first_response_time(bad)


# --- social ---------------------------------------------------------------------------------


def test_engagement_rate():
    mentions = pd.DataFrame(
        {
            "likes": [10, 0, 5, None],
            "shares": [2, 0, None, None],
            "comments": [3, 0, 1, None],  # engagements 15, 0, 6, (all missing: ignored)
            "followers": [100, 200, 300, 100],
        }
    )
    per = engagement_rate(mentions)
    assert (per.value, per.n, per.unit) == (7.0, 3, "per mention")  # 21 / 3
    assert float(engagement_rate(mentions, audience=1000)) == pytest.approx(0.7)  # 21 / 3000
    assert float(engagement_rate(mentions, audience="followers")) == pytest.approx(3.5)  # 21/600
    assert per.ci_low <= per.value <= per.ci_high


# --- empty input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda t: nps([]),
        lambda t: csat([float("nan")]),
        lambda t: ces([]),
        lambda t: ces_mean([]),
        lambda t: churn_rate([]),
        lambda t: retention_rate([]),
        lambda t: fcr(t.iloc[:0]),
        lambda t: avg_resolution_time(t.iloc[:0]),
        lambda t: avg_first_response_time(t.iloc[:0]),
        lambda t: response_within(t.iloc[:0]),
        lambda t: engagement_rate(pd.DataFrame({"likes": []})),
        lambda t: clv(pd.DataFrame(columns=["customer_id", "amount"]), expected_lifetime_years=2),
    ],
)
def test_empty_input_gives_nan(call, tickets):
    r = call(tickets)
    assert math.isnan(r.value) and r.n == 0
    assert "n/a" in str(r)


# --- coverage of the 95% intervals ----------------------------------------------------------


def test_nps_ci_covers_95_percent():
    rng = np.random.default_rng(1)
    # 45% promoters (10), 30% passives (8), 25% detractors (3): true NPS = 20
    samples = rng.choice([10, 8, 3], p=[0.45, 0.30, 0.25], size=(400, 200))
    hits = [(r := nps(s)).ci_low <= 20.0 <= r.ci_high for s in samples]
    assert 0.92 <= np.mean(hits) <= 0.98


def test_wilson_ci_covers_95_percent():
    rng = np.random.default_rng(2)
    samples = np.where(rng.random((400, 200)) < 0.7, 5, 2)  # true CSAT = 70%
    hits = [(r := csat(s)).ci_low <= 70.0 <= r.ci_high for s in samples]
    assert 0.92 <= np.mean(hits) <= 0.98


# --- properties -----------------------------------------------------------------------------

nps_scores = st.lists(st.integers(0, 10), min_size=1, max_size=200)


@given(nps_scores)
def test_nps_in_range_and_inside_its_ci(scores):
    r = nps(scores)
    assert -100 <= r.value <= 100
    assert -100 <= r.ci_low <= r.value <= r.ci_high <= 100


@given(st.data())
def test_nps_ignores_row_order(data):
    scores = data.draw(nps_scores)
    assert nps(data.draw(st.permutations(scores))) == nps(scores)


@given(nps_scores, st.sampled_from([9, 10]))
def test_adding_a_promoter_never_lowers_nps(scores, promoter):
    assert nps([*scores, promoter]).value >= nps(scores).value


@given(st.lists(st.integers(1, 5), min_size=1, max_size=200))
def test_csat_in_range_and_inside_its_ci(scores):
    r = csat(scores)
    assert 0 <= r.ci_low <= r.value <= r.ci_high <= 100


@given(st.integers(0, 500), st.integers(1, 500))
def test_wilson_bounds(k, n):
    k = min(k, n)
    low, high = wilson(k, n)
    assert 0 <= low <= k / n <= high <= 1


@settings(max_examples=50)
@given(st.lists(st.floats(0, 1e3), min_size=6, max_size=60))
def test_median_ci_brackets_median(x):
    med, low, high = median_ci(np.array(x))
    assert low <= med <= high


# --- compare --------------------------------------------------------------------------------


def test_compare_identical_samples_not_significant():
    x = np.random.default_rng(3).integers(0, 11, size=2000)
    c = compare(nps(x), nps(x))
    assert c.diff == 0 and c.p_value == 1.0 and not c.significant
    assert not compare(csat(x % 5 + 1), csat(x % 5 + 1)).significant


def test_compare_very_different_samples():
    low = nps([0] * 300 + [10] * 100)  # -50
    high = nps([0] * 100 + [10] * 300)  # +50
    up = compare(low, high)
    assert up.diff == 100.0 and up.significant and up.ci_low > 0
    assert str(up).startswith("NPS up 100.0 points")
    down = compare(high, low)
    assert down.diff == -100.0 and down.significant and down.ci_high < 0


def test_compare_two_proportions_known_answer():
    # 50/100 vs 65/100: pooled p = .575, SE0 = sqrt(.575 * .425 * .02) = .069911,
    # z = .15 / .069911 = 2.1456 -> p = .0319. Newcombe from the Wilson intervals
    # (40.38, 59.62) and (55.25, 73.63): 15 - 13.69 = 1.31 to 15 + 12.93 = 27.93.
    c = compare(csat([5] * 50 + [1] * 50), csat([5] * 65 + [1] * 35))
    assert c.p_value == pytest.approx(0.0319, abs=1e-4)
    assert (c.ci_low, c.ci_high) == (pytest.approx(1.31, abs=0.01), pytest.approx(27.93, abs=0.01))
    assert c.significant


def test_compare_normal_known_answer():
    # diff 3, SE sqrt(1 + 1) = 1.4142 -> CI 3 ± 2.7718; z = 2.1213 -> p = .0339
    a = MetricResult("Avg resolution time", 10.0, 100, math.nan, math.nan, "hours", "t", se=1.0)
    b = dataclasses.replace(a, value=13.0)
    c = compare(a, b)
    assert (c.ci_low, c.ci_high) == (
        pytest.approx(0.2282, abs=1e-3),
        pytest.approx(5.7718, abs=1e-3),
    )
    assert c.p_value == pytest.approx(0.0339, abs=1e-4)
    # without se the CI half-width / 1.96 is used: CI 10 ± 1.96 -> SE 1 -> same answer
    a2 = dataclasses.replace(a, ci_low=10 - Z, ci_high=10 + Z, se=math.nan)
    b2 = dataclasses.replace(a2, value=13.0, ci_low=13 - Z, ci_high=13 + Z)
    assert compare(a2, b2).p_value == pytest.approx(c.p_value)


def test_compare_refuses_mismatch_and_handles_empty():
    with pytest.raises(ValueError, match="cannot compare"):
        compare(nps([10]), csat([5]))
    c = compare(nps([]), nps([10]))
    assert math.isnan(c.diff) and not c.significant


# --- grouped --------------------------------------------------------------------------------

TIDY = ["metric", "value", "n", "ci_low", "ci_high", "low_n"]


def test_grouped_score_metric_by_column(surveys):
    # app [7, 8, 3] -> (0 - 1) / 3; email [9] -> 100; web [10, 9, 0, 10] -> (3 - 1) / 4
    g = grouped(nps, surveys, "channel", value="score", min_n=3)
    assert list(g.columns) == ["channel", *TIDY]
    assert g["channel"].tolist() == ["app", "email", "web"]
    assert g["value"].tolist() == pytest.approx([-100 / 3, 100.0, 50.0])
    assert g["n"].tolist() == [3, 1, 4]
    assert g["low_n"].tolist() == [False, True, False]
    assert (g["metric"] == "NPS").all()


def test_grouped_by_period(surveys):
    # January (UTC) [10, 9, 0, 7, 8] -> (2 - 1) / 5 = 20; February [10, 3, 9] -> 1 / 3
    g = grouped(nps, surveys, value="score", time_col="responded_at", freq="M")
    assert list(g.columns) == ["period", *TIDY]
    assert [str(p) for p in g["period"]] == ["2024-01", "2024-02"]
    assert g["value"].tolist() == pytest.approx([20.0, 100 / 3])
    assert g["low_n"].all()  # default min_n = 30


def test_grouped_table_metric(tickets):
    # resolved by channel: chat t1 (1), t6 (2) -> 50; email t2 (3) -> 0; phone t3 (1) -> 100
    g = grouped(fcr, tickets, ["channel"], min_n=2)
    assert g["value"].tolist() == [50.0, 0.0, 100.0]
    assert g["n"].tolist() == [2, 1, 1]
    assert g["low_n"].tolist() == [False, True, True]


def test_grouped_needs_a_grouping(surveys):
    with pytest.raises(ValueError):
        grouped(nps, surveys, value="score")
    with pytest.raises(ValueError, match="time_col"):
        grouped(nps, surveys, value="score", freq="M")


# --- documentation contract ------------------------------------------------------------------

METRIC_MODULES = ("survey", "customer", "support", "social")


@pytest.mark.parametrize("module", METRIC_MODULES)
def test_every_metric_documents_its_formula_and_edge_cases(module):
    """empyrical style: each public metric states its formula, its edge cases and an example,
    and the module docstring lists it."""
    import importlib
    import inspect

    import cxlib.metrics

    mod = importlib.import_module(f"cxlib.metrics.{module}")
    public = [
        name
        for name, f in inspect.getmembers(mod, inspect.isfunction)
        if f.__module__ == mod.__name__ and not name.startswith("_")
    ]
    assert public
    for name in public:
        doc = inspect.getdoc(getattr(mod, name))
        assert "Formula" in doc, name
        assert "Edge cases" in doc or "edge cases" in doc, name
        assert ">>>" in doc, name
        assert f":func:`{name}`" in mod.__doc__, name
        assert name in cxlib.metrics.__all__, name


def test_z95_has_one_home():
    """The 95% normal quantile is defined once, in intervals, and compare uses it."""
    import importlib

    compare_module = importlib.import_module("cxlib.metrics.compare")  # the function shadows it
    intervals = importlib.import_module("cxlib.metrics.intervals")

    assert pytest.approx(Z, abs=1e-12) == intervals.Z95
    assert compare_module.Z95 is intervals.Z95


def test_bootstrap_sums_of_many_rows_match_resampling(monkeypatch: pytest.MonkeyPatch) -> None:
    """From CLT_ROWS rows the sums are drawn from their normal limit: the same interval
    as resampling the rows, to within a few percent of its width."""
    from cxlib.metrics import intervals as iv

    rng = np.random.default_rng(0)
    n = iv.CLT_ROWS
    x = np.column_stack([rng.gamma(2, 30, n), rng.poisson(3, n)]).astype(float)
    ratio = lambda s: s[:, 0] / s[:, 1]  # noqa: E731
    fast = iv.percentile_ci(ratio(iv.bootstrap_sums(x, 400, np.random.default_rng(1))))
    monkeypatch.setattr(iv, "CLT_ROWS", 10 * n)
    slow = iv.percentile_ci(ratio(iv.bootstrap_sums(x, 400, np.random.default_rng(1))))
    width = slow[1] - slow[0]
    assert abs(fast[0] - slow[0]) < 0.15 * width and abs(fast[1] - slow[1]) < 0.15 * width
