"""Parity: the churn report's at-risk list scored on Spark equals the one scored in pandas.

The model is fitted in scikit-learn (on a bounded stratified sample when the table is
large, as the report does); with Spark chosen every active customer is scored on the
executors (:func:`cxlib.engine.scoring.score_frame`). The list must be the same: the same
customers in the same order, the same probabilities and revenue at risk. Slow: needs the
module's Spark session (skips without pyspark or Java; fails in CI).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from test_engine_spark import spark  # noqa: F401  (the module's Spark session)

import cxlib
from cxlib.churn.data import churn_data
from cxlib.churn.model import ChurnDriverModel
from cxlib.churn.value import at_risk

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("design", ["asof", "snapshot"])
def test_at_risk_list_scored_on_spark_equals_pandas(spark, small_sample, design):  # noqa: F811
    cx = cxlib.load(small_sample)
    if design == "snapshot":
        cx.tables["customers"] = cx.customers.drop(columns="churn_date")
    data = churn_data(cx)
    assert data.design == design
    model = ChurnDriverModel(n_permutations=2, max_rows=1_000).fit(
        data.X, data.y, data.families, groups=data.groups
    )
    assert model.trustworthy_ and model.sampled_
    assert data.engine == "duckdb"  # the data's engine (env, else config), not the call's
    duck = at_risk(model, data)
    on_spark = at_risk(model, dataclasses.replace(data, engine="spark"))
    assert len(duck) == len(data.X_now) > 100
    assert duck["customer_id"].tolist() == on_spark["customer_id"].tolist()
    for col in ("churn_probability", "churn_probability_year", "revenue_at_risk"):
        np.testing.assert_allclose(duck[col], on_spark[col], rtol=1e-12, atol=0, err_msg=col)
    pd.testing.assert_frame_equal(duck, on_spark)
