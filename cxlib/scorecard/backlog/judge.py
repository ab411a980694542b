"""Which tickets wait past the service promises, as of the end of the data.

:func:`service_backlog` judges a tickets frame against a :class:`~cxlib.io.goals.ServicePromise`
(the thresholds and where each comes from: :func:`thresholds`); :func:`scorecard_backlog`
does it for a loaded data set and its config. What the backlog says and the files it
writes are in :mod:`cxlib.scorecard.backlog.report`.

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
from typing import Any

import numpy as np
import pandas as pd

from cxlib.io.goals import DEFAULT_RESPONSE_HOURS, ServicePromise
from cxlib.scorecard.kpis import ticket_as_of
from cxlib.wording import count, hours

RESPONSE, RESOLUTION = "response", "resolution"
"""The two promises a ticket can be waiting past (the ``kind`` of a backlog ticket)."""
RESOLVED_SHARE = 0.9
"""Without a configured resolution target: the time within which this share of the
resolved tickets were resolved."""
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
WAITING = {RESPONSE: "still unanswered past", RESOLUTION: "still open past"}
"""How a page says a ticket waits past each promise."""


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
