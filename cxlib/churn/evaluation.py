"""How good is a churn score: ROC-AUC with its CI, PR-AUC, Brier, calibration, gains.

Pure functions of the true labels ``y`` (0/1) and a score (a predicted probability for
the calibration and Brier score; any ranking for the rest). The standard metrics are
scikit-learn's (``roc_auc_score``, ``average_precision_score``, ``brier_score_loss``,
``calibration_curve``); what no library offers is here: DeLong's confidence interval of
the ROC-AUC, the lift and gains table, and :func:`roc_auc_rows`, the ROC-AUC of many
score vectors at once that the grouped permutation importance needs (the Mann-Whitney
form of the same statistic, several times faster than one ``roc_auc_score`` call each).

Examples
--------
>>> y, p = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
>>> roc_auc(y, p)
0.75
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from cxlib.metrics.intervals import Z95

CALIBRATION_BINS = 10
"""Bins of equal size (quantiles of the predicted probability) of the reliability curve."""
GAINS_BINS = 10
"""Score bins of the lift and gains table: deciles."""


def _arrays(y: object, score: object) -> tuple[np.ndarray, np.ndarray]:
    yy = np.asarray(y, dtype=float)
    ss = np.asarray(score, dtype=float)
    if yy.shape != ss.shape:
        raise ValueError(f"y and score differ in length: {yy.shape} vs {ss.shape}")
    return yy.astype(bool), ss


def roc_auc(y: object, score: object) -> float:
    """ROC-AUC (``sklearn.metrics.roc_auc_score``); ``nan`` when a class is absent.

    The probability that a random churner scores above a random non-churner (ties count
    half).

    Examples
    --------
    >>> roc_auc([0, 1], [0.5, 0.5]), roc_auc([1, 1], [0.2, 0.3])
    (0.5, nan)
    """
    yy, ss = _arrays(y, score)
    if yy.all() or not yy.any():
        return math.nan
    return float(roc_auc_score(yy, ss))


def roc_auc_rows(y: object, scores: np.ndarray) -> np.ndarray:
    """ROC-AUC of every row of ``scores`` (one score vector per row) against ``y``.

    The Mann-Whitney form, ``(sum of the churners' ranks - m(m+1)/2) / (m n)`` with
    midranks for ties: the same value as :func:`roc_auc`, for a whole batch of shuffled
    copies at once (the inner loop of
    :func:`cxlib.churn.drivers.grouped_permutation_importance`). ``nan`` when a class is
    absent.

    Examples
    --------
    >>> roc_auc_rows([0, 0, 1, 1], np.array([[0.1, 0.4, 0.35, 0.8], [4, 3, 2, 1]])).tolist()
    [0.75, 0.0]
    """
    yy = np.asarray(y, dtype=bool)
    S = np.atleast_2d(np.asarray(scores, dtype=float))
    n1 = int(yy.sum())
    n0 = yy.size - n1
    if n1 == 0 or n0 == 0:
        return np.full(len(S), math.nan)
    ranks = stats.rankdata(S, axis=1)
    return (ranks[:, yy].sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)


def roc_auc_ci(y: object, score: object) -> tuple[float, float, float, float]:
    """ROC-AUC with DeLong's 95% CI: ``(auc, low, high, se)``.

    DeLong, DeLong & Clarke-Pearson (1988), in the fast midrank form of Sun & Xu (2014):
    the variance is built from each churner's and non-churner's structural components.

    Examples
    --------
    >>> auc, low, high, se = roc_auc_ci([0, 0, 1, 1, 0, 1], [.1, .3, .7, .9, .6, .4])
    >>> round(auc, 3), low < auc < high
    (0.889, True)
    """
    yy, ss = _arrays(y, score)
    pos, neg = ss[yy], ss[~yy]
    m, n = pos.size, neg.size
    if m < 2 or n < 2:
        return math.nan, math.nan, math.nan, math.nan
    tz = stats.rankdata(np.concatenate([pos, neg]))
    tx, ty = stats.rankdata(pos), stats.rankdata(neg)
    auc = float((tz[:m].sum() - m * (m + 1) / 2) / (m * n))
    v10 = (tz[:m] - tx) / n  # per churner: share of non-churners scored below
    v01 = 1.0 - (tz[m:] - ty) / m  # per non-churner: share of churners scored above
    se = math.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n)
    return auc, max(0.0, auc - Z95 * se), min(1.0, auc + Z95 * se), se


def pr_auc(y: object, score: object) -> float:
    """Area under the precision-recall curve (``average_precision_score``)."""
    yy, ss = _arrays(y, score)
    return float(average_precision_score(yy, ss)) if yy.any() else math.nan


def brier(y: object, proba: object) -> float:
    """Brier score (``brier_score_loss``): mean squared error of the probability.

    Lower is better; 0.25 is what a constant 50% earns.

    Examples
    --------
    >>> round(brier([0, 1], [0.2, 0.6]), 6)
    0.1
    """
    yy, pp = _arrays(y, proba)
    return float(brier_score_loss(yy, pp, pos_label=True)) if yy.size else math.nan


def gains_table(y: object, score: object, bins: int = GAINS_BINS) -> pd.DataFrame:
    """Lift and cumulative gains by score bin (decile by default), highest scores first.

    Returns
    -------
    DataFrame
        ``bin`` (1 = top), ``customers``, ``churners``, ``churn_rate``, ``lift``
        (bin rate / overall rate), ``cum_share`` (share of customers so far) and
        ``cum_capture`` (share of all churners caught so far).

    Examples
    --------
    >>> g = gains_table([1, 0, 0, 0, 1, 0, 0, 0, 0, 0], range(10, 0, -1), bins=2)
    >>> g["churners"].tolist(), g["cum_capture"].tolist()
    ([2, 0], [1.0, 1.0])
    """
    yy, ss = _arrays(y, score)
    order = np.argsort(-ss, kind="stable")
    parts = np.array_split(yy[order], bins)
    total, base = max(int(yy.sum()), 1), yy.mean()
    rows, seen, caught = [], 0, 0
    for i, part in enumerate(parts, start=1):
        seen += part.size
        caught += int(part.sum())
        rate = part.mean() if part.size else math.nan
        rows.append(
            {
                "bin": i,
                "customers": part.size,
                "churners": int(part.sum()),
                "churn_rate": rate,
                "lift": rate / base if base else math.nan,
                "cum_share": seen / yy.size,
                "cum_capture": caught / total,
            }
        )
    return pd.DataFrame(rows)


def calibration_table(y: object, proba: object, bins: int = CALIBRATION_BINS) -> pd.DataFrame:
    """The reliability curve: mean predicted vs observed churn per quantile bin.

    ``sklearn.calibration.calibration_curve`` with ``strategy="quantile"`` (bins of about
    equal size; tied probabilities may merge bins, and empty bins are left out); the
    customers per bin are counted on the same edges.

    Returns
    -------
    DataFrame
        ``bin``, ``customers``, ``predicted`` (mean probability), ``observed`` (churn
        share), sorted from low to high predictions.

    Examples
    --------
    >>> cal = calibration_table([0, 0, 1, 0, 1, 1], [.1, .2, .3, .6, .7, .8], bins=2)
    >>> cal["customers"].tolist(), cal["predicted"].round(2).tolist()
    ([3, 3], [0.2, 0.7])
    >>> cal["observed"].round(2).tolist()
    [0.33, 0.67]
    """
    yy, pp = _arrays(y, proba)
    if not yy.size:
        return pd.DataFrame(columns=["bin", "customers", "predicted", "observed"])
    observed, predicted = calibration_curve(yy, pp, n_bins=bins, strategy="quantile")
    edges = np.percentile(pp, np.linspace(0, 100, bins + 1))
    counts = np.bincount(np.searchsorted(edges[1:-1], pp), minlength=bins)
    customers = counts[counts > 0]
    return pd.DataFrame(
        {
            "bin": np.arange(1, len(customers) + 1),
            "customers": customers,
            "predicted": predicted,
            "observed": observed,
        }
    )
