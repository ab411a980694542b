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

Examples
--------
>>> t = pd.DataFrame({"ticket_id": ["a", "b", "c"], "customer_id": ["1", "2", "3"],
...     "opened_at": pd.to_datetime(["2025-01-01", "2025-01-09", "2025-01-10"]),
...     "first_response_at": pd.to_datetime([None, "2025-01-09 01:00", None]),
...     "resolved_at": pd.to_datetime([None, None, "2025-01-10 02:00"]),
...     "channel": ["email", "chat", "phone"], "category": ["billing", "billing", "other"]})
>>> bl = service_backlog(t, ServicePromise(24, 72))
>>> bl.count("response"), bl.count("resolution"), round(bl.oldest("resolution"), 2)
(1, 1, 9.08)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxlib.io import outputs
from cxlib.io.goals import DEFAULT_RESPONSE_HOURS, ServicePromise
from cxlib.paths import private_outputs
from cxlib.scorecard.kpis import ticket_as_of
from cxlib.wording import count, hours, label, value

RESPONSE, RESOLUTION = "response", "resolution"
"""The two promises a ticket can be waiting past (the ``kind`` of a backlog ticket)."""
RESOLVED_SHARE = 0.9
"""Without a configured resolution target: the time within which this share of the
resolved tickets were resolved."""
BACKLOG_CSV = "cx_scorecard_backlog.csv"
"""The published backlog table (counts and ages by channel and category)."""
BACKLOG_IDS_CSV = "cx_backlog_tickets.csv"
"""The private list of backlog tickets for the service team (ids, no customer id)."""
TICKET_COLUMNS = [
    "ticket_id",
    "customer_id",
    "opened_at",
    "channel",
    "category",
    "kind",
    "age_days",
]
"""The columns of :attr:`Backlog.tickets` (one row per ticket and promise it waits past)."""
DIMENSIONS = ("channel", "category")
"""The breakdowns of the backlog table."""
_WHAT = {RESPONSE: "still unanswered past", RESOLUTION: "still open past"}


@dataclass(frozen=True)
class Threshold:
    """The hours a promise allows, where they come from, and the phrase naming it.

    ``source`` is ``config``, ``default`` (the 24-hour response promise), ``data`` (the
    time 90% of the resolved tickets took) or ``none`` (no target: not judged).
    """

    kind: str
    hours: float | None
    source: str
    how: str

    @property
    def name(self) -> str:
        """``the 72-hour resolution target``; read from the data: ``115 hours (...)``."""
        if self.hours is None:
            return f"no {self.kind} target"
        h = f"{self.hours:,.0f}" if self.hours >= 10 else f"{self.hours:.1f}".removesuffix(".0")
        if self.source == "data":
            return f"{h} hours (the time {RESOLVED_SHARE:.0%} of the resolved tickets took)"
        what = "response promise" if self.kind == RESPONSE else "resolution target"
        return f"the {h}-hour {what}"


@dataclass(frozen=True)
class Backlog:
    """The backlog as of ``as_of``: one row per ticket and promise it waits past.

    ``judged`` holds the promises that could be judged (a missing column or target leaves
    one out, with the reason in ``notes``); ``open_tickets`` counts the tickets with no
    resolution by ``as_of`` (None without a ``resolved_at`` column).
    """

    as_of: pd.Timestamp | None
    thresholds: dict[str, Threshold]
    tickets: pd.DataFrame
    judged: tuple[str, ...] = ()
    open_tickets: int | None = None
    total: int = 0
    notes: list[str] = field(default_factory=list)

    def of(self, kind: str) -> pd.DataFrame:
        """The backlog tickets waiting past one promise."""
        return self.tickets[self.tickets["kind"] == kind]

    def count(self, kind: str) -> int | None:
        """How many tickets wait past ``kind`` (None when it is not judged)."""
        return len(self.of(kind)) if kind in self.judged else None

    def oldest(self, kind: str) -> float:
        """The age in days of the oldest ticket waiting past ``kind`` (NaN when none)."""
        ages = self.of(kind)["age_days"]
        return float(ages.max()) if len(ages) else math.nan


# --- thresholds ---------------------------------------------------------------------------


def resolution_quantile(
    tickets: pd.DataFrame,
    share: float = RESOLVED_SHARE,
    *,
    opened_at: str = "opened_at",
    resolved_at: str = "resolved_at",
) -> tuple[float | None, int]:
    """The hours within which ``share`` of the resolved tickets were resolved, and how many
    resolved tickets that is read from (None when none is resolved).

    The smallest resolution time ``t`` with at least ``share`` of the resolved tickets
    resolved within ``t`` (the inverted-CDF quantile: one of the observed times). Open
    tickets are not in it: it describes the resolved ones, and open ones may take longer.

    Examples
    --------
    >>> t = pd.DataFrame({"opened_at": pd.to_datetime(["2025-01-01"] * 10),
    ...     "resolved_at": pd.to_datetime("2025-01-01") + pd.to_timedelta(range(1, 11), "h")})
    >>> resolution_quantile(t)
    (9.0, 10)
    """
    if resolved_at not in tickets or opened_at not in tickets:
        return None, 0
    took = (tickets[resolved_at] - tickets[opened_at]).dropna().dt.total_seconds() / 3600
    if took.empty:
        return None, 0
    return float(np.quantile(took.to_numpy(float), share, method="inverted_cdf")), len(took)


def thresholds(
    tickets: pd.DataFrame,
    service: ServicePromise | None = None,
    *,
    opened_at: str = "opened_at",
    resolved_at: str = "resolved_at",
) -> dict[str, Threshold]:
    """The response and resolution thresholds the backlog uses, with where each comes from.

    Examples
    --------
    >>> t = pd.DataFrame({"opened_at": pd.to_datetime(["2025-01-01"] * 2),
    ...                   "resolved_at": pd.to_datetime(["2025-01-02", "2025-01-03"])})
    >>> r = thresholds(t)["resolution"]
    >>> r.hours, r.source, r.name
    (48.0, 'data', '48 hours (the time 90% of the resolved tickets took)')
    """
    service = service or ServicePromise()
    given = service.response_hours
    response = Threshold(
        RESPONSE,
        given,
        "config" if given != DEFAULT_RESPONSE_HOURS else "config or default",
        "the config's service.response_hours"
        if given != DEFAULT_RESPONSE_HOURS
        else "the config's service.response_hours, or its default (24 h, a common standard)",
    )
    if service.resolution_hours is not None:
        resolution = Threshold(
            RESOLUTION, service.resolution_hours, "config", "the config's service.resolution_hours"
        )
    else:
        q, n = resolution_quantile(tickets, opened_at=opened_at, resolved_at=resolved_at)
        if q is None:
            resolution = Threshold(
                RESOLUTION,
                None,
                "none",
                "no resolution target: the config sets none and no ticket is resolved",
            )
        else:
            resolution = Threshold(
                RESOLUTION,
                q,
                "data",
                f"the config sets no resolution target: {RESOLVED_SHARE:.0%} of the {count(n)} "
                f"resolved tickets were resolved within {hours(q)}, which the backlog uses",
            )
    return {RESPONSE: response, RESOLUTION: resolution}


# --- the backlog --------------------------------------------------------------------------


def service_backlog(
    tickets: pd.DataFrame | None,
    service: ServicePromise | None = None,
    *,
    as_of: Any = None,
    ticket_id: str = "ticket_id",
    customer_id: str = "customer_id",
    opened_at: str = "opened_at",
    first_response_at: str = "first_response_at",
    resolved_at: str = "resolved_at",
    channel: str = "channel",
    category: str = "category",
) -> Backlog:
    """The tickets still waiting past the response promise and the resolution target.

    Parameters
    ----------
    tickets : the tickets table (None: no tickets, an empty backlog saying so).
    service : the promises (default :class:`~cxlib.io.goals.ServicePromise`: 24 h, no
        resolution target, which is then read from the data: :func:`thresholds`).
    as_of : the 'now' (default: the latest timestamp in the tickets); responses and
        resolutions after it count as not yet given, tickets opened after it are left out.
    ticket_id, ... : column names (default: the contract's).

    Returns
    -------
    Backlog
        ``tickets`` has :data:`TICKET_COLUMNS`: one row per ticket and promise it waits
        past (``kind`` ``response`` or ``resolution``), ``age_days`` from ``opened_at`` to
        ``as_of``, oldest first.
    """
    if tickets is None or len(tickets) == 0:
        empty = pd.DataFrame(columns=TICKET_COLUMNS)
        return Backlog(None, thresholds(pd.DataFrame(), service), empty, notes=["No tickets."])
    cols = dict(opened_at=opened_at, first_response_at=first_response_at, resolved_at=resolved_at)
    renamed = tickets.rename(columns={v: k for k, v in cols.items()})
    limits = thresholds(renamed, service)
    t = pd.Timestamp(as_of) if as_of is not None else ticket_as_of(renamed)
    opened = tickets[opened_at]
    notes: list[str] = []
    judged_rows = opened.notna() & (opened <= t) if t is not None else opened.notna()
    _count_note(notes, ~opened.notna(), *_are("no opened_at: not judged"))
    _count_note(notes, opened.notna() & ~judged_rows, *_are("opened after the as-of time"))
    resolved = _by(tickets, resolved_at, t)
    answered = _by(tickets, first_response_at, t)
    age = (t - opened) if t is not None else pd.Series(pd.NaT, index=tickets.index)
    waiting: dict[str, pd.Series] = {}
    for kind, stamp in ((RESPONSE, first_response_at), (RESOLUTION, resolved_at)):
        limit = limits[kind]
        if stamp not in tickets:
            notes.append(f"The tickets have no {stamp} column: the {kind} promise is not judged.")
        elif limit.hours is None:
            notes.append(f"The {kind} promise is not judged: {limit.how}.")
        else:
            late = judged_rows & (age > pd.Timedelta(hours=limit.hours))
            waiting[kind] = late & ~resolved & ~answered if kind == RESPONSE else late & ~resolved
    if first_response_at in tickets and resolved_at in tickets:
        odd = judged_rows & resolved & ~answered
        _count_note(notes, odd, *_are("resolved with no first response (not counted as waiting)"))
    frames = [_rows(tickets, mask, kind, age, ticket_id, customer_id, opened_at, channel, category)
              for kind, mask in waiting.items()]  # fmt: skip
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TICKET_COLUMNS)
    open_n = int((judged_rows & ~resolved).sum()) if resolved_at in tickets else None
    return Backlog(t, limits, out, tuple(waiting), open_n, int(judged_rows.sum()), notes)


def _by(tickets: pd.DataFrame, col: str, t: pd.Timestamp | None) -> pd.Series:
    """Whether ``col`` holds a time at or before ``t`` (all False without the column)."""
    if col not in tickets:
        return pd.Series(False, index=tickets.index)
    stamp = tickets[col]
    return (stamp.notna() & (stamp <= t)) if t is not None else stamp.notna()


def _count_note(notes: list[str], mask: pd.Series, one: str, many: str) -> None:
    """Note how many rows ``mask`` marks: ``1 ticket <one>.`` / ``3 tickets <many>.``"""
    n = int(mask.sum())
    if n:
        notes.append(f"{count(n)} ticket{'s' if n != 1 else ''} {one if n == 1 else many}.")


def _are(what: str) -> tuple[str, str]:
    """``is <what>`` / ``are <what>``; ``has``/``have`` for a ``no ...`` phrase."""
    if what.startswith("no "):
        return f"has {what}", f"have {what}"
    return f"is {what}", f"are {what}"


def _rows(
    tickets: pd.DataFrame,
    mask: pd.Series,
    kind: str,
    age: pd.Series,
    ticket_id: str,
    customer_id: str,
    opened_at: str,
    channel: str,
    category: str,
) -> pd.DataFrame:
    """The backlog rows of one promise, oldest first."""
    sub = tickets[mask]

    def col(name: str) -> Any:
        return sub[name].astype("string").to_numpy() if name in sub else pd.NA

    frame = pd.DataFrame(
        {
            "ticket_id": col(ticket_id),
            "customer_id": col(customer_id),
            "opened_at": sub[opened_at].to_numpy(),
            "channel": col(channel),
            "category": col(category),
            "kind": kind,
            "age_days": (age[mask].dt.total_seconds() / 86400).to_numpy(float),
        },
        columns=TICKET_COLUMNS,
    )
    return frame.sort_values("age_days", ascending=False, kind="stable")


def scorecard_backlog(cx: Any) -> Backlog:
    """The backlog of a loaded data set, judged against its config's ``service:`` promises."""
    service = getattr(getattr(cx, "config", None), "service", None)
    return service_backlog(cx.tickets, service)


def backlog_tickets(cx: Any) -> pd.DataFrame:
    """The backlog tickets for in-process use (the action plan): ``ticket_id``,
    ``customer_id``, ``channel``, ``category``, ``kind``. Customer ids stay in memory:
    never write this frame to a published folder."""
    return scorecard_backlog(cx).tickets[
        ["ticket_id", "customer_id", "channel", "category", "kind"]
    ]


# --- what the backlog says ----------------------------------------------------------------


def backlog_table(bl: Backlog) -> pd.DataFrame:
    """The backlog by promise, channel and category: aggregates only (published).

    Returns
    -------
    DataFrame
        ``promise`` (response/resolution), ``dimension`` (``all``, ``channel``,
        ``category``), ``group``, ``tickets``, ``share`` (% of the promise's backlog),
        ``median_age_days``, ``oldest_age_days``; groups by size, largest first. A promise
        with no waiting ticket has one ``all`` row with 0 tickets.

    Examples
    --------
    >>> backlog_table(bl).iloc[0].to_dict()                           # doctest: +SKIP
    {'promise': 'response', 'dimension': 'all', 'group': 'all', 'tickets': 12, ...}
    """
    rows = []
    for kind in bl.judged:
        sub = bl.of(kind)
        rows.append(_group_row(kind, "all", "all", sub["age_days"], len(sub)))
        for dim in DIMENSIONS:
            known = sub[dim].notna() if dim in sub else pd.Series(False, index=sub.index)
            if not known.any():
                continue
            ages = sub.loc[known, "age_days"].groupby(sub.loc[known, dim], observed=True)
            for group, a in sorted(ages, key=lambda ga: (-len(ga[1]), str(ga[0]))):
                rows.append(_group_row(kind, dim, str(group), a, len(sub)))
    cols = ["promise", "dimension", "group", "tickets", "share"]
    cols += ["median_age_days", "oldest_age_days"]
    return pd.DataFrame(rows, columns=cols)


def _group_row(kind: str, dim: str, group: str, ages: pd.Series, total: int) -> dict[str, Any]:
    n = len(ages)
    return {
        "promise": kind,
        "dimension": dim,
        "group": group,
        "tickets": n,
        "share": 100 * n / total if total else math.nan,
        "median_age_days": float(ages.median()) if n else math.nan,
        "oldest_age_days": float(ages.max()) if n else math.nan,
    }


def backlog_view(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`backlog_table` for people: labelled columns and group names."""
    names = {"all": "all tickets", "channel": "channel", "category": "ticket category"}
    out = table.assign(
        promise=table["promise"].map(lambda k: f"{_WHAT[k]} the {k} {_noun(k)}"),
        dimension=table["dimension"].map(names),
        group=np.where(table["dimension"] == "all", "", table["group"].map(label)),
    )
    return out.rename(
        columns={
            "promise": "Tickets",
            "dimension": "by",
            "group": "group",
            "tickets": "tickets",
            "share": "% of these tickets",
            "median_age_days": "median age (days)",
            "oldest_age_days": "oldest (days)",
        }
    )


def _noun(kind: str) -> str:
    return "promise" if kind == RESPONSE else "target"


def backlog_sentences(bl: Backlog) -> list[str]:
    """One sentence per promise for the first screen (resolution first), or why there is none.

    Examples
    --------
    >>> backlog_sentences(bl)[0]                                      # doctest: +SKIP
    '142 tickets are still open past the 72-hour resolution target as of 2026-09-30 (29% of the 490 open tickets); the oldest has waited 41.0 days; billing holds 58 of them.'
    """
    if bl.as_of is None:
        return ["There is no service backlog to measure: the data has no support tickets."]
    day = str(bl.as_of)[:10]
    out = []
    for kind in (RESOLUTION, RESPONSE):
        limit = bl.thresholds[kind]
        if kind not in bl.judged:
            continue
        n = bl.count(kind) or 0
        where = f"{limit.name} as of {day}"
        if n == 0:
            out.append(f"No ticket is {_WHAT[kind]} {where}.")
        else:
            share = ""
            if bl.open_tickets:
                share = f" ({value(100 * n / bl.open_tickets, '%')} of the {count(bl.open_tickets)} open tickets)"
            sentence = (
                f"{count(n)} ticket{'s are' if n != 1 else ' is'} {_WHAT[kind]} {where}{share}; "
                f"the oldest has waited {hours(24 * bl.oldest(kind))}"
            )
            top = _top(bl.of(kind), "category")
            if top is not None and n > 1:
                sentence += f"; {label(top[0])} holds {count(top[1])} of them"
            out.append(sentence + ".")
        if limit.source == "data":
            out.append(limit.how[0].upper() + limit.how[1:] + ".")
    return out or [f"The backlog is not judged: {' '.join(bl.notes)}"]


def _top(sub: pd.DataFrame, dim: str) -> tuple[str, int] | None:
    """The largest group of ``dim`` and its count (None when the column is empty)."""
    counts = sub[dim].dropna().value_counts()
    return None if counts.empty else (str(counts.index[0]), int(counts.iloc[0]))


def backlog_record(bl: Backlog) -> dict[str, Any]:
    """The backlog for the summary JSON: as of, per promise its count, oldest, threshold
    (hours, source, how) and largest category and channel; the sentences and notes."""
    promises = {}
    for kind, limit in bl.thresholds.items():
        sub = bl.of(kind)
        n = bl.count(kind)
        promises[kind] = {
            "hours": limit.hours,
            "source": limit.source,
            "how": limit.how,
            "judged": kind in bl.judged,
            "tickets": n,
            "share_of_open": 100 * n / bl.open_tickets
            if n is not None and bl.open_tickets
            else None,
            "oldest_days": None if math.isnan(bl.oldest(kind)) else bl.oldest(kind),
            "median_age_days": float(sub["age_days"].median()) if len(sub) else None,
            "top_category": _top_record(sub, "category"),
            "top_channel": _top_record(sub, "channel"),
        }
    return {
        "as_of": None if bl.as_of is None else bl.as_of.isoformat(),
        "tickets_judged": bl.total,
        "open_tickets": bl.open_tickets,
        **promises,
        "sentences": backlog_sentences(bl),
        "notes": list(bl.notes),
        "method": "a count of every ticket waiting at the end of the data (a census: no CI)",
    }


def _top_record(sub: pd.DataFrame, dim: str) -> dict[str, Any] | None:
    top = _top(sub, dim) if dim in sub else None
    return None if top is None else {"group": top[0], "tickets": top[1]}


def save_backlog_ids(bl: Backlog, output_dir: str | Path) -> Path:
    """Write the backlog tickets for the service team to the run's private folder.

    One row per ticket, oldest first: ``ticket_id``, ``opened_at``, ``channel``,
    ``category``, ``promise_broken`` (``response``, ``resolution`` or both), ``age_days``.
    No customer id and no other personal data; the file goes under
    :func:`cxlib.paths.private_outputs` (never the published ``output_dir``).
    """
    t = bl.tickets
    broken = t.groupby("ticket_id", sort=False)["kind"].agg(
        lambda k: " and ".join(sorted(k, reverse=True))
    )
    ids = (
        t.sort_values("age_days", ascending=False, kind="stable")
        .drop_duplicates("ticket_id")
        .assign(promise_broken=lambda f: f["ticket_id"].map(broken))
    )
    cols = ["ticket_id", "opened_at", "channel", "category", "promise_broken", "age_days"]
    return outputs.save(private_outputs(output_dir), BACKLOG_IDS_CSV, ids[cols])
