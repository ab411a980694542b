"""Survey metrics: NPS, CSAT, CES (share and mean), each with its 95% confidence interval.

The rules shared by every metric are in :mod:`cxlib.metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from cxlib.contract import DEFAULT_SCALES
from cxlib.metrics._coerce import scores as checked_scores
from cxlib.metrics.compare import Comparison as Comparison
from cxlib.metrics.compare import compare as compare
from cxlib.metrics.compare import grouped as grouped
from cxlib.metrics.intervals import (
    Z95,
    MetricResult,
    empty_result,
    proportion_result,
    t_mean_ci,
)

_UNIT_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
_YEAR_SECONDS = 365.25 * 86400.0


# --- survey metrics -----------------------------------------------------------------------


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
    p_pro, p_det = float((x >= 9).sum()) / n, float((x <= 6).sum()) / n
    value = 100.0 * float((x >= 9).sum() - (x <= 6).sum()) / n
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
    Empty input -> ``nan`` with ``n = 0``; NaNs ignored; scores outside ``scale`` or not
    integers raise ``ValueError``.

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
    Formula: ``CES = 100 * #(score >= threshold) / n``, Wilson 95% CI. Empty input ->
    ``nan``; NaNs ignored; see :func:`ces_mean` for the mean effort score.

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

    Empty input -> ``nan``; one answer -> no CI; NaNs ignored.

    Examples
    --------
    >>> round(float(ces_mean([5, 4, 1])), 2)
    3.33
    """
    x = checked_scores(scores, scale, "CES mean")
    mean, low, high, se = t_mean_ci(x)
    return MetricResult("CES mean", mean, x.size, low, high, "points", "t", se)
