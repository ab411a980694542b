"""Where the heavy SQL runs: DuckDB embedded (the default), or Spark when a user chooses it.

The shared queries (``cxlib/sql``) are written once in the spelling both engines accept,
with the few engine-specific forms as named snippets (:mod:`cxlib.engine.dialect`). This
package picks the engine and gives the code that runs those queries a connection with
DuckDB's small interface -- ``register(name, frame)``, ``execute(sql).fetchall()`` /
``.df()``, ``sql(sql).to_arrow_table()`` -- plus :func:`create_relation` for the prepared
tables. On DuckDB that connection *is* a DuckDB connection (nothing changes for users who
do not choose Spark); on Spark it is a :class:`cxlib.engine.spark.SparkEngine`, and
``pyspark`` is imported only then (``pip install cxlib[spark]``).

The engine is chosen, first match wins, by the ``CXLIB_ENGINE`` environment variable (the
CLI's ``--engine`` sets it for the whole run, notebooks included), by ``engine:`` in the
data set's config, or else DuckDB. Spark's master and settings come from the config's
``spark:`` section (``master``, ``conf``) or ``CXLIB_SPARK_MASTER``; an active Spark
session (a Databricks notebook) is used as it is. :func:`cxlib.engine.loading.load_data` is the
reports' loader: :func:`cxlib.load` on DuckDB, :func:`cxlib.engine.spark_data.load_on_spark`
(tables read, validated and kept on Spark) when Spark is chosen.

>>> engine_name(None, environ={})
'duckdb'
>>> engine_name(None, environ={"CXLIB_ENGINE": "Spark"})
'spark'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

DEFAULT_ENGINE = "duckdb"
"""The embedded engine every run uses unless another is chosen."""

ENGINES = ("duckdb", "spark")
"""The engines the shared SQL runs on."""

ENV_ENGINE = "CXLIB_ENGINE"
"""Environment variable naming the engine (set by ``--engine``; wins over the config)."""


def engine_name(config: Any = None, environ: Mapping[str, str] | None = None) -> str:  # noqa: ANN401
    """The engine chosen for ``config`` (a :class:`~cxlib.io.config.DatasetConfig` or None).

    Raises
    ------
    ValueError
        An engine that is not one of :data:`ENGINES`.

    Examples
    --------
    >>> engine_name(None, environ={"CXLIB_ENGINE": "duckdb"})
    'duckdb'
    """
    env = os.environ if environ is None else environ
    name = env.get(ENV_ENGINE) or getattr(config, "engine", None) or DEFAULT_ENGINE
    name = str(name).strip().lower()
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; the engines are {list(ENGINES)}")
    return name


def connect(cx: Any, engine: str | None = None) -> Any:  # noqa: ANN401
    """A connection for the shared queries on ``cx``'s engine (see the module docstring).

    DuckDB: ``cx.connect()``, a fresh connection with the data set's tables registered.
    Spark: a :class:`~cxlib.engine.spark.SparkEngine` on the configured session; tables are
    registered by the caller (the journey registers its ``journey_*`` inputs).

    Examples
    --------
    >>> con = connect(cxlib.load("data/sample"))                  # doctest: +SKIP
    """
    name = engine or engine_name(getattr(cx, "config", None))
    if name == "duckdb":
        return cx.connect()
    from cxlib.engine.spark import SparkEngine  # pyspark only when Spark is chosen

    return SparkEngine.for_config(getattr(cx, "config", None))


def create_relation(con: Any, name: str, sql: str, *, view: bool = False) -> None:  # noqa: ANN401
    """Make the result of ``sql`` the relation ``name`` on ``con`` (temp table or view).

    DuckDB: ``CREATE OR REPLACE TEMP TABLE|VIEW``. Spark: a checkpointed temp view for a
    table (``cache()`` did not stop Spark recomputing the chain of prepared tables; a
    checkpoint cuts the lineage), a SQL temp view for a view.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> create_relation(con, "one", "SELECT 1 AS x")
    >>> con.execute("SELECT x FROM one").fetchall()
    [(1,)]
    """
    if hasattr(con, "create_relation"):
        con.create_relation(name, sql, view=view)
        return
    kind = "VIEW" if view else "TABLE"
    con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")
