"""The CX scorecard: headline KPIs, monthly trends and breakdowns, and what changed.

Every number is a metric of :mod:`cxlib.metrics` with its 95% CI; this package decides
what is measured on which rows (:mod:`~cxlib.scorecard.kpis`), splits it by month and by
segment and tests the changes (:mod:`~cxlib.scorecard.tables`), says what matters in
sentences (:mod:`~cxlib.scorecard.findings`) and draws it (:mod:`~cxlib.scorecard.figures`).
It runs on whatever the data has: surveys alone give NPS/CSAT/CES, tickets alone FCR and
the 24-hour response promise.

Examples
--------
>>> from cxlib import scorecard
>>> cx = cxlib.load("data/sample")                       # doctest: +SKIP
>>> kpis = scorecard.headline_kpis(cx)                   # doctest: +SKIP
>>> trends = scorecard.monthly_trends(cx)                # doctest: +SKIP
>>> table = scorecard.breakdown(cx)                      # doctest: +SKIP
>>> scorecard.findings(kpis, trends, table)              # doctest: +SKIP
"""

from cxlib.io.outputs import read_personas
from cxlib.scorecard.findings import (
    change_sentences,
    findings,
    gap_sentences,
    promise_sentence,
    summary,
    theme_sentence,
)
from cxlib.scorecard.kpis import (
    DIMENSIONS,
    KPIS,
    LOWER_IS_BETTER,
    PROMISE_HOURS,
    headline_kpis,
    kpi_table,
    kpis_from_dict,
    kpis_to_dict,
)
from cxlib.scorecard.tables import (
    breakdown,
    breakdown_table,
    monthly_trends,
    segment_columns,
)


def __getattr__(name: str):
    """Import :mod:`cxlib.scorecard.figures` (matplotlib) only when it is used."""
    if name == "figures":
        import importlib

        return importlib.import_module("cxlib.scorecard.figures")
    raise AttributeError(f"module 'cxlib.scorecard' has no attribute {name!r}")


__all__ = [
    "DIMENSIONS",
    "KPIS",
    "LOWER_IS_BETTER",
    "PROMISE_HOURS",
    "breakdown",
    "breakdown_table",
    "change_sentences",
    "figures",
    "findings",
    "gap_sentences",
    "headline_kpis",
    "kpi_table",
    "kpis_from_dict",
    "kpis_to_dict",
    "monthly_trends",
    "promise_sentence",
    "read_personas",
    "segment_columns",
    "summary",
    "theme_sentence",
]
