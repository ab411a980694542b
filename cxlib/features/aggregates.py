"""The per-customer aggregates of the event logs, in DuckDB: orders, tickets, surveys, events.

Each function registers its table's columns with DuckDB and returns one row per customer
who has activity (column ``i``: the customer's position in the customers table), the
activity before the customer's cutoff only. :func:`connect` opens the connection holding
``cut``, the per-customer cutoffs every aggregate joins to. Used by
:func:`cxlib.features.customer_features`.
"""

from __future__ import annotations

import contextlib
import re

import duckdb
import numpy as np
import pandas as pd

from cxlib.io.dataset import TIME_COLUMNS, CXData


def connect(ids: pd.Series, ref: np.ndarray, limited: np.ndarray) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding ``cut``: each customer's position, cutoff and whether it
    applies (the table every aggregate joins to)."""
    con = duckdb.connect()
    with contextlib.suppress(duckdb.Error):  # in a Jupyter kernel it is off and cannot be set
        con.execute("SET enable_progress_bar = false")
    cut = pd.DataFrame(
        {"customer_id": ids.array, "i": np.arange(len(ids)), "cutoff": ref, "limited": limited}
    )
    con.register("cut", cut)
    return con


def _source(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, time: str | None = None
) -> str:
    """Register ``frame`` (columns of ``table``); SQL for its rows before each cutoff.

    The rows carry ``limited`` (a cutoff applies) and ``cutoff``; without any cutoff the
    join is skipped (``limited`` is FALSE).
    """
    con.register(f"t_{table}", frame)
    if not _any_cutoff(con):
        return f"SELECT *, FALSE AS limited, NULL::TIMESTAMP AS cutoff FROM t_{table}"
    time = time or TIME_COLUMNS[table]
    return (
        f"SELECT t.*, cut.i AS _i, cut.limited, cut.cutoff FROM t_{table} t "
        f"JOIN cut USING (customer_id) WHERE NOT cut.limited OR t.{time} < cut.cutoff"
    )


def _any_cutoff(con: duckdb.DuckDBPyConnection) -> bool:
    """True when a cutoff applies to some customer (``cut.limited``)."""
    return bool(con.execute("SELECT bool_or(limited) FROM cut").fetchall()[0][0])


def _per_customer(con: duckdb.DuckDBPyConnection, src: str, aggs: list[str]) -> pd.DataFrame:
    """Run the aggregates per customer; rows keyed by ``i``, the customers-table position.

    Rows cut at a cutoff already carry the position (``_i``, from the join with ``cut``
    in :func:`_source`) and are grouped by it, an integer; otherwise by id, joined to
    ``cut`` after.
    """
    if _any_cutoff(con):
        return con.execute(f"SELECT _i AS i, {', '.join(aggs)} FROM ({src}) GROUP BY _i").df()
    return con.execute(
        f"SELECT cut.i, a.* EXCLUDE (customer_id) FROM (SELECT customer_id, {', '.join(aggs)} "
        f"FROM ({src}) GROUP BY customer_id) a JOIN cut USING (customer_id)"
    ).df()


def _codes(values: pd.Series, wanted: tuple[str, ...] | None = None) -> tuple[np.ndarray, list]:
    """Integer codes of a label column (-1 = missing) and its labels; vectorised.

    With ``wanted``, the codes are 1 for labels in ``wanted`` (case-insensitive), 0 for
    others and -1 for missing.
    """
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    codes = cat.cat.codes.to_numpy()
    labels = [str(c) for c in cat.cat.categories]
    if wanted is None:
        return codes, labels
    hit = np.array([lab.lower() in wanted for lab in labels] + [False], dtype=np.int8)
    return np.where(codes < 0, -1, hit[codes]).astype(np.int8), labels


def orders(con: duckdb.DuckDBPyConnection, cx: CXData) -> pd.DataFrame | None:
    """Per customer: order count, total and mean amount, last order time."""
    if cx.orders is None or len(cx.orders) == 0:
        return None
    src = _source(con, "orders", cx.orders[["customer_id", "ordered_at", "amount"]])
    aggs = [
        "count(*) AS order_count",
        "coalesce(sum(amount), 0) AS order_total",
        "avg(amount) AS avg_order_value",
        "max(ordered_at) AS last_order",
    ]
    return _per_customer(con, src, aggs)


def tickets(
    con: duckdb.DuckDBPyConnection, cx: CXData, avail: dict[str, str], digital: tuple[str, ...]
) -> pd.DataFrame | None:
    """Per customer: tickets, unresolved ones, mean resolution and first-response hours,
    contacts per ticket and the digital share, as far as the tickets table has the columns."""
    tickets = cx.tickets
    if tickets is None or len(tickets) == 0:
        return None
    frame = tickets[["customer_id", "opened_at"]].copy()
    aggs = ["count(*) AS ticket_count"]
    cut = "(limited AND {0} >= cutoff)"
    if not avail["unresolved_tickets"]:
        frame["resolved_at"] = tickets["resolved_at"]
        done = f"resolved_at IS NOT NULL AND NOT {cut.format('resolved_at')}"
        aggs += [
            f"count(*) FILTER (WHERE NOT ({done})) AS unresolved_tickets",
            f"avg(date_diff('second', opened_at, resolved_at)) FILTER (WHERE {done}) / 3600.0 "
            "AS mean_resolution_hours",
        ]
    if not avail["mean_first_response_hours"]:
        frame["first_response_at"] = tickets["first_response_at"]
        answered = f"first_response_at IS NOT NULL AND NOT {cut.format('first_response_at')}"
        aggs.append(
            f"avg(date_diff('second', opened_at, first_response_at)) FILTER (WHERE {answered}) "
            "/ 3600.0 AS mean_first_response_hours"
        )
    if not avail["contacts_per_ticket"]:
        frame["contacts"] = tickets["contacts"].astype("float64")
        aggs.append("avg(contacts) AS contacts_per_ticket")
    if not avail["ticket_digital_share"]:
        frame["digital"] = _codes(tickets["channel"], digital)[0]
        aggs.append("avg(digital) FILTER (WHERE digital >= 0) AS ticket_digital_share")
    return _per_customer(con, _source(con, "tickets", frame), aggs)


def surveys(
    con: duckdb.DuckDBPyConnection, cx: CXData, avail: dict[str, str]
) -> pd.DataFrame | None:
    """Per customer: survey answers and the mean NPS, CSAT and CES answer."""
    if avail["survey_count"]:
        return None
    surveys = cx.surveys
    known = surveys["customer_id"].notna()
    frame = surveys.loc[known, ["customer_id", "responded_at"]]
    codes, labels = _codes(surveys.loc[known, "survey"])
    kinds = ("nps", "csat", "ces")
    lookup = np.array([kinds.index(lab.lower()) if lab.lower() in kinds else -1 for lab in labels])
    frame = frame.assign(
        kind=np.where(codes >= 0, np.append(lookup, -1)[codes], -1).astype(np.int8),
        score=surveys.loc[known, "score"].astype("float64"),
    )
    aggs = ["count(*) AS survey_count"]
    for k, kind in enumerate(kinds):
        if not avail[f"{kind}_mean"]:
            aggs.append(f"avg(score) FILTER (WHERE kind = {k}) AS {kind}_mean")
    return _per_customer(con, _source(con, "surveys", frame), aggs)


def events(
    con: duckdb.DuckDBPyConnection, cx: CXData, avail: dict[str, str], digital: tuple[str, ...]
) -> pd.DataFrame | None:
    """Per customer: events, last event, browsing share, digital share and the share of
    every channel (``events_share_<channel>``)."""
    events = cx.events
    if events is None or len(events) == 0:
        return None
    frame = pd.DataFrame(
        {"customer_id": events["customer_id"].array, "timestamp": events["timestamp"].to_numpy()}
    )
    aggs = ["count(*) AS event_count", "max(timestamp) AS last_event"]
    if not avail["browse_share"]:  # needs the stage column
        browse = tuple(str(s).lower() for s in cx.config.stage_order[:2])
        frame["browse"] = _codes(events["stage"], browse)[0]
        aggs.append("avg(browse) FILTER (WHERE browse >= 0) AS browse_share")
    if not avail["digital_share"]:
        codes, labels = _codes(events["channel"])
        frame["channel"] = codes.astype(np.int16)
        is_digital = [i for i, lab in enumerate(labels) if lab.lower() in digital]
        aggs.append(
            f"count(*) FILTER (WHERE channel IN {_int_list(is_digital)}) / count(*) "
            "AS digital_share"
        )
        by_slug: dict[str, list[int]] = {}
        used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(labels)))
        for code in used:
            slug = re.sub(r"[^0-9a-z]+", "_", labels[code].lower()).strip("_") or "blank"
            by_slug.setdefault(slug, []).append(int(code))
        for slug, group in sorted(by_slug.items()):
            aggs.append(
                f"count(*) FILTER (WHERE channel IN {_int_list(group)}) / count(*) "
                f'AS "events_share_{slug}"'
            )
    return _per_customer(con, _source(con, "events", frame), aggs)


def _int_list(values: list[int]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")" if values else "(NULL)"
