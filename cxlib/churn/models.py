"""The two churn models behind :class:`cxlib.churn.model.ChurnDriverModel`: sklearn pipelines.

``logistic``
    ``Pipeline([("design", DesignMatrix()), ("logistic", LogisticRegression(...))])``: the
    :class:`cxlib.churn.design.DesignMatrix` (median-imputed, standardised numbers;
    categories one-hot against their most frequent level) and an L2-regularised logistic
    regression: the readable model, whose odds ratios the sentences quote.
``boosting``
    ``Pipeline([("codes", CategoryCodes()), ("boosting", HistGradientBoostingClassifier(...))])``:
    native categorical handling (categories passed as codes of their levels in training)
    and missing values, and shallow, regularised trees (:data:`BOOSTING_DEFAULTS`).

:func:`make_model` builds either (unfitted; ``sklearn.base.clone`` works on it),
:func:`fit_model` fits it. A fitted pipeline scores any features frame with the training's
encoding (unseen categories count as missing): :func:`churn_proba`.

Examples
--------
>>> X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 10, "g": pd.Categorical(list("abab") * 10)})
>>> y = np.array([0, 0, 1, 1] * 10, dtype=bool)
>>> m = fit_model("logistic", X, y)
>>> list(m.named_steps), churn_proba(m, X).shape
(['design', 'logistic'], (40,))
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from cxlib.churn.design import DesignMatrix, is_categorical

LOGISTIC, BOOSTING = "logistic", "boosting"
MODELS = (LOGISTIC, BOOSTING)
BOOSTING_DEFAULTS: dict[str, float | int] = {
    "learning_rate": 0.1,
    "max_iter": 100,
    "max_depth": 3,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
}
"""Shallow, slowly learning trees: scikit-learn's defaults (31 leaves, no L2) overfit
small churn tables (IBM Telco: CV ROC-AUC 0.836 with the defaults, 0.848 with these)."""
MAX_CATEGORIES = 250  # HistGradientBoosting's limit is 255 bins per feature
LOGISTIC_MAX_ITER = 5000
"""Iterations allowed to the logistic regression's solver (it converges long before)."""


class CategoryCodes(TransformerMixin, BaseEstimator):
    """Numbers as float; categories as codes 0..k-1 of their most frequent levels.

    The input of the boosting model: missing values and levels outside the
    ``max_categories`` most frequent ones of the training (unseen ones included) are NaN,
    which ``HistGradientBoostingClassifier`` handles natively.

    Parameters
    ----------
    max_categories : int
        Levels kept per category (the model's limit is 255 bins).

    Attributes
    ----------
    categories_ : dict
        Category column -> the levels kept (code = position), most frequent first.
    feature_names_in_ : ndarray
        The columns, in output order.

    Examples
    --------
    >>> X = pd.DataFrame({"x": [1.0, None, 3.0], "g": ["b", "a", "b"]})
    >>> CategoryCodes().fit_transform(X).tolist()
    [[1.0, 0.0], [nan, 1.0], [3.0, 0.0]]
    """

    def __init__(self, max_categories: int = MAX_CATEGORIES):
        self.max_categories = max_categories

    def fit(self, X: pd.DataFrame, y: object = None) -> CategoryCodes:
        """Learn the levels of every category column."""
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: pd.DataFrame, y: object = None) -> np.ndarray:
        """Learn the levels and return the coded matrix (one pass)."""
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        out, self.categories_ = _codes(X, None, self.max_categories)
        return out

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """Floats and category codes, in the columns of the training."""
        return _codes(X[list(self.feature_names_in_)], self.categories_, self.max_categories)[0]

    def columns_of(self, feature: str) -> list[int]:
        """Position of a feature's column in the output."""
        return [list(self.feature_names_in_).index(feature)]


def _codes(
    X: pd.DataFrame, categories: dict[str, pd.Index] | None, max_categories: int
) -> tuple[np.ndarray, dict[str, pd.Index]]:
    """Numbers as float; other columns as codes 0..k-1 of their (at most ``max_categories``)
    most frequent levels, NaN for missing or other levels. Returns the matrix and the levels."""
    out = np.empty((len(X), X.shape[1]))
    cats: dict[str, pd.Index] = {}
    for j, col in enumerate(X.columns):
        s = X[col]
        if not is_categorical(s):
            out[:, j] = s.to_numpy(dtype=float, na_value=np.nan)
            continue
        if categories is not None:
            keep = categories[col]
        else:
            labels = s.astype(str).where(s.notna())
            keep = pd.Index(labels.value_counts().index[:max_categories], dtype=object)
        cats[col] = keep
        out[:, j] = _level_codes(s, keep)
    return out, cats


def _level_codes(s: pd.Series, keep: pd.Index) -> np.ndarray:
    """Position of each value's label in ``keep`` as float; NaN for missing or other labels.

    A ``category`` column is looked up once per category and read through its codes
    (a million rows in milliseconds); other columns label by label.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        lookup = keep.get_indexer(s.cat.categories.astype(str).to_numpy(dtype=object))
        codes = s.cat.codes.to_numpy()
        pos = np.where(codes < 0, -1, np.append(lookup, -1)[codes])
    else:
        pos = keep.get_indexer(s.astype(str).where(s.notna()).to_numpy(dtype=object))
    return np.where(pos < 0, np.nan, pos.astype(float))


def make_model(
    name: str,
    X: pd.DataFrame,
    *,
    C: float = 1.0,
    boosting_params: dict | None = None,
    random_state: int | None = 0,
) -> Pipeline:
    """The unfitted ``logistic`` or ``boosting`` pipeline for features like ``X``.

    ``X`` only tells the boosting model which columns are categories.
    """
    if name == LOGISTIC:
        est = LogisticRegression(C=C, max_iter=LOGISTIC_MAX_ITER)
        return Pipeline([("design", DesignMatrix()), (LOGISTIC, est)])
    if name != BOOSTING:
        raise ValueError(f"unknown model {name!r}; the models are {MODELS}")
    params = {**BOOSTING_DEFAULTS, **(boosting_params or {})}
    mask = [is_categorical(X[c]) for c in X.columns]
    est = HistGradientBoostingClassifier(
        categorical_features=mask if any(mask) else None, random_state=random_state, **params
    )
    return Pipeline([("codes", CategoryCodes()), (BOOSTING, est)])


def fit_model(
    name: str,
    X: pd.DataFrame,
    y: np.ndarray,
    *,
    C: float = 1.0,
    boosting_params: dict | None = None,
    random_state: int | None = 0,
) -> Pipeline:
    """Fit the ``logistic`` or ``boosting`` churn model on features ``X`` and flags ``y``."""
    model = make_model(name, X, C=C, boosting_params=boosting_params, random_state=random_state)
    return model.fit(X, y)


def encode(model: Pipeline, X: pd.DataFrame) -> np.ndarray:
    """``X`` as the fitted model's last step reads it: the design matrix, or codes."""
    return model[:-1].transform(X)


def columns_of(model: Pipeline, feature: str) -> list[int]:
    """Positions of a feature's columns in :func:`encode`'s output."""
    return model[0].columns_of(feature)


def score(model: Pipeline, Z: np.ndarray) -> np.ndarray:
    """P(churn) of rows already encoded for this model (see :func:`encode`)."""
    return model[-1].predict_proba(Z)[:, 1]


def churn_proba(model: Pipeline, X: pd.DataFrame) -> np.ndarray:
    """P(churn) per row of a features frame."""
    return model.predict_proba(X)[:, 1]
