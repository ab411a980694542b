"""What each churn driver looks like: its shape in the data, beside the model's view.

:func:`describe_drivers` completes the ranked driver table of
:class:`cxlib.churn.model.ChurnDriverModel`: for each driver it picks the lead feature
(the one of its group that on its own tells churners from stayers best), measures the
churn rate across that feature's values with CIs (:mod:`cxlib.churn.shapes`), reads the
ranking model's partial dependence at the same points (the churn the model predicts when
every customer is given that value, other features as they are), and writes the sentence.

The sentence is the observed shape ("customers with more unresolved tickets churn more:
4.1% at 0 against 18.2% at 3 or more"; "churn is lowest at 2 products"), never a per-unit
odds ratio, which a U-shaped or threshold effect would make wrong. When the model, with
the other features held as they are, moves the other way than the raw rates, the
sentence says so: the feature marks something else that drives churn.

Examples
--------
>>> drivers, shapes = describe_drivers(model.drivers_, X, y, predict)   # doctest: +SKIP
>>> drivers.loc[0, ["driver", "shape", "sentence"]]                     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from cxlib.churn.design import is_categorical
from cxlib.churn.evaluation import roc_auc_rows
from cxlib.churn.sentences import cap, label
from cxlib.churn.shapes import MONOTONE, shape_of, shape_sentence
from cxlib.features import dictionary as feature_dictionary

PD_ROWS = 300
"""Rows the partial dependence averages over (a random sample of the modelled rows)."""
SHOWN_DRIVERS = 12
"""Drivers whose partial dependence is read (the page's driver table shows this many)."""
REVERSAL = 0.005
"""The model's churn must move at least this much (0.5 points) the other way to count as
a reversal of the raw direction."""
DIRECTION_WORDS = {
    "increasing": "increases",
    "decreasing": "decreases",
    "u_shaped": "lowest in the middle",
    "inverted_u": "highest in the middle",
    "levels": "differs by level",
    "flat": "no clear difference",
}
"""The ``direction`` column of the driver table, per shape."""


def lead_feature(features: list[str], X: pd.DataFrame, y: np.ndarray) -> str:
    """The feature of a driver group that alone separates churners best (ROC-AUC from 0.5)."""
    if len(features) == 1:
        return features[0]
    scores = np.vstack([_as_score(X[f], y) for f in features])
    auc = roc_auc_rows(y, scores)
    return features[int(np.argmax(np.abs(auc - 0.5)))]


def _as_score(s: pd.Series, y: np.ndarray) -> np.ndarray:
    """A feature as a churn score: a level's churn rate, a number median-filled."""
    if is_categorical(s):
        labels = s.astype(object).where(s.notna(), "(missing)").astype(str).to_numpy()
        return pd.Series(y.astype(float)).groupby(labels).transform("mean").to_numpy(dtype=float)
    x = s.to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(x), np.nanmedian(x) if np.isfinite(x).any() else 0.0, x)


def model_curve(
    predict: Callable[[pd.DataFrame], np.ndarray],
    X: pd.DataFrame,
    feature: str,
    table: pd.DataFrame,
    random_state: int = 0,
) -> np.ndarray:
    """The model's mean P(churn) with ``feature`` set to each bin's value (or level).

    All points are scored in one ``predict`` call on up to :data:`PD_ROWS` sampled rows.
    """
    if table.empty:
        return np.array([])
    rows = X.sample(min(len(X), PD_ROWS), random_state=random_state).reset_index(drop=True)
    categorical = is_categorical(X[feature])
    points = table["label"].tolist() if categorical else table["value"].tolist()
    grid = pd.concat([rows] * len(points), ignore_index=True)
    values = np.repeat(np.asarray(points, dtype=object if categorical else float), len(rows))
    if categorical:
        known = set(X[feature].astype(object).dropna().astype(str))
        values = np.where(np.isin(values, list(known)), values, None)
        grid[feature] = pd.Categorical(values, categories=X[feature].cat.categories)
    else:
        grid[feature] = values
    return np.asarray(predict(grid)).reshape(len(points), len(rows)).mean(axis=1)


def reversed_by_model(shape: str, curve: np.ndarray) -> bool:
    """Whether the model's curve runs against a monotone raw shape by at least REVERSAL."""
    if shape not in MONOTONE or len(curve) < 2:
        return False
    move = float(curve[-1] - curve[0])
    return move <= -REVERSAL if shape == "increasing" else move >= REVERSAL


def describe_drivers(
    table: pd.DataFrame,
    X: pd.DataFrame,
    y: np.ndarray,
    predict: Callable[[pd.DataFrame], np.ndarray],
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Add ``lead``, ``shape``, ``direction``, ``adjusted_reversed`` and the sentence.

    Parameters
    ----------
    table : DataFrame
        The ranked driver table (:func:`cxlib.churn.drivers.driver_table`).
    X, y
        The modelled rows and their labels.
    predict : callable
        Rows -> P(churn) of the model that ranks the drivers.

    Returns
    -------
    (DataFrame, dict)
        The completed table, and per driver its shape table with a ``model_rate`` column.
    """
    yy = np.asarray(y, dtype=bool)
    out = table.copy()
    shapes: dict[str, pd.DataFrame] = {}
    leads, kinds, reversals, sentences = [], [], [], []
    for r in out.to_dict("records"):
        feats = str(r["features"]).split(";")
        lead = lead_feature(feats, X, yy)
        shape_table, shape = shape_of(X[lead], yy)
        shown = len(shapes) < SHOWN_DRIVERS
        curve = (
            model_curve(predict, X, lead, shape_table)
            if shown
            else np.full(len(shape_table), np.nan)
        )
        shapes[str(r["driver"])] = shape_table.assign(model_rate=curve)
        flip = reversed_by_model(shape, curve)
        leads.append(lead)
        kinds.append(shape)
        reversals.append(flip)
        sentences.append(driver_sentence(r, lead, feats, shape_table, shape, flip))
    out["name"] = [
        driver_name(str(d), lead, str(f).split(";"))
        for d, lead, f in zip(out["driver"], leads, out["features"], strict=True)
    ]
    out["lead"] = leads
    out["shape"] = kinds
    out["direction"] = [DIRECTION_WORDS[k] for k in kinds]
    out["adjusted_reversed"] = reversals
    out["sentence"] = sentences
    return out, shapes


def driver_sentence(
    row: dict,
    lead: str,
    features: list[str],
    table: pd.DataFrame,
    shape: str,
    reversed_: bool,
) -> str:
    """One driver in words: its group, its observed shape, the model's view when it differs.

    Examples
    --------
    >>> t = pd.DataFrame({"label": ["0", "3 or more"], "n": [500, 80], "churners": [20, 15],
    ...     "rate": [0.04, 0.19], "ci_low": [0.03, 0.12], "ci_high": [0.06, 0.28]})
    >>> driver_sentence({"driver": "unresolved_tickets", "significant": True},
    ...                 "unresolved_tickets", ["unresolved_tickets"], t, "increasing", False)
    'Customers with more unresolved tickets churn more: 4.0% (95% CI 3.0–6.0%) at 0 against 19.0% (95% CI 12.0–28.0%) at 3 or more.'
    """
    name = label(lead)
    countable = feature_dictionary.unit(lead) in ("count", "money")
    text = shape_sentence(name, table, shape, _unit_word(lead), countable)
    if len(features) > 1:
        others = ", ".join(label(f) for f in features if f != lead)
        title = driver_name(str(row["driver"]), lead, features)
        together = (
            f"{others} move together with it"
            if title.startswith(name)
            else f"{name}, moving together with {others}"
        )
        text = f"{cap(title)} ({together}): " + text[0].lower() + text[1:]
    if reversed_:
        text += (
            f" With the other features held as they are, the model's churn goes the other way "
            f"as {name} rises: {name} marks customers who differ in other ways that go with "
            "churn, so it is a sign to watch rather than a lever."
        )
    if not row.get("significant", True):
        text += " Not a significant driver: shuffling it does not clearly hurt the model."
    return text


def driver_name(driver: str, lead: str, features: list[str]) -> str:
    """A driver's name on a page: its label, or for a group without a shared family
    '<lead> and related measures'.

    Examples
    --------
    >>> driver_name("support load", "unresolved_tickets", ["unresolved_tickets", "ticket_count"])
    'support load'
    >>> driver_name("order_count and related", "order_total", ["order_count", "order_total"])
    'order total and related measures'
    """
    if len(features) > 1 and driver.endswith(" and related"):
        return f"{label(lead)} and related measures"
    return label(driver)


def _unit_word(feature: str) -> str:
    """The unit after a bin label ('days', 'hours'), from the data dictionary; '' if none."""
    unit = feature_dictionary.unit(feature)
    return unit if unit in ("days", "hours", "months", "years") else ""
