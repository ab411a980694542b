"""What the service backlog says: its table, sentences and summary record (published), and
the private list of ticket ids for the service team.

Examples
--------
>>> bl = scorecard_backlog(cx)                                        # doctest: +SKIP
>>> backlog_sentences(bl)[0]                                          # doctest: +SKIP
'5,324 tickets are still open past the 72-hour resolution target as of 2026-09-30 ...'
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxlib.io import outputs
from cxlib.paths import private_outputs
from cxlib.scorecard.backlog.judge import RESOLUTION, RESPONSE, WAITING, Backlog
from cxlib.wording import count, hours, label, value

BACKLOG_CSV = "cx_scorecard_backlog.csv"
"""The published backlog table (counts and ages by channel and category)."""
BACKLOG_IDS_CSV = "cx_backlog_tickets.csv"
"""The private list of backlog tickets for the service team (ids, no customer id)."""
DIMENSIONS = ("channel", "category")
"""The breakdowns of the backlog table."""


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
    """:func:`backlog_table` for people: labelled columns and group names; each promise and
    dimension named on its first row only."""
    names = {"all": "all tickets", "channel": "channel", "category": "ticket category"}
    promise = table["promise"].map(lambda k: f"{WAITING[k]} the {k} {_noun(k)}")
    dimension = table["dimension"].map(names)
    first = table["promise"].ne(table["promise"].shift())
    out = table.assign(
        promise=promise.where(first, ""),
        dimension=dimension.where(first | table["dimension"].ne(table["dimension"].shift()), ""),
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
            out.append(f"No ticket is {WAITING[kind]} {where}.")
        else:
            share = ""
            if bl.open_tickets:
                share = f" ({value(100 * n / bl.open_tickets, '%')} of the {count(bl.open_tickets)} open tickets)"
            sentence = (
                f"{count(n)} ticket{'s are' if n != 1 else ' is'} {WAITING[kind]} {where}{share}; "
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
