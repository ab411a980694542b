"""Type and check one raw table against the contract, in DuckDB, in one pass.

For each table this module writes a single SQL query that, per source row,
(1) maps the user's columns and values onto the canonical ones, (2) types every
column (ids stay strings, dates and times become naive UTC timestamps), and
(3) names the first row problem from :data:`cxlib.contract.REASONS` that applies.
Rows with a problem are excluded and counted; structural problems (a missing
required column, duplicate ids) raise :class:`cxlib.io.readers.DataContractError` before.
Running the checks as vectorised SQL is what lets a 10-million-row events table
load and validate in seconds.
"""

from __future__ import annotations

import difflib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.contract import COUNT_COLUMNS, MONEY_COLUMNS, REASONS, TABLES, Column, Table
from cxlib.io.config import EXAMPLE_ROWS, DatasetConfig, TableMapping
from cxlib.io.quality import TableQuality
from cxlib.io.readers import RawTable, numbered

CUSTOMER_IDS = "_customer_ids"
"""Temp table of every customer id in the customers source (excluded rows too)."""

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
_IDENTITY = {
    ("float", "DOUBLE"),
    ("int", "BIGINT"),
    ("bool", "BOOLEAN"),
    ("datetime", "TIMESTAMP"),
    ("datetime", "TIMESTAMP_NS"),
    ("datetime", "TIMESTAMP_MS"),
    ("datetime", "TIMESTAMP_S"),
}
"""(kind, source type) pairs whose typed value is the raw value (with a UTC config)."""
_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "FLOAT",
    "DOUBLE",
    "UBIGINT",
    "UINTEGER",
    "USMALLINT",
    "UTINYINT",
    "DECIMAL",
)


@dataclass(frozen=True)
class _ColumnSQL:
    """SQL for one output column: its typed value, and flags for empty / unparseable.

    ``source`` names the raw column when the typed value can be the raw column
    itself (a pass-through: no copy); ``changed`` is then true for a row whose
    typed value differs from the raw one (e.g. surrounding blanks), in which case
    the typed column is materialised after all.
    """

    name: str
    typed: str
    empty: str = "FALSE"
    bad: str = "FALSE"
    kind: str = "category"
    bad_reason: str | None = None
    source: str | None = None
    changed: str = "FALSE"
    numbered: bool = False  # the SQL reads the source row number (see cxlib.io.readers.numbered)


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
    table = TABLES[raw.name]
    mapping = config.mapping(raw.name)
    columns, problems = _plan_columns(con, raw, table, mapping, config)
    if problems:
        return pd.DataFrame(), TableQuality(raw.name, raw.origin, 0, 0), problems
    columns = _pretrim(con, raw, columns)  # first: clean ids are then hashed as they are
    if table.key and table.key in {c.name for c in columns}:
        problems += _duplicate_keys(con, raw, table, columns)
    if problems:
        return pd.DataFrame(), TableQuality(raw.name, raw.origin, 0, 0), problems

    arrow = _assemble(con, raw, columns)
    with ThreadPoolExecutor(max_workers=1) as worker:
        # the orphan anti join runs in DuckDB, which lets go of the GIL, while this
        # thread converts every row to pandas; the few excluded rows are dropped after
        job = None
        if TABLES[raw.name].customer_ref:
            job = worker.submit(_orphans, con, raw, columns, customer_ids)
        frame = _to_pandas(arrow, columns, config)
        orphans = job.result() if job else None
    reason, needed = _reason_sql(raw.name, columns, config, orphans)
    rows, reasons = _NONE_EXCLUDED
    if reason:  # type only the columns the checks need
        rows, reasons = _excluded_rows(
            con, _checked(con, raw, [c for c in columns if c.name in needed], reason)
        )
    quality = _account(con, raw, rows, reasons)
    if len(rows):
        frame = _without_rows(frame, rows, columns)
    if raw.name == "customers":  # later tables' orphan check compares against these ids
        key = next(c for c in columns if c.name == "customer_id")
        con.execute(
            # no DISTINCT: a repeated customer id is a structural error, raised above
            f"CREATE OR REPLACE TEMP TABLE {CUSTOMER_IDS} AS SELECT k AS customer_id "
            f"FROM (SELECT {key.typed} AS k FROM {raw.relation}) WHERE k IS NOT NULL"
        )
    quality.columns = [c.name for c in columns]
    quality.extra_columns = [c.name for c in columns if c.kind == "extra"]
    return frame, quality, []


def _plan_columns(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    table: Table,
    mapping: TableMapping,
    config: DatasetConfig,
) -> tuple[list[_ColumnSQL], list[str]]:
    """Decide the output columns and their SQL; report missing required columns."""
    problems: list[str] = []
    out: list[_ColumnSQL] = []
    used: set[str] = set()
    for col in table.columns:
        if col.name in mapping.constants:
            value = mapping.constants[col.name]
            literal = (
                "NULL"
                if value is None
                else _lit(str(value).lower() if col.name == "survey" else value)
            )
            out.append(_typed(col, literal, "VARCHAR", mapping, config))
            continue
        if col.name in mapping.expressions:
            expr = f"({mapping.expressions[col.name]})"
            try:
                dtype = con.execute(f"DESCRIBE SELECT {expr} AS x FROM {raw.relation}").fetchone()[
                    1
                ]
            except duckdb.Error as exc:
                problems.append(
                    f"{raw.origin}, column {col.name!r}: the config expression {expr} does not "
                    f"work on this table ({str(exc).splitlines()[0]}). Fix: correct "
                    f"tables.{table.name}.expressions.{col.name}."
                )
                continue
            out.append(_typed(col, expr, dtype, mapping, config))
            continue
        src = mapping.source_column(col.name)
        if src in raw.columns:
            used.add(src)
            sql = _typed(col, f'"{_ident(src)}"', raw.columns[src], mapping, config)
            out.append(_settle_from_arrow(sql, raw, config))
        elif col.name == "response_id":
            generated = f"'R' || CAST({raw.row} AS VARCHAR)"  # unique by construction
            out.append(_ColumnSQL("response_id", generated, kind="id", numbered=True))
        elif col.required or col.name in mapping.columns:
            problems.append(_missing_column_message(raw, table, col, src, mapping))
    dropped = set(mapping.drop)
    renamed = {v: k for k, v in mapping.columns.items() if k not in {c.name for c in table.columns}}
    extras = [c for c in raw.columns if c not in used and c not in dropped]
    canonical = {c.name for c in table.columns}
    numeric = _numeric_extras(con, raw, extras)
    for src in extras:
        name = renamed.get(src, src)
        if name in canonical:  # an unmapped source column shadowing a mapped canonical one
            name = f"{name}_source"
        quoted = f'"{_ident(src)}"'
        if src in numeric:
            typed = Column(name, "float")
            sql = _typed(typed, quoted, raw.columns[src], mapping, config)
            out.append(_ColumnSQL(name, sql.typed, kind="extra"))
        else:
            out.append(
                _ColumnSQL(name, f"NULLIF(trim(CAST({quoted} AS VARCHAR)), '')", kind="extra")
            )
    return out, problems


def _checked(
    con: duckdb.DuckDBPyConnection, raw: RawTable, columns: list[_ColumnSQL], reason: str
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


def _pretrim(
    con: duckdb.DuckDBPyConnection, raw: RawTable, columns: list[_ColumnSQL]
) -> list[_ColumnSQL]:
    """Find which pass-through text columns need cleaning (blanks, empty strings).

    Arrow text is probed in its buffers, other columns in one aggregate scan; a
    column with nothing to clean is then read as it is (no per-row trim), one with
    something to clean is typed in SQL instead.
    """
    todo = [c for c in columns if c.source and c.changed != "FALSE"]
    counts = {c.name: _arrow_needs_cleaning(raw, c) for c in todo}
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
            out.append(_as_clean(c, raw))
    return out


def _as_clean(c: _ColumnSQL, raw: RawTable) -> _ColumnSQL:
    """A pass-through text column found clean: read as it is, empty only where NULL."""
    quoted = f'"{_ident(c.source)}"'
    typed = c.typed if c.name == "stage" else f"CAST({quoted} AS VARCHAR)"
    nulls = raw.arrow is None or raw.arrow[c.source].null_count > 0
    empty = f"({quoted} IS NULL)" if c.empty != "FALSE" and nulls else "FALSE"
    return replace(c, typed=typed, empty=empty, changed="FALSE")


def _arrow_needs_cleaning(raw: RawTable, c: _ColumnSQL) -> bool | None:
    """Whether a plain string column holds a value its SQL ``changed`` test flags.

    The same test as the SQL (empty; for ids and labels also a leading or trailing
    blank; for the survey type also upper case), read off the Arrow buffers
    (:func:`_blank_ends`) instead of a scan. None when the column is not plain Arrow text.
    """
    arr = raw.arrow[c.source] if raw.arrow is not None else None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    if any(_blank_ends(chunk, c.kind != "text") for chunk in arr.chunks):
        return True
    if c.name == "survey":  # the survey type is lower-cased
        return bool(pc.any(pc.not_equal(arr, pc.utf8_lower(arr))).as_py())
    return False


def _blank_ends(chunk: pa.Array, ends: bool) -> bool:
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
    blank = ord(" ")
    if not (data[offsets[0] : offsets[-1]] == blank).any():  # ids rarely hold a blank at all
        return False
    return bool((data[starts] == blank).any() or (data[stops - 1] == blank).any())


def _settle_from_arrow(c: _ColumnSQL, raw: RawTable, config: DatasetConfig) -> _ColumnSQL:
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
    if pa.types.is_dictionary(arr.type) and pa.types.is_string(arr.type.value_type):
        values = set().union(*(chunk.dictionary.to_pylist() for chunk in arr.chunks))
        lower = c.name != "survey" or all(v == v.lower() for v in values)
        if lower and all(v == v.strip(" ") and v != "" for v in values):
            c = _as_clean(c, raw)
            if c.bad_reason == "unknown_stage" and values <= set(config.stage_order):
                changes["bad"] = "FALSE"
    return replace(c, **changes) if changes else c


def _typed(
    col: Column, expr: str, dtype: str, mapping: TableMapping, config: DatasetConfig
) -> _ColumnSQL:
    """SQL that types one source expression as the column's contract kind."""
    values = mapping.values.get(col.name)
    if values:
        cases = " ".join(f"WHEN {_lit(k)} THEN {_value_lit(v)}" for k, v in values.items())
        expr = (
            f"(CASE trim(CAST({expr} AS VARCHAR)) {cases} ELSE trim(CAST({expr} AS VARCHAR)) END)"
        )
        dtype = "VARCHAR"
    is_text = dtype.startswith("VARCHAR")
    s = f"NULLIF(trim(CAST({expr} AS VARCHAR)), '')"
    empty = f"({s} IS NULL)" if is_text else f"({expr} IS NULL)"
    kind = col.kind
    fmt = mapping.formats.get(col.name)
    tz = _lit(config.timezone)
    raw = expr[1:-1].replace('""', '"') if expr.startswith('"') and not values else None
    if raw and is_text and kind in ("id", "category", "text"):
        v = f"CAST({expr} AS VARCHAR)"
        blank = (
            f"{v} = ''"
            if kind == "text"
            else f"{v} = '' OR starts_with({v}, ' ') OR ends_with({v}, ' ')"
        )
        if col.name == "survey":  # the survey type is lower-cased
            blank += f" OR {v} <> lower({v})"
        passthrough = {"source": raw, "changed": f"COALESCE({blank}, FALSE)"}
    elif raw and (kind, dtype) in _IDENTITY and (kind != "datetime" or config.timezone == "UTC"):
        passthrough = {"source": raw}
    else:
        passthrough = {}
    if kind == "id":
        if dtype.split("(")[0] in ("FLOAT", "DOUBLE", "DECIMAL"):
            return _ColumnSQL(
                col.name, f"CAST(CAST({expr} AS BIGINT) AS VARCHAR)", empty, kind=kind
            )
        return _ColumnSQL(col.name, s, empty, kind=kind, **passthrough)
    if col.name == "stage":
        enum = f"TRY_CAST({s} AS ENUM{_tuple(config.stage_order)})"
        bad = f"({s} IS NOT NULL AND {enum} IS NULL)"
        return _ColumnSQL(col.name, enum, empty, bad, kind, "unknown_stage", **passthrough)
    if kind in ("category", "text"):
        typed = f"lower({s})" if col.name == "survey" else s
        if kind == "text":
            typed = f"NULLIF(CAST({expr} AS VARCHAR), '')"
        return _ColumnSQL(col.name, typed, empty, kind=kind, **passthrough)
    if kind in ("int", "float"):
        number = f"TRY_CAST({s} AS DOUBLE)" if is_text else f"CAST({expr} AS DOUBLE)"
        if kind == "float":
            bad = f"({s} IS NOT NULL AND {number} IS NULL)" if is_text else "FALSE"
            return _ColumnSQL(col.name, number, empty, bad, kind, **passthrough)
        whole = f"({number} IS NOT NULL AND {number} = floor({number}))"
        typed = f"CASE WHEN {whole} THEN CAST({number} AS BIGINT) END"
        bad = f"({expr} IS NOT NULL AND NOT {whole})"
        return _ColumnSQL(col.name, typed, empty, bad, kind, **passthrough)
    if kind == "bool":
        if dtype == "BOOLEAN":
            return _ColumnSQL(col.name, expr, empty, kind=kind, **passthrough)
        low = f"lower({s})"
        typed = (
            f"CASE WHEN {low} IN {_tuple(_TRUE)} THEN TRUE "
            f"WHEN {low} IN {_tuple(_FALSE)} THEN FALSE END"
        )
        return _ColumnSQL(col.name, typed, empty, f"({s} IS NOT NULL AND ({typed}) IS NULL)", kind)
    if kind in ("date", "datetime"):
        if is_text:
            parsed = f"TRY_CAST({s} AS TIMESTAMPTZ)"
            if fmt:
                parsed = f"COALESCE(timezone({tz}, try_strptime({s}, {_lit(fmt)})), {parsed})"
        elif dtype.startswith(("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")):
            parsed = f"CAST({expr} AS TIMESTAMPTZ)"
        elif kind == "datetime" and passthrough:  # naive UTC already
            return _ColumnSQL(
                col.name, f"CAST({expr} AS TIMESTAMP)", empty, kind=kind, **passthrough
            )
        elif kind == "date" and (dtype == "DATE" or dtype.startswith("TIMESTAMP")):
            # a naive local value: its date is the date, with no time-zone round trip
            # (DuckDB's timezone() costs about 0.1 s per 400,000 values)
            typed = f"CAST(CAST({expr} AS DATE) AS TIMESTAMP)"
            return _ColumnSQL(col.name, typed, empty, kind=kind)
        elif dtype == "DATE" or dtype.startswith("TIMESTAMP"):
            parsed = f"timezone({tz}, CAST({expr} AS TIMESTAMP))"
        else:
            return _ColumnSQL(
                col.name, "CAST(NULL AS TIMESTAMP)", empty, f"({expr} IS NOT NULL)", kind
            )
        if kind == "date":
            typed = f"CAST(CAST(timezone({tz}, {parsed}) AS DATE) AS TIMESTAMP)"
        else:
            typed = f"timezone('UTC', {parsed})"
        bad = f"({s} IS NOT NULL AND {parsed} IS NULL)" if is_text else "FALSE"
        return _ColumnSQL(col.name, typed, empty, bad, kind, **passthrough)
    raise ValueError(f"unknown column kind {kind!r} for {col.name}")


def _reason_sql(
    table: str, columns: list[_ColumnSQL], config: DatasetConfig, orphans: str | None
) -> tuple[str | None, set[str]]:
    """The CASE expression naming each row's first problem (NULL for a good row).

    ``orphans`` names a relation of the customer_ids that are unknown (see
    :func:`_orphans`). Also returns the names of the columns the
    expression needs typed. None instead of an expression: no row can have a problem.
    """
    spec = TABLES[table]
    present = {c.name: c for c in columns}
    required = [c for c in spec.required if c in present]
    conds: dict[str, list[str]] = {r: [] for r in REASONS}
    conds["missing_value"] = [f'"_empty_{c}"' for c in required if present[c].empty != "FALSE"]
    for c in columns:
        reason = c.bad_reason or {
            "date": "unparseable_date",
            "datetime": "unparseable_date",
            "int": "unparseable_number",
            "float": "unparseable_number",
            "bool": "unparseable_bool",
        }.get(c.kind)
        if reason and c.bad != "FALSE":
            conds[reason].append(f'"_bad_{c.name}"')
    if table == "surveys" and "survey" in present:
        conds["unknown_survey_type"].append(f"survey NOT IN {_tuple(config.scales)}")
        cases = " ".join(
            f"WHEN {_lit(s)} THEN score NOT BETWEEN {lo} AND {hi}"
            for s, (lo, hi) in config.scales.items()
        )
        conds["score_out_of_range"].append(f"(CASE survey {cases} ELSE FALSE END)")
    if "age" in present and table == "customers":
        conds["age_out_of_range"].append("(age <= 0 OR age >= 120)")
    conds["negative_amount"] += [f'"{c}" < 0' for c in MONEY_COLUMNS.get(table, ()) if c in present]
    conds["count_out_of_range"] += [
        f'"{c}" < {lo}' for c, lo in COUNT_COLUMNS.get(table, {}).items() if c in present
    ]
    pairs = {
        "churn_before_signup": ("churn_date", "signup_date"),
        "response_before_open": ("first_response_at", "opened_at"),
        "resolved_before_open": ("resolved_at", "opened_at"),
    }
    for reason, (late, early) in pairs.items():
        if late in present and early in present:
            conds[reason].append(f'"{late}" < "{early}"')
    if orphans:
        conds["orphan_customer_id"].append(f"customer_id IN (SELECT orphan_id FROM {orphans})")
    whens = [
        f"WHEN {' OR '.join(f'COALESCE({c}, FALSE)' for c in cs)} THEN {_lit(r)}"
        for r, cs in conds.items()
        if cs
    ]
    text = " ".join(whens)
    needed = {
        c.name
        for c in columns
        if re.search(rf'(?<![\w])"?(?:_empty_|_bad_)?{re.escape(c.name)}(?![\w])', text)
    }
    return (f"(CASE {text} END)" if whens else None), needed


MAX_SLICES = 256
"""Up to this many excluded rows the kept rows are slices; above, one boolean mask."""

_NONE_EXCLUDED = (np.empty(0, dtype=np.int64), np.empty(0, dtype=object))


def _orphans(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    columns: list[_ColumnSQL],
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


def _excluded_rows(con: duckdb.DuckDBPyConnection, checked: str) -> tuple[np.ndarray, np.ndarray]:
    """Source row numbers (ascending) and reasons of the rows with a problem."""
    bad = con.sql(f"SELECT _row, _reason FROM {checked} WHERE _reason IS NOT NULL").to_arrow_table()
    rows = bad.column("_row").to_numpy()
    order = np.argsort(rows, kind="stable")
    return rows[order], bad.column("_reason").to_numpy(zero_copy_only=False)[order]


def _account(
    con: duckdb.DuckDBPyConnection, raw: RawTable, rows: np.ndarray, reasons: np.ndarray
) -> TableQuality:
    """Count the excluded rows per reason and fetch up to five raw examples of each."""
    rows_in = _row_count(raw)
    found = pd.Series(reasons, dtype=object).value_counts()
    excluded = {r: int(found[r]) for r in REASONS if r in found.index}
    examples: dict[str, pd.DataFrame] = {}
    if excluded:
        picked = {r: rows[reasons == r][:EXAMPLE_ROWS] for r in excluded}
        wanted = ", ".join(str(int(r)) for ids in picked.values() for r in ids)
        cols = ", ".join(f'CAST("{_ident(c)}" AS VARCHAR) AS "{_ident(c)}"' for c in raw.columns)
        sample = con.sql(
            f"SELECT {raw.row} AS _row, {cols} FROM {numbered(con, raw)} "
            f"WHERE {raw.row} IN ({wanted})"
        ).df()
        for reason, ids in picked.items():
            examples[reason] = (
                sample[sample["_row"].isin(ids)].sort_values("_row").reset_index(drop=True)
            )
    return TableQuality(
        raw.name, raw.origin, rows_in, rows_in - sum(excluded.values()), excluded, examples,
        encoding=raw.encoding, warnings=list(raw.warnings),
    )  # fmt: skip


def _assemble(con: duckdb.DuckDBPyConnection, raw: RawTable, columns: list[_ColumnSQL]) -> pa.Table:
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


def _without_rows(
    frame: pd.DataFrame, excluded_rows: np.ndarray, columns: list[_ColumnSQL]
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
            out[c.name] = _recoded(out[c.name].array)
    return out


def _duplicate_keys(
    con: duckdb.DuckDBPyConnection, raw: RawTable, table: Table, columns: list[_ColumnSQL]
) -> list[str]:
    """Structural problem sentences for duplicated ids in the table's key column."""
    key = next(c for c in columns if c.name == table.key)
    if key.numbered:  # made from the row number: unique by construction
        return []
    ids = f"(SELECT {key.typed} AS k FROM {raw.relation}) AS ids WHERE k IS NOT NULL"
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
        "GROUP BY k HAVING count(*) > 1 ORDER BY n DESC, k LIMIT 1000000"
    ).fetchall()
    con.unregister("_repeated_hashes")
    if not dup:
        return []
    shown = ", ".join(repr(k) for k, _ in dup[:EXAMPLE_ROWS])
    rows = sum(n for _, n in dup)
    return [
        f"{raw.origin}, column {table.key!r}: {len(dup):,} duplicate id(s) in {rows:,} rows "
        f"(e.g. {shown}). Fix: {table.key} must be unique -- remove the repeated rows or map "
        "another column as the id in the config."
    ]


def _missing_column_message(
    raw: RawTable, table: Table, col: Column, src: str, mapping: TableMapping
) -> str:
    """The sentence for a missing required (or explicitly mapped) column."""
    close = difflib.get_close_matches(src, list(raw.columns), n=3, cutoff=0.5)
    hint = f" Similar columns: {close}." if close else ""
    what = "required column" if col.required else "column mapped in the config"
    named = f" (mapped from {src!r})" if src != col.name else ""
    return (
        f"{raw.origin}, column {col.name!r}{named}: {what} is missing from all "
        f"{_row_count(raw):,} "
        f"{table.name} rows; the file has {list(raw.columns)[:12]}.{hint} Fix: add the column "
        f"or map it in the config under tables.{table.name}.columns.{col.name}."
    )


def _row_count(raw: RawTable) -> int:
    """Rows in the raw table."""
    return raw.arrow.num_rows if raw.arrow is not None else 0


def _numeric_extras(con: duckdb.DuckDBPyConnection, raw: RawTable, extras: list[str]) -> set[str]:
    """Extra columns whose every non-empty value is a number."""
    numeric = {c for c in extras if raw.columns[c].split("(")[0] in _NUMERIC}
    text = [c for c in extras if raw.columns[c].startswith("VARCHAR")]
    if not text:
        return numeric
    probes = ", ".join(
        f"count(*) FILTER (WHERE NULLIF(trim(\"{_ident(c)}\"), '') IS NOT NULL AND "
        f'TRY_CAST(trim("{_ident(c)}") AS DOUBLE) IS NULL), '
        f"count(NULLIF(trim(\"{_ident(c)}\"), ''))"
        for c in text
    )
    res = con.execute(f"SELECT {probes} FROM {raw.relation}").fetchall()[0]
    for i, c in enumerate(text):
        if res[2 * i] == 0 and res[2 * i + 1] > 0:
            numeric.add(c)
    return numeric


def _to_pandas(arrow: pa.Table, columns: list[_ColumnSQL], config: DatasetConfig) -> pd.DataFrame:
    """Arrow -> pandas with contract dtypes: strings, categories, Int64, boolean.

    Conversions happen in Arrow memory and leave pandas buffers it can take as they
    are (one-chunk timestamps, large strings), and categories get their codes written
    once (:func:`_categorical`): on a 10-million-row table fresh memory, not
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
            labels[i] = (name, _categorical(col, order))
            arrow = arrow.remove_column(i)
            continue
        if kind in ("date", "datetime"):
            col = _microseconds(col)  # one unit everywhere, one chunk pandas takes as it is
        elif pa.types.is_string(col.type):
            col = col.cast(pa.large_string())  # pandas 2 stores large strings
        arrow = arrow.set_column(i, name, col)
    mapper = {
        pa.large_string(): pd.StringDtype("pyarrow"),
        pa.int64(): pd.Int64Dtype(),
        pa.bool_(): pd.BooleanDtype(),
    }
    # no self_destruct: the raw columns stay referenced anyway, and pyarrow 26 crashed with
    # it on a cast timestamp beside a dictionary column
    frame = arrow.to_pandas(types_mapper=mapper.get, split_blocks=True)
    if not arrow.num_columns:
        frame = pd.DataFrame(index=pd.RangeIndex(arrow.num_rows))
    for i, (name, values) in sorted(labels.items()):
        frame.insert(i, name, values if name == "stage" else _recoded(values))
    return frame


def _categorical(col: pa.ChunkedArray, order: list | None = None) -> pd.Categorical:
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


_TO_MICROSECONDS = {"s": 1_000_000, "ms": 1_000, "us": 1}


def _microseconds(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """A naive timestamp column in microseconds, as one chunk.

    Null-free second/milli/microsecond columns are scaled straight into one new
    buffer: one pass over fresh memory, where a cast then a concatenation takes
    two. Others (nulls, nanoseconds, time zones, values out of range) take
    pyarrow's cast, which also raises on values that do not fit.
    """
    factor = _TO_MICROSECONDS.get(getattr(col.type, "unit", ""))
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
    out = pa.allocate_buffer(8 * len(col))
    scaled = np.frombuffer(out, np.int64)
    start = 0
    for v in values:
        np.multiply(v, factor, out=scaled[start : start + len(v)])
        start += len(v)
    return pa.chunked_array([pa.Array.from_buffers(pa.timestamp("us"), len(col), [None, out])])


def _recoded(cat: pd.Categorical) -> pd.Categorical:
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


def _lit(value: object) -> str:
    """A SQL literal for a Python scalar."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _value_lit(value: object) -> str:
    """A value-map target as a SQL string literal (or NULL)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    return _lit(str(value))


def _tuple(values) -> str:
    """A SQL tuple of string literals."""
    return "(" + ", ".join(_lit(str(v)) for v in values) + ")"


def _ident(name: str) -> str:
    """Escape a double-quoted SQL identifier."""
    return name.replace('"', '""')
