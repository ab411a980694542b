"""Structural problems of one table: what stops a data set from loading at all.

A required column missing from every row, or an id that repeats with different content,
is not a row to exclude but a problem of the whole table (a row repeated exactly, in every
column, is only a row problem, ``duplicate_row``): validation gathers them (with those of the
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
from cxlib.io.raw import RawTable, numbered
from cxlib.io.sqltext import quoted
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
    con: duckdb.DuckDBPyConnection, raw: RawTable, table: Table, key_sql: str, key_source: str
) -> tuple[list[str], str | None]:
    """Repeated ids in the table's key column: the extra copies of exact duplicate rows,
    and the problem sentence for ids that repeat with different content.

    ``key_sql`` is the SQL of the typed key (see :mod:`cxlib.io.typed`), ``key_source``
    the source column it is read from. Returns ``(problems, duplicates)``: ``duplicates``
    names a temp table of the source rows (``dup_row``) that repeat an earlier row in
    every column -- a row problem, ``duplicate_row`` -- or is None (the usual case).
    Only rows whose id repeats are compared in full, so a table with unique ids pays for
    one hash per row and nothing more.
    """
    ids = f"(SELECT {key_sql} AS k FROM {raw.relation}) AS ids WHERE k IS NOT NULL"
    # equal ids have equal 64-bit hashes: sorting the hashes in numpy finds every
    # candidate at a quarter of the cost of grouping the strings; only candidates
    # (true duplicates or, rarely, hash collisions) are then grouped exactly
    hashes = con.sql(f"SELECT hash(k) AS h FROM {ids}").to_arrow_table().column("h")
    hashes = np.sort(hashes.to_numpy())
    repeated = np.unique(hashes[1:][hashes[1:] == hashes[:-1]])
    if not len(repeated):
        return [], None
    con.register("_repeated_hashes", pa.table({"h": repeated}))
    name = f"_duplicate_rows_{raw.name}"
    others = "".join(f", {quoted(c)}" for c in raw.columns if c != key_source)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _repeated_{raw.name} AS SELECT _row, k, row_number() "
        f"OVER (PARTITION BY k{others} ORDER BY _row) AS copy FROM (SELECT {raw.row} AS _row, "
        f"{key_sql} AS k{others} FROM {numbered(con, raw)}) WHERE k IS NOT NULL "
        "AND hash(k) IN (SELECT h FROM _repeated_hashes)"
    )
    con.unregister("_repeated_hashes")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT _row AS dup_row "
        f"FROM _repeated_{raw.name} WHERE copy > 1"
    )
    dup = con.execute(
        f"SELECT k, count(*) AS n FROM _repeated_{raw.name} WHERE copy = 1 "
        f"GROUP BY k HAVING count(*) > 1 ORDER BY n DESC, k LIMIT {MAX_DUPLICATES}"
    ).fetchall()
    con.execute(f"DROP TABLE _repeated_{raw.name}")
    if not con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]:
        con.execute(f"DROP TABLE {name}")
        name = None
    return duplicate_message(raw, table, dup), name


def duplicate_message(raw: RawTable, table: Table, dup: list[tuple[str, int]]) -> list[str]:
    """The problem sentence for ids repeated with different content (none: ``[]``)."""
    if not dup:
        return []
    shown = ", ".join(repr(k) for k, _ in dup[:EXAMPLE_ROWS])
    rows = sum(n for _, n in dup)
    return [
        f"{raw.origin}, column {table.key!r}: {count(len(dup))} duplicate id(s) in "
        f"{count(rows)} rows with different content (e.g. {shown}). Fix: {table.key} must be "
        "unique -- remove the repeated rows or map another column as the id in the config. "
        "(Rows repeated exactly, in every column, are only excluded as duplicate_row.)"
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
