"""The reports' loader: the data set, loaded where the chosen engine works.

A module of its own (not :mod:`cxlib.engine` itself) because it reaches the loaders, and
the config module imports the engine names from :mod:`cxlib.engine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cxlib.engine import engine_name


def load_data(
    source: str | Path,
    config: str | Path | dict | Any = None,  # noqa: ANN401 -- a DatasetConfig too
    tables: list[str] | None = None,
    *,
    memo: str | Path | None = None,
    driver_tables: Sequence[str] = (),
) -> Any:  # noqa: ANN401 -- CXData or SparkData
    """The data set, loaded where the chosen engine works (the reports' loader).

    DuckDB (the default): :func:`cxlib.load` -- typed pandas tables, shared through
    ``memo`` between the run's notebooks. Spark: :func:`cxlib.engine.spark_data.load_on_spark`
    -- read and validated on Spark, events, tickets and orders kept there (``memo`` does not
    apply: nothing event-sized is pickled on the driver); ``driver_tables`` names the
    tables an analysis reads in pandas besides customers and surveys (the scorecard's
    tickets), which then come to the driver. Spark reads a folder of table files every
    executor can read; another source is an error that says so.

    Raises
    ------
    ValueError
        Spark is chosen and ``source`` is not a folder.

    Examples
    --------
    >>> cx = load_data("data/sample")                      # doctest: +SKIP
    >>> type(cx).__name__                                  # doctest: +SKIP
    'CXData'
    """
    from cxlib.io.config import load_config
    from cxlib.io.dataset import load

    cfg = load_config(config)
    if engine_name(cfg) == "duckdb":
        return load(source, config, tables, memo=memo)  # the path: the memo key
    if not Path(source).is_dir():
        raise ValueError(
            f"the Spark engine reads a folder of CSV/Parquet/.xlsx table files; {source} is "
            "not a folder (run this data set on DuckDB: --engine duckdb)"
        )
    from cxlib.engine.spark_data import load_on_spark  # pyspark only when Spark is chosen

    return load_on_spark(source, cfg, tables, driver_tables=driver_tables)
