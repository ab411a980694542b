"""Small helpers shared by the journey modules: a prepared log, rates with Wilson CIs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cxlib.journey.log import JourneyLog
from cxlib.metrics.intervals import wilson

HOUR = 3600.0
DAY = 86400.0


def as_log(data, **kwargs) -> JourneyLog:  # noqa: ANN001
    """A JourneyLog from a CXData (built with ``kwargs``) or the given one."""
    return data if isinstance(data, JourneyLog) else JourneyLog(data, **kwargs)


def add_rate(frame: pd.DataFrame, name: str, k: str, n: str) -> None:
    """Add ``name`` = k / n with its Wilson 95% CI (``name_ci_low``, ``name_ci_high``)."""
    ks, ns = frame[k].to_numpy(float), frame[n].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame[name] = np.where(ns > 0, ks / ns, np.nan)
    bounds = [
        wilson(a, b) if b > 0 and not math.isnan(a) else (np.nan, np.nan)
        for a, b in zip(ks, ns, strict=True)
    ]
    frame[f"{name}_ci_low"] = [b[0] for b in bounds]
    frame[f"{name}_ci_high"] = [b[1] for b in bounds]
