"""Structural problems of one table: what stops a data set from loading at all.

A required column missing from every row, or an id that repeats, is not a row to
exclude but a problem of the whole table: validation gathers them (with those of the
other tables) and :func:`cxlib.load` raises them together as one
:class:`~cxlib.io.raw.DataContractError`. Each problem is one sentence naming the file,
the column, the count and the fix.
"""

from __future__ import annotations

import difflib

import duckdb
import numpy as np
import pyarrow as pa

from cxlib.contract import Column, Table
from cxlib.io.config import EXAMPLE_ROWS, TableMapping
from cxlib.io.raw import RawTable
from cxlib.wording import count

MAX_DUPLICATES = 1_000_000
"""Distinct repeated ids counted at most (the sentence names a few of them)."""

COLUMNS_SHOWN = 12
"""Source columns named in the message about a missing column."""

SIMILAR_COLUMNS = 3
"""Source columns with a similar name suggested for a missing column ..."""
SIMILARITY = 0.5
"""... when at least this similar (:func:`difflib.get_close_matches`)."""


def duplicate_keys(
    con: duckdb.DuckDBPyConnection, raw: RawTable, table: Table, key_sql: str
) -> list[str]:
    """The problem sentence for ids repeated in the table's key column (none: ``[]``).

    ``key_sql`` is the SQL of the typed key (see :mod:`cxlib.io.typed`).
    """
    ids = f"(SELECT {key_sql} AS k FROM {raw.relation}) AS ids WHERE k IS NOT NULL"
    # equal ids have equal 64-bit hashes: sorting the hashes in numpy finds every
    # candidate at a quarter of the cost of grouping the strings; only candidates
    # (true duplicates or, rarely, hash collisions) are then grouped exactly
    hashes = con.sql(f"SELECT hash(k) AS h FROM {ids}").to_arrow_table().column("h")
    hashes = np.sort(hashes.to_numpy())
    repeated = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    if not len(repeated):
        return []
    con.register("_repeated_hashes", pa.table({"h": repeated}))
    dup = con.execute(
        f"SELECT k, count(*) AS n FROM {ids} AND hash(k) IN (SELECT h FROM _repeated_hashes) "
        f"GROUP BY k HAVING count(*) > 1 ORDER BY n DESC, k LIMIT {MAX_DUPLICATES}"
    ).fetchall()
    con.unregister("_repeated_hashes")
    if not dup:
        return []
    shown = ", ".join(repr(k) for k, _ in dup[:EXAMPLE_ROWS])
    rows = sum(n for _, n in dup)
    return [
        f"{raw.origin}, column {table.key!r}: {count(len(dup))} duplicate id(s) in {count(rows)} rows "
        f"(e.g. {shown}). Fix: {table.key} must be unique -- remove the repeated rows or map "
        "another column as the id in the config."
    ]


def missing_column_message(
    raw: RawTable, table: Table, col: Column, src: str, mapping: TableMapping
) -> str:
    """The sentence for a missing required (or explicitly mapped) column."""
    close = difflib.get_close_matches(src, list(raw.columns), n=SIMILAR_COLUMNS, cutoff=SIMILARITY)
    hint = f" Similar columns: {close}." if close else ""
    what = "required column" if col.required else "column mapped in the config"
    named = f" (mapped from {src!r})" if src != col.name else ""
    return (
        f"{raw.origin}, column {col.name!r}{named}: {what} is missing from all "
        f"{count(raw.num_rows)} {table.name} rows; the file has {list(raw.columns)[:COLUMNS_SHOWN]}."
        f"{hint} Fix: add the column or map it in the config under "
        f"tables.{table.name}.columns.{col.name}."
    )
