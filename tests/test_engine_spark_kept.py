"""Parity: the journey on tables kept on Spark (events never on the driver) equals DuckDB's.

:func:`cxlib.engine.spark_data.load_on_spark` validates the sample on Spark and keeps
events and tickets there; the journey analysis on that data set (comments and persona
splits included: customers and survey answers come to the driver, the events do not)
must give the DuckDB analysis' tables row for row, the same notes and counts. Slow:
needs the module's Spark session (skips without pyspark or Java; fails in CI).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_engine_spark import ORDERED, assert_same, spark  # noqa: F401

import cxlib
from cxlib import journey
from cxlib.engine.spark_data import load_on_spark

pytestmark = pytest.mark.slow

TABLES = ["customers", "events", "tickets", "surveys"]


def test_journey_on_tables_kept_on_spark_equals_duckdb(spark, small_sample):  # noqa: F811
    cx = cxlib.load(small_sample, tables=TABLES)
    ids = cx.customers["customer_id"]
    # personas for 80% of the customers: the coverage note is computed on Spark too
    personas = pd.DataFrame({"customer_id": ids, "persona": np.where(np.arange(len(ids)) % 2,
                             "Planner", "Browser")}).iloc[: int(len(ids) * 0.8)]  # fmt: skip
    data = load_on_spark(small_sample, tables=TABLES, spark=spark)
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
