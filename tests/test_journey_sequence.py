"""The journey's numpy fast paths against their SQL definitions, row for row.

:class:`~cxlib.journey.JourneyLog` builds ``journey_events``, ``journey_visits`` and the
journey variants with numpy (:mod:`cxlib.journey.sequence`, :mod:`cxlib.journey.tallies`);
``events.sql``, ``visits.sql`` and ``variants.sql`` define them. These tests run both on
logs made to be awkward -- rows out of order, events and tickets at the same instant,
customers going back a stage, a touchpoint in two stages, stages outside the order, NULL
channels -- and on the sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib import journey
from cxlib.io.config import load_config
from cxlib.io.dataset import CXData
from cxlib.journey.analysis import _coverage
from cxlib.journey.log import BUILT_WITH_NUMPY, JourneyLog

STAGES = ["awareness", "consideration", "purchase", "usage", "loyalty"]
TOUCHPOINTS = {  # touchpoint -> its stage(s); "chat" belongs to two
    "ad": ["awareness"],
    "page": ["consideration"],
    "cart": ["purchase"],
    "pay": ["purchase"],
    "chat": ["consideration", "usage"],
    "login": ["usage"],
    "renew": ["loyalty"],
}


def _awkward_cx(seed: int, customers: int = 60) -> CXData:
    """A random log with ties, back-steps, shuffled rows and tickets at event instants."""
    rng = np.random.default_rng(seed)
    ids = [f"c{i:03d}" for i in range(customers)]
    rows = []
    base = pd.Timestamp("2025-01-01")
    for cid in ids:
        n = int(rng.integers(1, 25))
        minutes = np.sort(rng.integers(0, 600, size=n))  # coarse times: many ties
        minutes[rng.random(n) < 0.2] = minutes[0]
        for m in np.sort(minutes):
            tp = rng.choice(list(TOUCHPOINTS))
            stage = rng.choice(TOUCHPOINTS[tp])
            channel = None if rng.random() < 0.1 else rng.choice(["web", "app"])
            rows.append((cid, base + pd.Timedelta(minutes=int(m)), stage, tp, channel))
    events = pd.DataFrame(
        rows, columns=["customer_id", "timestamp", "stage", "touchpoint", "channel"]
    )
    events = events.sample(frac=1, random_state=seed).reset_index(drop=True)  # out of order
    events = events.astype(
        {
            "customer_id": "string[pyarrow]",
            "timestamp": "datetime64[us]",
            "stage": pd.CategoricalDtype(STAGES, ordered=True),
            "touchpoint": "category",
            "channel": "category",
        }
    )
    ticket_rows = []
    for k, cid in enumerate(rng.choice(ids + ["stranger"], size=customers)):
        own = events[events["customer_id"] == cid]
        when = (
            own["timestamp"].iloc[int(rng.integers(len(own)))]  # at an event's instant
            if len(own) and rng.random() < 0.5
            else base + pd.Timedelta(minutes=int(rng.integers(0, 700)))
        )
        ticket_rows.append((f"t{k}", cid, when, rng.choice(["phone", "chat"])))
    tickets = pd.DataFrame(
        ticket_rows, columns=["ticket_id", "customer_id", "opened_at", "channel"]
    )
    tickets = tickets.astype(
        {"ticket_id": "string[pyarrow]", "customer_id": "string[pyarrow]",
         "opened_at": "datetime64[us]", "channel": "category"}
    )  # fmt: skip
    customers_table = pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype="string[pyarrow]"),
            "churned": pd.Series(rng.random(customers) < 0.3, dtype="boolean"),
            "monthly_revenue": rng.choice([0.0, 10.0, 25.0], size=customers),
        }
    )
    return CXData(
        source=f"awkward-{seed}",
        config=load_config(None),
        quality=None,
        tables={"events": events, "tickets": tickets, "customers": customers_table},
    )


def _same(numpy_frame: pd.DataFrame, sql_frame: pd.DataFrame, keys: list[str]) -> None:
    """Equal as sets of rows (numbers compared as floats, NULL equal to NULL)."""
    assert list(numpy_frame.columns) == list(sql_frame.columns)
    a = numpy_frame.sort_values(keys).reset_index(drop=True)
    b = sql_frame.sort_values(keys).reset_index(drop=True)
    assert len(a) == len(b)
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) or pd.api.types.is_numeric_dtype(y):
            np.testing.assert_array_equal(
                x.astype(float).to_numpy(), y.astype(float).to_numpy(), col
            )
        else:
            assert x.astype(object).where(x.notna(), None).tolist() == (
                y.astype(object).where(y.notna(), None).tolist()
            ), col


CHECKED = {"events", "visits", "variants"}


def _check(log: JourneyLog) -> None:
    fast = log.con.sql("SELECT * FROM journey_events").df()
    _same(fast, log.reference("events"), ["seq"])
    for loop_s, followup_s, rework_s in ((3600, 172800, 28800), (0, 0, 0), (7200.5, 60, 1e9)):
        windows = {"loop_window_s": loop_s, "followup_s": followup_s, "rework_window_s": rework_s}
        log.materialize("visits", **windows)
        fast = log.con.sql("SELECT * FROM journey_visits").df()
        sql = log.reference("visits", **windows)
        _same(fast, sql, ["customer_id", "stage_rank", "touchpoint"])
    log.materialize("runs")
    for steps in (1, 3, 2**62):
        fast, sql = (
            log.query("variants", max_steps=steps),
            log.reference("variants", max_steps=steps),
        )
        _same(fast, sql, ["variant", "steps"])


@pytest.mark.parametrize("seed", range(6))
def test_numpy_tables_equal_their_sql_on_awkward_logs(seed):
    cx = _awkward_cx(seed)
    _check(JourneyLog(cx))
    # stages outside the order are left out by both
    _check(JourneyLog(cx, stage_order=["awareness", "consideration", "usage"]))


def test_numpy_tables_equal_their_sql_on_the_sample(small_sample):
    personas = pd.DataFrame({"customer_id": ["x"], "persona": ["p"]}, dtype="string")
    _check(JourneyLog(cxlib.load(small_sample), personas=personas))


def test_every_fast_path_is_checked():
    assert CHECKED == BUILT_WITH_NUMPY  # a new numpy builder needs its place in _check


def test_sorted_and_shuffled_logs_give_the_same_analysis():
    cx = _awkward_cx(7, customers=120)
    ordered = cx.events.sort_values(["customer_id", "timestamp"], kind="stable")
    # the source position breaks ties, so sort the shuffled log the same way first
    sorted_cx = CXData("sorted", cx.config, None, {**cx.tables, "events": ordered})
    # customers interleaved, each customer's events still in the same relative order
    interleaved = ordered.sort_values("timestamp", kind="stable")
    assert not interleaved["customer_id"].is_monotonic_increasing
    shuffled_cx = CXData("shuffled", cx.config, None, {**cx.tables, "events": interleaved})
    a = journey.JourneyAnalysis(min_customers=1).fit(sorted_cx)
    b = journey.JourneyAnalysis(min_customers=1).fit(shuffled_cx)
    by_touchpoint = ["stage_rank", "touchpoint"]  # equal scores may rank in either order
    pd.testing.assert_frame_equal(
        a.friction_.sort_values(by_touchpoint).drop(columns="rank").reset_index(drop=True),
        b.friction_.sort_values(by_touchpoint).drop(columns="rank").reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(a.funnel_, b.funnel_)
    pd.testing.assert_frame_equal(a.dfg_, b.dfg_)
    pd.testing.assert_frame_equal(a.variants_, b.variants_)


def test_a_log_reused_with_other_windows_matches_a_fresh_one():
    cx = _awkward_cx(3, customers=150)
    ja = journey.JourneyAnalysis(min_customers=1).fit(cx)
    before = journey.affected_total(ja.log_, ["chat", "pay"])
    wider = journey.friction(ja.log_, loop_window_hours=5, followup_hours=2, min_customers=1)
    fresh = journey.JourneyAnalysis(min_customers=1, loop_window_hours=5, followup_hours=2).fit(cx)
    pd.testing.assert_frame_equal(wider, fresh.friction_)
    assert wider["loop_visits"].sum() > ja.friction_["loop_visits"].sum()
    # the cached total of affected customers follows the rebuilt tables
    after = journey.affected_total(ja.log_, ["chat", "pay"])
    assert after == journey.affected_total(fresh.log_, ["chat", "pay"])
    assert after != before


def test_coverage_counts_distinct_ids():
    ids = pd.Series(["a", "b", "a", "c", None], dtype="string[pyarrow]")
    assert _coverage(ids, pd.Series(["a", "c", "x"])) == pytest.approx(2 / 3)
    assert _coverage(ids, pd.Series([], dtype="string")) == 0.0
    assert _coverage(pd.Series([], dtype="string"), pd.Series(["a"])) == 0.0
