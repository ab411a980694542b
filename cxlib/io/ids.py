"""Look up customer ids in another table's id column, vectorised.

Joining a 4-million-row table to a million customers by id is the most common step of
the reports. pandas' ``Index.get_indexer`` first turns Arrow-backed strings into Python
objects, which costs seconds at that size; Arrow's hash lookup does it on the strings as
they are, about four times faster.

Examples
--------
>>> import pandas as pd
>>> positions(pd.Series(["b", "x", None, "a"]), pd.Series(["a", "b"])).tolist()
[1, -1, -1, 0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _strings(values: Any) -> pa.Array | pa.ChunkedArray:
    """The values as an Arrow string array (ids of any dtype become text)."""
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values)
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    return arr if arr.type == pa.string() else arr.cast(pa.string())


def _same(a: pa.Array | pa.ChunkedArray, b: pa.Array | pa.ChunkedArray) -> bool:
    """True when two string arrays hold the same values in the same order."""
    return bool(pc.all(pc.equal(a, b)).as_py())


def positions(values: Any, lookup: Any) -> np.ndarray:
    """Position in ``lookup`` of each of ``values`` (-1 where absent or missing).

    Parameters
    ----------
    values : ids to look up (Series, array, list); missing values give -1.
    lookup : the ids to find them in, e.g. ``customers["customer_id"]``; meant to be
        unique (for a repeated id, one of its positions is returned).

    Returns
    -------
    numpy int64 array, one position per value.
    """
    keys, wanted = _strings(lookup), _strings(values)
    if (
        len(keys) == len(wanted)
        and keys.null_count == wanted.null_count == 0
        and _same(keys, wanted)
    ):
        return np.arange(len(keys), dtype=np.int64)  # the same ids in the same order
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    found = pc.fill_null(pc.index_in(wanted, value_set=keys, skip_nulls=True), -1)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)
