"""``cxlib.load``: read a CX data set onto the contract, validated, with a quality report.

Data dictionary
---------------
The tables and columns are those of :mod:`cxlib.contract` (``shared/DATA_CONTRACT.md``):

customers   customer_id (str), signup_date, churned (boolean), churn_date, age (Int64),
            gender, region, plan, income_band, preferred_channel (category),
            monthly_revenue (float), plus any other column (number or string)
surveys     response_id, customer_id, responded_at, survey (nps/csat/ces), score (Int64),
            touchpoint, channel, comment
tickets     ticket_id, customer_id, opened_at, first_response_at, resolved_at, channel,
            category, contacts (Int64)
events      customer_id, timestamp, stage (ordered category), touchpoint, channel, session_id
orders      order_id, customer_id, ordered_at, amount
mentions    mention_id, posted_at, platform, text, likes, shares, comments, customer_id

Ids and text are pandas ``string[pyarrow]``; labels are ``category``; every date
and time is ``datetime64`` in naive UTC (dates at midnight). A table the source
lacks is ``None`` and listed in ``quality.missing_tables``.

:meth:`CXData.subset` gives some of the tables (the same frames) with their part of the
quality report; ``load(..., memo=folder)`` shares one load between the notebooks of a
report run (:mod:`cxlib.io.memo`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from cxlib.contract import TABLES
from cxlib.io import memo as memos
from cxlib.io.config import DatasetConfig, load_config
from cxlib.io.memory import small_pages
from cxlib.io.quality import QualityReport
from cxlib.io.raw import filtered
from cxlib.io.readers import DataContractError, describe_source, open_reader
from cxlib.io.schemas import CHECK_ROWS, check_contract
from cxlib.io.validate import CUSTOMER_IDS, validate_table
from cxlib.wording import count, use_currency, use_labels

TIME_COLUMNS = {
    "customers": "signup_date",
    "surveys": "responded_at",
    "tickets": "opened_at",
    "events": "timestamp",
    "orders": "ordered_at",
    "mentions": "posted_at",
}
"""The column that places each table's rows in time (for the period covered)."""


@dataclass
class CXData:
    """A loaded, validated CX data set: one DataFrame (or None) per canonical table."""

    source: str
    config: DatasetConfig
    quality: QualityReport
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame | None:
        if name in TABLES:
            return self.__dict__.get("tables", {}).get(name)
        raise AttributeError(name)

    def has(self, *names: str) -> bool:
        """True when every named table is present."""
        return all(n in self.tables for n in names)

    def period(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last timestamp over the activity tables (customers excluded)."""
        lows, highs = [], []
        for name, frame in self.tables.items():
            col = TIME_COLUMNS[name]
            if name != "customers" and col in frame and frame[col].notna().any():
                lows.append(frame[col].min())
                highs.append(frame[col].max())
        return (min(lows), max(highs)) if lows else None

    def end_of_data(self) -> pd.Timestamp | None:
        """The end of the data, the one definition every analysis uses: the last activity
        timestamp (:meth:`period`), else the latest signup or churn date; None when the
        data has no date at all.

        Examples
        --------
        >>> from cxlib.io.quality import QualityReport
        >>> c = pd.DataFrame({"signup_date": pd.to_datetime(["2024-01-01", "2024-03-01"])})
        >>> CXData("x", DatasetConfig(), QualityReport("x"), {"customers": c}).end_of_data()
        Timestamp('2024-03-01 00:00:00')
        """
        period = self.period()
        if period is not None:
            return pd.Timestamp(period[1])
        c = self.customers
        dates = [
            c[col].max() for col in ("signup_date", "churn_date") if c is not None and col in c
        ]
        known = [d for d in dates if pd.notna(d)]
        return pd.Timestamp(max(known)) if known else None

    def subset(self, tables: Iterable[str]) -> CXData:
        """The data set with only ``tables`` (those of them it has): the same frames, not
        copies, and the quality report restricted to them.

        Raises
        ------
        ValueError
            A name that is not a table of the contract.

        Examples
        --------
        >>> from cxlib.io.quality import QualityReport
        >>> cx = CXData("x", DatasetConfig(), QualityReport("x"), {"orders": pd.DataFrame()})
        >>> cx.subset(["orders", "events"]).tables.keys(), cx.subset([]).tables
        (dict_keys(['orders']), {})
        """
        wanted = _known_tables(tables)
        return CXData(
            self.source,
            self.config,
            self.quality.subset(wanted),
            {name: frame for name, frame in self.tables.items() if name in wanted},
        )

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A fresh DuckDB connection with every table registered under its name."""
        con = duckdb.connect()
        for name, frame in self.tables.items():
            con.register(name, frame)
        return con

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={count(len(f))}" for n, f in self.tables.items())
        return f"CXData({self.source!r}: {sizes})"


def load(
    source: str | Path,
    config: str | Path | dict | DatasetConfig | None = None,
    tables: list[str] | None = None,
    *,
    memo: str | Path | None = None,
) -> CXData:
    """Load and validate a CX data set.

    Parameters
    ----------
    source : folder of CSV/Parquet files, DuckDB file, or SQLAlchemy URL
        (e.g. ``postgresql+psycopg://user@host/db``; needs the ``postgres`` extra).
    config : YAML path / dict / DatasetConfig mapping the user's names onto the
        contract (see :mod:`cxlib.io.config`); None = canonical names.
    tables : load only these tables (default: all the source has).
    memo : a folder holding loads shared between processes (:mod:`cxlib.io.memo`); the
        report runner gives each notebook one per run. A load of this source and config
        found there is read from it (the asked tables of it); otherwise the source is
        read and a full load is left there for the next caller. None (the default)
        always reads the source.

    Returns
    -------
    CXData
        Typed tables and ``quality``, the row accounting per table and reason.

    Raises
    ------
    DataContractError
        All structural problems at once (missing required column, duplicate ids,
        empty or non-CSV/Parquet file, no table at all), each naming the file,
        column, count and the fix.
    ValueError
        A name in ``tables`` that is not a table of the contract.

    Examples
    --------
    >>> cx = load("data/sample")                      # doctest: +SKIP
    >>> cx.quality.to_dict()["orders"]["excluded"]    # doctest: +SKIP
    {'negative_amount': 2}
    """
    wanted = None if tables is None else _known_tables(tables)
    if memo is not None:
        stored = memos.read(memo, source, config)
        if stored is not None:
            return worded(stored if wanted is None else stored.subset(wanted))
    with small_pages():  # see cxlib.io.memory: fresh memory is most of a large load's cost
        data = _read_and_validate(source, config, wanted)
    if memo is not None and wanted is None:
        memos.remember(memo, source, config, data)
    return worded(data)


DataSet = TypeVar("DataSet")
"""A loaded data set of either loader (``CXData`` or Spark's ``SparkData``)."""


def worded(data: DataSet) -> DataSet:
    """``data``, after making its config's currency and labels those every page writes
    (for the whole process, as every loader of a data set does: :func:`load`, and
    :func:`cxlib.engine.spark_data.load_on_spark` on Spark)."""
    use_currency(getattr(data.config, "currency", None))
    use_labels(getattr(data.config, "labels", None))
    return data


def _known_tables(tables: Iterable[str]) -> set[str]:
    """The table names asked for, checked against the contract's tables."""
    wanted = {tables} if isinstance(tables, str) else set(tables)
    unknown = wanted - set(TABLES)
    if unknown:
        raise ValueError(f"unknown table(s) {sorted(unknown)}; the tables are {list(TABLES)}")
    return wanted


def _read_and_validate(
    source: str | Path, config: str | Path | dict | DatasetConfig | None, tables: set[str] | None
) -> CXData:
    """:func:`load` without the memo: read the source, validate every table."""
    cfg = load_config(config)
    where = describe_source(source)
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{cfg.timezone}'")
    with contextlib.suppress(duckdb.Error):  # in a Jupyter kernel it is off and cannot be set
        con.execute("SET enable_progress_bar = false")
    reader = open_reader(source, con)
    quality = QualityReport(where)
    data = CXData(where, cfg, quality)
    problems: list[str] = []
    customer_ids: str | None = None
    # contract order, whatever order was asked: customers first, for the orphan check
    for name in [n for n in TABLES if tables is None or n in tables]:
        mapping = cfg.mapping(name)
        if mapping.skip:
            quality.missing_tables.append(name)
            continue
        try:
            raw = reader.read(name, mapping)
            if raw is not None and mapping.where:  # the config's row filter, before checks
                raw = filtered(con, raw, mapping.where, f"tables.{name}.where")
        except DataContractError as exc:
            problems += exc.problems
            continue
        if raw is None:
            quality.missing_tables.append(name)
            continue
        frame, tq, table_problems = validate_table(con, raw, cfg, customer_ids)
        if table_problems:
            problems += table_problems
            continue
        # every row passed the SQL checks, and duplicate ids are a structural error above:
        # the postcondition guards against defects in those checks at a bounded cost
        check_contract(frame, name, cfg, unique=False, max_rows=CHECK_ROWS)
        quality.tables[name] = tq
        quality.warnings += tq.warnings
        data.tables[name] = frame
        if name == "customers":
            customer_ids = CUSTOMER_IDS
    if not problems and not data.tables:
        problems.append(no_tables_problem(where))
    if problems:
        raise DataContractError(problems, where)
    return data


def no_tables_problem(where: str) -> str:
    """The problem of a source holding none of the contract's tables, with its fix."""
    return (
        f"{where}: none of the tables {list(TABLES)} was found. Fix: name the files "
        "<table>.csv or <table>.parquet, or map them in a config (tables.<name>.file)."
    )
