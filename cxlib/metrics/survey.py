"""Survey metrics, each with its 95% confidence interval.

:func:`nps`
    Net Promoter Score, ``100 * (promoters - detractors) / n`` on the 0-10 scale.
:func:`csat`
    Customer satisfaction, the % of answers at or above a threshold (top-2-box on 1-5).
:func:`ces`
    Customer effort score, the % of answers that found it easy (top-2-box on 1-5).
:func:`ces_mean`
    The mean effort score on its own 1-5 scale.

The rules shared by every metric (empty input, missing values, out-of-range values) are
in :mod:`cxlib.metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from cxlib.contract import DEFAULT_SCALES
from cxlib.metrics._coerce import scores as checked_scores
from cxlib.metrics.intervals import (
    Z95,
    MetricResult,
    empty_result,
    proportion_result,
    t_mean_ci,
)

PROMOTER_MIN = 9
"""NPS answers at or above this score are promoters."""
DETRACTOR_MAX = 6
"""NPS answers at or below this score are detractors."""


def nps(scores: Iterable[float]) -> MetricResult:
    """Net Promoter Score: % promoters (9–10) minus % detractors (0–6), in points.

    Formula: ``NPS = 100 * (promoters - detractors) / n``, range −100..100. Each answer is
    coded +100 / 0 / −100 (promoter / passive / detractor); the NPS is the mean of that
    coding and the 95% CI is the normal interval with the multinomial variance
    ``Var = 100² * (p_P + p_D - (p_P - p_D)²) / n``, clipped to [−100, 100].

    Edge cases: empty input -> ``nan`` with ``n = 0``; all passives -> 0 with a zero-width
    CI (as for all promoters or all detractors: the normal interval is degenerate when
    every answer is alike, so treat small or one-sided samples with care); NaNs ignored.

    Parameters
    ----------
    scores : iterable of int
        Answers on the 0–10 scale.

    Raises
    ------
    ValueError
        If any score is not an integer from 0 to 10 (the message gives the count).

    Examples
    --------
    >>> float(nps([10, 9, 7, 0]))
    25.0
    """
    method = "normal (multinomial variance)"
    x = checked_scores(scores, DEFAULT_SCALES["nps"], "NPS")
    n = x.size
    if n == 0:
        return empty_result("NPS", "points", method)
    promoters, detractors = (x >= PROMOTER_MIN).sum(), (x <= DETRACTOR_MAX).sum()
    p_pro, p_det = float(promoters) / n, float(detractors) / n
    value = 100.0 * float(promoters - detractors) / n
    se = 100.0 * math.sqrt(max(p_pro + p_det - (p_pro - p_det) ** 2, 0.0) / n)
    low, high = max(value - Z95 * se, -100.0), min(value + Z95 * se, 100.0)
    return MetricResult("NPS", value, n, low, high, "points", method, se)


def _top_box(
    scores: Iterable[float], scale: tuple[int, int], threshold: float, label: str
) -> MetricResult:
    if not scale[0] <= threshold <= scale[1]:
        raise ValueError(f"threshold {threshold} is outside the scale {scale}")
    x = checked_scores(scores, scale, label)
    return proportion_result(label, int((x >= threshold).sum()), x.size)


def csat(
    scores: Iterable[float], scale: tuple[int, int] = DEFAULT_SCALES["csat"], threshold: float = 4
) -> MetricResult:
    """Customer satisfaction: % of answers at or above ``threshold`` (top-2-box on 1–5).

    Formula: ``CSAT = 100 * #(score >= threshold) / n``, with a Wilson 95% CI.

    Edge cases: empty input -> ``nan`` with ``n = 0``; NaNs ignored; all answers on one
    side of the threshold -> 0 or 100, with a Wilson CI that still has width.

    Raises
    ------
    ValueError
        If a score is outside ``scale`` or not an integer, or ``threshold`` is outside
        ``scale``.

    Examples
    --------
    >>> float(csat([5, 4, 3, 2]))
    50.0
    """
    return _top_box(scores, scale, threshold, "CSAT")


def ces(
    scores: Iterable[float], scale: tuple[int, int] = DEFAULT_SCALES["ces"], threshold: float = 4
) -> MetricResult:
    """Customer effort score: % of answers that found it easy (``score >= threshold``).

    The data contract's CES scale runs 1–5 with 5 = very easy, so higher is better.
    Formula: ``CES = 100 * #(score >= threshold) / n``, Wilson 95% CI; see
    :func:`ces_mean` for the mean effort score.

    Edge cases: empty input -> ``nan`` with ``n = 0``; NaNs ignored; all answers on one
    side of the threshold -> 0 or 100, with a Wilson CI that still has width.

    Raises
    ------
    ValueError
        If a score is outside ``scale`` or not an integer, or ``threshold`` is outside
        ``scale``.

    Examples
    --------
    >>> round(float(ces([5, 4, 1])), 2)
    66.67
    """
    return _top_box(scores, scale, threshold, "CES")


def ces_mean(
    scores: Iterable[float], scale: tuple[int, int] = DEFAULT_SCALES["ces"]
) -> MetricResult:
    """Mean customer effort score on its own scale (1–5, 5 = very easy), with a t CI.

    Formula: ``mean = Σ score / n``; 95% CI ``mean ± t(0.975, n − 1) · s / √n`` with
    ``s`` the sample standard deviation.

    Edge cases: empty input -> ``nan`` with ``n = 0``; one answer -> the value without a
    CI (``nan`` bounds); all answers alike -> a zero-width CI; NaNs ignored.

    Raises
    ------
    ValueError
        If a score is outside ``scale`` or not an integer.

    Examples
    --------
    >>> round(float(ces_mean([5, 4, 1])), 2)
    3.33
    """
    x = checked_scores(scores, scale, "CES mean")
    mean, low, high, se = t_mean_ci(x)
    return MetricResult("CES mean", mean, x.size, low, high, "points", "t", se)
