"""Coercion of metric inputs to the data contract's types (private to cxlib).

Scores and flags arrive as lists, arrays or columns of any dtype (pandas string dtype
included); datetimes as ISO 8601 strings or datetime columns. These helpers turn them into
numpy arrays or UTC datetime series and drop missing values, raising ``ValueError`` with a
count for values the contract does not allow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}


def series(x: Any) -> pd.Series:
    """A 0..n-indexed Series from a list, array or Series (dtype inferred)."""
    if isinstance(x, pd.DataFrame):
        raise TypeError("pass one column (e.g. surveys['score']), not a DataFrame")
    if isinstance(x, pd.Series):
        return x.reset_index(drop=True)
    return pd.Series(x if isinstance(x, np.ndarray) else list(x))


def numbers(x: Any) -> np.ndarray:
    """Float array of the non-missing values of ``x``."""
    s = pd.to_numeric(series(x), errors="raise")
    a = s.to_numpy(dtype=float, na_value=np.nan)
    return a[~np.isnan(a)]


def scores(x: Any, scale: tuple[int, int], label: str) -> np.ndarray:
    """Non-missing scores as floats; ``ValueError`` unless all are integers within ``scale``."""
    a = numbers(x)
    lo, hi = scale
    bad = (a < lo) | (a > hi) | (a != np.round(a))
    if bad.any():
        raise ValueError(
            f"{label}: {int(bad.sum())} of {a.size} scores are not integers from {lo} to {hi}"
        )
    return a


def flags(x: Any) -> np.ndarray:
    """Bool array from bools, 0/1 or true/false/yes/no strings; missing values dropped."""
    s = series(x)
    s = s[s.notna()]
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        a = s.to_numpy(dtype=float)
        if not np.isin(a, (0.0, 1.0)).all():
            raise ValueError(f"{int((~np.isin(a, (0.0, 1.0))).sum())} values are not 0/1")
        return a == 1.0
    text = s.astype(str).str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} values are not true/false, yes/no or 1/0")
    return text.isin(_TRUE).to_numpy(dtype=bool)


def utc(s: pd.Series) -> pd.Series:
    """Datetime series in UTC (strings parsed as ISO 8601, naive times taken as UTC)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        return s.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(s):
        return s.dt.tz_localize("UTC")
    return pd.to_datetime(s.astype(object), utc=True, format="ISO8601")


def utc_ts(t: Any) -> pd.Timestamp:
    """A timestamp in UTC (naive taken as UTC)."""
    ts = pd.Timestamp(t)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def column(frame: pd.DataFrame, col: str, metric: str) -> pd.Series:
    """``frame[col]``, with an error naming the metric and the columns present."""
    if col not in frame.columns:
        raise KeyError(f"{metric} needs column {col!r}; got {list(frame.columns)}")
    return frame[col]
