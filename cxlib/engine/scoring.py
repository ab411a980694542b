"""Scoring every customer with a fitted model on Spark's executors, never on the driver.

Model fitting stays in scikit-learn on a bounded sample of customers (the driver holds
that sample only); scoring the other millions is one pass over the customer table:
:func:`score_on_spark` ships the fitted model to the executors once (a broadcast) and
scores each partition's customers as pandas batches (``mapInPandas``), so the scores are
the model's own, to the last bit, and no customer row reaches the driver.

Examples
--------
>>> from sklearn.linear_model import LogisticRegression                 # doctest: +SKIP
>>> model = LogisticRegression().fit(sample[cols], sample["churned"])     # doctest: +SKIP
>>> scores = score_on_spark(spark.table("features"), model, cols)        # doctest: +SKIP
>>> scores.write.parquet("scores.parquet")                               # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

SCORE_METHODS = ("predict_proba", "decision_function", "predict")
"""The model methods a score can come from (``predict_proba``: the last class's column)."""


def score_on_spark(
    customers: DataFrame,
    model: Any,  # noqa: ANN401  (any fitted scikit-learn estimator or pipeline)
    columns: list[str],
    *,
    key: str = "customer_id",
    method: str = "predict_proba",
    out: str = "score",
    dtypes: dict[str, Any] | None = None,
) -> DataFrame:
    """One row per customer of ``customers``: ``key`` and the model's score ``out``.

    Parameters
    ----------
    customers : a Spark DataFrame with ``key`` and the model's feature ``columns``.
    model : a fitted estimator; it must be picklable (every scikit-learn one is).
    columns : the features, in the order the model was fitted on.
    key : the customer id column (kept as text).
    method : one of :data:`SCORE_METHODS`; ``predict_proba`` gives the last class's
        probability (the positive class of a binary model).
    out : the name of the score column (a DOUBLE).
    dtypes : pandas dtypes to give columns before scoring (the categories the model was
        fitted on: Spark hands text to pandas as plain strings).

    Returns
    -------
    DataFrame
        Lazy: it runs when written or counted, on the executors.

    Raises
    ------
    ValueError
        A ``method`` the model lacks, or a feature column ``customers`` lacks.
    """
    if method not in SCORE_METHODS or not hasattr(model, method):
        raise ValueError(f"the model has no {method!r}; scores come from one of {SCORE_METHODS}")
    missing = [c for c in [key, *columns] if c not in customers.columns]
    if missing:
        raise ValueError(f"the customer table lacks {missing}")
    shipped = customers.sparkSession.sparkContext.broadcast(model)
    features = list(columns)

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        fitted = shipped.value
        for batch in batches:
            rows = batch[features].astype(dtypes) if dtypes else batch[features]
            yield pd.DataFrame(
                {key: batch[key].astype(object), out: model_scores(fitted, rows, method)}
            )

    return customers.select(key, *features).mapInPandas(score, f"`{key}` string, `{out}` double")


def score_frame(
    frame: pd.DataFrame,
    model: Any,  # noqa: ANN401  (a fitted scikit-learn estimator or pipeline)
    columns: list[str],
    *,
    config: Any = None,  # noqa: ANN401  (a DatasetConfig: its spark: section)
    method: str = "predict_proba",
) -> np.ndarray:
    """The model's scores of ``frame``'s rows (index: customer ids), computed on Spark.

    The frame is staged for Spark (:meth:`~cxlib.engine.spark.SparkEngine.register`) and
    scored by :func:`score_on_spark` on the executors; the scores come back in ``frame``'s
    order, equal to ``model_scores(model, frame[columns], method)``. For the reports'
    at-risk lists when Spark is the chosen engine.

    Raises
    ------
    ValueError
        A repeated customer id in the index (scores are matched back by id).

    Examples
    --------
    >>> p = score_frame(X_now, fitted_pipeline, list(X_now.columns))     # doctest: +SKIP
    """
    from cxlib.engine.spark import SparkEngine  # pyspark only when Spark is chosen

    if not frame.index.is_unique:
        raise ValueError("score_frame needs one row per customer (a unique index)")
    ids = pd.Index(frame.index.astype(str), name="customer_id")
    engine = SparkEngine.for_config(config)
    staged = frame[columns].set_axis(ids).reset_index()
    engine.register("cx_scoring_rows", staged)
    categories = {
        c: frame[c].dtype for c in columns if isinstance(frame[c].dtype, pd.CategoricalDtype)
    }
    scores = score_on_spark(
        engine.spark.table("cx_scoring_rows"), model, columns, method=method, dtypes=categories
    ).toPandas()
    return scores.set_index("customer_id")["score"].reindex(ids).to_numpy(dtype=float)


def model_scores(model: Any, features: pd.DataFrame, method: str) -> np.ndarray:  # noqa: ANN401
    """The model's scores of ``features`` as floats (the last column of a probability matrix).

    >>> from sklearn.dummy import DummyClassifier
    >>> m = DummyClassifier(strategy="prior").fit([[0], [1], [2], [3]], [0, 0, 0, 1])
    >>> model_scores(m, pd.DataFrame({"x": [5.0]}), "predict_proba").tolist()
    [0.25]
    """
    values = getattr(model, method)(features)
    values = np.asarray(values, dtype=float)
    return values[:, -1] if values.ndim == 2 else values
