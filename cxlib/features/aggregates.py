"""The per-customer aggregates of the event logs: orders, tickets, surveys, events.

Each aggregate is one shared query, ``cxlib/sql/features/<table>.sql``, written in the
spelling DuckDB and Spark SQL both accept (engine-specific forms are snippets of
:mod:`cxlib.engine.dialect`), so the same definition runs on the embedded DuckDB or, when
Spark is chosen (:mod:`cxlib.engine`), on Spark, where only the result -- one row per
customer -- reaches the driver. Each function here registers its table's columns (the
labels as small integer codes) and returns one row per customer who has activity (column
``i``: the customer's position in the customers table), the activity before the
customer's cutoff only. :func:`connect` opens the :class:`Aggregator` holding
``feature_cut``, the per-customer cutoffs every aggregate joins to. Used by
:func:`cxlib.features.customer_features`.

>>> "cx_seconds_between" in render("tickets")
False
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from cxlib.engine import DEFAULT_ENGINE, create_relation
from cxlib.engine.dialect import expand
from cxlib.io.dataset import TIME_COLUMNS, CXData

SQL_DIR = Path(__file__).resolve().parent.parent / "sql" / "features"
"""The folder holding the per-customer aggregate queries."""

_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


@dataclass
class Aggregator:
    """Where the aggregates run: a connection (DuckDB, or a
    :class:`~cxlib.engine.spark.SparkEngine`), its engine name, and whether a cutoff applies
    to some customer (``cutoffs``: the rows are then cut and grouped by position)."""

    con: Any
    engine: str = DEFAULT_ENGINE
    cutoffs: bool = False

    def close(self) -> None:
        """Close a DuckDB connection (a Spark session outlives the features)."""
        if self.engine == DEFAULT_ENGINE:
            self.con.close()


def connect(
    ids: pd.Series,
    ref: np.ndarray,
    limited: np.ndarray,
    engine: str = DEFAULT_ENGINE,
    config: Any = None,  # noqa: ANN401 -- DatasetConfig (its spark: section)
) -> Aggregator:
    """An :class:`Aggregator` on ``engine`` holding ``feature_cut``: each customer's
    position ``i``, cutoff and whether it applies (the table every aggregate joins to)."""
    if engine == DEFAULT_ENGINE:
        con = duckdb.connect()
        with contextlib.suppress(duckdb.Error):  # in a Jupyter kernel it is off and cannot be set
            con.execute("SET enable_progress_bar = false")
    else:
        from cxlib.engine.spark import SparkEngine  # pyspark only when Spark is chosen

        con = SparkEngine.for_config(config)
    cut = pd.DataFrame(
        {"customer_id": ids.array, "i": np.arange(len(ids)), "cutoff": ref, "limited": limited}
    )
    con.register("feature_cut", cut)
    return Aggregator(con, engine, bool(np.any(limited)))


@cache
def _text(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def render(name: str, engine: str = DEFAULT_ENGINE, **params: str) -> str:
    """The query ``name`` with its ``:parameters`` replaced by ``params`` (SQL this module
    writes from integers) and its snippets spelled for ``engine``.

    >>> "date_diff('second'" in render("tickets")
    True
    """
    out = []
    for line in _text(name).splitlines():
        code, sep, comment = line.partition("--")
        out.append(_PARAM.sub(lambda m: params[m.group(1)], code) + sep + comment)
    return expand("\n".join(out), engine)


def _source(agg: Aggregator, table: str, frame: pd.DataFrame, time: str | None = None) -> None:
    """Register ``frame`` (columns of ``table``) and make ``feature_<table>``: its rows
    before each cutoff, with ``grp`` (the group key), ``limited`` and ``cutoff``.

    With a cutoff for some customer the rows are joined to ``feature_cut`` and grouped by
    the customer's position (an integer); without, the join is skipped (``limited`` is
    FALSE) and the rows are grouped by id, joined to ``feature_cut`` after.
    """
    agg.con.register(f"feature_{table}_source", frame)
    if not agg.cutoffs:
        sql = (
            f"SELECT t.customer_id AS grp, t.*, FALSE AS limited, "
            f"CAST(NULL AS TIMESTAMP) AS cutoff FROM feature_{table}_source t"
        )
    else:
        time = time or TIME_COLUMNS[table]
        sql = (
            f"SELECT c.i AS grp, t.*, c.limited, c.cutoff FROM feature_{table}_source t "
            f"JOIN feature_cut c ON t.customer_id = c.customer_id "
            f"WHERE NOT c.limited OR t.{time} < c.cutoff"
        )
    create_relation(agg.con, f"feature_{table}", sql, view=True)


def _per_customer(
    agg: Aggregator, name: str, avail: dict[str, str] | None = None, **params: str
) -> pd.DataFrame:
    """Run the aggregate query ``name``; rows keyed by ``i``, the customers-table position.

    Columns whose feature ``avail`` gives a reason against (a column the data set lacks)
    are left out.
    """
    sql = render(name, agg.engine, **params)
    if agg.cutoffs:  # grouped by position already
        frame = agg.con.execute(sql).df().rename(columns={"grp": "i"})
    else:
        columns = [c for c in agg.con.sql(sql).columns if c != "grp"]
        frame = agg.con.execute(
            f"SELECT c.i, {', '.join(f'a.{c}' for c in columns)} FROM ({sql}) a "
            "JOIN feature_cut c ON a.grp = c.customer_id"
        ).df()
    unavailable = [c for c in frame.columns if (avail or {}).get(c)]
    return frame.drop(columns=unavailable)


def _codes(values: pd.Series, wanted: tuple[str, ...] | None = None) -> tuple[np.ndarray, list]:
    """Integer codes of a label column (-1 = missing) and its labels; vectorised.

    With ``wanted``, the codes are 1 for labels in ``wanted`` (case-insensitive), 0 for
    others and -1 for missing.
    """
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    codes = cat.cat.codes.to_numpy()
    labels = [str(c) for c in cat.cat.categories]
    if wanted is None:
        return codes, labels
    hit = np.array([lab.lower() in wanted for lab in labels] + [False], dtype=np.int8)
    return np.where(codes < 0, -1, hit[codes]).astype(np.int8), labels


def _nulls(n: int, kind: str) -> np.ndarray:
    """A column of ``n`` NULLs (``"time"``: NaT, ``"number"``: NaN, ``"code"``: -1)."""
    if kind == "time":
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    if kind == "number":
        return np.full(n, np.nan)
    return np.full(n, -1, dtype=np.int8)


def orders(agg: Aggregator, cx: CXData) -> pd.DataFrame | None:
    """Per customer: order count, total and mean amount, last order time."""
    table = cx.tables.get("orders")
    if table is None or len(table) == 0:
        return None
    columns = ["customer_id", "ordered_at", "amount"]
    _source(agg, "orders", cx.frame("orders").select(*columns) if _kept(cx) else table[columns])
    return _per_customer(agg, "orders")


def tickets(
    agg: Aggregator, cx: CXData, avail: dict[str, str], digital: tuple[str, ...]
) -> pd.DataFrame | None:
    """Per customer: tickets, unresolved ones, mean resolution and first-response hours,
    contacts per ticket and the digital share, as far as the tickets table has the columns."""
    tickets = cx.tables.get("tickets")
    if tickets is None or len(tickets) == 0:
        return None
    if _kept(cx):
        _source(agg, "tickets", kept_tickets(cx, avail, digital))
        return _per_customer(agg, "tickets", avail)
    n = len(tickets)
    frame = tickets[["customer_id", "opened_at"]].copy()
    for col, feature, kind in (
        ("resolved_at", "unresolved_tickets", "time"),
        ("first_response_at", "mean_first_response_hours", "time"),
    ):
        frame[col] = _nulls(n, kind) if avail[feature] else tickets[col]
    frame["contacts"] = (
        _nulls(n, "number") if avail["contacts_per_ticket"] else tickets["contacts"].astype(float)
    )
    frame["digital"] = (
        _nulls(n, "code")
        if avail["ticket_digital_share"]
        else _codes(tickets["channel"], digital)[0]
    )
    _source(agg, "tickets", frame)
    return _per_customer(agg, "tickets", avail)


def surveys(agg: Aggregator, cx: CXData, avail: dict[str, str]) -> pd.DataFrame | None:
    """Per customer: survey answers and the mean NPS, CSAT and CES answer."""
    if avail["survey_count"]:
        return None
    if _kept(cx):
        _source(agg, "surveys", kept_surveys(cx))
        return _per_customer(agg, "surveys", avail)
    surveys = cx.surveys
    known = surveys["customer_id"].notna()
    frame = surveys.loc[known, ["customer_id", "responded_at"]]
    codes, labels = _codes(surveys.loc[known, "survey"])
    kinds = ("nps", "csat", "ces")
    lookup = np.array([kinds.index(lab.lower()) if lab.lower() in kinds else -1 for lab in labels])
    frame = frame.assign(
        kind=np.where(codes >= 0, np.append(lookup, -1)[codes], -1).astype(np.int8),
        score=surveys.loc[known, "score"].astype("float64"),
    )
    _source(agg, "surveys", frame)
    return _per_customer(agg, "surveys", avail)


def events(
    agg: Aggregator, cx: CXData, avail: dict[str, str], digital: tuple[str, ...]
) -> pd.DataFrame | None:
    """Per customer: events, last event, browsing share, digital share and the share of
    every channel (``events_share_<channel>``)."""
    events = cx.tables.get("events")
    if events is None or len(events) == 0:
        return None
    if _kept(cx):
        frame, params = kept_events(cx, avail, digital)
        _source(agg, "events", frame, time="ts")
        return _per_customer(agg, "events", avail, **params)
    n = len(events)
    frame = pd.DataFrame(
        {"customer_id": events["customer_id"].array, "ts": events["timestamp"].to_numpy()}
    )
    frame["browse"] = _nulls(n, "code")
    if not avail["browse_share"]:  # needs the stage column
        browse = tuple(str(s).lower() for s in cx.config.stage_order[:2])
        frame["browse"] = _codes(events["stage"], browse)[0]
    params = {"digital": "(NULL)", "shares": ""}
    if avail["digital_share"]:
        frame["channel"] = _nulls(n, "code").astype(np.int16)
    else:
        codes, labels = _codes(events["channel"])
        frame["channel"] = codes.astype(np.int16)
        params = _channel_params(codes, labels, digital)
    _source(agg, "events", frame, time="ts")
    return _per_customer(agg, "events", avail, **params)


def _channel_params(
    codes: np.ndarray, labels: list[str], digital: tuple[str, ...]
) -> dict[str, str]:
    """The ``events`` query's ``:digital`` codes and ``:shares`` columns (one per channel
    slug seen in the data; channels with the same slug share a column).

    >>> _channel_params(np.array([0, 1, 1, -1]), ["Web", "Store", "web "], ("web",))
    {'digital': '(0)', 'shares': ', COUNT(CASE WHEN channel IN (1) THEN 1 END) / COUNT(*) AS events_share_store, COUNT(CASE WHEN channel IN (0) THEN 1 END) / COUNT(*) AS events_share_web'}
    """  # noqa: E501
    is_digital = [i for i, lab in enumerate(labels) if lab.lower() in digital]
    by_slug: dict[str, list[int]] = {}
    used = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(labels)))
    for code in used:
        slug = re.sub(r"[^0-9a-z]+", "_", labels[code].lower()).strip("_") or "blank"
        by_slug.setdefault(slug, []).append(int(code))
    shares = "".join(
        f", COUNT(CASE WHEN channel IN {_int_list(group)} THEN 1 END) / COUNT(*) "
        f"AS events_share_{slug}"
        for slug, group in sorted(by_slug.items())
    )
    return {"digital": _int_list(is_digital), "shares": shares}


def _kept(cx: Any) -> bool:  # noqa: ANN401
    """True when ``cx``'s tables stay on Spark (their inputs are then prepared there)."""
    return isinstance(getattr(cx, "views", None), dict)


def _flag(column: str, wanted: tuple[str, ...]) -> Any:  # noqa: ANN401 -- a Spark Column
    """Spark's twin of ``_codes(values, wanted)``: 1 in ``wanted`` (case-insensitive), 0
    another label, -1 missing."""
    from pyspark.sql import functions as F

    label = F.lower(F.col(column).cast("string"))
    return F.when(label.isNull(), -1).when(label.isin(list(wanted)), 1).otherwise(0)


def kept_tickets(cx: Any, avail: dict[str, str], digital: tuple[str, ...]) -> Any:  # noqa: ANN401
    """The ``feature_tickets_source`` columns of tickets kept on Spark (a Spark DataFrame)."""
    from pyspark.sql import functions as F

    def given(col: str, feature: str, kind: str) -> Any:  # noqa: ANN401
        return (F.lit(None).cast(kind) if avail[feature] else F.col(col).cast(kind)).alias(col)

    return cx.frame("tickets").select(
        "customer_id",
        "opened_at",
        given("resolved_at", "unresolved_tickets", "timestamp"),
        given("first_response_at", "mean_first_response_hours", "timestamp"),
        given("contacts", "contacts_per_ticket", "double"),
        (F.lit(-1) if avail["ticket_digital_share"] else _flag("channel", digital)).alias(
            "digital"
        ),
    )


def kept_surveys(cx: Any) -> Any:  # noqa: ANN401
    """The ``feature_surveys_source`` columns of surveys kept on Spark (answers with a
    customer_id; ``kind`` 0 NPS, 1 CSAT, 2 CES, -1 another)."""
    from pyspark.sql import functions as F

    survey = F.lower(F.col("survey").cast("string"))
    kind = F.when(survey == "nps", 0).when(survey == "csat", 1).when(survey == "ces", 2)
    return (
        cx.frame("surveys")
        .where(F.col("customer_id").isNotNull())
        .select(
            "customer_id",
            "responded_at",
            kind.otherwise(-1).alias("kind"),
            F.col("score").cast("double").alias("score"),
        )
    )


def kept_events(
    cx: Any,  # noqa: ANN401
    avail: dict[str, str],
    digital: tuple[str, ...],
) -> tuple[Any, dict[str, str]]:
    """The ``feature_events_source`` columns of events kept on Spark and the query's
    channel parameters (the distinct channels, a handful, are read to the driver)."""
    from pyspark.sql import functions as F

    events = cx.frame("events")
    browse = F.lit(-1)
    if not avail["browse_share"]:
        browse = _flag("stage", tuple(str(s).lower() for s in cx.config.stage_order[:2]))
    channel, params = F.lit(-1), {"digital": "(NULL)", "shares": ""}
    if not avail["digital_share"]:
        rows = events.select(F.col("channel").cast("string")).distinct().collect()
        labels = sorted(r[0] for r in rows if r[0] is not None)
        codes = F.create_map(*[F.lit(x) for i, lab in enumerate(labels) for x in (lab, i)])
        channel = F.coalesce(codes[F.col("channel").cast("string")], F.lit(-1))
        params = _channel_params(np.arange(len(labels)), labels, digital)
    frame = events.select(
        "customer_id",
        F.col("timestamp").alias("ts"),
        browse.alias("browse"),
        channel.alias("channel"),
    )
    return frame, params


def _int_list(values: list[int]) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")" if values else "(NULL)"
