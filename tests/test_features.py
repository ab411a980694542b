"""Tests for cxlib.features: known answers on tiny hand-built tables, cutoffs, missing tables.

The hand-built data set (three customers) is worked out in the comments; the data ends at
the last activity, 2025-06-30 12:00 (an app event of customer a).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib.features import (
    FEATURES,
    customer_features,
    describe_features,
    exposure_features,
    exposure_reason,
    feature_family,
    label,
    lookup,
    phrase,
    unavailable_features,
    unit,
)
from cxlib.features.dictionary import UNITS
from cxlib.io.config import DatasetConfig
from cxlib.io.dataset import CXData
from cxlib.io.quality import QualityReport

T = pd.Timestamp
END = T("2025-06-30 12:00")


def _ids(values):
    return pd.array(values, dtype="string[pyarrow]")


def _dt(values):
    return pd.to_datetime(values, format="ISO8601")


def _cat(values):
    return pd.Categorical(values)


def tiny_tables() -> dict[str, pd.DataFrame]:
    customers = pd.DataFrame(
        {
            "customer_id": _ids(["a", "b", "c"]),
            "signup_date": _dt(["2025-01-01", "2025-03-01", "2025-05-01"]),
            "churned": pd.array([False, True, False], dtype="boolean"),
            "churn_date": _dt([None, "2025-06-01", None]),
            "age": pd.array([30, None, 70], dtype="Int64"),
            "region": _cat(["UK", "DACH", None]),
            "plan": _cat(["basic", "premium", "basic"]),
            "monthly_revenue": [10.0, 50.0, 0.0],
            "loyalty_points": [5.0, 1.0, np.nan],  # an extra column: kept as a feature
        }
    )
    orders = pd.DataFrame(
        {
            "order_id": _ids(["o1", "o2", "o3"]),
            "customer_id": _ids(["a", "a", "b"]),
            "ordered_at": _dt(["2025-02-01", "2025-04-01", "2025-03-15"]),
            "amount": [10.0, 30.0, 100.0],
        }
    )
    tickets = pd.DataFrame(
        {
            "ticket_id": _ids(["t1", "t2", "t3"]),
            "customer_id": _ids(["a", "a", "b"]),
            "opened_at": _dt(["2025-02-10", "2025-05-01", "2025-04-01"]),
            "first_response_at": _dt(["2025-02-10 02:00", None, "2025-04-01 06:00"]),
            "resolved_at": _dt(["2025-02-11", None, "2025-04-03"]),
            "channel": _cat(["chat", "phone", "email"]),
            "category": _cat(["billing", "billing", "technical"]),
            "contacts": pd.array([1, 3, 2], dtype="Int64"),
        }
    )
    surveys = pd.DataFrame(
        {
            "response_id": _ids(["r1", "r2", "r3", "r4", "r5", "r6"]),
            "customer_id": _ids(["a", "a", "a", "b", "b", None]),
            "responded_at": _dt(
                ["2025-02-01", "2025-03-01", "2025-02-15", "2025-03-10", "2025-03-11", "2025-01-05"]
            ),
            "survey": _cat(["nps", "nps", "ces", "nps", "csat", "nps"]),
            "score": pd.array([9, 7, 4, 2, 1, 10], dtype="Int64"),
        }
    )
    events = pd.DataFrame(
        {
            "customer_id": _ids(["a", "a", "a", "a", "b"]),
            "timestamp": _dt(
                ["2025-01-02", "2025-01-03", "2025-02-01", "2025-06-30 12:00", "2025-03-20"]
            ),
            "stage": pd.Categorical(
                ["awareness", "consideration", "purchase", "usage", "usage"],
                categories=list(cxlib.contract.DEFAULT_STAGE_ORDER),
                ordered=True,
            ),
            "touchpoint": _cat(["ad_click", "product_page", "payment", "app_login", "renewal"]),
            "channel": _cat(["web", "app", "store", "app", "phone"]),
        }
    )
    return {
        "customers": customers,
        "orders": orders,
        "tickets": tickets,
        "surveys": surveys,
        "events": events,
    }


def make_cx(tables: dict[str, pd.DataFrame]) -> CXData:
    return CXData("tiny", DatasetConfig(), QualityReport("tiny"), dict(tables))


@pytest.fixture
def cx() -> CXData:
    return make_cx(tiny_tables())


def test_known_answers_without_cutoff(cx):
    X = customer_features(cx)
    assert list(X.index) == ["a", "b", "c"]
    a, b, c = X.loc["a"], X.loc["b"], X.loc["c"]
    # tenure: a to the data end; b to its churn date; c to the data end
    assert a.tenure_days == pytest.approx(180.5)
    assert b.tenure_days == pytest.approx(92.0)
    assert c.tenure_days == pytest.approx(60.5)
    # orders (RFM)
    assert (a.order_count, a.order_total, a.avg_order_value) == (2, 40.0, 20.0)
    assert a.orders_per_month == pytest.approx(2 / (180.5 / (365.25 / 12)))
    assert a.days_since_last_order == pytest.approx(90.5)
    assert b.days_since_last_order == pytest.approx(107.5)
    assert (c.order_count, c.order_total) == (0, 0)
    assert np.isnan(c.avg_order_value) and np.isnan(c.days_since_last_order)
    assert c.orders_per_month == 0
    # revenue comes from the customers table when it has the column
    assert list(X["monthly_revenue"]) == [10.0, 50.0, 0.0]
    # support load
    assert (a.ticket_count, a.unresolved_tickets) == (2, 1)
    assert a.mean_resolution_hours == pytest.approx(24.0)
    assert a.mean_first_response_hours == pytest.approx(2.0)  # t2 has no answer yet
    assert a.contacts_per_ticket == pytest.approx(2.0)
    assert a.ticket_digital_share == pytest.approx(0.5)  # chat yes, phone no
    assert (b.ticket_count, b.unresolved_tickets, b.mean_resolution_hours) == (1, 0, 48.0)
    assert b.ticket_digital_share == 1.0
    assert (c.ticket_count, c.unresolved_tickets) == (0, 0)
    assert np.isnan(c.mean_resolution_hours)
    # experience: the anonymous answer is ignored
    assert (a.nps_mean, a.ces_mean, a.survey_count) == (8.0, 4.0, 3)
    assert np.isnan(a.csat_mean)
    assert (b.nps_mean, b.csat_mean, b.survey_count) == (2.0, 1.0, 2)
    # channel mix and engagement: a = web, app, store, app
    assert a.digital_share == pytest.approx(0.75)
    assert (a.events_share_app, a.events_share_web, a.events_share_store) == (0.5, 0.25, 0.25)
    assert a.events_share_phone == 0
    assert a.browse_share == pytest.approx(0.5)
    assert a.days_since_last_event == pytest.approx(0.0)
    assert (b.event_count, b.digital_share, b.events_share_phone) == (1, 0.0, 1.0)
    assert b.days_since_last_event == pytest.approx(102.5)
    assert c.event_count == 0 and np.isnan(c.digital_share)
    # demographics stay categorical; age is numeric; extra columns are kept
    assert isinstance(X["region"].dtype, pd.CategoricalDtype)
    assert isinstance(X["plan"].dtype, pd.CategoricalDtype)
    assert X["age"].tolist()[0] == 30.0 and np.isnan(X["age"].tolist()[1])
    assert X.loc["a", "loyalty_points"] == 5.0
    assert "churned" not in X and "churn_date" not in X and "signup_date" not in X


def test_scalar_cutoff_ignores_later_activity(cx):
    X = customer_features(cx, cutoff=T("2025-03-01"))
    a, b, c = X.loc["a"], X.loc["b"], X.loc["c"]
    assert a.tenure_days == pytest.approx(59.0)
    assert (a.order_count, a.order_total) == (1, 10.0)
    assert a.days_since_last_order == pytest.approx(28.0)
    assert (a.ticket_count, a.unresolved_tickets) == (1, 0)  # t2 is opened after
    assert a.nps_mean == 9.0  # the answer at exactly the cutoff is ignored
    assert a.event_count == 3
    assert a.days_since_last_event == pytest.approx(28.0)  # last event 02-01
    # b signs up on the cutoff: no activity before it; c signs up after it
    assert b.tenure_days == 0 and b.order_count == 0 and b.event_count == 0
    assert np.isnan(c.tenure_days)


def test_per_customer_cutoff_and_late_resolution(cx):
    # b's ticket is resolved on 04-03, after its cutoff: unresolved at the cutoff
    cut = pd.Series([T("2025-04-02"), pd.NaT], index=["b", "a"])
    X = customer_features(cx, cutoff=cut)
    b = X.loc["b"]
    assert (b.ticket_count, b.unresolved_tickets) == (1, 1)
    assert np.isnan(b.mean_resolution_hours)
    assert b.mean_first_response_hours == pytest.approx(6.0)  # answered before the cutoff
    assert b.tenure_days == pytest.approx(32.0)
    assert b.days_since_last_order == pytest.approx(18.0)
    # a (NaT) and c (absent) are measured without a cutoff
    full = customer_features(cx)
    pd.testing.assert_series_equal(X.loc["a"], full.loc["a"])
    assert X.loc["c", "tenure_days"] == pytest.approx(60.5)


def test_cutoff_series_with_repeated_ids_is_an_error(cx):
    with pytest.raises(ValueError, match="repeated"):
        customer_features(cx, cutoff=pd.Series([T("2025-04-01")] * 2, index=["a", "a"]))


def test_time_zone_aware_cutoff_is_read_as_utc(cx):
    naive = customer_features(cx, cutoff=T("2025-03-01"))
    aware = customer_features(cx, cutoff=T("2025-03-01 01:00", tz="Europe/Prague"))
    pd.testing.assert_frame_equal(naive, aware)


def test_missing_tables_mean_fewer_features_and_say_why():
    tables = tiny_tables()
    cx = make_cx({"customers": tables["customers"], "surveys": tables["surveys"]})
    X = customer_features(cx)
    assert "order_count" not in X and "ticket_count" not in X and "event_count" not in X
    assert {"tenure_days", "nps_mean", "age", "monthly_revenue"} <= set(X.columns)
    why = unavailable_features(cx).set_index("feature")["reason"]
    assert why["order_count"] == "no orders table"
    assert why["digital_share"] == "no events table"
    assert "nps_mean" not in why.index
    assert set(why.index) | set(X.columns) >= set(FEATURES) - {"gender", "income_band"}


def test_missing_optional_columns_are_reported():
    tables = tiny_tables()
    tables["tickets"] = tables["tickets"].drop(columns=["contacts", "first_response_at"])
    tables["customers"] = tables["customers"].drop(columns=["monthly_revenue"])
    cx = make_cx(tables)
    X = customer_features(cx)
    assert "contacts_per_ticket" not in X and "mean_first_response_hours" not in X
    why = unavailable_features(cx).set_index("feature")["reason"]
    assert why["contacts_per_ticket"] == "tickets has no contacts column"
    assert why["gender"] == "customers has no gender values"
    # without the column, monthly revenue is spend per month of tenure
    assert X.loc["a", "monthly_revenue"] == pytest.approx(40.0 / (180.5 / (365.25 / 12)))


def test_no_answers_of_a_kind_leaves_that_score_out():
    tables = tiny_tables()
    tables["surveys"] = tables["surveys"][tables["surveys"]["survey"] != "csat"]
    X = customer_features(make_cx(tables))
    assert "csat_mean" not in X and "nps_mean" in X


def test_needs_customers():
    with pytest.raises(ValueError, match="customers"):
        customer_features(make_cx({"orders": tiny_tables()["orders"]}))


def test_every_column_is_documented(cx):
    X = customer_features(cx)
    dictionary = describe_features(X).set_index("feature")
    assert list(dictionary.index) == list(X.columns)
    assert dictionary.loc["events_share_app", "family"] == "channel mix"
    assert dictionary.loc["loyalty_points", "family"] == "other attributes"
    assert dictionary["description"].str.len().min() > 5
    assert feature_family("unresolved_tickets") == "support load"
    assert feature_family("ces_mean") == "experience"
    assert {f.family for f in FEATURES.values()} == {
        "tenure",
        "orders",
        "revenue",
        "support load",
        "experience",
        "channel mix",
        "engagement",
        "demographics",
    }


def test_matches_a_pandas_reference_on_the_sample(small_sample):
    """Per-customer counts and means on the 2,000-customer sample, recomputed with pandas."""
    cx = cxlib.load(small_sample)
    cutoff = T("2026-01-01")
    X = customer_features(cx, cutoff=cutoff)
    ids = X.index.astype(object)

    def per_customer(frame, when, agg):
        f = frame[frame[when] < cutoff]
        return f.groupby(f["customer_id"].astype(object)).agg(**agg).reindex(ids)

    ev = per_customer(cx.events, "timestamp", {"n": ("timestamp", "size")})
    assert np.array_equal(X["event_count"].to_numpy(), ev["n"].fillna(0).to_numpy())
    od = per_customer(cx.orders, "ordered_at", {"total": ("amount", "sum")})
    np.testing.assert_allclose(X["order_total"], od["total"].fillna(0), rtol=1e-9)
    nps = cx.surveys[cx.surveys["survey"] == "nps"].assign(s=lambda d: d["score"].astype(float))
    sv = per_customer(nps, "responded_at", {"m": ("s", "mean")})
    np.testing.assert_allclose(X["nps_mean"], sv["m"], rtol=1e-9)
    t = cx.tickets.assign(u=lambda d: d["resolved_at"].isna() | (d["resolved_at"] >= cutoff))
    tk = per_customer(t, "opened_at", {"u": ("u", "sum")})
    assert np.array_equal(X["unresolved_tickets"].to_numpy(), tk["u"].fillna(0).to_numpy())
    shares = X.filter(like="events_share_").sum(axis=1)[X["event_count"] > 0]
    np.testing.assert_allclose(shares, 1.0)


def test_the_dictionary_describes_every_feature_once():
    """One row per feature: label, unit, family and description, exposure where it applies."""
    for name, row in FEATURES.items():
        assert row.name == name and row.label and row.phrase and len(row.description) > 5
        assert row.unit in UNITS, name
    assert label("mean_resolution_hours") == "hours to resolve"  # charts and descriptions
    assert phrase("mean_resolution_hours") == "mean resolution time"  # sentences
    assert label("events_share_store") == "store share of events"
    assert lookup("events_share_store").unit == "share"
    assert lookup("loyalty_points") is None and unit("loyalty_points") == "count"
    # the exposure guard: totals, recency, rates and the event mix, never averages
    guarded = exposure_features()
    assert {"tenure_days", "order_count", "days_since_last_event", "events_share_"} <= set(guarded)
    assert exposure_reason("events_share_app") == guarded["events_share_"]
    assert exposure_reason("ces_mean") is None and exposure_reason("plan") is None


def test_without_signup_dates_tenure_is_unknown_not_assumed():
    """Issue 14, item 7: a customers table without signup_date (as the real Mall, bank and
    credit-card files) gives no tenure, no per-month rates and no spend per month."""
    tables = tiny_tables()
    tables["customers"] = tables["customers"].drop(columns=["signup_date", "monthly_revenue"])
    cx = make_cx(tables)
    X = customer_features(cx)
    tenure_based = {"tenure_days", "orders_per_month", "events_per_month", "monthly_revenue"}
    assert not tenure_based & set(X.columns)
    assert {"order_count", "event_count", "days_since_last_order", "age"} <= set(X.columns)
    why = unavailable_features(cx).set_index("feature")["reason"]
    for name in ("tenure_days", "orders_per_month", "events_per_month"):
        assert why[name] == "customers has no signup_date column: tenure is unknown"
    assert why["monthly_revenue"] == (
        "no monthly_revenue column, and customers has no signup_date column: tenure is unknown"
    )


def test_customers_without_any_date_still_give_features():
    """Only customers, no date anywhere (the Mall file): the attributes, no recency."""
    customers = tiny_tables()["customers"].drop(columns=["signup_date", "churn_date"])
    cx = make_cx({"customers": customers})
    assert cx.end_of_data() is None
    X = customer_features(cx)
    assert list(X.index) == ["a", "b", "c"] and X.loc["c", "age"] == 70
    assert X.loc["b", "monthly_revenue"] == 50.0 and "tenure_days" not in X


def test_events_without_stages_give_no_browse_share():
    tables = tiny_tables()
    tables["events"] = tables["events"].drop(columns=["stage"])
    cx = make_cx(tables)
    X = customer_features(cx)
    assert "browse_share" not in X and X.loc["a", "event_count"] == 4
    why = unavailable_features(cx).set_index("feature")["reason"]
    assert why["browse_share"] == "events has no stage column"
