"""The CX scorecard: headline KPIs, monthly trends and breakdowns, and what changed.

Every number is a metric of :mod:`cxlib.metrics` with its 95% CI; this package decides
what is measured on which rows (:mod:`~cxlib.scorecard.kpis`), splits it by month and by
segment and tests the changes (:mod:`~cxlib.scorecard.tables`), compares each KPI's latest
month with the month before and a year earlier (:mod:`~cxlib.scorecard.history`), finds what detractors and
promoters write about (:mod:`~cxlib.scorecard.voc`), says what matters in sentences and
writes the output files (:mod:`~cxlib.scorecard.findings`) and draws it
(:mod:`~cxlib.scorecard.figures`). It runs on whatever the data has: surveys alone give
NPS/CSAT/CES, tickets alone FCR and the 24-hour response promise.

The voice-of-customer names (:func:`voice_of_customer`, :func:`theme_table`,
:class:`ThemeModel`, ...) and :mod:`~cxlib.scorecard.figures` are imported when first
used: they need scikit-learn and matplotlib, which the report runner's process does not.

Examples
--------
>>> from cxlib import scorecard
>>> cx = cxlib.load("data/sample")                                   # doctest: +SKIP
>>> kpis = scorecard.headline_kpis(cx)                               # doctest: +SKIP
>>> trends = scorecard.monthly_trends(cx)                            # doctest: +SKIP
>>> table = scorecard.breakdown(cx)                                  # doctest: +SKIP
>>> themes = scorecard.voice_of_customer(cx.surveys)                 # doctest: +SKIP
>>> scorecard.findings(kpis, trends, table, themes)                  # doctest: +SKIP
>>> scorecard.save_outputs("out", kpis, trends, table, themes)       # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

from cxlib.io.outputs import read_personas
from cxlib.scorecard.backlog import (
    Backlog,
    backlog_record,
    backlog_sentences,
    backlog_table,
    backlog_tickets,
    backlog_view,
    save_backlog_ids,
    scorecard_backlog,
    service_backlog,
)
from cxlib.scorecard.findings import (
    OUTPUT_FILES,
    change_sentences,
    findings,
    gap_sentences,
    no_change_sentence,
    period_change_sentences,
    privacy_notes,
    promise_sentence,
    save_outputs,
    summary,
    theme_sentence,
)
from cxlib.scorecard.history import kpi_history, period_changes
from cxlib.scorecard.kpis import (
    DIMENSIONS,
    KPIS,
    LOWER_IS_BETTER,
    PROMISE_HOURS,
    headline_kpis,
    kpi_table,
    kpis_from_dict,
    kpis_to_dict,
    service_value_kpis,
)
from cxlib.scorecard.tables import (
    breakdown,
    breakdown_table,
    monthly_trends,
    segment_columns,
)
from cxlib.scorecard.teams import (
    has_column,
    save_team_tables,
    show_team_view,
    team_record,
    team_sentences,
    team_table,
    team_view,
)

_LAZY = {
    "figures": ("cxlib.scorecard.figures", None),
    "voc": ("cxlib.scorecard.voc", None),
    "ThemeModel": ("cxlib.scorecard.voc", "ThemeModel"),
    "comment_counts": ("cxlib.scorecard.voc", "comment_counts"),
    "nps_group": ("cxlib.scorecard.voc", "nps_group"),
    "theme_table": ("cxlib.scorecard.voc", "theme_table"),
    "voice_of_customer": ("cxlib.scorecard.voc", "voice_of_customer"),
}
"""Names imported on first use: module, attribute (None = the module itself)."""


def __getattr__(name: str) -> Any:
    """Import the figures (matplotlib) and the voice of the customer (scikit-learn) lazily."""
    if name not in _LAZY:
        raise AttributeError(f"module 'cxlib.scorecard' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    return module if attribute is None else getattr(module, attribute)


__all__ = [
    "DIMENSIONS",
    "KPIS",
    "LOWER_IS_BETTER",
    "OUTPUT_FILES",
    "PROMISE_HOURS",
    "Backlog",
    "ThemeModel",
    "backlog_record",
    "backlog_sentences",
    "backlog_table",
    "backlog_tickets",
    "backlog_view",
    "breakdown",
    "breakdown_table",
    "change_sentences",
    "comment_counts",
    "figures",
    "findings",
    "gap_sentences",
    "has_column",
    "headline_kpis",
    "kpi_history",
    "kpi_table",
    "kpis_from_dict",
    "kpis_to_dict",
    "monthly_trends",
    "no_change_sentence",
    "nps_group",
    "period_change_sentences",
    "period_changes",
    "privacy_notes",
    "promise_sentence",
    "read_personas",
    "save_backlog_ids",
    "save_outputs",
    "save_team_tables",
    "scorecard_backlog",
    "segment_columns",
    "service_backlog",
    "service_value_kpis",
    "show_team_view",
    "summary",
    "team_record",
    "team_sentences",
    "team_table",
    "team_view",
    "theme_sentence",
    "theme_table",
    "voc",
    "voice_of_customer",
]
