"""Parity: the per-customer features computed on Spark equal DuckDB's.

The shared aggregate queries (``cxlib/sql/features``) run on Spark when it is the chosen
engine; the feature tables must match DuckDB's: the same rows in the same order, the same
columns, integers (counts) exactly and floats to 1e-9 (relative), with and without
cutoffs (one timestamp, and a per-customer one as the churn report uses). Also on a
data set lacking optional columns (no ticket resolution, no event channel) and on tickets
with sub-second times, where whole seconds must be counted alike. Slow: needs the module's
Spark session (skips without pyspark or Java; fails in CI).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_engine_spark import _on, spark  # noqa: F401  (the module's Spark session)

import cxlib
from cxlib.features import customer_features
from cxlib.io.config import DatasetConfig
from cxlib.io.dataset import CXData
from cxlib.io.quality import QualityReport

pytestmark = pytest.mark.slow

COUNTS = ("order_count", "ticket_count", "unresolved_tickets", "survey_count", "event_count")


def assert_same_features(duck: pd.DataFrame, other: pd.DataFrame) -> None:
    """Same index, columns and dtypes; counts exactly; other numbers to 1e-9; categories equal."""
    assert list(duck.columns) == list(other.columns)
    assert duck.index.equals(other.index)
    assert (duck.dtypes == other.dtypes).all()
    for col in duck.columns:
        x, y = duck[col], other[col]
        if isinstance(x.dtype, pd.CategoricalDtype):
            assert x.astype(object).equals(y.astype(object)), col
        elif col in COUNTS:
            np.testing.assert_array_equal(x.to_numpy(), y.to_numpy(), err_msg=col)
        else:
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=col)


def _both(cx: CXData, monkeypatch: pytest.MonkeyPatch, **kw) -> tuple[pd.DataFrame, pd.DataFrame]:  # noqa: ANN003
    duck = _on("duckdb", monkeypatch, lambda: customer_features(cx, **kw))
    on_spark = _on("spark", monkeypatch, lambda: customer_features(cx, **kw))
    return duck, on_spark


def test_sample_features_on_spark_equal_duckdb(spark, small_sample, monkeypatch):  # noqa: F811
    cx = cxlib.load(small_sample)
    churned = cx.customers.dropna(subset=["churn_date"])
    per_customer = pd.Series(
        churned["churn_date"].to_numpy(), index=churned["customer_id"].astype(object)
    )
    for cutoff in (None, pd.Timestamp("2025-06-01"), per_customer):
        duck, on_spark = _both(cx, monkeypatch, cutoff=cutoff)
        assert len(duck) == len(cx.customers) and duck["event_count"].sum() > 0
        assert any(c.startswith("events_share_") for c in duck.columns)
        assert_same_features(duck, on_spark)


def test_missing_columns_and_sub_second_times_on_spark_equal_duckdb(spark, monkeypatch):  # noqa: F811
    t0 = pd.Timestamp("2026-03-01 10:00:00")
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"],
                              "signup_date": pd.to_datetime(["2025-01-01"] * 3)})  # fmt: skip
    tickets = pd.DataFrame({
        "ticket_id": ["t1", "t2", "t3"], "customer_id": ["a", "a", "b"],
        "opened_at": [t0 + pd.Timedelta("0.9s"), t0, t0],
        "first_response_at": [t0 + pd.Timedelta("1.1s"), t0 + pd.Timedelta("59.5min"), pd.NaT],
    })  # fmt: skip
    events = pd.DataFrame({"customer_id": ["a", "c", "c"],
                           "timestamp": [t0, t0, t0 + pd.Timedelta("1D")],
                           "touchpoint": ["x", "y", "x"]})  # fmt: skip
    tables = {"customers": customers, "tickets": tickets, "events": events}
    cx = CXData("tiny", DatasetConfig(), QualityReport("tiny"), tables)
    duck, on_spark = _both(cx, monkeypatch)
    assert "unresolved_tickets" not in duck and "digital_share" not in duck
    # hand count: 0.9 s -> 1.1 s crosses one second boundary; 59.5 min is 3570 s
    assert duck.loc["a", "mean_first_response_hours"] == pytest.approx((1 + 3570) / 2 / 3600)
    assert list(duck["ticket_count"]) == [2, 1, 0] and list(duck["event_count"]) == [1, 0, 2]
    assert_same_features(duck, on_spark)
