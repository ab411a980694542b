"""Plain language for churn drivers: natural steps, feature names and driver sentences.

The adjusted, per-step reading of a driver's headline odds ratio
(:func:`cxlib.churn.drivers.odds_ratios`) for the method appendix: "Each additional
unresolved ticket raises the odds of churn by 38% (95% CI 30–46%)." Effects whose CI
includes no change say so; odds ratios no real effect has (complete separation) say that.

Examples
--------
>>> natural_step(pd.Series([0, 1, 3, 2, 0]))
(1.0, 'one')
>>> label("ces_mean")
'mean effort score (1-5)'
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cxlib import wording
from cxlib.features import dictionary as feature_dictionary

UNIT_NAMES: dict[str, tuple[float, str]] = {
    "unresolved_tickets": (1.0, "unresolved ticket"),
    "ticket_count": (1.0, "ticket"),
    "ces_mean": (1.0, "point of mean effort score (1-5, 5 = very easy)"),
    "csat_mean": (1.0, "point of mean CSAT"),
    "nps_mean": (1.0, "point of mean NPS answer (0-10)"),
    "contacts_per_ticket": (1.0, "contact per ticket"),
    "tenure_days": (365.25, "year of tenure"),
    "tenure": (12.0, "year of tenure"),
    "age": (10.0, "decade of age"),
    "mean_resolution_hours": (24.0, "day of mean resolution time"),
    "mean_first_response_hours": (24.0, "day of mean first-response time"),
    "orders_per_month": (1.0, "order per month"),
    "events_per_month": (10.0, "10 events per month"),
}
"""Feature -> (step, what one step is called) for the driver sentences."""


def natural_step(x: pd.Series, feature: str | None = None) -> tuple[float, str]:
    """The step a sentence talks about for one feature, and its name.

    0/1 features -> ``(1, "binary")``; shares in [0, 1] -> ten points; known features
    (:data:`UNIT_NAMES`) their unit; small-spread numbers one unit; others a round
    number near one standard deviation.
    """
    if feature in UNIT_NAMES:
        return UNIT_NAMES[feature]
    v = x.to_numpy(dtype=float, na_value=np.nan)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 1.0, "one"
    if np.isin(v, (0.0, 1.0)).all():
        return 1.0, "binary"
    if v.min() >= 0 and v.max() <= 1:
        return 0.1, "10 percentage points"
    sd = float(v.std())
    if sd <= 3:
        return 1.0, "one"
    mag = 10 ** math.floor(math.log10(sd))
    step = min((m * mag for m in (1, 2, 5, 10)), key=lambda s: abs(math.log(s / sd)))
    return float(step), f"{step:g}"


def cap(text: str) -> str:
    """Upper-case the first letter only ('mean CES' -> 'Mean CES').

    Examples
    --------
    >>> cap("mean CES")
    'Mean CES'
    """
    return text[:1].upper() + text[1:]


def group_name(by: str, value: object) -> str:
    """A group in running text: 'the basic plan', 'persona 2', 'the Premium loyalists persona'.

    Examples
    --------
    >>> group_name("plan", "basic"), group_name("persona", 2), group_name("persona", "Fans")
    ('the basic plan', 'persona 2', 'the Fans persona')
    """
    v = str(value)
    if by == "plan":
        return f"the {v} plan"
    if by == "persona":
        return f"persona {v}" if v.isdigit() else f"the {v} persona"
    return v


def label(feature: str) -> str:
    """A feature's plain name for sentences and charts (from the data dictionary,
    :func:`cxlib.features.phrase`).

    Examples
    --------
    >>> label("ces_mean"), label("unresolved_tickets")
    ('mean effort score (1-5)', 'unresolved tickets')
    """
    return feature_dictionary.phrase(feature)


SEPARATION_RATIO = 20.0
"""An odds ratio beyond this (or below its inverse) is not a believable per-step effect."""
SEPARATION_SPAN = 100.0
"""Nor is one whose 95% CI spans more than this factor (two orders of magnitude)."""


def separates(ratio: float, low: float, high: float) -> bool:
    """Whether an odds ratio says "separates the groups almost completely" rather than an
    effect: above :data:`SEPARATION_RATIO` (or below its inverse), or a CI spanning more
    than :data:`SEPARATION_SPAN`.

    Examples
    --------
    >>> separates(137.4, 85.9, 219.6), separates(1.38, 1.30, 1.46), separates(3, 0.5, 80)
    (True, False, True)
    """
    if not all(np.isfinite([ratio, low, high])) or low <= 0:
        return True
    return bool(
        ratio > SEPARATION_RATIO or ratio < 1 / SEPARATION_RATIO or high / low > SEPARATION_SPAN
    )


def _change(ratio: float, low: float, high: float) -> str:
    """'raises the odds of churn by 38% (95% CI 30-46%)' and the like."""
    if separates(ratio, low, high):
        return (
            "separates churners from stayers almost completely: no per-step effect can be "
            "read from it"
        )
    if low <= 1 <= high:
        return (
            f"shows no clear effect on the odds of churn ({wording.change(ratio)}, "
            f"95% CI {wording.change(low)} to {wording.change(high)})"
        )
    if ratio >= 2:
        return f"multiplies the odds of churn by {ratio:.1f} (95% CI {low:.1f}–{high:.1f})"
    if ratio >= 1:
        return (
            f"raises the odds of churn by {100 * (ratio - 1):.0f}% "
            f"(95% CI {100 * (low - 1):.0f}–{100 * (high - 1):.0f}%)"
        )
    return (
        f"lowers the odds of churn by {100 * (1 - ratio):.0f}% "
        f"(95% CI {100 * (1 - high):.0f}–{100 * (1 - low):.0f}%)"
    )


def _compare(ratio: float, low: float, high: float, reference: str) -> str:
    """'have 135% higher odds of churn than those with premium (95% CI ...)'."""
    if separates(ratio, low, high):
        return (
            f"are separated from those with {reference} almost completely: no size of "
            "effect can be read from it"
        )
    if low <= 1 <= high:
        return (
            f"show no clear difference in the odds of churn from those with {reference} "
            f"({wording.change(ratio)}, 95% CI {wording.change(low)} to {wording.change(high)})"
        )
    if ratio >= 2:
        return (
            f"have {ratio:.1f} times the odds of churn of those with {reference} "
            f"(95% CI {low:.1f}–{high:.1f})"
        )
    word, pct = ("higher", ratio - 1) if ratio >= 1 else ("lower", 1 - ratio)
    lo, hi = (low - 1, high - 1) if ratio >= 1 else (1 - high, 1 - low)
    return (
        f"have {100 * pct:.0f}% {word} odds of churn than those with {reference} "
        f"(95% CI {100 * lo:.0f}–{100 * hi:.0f}%)"
    )


def driver_sentence(row: dict | pd.Series) -> str:
    """The logistic regression's adjusted effect of a driver's headline term, in words.

    This is the per-step reading (other features held fixed) that the method appendix
    shows; the page's driver sentences describe the observed shape instead
    (:mod:`cxlib.churn.effects`). Odds ratios that no real effect has say so
    (:func:`separates`).

    Examples
    --------
    >>> driver_sentence({"driver": "unresolved_tickets", "feature": "unresolved_tickets",
    ...     "kind": "numeric", "step_name": "unresolved ticket", "odds_ratio": 1.38,
    ...     "or_low": 1.30, "or_high": 1.46, "significant": True})
    'Each additional unresolved ticket raises the odds of churn by 38% (95% CI 30–46%).'
    """
    r = dict(row)
    name = label(str(r["feature"]))
    if r.get("odds_ratio") is None or pd.isna(r.get("odds_ratio")):
        return f"{label(str(r['driver']))}: no odds ratio available."
    change = _change(float(r["odds_ratio"]), float(r["or_low"]), float(r["or_high"]))
    kind, step = r.get("kind"), r.get("step_name")
    if kind in ("level", "contrast"):
        text = f"Customers with {name} = {r['level']} " + _compare(
            float(r["odds_ratio"]), float(r["or_low"]), float(r["or_high"]), str(r["reference"])
        )
    elif kind == "missing":
        text = f"Having no {name} recorded {change}"
    elif step == "binary":
        text = f"{name} = 1 (rather than 0) {change}"
    elif r.get("feature") in UNIT_NAMES:
        text = f"Each additional {step} {change}"
    elif step == "one":
        text = f"Each +1 in {name} {change}"
    elif step in (None, ""):
        text = f"{name} {change}"
    else:
        text = f"Each +{step} in {name} {change}"
    text = text[0].upper() + text[1:] + "."
    if r.get("driver") != r.get("feature"):
        text = f"{cap(label(str(r['driver'])))} (led by {name}): " + text[0].lower() + text[1:]
    if not r.get("significant", True):
        text += " Not a significant driver: shuffling it does not clearly hurt the model."
    return text


def term_name(t: pd.Series | dict) -> str:
    """A term in a table: 'plan = basic (vs premium)', 'age missing', 'tenure_days'."""
    if t["kind"] in ("level", "contrast"):
        return f"{t['feature']} = {t['level']} (vs {t['reference']})"
    if t["kind"] == "missing":
        return f"{t['feature']} missing"
    return str(t["feature"])
