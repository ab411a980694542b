"""Persona profiles: what a marketing lead asks about each persona, with 95% CIs.

:func:`persona_profiles` names the personas of a fitted segmenter
(:func:`cxlib.personas.naming.name_segments`) and adds their size, share of revenue,
NPS/CSAT/CES and churn with 95% CIs from :mod:`cxlib.metrics`, preferred channel and age
band; :mod:`cxlib.personas.findings` turns them into the report's sentences and tables.

Examples
--------
>>> seg = PersonaSegmenter(k=5).fit(X)                                # doctest: +SKIP
>>> persona_profiles(cx, seg, X)[["persona_name", "nps", "churn_rate"]]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from cxlib import metrics, wording
from cxlib.io.dataset import CXData
from cxlib.io.ids import positions
from cxlib.personas.naming import Names, name_segments
from cxlib.personas.segmenter import PersonaSegmenter

AGE_BAND_QUANTILES = (0.25, 0.75)
"""The age band of a persona: the middle half of its customers' ages."""
SURVEY_METRICS: tuple[tuple[str, str, Callable], ...] = (
    ("nps", "nps", metrics.nps),
    ("csat", "csat", metrics.csat),
    ("ces_mean", "ces", metrics.ces_mean),
)
"""Profile column, survey kind and metric of each survey metric of a profile."""
CHANNEL_SHARE_PREFIX = "events_share_"
"""Feature prefix of the channel shares (the preferred channel without a customers column)."""


def persona_profiles(
    cx: CXData,
    segmenter: PersonaSegmenter,
    features: pd.DataFrame | None = None,
    names: Names | None = None,
) -> pd.DataFrame:
    """One row per persona: name, size, revenue share, experience and churn with 95% CIs.

    Parameters
    ----------
    cx : CXData
        The data set the personas were built from (surveys and customers give the CIs).
    segmenter : PersonaSegmenter
        A fitted segmenter (its ``personas_``, ``profiles_`` and centroids).
    features : DataFrame, optional
        The customer features it was fitted on (for revenue when ``customers`` has no
        ``monthly_revenue``).
    names : dict or list, optional
        Persona names to use instead of the generated ones (see
        :func:`cxlib.personas.naming.name_segments`).

    Returns
    -------
    DataFrame
        ``persona_id, persona_name, persona_alias, description, traits, n, share,
        revenue_share, monthly_revenue, nps, nps_ci_low, nps_ci_high, nps_n`` and the same
        four columns for ``csat``, ``ces_mean`` and ``churn_rate`` (NaN when the data set
        lacks the table), ``preferred_channel``, ``median_age``, ``age_band``
        (interquartile range of age).
    """
    out = name_segments(segmenter, names)
    sizes = segmenter.profiles_.set_index("persona_id")[["n", "share"]]
    out = out.join(sizes)
    assign = segmenter.personas_[["customer_id", "persona_id"]]
    persona_of = np.append(assign["persona_id"].to_numpy(dtype=float), np.nan)

    def with_persona(frame: pd.DataFrame) -> pd.DataFrame:  # -1 (unknown id) -> NaN
        found = persona_of[positions(frame["customer_id"], assign["customer_id"])]
        return frame.assign(persona_id=found)[~np.isnan(found)]

    cust = None if cx.customers is None else with_persona(cx.customers)
    _add_revenue(out, cust, features, segmenter.labels_)
    surveys = cx.surveys
    if surveys is not None:  # the persona of every answer, looked up once
        surveys = with_persona(surveys[["customer_id", "survey", "score"]])
    for name, kind, fn in SURVEY_METRICS:
        frame = None if surveys is None else surveys[surveys["survey"] == kind]
        kwargs = {}
        if kind in cx.config.scales and name != "nps":
            kwargs["scale"] = cx.config.scales[kind]
        _add_metric(out, name, fn, frame, "score", **kwargs)
    churn = None
    if cust is not None and "churned" in cust:
        churn = cust[cust["churned"].notna()]
    _add_metric(out, "churn_rate", metrics.churn_rate, churn, "churned")
    _add_channel(out, cust, features, segmenter.labels_)
    _add_age(out, cust)
    return out.reset_index()


def _add_revenue(
    out: pd.DataFrame, cust: pd.DataFrame | None, features: pd.DataFrame | None, labels
) -> None:
    """``revenue_share`` and mean ``monthly_revenue`` per persona (NaN without revenue)."""
    revenue = None
    if cust is not None and "monthly_revenue" in cust:
        revenue = cust.groupby("persona_id")["monthly_revenue"].agg(["sum", "mean"])
    elif features is not None and "monthly_revenue" in features:
        revenue = features["monthly_revenue"].groupby(labels).agg(["sum", "mean"])
    if revenue is not None:
        out["revenue_share"] = revenue["sum"] / revenue["sum"].sum()
        out["monthly_revenue"] = revenue["mean"]
    else:
        out["revenue_share"] = np.nan
        out["monthly_revenue"] = np.nan


def _add_channel(
    out: pd.DataFrame, cust: pd.DataFrame | None, features: pd.DataFrame | None, labels
) -> None:
    """The persona's most common preferred channel; else its largest mean channel share."""
    if cust is not None and "preferred_channel" in cust and cust["preferred_channel"].notna().any():
        mode = cust.groupby("persona_id", observed=True)["preferred_channel"].agg(
            lambda s: s.value_counts().index[0] if s.notna().any() else None
        )
        out["preferred_channel"] = mode.reindex(out.index).astype(object)
    elif features is not None:
        shares = [c for c in features.columns if c.startswith(CHANNEL_SHARE_PREFIX)]
        if shares:
            m = features[shares].groupby(labels).mean()
            out["preferred_channel"] = m.idxmax(axis=1).str.removeprefix(CHANNEL_SHARE_PREFIX)


def _add_age(out: pd.DataFrame, cust: pd.DataFrame | None) -> None:
    """Median age and the age band (middle half) of each persona, when ages are known."""
    if cust is None or "age" not in cust or not cust["age"].notna().any():
        return
    age = cust.assign(age=cust["age"].astype(float)).groupby("persona_id")["age"]
    lo, hi = (age.quantile(q) for q in AGE_BAND_QUANTILES)
    out["median_age"] = age.median()
    out["age_band"] = [
        f"{wording.number(a)}-{wording.number(b)}" if pd.notna(a) else None
        for a, b in zip(lo, hi, strict=True)
    ]


def _add_metric(out: pd.DataFrame, name: str, fn, frame, value: str, **kwargs) -> None:
    """The metric per persona with its 95% CI and count: ``name, name_ci_low, ..., name_n``."""
    cols = [name, f"{name}_ci_low", f"{name}_ci_high", f"{name}_n"]
    if frame is None or len(frame) == 0:
        for c in cols:
            out[c] = np.nan
        return
    g = metrics.grouped(fn, frame, by="persona_id", value=value, **kwargs)
    g = g.set_index(g["persona_id"].astype(int))
    out[cols[0]] = g["value"].reindex(out.index)
    out[cols[1]] = g["ci_low"].reindex(out.index)
    out[cols[2]] = g["ci_high"].reindex(out.index)
    out[cols[3]] = g["n"].reindex(out.index).fillna(0).astype(int)
