"""Parity on real tables: churn tables (validation, kept values, persona and churn inputs), tweets.

Three public churn data sets (``../shared/data/real``: IBM Telco, bank churn modelling,
credit-card churners) are read with their shipped configs, whose ``expressions:`` are
DuckDB SQL (``DATE '2020-01-01' - to_months(tenure)``) that Spark must run too
(:mod:`cxlib.engine.translate`). On Spark (:func:`cxlib.engine.spark_data.load_on_spark`)
the row accounting must equal :func:`cxlib.load`'s, the pages' amounts must be in the
config's currency (Telco: US dollars) as after :func:`cxlib.load`, the customers table
brought to the driver must hold the same typed values, and the per-customer features the
persona and churn reports start from -- and the churn modelling table built on them --
must be equal (counts exactly, floats to 1e-9). Skips when ``../shared`` is absent; slow (the module's
Spark session).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_engine_spark import spark  # noqa: F401
from test_engine_spark_features import assert_same_features

import cxlib
from cxlib.churn.data import churn_data
from cxlib.engine.spark_data import load_on_spark
from cxlib.features import customer_features
from cxlib.paths import PROJECT_ROOT
from cxlib.wording import money, use_currency

pytestmark = pytest.mark.slow

DATA_SETS = {
    "telco": "telco_churn",
    "bank_churn_modelling": "bank_churn_modelling",
    "credit_card_churners": "credit_card_churners",
}
"""Config name -> folder under ``../shared/data/real``."""


@pytest.mark.parametrize("name", sorted(DATA_SETS))
def test_real_churn_table_on_spark_equals_duckdb(spark, shared_dir, name):  # noqa: F811
    folder = shared_dir / "data" / "real" / DATA_SETS[name]
    config = PROJECT_ROOT / "configs" / f"{name}.yaml"
    cx = cxlib.load(folder, config)
    amount = money(1_500)  # in the config's currency, which the loader sets for the pages
    use_currency(None)
    data = load_on_spark(folder, config, spark=spark)
    assert money(1_500) == amount
    assert json.loads(cx.quality.to_json(examples=True)) == json.loads(
        data.quality.to_json(examples=True)
    )
    assert "signup_date" in cx.customers  # made by the config's expression
    pd.testing.assert_frame_equal(cx.customers, data.customers)
    assert_same_features(customer_features(cx), customer_features(data))
    duck, other = churn_data(cx), churn_data(data)
    assert (duck.design, duck.engine, other.engine) == (other.design, "duckdb", "spark")
    assert_same_features(duck.X, other.X)
    pd.testing.assert_series_equal(duck.y, other.y)


def test_real_tweets_on_spark_equal_duckdb(spark, shared_dir):  # noqa: F811
    """The airline tweets' times ("2/24/2015 11:35", ``%m/%d/%Y %H:%M``: one-digit months
    and days) are read on Spark as DuckDB reads them: every tweet kept alike."""
    folder = shared_dir / "data" / "real" / "social_airline_tweets"
    config = PROJECT_ROOT / "configs" / "airline_tweets.yaml"
    cx = cxlib.load(folder, config)
    data = load_on_spark(folder, config, spark=spark, driver_tables=["mentions"])
    assert json.loads(cx.quality.to_json(examples=True)) == json.loads(
        data.quality.to_json(examples=True)
    )
    assert len(cx.mentions) > 14_000
    pd.testing.assert_frame_equal(cx.mentions, data.mentions)
