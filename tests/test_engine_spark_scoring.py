"""Scoring on Spark's executors gives the fitted model's own scores for every customer.

A scikit-learn pipeline (imputation, scaling, logistic regression) is fitted on a sample
of customers in pandas, as the reports fit theirs; every customer is then scored on Spark
(:func:`cxlib.engine.scoring.score_on_spark`) and the scores must equal the pipeline's
``predict_proba`` in pandas exactly, one per customer. Slow (needs the module's Spark
session; without pyspark or Java it skips, in CI it fails).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from test_engine_spark import spark  # noqa: F401  (the module's Spark session)

from cxlib.engine.scoring import score_on_spark

pytestmark = pytest.mark.slow

CUSTOMERS = 5_000
COLUMNS = ["tenure_days", "ticket_count", "nps_mean"]


def _customers(seed: int) -> pd.DataFrame:
    """Customers with three features (a quarter of nps_mean missing) and a planted churn."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "customer_id": [f"C{i:06d}" for i in range(CUSTOMERS)],
        "tenure_days": rng.uniform(1, 1500, CUSTOMERS),
        "ticket_count": rng.poisson(1.5, CUSTOMERS).astype(float),
        "nps_mean": np.where(rng.random(CUSTOMERS) < 0.25, np.nan, rng.integers(0, 11, CUSTOMERS)),
    })  # fmt: skip
    logit = 0.8 * frame["ticket_count"] - 0.002 * frame["tenure_days"]
    frame["churned"] = rng.random(CUSTOMERS) < 1 / (1 + np.exp(-logit))
    return frame


@pytest.mark.parametrize(
    "model",
    [
        make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression()),
        make_pipeline(SimpleImputer(), GradientBoostingClassifier(random_state=0)),
    ],
)
def test_every_customer_scored_on_spark_as_in_pandas(spark, model):  # noqa: F811
    customers = _customers(seed=7)
    sample = customers.sample(1_000, random_state=0)  # fitted on a bounded sample
    model.fit(sample[COLUMNS], sample["churned"])
    frame = spark.createDataFrame(customers.drop(columns="churned")).repartition(4)
    got = score_on_spark(frame, model, COLUMNS).toPandas()
    want = pd.Series(model.predict_proba(customers[COLUMNS])[:, 1], index=customers["customer_id"])
    assert len(got) == CUSTOMERS and got["customer_id"].is_unique
    scores = got.set_index("customer_id")["score"].reindex(want.index)
    np.testing.assert_array_equal(scores.to_numpy(), want.to_numpy())


def test_scoring_names_what_is_missing(spark):  # noqa: F811
    customers = _customers(seed=1)
    model = make_pipeline(SimpleImputer(), LogisticRegression()).fit(
        customers[COLUMNS], customers["churned"]
    )
    frame = spark.createDataFrame(customers[["customer_id", "tenure_days"]])
    with pytest.raises(ValueError, match="lacks"):
        score_on_spark(frame, model, COLUMNS)
    with pytest.raises(ValueError, match="no 'transform'"):
        score_on_spark(frame, model, COLUMNS, method="transform")
