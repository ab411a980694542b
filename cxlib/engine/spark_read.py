"""Reading a folder's table files on Spark: the raw table validation checks, never on the driver.

The Spark twin of :class:`cxlib.io.files.FolderReader`: the same files are found (the
same config keys), CSV is read as text with the header, delimiter, quoting and encoding
cxlib judges (a sample of the file is read on the driver for that, never the rows),
Parquet as typed; the 1-based source row number is added (:func:`numbered`, exact on
any number of partitions) and blanks other than the space are trimmed from the ends of
the columns that have them (the rule of :mod:`cxlib.io.blanks`). The raw table is then
materialised once on the executors (a local checkpoint) so that the checks do not parse
the file again. An ``.xlsx`` sheet is small: it is read on the driver and handed over.

Examples
--------
>>> from pyspark.sql import SparkSession                             # doctest: +SKIP
>>> raw = read_table(SparkSession.getActiveSession(), "data/sample", "orders",
...                  TableMapping())                                 # doctest: +SKIP
>>> raw.num_rows                                                     # doctest: +SKIP
19869
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from cxlib.contract import TABLES
from cxlib.engine.translate import duckdb_type, to_spark
from cxlib.io.blanks import BLANKS
from cxlib.io.config import TableMapping
from cxlib.io.encoding import detect_encoding, open_bytes, open_text
from cxlib.io.files import (
    CSV_SUFFIXES,
    PARQUET_SUFFIXES,
    FolderReader,
    check_not_empty,
    checked_header,
    delimiter,
    renamed_note,
)
from cxlib.io.raw import DataContractError, RawTable
from cxlib.io.sheets import MAGIC_BYTES, XLSX_SUFFIXES, binary_kind, read_xlsx

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

OTHER_BLANKS = "".join(c for c in BLANKS if c != " ")
"""The blanks a value may not start or end with (the space is trimmed by the typing SQL)."""

_CLASS = "".join(f"\\u{ord(c):04x}" for c in BLANKS)
_OTHER_CLASS = "".join(f"\\u{ord(c):04x}" for c in OTHER_BLANKS)
HAS_OTHER_BLANK = f"\\A[{_OTHER_CLASS}]|[{_OTHER_CLASS}]\\z"
"""Java regex: a value starting or ending with a blank other than the space."""
ALL_BLANKS_AT_ENDS = f"\\A[{_CLASS}]+|[{_CLASS}]+\\z"
"""Java regex: every blank at either end of a value (what :func:`strip_blanks` removes)."""

_PID, _MID = "_cx_partition", "_cx_position"


@dataclass
class SparkRawTable(RawTable):
    """A raw table living on Spark: ``relation`` is a temp view holding the source row
    number as ``row`` (it is its own ``numbered_relation``); ``rows`` counts its rows."""

    rows: int = 0

    @property
    def num_rows(self) -> int:  # type: ignore[override]
        """Rows in the raw table (after the config's row filter)."""
        return self.rows


def read_table(
    spark: SparkSession, folder: str | Path, table: str, mapping: TableMapping
) -> tuple[DataFrame, dict] | None:
    """The table's file as read by Spark and what the reader learned (origin, encoding,
    warnings, renamed headers); None when the folder has no such table.

    Raises
    ------
    DataContractError
        The file problems :class:`~cxlib.io.files.FolderReader` names (empty, not a
        table file, a header without names or with repeats, no data rows).
    """
    path = FolderReader(folder, None).find(table, mapping)
    if path is None:
        return None
    check_not_empty(path, table)
    name = path.name.lower()
    info = {"origin": str(path), "encoding": None, "warnings": [], "renamed": {}}
    if name.endswith(PARQUET_SUFFIXES):
        frame = _read_parquet(spark, path)
    elif name.endswith(CSV_SUFFIXES):
        frame = _read_csv(spark, path, info)
    elif name.endswith(XLSX_SUFFIXES):
        arrow, sheet = read_xlsx(path, table, mapping.sheet)
        info["origin"] = f"{path} (sheet {sheet!r})"
        header, renamed = checked_header(Path(info["origin"]), arrow.column_names)
        _note_renamed(info, renamed)
        frame = spark.createDataFrame(arrow.rename_columns(header).to_pandas())
    else:
        raise DataContractError(
            [f"{path}: not a CSV, Parquet or Excel (.xlsx) file (suffix {path.suffix!r}). "
             "Fix: export the table as .csv (UTF-8), .parquet or .xlsx."]
        )  # fmt: skip
    return frame, info


def _read_csv(spark: SparkSession, path: Path, info: dict) -> DataFrame:
    """Every column as text, the header (read here) deciding the columns."""
    from pyspark.sql.types import StringType, StructField, StructType

    with open_bytes(path) as fh:
        kind = binary_kind(path, fh.read(MAGIC_BYTES))
    if kind:
        raise DataContractError([f"{path}: the file is {kind}."])
    encoding, note = detect_encoding(path)
    with open_text(path, "utf-8-sig" if encoding == "utf-8" else encoding) as fh:
        first = next(csv.reader(fh, delimiter=delimiter(path)), [])
    header, renamed = checked_header(path, first)
    info["encoding"] = encoding
    info["warnings"] += [note] if note else []
    _note_renamed(info, renamed)
    schema = StructType([StructField(h, StringType()) for h in header])
    options = {
        "header": "true", "sep": delimiter(path), "quote": '"', "escape": '"',
        "multiLine": "true", "encoding": encoding, "mode": "PERMISSIVE",
        "enforceSchema": "true",
    }  # fmt: skip
    return spark.read.schema(schema).options(**options).csv(str(path))


def _read_parquet(spark: SparkSession, path: Path) -> DataFrame:
    """The Parquet file as typed; nanosecond timestamps (pandas' default), which Spark reads
    only as integers (``spark.sql.legacy.parquet.nanosAsLong``, set while reading), are
    turned back into timestamps in microseconds, as the DuckDB reader keeps them."""
    from pyspark.sql import functions as F  # noqa: N812

    frame = spark.read.parquet(str(path))
    try:
        schema = pq.read_schema(path)  # the footer only
    except (OSError, pa.ArrowInvalid):  # not readable from the driver: Spark's own types
        return frame
    for field in schema:
        if pa.types.is_timestamp(field.type) and field.type.unit == "ns":
            micros = f"(`{field.name.replace('`', '``')}` div 1000)"
            value = (
                f"timestamp_micros({micros})"
                if field.type.tz
                else f"timestampadd(MICROSECOND, {micros}, TIMESTAMP_NTZ'1970-01-01 00:00:00')"
            )
            frame = frame.withColumn(field.name, F.expr(value))
    return frame


def _note_renamed(info: dict, renamed: list[tuple[str, str]]) -> None:
    """Remember headers renamed for case, with the reader's warning."""
    info["renamed"] = dict(renamed)
    if renamed:
        info["warnings"].append(renamed_note(info["origin"], renamed))


def numbered(frame: DataFrame, row: str) -> DataFrame:
    """``frame`` with its 1-based row number in file order as ``row``.

    Spark's increasing id leaves gaps between partitions; each partition's rows are
    counted (one small result) and its ids shifted to follow the previous partition's.
    """
    from pyspark.sql import functions as F  # noqa: N812

    if frame.rdd.getNumPartitions() == 1:  # a CSV file (read whole): ids are 0, 1, 2, ...
        return frame.withColumn(row, F.monotonically_increasing_id() + F.lit(1))
    tagged = frame.withColumn(_PID, F.spark_partition_id()).withColumn(
        _MID, F.monotonically_increasing_id()
    )
    sizes = sorted(tuple(r) for r in tagged.groupBy(_PID).count().collect())
    offsets, total = [], 0
    for pid, n in sizes:
        offsets.append((pid, total))
        total += n
    spark = frame.sparkSession
    starts = spark.createDataFrame(offsets or [(0, 0)], f"{_PID} int, _cx_start long")
    first_id = F.shiftleft(F.col(_PID).cast("long"), 33)
    out = tagged.join(F.broadcast(starts), _PID).withColumn(
        row, F.col(_MID) - first_id + F.col("_cx_start") + F.lit(1)
    )
    return out.drop(_PID, _MID, "_cx_start")


def strip_blanks(frame: DataFrame, table: str, mapping: TableMapping) -> DataFrame:
    """Trim every blank from the ends of the text columns that have a blank other than the
    space at an end (free text kept as written), as :func:`cxlib.io.blanks.strip_blanks`."""
    from pyspark.sql import functions as F  # noqa: N812

    free_text = {mapping.source_column(c.name) for c in TABLES[table].columns if c.kind == "text"}
    text = [
        f.name
        for f in frame.schema.fields
        if f.dataType.simpleString() == "string" and f.name not in free_text
    ]
    if not text:
        return frame
    # a value trimmed of the other blanks differs from it exactly when it starts or ends
    # with one (HAS_OTHER_BLANK); trimming looks at the ends only, a regex at every position
    others = F.lit(OTHER_BLANKS)
    probe = frame.select(
        [
            F.max(F.col(f"`{c}`") != F.trim(F.col(f"`{c}`"), others)).alias(str(i))
            for i, c in enumerate(text)
        ]
    ).collect()[0]
    for i, c in enumerate(text):
        if probe[i]:
            frame = frame.withColumn(c, F.regexp_replace(F.col(f"`{c}`"), ALL_BLANKS_AT_ENDS, ""))
    return frame


def raw_table(
    spark: SparkSession,
    frame: DataFrame,
    table: str,
    info: dict,
    mapping: TableMapping,
    timezone: str,
) -> SparkRawTable:
    """The checked raw table: numbered, filtered by the config's ``where``, blanks
    trimmed, materialised as the temp view ``raw_<table>``.

    Raises
    ------
    DataContractError
        No data rows, or a ``where`` that does not work on the table.
    """
    row = "_cxlib_row" if "_row" in frame.columns else "_row"
    frame = numbered(frame, row).localCheckpoint(eager=True)  # the file is parsed once
    read = frame.count()
    if read == 0:
        raise DataContractError(
            [f"{info['origin']}: the file has a header but no data rows. "
             "Fix: export the data again."]
        )  # fmt: skip
    if mapping.where:
        frame = _filtered(spark, frame, mapping.where, table, info["origin"], timezone)
    stripped = strip_blanks(frame, table, mapping)
    if mapping.where or stripped is not frame:
        frame = stripped.localCheckpoint(eager=True)
    rows = frame.count()
    relation = f"raw_{table}"
    frame.createOrReplaceTempView(relation)
    columns = {
        f.name: duckdb_type(f.dataType.simpleString()) for f in frame.schema.fields if f.name != row
    }
    return SparkRawTable(
        table, info["origin"], relation, columns, row, encoding=info["encoding"],
        warnings=list(info["warnings"]), numbered_relation=relation, renamed=info["renamed"],
        rows_filtered=read - rows, rows=rows,
    )  # fmt: skip


def _filtered(
    spark: SparkSession, frame: DataFrame, where: str, table: str, origin: str, timezone: str
) -> DataFrame:
    """The rows the config's condition keeps (its DuckDB SQL in Spark's spelling)."""
    key = f"tables.{table}.where"
    frame.createOrReplaceTempView("_cx_unfiltered")
    try:
        kept = spark.sql(
            f"SELECT * FROM _cx_unfiltered WHERE COALESCE(({to_spark(where, timezone)}), FALSE)"
        )
        kept.schema  # noqa: B018  (analysed now: a bad condition fails here)
    except Exception as exc:  # noqa: BLE001  (pyspark's analysis errors have no common base)
        first = str(exc).splitlines()[0]
        raise DataContractError(
            [f"{origin}: the config condition {key} ({where}) does not work on this table "
             f"({first}). Fix: correct {key}; it is DuckDB SQL on the source columns "
             f"{[c for c in frame.columns if not c.startswith('_')][:12]}."]
        ) from exc  # fmt: skip
    return kept
