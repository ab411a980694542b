"""Which source columns can be read as they are: no per-row typing, no copy.

Most columns of a clean export are already what the contract asks for (ids without
stray blanks, labels in lower case, UTC timestamps). :mod:`cxlib.io.typed` marks such a
column as a pass-through candidate; here it is confirmed from what is cheap to read --
Arrow metadata (:func:`settle_from_arrow`: a dictionary's few values, a null count) and
Arrow buffers (:func:`blank_ends`) -- or from one aggregate scan (:func:`pretrim`). A
confirmed column is handed to pandas as it is; one with something to clean is typed in
SQL. On a 10-million-row events table this skips most of the work.

Examples
--------
>>> import pyarrow as pa
>>> blank_ends(pa.array(["a", " b"]), ends=True), blank_ends(pa.array(["a", " b"]), ends=False)
(True, False)
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.io.config import DatasetConfig
from cxlib.io.raw import RawTable
from cxlib.io.sqltext import quoted
from cxlib.io.typed import ColumnSQL

_BLANK = ord(" ")


def settle_from_arrow(c: ColumnSQL, raw: RawTable, config: DatasetConfig) -> ColumnSQL:
    """Decide a pass-through column's checks from Arrow metadata where that is enough.

    A dictionary-encoded label column (Parquet) is checked on its few distinct
    values instead of every row, and a column without nulls needs no per-row
    emptiness test: on a 10-million-row events table this skips most of the scan.
    """
    if not c.source or raw.arrow is None:
        return c
    arr = raw.arrow[c.source]
    changes: dict[str, str] = {}
    if (
        arr.null_count == 0
        and not pa.types.is_string(arr.type)
        and not pa.types.is_dictionary(arr.type)
    ):
        changes["empty"] = "FALSE"
    if pa.types.is_floating(arr.type) and c.bad != "FALSE" and _all_finite(arr):
        changes["bad"] = "FALSE"  # no NaN or infinity: nothing for the SQL to flag
    if pa.types.is_dictionary(arr.type) and pa.types.is_string(arr.type.value_type):
        values = set().union(*(chunk.dictionary.to_pylist() for chunk in arr.chunks))
        lower = c.name != "survey" or all(v == v.lower() for v in values)
        if lower and all(v == v.strip(" ") and v != "" for v in values):
            c = as_clean(c, raw)
            if c.bad_reason == "unknown_stage" and values <= set(config.stage_order):
                changes["bad"] = "FALSE"
    return replace(c, **changes) if changes else c


def _all_finite(arr: pa.ChunkedArray) -> bool:
    """True when no value of a float column is NaN or infinite (nulls are no values)."""
    return bool(pc.all(pc.is_finite(arr)).as_py() is not False)


def pretrim(
    con: duckdb.DuckDBPyConnection, raw: RawTable, columns: list[ColumnSQL]
) -> list[ColumnSQL]:
    """Find which pass-through text columns need cleaning (blanks, empty strings).

    Arrow text is probed in its buffers, other columns in one aggregate scan; a
    column with nothing to clean is then read as it is (no per-row trim), one with
    something to clean is typed in SQL instead.
    """
    todo = [c for c in columns if c.source and c.changed != "FALSE"]
    counts = {c.name: arrow_needs_cleaning(raw, c) for c in todo}
    in_sql = [c for c in todo if counts[c.name] is None]  # not plain Arrow strings
    if in_sql:
        probes = ", ".join(f"count(*) FILTER (WHERE {c.changed})" for c in in_sql)
        found = con.execute(f"SELECT {probes} FROM {raw.relation}").fetchall()[0]
        counts.update(zip([c.name for c in in_sql], found, strict=True))
    if not counts:
        return columns
    out = []
    for c in columns:
        if c.name not in counts:
            out.append(c)
        elif counts[c.name]:
            out.append(replace(c, source=None, changed="FALSE"))
        else:
            out.append(as_clean(c, raw))
    return out


def as_clean(c: ColumnSQL, raw: RawTable) -> ColumnSQL:
    """A pass-through text column found clean: read as it is, empty only where NULL."""
    name = quoted(c.source)
    typed = c.typed if c.name == "stage" else f"CAST({name} AS VARCHAR)"
    nulls = raw.arrow is None or raw.arrow[c.source].null_count > 0
    empty = f"({name} IS NULL)" if c.empty != "FALSE" and nulls else "FALSE"
    return replace(c, typed=typed, empty=empty, changed="FALSE")


def arrow_needs_cleaning(raw: RawTable, c: ColumnSQL) -> bool | None:
    """Whether a plain string column holds a value its SQL ``changed`` test flags.

    The same test as the SQL (empty; for ids and labels also a leading or trailing
    blank; for the survey type also upper case), read off the Arrow buffers
    (:func:`blank_ends`) instead of a scan. None when the column is not plain Arrow text.
    """
    arr = raw.arrow[c.source] if raw.arrow is not None else None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    if any(blank_ends(chunk, c.kind != "text") for chunk in arr.chunks):
        return True
    if c.name == "survey":  # the survey type is lower-cased
        return bool(pc.any(pc.not_equal(arr, pc.utf8_lower(arr))).as_py())
    return False


def blank_ends(chunk: pa.Array, ends: bool) -> bool:
    """Whether an Arrow string chunk has an empty value (or, with ``ends``, a value
    starting or ending with a blank), read straight off its offsets and bytes: no
    per-row result arrays, so no fresh memory on a 10-million-row column. Nulls are
    not values."""
    valid = None if not chunk.null_count else chunk.is_valid().to_numpy(zero_copy_only=False)
    if not len(chunk) or (valid is not None and not valid.any()):
        return False
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset :][: len(chunk) + 1]
    starts, stops = offsets[:-1], offsets[1:]
    if valid is not None:  # a null's slot may be empty or hold anything
        starts, stops = starts[valid], stops[valid]
    if (starts == stops).any():
        return True
    if not ends:
        return False
    data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)
    if not (data[offsets[0] : offsets[-1]] == _BLANK).any():  # ids rarely hold a blank at all
        return False
    return bool((data[starts] == _BLANK).any() or (data[stops - 1] == _BLANK).any())
