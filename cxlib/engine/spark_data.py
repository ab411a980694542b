"""A data set whose tables stay on Spark: read, validated and kept there.

:func:`load_on_spark` is :func:`cxlib.load`'s twin for data that does not fit the driver:
every table is read and validated on Spark
(:func:`cxlib.engine.spark_load.validate_on_spark`) and its kept rows stay there as the
temp view ``cx_<table>``. :class:`SparkData` then offers what the analyses ask of a data
set: its config, quality report, the view of each table, counts and column names. The
tables that grow with the customers rather than with the events -- ``customers`` and
``surveys`` (:data:`COLLECTED`) -- come to the driver on first use, with the loader's
dtypes (the comment analysis and the per-customer tables need them there), and so do
the tables an analysis names in ``driver_tables`` (the scorecard's tickets and orders);
asking for another event-sized table (events, tickets, orders, mentions) as a pandas
frame is an error that says so, so nothing collects all events by accident.

Examples
--------
>>> data = load_on_spark("data/sample")                              # doctest: +SKIP
>>> data.count("events"), data.columns("events")[:3]                 # doctest: +SKIP
(532259, ['_row', 'customer_id', 'timestamp'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cxlib.contract import TABLES
from cxlib.io.config import DatasetConfig, load_config
from cxlib.io.dataset import TIME_COLUMNS, CXData, worded
from cxlib.io.quality import QualityReport
from cxlib.wording import count

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

COLLECTED = ("customers", "surveys")
"""Tables brought to the driver on first use (one row per customer or survey answer)."""

ROW = "_row"
"""The kept views' column holding each row's 1-based source row (the source order)."""

_DTYPES = {
    "id": "string[pyarrow]",
    "text": "string[pyarrow]",
    "category": "category",
    "int": "Int64",
    "bool": "boolean",
    "float": "float64",
}


@dataclass
class SparkData:
    """A validated data set whose tables are Spark temp views (:func:`load_on_spark`).

    Attributes
    ----------
    source, config, quality : as on :class:`cxlib.io.dataset.CXData`.
    spark : the session holding the views.
    views : table name -> temp view of its kept rows (typed columns and ``_row``).
    driver_tables : the tables that come to the driver on first use (:data:`COLLECTED`
        and those an analysis asked for, e.g. the scorecard's tickets).
    """

    source: str
    config: DatasetConfig
    quality: QualityReport
    spark: SparkSession
    views: dict[str, str]
    driver_tables: tuple[str, ...] = COLLECTED
    _collected: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    _kept: dict[str, KeptTable] = field(default_factory=dict, repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame | None:
        if name not in TABLES:
            raise AttributeError(name)
        if name not in self.__dict__.get("views", {}):
            return None
        if name not in self.driver_tables:
            raise TypeError(
                f"the {name} table stays on Spark (view {self.views[name]}): query it there "
                "(SparkData.frame) instead of bringing every row to the driver, or load it "
                f"with driver_tables=[{name!r}] when the analysis needs it in pandas"
            )
        if name not in self._collected:
            order = self.config.stage_order
            self._collected[name] = collect(self.frame(name), name, order)
        return self._collected[name]

    @property
    def tables(self) -> dict[str, Any]:
        """Table name -> the collected frame (:attr:`driver_tables`) or a :class:`KeptTable`
        (column names and row count of a table that stays on Spark)."""
        for name in self.views:
            if name not in self.driver_tables and name not in self._kept:
                self._kept[name] = KeptTable(self, name)
        return {
            name: getattr(self, name) if name in self.driver_tables else self._kept[name]
            for name in self.views
        }

    def __repr__(self) -> str:
        """The source and each table's kept rows (from the row accounting: no Spark job),
        as :class:`~cxlib.io.dataset.CXData` says it, naming where the tables are."""
        kept = {name: t.rows_kept for name, t in self.quality.tables.items()}
        sizes = ", ".join(f"{n}={count(kept[n])}" for n in self.views if n in kept)
        return f"SparkData({self.source!r}: {sizes}; kept on Spark)"

    def has(self, *names: str) -> bool:
        """True when every named table is present."""
        return all(n in self.views for n in names)

    def frame(self, name: str) -> DataFrame:
        """The Spark DataFrame of table ``name``'s kept rows."""
        return self.spark.table(self.views[name])

    def columns(self, name: str) -> list[str]:
        """The column names of table ``name`` (``_row`` first); empty when it is absent."""
        return self.frame(name).columns if name in self.views else []

    def count(self, name: str) -> int:
        """Kept rows of table ``name`` (0 when it is absent)."""
        return int(self.frame(name).count()) if name in self.views else 0

    def distinct(self, name: str, column: str) -> pd.Series:
        """The distinct non-null values of ``name``'s ``column``, computed on Spark; only
        they reach the driver (for ``customer_id``: one row per customer).

        >>> data.distinct("events", "customer_id").size                 # doctest: +SKIP
        1987
        """
        rows = self.frame(name).select(column).where(f"{column} IS NOT NULL").distinct()
        return rows.toPandas()[column]

    def share_known(self, name: str, ids: pd.Series) -> float:
        """The share of table ``name``'s distinct customer ids that are in ``ids`` (0 when
        it has none): only ``ids`` (one per customer) go to Spark."""
        from cxlib.engine.spark import SparkEngine

        known = pd.DataFrame({"customer_id": pd.unique(ids.dropna().astype(str))})
        engine = SparkEngine(self.spark)  # its staged file lives as long as the engine
        engine.register("cx_known_ids", known)
        total, hit = engine.spark.sql(
            f"SELECT COUNT(*), COUNT(k.customer_id) FROM (SELECT DISTINCT customer_id "
            f"FROM {self.views[name]} WHERE customer_id IS NOT NULL) e "
            "LEFT JOIN cx_known_ids k ON e.customer_id = k.customer_id"
        ).first()
        return float(hit) / total if total else 0.0

    def period(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last timestamp over the activity tables (customers excluded), as
        :meth:`cxlib.io.dataset.CXData.period`; computed on Spark."""
        from pyspark.sql import functions as F

        lows, highs = [], []
        for name in self.views:
            col = TIME_COLUMNS[name]
            if name != "customers" and col in self.columns(name):
                low, high = self.frame(name).agg(F.min(col), F.max(col)).first()
                if low is not None:
                    lows.append(pd.Timestamp(low))
                    highs.append(pd.Timestamp(high))
        return (min(lows), max(highs)) if lows else None

    end_of_data = CXData.end_of_data


class KeptTable:
    """What the driver knows of a table kept on Spark: ``columns`` (without ``_row``) and
    ``len()`` (its kept rows, counted on Spark once)."""

    def __init__(self, data: SparkData, name: str) -> None:
        self.data, self.name = data, name
        self.columns = pd.Index([c for c in data.columns(name) if c != ROW])
        self._rows: int | None = None

    def __len__(self) -> int:
        if self._rows is None:
            self._rows = self.data.count(self.name)
        return self._rows


def kept_on_spark(data: Any) -> bool:  # noqa: ANN401
    """True when ``data``'s tables stay on Spark (a :class:`SparkData`).

    >>> kept_on_spark(object())
    False
    """
    return isinstance(getattr(data, "views", None), dict)


def data_engine(data: Any) -> str:  # noqa: ANN401
    """Where the heavy work on ``data`` runs: ``spark`` when its tables are kept there
    (a :class:`SparkData`), else the engine chosen for its config
    (:func:`cxlib.engine.engine_name`).

    >>> data_engine(object())
    'duckdb'
    """
    from cxlib.engine import engine_name

    return "spark" if kept_on_spark(data) else engine_name(getattr(data, "config", None))


def collect(frame: DataFrame, table: str, stage_order: Sequence[str] | None = None) -> pd.DataFrame:
    """A kept table brought to the driver with the loader's dtypes (source order, no
    ``_row``): ids and text ``string[pyarrow]``, ``Int64``, ``boolean``, times
    ``datetime64[us]``, labels ``category`` with :func:`cxlib.load`'s categories -- in
    order of first appearance (groupings list them in that order), the stage in
    ``stage_order`` (ordered)."""
    out = frame.orderBy(ROW).drop(ROW).toPandas()
    spec = TABLES[table]
    for col in out.columns:
        column = spec.column(col)
        kind = column.kind if column else ("float" if out[col].dtype.kind == "f" else "text")
        if kind in ("date", "datetime"):
            out[col] = pd.to_datetime(out[col]).astype("datetime64[us]")
        elif kind == "category":
            out[col] = _labels(out[col], stage_order if col == "stage" else None)
        elif kind in _DTYPES:
            out[col] = out[col].astype(_DTYPES[kind])
    return out


def _labels(values: pd.Series, order: Sequence[str] | None) -> pd.Categorical:
    """``values`` as the loader's categorical: categories in order of first appearance,
    or ``order`` (ordered; values outside it missing).

    >>> list(_labels(pd.Series(["b", None, "a", "b"]), None).categories)
    ['b', 'a']
    >>> _labels(pd.Series(["late", "early"]), ["early", "late"]).ordered
    True
    """
    if order is not None:
        return pd.Categorical(values, categories=list(order), ordered=True)
    return pd.Categorical(values, categories=pd.unique(values.dropna()))


def load_on_spark(
    source: str | Path,
    config: str | Path | dict | DatasetConfig | None = None,
    tables: list[str] | None = None,
    *,
    spark: SparkSession | None = None,
    driver_tables: Sequence[str] = (),
) -> SparkData:
    """Read and validate ``source`` on Spark and keep its tables there (see the module).

    Parameters
    ----------
    source : a folder of CSV / Parquet / ``.xlsx`` files every executor can read.
    config, tables : as for :func:`cxlib.load`.
    spark : the session (default: the configured one).
    driver_tables : tables to bring to the driver on first use besides
        :data:`COLLECTED` (an analysis that reads them in pandas, e.g. the scorecard's
        tickets); the others stay on Spark.

    Raises
    ------
    DataContractError
        The structural problems :func:`cxlib.load` raises, all at once.
    """
    from cxlib.engine.spark import SparkEngine
    from cxlib.engine.spark_load import validate_on_spark

    cfg = load_config(config)
    spark = spark or SparkEngine.for_config(cfg).spark
    quality, views = validate_on_spark(source, cfg, tables, spark=spark, keep=True)
    keep = tuple(dict.fromkeys([*COLLECTED, *driver_tables]))
    return worded(SparkData(str(source), cfg, quality, spark, views, keep))
