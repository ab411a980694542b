"""Parity: the analyses on tables kept on Spark (events never on the driver) equal DuckDB's.

:func:`cxlib.engine.spark_data.load_on_spark` validates the sample on Spark and keeps
its tables there (once for the module). The journey analysis on that data set (comments
and persona splits included: customers and survey answers come to the driver, the
events do not) must give the DuckDB analysis' tables row for row, the same notes and
counts; the per-customer features, prepared and aggregated on Spark, must equal
DuckDB's (counts exactly, floats to 1e-9). Slow: needs the module's Spark session (skips
without pyspark or Java; fails in CI).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_engine_spark import ORDERED, assert_same, spark  # noqa: F401
from test_engine_spark_features import assert_same_features

import cxlib
from cxlib import journey
from cxlib.engine.spark_data import SparkData, load_on_spark
from cxlib.features import customer_features

pytestmark = pytest.mark.slow

TABLES = ["customers", "events", "tickets", "surveys", "orders"]


@pytest.fixture(scope="module")
def kept(spark, small_sample) -> SparkData:  # noqa: F811
    """The small sample read, validated and kept on Spark."""
    return load_on_spark(small_sample, tables=TABLES, spark=spark)


def test_journey_on_tables_kept_on_spark_equals_duckdb(kept, small_sample):
    cx = cxlib.load(small_sample, tables=TABLES)
    ids = cx.customers["customer_id"]
    # personas for 80% of the customers: the coverage note is computed on Spark too
    personas = pd.DataFrame({"customer_id": ids, "persona": np.where(np.arange(len(ids)) % 2,
                             "Planner", "Browser")}).iloc[: int(len(ids) * 0.8)]  # fmt: skip
    data = kept
    with pytest.raises(TypeError, match="stays on Spark"):
        _ = data.events
    kept = journey.JourneyAnalysis().fit(data, personas)
    duck = journey.JourneyAnalysis().fit(cx, personas)
    assert kept.log_.kept and kept.log_.engine == "spark" and not duck.log_.kept
    assert len(duck.journey_map_) > 0 and any("Personas cover" in n for n in duck.notes_)
    for name in ORDERED:
        assert_same(getattr(duck, name), getattr(kept, name), name, ordered=True)
    assert duck.notes_ == kept.notes_
    assert (duck.n_customers_, duck.n_events_) == (kept.n_customers_, kept.n_events_)
    assert duck.voices_.touchpoints.equals(kept.voices_.touchpoints)
    assert data.end_of_data() == cx.end_of_data()


def test_features_on_tables_kept_on_spark_equal_duckdb(kept, small_sample):
    cx = cxlib.load(small_sample, tables=TABLES)
    churned = cx.customers.dropna(subset=["churn_date"])
    per_customer = pd.Series(
        churned["churn_date"].to_numpy(), index=churned["customer_id"].astype(object)
    )
    for cutoff in (None, per_customer):
        duck = customer_features(cx, cutoff=cutoff)
        assert duck["order_count"].sum() > 0 and "events_share_web" in duck
        assert_same_features(duck, customer_features(kept, cutoff=cutoff))
