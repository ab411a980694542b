"""Customer-experience metrics: one pure function per metric, named after it.

Every metric returns a :class:`MetricResult` (value, n, 95% CI, unit, CI method) and follows
the same rules: empty input gives ``value = nan`` and ``n = 0`` (no exception); missing
values (NaN/None/NaT) are ignored and not counted in ``n``; out-of-range values raise
``ValueError`` saying how many. Column names are the data contract's (``cxlib.contract``).
Tables may hold datetimes as ISO 8601 strings or datetime columns; naive times are UTC.
:func:`compare` (two results) and :func:`grouped` (a metric per group or period) come from
:mod:`cxlib.metrics.compare`, :class:`MetricResult` from :mod:`cxlib.metrics.intervals`; all
are re-exported here.
The metrics live by subject in :mod:`~cxlib.metrics.survey`, :mod:`~cxlib.metrics.customer`,
:mod:`~cxlib.metrics.support` and :mod:`~cxlib.metrics.social`.
"""

from cxlib.metrics.compare import Comparison, compare, grouped
from cxlib.metrics.customer import active_at, churn_rate, clv, retention_rate
from cxlib.metrics.intervals import MetricResult
from cxlib.metrics.social import engagement_rate, share_of_voice
from cxlib.metrics.support import (
    avg_first_response_time,
    avg_resolution_time,
    fcr,
    response_within,
)
from cxlib.metrics.survey import Boxes, boxes, ces, ces_mean, csat, nps, question_mean, top_box

__all__ = [
    "active_at",
    "Boxes",
    "Comparison",
    "MetricResult",
    "avg_first_response_time",
    "avg_resolution_time",
    "boxes",
    "ces",
    "ces_mean",
    "churn_rate",
    "clv",
    "compare",
    "csat",
    "engagement_rate",
    "fcr",
    "grouped",
    "nps",
    "question_mean",
    "response_within",
    "retention_rate",
    "share_of_voice",
    "top_box",
]
