"""Counts over the ordered event log, in numpy: visits per touchpoint, journey variants.

Both read ``journey_events`` as :func:`cxlib.journey.sequence.ordered_events` builds it (in
customer order), so a group is a run of rows after one linear regrouping, not a hash
aggregation of 10 million rows. ``visits.sql`` and ``variants.sql`` define the same results
in SQL for other engines; the tests check that both agree.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.journey.sequence import NONE, regroup

__all__ = ["path_variants", "touchpoint_visits"]


def touchpoint_visits(
    events: pa.Table,
    loop_window_s: float,
    followup_s: float,
    rework_window_s: float,
    step_norms: pa.Table | None = None,
) -> pa.Table:
    """The ``journey_visits`` table: a customer's visits to a touchpoint in a stage, counted.

    One row per customer, stage and touchpoint visited (``visits.sql`` defines it in SQL):
    ``visits``; ``loop_visits`` (a direct repeat: the customer's previous event was the same
    touchpoint, at most ``loop_window_s`` seconds earlier) and ``looped``;
    ``rework_visits`` (a return: the customer visited the touchpoint before, went elsewhere
    and came back at most ``rework_window_s`` seconds after that earlier visit) and
    ``reworked``; ``followup_visits`` (a ticket at most ``followup_s`` seconds later) and
    ``followed_up``; ``slow_steps`` (steps starting here that wait longer than their stage
    norm, ``step_norms``: ``stage_rank``, ``leaves``, ``p75_s`` as ``step_norms.sql``
    gives them) and ``slowed``; and ``is_end`` (the journey's last event is one of them).

    Parameters
    ----------
    events : pyarrow.Table
        ``journey_events`` as :func:`~cxlib.journey.sequence.ordered_events` returns it (in
        customer order).
    loop_window_s, followup_s, rework_window_s : float
        The loop, follow-up and rework windows in seconds.
    step_norms : pyarrow.Table, optional
        The slow-step norms; without them no step is slow.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.journey.sequence import ordered_events
    >>> ev = pd.DataFrame({"customer_id": ["a", "a"], "stage": ["awareness"] * 2,
    ...                    "touchpoint": ["ad", "ad"],
    ...                    "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:30"])})
    >>> v = touchpoint_visits(ordered_events(ev, ["awareness"]), 3600, 86400, 0).to_pandas()
    >>> v[["customer_id", "visits", "loop_visits", "is_end"]].values.tolist()
    [['a', 2, 1, 1]]
    """
    step = _numbers(events["step"])
    n = len(step)
    first = step == 1
    grp = np.cumsum(first, dtype=np.int32)
    rank = _numbers(events["stage_rank"])
    touchpoint = events["touchpoint"].combine_chunks()
    t = _numbers(events["t"])
    # the flags per event (narrow), then their sums per visit group
    run_start = _numbers(events["run_start"]) == 1
    with np.errstate(invalid="ignore"):
        since_same = t - _numbers(events["prev_same_t"])
        loop = (since_same <= loop_window_s) & ~run_start
        rework = (since_same <= rework_window_s) & run_start
        del since_same
        followup = _numbers(events["next_ticket_t"]) - t
        followup = followup <= followup_s
    slow = _slow_steps(events, t, rank, run_start, step_norms)
    end = step == _numbers(events["n_events"])
    del step, t
    key = _dictionary_codes(touchpoint).astype(np.int32)
    key += 1
    key *= int(rank.max(initial=0)) + 1
    key += rank
    order = regroup(key)
    new = np.ones(n, dtype=bool)
    g, k = grp[order], key[order]
    np.not_equal(g[1:], g[:-1], out=new[1:])
    new[1:] |= k[1:] != k[:-1]
    del g, k, key, grp
    seg = np.flatnonzero(new)
    at = order[seg]  # one event of each visit group

    def total(flag: np.ndarray) -> np.ndarray:
        return np.add.reduceat(flag[order], seg, dtype=np.int64) if n else seg.astype(np.int64)

    loop_visits, followup_visits = total(loop), total(followup)
    rework_visits, slow_steps = total(rework), total(slow)
    return pa.table(
        {
            "customer_id": events["customer_id"].take(pa.array(at)),
            "stage_rank": pa.array(rank[at].astype(np.int64, copy=False)),
            "touchpoint": touchpoint.take(pa.array(at)),
            "visits": pa.array(np.diff(np.append(seg, n))),
            "loop_visits": pa.array(loop_visits),
            "looped": pa.array((loop_visits > 0).astype(np.int64)),
            "rework_visits": pa.array(rework_visits),
            "reworked": pa.array((rework_visits > 0).astype(np.int64)),
            "followup_visits": pa.array(followup_visits),
            "followed_up": pa.array((followup_visits > 0).astype(np.int64)),
            "slow_steps": pa.array(slow_steps),
            "slowed": pa.array((slow_steps > 0).astype(np.int64)),
            "is_end": pa.array((total(end) > 0).astype(np.int64)),
        }
    )


def _slow_steps(
    events: pa.Table,
    t: np.ndarray,
    rank: np.ndarray,
    run_start: np.ndarray,
    step_norms: pa.Table | None,
) -> np.ndarray:
    """Per event: it starts a step that waits longer than its stage norm (``p75_s`` of its
    ``stage_rank`` and ``leaves``, see ``step_norms.sql``; no norm: not slow)."""
    slow = np.zeros(len(t), dtype=bool)
    if step_norms is None or step_norms.num_rows == 0 or not len(t):
        return slow
    norms = step_norms.to_pandas()
    lut = np.full((int(max(rank.max(), norms["stage_rank"].max())) + 1, 2), np.inf)
    lut[norms["stage_rank"].astype(int), norms["leaves"].astype(int)] = norms["p75_s"].fillna(
        np.inf
    )
    next_rank = _numbers(events["next_run_rank"])
    leaves = (next_rank != rank).astype(np.int8)  # no next step: to_next is NaN, never slow
    with np.errstate(invalid="ignore"):
        np.greater(_numbers(events["next_run_t"]) - t, lut[rank, leaves], out=slow)
    slow &= run_start
    return slow


def path_variants(events: pa.Table, max_steps: int | None = None) -> pa.Table:
    """Journey variants: each customer's sequence of steps, and how many customers share it.

    ``variants.sql`` defines it in SQL: the touchpoints of a customer's runs (consecutive
    repeats collapsed) in order, cut after ``max_steps`` steps and joined with ``" > "``;
    ``variant``, ``steps`` and ``customers``, in no particular order. Here each customer's
    sequence is the bytes of its touchpoint codes, counted by Arrow's hash table, and only
    the distinct sequences are spelled out.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.journey.sequence import ordered_events
    >>> ev = pd.DataFrame({"customer_id": ["a", "a", "a", "b"], "stage": ["awareness"] * 4,
    ...                    "touchpoint": ["ad", "ad", "web", "ad"],
    ...                    "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02",
    ...                                                 "2025-01-03", "2025-01-01"])})
    >>> v = path_variants(ordered_events(ev, ["awareness"])).to_pandas()
    >>> sorted(v.itertuples(index=False, name=None))
    [('ad', 1, 1), ('ad > web', 2, 1)]
    """
    touchpoint = events["touchpoint"].combine_chunks()
    selected = _numbers(events["run_start"]).astype(bool)
    if max_steps is not None:
        selected &= _numbers(events["run_no"]) <= max_steps
    rows = np.flatnonzero(selected)
    codes = _dictionary_codes(touchpoint)[rows].astype(np.int32)
    customer = (np.cumsum(_numbers(events["step"]) == 1) - 1)[rows]
    counts = np.bincount(customer)
    counts = counts[counts > 0]  # customers with a selected step, in order
    if not len(counts):
        return pa.table(
            {"variant": pa.array([], pa.string()), "steps": pa.array([], pa.int64()),
             "customers": pa.array([], pa.int64())}
        )  # fmt: skip
    width = codes.itemsize
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts * width, out=offsets[1:])
    paths = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(counts), [None, pa.py_buffer(offsets), pa.py_buffer(codes)]
    )
    found = pc.value_counts(paths)
    distinct = found.field("values")
    at = distinct.offset  # byte offsets into the (unsliced) data buffer:
    ends = np.frombuffer(distinct.buffers()[1], dtype=np.int64)[at : at + len(distinct) + 1]
    data = np.frombuffer(distinct.buffers()[2], dtype=np.int32)
    step_codes = data[ends[0] // width : ends[-1] // width]
    lengths = np.diff(ends) // width
    named = step_codes != NONE  # string_agg skips a missing touchpoint
    kept = np.add.reduceat(named.astype(np.int64), (ends[:-1] - ends[0]) // width)
    names = touchpoint.dictionary.take(pa.array(step_codes[named]))
    lists = pa.LargeListArray.from_arrays(pa.array(np.append(0, np.cumsum(kept))), names)
    return pa.table(
        {
            "variant": pc.binary_join(lists, " > ").cast(pa.string()),
            "steps": pa.array(lengths),
            "customers": found.field("counts").cast(pa.int64()),
        }
    )


# --- helpers ------------------------------------------------------------------------------


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric column as numpy, NULL as NaN (integers without NULLs stay integers)."""
    return column.to_numpy()


def _dictionary_codes(values: pa.DictionaryArray) -> np.ndarray:
    """The codes of a dictionary-encoded column (as stored), ``NONE`` for NULL."""
    codes = values.indices
    return (codes.fill_null(NONE) if codes.null_count else codes).to_numpy()
