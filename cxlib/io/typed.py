"""The output columns of one table and the SQL that types each onto its contract kind.

:func:`plan_columns` decides, for one raw table, every output column: the canonical
ones (read from the mapped source column, a config constant or a config expression,
or generated, as ``response_id`` is) and the extra columns kept beside them. For each
it writes a :class:`ColumnSQL`: the SQL of the typed value (ids stay strings, numbers
become DOUBLE or BIGINT, dates and times naive UTC timestamps) and of the flags that
mark an empty or an unparseable value, which :mod:`cxlib.io.rows` turns into reasons.
A source column whose typed value can be the raw value itself is marked as a
pass-through (``source``): it is not copied (:mod:`cxlib.io.passthrough`).

Examples
--------
>>> from cxlib.contract import Column
>>> from cxlib.io.config import DatasetConfig, TableMapping
>>> c = column_sql(Column("amount", "float"), '"amount"', "DOUBLE", TableMapping(),
...                DatasetConfig())
>>> c.typed, c.source
('CAST("amount" AS DOUBLE)', 'amount')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from cxlib.contract import Column, Table
from cxlib.io.config import DatasetConfig, TableMapping
from cxlib.io.raw import RawTable
from cxlib.io.sqltext import lit, quoted, sql_tuple, value_lit
from cxlib.io.structure import COLUMNS_SHOWN, missing_column_message

TRUE_WORDS = ("true", "t", "yes", "y", "1")
"""Text read as a true boolean (any case)."""
FALSE_WORDS = ("false", "f", "no", "n", "0")
"""Text read as a false boolean (any case)."""

IDENTITY = {
    ("float", "DOUBLE"),
    ("int", "BIGINT"),
    ("bool", "BOOLEAN"),
    ("datetime", "TIMESTAMP"),
    ("datetime", "TIMESTAMP_NS"),
    ("datetime", "TIMESTAMP_MS"),
    ("datetime", "TIMESTAMP_S"),
}
"""(kind, source type) pairs whose typed value is the raw value (with a UTC config)."""

NUMERIC_TYPES = (
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
"""DuckDB types of a number: an extra column of one of them is kept as a float."""

FLOAT_TYPES = ("FLOAT", "DOUBLE")
"""DuckDB types that can hold NaN and infinity, which are no number to analyse."""

_ROW_PROBLEM = {
    "date": "unparseable_date",
    "datetime": "unparseable_date",
    "int": "unparseable_number",
    "float": "unparseable_number",
    "bool": "unparseable_bool",
}


@dataclass(frozen=True)
class ColumnSQL:
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
    numbered: bool = False  # the SQL reads the source row number (see cxlib.io.raw.numbered)

    @property
    def problem(self) -> str | None:
        """The row problem (a :data:`cxlib.contract.REASONS` key) its ``bad`` flag marks."""
        return self.bad_reason or _ROW_PROBLEM.get(self.kind)


def plan_columns(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    table: Table,
    mapping: TableMapping,
    config: DatasetConfig,
) -> tuple[list[ColumnSQL], list[str]]:
    """Decide the output columns and their SQL; report missing required columns.

    Returns the columns (canonical ones in contract order, then the extra ones) and
    the structural problems (one sentence each).
    """
    problems: list[str] = []
    out: list[ColumnSQL] = []
    for col in table.columns:
        column, problem = _canonical_column(con, raw, table, col, mapping, config)
        if column is not None:
            out.append(column)
        if problem:
            problems.append(problem)
    problems += _unknown_drops(raw, table, mapping)
    used = {  # a source column read into a canonical one is no extra column
        mapping.source_column(c.name)
        for c in table.columns
        if c.name not in mapping.constants and c.name not in mapping.expressions
    }
    return out + _extra_columns(con, raw, table, mapping, config, used), problems


def _unknown_drops(raw: RawTable, table: Table, mapping: TableMapping) -> list[str]:
    """The problem sentences for ``drop:`` entries naming a column the source lacks."""
    return [
        f"{raw.origin}: tables.{table.name}.drop names column {name!r}, which is not in "
        f"the source (it has {list(raw.columns)[:COLUMNS_SHOWN]}). Fix: correct the name "
        f"or remove it from tables.{table.name}.drop."
        for name in mapping.drop
        if raw.renamed.get(name, name) not in raw.columns
    ]


def _canonical_column(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    table: Table,
    col: Column,
    mapping: TableMapping,
    config: DatasetConfig,
) -> tuple[ColumnSQL | None, str | None]:
    """One canonical column's SQL, or the structural problem that it cannot be made."""
    if col.name in mapping.constants:
        value = mapping.constants[col.name]
        literal = (
            "NULL" if value is None else lit(str(value).lower() if col.name == "survey" else value)
        )
        return column_sql(col, literal, "VARCHAR", mapping, config), None
    if col.name in mapping.expressions:
        expr = f"({mapping.expressions[col.name]})"
        try:
            dtype = con.execute(f"DESCRIBE SELECT {expr} AS x FROM {raw.relation}").fetchone()[1]
        except duckdb.Error as exc:
            return None, (
                f"{raw.origin}, column {col.name!r}: the config expression {expr} does not "
                f"work on this table ({str(exc).splitlines()[0]}). Fix: correct "
                f"tables.{table.name}.expressions.{col.name}."
            )
        return column_sql(col, expr, dtype, mapping, config), None
    src = mapping.source_column(col.name)
    if src in raw.columns:
        return column_sql(col, quoted(src), raw.columns[src], mapping, config), None
    if col.name == "response_id":
        generated = f"'R' || CAST({raw.row} AS VARCHAR)"  # unique by construction
        return ColumnSQL("response_id", generated, kind="id", numbered=True), None
    if col.required or col.name in mapping.columns:
        return None, missing_column_message(raw, table, col, src, mapping)
    return None, None


def _extra_columns(
    con: duckdb.DuckDBPyConnection,
    raw: RawTable,
    table: Table,
    mapping: TableMapping,
    config: DatasetConfig,
    used: set[str],
) -> list[ColumnSQL]:
    """The source columns kept beside the canonical ones: numbers as floats, else text."""
    dropped = {raw.renamed.get(c, c) for c in mapping.drop}  # a header name, even if renamed
    canonical = {c.name for c in table.columns}
    renamed = {v: k for k, v in mapping.columns.items() if k not in canonical}
    extras = [c for c in raw.columns if c not in used and c not in dropped]
    numeric = numeric_extras(con, raw, extras)
    out = []
    for src in extras:
        name = renamed.get(src, src)
        if name in canonical:  # an unmapped source column shadowing a mapped canonical one
            name = f"{name}_source"
        if src in numeric:
            sql = column_sql(Column(name, "float"), quoted(src), raw.columns[src], mapping, config)
            out.append(ColumnSQL(name, sql.typed, kind="extra"))
        else:
            text = f"NULLIF(trim(CAST({quoted(src)} AS VARCHAR)), '')"
            out.append(ColumnSQL(name, text, kind="extra"))
    return out


def numeric_extras(con: duckdb.DuckDBPyConnection, raw: RawTable, extras: list[str]) -> set[str]:
    """Extra columns whose every non-empty value is a number."""
    numeric = {c for c in extras if raw.columns[c].split("(")[0] in NUMERIC_TYPES}
    text = [c for c in extras if raw.columns[c].startswith("VARCHAR")]
    if not text:
        return numeric
    probes = ", ".join(
        f"count(*) FILTER (WHERE NULLIF(trim({quoted(c)}), '') IS NOT NULL AND "
        f"TRY_CAST(trim({quoted(c)}) AS DOUBLE) IS NULL), "
        f"count(NULLIF(trim({quoted(c)}), ''))"
        for c in text
    )
    res = con.execute(f"SELECT {probes} FROM {raw.relation}").fetchall()[0]
    for i, c in enumerate(text):
        if res[2 * i] == 0 and res[2 * i + 1] > 0:
            numeric.add(c)
    return numeric


# --- one source expression typed as one contract kind ---------------------------------------


@dataclass(frozen=True)
class _Source:
    """A source expression about to be typed: its SQL, DuckDB type and the forms built on it.

    ``passthrough`` holds the :class:`ColumnSQL` fields of a pass-through (``source``,
    ``changed``); empty when the typed value cannot be the raw column.
    """

    expr: str
    dtype: str
    fmt: str | None = None
    passthrough: dict[str, str] = field(default_factory=dict)

    @property
    def is_text(self) -> bool:
        return self.dtype.startswith("VARCHAR")

    @property
    def trimmed(self) -> str:
        """The value as text, blanks trimmed, empty text as NULL."""
        return f"NULLIF(trim(CAST({self.expr} AS VARCHAR)), '')"

    @property
    def empty(self) -> str:
        """True for a missing value (empty or blank text counts as missing)."""
        return f"({self.trimmed} IS NULL)" if self.is_text else f"({self.expr} IS NULL)"


def column_sql(
    col: Column, expr: str, dtype: str, mapping: TableMapping, config: DatasetConfig
) -> ColumnSQL:
    """SQL that types one source expression (DuckDB type ``dtype``) as the column's kind.

    The config's value map for the column (``values``) applies first; its ``formats``
    entry reads dates and times.
    """
    values = mapping.values.get(col.name)
    if values:
        cases = " ".join(f"WHEN {lit(k)} THEN {value_lit(v)}" for k, v in values.items())
        text = f"trim(CAST({expr} AS VARCHAR))"
        expr, dtype = f"(CASE {text} {cases} ELSE {text} END)", "VARCHAR"
    src = _Source(expr, dtype, mapping.formats.get(col.name))
    src = _Source(expr, dtype, src.fmt, _passthrough(col, src, config))
    if col.name == "stage":
        return _stage_sql(col, src, config)
    build = _BY_KIND.get(col.kind)
    if build is None:
        raise ValueError(f"unknown column kind {col.kind!r} for {col.name}")
    return build(col, src, config)


def _passthrough(col: Column, src: _Source, config: DatasetConfig) -> dict[str, str]:
    """The pass-through fields when ``src`` is a plain source column the kind can keep."""
    expr, kind = src.expr, col.kind
    raw = expr[1:-1].replace('""', '"') if expr.startswith('"') else None
    if raw and src.is_text and kind in ("id", "category", "text"):
        v = f"CAST({expr} AS VARCHAR)"
        blank = (
            f"{v} = ''"
            if kind == "text"
            else f"{v} = '' OR starts_with({v}, ' ') OR ends_with({v}, ' ')"
        )
        if col.name == "survey":  # the survey type is lower-cased
            blank += f" OR {v} <> lower({v})"
        return {"source": raw, "changed": f"COALESCE({blank}, FALSE)"}
    if raw and (kind, src.dtype) in IDENTITY and (kind != "datetime" or config.timezone == "UTC"):
        return {"source": raw}
    return {}


def _id_sql(col: Column, src: _Source, config: DatasetConfig) -> ColumnSQL:
    """An id: trimmed text (a float id, e.g. from a spreadsheet, as its whole number)."""
    if src.dtype.split("(")[0] in ("FLOAT", "DOUBLE", "DECIMAL"):
        typed = f"CAST(CAST({src.expr} AS BIGINT) AS VARCHAR)"
        return ColumnSQL(col.name, typed, src.empty, kind=col.kind)
    return ColumnSQL(col.name, src.trimmed, src.empty, kind=col.kind, **src.passthrough)


def _stage_sql(col: Column, src: _Source, config: DatasetConfig) -> ColumnSQL:
    """The journey stage: one of the configured stages, in their order."""
    s = src.trimmed
    enum = f"TRY_CAST({s} AS ENUM{sql_tuple(config.stage_order)})"
    bad = f"({s} IS NOT NULL AND {enum} IS NULL)"
    return ColumnSQL(col.name, enum, src.empty, bad, col.kind, "unknown_stage", **src.passthrough)


def _label_sql(col: Column, src: _Source, config: DatasetConfig) -> ColumnSQL:
    """A label (trimmed; the survey type lower-cased) or free text (as written)."""
    typed = f"lower({src.trimmed})" if col.name == "survey" else src.trimmed
    if col.kind == "text":
        typed = f"NULLIF(CAST({src.expr} AS VARCHAR), '')"
    return ColumnSQL(col.name, typed, src.empty, kind=col.kind, **src.passthrough)


def _number_sql(col: Column, src: _Source, config: DatasetConfig) -> ColumnSQL:
    """A float, or an int that must be whole."""
    s, expr = src.trimmed, src.expr
    number = f"TRY_CAST({s} AS DOUBLE)" if src.is_text else f"CAST({expr} AS DOUBLE)"
    floats = src.dtype.split("(")[0] in FLOAT_TYPES
    if src.is_text or (floats and col.kind == "int"):
        # text NaN, inf, -inf, Infinity (and 1e400) parse, but are no number: a row problem
        # (a float column's own NaN and infinity are flagged below and its rows excluded)
        number = f"(CASE WHEN isfinite({number}) THEN {number} END)"
    if col.kind == "float":
        bad = f"({s} IS NOT NULL AND {number} IS NULL)" if src.is_text else "FALSE"
        if floats:
            bad = f"(NOT isfinite({expr}))"
        return ColumnSQL(col.name, number, src.empty, bad, col.kind, **src.passthrough)
    whole = f"({number} IS NOT NULL AND {number} = floor({number}))"
    typed = f"CASE WHEN {whole} THEN CAST({number} AS BIGINT) END"
    bad = f"({expr} IS NOT NULL AND NOT {whole})"
    return ColumnSQL(col.name, typed, src.empty, bad, col.kind, **src.passthrough)


def _bool_sql(col: Column, src: _Source, config: DatasetConfig) -> ColumnSQL:
    """A boolean: a BOOLEAN column as it is, text from :data:`TRUE_WORDS` / :data:`FALSE_WORDS`."""
    if src.dtype == "BOOLEAN":
        return ColumnSQL(col.name, src.expr, src.empty, kind=col.kind, **src.passthrough)
    s = src.trimmed
    low = f"lower({s})"
    typed = (
        f"CASE WHEN {low} IN {sql_tuple(TRUE_WORDS)} THEN TRUE "
        f"WHEN {low} IN {sql_tuple(FALSE_WORDS)} THEN FALSE END"
    )
    bad = f"({s} IS NOT NULL AND ({typed}) IS NULL)"
    return ColumnSQL(col.name, typed, src.empty, bad, col.kind)


def _time_sql(col: Column, src: _Source, config: DatasetConfig) -> ColumnSQL:
    """A date (midnight) or a datetime, as a naive UTC timestamp.

    Text is parsed (with the config's format first, when it has one) in the config's
    time zone unless it carries an offset; a naive timestamp is read in that zone.
    """
    s, expr, kind, tz = src.trimmed, src.expr, col.kind, lit(config.timezone)
    if src.is_text:
        parsed = f"TRY_CAST({s} AS TIMESTAMPTZ)"
        if src.fmt:
            parsed = f"COALESCE(timezone({tz}, try_strptime({s}, {lit(src.fmt)})), {parsed})"
    elif src.dtype.startswith(("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")):
        parsed = f"CAST({expr} AS TIMESTAMPTZ)"
    elif kind == "datetime" and src.passthrough:  # naive UTC already
        typed = f"CAST({expr} AS TIMESTAMP)"
        return ColumnSQL(col.name, typed, src.empty, kind=kind, **src.passthrough)
    elif kind == "date" and (src.dtype == "DATE" or src.dtype.startswith("TIMESTAMP")):
        # a naive local value: its date is the date, with no time-zone round trip
        # (DuckDB's timezone() costs about 0.1 s per 400,000 values)
        typed = f"CAST(CAST({expr} AS DATE) AS TIMESTAMP)"
        return ColumnSQL(col.name, typed, src.empty, kind=kind)
    elif src.dtype == "DATE" or src.dtype.startswith("TIMESTAMP"):
        parsed = f"timezone({tz}, CAST({expr} AS TIMESTAMP))"
    else:  # a number or a boolean: no date at all
        bad = f"({expr} IS NOT NULL)"
        return ColumnSQL(col.name, "CAST(NULL AS TIMESTAMP)", src.empty, bad, kind)
    if kind == "date":
        typed = f"CAST(CAST(timezone({tz}, {parsed}) AS DATE) AS TIMESTAMP)"
    else:
        typed = f"timezone('UTC', {parsed})"
    bad = f"({s} IS NOT NULL AND {parsed} IS NULL)" if src.is_text else "FALSE"
    return ColumnSQL(col.name, typed, src.empty, bad, kind, **src.passthrough)


_BY_KIND: dict[str, Callable[[Column, _Source, DatasetConfig], ColumnSQL]] = {
    "id": _id_sql,
    "category": _label_sql,
    "text": _label_sql,
    "int": _number_sql,
    "float": _number_sql,
    "bool": _bool_sql,
    "date": _time_sql,
    "datetime": _time_sql,
}
"""The SQL builder of each contract kind (the stage, a category, has its own)."""
