"""Type and check one raw table against the contract, in DuckDB, in one pass.

For each table, validation (1) plans the output columns and the SQL that maps the
user's columns and values onto the canonical ones and types them (ids stay strings,
dates and times become naive UTC timestamps: :mod:`cxlib.io.typed`), reading clean
columns as they are (:mod:`cxlib.io.passthrough`); (2) raises the structural problems
-- a missing required column, duplicate ids -- before anything else
(:mod:`cxlib.io.structure`); (3) converts every row to pandas
(:mod:`cxlib.io.convert`) while DuckDB looks for orphan customer ids; (4) names the
first row problem from :data:`cxlib.contract.REASONS` that applies to each row,
excludes those rows and counts them (:mod:`cxlib.io.rows`).

Running the checks as vectorised SQL is what lets a 10-million-row events table load
and validate in seconds. :func:`validate_table` is the entry point.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import duckdb
import pandas as pd

from cxlib.contract import TABLES
from cxlib.io import rows
from cxlib.io.blanks import strip_blanks
from cxlib.io.config import DatasetConfig
from cxlib.io.convert import assemble, to_pandas
from cxlib.io.passthrough import pretrim, settle_from_arrow
from cxlib.io.quality import TableQuality
from cxlib.io.raw import RawTable
from cxlib.io.structure import duplicate_keys
from cxlib.io.typed import ColumnSQL, plan_columns

CUSTOMER_IDS = "_customer_ids"
"""Temp table of every customer id in the customers source (excluded rows too)."""


def validate_table(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    config: DatasetConfig,
    customer_ids: str | None = None,
) -> tuple[pd.DataFrame, TableQuality, list[str]]:
    """Type and check one raw table.

    Parameters
    ----------
    con : the DuckDB connection the raw table is registered in.
    raw : the table as read (see :mod:`cxlib.io.readers`).
    config : the data-set config (mapping, time zone, scales, stage order).
    customer_ids : name of a relation with a ``customer_id`` column of every
        known customer, for the orphan check; None skips it.

    Returns
    -------
    (clean frame, quality, structural problems). When problems are returned the
    frame is empty and the caller raises them together with other tables'.
    """
    strip_blanks(con, raw, config.mapping(raw.name))  # tabs, no-break spaces, ... around values
    columns, problems, duplicates = _columns(con, raw, config)
    if problems:
        return pd.DataFrame(), TableQuality(raw.name, raw.origin, 0, 0), problems
    arrow = assemble(con, raw, columns)
    with ThreadPoolExecutor(max_workers=1) as worker:
        # the orphan anti join runs in DuckDB, which lets go of the GIL, while this
        # thread converts every row to pandas; the few excluded rows are dropped after
        job = None
        if TABLES[raw.name].customer_ref:
            job = worker.submit(rows.orphans, con, raw, columns, customer_ids)
        frame = to_pandas(arrow, columns, config)
        orphans = job.result() if job else None
    reason, needed = rows.reason_sql(raw.name, columns, config, orphans, duplicates)
    excluded, reasons = rows.NONE_EXCLUDED
    if reason:  # type only the columns the checks need
        typed = [c for c in columns if c.name in needed]
        excluded, reasons = rows.excluded_rows(con, rows.checked(con, raw, typed, reason))
    quality = rows.account(con, raw, excluded, reasons)
    if len(excluded):
        frame = rows.without_rows(frame, excluded, columns)
    if raw.name == "customers":  # later tables' orphan check compares against these ids
        _keep_customer_ids(con, raw, columns)
    quality.columns = [c.name for c in columns]
    quality.extra_columns = [c.name for c in columns if c.kind == "extra"]
    return frame, quality, []


def _columns(
    con: duckdb.DuckDBPyConnection, raw: RawTable, config: DatasetConfig
) -> tuple[list[ColumnSQL], list[str], str | None]:
    """The output columns, settled on what can pass through, or the structural problems;
    and the relation of exact duplicate rows (None: there are none)."""
    table = TABLES[raw.name]
    mapping = config.mapping(raw.name)
    columns, problems = plan_columns(con, raw, table, mapping, config)
    if problems:
        return columns, problems, None
    columns = [settle_from_arrow(c, raw, config) for c in columns]
    columns = pretrim(con, raw, columns)  # first: clean ids are then hashed as they are
    key = next((c for c in columns if c.name == table.key), None)
    duplicates = None
    if key is not None and not key.numbered:  # one made from the row number is unique
        source = mapping.source_column(table.key)
        found, duplicates = duplicate_keys(con, raw, table, key.typed, source)
        problems += found
    return columns, problems, duplicates


def _keep_customer_ids(
    con: duckdb.DuckDBPyConnection, raw: RawTable, columns: list[ColumnSQL]
) -> None:
    """Store every customer id of the source (excluded rows too) as :data:`CUSTOMER_IDS`."""
    key = next(c for c in columns if c.name == "customer_id")
    con.execute(
        # no DISTINCT: a repeated customer id is a structural error, raised before (or an
        # exact duplicate row, harmless in the orphan check's NOT EXISTS)
        f"CREATE OR REPLACE TEMP TABLE {CUSTOMER_IDS} AS SELECT k AS customer_id "
        f"FROM (SELECT {key.typed} AS k FROM {raw.relation}) WHERE k IS NOT NULL"
    )
