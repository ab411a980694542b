"""Whitespace other than the plain space around values: tabs, no-break spaces and the like.

Exports carry them (a tab after an id, U+00A0 from a spreadsheet, an ideographic space),
and an id with one is another id: 87 survey rows became orphans that way. The SQL that
types each column trims plain spaces (DuckDB's ``trim``, cheap); trimming every Unicode
blank in SQL costs twenty times as much, so the rare column that has one is trimmed here,
in Arrow, before the SQL reads it (:func:`strip_blanks`). Finding those columns costs two
byte reductions per text column on clean ASCII data (:func:`has_unicode_blanks`). Free
text (comments, posts) is kept as written.

Examples
--------
>>> import pyarrow as pa
>>> has_unicode_blanks(pa.array(["C1", "C2\\t"])), has_unicode_blanks(pa.array(["C1 ", "é"]))
(True, False)
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.contract import TABLES
from cxlib.io.config import TableMapping
from cxlib.io.raw import RawTable

BLANKS = "".join(chr(i) for i in range(0x10000) if chr(i).isspace()) + "\u200b\ufeff"
"""Characters stripped from both ends of ids, labels, dates and numbers: every Unicode
whitespace character (space, tab, line breaks, U+00A0, U+3000 ...), the zero-width space
and the byte-order mark."""

_ENCODED = [c.encode("utf-8") for c in BLANKS if c != " "]
_FIRST = np.zeros(256, dtype=bool)
_FIRST[[b[0] for b in _ENCODED]] = True
_LAST = np.zeros(256, dtype=bool)
_LAST[[b[-1] for b in _ENCODED]] = True
"""UTF-8 bytes that can start (``_FIRST``) or end (``_LAST``) a blank other than the space."""

_HIGHEST_CONTROL = max(b[0] for b in _ENCODED if len(b) == 1)
"""Every one-byte blank but the space is a control character at or below this byte."""


def has_unicode_blanks(chunk: pa.Array) -> bool:
    """Whether a string chunk has a value starting or ending with a blank other than a space.

    Plain ASCII text without control characters is settled by two reductions over its
    bytes; otherwise the first and last byte of every value are looked up, and only the
    values they point at are checked exactly.
    """
    if not len(chunk) or chunk.null_count == len(chunk):
        return False
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(chunk.buffers()[1], dtype=width)[chunk.offset :][: len(chunk) + 1]
    data = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    if not len(data) or (data.min() > _HIGHEST_CONTROL and data.max() < 0x80):
        return False
    starts, stops = offsets[:-1] - offsets[0], offsets[1:] - offsets[0]
    filled = stops > starts  # an empty value (or a null's empty slot) has no ends
    first = np.zeros(len(chunk), dtype=bool)
    first[filled] = _FIRST[data[starts[filled]]] | _LAST[data[stops[filled] - 1]]
    if not first.any():
        return False
    candidates = chunk.filter(pa.array(first))
    return bool(pc.any(pc.not_equal(candidates, pc.utf8_trim(candidates, BLANKS))).as_py())


def strip_blanks(con: duckdb.DuckDBPyConnection, raw: RawTable, mapping: TableMapping) -> None:
    """Trim every Unicode blank from the ends of ``raw``'s text columns that need it.

    Free-text columns of the contract (``kind == "text"``) are left as written. A column
    changed here replaces the raw one, and the relation is registered again.
    """
    if raw.arrow is None:
        return
    table = TABLES[raw.name]
    free_text = {mapping.source_column(c.name) for c in table.columns if c.kind == "text"}
    arrow = raw.arrow
    for i, name in enumerate(arrow.column_names):
        col = arrow.column(i)
        if name not in free_text and _needs_stripping(col):
            if pa.types.is_dictionary(col.type):  # a label column read from Parquet
                col = pc.dictionary_encode(pc.utf8_trim(col.cast(col.type.value_type), BLANKS))
            else:
                col = pc.utf8_trim(col, BLANKS)
            arrow = arrow.set_column(i, name, col)
    if arrow is not raw.arrow:
        raw.arrow = arrow
        con.register(raw.relation, arrow)


def _needs_stripping(col: pa.ChunkedArray) -> bool:
    """Whether a text column (plain or dictionary-encoded) has a value to strip here."""
    if pa.types.is_dictionary(col.type):
        if not _is_text(col.type.value_type):
            return False
        return any(has_unicode_blanks(chunk.dictionary) for chunk in col.chunks)
    return _is_text(col.type) and any(has_unicode_blanks(chunk) for chunk in col.chunks)


def _is_text(dtype: pa.DataType) -> bool:
    """True for an Arrow string type."""
    return pa.types.is_string(dtype) or pa.types.is_large_string(dtype)
