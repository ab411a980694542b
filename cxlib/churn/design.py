"""Design matrix for interpretable linear models: one documented column per term.

:class:`DesignMatrix` turns a features frame (float and ``category`` columns) into the
numeric matrix a regularised logistic regression fits on, and remembers what every
column means (``terms_``), so coefficients can be read back as odds ratios per unit of
the original feature. The arithmetic is scikit-learn's, one ``ColumnTransformer``
(:func:`preprocessor`); this class only documents its columns, orders them term by term
and drops repeats:

numeric
    Missing values filled with the training median (``SimpleImputer``), then standardised
    to mean 0, sd 1 (``StandardScaler``); a 0/1 ``missing`` column (``MissingIndicator``)
    follows every feature with missing values in training.
categorical
    One 0/1 column per level (``OneHotEncoder``) except the reference level, the most
    frequent one (stable estimates); missing values are a level of their own
    (``"(missing)"``); levels unseen in training give all zeros.
duplicates
    A column identical to an earlier one is dropped and listed in ``duplicates_`` (e.g. the
    IBM Telco table's "No internet service" level of six service columns, which is
    ``InternetService = No`` again); it would make the coefficients unidentifiable.

Examples
--------
>>> X = pd.DataFrame({"x": [1.0, 2.0, None, 4.0], "g": pd.Categorical(list("abab"))})
>>> d = DesignMatrix().fit(X)
>>> d.terms_[["feature", "kind", "level"]].to_dict("list")
{'feature': ['x', 'x', 'g'], 'kind': ['numeric', 'missing', 'level'], 'level': [None, None, 'b']}
>>> d.transform(X)[:, 1].tolist()
[0.0, 0.0, 1.0, 0.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

MISSING_LEVEL = "(missing)"
TERM_COLUMNS = ["feature", "kind", "level", "reference", "center", "scale", "share"]
"""Columns of :attr:`DesignMatrix.terms_`."""


def is_categorical(s: pd.Series) -> bool:
    """True for columns treated as categories (category, string, object, bool dtype)."""
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def label_matrix(X: pd.DataFrame) -> np.ndarray:
    """Category labels of every column as strings, missing as :data:`MISSING_LEVEL`."""
    return np.column_stack([_labels(X[c]).to_numpy(dtype=object) for c in X.columns])


def preprocessor(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    """The scikit-learn preprocessing behind :class:`DesignMatrix` (unfitted).

    Output blocks, in this order: the median-imputed, standardised numbers; a missing-value
    indicator per number with missing values in training; the one-hot levels of every
    category (all levels, sorted; unseen levels all zeros).
    """
    numbers = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]
    )
    levels = Pipeline(
        [
            ("labels", FunctionTransformer(label_matrix)),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]
    )
    missing = MissingIndicator(features="missing-only", error_on_new=False)
    return ColumnTransformer(
        [
            ("numeric", numbers, numeric),
            ("missing", missing, numeric),
            ("levels", levels, categorical),
        ],
        sparse_threshold=0.0,
    )


class DesignMatrix(TransformerMixin, BaseEstimator):
    """Median-impute and standardise numbers, one-hot categories against a reference.

    Attributes
    ----------
    terms_ : DataFrame
        One row per output column: ``feature``, ``kind`` (numeric / missing / level),
        ``level`` (for levels), ``reference`` (the feature's reference level), ``center``
        and ``scale`` (numeric: the column is ``(x - center) / scale``), ``share`` (rows
        with the level, or with a missing value).
    duplicates_ : DataFrame
        Dropped terms (same columns) and ``same_as``: the term they repeat.
    numeric_, categorical_ : list of str
        Input columns by kind.
    preprocessor_ : ColumnTransformer
        The fitted :func:`preprocessor`.
    columns_ : ndarray of int
        Positions of the output columns in the preprocessor's output, in ``terms_`` order.
    """

    def fit(self, X: pd.DataFrame, y: object = None) -> DesignMatrix:
        """Learn medians, scales, levels and reference levels from ``X``."""
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: pd.DataFrame, y: object = None) -> np.ndarray:
        """Fit on ``X`` and return its design matrix (one preprocessing pass)."""
        self.numeric_ = [c for c in X.columns if not is_categorical(X[c])]
        self.categorical_ = [c for c in X.columns if is_categorical(X[c])]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.preprocessor_ = preprocessor(self.numeric_, self.categorical_)
        Z = self.preprocessor_.fit_transform(X)
        terms, columns = self._terms(Z)
        Z = Z[:, columns]
        keep = _first_of_duplicates(Z)
        self.duplicates_ = pd.DataFrame(columns=[*TERM_COLUMNS, "same_as"])
        if not keep.all():
            first: dict[bytes, int] = {}
            for j in np.flatnonzero(keep):
                first.setdefault(Z[:, j].tobytes(), j)
            dup = terms[~keep].copy()
            dup["same_as"] = [
                _term_label(terms.iloc[first[Z[:, j].tobytes()]]) for j in np.flatnonzero(~keep)
            ]
            self.duplicates_ = dup.reset_index(drop=True)
        self.terms_ = terms[keep].reset_index(drop=True)
        self.columns_ = columns[keep]
        return Z[:, keep]

    def _terms(self, Z: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """Every output column's term, ordered feature by feature, and its position in ``Z``.

        A number is followed by its missing indicator; a category's levels exclude its
        reference, the most frequent level (the first in sorted order among equals).
        """
        pre = self.preprocessor_
        n_num = len(self.numeric_)
        rows, columns = [], []
        self.medians_: dict[str, float] = {}
        if n_num:  # ColumnTransformer leaves the steps of an empty column list unfitted
            imputer, scaler = pre.named_transformers_["numeric"].named_steps.values()
            flagged = list(pre.named_transformers_["missing"].features_)
            self.medians_ = dict(zip(self.numeric_, imputer.statistics_.tolist(), strict=True))
        for i, col in enumerate(self.numeric_):
            center, scale = float(scaler.mean_[i]), float(scaler.scale_[i])
            rows.append(_term(col, "numeric", center=center, scale=scale))
            columns.append(i)
            if i in flagged:
                j = n_num + flagged.index(i)
                rows.append(_term(col, "missing", share=float(Z[:, j].mean())))
                columns.append(j)
        self.levels_: dict[str, list[str]] = {}
        start = n_num + len(flagged) if n_num else 0
        onehot = pre.named_transformers_["levels"].named_steps["onehot"]
        categories = onehot.categories_ if self.categorical_ else []
        for col, cats in zip(self.categorical_, categories, strict=True):
            levels = [str(c) for c in cats]
            counts = Z[:, start : start + len(levels)].sum(axis=0)
            ref = levels[int(np.argmax(counts))]
            self.levels_[col] = levels
            for k, (level, n) in enumerate(zip(levels, counts, strict=True)):
                if level != ref:
                    rows.append(_term(col, "level", level=level, reference=ref, share=n / len(Z)))
                    columns.append(start + k)
            start += len(levels)
        return pd.DataFrame(rows, columns=TERM_COLUMNS), np.asarray(columns, dtype=int)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The design matrix (float, one column per row of ``terms_``)."""
        return self.preprocessor_.transform(X)[:, self.columns_]

    def columns_of(self, feature: str) -> list[int]:
        """Positions of the design columns that come from one input feature."""
        return np.flatnonzero(self.terms_["feature"].to_numpy() == feature).tolist()


def _term(feature: str, kind: str, **kw: object) -> dict:
    row = {"feature": feature, "kind": kind, "level": None, "reference": None}
    row.update({"center": 0.0, "scale": 1.0, "share": 1.0})
    row.update(kw)
    return row


def _term_label(t: pd.Series) -> str:
    if t["kind"] == "level":
        return f"{t['feature']} = {t['level']}"
    return f"{t['feature']} missing" if t["kind"] == "missing" else str(t["feature"])


def _first_of_duplicates(Z: np.ndarray) -> np.ndarray:
    """True for each column that is not an exact repeat of an earlier column."""
    seen: set[bytes] = set()
    keep = np.ones(Z.shape[1], dtype=bool)
    for j in range(Z.shape[1]):
        key = np.ascontiguousarray(Z[:, j]).tobytes()
        keep[j] = key not in seen
        seen.add(key)
    return keep


def _labels(s: pd.Series) -> pd.Series:
    """Category labels as strings, missing as :data:`MISSING_LEVEL` (vectorised)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.append(s.cat.categories.astype(str).to_numpy(dtype=object), MISSING_LEVEL)
        return pd.Series(cats[s.cat.codes.to_numpy()], index=s.index)
    return s.astype(object).where(s.notna(), MISSING_LEVEL).astype(str)
