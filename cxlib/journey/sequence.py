"""The ordered event log: each event's place in its customer's journey, computed once.

:func:`ordered_events` builds the ``journey_events`` table every journey query reads: the
events in customer order (by timestamp, ties in source order) with the neighbours and
positions the queries need. It is the one sequential step of the analysis, so it runs in
numpy on sorted arrays -- a handful of vectorised passes -- rather than as SQL window
functions, which cost DuckDB about 7 s of CPU per ordering of 10 million events (the
queries needed five). ``cxlib/sql/journey/events.sql`` defines the same table in standard
SQL for other engines; the tests check that the two agree column by column. The counts
that read it in numpy are in :mod:`cxlib.journey.tallies`.

Columns (one row per event in a stage of the stage order)
----------------------------------------------------------
customer_id, t, stage_rank, touchpoint, channel, seq
    The event: ``t`` seconds since 1970-01-01, ``stage_rank`` 1 = first stage, ``seq`` its
    row in the source (the tie-break for equal times).
step, n_events, furthest_rank
    Its position in the customer's journey, the journey's length and highest stage.
next_touchpoint
    The touchpoint of the customer's next event (NULL for the last).
prev_same_t
    When the customer last visited the same touchpoint before (NULL: first visit).
run_start, run_no, next_run_t, next_run_rank
    Consecutive visits to one touchpoint form a run (a step of the journey): 1 on the
    run's first event; the run's number; when and in which stage the customer's next run
    starts (NULL in the last run).
stage_entry, next_stage_t
    1 on the customer's first event in its stage; on those, the time of the first event in
    a later stage at or after it, among events that move up from a lower stage (NULL: the
    customer never progressed).
next_ticket_t
    When the customer opened their next support ticket at or after the event (NULL: none).

Examples
--------
>>> ev = pd.DataFrame({"customer_id": ["a", "a", "b"], "stage": ["awareness"] * 3,
...                    "touchpoint": ["ad", "ad", "web"],
...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01"])})
>>> tab = ordered_events(ev, ["awareness"]).to_pandas()
>>> tab[["customer_id", "step", "run_no", "prev_same_t"]].values.tolist()
[['a', 1, 1, nan], ['a', 2, 1, 1735689600.0], ['b', 1, 1, nan]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.io.ids import positions

NONE = -1
"""The code of a missing category."""

NULL_LAST = np.iinfo(np.int64).max
"""The integer time given to a NULL timestamp: it sorts last, as NULLs do in SQL."""

MICROSECONDS = 1e6
"""Microseconds per second."""


@dataclass
class _Events:
    """The kept events as narrow numpy arrays (plus the Arrow ids), in one order.

    Full-length arrays are few and narrow (int32 positions, int8/int16 codes): at 10
    million events every extra array is ~0.05-0.15 s of memory traffic.
    """

    ids: pa.Array  # customer_id
    customers: pa.Array  # the distinct ids; ``cust`` codes index it (NULL id: one past the end)
    cust: np.ndarray  # customer code, in order of first appearance
    ts: np.ndarray  # int64 microseconds since 1970; NULL = NULL_LAST
    missing_t: np.ndarray  # bool: the time is NULL
    rank: np.ndarray  # stage rank, 1 = first stage
    tp: np.ndarray  # touchpoint code (NONE = missing)
    ch: np.ndarray  # channel code (NONE = missing)
    seq: np.ndarray | None  # row in the source; None: the rows are 0..n-1
    tp_names: np.ndarray
    ch_names: np.ndarray


def ordered_events(
    events: pd.DataFrame,
    stage_order: Sequence[str],
    tickets: pa.Table | None = None,
) -> pa.Table:
    """The ``journey_events`` table (see the module docstring) of an events table.

    Parameters
    ----------
    events : DataFrame
        ``customer_id``, ``timestamp``, ``stage``, ``touchpoint`` and optionally
        ``channel`` (the contract's events table). Events in stages outside
        ``stage_order`` are left out.
    stage_order : sequence of str
        The stages in order.
    tickets : pyarrow.Table, optional
        ``customer_id`` and ``t`` (seconds since 1970-01-01) of the support tickets, for
        ``next_ticket_t``.

    Returns
    -------
    pyarrow.Table
        One row per kept event, in customer order.
    """
    ev = _in_customer_order(_encoded(events, stage_order))
    t = _seconds(ev)
    first, starts, grp = _customers(ev.cust)
    n = len(t)
    step = np.arange(1, n + 1, dtype=np.int32)
    step -= starts[grp]
    sizes = np.diff(np.append(starts, np.int32(n)))
    furthest = np.maximum.reduceat(ev.rank, starts)[grp] if n else ev.rank.copy()
    tp, rank = ev.tp, ev.rank
    next_tp = np.full(n, NONE, dtype=tp.dtype)
    next_tp[:-1] = tp[1:]
    next_tp[starts[1:] - 1] = NONE  # the last event of each customer has no next
    prev_rank = np.zeros(n, dtype=rank.dtype)
    prev_rank[1:] = rank[:-1]
    prev_rank[first] = 0
    prev_same_t = _prev_same(grp, tp, t)
    runs = _runs(tp, rank, t, first, starts, grp)
    stage_entry, next_stage_t = _stage_entries(grp, rank, ev.ts, t, first, prev_rank)
    del prev_rank
    next_ticket_t = _next_ticket(tickets, ev.customers, starts, t)
    tp_names = ev.tp_names
    return pa.table(
        {
            "customer_id": ev.ids,
            "t": _floats(t),
            "stage_rank": pa.array(rank.astype(np.int64)),
            "touchpoint": _names(tp, tp_names),
            "channel": _names(ev.ch, ev.ch_names),
            "seq": pa.array(np.arange(n, dtype=np.int64) if ev.seq is None else ev.seq),
            "step": pa.array(step),
            "n_events": pa.array(sizes[grp]),
            "furthest_rank": pa.array(furthest.astype(np.int32)),
            "next_touchpoint": _names(next_tp, tp_names),
            "prev_same_t": _floats(prev_same_t),
            **runs,
            "stage_entry": pa.array(stage_entry.view(np.int8)),
            "next_stage_t": _floats(next_stage_t),
            "next_ticket_t": _floats(next_ticket_t),
        }
    )


def _encoded(events: pd.DataFrame, stage_order: Sequence[str]) -> _Events:
    """The events in stages of ``stage_order``, coded, in source order."""
    rank = _stage_ranks(events["stage"], stage_order)
    keep = None if rank.all() else np.flatnonzero(rank)
    ids = _arrow(events["customer_id"])
    stamp = np.asarray(events["timestamp"].to_numpy(), dtype="datetime64[us]")
    tp, tp_names = _codes(events["touchpoint"])
    if "channel" in events:
        ch, ch_names = _codes(events["channel"])
    else:
        ch, ch_names = np.full(len(tp), NONE, dtype=np.int8), np.array([], dtype=object)
    if keep is not None:
        ids, stamp = ids.take(pa.array(keep)), stamp[keep]
        rank, tp, ch = rank[keep], tp[keep], ch[keep]
    encoded = pc.dictionary_encode(ids)
    cust = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy()
    ts = stamp.view(np.int64)
    missing_t = np.isnat(stamp)
    if missing_t.any():
        ts = ts.copy()
        ts[missing_t] = NULL_LAST
    return _Events(
        ids, encoded.dictionary, cust, ts, missing_t, rank, tp, ch, keep, tp_names, ch_names
    )


def _in_customer_order(ev: _Events) -> _Events:
    """``ev`` reordered by customer, then time, then source row (in place; no copy when the
    events already are in that order)."""
    order = _customer_order(ev.cust, ev.ts)
    if order is None:
        return ev
    if ev.seq is None:
        ev.seq = np.arange(len(ev.ts), dtype=np.int64)
    ev.cust, ev.ts, ev.missing_t = ev.cust[order], ev.ts[order], ev.missing_t[order]
    ev.rank, ev.tp, ev.ch, ev.seq = ev.rank[order], ev.tp[order], ev.ch[order], ev.seq[order]
    ev.ids = ev.ids.take(pa.array(order))
    return ev


def _seconds(ev: _Events) -> np.ndarray:
    """The event times in seconds since 1970 as floats (NaN: NULL)."""
    t = ev.ts / MICROSECONDS
    if ev.missing_t.any():
        t[ev.missing_t] = np.nan
    ev.missing_t = None  # no longer needed: free it
    return t


def _customers(cust: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per event: whether it is its customer's first; the first events' positions; the
    customer's number (0, 1, ... in order)."""
    first = np.ones(len(cust), dtype=bool)
    np.not_equal(cust[1:], cust[:-1], out=first[1:])
    starts = np.flatnonzero(first).astype(np.int32)
    grp = np.cumsum(first, dtype=np.int32)
    grp -= 1
    return first, starts, grp


def _runs(
    tp: np.ndarray,
    rank: np.ndarray,
    t: np.ndarray,
    first: np.ndarray,
    starts: np.ndarray,
    grp: np.ndarray,
) -> dict[str, pa.Array]:
    """The columns ``run_start``, ``run_no``, ``next_run_t`` and ``next_run_rank``.

    An event starts a run unless the previous event was at the same touchpoint (NULL
    semantics as in SQL: a missing previous touchpoint starts a run, a missing touchpoint
    after a known one does not).
    """
    n = len(tp)
    prev_tp = np.full(n, NONE, dtype=tp.dtype)
    prev_tp[1:] = tp[:-1]
    prev_tp[first] = NONE
    run_start = tp != prev_tp
    run_start &= tp != NONE
    run_start |= prev_tp == NONE  # includes each customer's first event
    del prev_tp
    run_count = np.cumsum(run_start, dtype=np.int32)
    run_no = run_count - run_count[starts][grp]
    run_no += 1
    run_pos = np.flatnonzero(run_start)
    # the next run starts at run_pos[run_count] (run_count counts the runs so far)
    nxt_pos = run_pos[np.minimum(run_count, len(run_pos) - 1)] if n else run_pos
    has_next_run = run_count < len(run_pos)
    has_next_run &= grp[nxt_pos] == grp
    del run_count
    next_run_t = np.where(has_next_run, t[nxt_pos], np.nan)
    next_run_rank = rank[nxt_pos]
    del nxt_pos
    return {
        "run_start": pa.array(run_start.view(np.int8)),
        "run_no": pa.array(run_no),
        "next_run_t": _floats(next_run_t),
        "next_run_rank": pa.array(next_run_rank.astype(np.int32), mask=~has_next_run),
    }


def _floats(a: np.ndarray) -> pa.Array:
    """A float column, NaN as NULL."""
    return pa.array(a, mask=np.isnan(a))


def _names(codes: np.ndarray, dictionary: np.ndarray) -> pa.Array:
    """A dictionary-encoded string column from codes (``NONE`` as NULL)."""
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, mask=codes == NONE), pa.array(dictionary, type=pa.string())
    )


# --- helpers ------------------------------------------------------------------------------


def _arrow(ids: pd.Series) -> pa.Array:
    """The ids as one Arrow string array (no copy for Arrow-backed strings)."""
    arr = pa.array(ids.astype("string[pyarrow]") if ids.dtype != "string[pyarrow]" else ids)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _stage_ranks(stage: pd.Series, stage_order: Sequence[str]) -> np.ndarray:
    """1-based rank of each event's stage in ``stage_order``; 0 outside it."""
    rank_of = {s: i + 1 for i, s in enumerate(stage_order)}
    width = np.int8 if len(stage_order) < 127 else np.int32
    if isinstance(stage.dtype, pd.CategoricalDtype):
        names = [rank_of.get(str(c), 0) for c in stage.cat.categories]
        return np.array(names + [0], dtype=width)[stage.cat.codes.to_numpy()]
    codes = pd.Categorical(stage.astype("string"), categories=list(stage_order)).codes
    return (codes + 1).astype(width)


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (``NONE`` = missing) and the names they stand for."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = np.asarray(values.cat.categories.astype(str), dtype=object)
        return values.cat.codes.to_numpy(), names  # int8 or int16: signed, -1 = missing
    codes, uniques = pd.factorize(values.astype("string"))
    width = np.int16 if len(uniques) < 2**15 else np.int32
    return codes.astype(width), np.asarray(uniques.astype(str), dtype=object)


def _customer_order(cust: np.ndarray, ts: np.ndarray) -> np.ndarray | None:
    """Positions sorting the events by customer, then time, then source row; None when
    they already are (ids are coded in order of appearance, so a log grouped by customer
    and sorted by time needs no sort)."""
    if len(cust) < 2:
        return None
    same = cust[1:] == cust[:-1]
    if np.all((cust[1:] > cust[:-1]) | (same & (ts[1:] >= ts[:-1]))):
        return None
    keys = pa.table({"c": cust, "t": ts, "s": np.arange(len(cust))})
    return pc.sort_indices(
        keys, sort_keys=[("c", "ascending"), ("t", "ascending"), ("s", "ascending")]
    ).to_numpy()


def regroup(values: np.ndarray) -> np.ndarray:
    """Positions ordering the events by ``values``, then in customer order.

    A stable sort by the value alone suffices (the events already are in customer order),
    and for codes of 16 bits or less numpy's stable sort is a radix sort: linear.
    """
    small = len(values) and values.min() >= -(2**15) and values.max() < 2**15
    if values.dtype.itemsize > 2 and small:
        values = values.astype(np.int16)
    return np.argsort(values, kind="stable")


def _prev_same(grp: np.ndarray, tp: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The time of each event's previous visit of the customer to the same touchpoint."""
    n = len(t)
    if n < 2:
        return np.full(n, np.nan)
    order = regroup(tp)
    g, k = grp[order], tp[order]
    other = g[1:] != g[:-1]
    other |= k[1:] != k[:-1]
    del g, k
    prev = np.empty(n)  # in touchpoint order: the time of the event before
    prev[0] = np.nan
    np.take(t, order[:-1], out=prev[1:])
    prev[1:][other] = np.nan
    out = np.empty(n)
    out[order] = prev
    return out


def _stage_entries(
    grp: np.ndarray,
    rank: np.ndarray,
    ts: np.ndarray,
    t: np.ndarray,
    first: np.ndarray,
    prev_rank: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``stage_entry`` and ``next_stage_t`` (see the module docstring).

    A stage is entered by a change of stage (or the journey's first event), so only those
    events are searched. The candidates for next_stage_t are the events that move up a stage
    (or start the journey); among them the first one at or after the entry's time in a later
    stage. Times never decrease along a customer's events, so that is the first candidate
    from the first event sharing the entry's time on.
    """
    n = len(rank)
    entry = np.zeros(n, dtype=bool)
    next_stage_t = np.full(n, np.nan)
    if n == 0:
        return entry, next_stage_t
    changes = np.flatnonzero(first | (rank != prev_rank))
    order = changes[regroup(rank[changes])]
    g, k = grp[order], rank[order]
    firsts = np.ones(len(order), dtype=bool)
    firsts[1:] = (g[1:] != g[:-1]) | (k[1:] != k[:-1])
    entries_all = order[firsts]  # by stage, then in position order
    entry[entries_all] = True
    # the first event sharing the entry's time (itself unless the previous event of the
    # customer happened at the same instant)
    tie_start = entries_all.copy()
    tied = np.flatnonzero(~first[entries_all])
    tied = tied[ts[entries_all[tied]] == ts[entries_all[tied] - 1]]
    if len(tied):
        ties = first.copy()
        ties[1:] |= ts[1:] != ts[:-1]
        tie_starts = np.flatnonzero(ties)
        tie_start[tied] = tie_starts[np.searchsorted(tie_starts, entries_all[tied], "right") - 1]
    ups = changes[first[changes] | (rank[changes] > prev_rank[changes])]
    entry_rank = rank[entries_all]
    for r in range(1, int(rank.max())):
        here = slice(*np.searchsorted(entry_rank, [r, r + 1]))
        entries, lo = entries_all[here], tie_start[here]
        later = ups[rank[ups] > r]
        if not len(entries) or not len(later):
            continue
        at = np.searchsorted(later, lo)
        found = at < len(later)
        q = later[np.minimum(at, len(later) - 1)]
        found &= grp[q] == grp[entries]
        next_stage_t[entries[found]] = t[q[found]]
    return entry, next_stage_t


def _next_ticket(
    tickets: pa.Table | None,
    customers: pa.Array,
    starts: np.ndarray,
    t: np.ndarray,
) -> np.ndarray:
    """The customer's first ticket time at or after each event.

    With the tickets sorted by (customer, time), each ticket's *reach* -- the position of
    its customer's first event after it -- never decreases, so a ticket is the next one for
    the events from the previous ticket's reach up to its own. The reaches come from a
    binary search within each customer's events (times never decrease along them), done for
    all tickets at once.
    """
    out = np.full(len(t), np.nan)
    if tickets is None or tickets.num_rows == 0 or len(t) == 0:
        return out
    code = positions(tickets["customer_id"], customers)
    tt = tickets["t"].to_numpy().astype(float)
    valid = (code >= 0) & ~np.isnan(tt)
    tc = code[valid]
    tt = tt[valid]
    if not len(tt):
        return out
    by = np.lexsort((tt, tc))
    tc, tt = tc[by], tt[by]
    # the customers' event segments: codes are numbered in order of first appearance and
    # the events sorted by code, so segment c starts at starts[c] (a NULL id, if any, last)
    ends = np.append(starts[1:], len(t))
    lo, hi = starts[tc].copy(), ends[tc].copy()
    t_sort = np.where(np.isnan(t), np.inf, t)  # NULL times sort last, after every ticket
    while True:
        open_ = lo < hi
        if not open_.any():
            break
        mid = np.where(open_, (lo + hi) // 2, 0)
        after = open_ & (t_sort[mid] > tt)
        hi = np.where(after, mid, hi)
        lo = np.where(open_ & ~after, mid + 1, lo)
    # a ticket is the next one for its customer's events from the previous ticket's reach
    # (or the customer's first event) up to its own reach
    since = starts[tc]
    same = tc[1:] == tc[:-1]
    since[1:][same] = lo[:-1][same]
    served = lo - since
    first_served = np.cumsum(served) - served  # where each ticket's events start in `at`
    at = np.arange(served.sum()) + np.repeat(since - first_served, served)
    out[at] = np.repeat(tt, served)
    return out
