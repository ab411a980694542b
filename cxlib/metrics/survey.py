"""Survey metrics, each with its 95% confidence interval.

:func:`nps`
    Net Promoter Score, ``100 * (promoters - detractors) / n`` on the 0-10 scale.
:func:`csat`
    Customer satisfaction, the % of answers in the top boxes of the scale (4-5 on 1-5).
:func:`ces`
    Customer effort score, the % of answers that found it easy (top boxes, 4-5 on 1-5).
:func:`ces_mean`
    The mean effort score on its own 1-5 scale.
:func:`top_box`
    The % of answers in the top boxes of any declared question's scale.
:func:`question_mean`
    The mean answer to any declared question, on its own scale.
:func:`boxes`
    The one definition of a satisfied and of a negative answer on a rating scale, used by
    every report (scorecard, personas, journey).

The rules shared by every metric (empty input, missing values, out-of-range values) are
in :mod:`cxlib.metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

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


TWO_BOX_MIN_POINTS = 4
"""Scales with at least this many points count two boxes at each end; shorter ones one
(on a 1-3 scale the middle answer is neutral, neither satisfied nor negative)."""


class Boxes(NamedTuple):
    """The ends of a rating scale: answers up to ``negative_max`` are negative, answers
    from ``satisfied_min`` up are satisfied (easy, for CES)."""

    negative_max: int
    satisfied_min: int


def boxes(scale: tuple[int, int]) -> Boxes:
    """The negative and the satisfied answers of a rating scale: its bottom and top boxes.

    Formula: on a scale ``low..high`` of at least :data:`TWO_BOX_MIN_POINTS` points, the
    two lowest points are negative and the two highest satisfied (top-2-box:
    ``satisfied_min = high - 1``, ``negative_max = low + 1``); on a shorter scale one point
    at each end (``high`` and ``low``), so the middle of a 1-3 scale is neither. This is
    the one definition of CSAT, CES and a declared question's top box, and of a negative
    CSAT/CES answer in the journey report.

    Edge cases: a two-point scale (0–1, no/yes) has one box each end, its two points; the
    bands never overlap, so no answer is both negative and satisfied.

    Raises
    ------
    ValueError
        If ``scale`` is not two whole numbers ``low < high``.

    Examples
    --------
    >>> boxes((1, 5)), boxes((1, 10)), boxes((1, 3)), boxes((0, 1))
    (Boxes(negative_max=2, satisfied_min=4), Boxes(negative_max=2, satisfied_min=9), \
Boxes(negative_max=1, satisfied_min=3), Boxes(negative_max=0, satisfied_min=1))
    """
    low, high = (int(v) for v in scale)
    if (low, high) != tuple(scale) or low >= high:
        raise ValueError(f"a scale is two whole numbers [low, high] with low < high, got {scale}")
    width = 2 if high - low + 1 >= TWO_BOX_MIN_POINTS else 1
    return Boxes(low + width - 1, high - width + 1)


def _top_box(
    scores: Iterable[float], scale: tuple[int, int], threshold: float | None, label: str
) -> MetricResult:
    if threshold is None:
        threshold = boxes(scale).satisfied_min
    if not scale[0] <= threshold <= scale[1]:
        raise ValueError(f"threshold {threshold} is outside the scale {scale}")
    x = checked_scores(scores, scale, label)
    return proportion_result(label, int((x >= threshold).sum()), x.size)


def csat(
    scores: Iterable[float],
    scale: tuple[int, int] = DEFAULT_SCALES["csat"],
    threshold: float | None = None,
) -> MetricResult:
    """Customer satisfaction: % of answers in the top boxes of ``scale`` (4–5 on 1–5).

    Formula: ``CSAT = 100 * #(score >= threshold) / n``, with a Wilson 95% CI; the
    threshold is :func:`boxes` ``(scale).satisfied_min`` unless given (9 on 1–10, 3 on 1–3).

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
    scores: Iterable[float],
    scale: tuple[int, int] = DEFAULT_SCALES["ces"],
    threshold: float | None = None,
) -> MetricResult:
    """Customer effort score: % of answers that found it easy (the top boxes of ``scale``).

    The data contract's CES scale runs 1–5 with 5 = very easy, so higher is better.
    Formula: ``CES = 100 * #(score >= threshold) / n``, Wilson 95% CI, the threshold
    :func:`boxes` ``(scale).satisfied_min`` unless given (4 on 1–5, 6 on 1–7); see
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


def top_box(
    scores: Iterable[float], scale: tuple[int, int], label: str = "top box"
) -> MetricResult:
    """% of answers to a declared question in the top boxes of its ``scale``.

    Formula: ``100 * #(score >= boxes(scale).satisfied_min) / n``, Wilson 95% CI; on a
    0–1 (no/yes) question the share answering 1, on 1–5 the share answering 4 or 5.

    Edge cases: empty input -> ``nan`` with ``n = 0``; NaNs ignored.

    Raises
    ------
    ValueError
        If a score is outside ``scale`` or not an integer.

    Examples
    --------
    >>> float(top_box([1, 1, 0, 1], (0, 1)))
    75.0
    """
    return _top_box(scores, scale, None, label)


def question_mean(
    scores: Iterable[float], scale: tuple[int, int], label: str = "mean"
) -> MetricResult:
    """Mean answer to a declared question on its own ``scale``, with a t 95% CI.

    Formula: ``mean = Σ score / n``; CI ``mean ± t(0.975, n − 1) · s / √n``, clipped to
    the scale (a mean cannot leave it). The unit names the scale (``mean on 0–10``).

    Edge cases: empty input -> ``nan`` with ``n = 0``; one answer -> no CI (``nan``
    bounds); NaNs ignored.

    Raises
    ------
    ValueError
        If a score is outside ``scale`` or not an integer.

    Examples
    --------
    >>> r = question_mean([10, 8, 6], (0, 10))
    >>> float(r), r.unit, float(r.ci_high)
    (8.0, 'mean on 0–10', 10.0)
    """
    x = checked_scores(scores, scale, label)
    mean, low, high, se = t_mean_ci(x)
    if x.size > 1:
        low, high = max(low, scale[0]), min(high, scale[1])
    return MetricResult(label, mean, x.size, low, high, f"mean on {scale[0]}–{scale[1]}", "t", se)
