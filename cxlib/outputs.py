"""Writing a report's machine-readable outputs (CSV and JSON) beside its HTML.

Reports hand their results to :func:`save`; other reports and the index page read
them back with :func:`read_json`. JSON is written with NumPy/pandas scalars turned
into plain numbers and NaN into ``null``, so any JSON reader can use it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _plain(value: Any) -> Any:
    """Convert NumPy/pandas values to JSON-ready Python values (NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def save(output_dir: str | Path, name: str, obj: pd.DataFrame | dict | list) -> Path:
    """Write ``obj`` to ``output_dir/name`` (.csv for a DataFrame, .json otherwise).

    Examples
    --------
    >>> save(tmp, "persona_segmentation.json", {"k": 5})          # doctest: +SKIP
    """
    path = Path(output_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(obj, pd.DataFrame):
        obj.to_csv(path, index=False)
    else:
        path.write_text(json.dumps(_plain(obj), indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def read_json(path: str | Path) -> Any:
    """Read a JSON output written by :func:`save`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
