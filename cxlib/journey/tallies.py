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


def touchpoint_visits(events: pa.Table, loop_window_s: float, followup_s: float) -> pa.Table:
    """The ``journey_visits`` table: a customer's visits to a touchpoint in a stage, counted.

    One row per customer, stage and touchpoint visited (``visits.sql`` defines it in SQL):
    ``visits``, ``loop_visits`` (the previous visit to the touchpoint at most
    ``loop_window_s`` seconds earlier) and ``looped``, ``followup_visits`` (a ticket at most
    ``followup_s`` seconds later) and ``followed_up``, and ``is_end`` (the journey's last
    event is one of them).

    Parameters
    ----------
    events : pyarrow.Table
        ``journey_events`` as :func:`~cxlib.journey.sequence.ordered_events` returns it (in
        customer order).
    loop_window_s, followup_s : float
        The loop and follow-up windows in seconds.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxlib.journey.sequence import ordered_events
    >>> ev = pd.DataFrame({"customer_id": ["a", "a"], "stage": ["awareness"] * 2,
    ...                    "touchpoint": ["ad", "ad"],
    ...                    "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 10:30"])})
    >>> v = touchpoint_visits(ordered_events(ev, ["awareness"]), 3600, 86400).to_pandas()
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
    with np.errstate(invalid="ignore"):
        loop = t - _numbers(events["prev_same_t"])
        loop = loop <= loop_window_s
        followup = _numbers(events["next_ticket_t"]) - t
        followup = followup <= followup_s
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
    return pa.table(
        {
            "customer_id": events["customer_id"].take(pa.array(at)),
            "stage_rank": pa.array(rank[at].astype(np.int64, copy=False)),
            "touchpoint": touchpoint.take(pa.array(at)),
            "visits": pa.array(np.diff(np.append(seg, n))),
            "loop_visits": pa.array(loop_visits),
            "looped": pa.array((loop_visits > 0).astype(np.int64)),
            "followup_visits": pa.array(followup_visits),
            "followed_up": pa.array((followup_visits > 0).astype(np.int64)),
            "is_end": pa.array((total(end) > 0).astype(np.int64)),
        }
    )


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
