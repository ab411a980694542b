"""From the typed SQL columns to the pandas frame :func:`cxlib.load` returns.

:func:`assemble` gathers every row of a table as Arrow: pass-through columns as read,
the others typed by DuckDB. :func:`to_pandas` hands them to pandas with the contract's
dtypes (``string[pyarrow]`` ids and text, ``category`` labels, ``Int64``, ``boolean``,
``datetime64[us]``). On a 10-million-row table fresh memory, not arithmetic, is what a
conversion costs, so each step here writes a buffer once: categories straight from
Arrow dictionaries into 8-bit codes (:func:`categorical`), timestamps scaled into one
chunk (:func:`microseconds`), unused categories dropped by an Arrow ``take``
(:func:`recoded`).

Examples
--------
>>> import pyarrow as pa
>>> import pyarrow.compute as pc
>>> list(categorical(pa.chunked_array([pc.dictionary_encode(pa.array(["b", "a", "b"]))])))
['b', 'a', 'b']
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.io.config import DatasetConfig
from cxlib.io.raw import RawTable, numbered
from cxlib.io.typed import ColumnSQL

TO_MICROSECONDS = {"s": 1_000_000, "ms": 1_000, "us": 1}
"""Factor from each Arrow timestamp unit to microseconds (nanoseconds take the cast)."""

_INT64_BYTES = np.dtype(np.int64).itemsize

_PANDAS_TYPES = {
    pa.large_string(): pd.StringDtype("pyarrow"),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}
"""Arrow type -> the pandas dtype of the contract (ids and text, ints, booleans)."""


def assemble(con: duckdb.DuckDBPyConnection, raw: RawTable, columns: list[ColumnSQL]) -> pa.Table:
    """Every row as Arrow: raw columns passed through, the rest typed in SQL.

    The typed columns come from a plain projection of the raw table, which DuckDB
    returns in insertion order; the row numbers are checked all the same, because a
    typed column attached to the wrong rows would corrupt the data silently.
    """
    direct = {c.name for c in columns if c.source}
    typed = [c for c in columns if c.name not in direct]
    out = None
    if typed:
        select = ", ".join([f"{raw.row} AS _row"] + [f'{c.typed} AS "{c.name}"' for c in typed])
        out = con.sql(f"SELECT {select} FROM {numbered(con, raw)}").to_arrow_table()
        got = out.column("_row").to_numpy()
        if not np.array_equal(got, np.arange(1, len(got) + 1)):
            out = out.take(pa.array(np.argsort(got, kind="stable")))
    arrays = [raw.arrow[c.source] if c.name in direct else out[c.name] for c in columns]
    return pa.table(arrays, names=[c.name for c in columns]) if arrays else pa.table({})


def to_pandas(arrow: pa.Table, columns: list[ColumnSQL], config: DatasetConfig) -> pd.DataFrame:
    """Arrow -> pandas with contract dtypes: strings, categories, Int64, boolean.

    Conversions happen in Arrow memory and leave pandas buffers it can take as they
    are (one-chunk timestamps, large strings), and categories get their codes written
    once (:func:`categorical`): on a 10-million-row table fresh memory, not
    arithmetic, is what a conversion costs.
    """
    kinds = {c.name: c.kind for c in columns}
    labels: dict[int, tuple[str, pd.Categorical]] = {}
    for i, name in reversed(list(enumerate(arrow.column_names))):
        col, kind = arrow.column(i), kinds.get(name)
        if kind == "category":  # the stage too, in the configured stage order
            if not pa.types.is_dictionary(col.type):
                col = pc.dictionary_encode(col)
            order = list(config.stage_order) if name == "stage" else None
            labels[i] = (name, categorical(col, order))
            arrow = arrow.remove_column(i)
            continue
        if kind in ("date", "datetime"):
            col = microseconds(col)  # one unit everywhere, one chunk pandas takes as it is
        elif pa.types.is_string(col.type):
            col = col.cast(pa.large_string())  # pandas 2 stores large strings
        arrow = arrow.set_column(i, name, col)
    # no self_destruct: the raw columns stay referenced anyway, and pyarrow 26 crashed with
    # it on a cast timestamp beside a dictionary column
    frame = arrow.to_pandas(types_mapper=_PANDAS_TYPES.get, split_blocks=True)
    if not arrow.num_columns:
        frame = pd.DataFrame(index=pd.RangeIndex(arrow.num_rows))
    for i, (name, values) in sorted(labels.items()):
        frame.insert(i, name, values if name == "stage" else recoded(values))
    return frame


def categorical(col: pa.ChunkedArray, order: list | None = None) -> pd.Categorical:
    """A dictionary-encoded Arrow column as a pandas Categorical, its codes written once.

    pyarrow's own conversion first rewrites every chunk's 32-bit indices onto one
    unified dictionary (4 bytes a row of fresh memory), then narrows them; here each
    chunk's indices go straight into the final (8-bit, where they fit) codes through
    a lookup table of its few dictionary values. ``order`` fixes the categories
    (values outside it become missing); by default they are the dictionary values
    in order of first appearance.
    """
    chunks = [c for c in col.chunks if len(c)]
    if order is None:
        seen = (v for c in chunks for v in c.dictionary.to_pylist())
        order = list(dict.fromkeys(v for v in seen if v is not None))
        dtype = pd.CategoricalDtype(order)
    else:
        dtype = pd.CategoricalDtype(order, ordered=True)
    codes = np.empty(len(col), dtype=pd.Categorical([], dtype=dtype).codes.dtype)
    wanted = pd.Index(order)
    start = 0
    for c in chunks:
        lookup = wanted.get_indexer(c.dictionary.to_pylist()).astype(codes.dtype)
        idx = c.indices
        out = codes[start : start + len(c)]
        if len(lookup) and idx.null_count < len(idx):
            raw = np.frombuffer(idx.buffers()[1], dtype=idx.type.to_pandas_dtype())
            np.take(lookup, raw[idx.offset : idx.offset + len(c)], out=out, mode="clip")
            if c.null_count:  # indices under a null are arbitrary
                out[c.is_null().to_numpy(zero_copy_only=False)] = -1
        else:  # every value missing
            out[:] = -1
        start += len(c)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def microseconds(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A naive timestamp column in microseconds, as one chunk.

    Null-free second/milli/microsecond columns are scaled straight into one new
    buffer: one pass over fresh memory, where a cast then a concatenation takes
    two. Others (nulls, nanoseconds, time zones, values out of range) take
    pyarrow's cast, which also raises on values that do not fit.
    """
    factor = TO_MICROSECONDS.get(getattr(col.type, "unit", ""))
    fast = factor is not None and not col.null_count and getattr(col.type, "tz", None) is None
    values = []
    if fast:
        limit = np.iinfo(np.int64).max // factor
        for c in col.chunks:
            if len(c):
                v = np.frombuffer(c.buffers()[1], np.int64)[c.offset : c.offset + len(c)]
                fast = fast and -limit <= v.min() and v.max() <= limit
                values.append(v)
    if not fast:
        col = col.cast(pa.timestamp("us"))
        return pa.chunked_array([col.combine_chunks()]) if col.num_chunks > 1 else col
    if factor == 1 and col.num_chunks == 1:
        return col
    out = pa.allocate_buffer(_INT64_BYTES * len(col))
    scaled = np.frombuffer(out, np.int64)
    start = 0
    for v in values:
        np.multiply(v, factor, out=scaled[start : start + len(v)])
        start += len(v)
    return pa.chunked_array([pa.Array.from_buffers(pa.timestamp("us"), len(col), [None, out])])


def recoded(cat: pd.Categorical) -> pd.Categorical:
    """``cat`` without the categories no value uses (e.g. seen only in excluded rows).

    The codes are remapped by an Arrow ``take``, which keeps them 8-bit; numpy and
    pandas would widen 10 million codes to 64 bits first.
    """
    codes = pa.array(cat.codes)
    in_use = pc.unique(codes).to_numpy()
    in_use = np.sort(in_use[in_use >= 0])
    if len(in_use) == len(cat.categories):
        return cat
    dtype = pd.CategoricalDtype(cat.categories[in_use], ordered=cat.ordered)
    moved = np.full(len(cat.categories) + 1, -1, dtype=cat.codes.dtype)  # slot 0: missing
    moved[in_use + 1] = np.arange(len(in_use))
    codes = pc.take(pa.array(moved), pc.add(codes, pa.scalar(1, codes.type)))
    return pd.Categorical.from_codes(codes.to_numpy(), dtype=dtype, validate=False)
