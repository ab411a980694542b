"""Design matrix for interpretable linear models: one documented column per term.

:class:`DesignMatrix` turns a features frame (float and ``category`` columns) into the
numeric matrix a regularised logistic regression fits on, and remembers what every
column means (``terms_``), so coefficients can be read back as odds ratios per unit of
the original feature:

numeric
    Missing values filled with the training median, then standardised (mean 0, sd 1);
    a 0/1 ``missing`` column is added for every feature with missing values in training.
categorical
    One 0/1 column per level except the reference level, the most frequent one (stable
    estimates); missing values are a level of their own (``"(missing)"``); levels unseen
    in training give all zeros.
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
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

MISSING_LEVEL = "(missing)"


def is_categorical(s: pd.Series) -> bool:
    """True for columns treated as categories (category, string, object, bool dtype)."""
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


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
    """

    def fit(self, X: pd.DataFrame, y: object = None) -> DesignMatrix:
        """Learn medians, scales, levels and reference levels from ``X``."""
        self.numeric_ = [c for c in X.columns if not is_categorical(X[c])]
        self.categorical_ = [c for c in X.columns if is_categorical(X[c])]
        rows: list[dict] = []
        self.medians_: dict[str, float] = {}
        self.levels_: dict[str, list[str]] = {}
        for col in self.numeric_:
            x = X[col].to_numpy(dtype=float, na_value=np.nan)
            med = float(np.nanmedian(x)) if np.isfinite(x).any() else 0.0
            filled = np.where(np.isnan(x), med, x)
            sd = float(filled.std())
            self.medians_[col] = med
            rows.append(_term(col, "numeric", center=float(filled.mean()), scale=sd or 1.0))
            if np.isnan(x).any():
                rows.append(_term(col, "missing", share=float(np.isnan(x).mean())))
        for col in self.categorical_:
            labels = _labels(X[col])
            counts = labels.value_counts(sort=False).sort_index()
            ref = str(counts.sort_values(ascending=False, kind="stable").index[0])
            self.levels_[col] = list(counts.index)
            rows += [
                _term(col, "level", level=lv, reference=ref, share=n / len(labels))
                for lv, n in counts.items()
                if lv != ref
            ]
        columns = ["feature", "kind", "level", "reference", "center", "scale", "share"]
        self.terms_ = pd.DataFrame(rows, columns=columns)
        self.duplicates_ = pd.DataFrame(columns=[*columns, "same_as"])
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        Z = self.transform(X)
        keep = _first_of_duplicates(Z)
        if not keep.all():
            first = {}
            for j in np.flatnonzero(keep):
                first.setdefault(Z[:, j].tobytes(), j)
            dup = self.terms_[~keep].copy()
            dup["same_as"] = [
                _term_label(self.terms_.iloc[first[Z[:, j].tobytes()]])
                for j in np.flatnonzero(~keep)
            ]
            self.duplicates_ = dup.reset_index(drop=True)
            self.terms_ = self.terms_[keep].reset_index(drop=True)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The design matrix (float, one column per row of ``terms_``)."""
        out = np.empty((len(X), len(self.terms_)))
        labels = {c: _labels(X[c]).to_numpy() for c in self.categorical_}
        for j, t in enumerate(self.terms_.itertuples(index=False)):
            if t.kind == "level":
                out[:, j] = labels[t.feature] == t.level
                continue
            x = X[t.feature].to_numpy(dtype=float, na_value=np.nan)
            if t.kind == "missing":
                out[:, j] = np.isnan(x)
            else:
                out[:, j] = (
                    np.where(np.isnan(x), self.medians_[t.feature], x) - t.center
                ) / t.scale
        return out

    def columns_of(self, feature: str) -> np.ndarray:
        """Positions of the design columns that come from one input feature."""
        return np.flatnonzero(self.terms_["feature"].to_numpy() == feature)


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
