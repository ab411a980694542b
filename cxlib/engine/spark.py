"""The Spark engine: the shared SQL on a Spark session (local, a cluster, or Databricks).

Used only when Spark is chosen (:func:`cxlib.engine.engine_name`, pyspark is imported
when the first session is made); needs the
``spark`` extra (``pip install cxlib[spark]``) and a Java runtime. :class:`SparkEngine`
offers the small part of a DuckDB connection the shared queries use, so the code that
runs them does not know which engine it talks to.

Session settings, first match wins: an active session (a Databricks notebook, or one a
caller built) is used as it is; else the master is the config's ``spark.master``, then
``CXLIB_SPARK_MASTER``, then spark-submit's ``--master`` (a driver it started),
then ``local[*]``, with the config's ``spark.conf`` on top of
:data:`DEFAULT_CONF`. Timestamps are read as UTC (``spark.sql.session.timeZone``), as
the data contract stores them.

Examples
--------
>>> eng = SparkEngine.for_config(None)                            # doctest: +SKIP
>>> eng.register("t", pd.DataFrame({"x": [1, 2]}))                # doctest: +SKIP
>>> eng.execute("SELECT SUM(x) FROM t").fetchall()                # doctest: +SKIP
[(3,)]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cxlib.engine.dialect import expand

if TYPE_CHECKING:  # pyspark is imported when a session is made (the module loads without it)
    from pyspark.sql import DataFrame, SparkSession

ENV_MASTER = "CXLIB_SPARK_MASTER"
"""Environment variable with the Spark master URL (``local[2]``, ``spark://host:7077``)."""

DEFAULT_MASTER = "local[*]"
"""The master when neither the config nor the environment names one: all local cores."""

SUBMITTED = "PYSPARK_GATEWAY_PORT"
"""Set when spark-submit started this Python driver: its ``--master`` is kept."""

DEFAULT_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",  # the contract's timestamps are naive UTC
    "spark.sql.execution.arrow.pyspark.enabled": "true",  # pandas <-> Spark via Arrow
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.ansi.enabled": "true",  # errors, not silent NULLs, as DuckDB
}
"""Settings every session gets unless the config overrides them."""

LOCAL_DRIVER_MEMORY = "2g"
"""Heap of a local master's JVM (driver and executors in one process; Spark's 1 GB
default runs out on the journey's joins over half a million events)."""

LOCAL_LOG = Path(__file__).with_name("log4j2.properties").as_uri()
"""The JVM log settings of a local master: errors only, no JSON dump of failed queries
(they reach Python as exceptions; the user sees cxlib's sentence, not a page of JSON)."""

LOCAL_SHUFFLE_PARTITIONS = "8"
"""Shuffle partitions on a local master (Spark's 200 cost seconds of task overhead on one
machine; a cluster keeps its own setting)."""


def spark_session(master: str | None = None, conf: dict[str, Any] | None = None) -> SparkSession:
    """The active Spark session, or a new one on ``master`` with ``conf``.

    Examples
    --------
    >>> spark_session("local[2]").sparkContext.master             # doctest: +SKIP
    'local[2]'
    """
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    master = master or os.environ.get(ENV_MASTER)
    if master is None and SUBMITTED not in os.environ:  # under spark-submit: its --master
        master = DEFAULT_MASTER
    settings = dict(DEFAULT_CONF)
    if master and master.startswith("local"):
        settings["spark.sql.shuffle.partitions"] = LOCAL_SHUFFLE_PARTITIONS
        settings["spark.driver.memory"] = LOCAL_DRIVER_MEMORY
        settings["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile={LOCAL_LOG}"
        # one process on this machine: its ports stay on the loopback, not on the network
        settings["spark.driver.host"] = settings["spark.driver.bindAddress"] = "127.0.0.1"
        # Python workers (scoring) run this Python, which has pandas and scikit-learn
        # (pyspark reads the variable when the context starts; a set one is kept)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings |= {str(k): str(v) for k, v in (conf or {}).items()}
    builder = SparkSession.builder.appName("cxlib")
    if master:
        builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    _quiet_query_context_logs()
    return session


def _quiet_query_context_logs() -> None:
    """Silence pyspark's query-context loggers in this process: on every failed query they
    print a page of JSON (the Java stack included) to stderr, while the same error reaches
    the caller as an exception that cxlib reports in one sentence (which file, column and
    config key)."""
    import logging

    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL + 1)


class SparkResult:
    """A query's result with DuckDB's accessors (``fetchall``, ``df``, ``to_arrow_table``)."""

    def __init__(self, frame: DataFrame) -> None:
        self.frame = frame

    @property
    def columns(self) -> list[str]:
        """The result's column names (from the plan: nothing runs)."""
        return list(self.frame.columns)

    def fetchall(self) -> list[tuple]:
        """All rows as tuples (small results only: they come to the driver)."""
        return [tuple(row) for row in self.frame.collect()]

    def df(self) -> pd.DataFrame:
        """The result as a pandas DataFrame (brought to the driver)."""
        return self.frame.toPandas()

    def to_arrow_table(self) -> pa.Table:
        """The result as an Arrow table (brought to the driver)."""
        return self.frame.toArrow()


class SparkEngine:
    """The shared queries on a Spark session, behind a DuckDB-like interface.

    Parameters
    ----------
    spark : SparkSession
        The session the queries run on.
    """

    name = "spark"

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self._staging: Path | None = None

    @classmethod
    def for_config(cls, config: Any = None) -> SparkEngine:  # noqa: ANN401
        """The engine on the session ``config``'s ``spark:`` section describes."""
        settings = dict(getattr(config, "spark", None) or {})
        return cls(spark_session(settings.get("master"), settings.get("conf")))

    def register(self, name: str, frame: pd.DataFrame | pa.Table | DataFrame) -> None:
        """Make ``frame`` the temp view ``name``.

        A pandas or Arrow frame is written to a Parquet file in a staging folder and read
        back by Spark: ``createDataFrame`` would embed every row in the query plan (half a
        million events overflow a 1 GB driver). The folder lives as long as the engine.
        On a cluster, give Spark the tables as paths or catalog names instead (the driver's
        folder is not the executors').
        """
        if isinstance(frame, (pd.DataFrame, pa.Table)):
            # a file name starting with _ or . is hidden to Spark's readers
            path = self._staging_dir() / f"t{name}.parquet"
            pq.write_table(_plain_arrow(frame), path)
            frame = self.spark.read.parquet(str(path))
        frame.createOrReplaceTempView(name)

    def _staging_dir(self) -> Path:
        """The engine's folder for staged Parquet files (removed with the engine)."""
        if self._staging is None:
            self._staging = Path(tempfile.mkdtemp(prefix="cxlib-spark-"))
            weakref.finalize(self, shutil.rmtree, self._staging, ignore_errors=True)
        return self._staging

    def execute(self, sql: str) -> SparkResult:
        """Run one query (engine snippets expanded, see :mod:`cxlib.engine.dialect`)."""
        return SparkResult(self.spark.sql(expand(sql, self.name)))

    sql = execute

    def create_relation(self, name: str, sql: str, *, view: bool = False) -> None:
        """``sql`` as the temp view ``name``: checkpointed (computed once) unless ``view``."""
        sql = expand(sql, self.name)
        if view:
            self.spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {sql}")
            return
        self.spark.sql(sql).localCheckpoint(eager=True).createOrReplaceTempView(name)


def _plain_arrow(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """``frame`` as an Arrow table Spark reads: categories as strings, no index, times in
    microseconds (Spark's precision; Spark rejects nanosecond Parquet timestamps, and a
    nanosecond part is cut).

    >>> f = pd.DataFrame({"a": pd.Categorical(["x", None]), "b": [1, 2],
    ...                   "t": pd.to_datetime(["2026-01-01", None])})
    >>> _plain_arrow(f).schema.types
    [DataType(string), DataType(int64), TimestampType(timestamp[us])]
    """
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        if pa.types.is_timestamp(column.type) and column.type.unit == "ns":
            micros = pa.timestamp("us", column.type.tz)
            column = column.cast(micros, safe=False)
        columns.append(column)
    return pa.table(columns, names=table.column_names)
