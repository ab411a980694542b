"""The service backlog: tickets still waiting past the service promises, as of the end of the data.

Two promises are judged (:class:`cxlib.io.goals.ServicePromise`, the config's ``service:``):

- **response**: a ticket with no first response, not resolved, opened more than
  ``response_hours`` before the as-of time is *still unanswered past the promise*;
- **resolution**: a ticket with no ``resolved_at``, opened more than ``resolution_hours``
  before the as-of time is *still open past the target*. Without a configured target the
  backlog uses the time within which 90% of the resolved tickets were resolved (read from
  the data, and said so); with no resolved ticket there is no target and no judgement.

The as-of time is the latest timestamp in the tickets (:func:`cxlib.scorecard.kpis.ticket_as_of`),
so "still waiting" means "still waiting when the data ends". The backlog counts every
ticket of the data: it is a census, not a sample, so its counts carry no confidence
interval. Rows that cannot be judged (no ``opened_at``) and odd rows (resolved without a
first response) are counted in :attr:`Backlog.notes`, never dropped silently.

Published: the aggregated table (:func:`backlog_table`) and the summary record
(:func:`backlog_record`). Private: the ticket ids for the service team
(:func:`save_backlog_ids`, under :func:`cxlib.paths.private_outputs`), with no customer id.

The package: :mod:`~cxlib.scorecard.backlog.judge` (which tickets wait, against which
thresholds) and :mod:`~cxlib.scorecard.backlog.report` (table, sentences, summary record,
the private id list).

Examples
--------
>>> bl = scorecard_backlog(cx)                                     # doctest: +SKIP
>>> backlog_sentences(bl)[0]                                       # doctest: +SKIP

A worked example with hand-countable tickets is in :mod:`~cxlib.scorecard.backlog.judge`.
"""

from cxlib.scorecard.backlog.judge import (
    RESOLUTION,
    RESOLVED_SHARE,
    RESPONSE,
    TICKET_COLUMNS,
    Backlog,
    Threshold,
    backlog_tickets,
    resolution_quantile,
    scorecard_backlog,
    service_backlog,
    thresholds,
)
from cxlib.scorecard.backlog.report import (
    BACKLOG_CSV,
    BACKLOG_IDS_CSV,
    backlog_record,
    backlog_sentences,
    backlog_table,
    backlog_view,
    save_backlog_ids,
)

__all__ = [
    "BACKLOG_CSV",
    "BACKLOG_IDS_CSV",
    "RESOLUTION",
    "RESOLVED_SHARE",
    "RESPONSE",
    "TICKET_COLUMNS",
    "Backlog",
    "Threshold",
    "backlog_record",
    "backlog_sentences",
    "backlog_table",
    "backlog_tickets",
    "backlog_view",
    "resolution_quantile",
    "save_backlog_ids",
    "scorecard_backlog",
    "service_backlog",
    "thresholds",
]
