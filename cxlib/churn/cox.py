"""Time to churn: hazard ratios of the top drivers from a Cox proportional-hazards model.

Where the driver models answer "who churns within the horizon", the Cox model answers
"who churns sooner", using every day of follow-up: customers are followed from the earliest
cutoff of the as-of design (their features measured then) to their churn or the end of
the data (censored), or, in a snapshot, from signup over their tenure. One model holds the
lead features of the top drivers, so each hazard ratio is adjusted for the others.

Encoding keeps the page honest: a number that churn follows one way enters per natural
step (:func:`cxlib.churn.sentences.natural_step`: one ticket, a year of tenure); a
category, and a number whose shape is not monotone (a U), enter as levels against the
safest level, so no hazard ratio claims a per-unit effect that the data does not have.
lifelines' ``CoxPHFitter`` with a small ridge penalty fits it (stable when a level is
rare); the proportional-hazards assumption is checked with lifelines'
``proportional_hazard_test`` (scaled Schoenfeld residuals against rank time), and a
violation is stated: that hazard ratio is an average over the follow-up.

Examples
--------
>>> cox = cox_drivers(data, model.drivers_, model.shapes_)           # doctest: +SKIP
>>> cox.table[["term", "hazard_ratio", "hr_low", "hr_high", "ph_ok"]]  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib import wording
from cxlib.churn.data import TIME_FEATURES, ChurnData
from cxlib.churn.design import is_categorical
from cxlib.churn.sentences import label, natural_step
from cxlib.churn.shapes import MONOTONE

TOP_DRIVERS = 5
"""Drivers whose lead features enter the Cox model."""
PENALIZER = 0.01
"""lifelines' ridge penalty: keeps rare levels from blowing up, barely shrinks the rest."""
MAX_ROWS = 10_000
"""Customers the Cox model is fitted on at most (a random sample beyond)."""
PH_ALPHA = 0.01
"""A proportional-hazards test p-value below this states a violation."""
MIN_EVENTS = 30
"""Fewer churns than this in the follow-up: no Cox model."""
COX_COLUMNS = ["driver", "term", "hazard_ratio", "hr_low", "hr_high", "p_value", "ph_p", "ph_ok"]


@dataclass
class CoxResult:
    """The Cox model's hazard ratios, or the reason there are none."""

    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COX_COLUMNS))
    concordance: float = float("nan")
    n: int = 0
    events: int = 0
    clock: str = ""
    reason: str | None = None

    def sentences(self) -> list[str]:
        """The hazard ratios in words, with the proportional-hazards check."""
        if self.reason:
            return [self.reason]
        out = [
            f"Followed {self.clock}: {wording.count(self.n)} customers, "
            f"{wording.count(self.events)} churns; the model ranks who churns sooner correctly "
            f"for {wording.percent(self.concordance)} of pairs of customers."
        ]
        for r in self.table.itertuples(index=False):
            out.append(_hr_sentence(r))
        return out


def _hr_sentence(r: object) -> str:
    hr, low, high = r.hazard_ratio, r.hr_low, r.hr_high
    span = f"(95% CI {wording.number(low, 2)}–{wording.number(high, 2)})"
    if low <= 1 <= high:
        text = f"{r.term}: no clear difference in how soon customers churn {span}."
    else:
        way = "sooner" if hr >= 1 else "later"
        text = f"{r.term}: churn comes {wording.number(hr, 2)} times as fast ({way}) {span}."
    if not r.ph_ok:
        text += (
            f" Its effect changes over the follow-up ({wording.p_value(r.ph_p)}): read it as "
            "an average over time."
        )
    return text


def cox_drivers(
    data: ChurnData,
    drivers: pd.DataFrame,
    shapes: dict[str, pd.DataFrame],
    top: int = TOP_DRIVERS,
    random_state: int = 0,
) -> CoxResult:
    """Fit the Cox model on the lead features of the ``top`` significant drivers."""
    rows, clock = _follow_up(data)
    if rows is None:
        return CoxResult(reason=clock)
    chosen = drivers[drivers["significant"].astype(bool)]
    if data.design == "snapshot":  # tenure is the clock, not a covariate
        chosen = chosen[~chosen["lead"].isin(TIME_FEATURES)]
    chosen = chosen.head(top)
    leads = chosen["lead"].tolist()
    if not leads:
        return CoxResult(reason="No significant driver to follow over time.")
    X = data.X.loc[rows]
    frame, terms = _design(X, chosen.set_index("lead"), leads, shapes)
    frame["duration"] = np.clip(data.duration[rows], 1e-3, None)
    frame["event"] = data.event[rows].astype(int)
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=random_state)
    events = int(frame["event"].sum())
    if events < MIN_EVENTS:
        return CoxResult(reason=f"Only {events} churns in the follow-up: no time-to-churn model.")
    return _fit(frame, terms, clock, events)


def _follow_up(data: ChurnData) -> tuple[np.ndarray | None, str]:
    """The rows followed and how the clock runs (or None and the reason)."""
    if data.design == "asof":
        first = data.origin.min()
        rows = data.origin == first
        return rows, f"from {pd.Timestamp(first):%Y-%m-%d} to churn or the end of the data"
    if not np.isfinite(data.duration).any():
        return None, "Without signup dates the time to churn is unknown: no Cox model."
    rows = np.isfinite(data.duration)
    return rows, "from signup over each customer's tenure (a snapshot: churners at their tenure)"


def _design(
    X: pd.DataFrame, chosen: pd.DataFrame, leads: list[str], shapes: dict[str, pd.DataFrame]
) -> tuple[pd.DataFrame, dict]:
    """Covariates per natural step (monotone numbers) or as levels; term -> (driver, name)."""
    cols: dict[str, np.ndarray] = {}
    terms: dict[str, tuple[str, str]] = {}
    for i, f in enumerate(leads):
        driver, shape = str(chosen.loc[f, "driver"]), str(chosen.loc[f, "shape"])
        x = X[f]
        if is_categorical(x) or shape not in MONOTONE:
            _levels(x, f, i, (driver, shapes.get(driver)), cols, terms)
            continue
        v = x.to_numpy(dtype=float, na_value=np.nan)
        step, name = natural_step(x, f)
        v = np.where(np.isnan(v), np.nanmedian(v), v) / step
        key = f"x{i}"
        cols[key] = v
        per = name if name not in ("one", "binary") else "+1"
        terms[key] = (driver, f"{label(f)}, per {per}")
    return pd.DataFrame(cols, index=X.index), terms


def _levels(
    x: pd.Series, f: str, i: int, driver: tuple[str, pd.DataFrame | None], cols: dict, terms: dict
) -> None:
    """Indicator columns of a feature's levels (a number: the bins of its shape table)
    against the level with the lowest churn rate (the safest)."""
    name, table = driver
    if table is None or table.empty:
        return
    if is_categorical(x):
        labels = x.astype(object).where(x.notna(), None).astype(str)
        labels = labels.where(labels.isin(table["label"]), "other")
    else:
        v = x.to_numpy(dtype=float, na_value=np.nan)
        edges = table["high"].to_numpy(dtype=float)[:-1]
        codes = np.searchsorted(edges, v, side="left")
        labels = pd.Series(
            table["label"].to_numpy()[np.clip(codes, 0, len(table) - 1)], index=x.index
        )
        labels = labels.where(~np.isnan(v), "(missing)")
    ref = str(table.loc[table["rate"].idxmin(), "label"])
    for j, lv in enumerate(lv for lv in table["label"] if lv != ref):
        key = f"x{i}_{j}"
        cols[key] = (labels == lv).to_numpy(dtype=float)
        terms[key] = (name, f"{label(f)} {lv} (vs {ref})")


def _fit(frame: pd.DataFrame, terms: dict, clock: str, events: int) -> CoxResult:
    """lifelines' CoxPHFitter and its proportional-hazards test."""
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    keep = [c for c in terms if frame[c].std() > 0]
    if not keep:
        return CoxResult(reason="The top drivers do not vary in the follow-up: no Cox model.")
    frame = frame[keep + ["duration", "event"]]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph = CoxPHFitter(penalizer=PENALIZER).fit(frame, "duration", "event")
            ph = proportional_hazard_test(cph, frame, time_transform="rank").summary["p"]
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as err:  # lifelines' convergence
        return CoxResult(reason=f"The time-to-churn model could not be fitted ({err}).")
    s = cph.summary
    table = pd.DataFrame(
        {
            "driver": [terms[c][0] for c in keep],
            "term": [terms[c][1] for c in keep],
            "hazard_ratio": s.loc[keep, "exp(coef)"].to_numpy(),
            "hr_low": s.loc[keep, "exp(coef) lower 95%"].to_numpy(),
            "hr_high": s.loc[keep, "exp(coef) upper 95%"].to_numpy(),
            "p_value": s.loc[keep, "p"].to_numpy(),
            "ph_p": ph.reindex(keep).to_numpy(dtype=float),
        }
    )
    table["ph_ok"] = ~(table["ph_p"] < PH_ALPHA)
    return CoxResult(
        table=table,
        concordance=float(cph.concordance_index_),
        n=len(frame),
        events=events,
        clock=clock,
    )
