"""Validation on Spark: the same row problems and the same row accounting as :func:`cxlib.load`.

:func:`validate_on_spark` reads a folder's tables on Spark (:mod:`cxlib.engine.spark_read`),
plans every column with the loader's own planner (:func:`cxlib.io.typed.plan_columns`:
one definition of each typing rule), names each row's first problem with the loader's
own rules (:func:`cxlib.io.rows.reason_sql`) and counts them -- all as SQL on the
executors, the DuckDB spelling rewritten by :func:`cxlib.engine.translate.to_spark`. Only
the counts per reason, up to five example rows per reason and the few repeated ids reach
the driver, so the driver's memory does not grow with the rows. The clean tables stay on
Spark as temp views ``cx_<table>`` (typed columns of the kept rows) when asked for.

What the DuckDB loader does with Arrow buffers on the driver (pass-through columns,
blank probes) is an optimisation of the same rules, not a rule: it is not needed here.

Examples
--------
>>> report, views = validate_on_spark("data/sample")                 # doctest: +SKIP
>>> report.to_dict()["orders"]["excluded"]                            # doctest: +SKIP
{'negative_amount': 2}
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from cxlib.contract import REASONS, TABLES
from cxlib.engine.spark_read import SparkRawTable, raw_table, read_table
from cxlib.engine.translate import duckdb_type, to_spark
from cxlib.io import rows
from cxlib.io.config import EXAMPLE_ROWS, DatasetConfig, load_config
from cxlib.io.dataset import no_tables_problem
from cxlib.io.quality import QualityReport, TableQuality
from cxlib.io.raw import DataContractError, describe_source, is_sql_url
from cxlib.io.structure import MAX_DUPLICATES, duplicate_message
from cxlib.io.typed import ColumnSQL, plan_columns

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CUSTOMER_IDS = "_cx_customer_ids"
"""Temp view of every customer id in the customers source (excluded rows too)."""

ORPHAN_FLAG, DUPLICATE_FLAG = "_cx_orphan", "_cx_duplicate"
"""Columns marking an orphan customer id and an exact duplicate row: Spark allows no
``IN (subquery)`` inside a CASE, so the loader's two lookups become left joins."""


class LoaderCon:
    """The part of a DuckDB connection :func:`~cxlib.io.typed.plan_columns` uses, on Spark:
    ``execute(sql)`` of a query or of ``DESCRIBE SELECT ...``, with ``fetchone``/``fetchall``.

    Errors are raised as :class:`duckdb.Error`, which the planner turns into the structural
    problem that names the config key.
    """

    def __init__(self, spark: SparkSession, timezone: str) -> None:
        self.spark = spark
        self.timezone = timezone

    def sql(self, sql: str) -> DataFrame:
        """``sql`` (DuckDB spelling) as a Spark DataFrame."""
        return self.spark.sql(to_spark(sql, self.timezone))

    def execute(self, sql: str) -> _Rows:
        """Run a query (or describe one) and hold its rows."""
        try:
            if sql.startswith("DESCRIBE "):
                fields = self.sql(sql.removeprefix("DESCRIBE ")).schema.fields
                return _Rows([(f.name, duckdb_type(f.dataType.simpleString())) for f in fields])
            return _Rows([tuple(r) for r in self.sql(sql).collect()])
        except Exception as exc:  # noqa: BLE001  (pyspark's errors have no common base)
            raise duckdb.Error(str(exc).splitlines()[0]) from exc


class _Rows:
    """A small result: ``fetchone()`` and ``fetchall()``."""

    def __init__(self, rows: list[tuple]) -> None:
        self.rows = rows

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple]:
        return self.rows


READ_CONF = {
    "spark.sql.legacy.javaCharsets": "true",
    "spark.sql.legacy.parquet.nanosAsLong": "true",
}
"""Session settings while a data set is read: every Java charset for CSV (Spark 4 accepts
seven by default; cxlib reads 8-bit exports as cp1252, cp1250, ...), and Parquet
timestamps in nanoseconds as integers (Spark rejects them otherwise;
:mod:`cxlib.engine.spark_read` makes them timestamps again)."""


@contextlib.contextmanager
def session_conf(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    """The session's SQL ``settings`` for the block (the time zone naive text is read in, ...)."""
    before = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def validate_on_spark(
    source: str | Path,
    config: str | Path | dict | DatasetConfig | None = None,
    tables: list[str] | None = None,
    *,
    spark: SparkSession | None = None,
    keep: bool = False,
) -> tuple[QualityReport, dict[str, str]]:
    """Read and validate a folder of table files on Spark.

    Parameters
    ----------
    source : a folder of CSV / Parquet / ``.xlsx`` files (a path every executor can read).
    config : as for :func:`cxlib.load`.
    tables : only these tables (default: all the folder has).
    spark : the session (default: the configured one, :class:`~cxlib.engine.spark.SparkEngine`).
    keep : leave each table's kept rows, typed, as the temp view ``cx_<table>`` (with
        ``_row``, the 1-based source row: the source order).

    Returns
    -------
    (quality report, {table: view}) -- the views only with ``keep``.

    Raises
    ------
    DataContractError
        The structural problems :func:`cxlib.load` raises, all at once.
    """
    cfg = load_config(config)
    where = describe_source(source)
    if is_sql_url(source) or not Path(source).is_dir():
        raise DataContractError(
            [f"{where}: Spark reads a folder of table files (CSV, Parquet, .xlsx). Fix: "
             "export the tables to such a folder, or validate with --engine duckdb."]
        )  # fmt: skip
    if spark is None:
        from cxlib.engine.spark import SparkEngine

        spark = SparkEngine.for_config(cfg).spark
    with session_conf(spark, {**READ_CONF, "spark.sql.session.timeZone": cfg.timezone}):
        return _validate_all(spark, Path(source), cfg, where, tables, keep)


def _validate_all(
    spark: SparkSession,
    folder: Path,
    cfg: DatasetConfig,
    where: str,
    tables: list[str] | None,
    keep: bool,
) -> tuple[QualityReport, dict[str, str]]:
    """:func:`validate_on_spark` inside the config's session time zone."""
    con = LoaderCon(spark, cfg.timezone)
    quality, views, problems = QualityReport(where), {}, []
    customer_ids = None
    for name in [n for n in TABLES if tables is None or n in tables]:
        mapping = cfg.mapping(name)
        if mapping.skip:
            quality.missing_tables.append(name)
            continue
        try:
            found = read_table(spark, folder, name, mapping)
            if found is None:
                quality.missing_tables.append(name)
                continue
            raw = raw_table(spark, found[0], name, found[1], mapping, cfg.timezone)
        except DataContractError as exc:
            problems += exc.problems
            continue
        tq, view, table_problems = validate_table(con, raw, cfg, customer_ids, keep=keep)
        if table_problems:
            problems += table_problems
            continue
        quality.tables[name] = tq
        quality.warnings += tq.warnings
        if view:
            views[name] = view
        if name == "customers":
            customer_ids = CUSTOMER_IDS
    if not problems and not quality.tables:
        problems.append(no_tables_problem(where))
    if problems:
        raise DataContractError(problems, where)
    return quality, views


def validate_table(
    con: LoaderCon,
    raw: SparkRawTable,
    config: DatasetConfig,
    customer_ids: str | None,
    *,
    keep: bool = False,
) -> tuple[TableQuality, str | None, list[str]]:
    """Type and check one raw table on Spark (:func:`cxlib.io.validate.validate_table`'s twin).

    Returns (quality, the view of the kept rows or None, structural problems).
    """
    table = TABLES[raw.name]
    mapping = config.mapping(raw.name)
    columns, problems = plan_columns(con, raw, table, mapping, config)
    duplicates = None
    key = next((c for c in columns if c.name == table.key), None)
    if not problems and key is not None and not key.numbered:
        found, duplicates = duplicate_keys(con, raw, key.typed, mapping.source_column(table.key))
        problems += found
    empty = TableQuality(raw.name, raw.origin, 0, 0)
    if problems:
        return empty, None, problems
    orphans = None
    if table.customer_ref:
        orphans = find_orphans(con, raw, columns, customer_ids)
    reason, _ = rows.reason_sql(raw.name, columns, config, orphans, duplicates)
    checked = _checked(con, raw, columns, reason, orphans, duplicates)
    quality = account(con, raw, checked)
    if raw.name == "customers":
        con.sql(
            f"SELECT k AS customer_id FROM (SELECT {key.typed} AS k FROM {raw.relation}) "
            "WHERE k IS NOT NULL"
        ).localCheckpoint(eager=True).createOrReplaceTempView(CUSTOMER_IDS)
    quality.columns = [c.name for c in columns]
    quality.extra_columns = [c.name for c in columns if c.kind == "extra"]
    view = None
    if keep:
        view = f"cx_{raw.name}"
        names = ", ".join(["_row"] + [f"`{c.name}`" for c in columns])  # _row: source order
        con.spark.sql(f"SELECT {names} FROM {checked} WHERE _reason IS NULL") \
            .localCheckpoint(eager=True).createOrReplaceTempView(view)  # fmt: skip
    return quality, view, []


def _checked(
    con: LoaderCon,
    raw: SparkRawTable,
    columns: list[ColumnSQL],
    reason: str | None,
    orphans: str | None,
    duplicates: str | None,
) -> str:
    """The temp view of every row: typed columns, flags, ``_row`` and ``_reason``."""
    base = ", ".join(
        [f"{raw.row} AS _row"]
        + [f'{c.typed} AS "{c.name}"' for c in columns]
        + [f'{c.empty} AS "_empty_{c.name}"' for c in columns]
        + [f'{c.bad} AS "_bad_{c.name}"' for c in columns]
    )
    joins, flags = "", ""
    if orphans:
        reason = reason.replace(f"customer_id IN (SELECT orphan_id FROM {orphans})", ORPHAN_FLAG)
        joins += f" LEFT JOIN {orphans} AS o ON t.customer_id = o.orphan_id"
        flags += f", o.orphan_id IS NOT NULL AS {ORPHAN_FLAG}"
    if duplicates:
        reason = reason.replace(f"_row IN (SELECT dup_row FROM {duplicates})", DUPLICATE_FLAG)
        joins += f" LEFT JOIN {duplicates} AS d ON t._row = d.dup_row"
        flags += f", d.dup_row IS NOT NULL AS {DUPLICATE_FLAG}"
    flagged = f"(SELECT t.*{flags} FROM (SELECT {base} FROM {raw.relation}) AS t{joins})"
    view = f"_cx_checked_{raw.name}"
    con.sql(f"SELECT *, {reason or 'CAST(NULL AS VARCHAR)'} AS _reason FROM {flagged}") \
        .localCheckpoint(eager=True).createOrReplaceTempView(view)  # fmt: skip
    return view


def duplicate_keys(
    con: LoaderCon, raw: SparkRawTable, key_sql: str, key_source: str
) -> tuple[list[str], str | None]:
    """:func:`cxlib.io.structure.duplicate_keys` on Spark: the problem sentence for ids
    repeated with different content, and the view of the extra copies of exact duplicate
    rows (``dup_row``; None when there are none). Rows whose id does not repeat are
    compared no further."""
    others = "".join(f', "{c}"' for c in raw.columns if c != key_source)
    ids = f"(SELECT {raw.row} AS _row, {key_sql} AS k{others} FROM {raw.relation})"
    con.sql(f"SELECT k FROM {ids} WHERE k IS NOT NULL GROUP BY k HAVING count(*) > 1") \
        .localCheckpoint(eager=True).createOrReplaceTempView("_cx_repeated")  # fmt: skip
    if not con.spark.table("_cx_repeated").count():
        return [], None
    repeated = f"_cx_repeated_{raw.name}"
    con.sql(
        f"SELECT _row, k, row_number() OVER (PARTITION BY k{others} ORDER BY _row) AS copy "
        f"FROM {ids} WHERE k IN (SELECT k FROM _cx_repeated)"
    ).localCheckpoint(eager=True).createOrReplaceTempView(repeated)
    name = f"_cx_duplicate_rows_{raw.name}"
    con.sql(f"SELECT _row AS dup_row FROM {repeated} WHERE copy > 1") \
        .localCheckpoint(eager=True).createOrReplaceTempView(name)  # fmt: skip
    dup = con.execute(
        f"SELECT k, count(*) AS n FROM {repeated} WHERE copy = 1 GROUP BY k "
        f"HAVING count(*) > 1 ORDER BY n DESC, k LIMIT {MAX_DUPLICATES}"
    ).fetchall()
    if not con.spark.table(name).count():
        name = None
    return duplicate_message(raw, TABLES[raw.name], dup), name


def find_orphans(
    con: LoaderCon, raw: SparkRawTable, columns: list[ColumnSQL], customer_ids: str | None
) -> str | None:
    """The view of the table's distinct customer ids unknown to the customers table
    (None when there are none, or no customers table to compare with)."""
    key = next((c for c in columns if c.name == "customer_id"), None)
    if customer_ids is None or key is None:
        return None
    name = f"_cx_orphans_{raw.name}"
    found = con.sql(
        f"SELECT DISTINCT k AS orphan_id FROM (SELECT {key.typed} AS k FROM {raw.relation}) AS t "
        f"LEFT ANTI JOIN {customer_ids} AS c ON c.customer_id = t.k WHERE k IS NOT NULL"
    ).localCheckpoint(eager=True)
    if not found.count():
        return None
    found.createOrReplaceTempView(name)
    return name


def account(con: LoaderCon, raw: SparkRawTable, checked: str) -> TableQuality:
    """:func:`cxlib.io.rows.account` on Spark: rows per tagged reason (a few groups) and up
    to :data:`~cxlib.io.config.EXAMPLE_ROWS` raw example rows per reason."""
    tagged = con.spark.sql(
        f"SELECT _reason, count(*) AS n FROM {checked} WHERE _reason IS NOT NULL GROUP BY _reason"
    ).collect()
    excluded: dict[str, int] = {}
    by_column: dict[str, dict[str, int]] = {}
    for tag, n in sorted(tagged, key=lambda r: (-r[1], r[0])):
        reason, _, column = tag.partition(rows.COLUMN_MARK)
        excluded[reason] = excluded.get(reason, 0) + n
        if column:
            by_column.setdefault(reason, {})[column] = n
    excluded = {r: excluded[r] for r in REASONS if r in excluded}
    examples = _examples(con, raw, checked) if excluded else {}
    return TableQuality(
        raw.name, raw.origin, raw.num_rows, raw.num_rows - sum(excluded.values()), excluded,
        examples, encoding=raw.encoding, warnings=list(raw.warnings),
        rows_filtered=raw.rows_filtered, excluded_columns=by_column,
    )  # fmt: skip


def _examples(con: LoaderCon, raw: SparkRawTable, checked: str) -> dict[str, Any]:
    """Reason -> its first example rows in source order, as read (every value as text)."""
    mark = rows.COLUMN_MARK
    first = (
        f"SELECT _row, split_part(_reason, '{mark}', 1) AS reason FROM (SELECT _row, _reason, "
        f"row_number() OVER (PARTITION BY split_part(_reason, '{mark}', 1) ORDER BY _row) AS i "
        f"FROM {checked} WHERE _reason IS NOT NULL) WHERE i <= {EXAMPLE_ROWS}"
    )
    cols = ", ".join(f'{_as_text(c, t)} AS "{c}"' for c, t in raw.columns.items())
    sample = con.sql(
        f"SELECT e.reason, r.{raw.row} AS _row, {cols} FROM {raw.relation} AS r "
        f"JOIN ({first}) AS e ON r.{raw.row} = e._row"
    ).toPandas()
    sample["_row"] = sample["_row"].astype("int64")
    return {
        reason: part.drop(columns="reason").sort_values("_row").reset_index(drop=True)
        for reason, part in sample.groupby("reason", sort=False)
    }


def _as_text(column: str, dtype: str) -> str:
    """A raw value as text, as DuckDB writes it (a float's NaN and infinities as ``nan``,
    ``inf``, ``-inf``; Spark writes ``NaN`` and ``Infinity``)."""
    text = f'CAST("{column}" AS VARCHAR)'
    if dtype not in ("DOUBLE", "FLOAT"):
        return text
    value = f'"{column}"'
    return (
        f"(CASE WHEN isnan({value}) THEN 'nan' WHEN {value} = CAST('Infinity' AS DOUBLE) "
        f"THEN 'inf' WHEN {value} = -CAST('Infinity' AS DOUBLE) THEN '-inf' ELSE {text} END)"
    )
