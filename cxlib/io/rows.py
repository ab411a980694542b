"""Row problems: which rows break a rule of the contract, and the accounting of them.

Each rule is a SQL condition on the typed columns (:func:`reason_sql`), tested in the
order of :data:`cxlib.contract.REASONS`; a row is excluded under the first reason that
applies and counted under it, with up to five raw examples (:func:`account`), so that
``rows_in == rows_kept + rows excluded`` for every table. A ``customer_id`` unknown to
the customers table is an orphan (:func:`orphans`). The excluded rows then leave the
frame (:func:`without_rows`).

Examples
--------
>>> reason_sql("orders", [], None, None)
(None, set())
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd

from cxlib.contract import COUNT_COLUMNS, MONEY_COLUMNS, REASONS, TABLES
from cxlib.io.config import EXAMPLE_ROWS, DatasetConfig
from cxlib.io.convert import recoded
from cxlib.io.quality import TableQuality
from cxlib.io.raw import RawTable, numbered
from cxlib.io.sqltext import lit, quoted, sql_tuple
from cxlib.io.typed import ColumnSQL

AGE_RANGE = (1, 119)
"""A customer's age in years, inclusive; outside it a row is ``age_out_of_range``."""

ORDER_RULES = {
    "churn_before_signup": ("churn_date", "signup_date"),
    "response_before_open": ("first_response_at", "opened_at"),
    "resolved_before_open": ("resolved_at", "opened_at"),
}
"""Reason -> (later column, earlier column): a row where the later one comes first."""

MAX_SLICES = 256
"""Up to this many excluded rows the kept rows are slices; above, one boolean mask."""

COLUMN_MARK = "|"
"""Separates the reason from the column in a row's tagged reason (``unparseable_date|opened_at``)."""

NONE_EXCLUDED = (np.empty(0, dtype=np.int64), np.empty(0, dtype=object))
"""(rows, reasons) of a table where no row can have a problem."""


def reason_sql(
    table: str,
    columns: list[ColumnSQL],
    config: DatasetConfig,
    orphans: str | None,
    duplicates: str | None = None,
) -> tuple[str | None, set[str]]:
    """The CASE expression naming each row's first problem (NULL for a good row).

    The value is the reason, or for a problem of one column (an empty required value,
    an unparseable one) ``reason|column`` (see :func:`split_reasons`). ``orphans`` names
    a relation of the customer_ids that are unknown (see :func:`orphans`), ``duplicates``
    one of the source rows (``dup_row``) that repeat an earlier row exactly (see
    :func:`cxlib.io.structure.duplicate_keys`). Also returns the names of the columns the
    expression needs typed. None instead of an expression: no row can have a problem.
    """
    present = {c.name: c for c in columns}
    conds: dict[str, list[str]] = {r: [] for r in REASONS}
    by_column: dict[str, list[tuple[str, str]]] = {r: [] for r in REASONS}
    required = [c for c in TABLES[table].required if c in present]
    by_column["missing_value"] = [
        (f'"_empty_{c}"', c) for c in required if present[c].empty != "FALSE"
    ]
    for c in columns:
        if c.problem and c.bad != "FALSE":
            by_column[c.problem].append((f'"_bad_{c.name}"', c.name))
    _value_rules(conds, table, set(present), config)
    if duplicates:
        conds["duplicate_row"].append(f"_row IN (SELECT dup_row FROM {duplicates})")
    if orphans:
        conds["orphan_customer_id"].append(f"customer_id IN (SELECT orphan_id FROM {orphans})")
    whens = []
    for r in REASONS:
        whens += [
            f"WHEN COALESCE({c}, FALSE) THEN {lit(f'{r}{COLUMN_MARK}{name}')}"
            for c, name in by_column[r]
        ]
        if conds[r]:
            whens.append(
                f"WHEN {' OR '.join(f'COALESCE({c}, FALSE)' for c in conds[r])} THEN {lit(r)}"
            )
    text = " ".join(whens)
    needed = {
        c.name
        for c in columns
        if re.search(rf'(?<![\w])"?(?:_empty_|_bad_)?{re.escape(c.name)}(?![\w])', text)
    }
    return (f"(CASE {text} END)" if whens else None), needed


def _value_rules(
    conds: dict[str, list[str]], table: str, present: set[str], config: DatasetConfig
) -> None:
    """Add the rules on typed values (scales, ranges, signs, order of dates) to ``conds``."""
    if table == "surveys" and "survey" in present:
        conds["unknown_survey_type"].append(f"survey NOT IN {sql_tuple(config.scales)}")
        cases = " ".join(
            f"WHEN {lit(s)} THEN score NOT BETWEEN {lo} AND {hi}"
            for s, (lo, hi) in config.scales.items()
        )
        conds["score_out_of_range"].append(f"(CASE survey {cases} ELSE FALSE END)")
    if "age" in present and table == "customers":
        low, high = AGE_RANGE
        conds["age_out_of_range"].append(f"(age <= {low - 1} OR age >= {high + 1})")
    conds["negative_amount"] += [f'"{c}" < 0' for c in MONEY_COLUMNS.get(table, ()) if c in present]
    conds["count_out_of_range"] += [
        f'"{c}" < {lo}' for c, lo in COUNT_COLUMNS.get(table, {}).items() if c in present
    ]
    for reason, (late, early) in ORDER_RULES.items():
        if late in present and early in present:
            conds[reason].append(f'"{late}" < "{early}"')


def checked(
    con: duckdb.DuckDBPyConnection, raw: RawTable, columns: list[ColumnSQL], reason: str
) -> str:
    """A subquery: typed ``columns``, their flags, the source row and ``_reason``.

    Only the columns given are typed, so the counting pass touches no more of
    the data than the rules need.
    """
    base = ", ".join(
        [f"{raw.row} AS _row"]
        + [f'{c.typed} AS "{c.name}"' for c in columns]
        + [f'{c.empty} AS "_empty_{c.name}"' for c in columns]
        + [f'{c.bad} AS "_bad_{c.name}"' for c in columns]
    )
    return f"(SELECT *, {reason} AS _reason FROM (SELECT {base} FROM {numbered(con, raw)}))"


def orphans(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    columns: list[ColumnSQL],
    customer_ids: str | None,
) -> str | None:
    """A temp table of the distinct customer_ids of the table that are not known customers.

    One anti join over the table; None when there are none (the usual case), so
    the row checks need no join at all. The per-row check then looks rows up in
    this (small) set of unknown ids: inside the CASE, a lookup in the set of all
    customers becomes a much slower mark join in DuckDB.
    """
    key = next((c for c in columns if c.name == "customer_id"), None)
    if customer_ids is None or key is None:
        return None
    name = f"_orphans_{raw.name}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT DISTINCT k AS orphan_id FROM "
        f"(SELECT {key.typed} AS k FROM {raw.relation}) AS t "
        f"WHERE k IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {customer_ids} AS c WHERE c.customer_id = t.k)"
    )
    if con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]:
        return name
    con.execute(f"DROP TABLE {name}")
    return None


def excluded_rows(con: duckdb.DuckDBPyConnection, checked: str) -> tuple[np.ndarray, np.ndarray]:
    """Source row numbers (ascending) and reasons of the rows with a problem."""
    bad = con.sql(f"SELECT _row, _reason FROM {checked} WHERE _reason IS NOT NULL").to_arrow_table()
    rows = bad.column("_row").to_numpy()
    order = np.argsort(rows, kind="stable")
    return rows[order], bad.column("_reason").to_numpy(zero_copy_only=False)[order]


def account(
    con: duckdb.DuckDBPyConnection, raw: RawTable, rows: np.ndarray, reasons: np.ndarray
) -> TableQuality:
    """Count the excluded rows per reason and fetch up to five raw examples of each."""
    rows_in = raw.num_rows
    reasons, columns = split_reasons(reasons)
    found = pd.Series(reasons, dtype=object).value_counts()
    excluded = {r: int(found[r]) for r in REASONS if r in found.index}
    per_column = pd.Series(columns[columns != ""], dtype=object)
    pairs = pd.Series(reasons[columns != ""], dtype=object) + COLUMN_MARK + per_column.values
    by_column: dict[str, dict[str, int]] = {}
    for pair, n in pairs.value_counts().items():
        reason, column = pair.split(COLUMN_MARK, 1)
        by_column.setdefault(reason, {})[column] = int(n)
    examples: dict[str, pd.DataFrame] = {}
    if excluded:
        picked = {r: rows[reasons == r][:EXAMPLE_ROWS] for r in excluded}
        wanted = ", ".join(str(int(r)) for ids in picked.values() for r in ids)
        cols = ", ".join(f"CAST({quoted(c)} AS VARCHAR) AS {quoted(c)}" for c in raw.columns)
        sample = con.sql(
            f"SELECT {raw.row} AS _row, {cols} FROM {numbered(con, raw)} "
            f"WHERE {raw.row} IN ({wanted})"
        ).df()
        for reason, ids in picked.items():
            examples[reason] = (
                sample[sample["_row"].isin(ids)].sort_values("_row").reset_index(drop=True)
            )
            if raw.source_rows is not None:  # rows filtered out by the config: name the line
                examples[reason]["_row"] = raw.source_rows[examples[reason]["_row"] - 1]
    return TableQuality(
        raw.name, raw.origin, rows_in, rows_in - sum(excluded.values()), excluded, examples,
        encoding=raw.encoding, warnings=list(raw.warnings), rows_filtered=raw.rows_filtered,
        excluded_columns=by_column,
    )  # fmt: skip


def split_reasons(tagged: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tagged reasons (``reason`` or ``reason|column``) as reasons and columns ("" if none).

    Examples
    --------
    >>> r, c = split_reasons(np.array(["missing_value|age", "orphan_customer_id"], dtype=object))
    >>> r.tolist(), c.tolist()
    (['missing_value', 'orphan_customer_id'], ['age', ''])
    """
    codes, uniques = pd.factorize(np.asarray(tagged, dtype=object))  # a few distinct tags
    split = [str(u).partition(COLUMN_MARK) for u in uniques]
    reasons = np.array([p[0] for p in split] + [""], dtype=object)
    columns = np.array([p[2] for p in split] + [""], dtype=object)
    return reasons[codes], columns[codes]


def without_rows(
    frame: pd.DataFrame, excluded_rows: np.ndarray, columns: list[ColumnSQL]
) -> pd.DataFrame:
    """``frame`` (every source row, in order) without the excluded ones (1-based, ascending).

    A few rows leave as slices around them (Arrow-backed columns are not copied),
    many through one boolean mask; categories then seen only in excluded rows go.
    """
    if len(excluded_rows) > MAX_SLICES:
        keep = np.ones(len(frame), dtype=bool)
        keep[excluded_rows - 1] = False
        out = frame[keep]
    else:
        starts = np.concatenate([[0], excluded_rows])  # row r (1-based) ends a slice at r - 1
        ends = np.concatenate([excluded_rows - 1, [len(frame)]])
        parts = [frame.iloc[a:b] for a, b in zip(starts, ends, strict=True) if b > a]
        out = pd.concat(parts) if parts else frame.iloc[0:0]
    out = out.reset_index(drop=True)
    for c in columns:
        if c.kind == "category" and c.name != "stage":  # the stage keeps the stage order
            out[c.name] = recoded(out[c.name].array)
    return out
