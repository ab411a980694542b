"""Customer features: one row per customer, built from whatever tables a data set has.

:func:`customer_features` is a pure transform in the spirit of lifetimes'
``summary_data_from_transaction_data``: from the loaded tables to one row per customer of
``cx.customers`` (index ``customer_id``, in the customers table's order). Event, ticket,
order and survey logs are aggregated by shared queries (:mod:`cxlib.features.aggregates`): in
DuckDB (10 million events in a few seconds), or on Spark when it is the chosen engine
(:mod:`cxlib.engine`), where only one row per customer comes back to the driver.
A table or column the data set lacks simply means fewer features;
:func:`unavailable_features` lists them with the reason, for the report. Without
``customers.signup_date`` tenure is unknown: ``tenure_days``, the per-month rates and the
monthly revenue derived from orders are left out (never measured from an assumed signup).

``cutoff`` is the leakage guard for predictive use (the churn report): a timestamp, or a
per-customer Series indexed by ``customer_id`` (e.g. each churner's ``churn_date``;
customers absent from it or ``NaT`` get no cutoff). Orders, tickets, surveys and events at
or after a customer's cutoff are ignored; a ticket resolved at or after the cutoff counts
as unresolved; tenure and recency are measured at the cutoff. Columns of the customers
table (demographics, ``monthly_revenue``, ``preferred_channel``) are static snapshots that
no cutoff can cut: drop them for predictive use if they were recorded after the fact.

Data dictionary
---------------
Every column is described in :mod:`cxlib.features.dictionary` (family, label, unit,
description, exposure): :data:`~cxlib.features.dictionary.FEATURES` in column order,
channel-share columns one per channel seen in the data (``events_share_<channel>``, see
:data:`~cxlib.features.dictionary.PATTERNS`).

Categorical columns (gender, region, plan, income_band, preferred_channel and any other
string column of the customers table) stay ``category``; everything else is float.
:class:`cxlib.personas.segmenter.PersonaSegmenter` clusters on the numeric columns only by
default and one-hot encodes categoricals you name explicitly.

Examples
--------
>>> import cxlib
>>> cx = cxlib.load("data/sample")                               # doctest: +SKIP
>>> X = customer_features(cx)                                    # doctest: +SKIP
>>> X.loc["0000003", ["tenure_days", "order_count", "nps_mean"]]  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.contract import DAYS_PER_MONTH
from cxlib.engine.spark_data import data_engine
from cxlib.features import aggregates
from cxlib.features.dictionary import FEATURES, PATTERNS
from cxlib.io.dataset import CXData

DIGITAL_CHANNELS: tuple[str, ...] = ("web", "app", "email", "social", "chat")
"""Channels counted as digital in ``digital_share`` and ``ticket_digital_share``."""


_DEMOGRAPHICS = ("age", "gender", "region", "income_band", "plan", "preferred_channel")
_NOT_FEATURES = {"customer_id", "signup_date", "churned", "churn_date", "monthly_revenue"}
_NEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # feature -> (table, columns beyond the required ones)
    "order_count": ("orders", ()),
    "order_total": ("orders", ()),
    "avg_order_value": ("orders", ()),
    "orders_per_month": ("orders", ()),
    "days_since_last_order": ("orders", ()),
    "ticket_count": ("tickets", ()),
    "unresolved_tickets": ("tickets", ("resolved_at",)),
    "mean_resolution_hours": ("tickets", ("resolved_at",)),
    "mean_first_response_hours": ("tickets", ("first_response_at",)),
    "contacts_per_ticket": ("tickets", ("contacts",)),
    "ticket_digital_share": ("tickets", ("channel",)),
    "nps_mean": ("surveys", ("customer_id",)),
    "csat_mean": ("surveys", ("customer_id",)),
    "ces_mean": ("surveys", ("customer_id",)),
    "survey_count": ("surveys", ("customer_id",)),
    "digital_share": ("events", ("channel",)),
    "event_count": ("events", ()),
    "events_per_month": ("events", ()),
    "browse_share": ("events", ("stage",)),
    "days_since_last_event": ("events", ()),
}
_PER_MONTH = ("tenure_days", "orders_per_month", "events_per_month")
"""Features measured over each customer's tenure: unknown without a signup date."""
NO_TENURE = "customers has no signup_date column: tenure is unknown"
"""The reason given for the tenure-based features of a data set without signup dates."""


def unavailable_features(cx: CXData) -> pd.DataFrame:
    """Features of :data:`FEATURES` that this data set cannot give, and why.

    Returns
    -------
    DataFrame
        Columns ``feature, family, reason``; empty when everything can be built.

    Examples
    --------
    >>> unavailable_features(cx).head(1).to_dict("records")           # doctest: +SKIP
    [{'feature': 'order_count', 'family': 'orders', 'reason': 'no orders table'}]
    """
    rows = [
        {"feature": f, "family": FEATURES[f].family, "reason": why}
        for f, why in _availability(cx).items()
        if why
    ]
    return pd.DataFrame(rows, columns=["feature", "family", "reason"])


def _availability(cx: CXData) -> dict[str, str]:
    """``feature -> ""`` when it can be built, else the reason it cannot."""
    out: dict[str, str] = {}
    customers = cx.customers
    if customers is None:
        return dict.fromkeys(FEATURES, "no customers table")
    no_tenure = "signup_date" not in customers.columns
    for name in FEATURES:
        if no_tenure and name in _PER_MONTH:
            out[name] = NO_TENURE
        elif name in _NEEDS:
            table, cols = _NEEDS[name]
            frame = cx.tables.get(table)
            if frame is None:
                out[name] = f"no {table} table"
                continue
            missing = [c for c in cols if c not in frame.columns]
            if missing:
                out[name] = f"{table} has no {', '.join(missing)} column"
                continue
            if len(frame) == 0:
                out[name] = f"the {table} table is empty"
                continue
            if table == "surveys" and name.endswith("_mean"):
                kind = name.split("_")[0]
                has = frame["customer_id"].notna() & (frame["survey"] == kind)
                out[name] = "" if has.any() else f"no {kind.upper()} answers with a customer_id"
                continue
            out[name] = ""
        elif name == "monthly_revenue":
            out[name] = _revenue_availability(cx, no_tenure)
        elif name == "tenure_days":
            out[name] = ""
        else:  # customer attributes
            has = name in customers.columns and customers[name].notna().any()
            out[name] = "" if has else f"customers has no {name} values"
    return out


def _revenue_availability(cx: CXData, no_tenure: bool) -> str:
    """Why ``monthly_revenue`` cannot be given ("" when it can): the customers' own column,
    else spend per month of tenure."""
    if "monthly_revenue" in cx.customers.columns:
        return ""
    if "orders" not in cx.tables:
        return "no monthly_revenue column and no orders table"
    return f"no monthly_revenue column, and {NO_TENURE}" if no_tenure else ""


def customer_features(
    cx: CXData,
    cutoff: pd.Timestamp | str | pd.Series | None = None,
    *,
    digital_channels: tuple[str, ...] = DIGITAL_CHANNELS,
) -> pd.DataFrame:
    """One row of features per customer of ``cx.customers``.

    Parameters
    ----------
    cx : CXData
        A loaded data set (:func:`cxlib.load`); ``customers`` is required, every other
        table is optional.
    cutoff : timestamp, Series or None
        Ignore activity at or after this time (one timestamp, or a Series of timestamps
        indexed by ``customer_id``; missing / NaT = no cutoff for that customer) and
        measure tenure and recency there. None: use everything, measured at the last
        activity in the data (:meth:`CXData.period`).
    digital_channels : tuple of str
        Channel values counted as digital (case-insensitive).

    Returns
    -------
    DataFrame
        Index ``customer_id`` (the customers table's order), the columns of
        :data:`FEATURES` this data set can give (see :func:`unavailable_features`) plus
        ``events_share_<channel>`` per event channel and any extra column of the
        customers table. Counts are 0 for customers without activity; means and recency
        are NaN there.

    Raises
    ------
    ValueError
        Without a customers table.

    Examples
    --------
    >>> X = customer_features(cx, cutoff=pd.Timestamp("2026-01-01"))  # doctest: +SKIP
    >>> X["unresolved_tickets"].describe()                           # doctest: +SKIP
    """
    customers = cx.customers
    if customers is None:
        raise ValueError("customer_features needs a customers table")
    avail = _availability(cx)
    ids = customers["customer_id"]
    ref, limited = _reference_times(cx, customers, cutoff)
    digital = tuple(c.lower() for c in digital_channels)
    out = pd.DataFrame(index=pd.Index(ids.array, name="customer_id"))
    months = None
    if not avail["tenure_days"]:
        tenure = _tenure_days(customers, ref)
        months = np.maximum(np.nan_to_num(tenure, nan=0.0) / DAYS_PER_MONTH, 1.0)
        out["tenure_days"] = tenure
    engine = data_engine(cx)  # spark when the tables are kept there
    agg = aggregates.connect(ids, ref, limited, engine, cx.config)
    try:
        for name, frame in (
            ("orders", aggregates.orders(agg, cx)),
            ("tickets", aggregates.tickets(agg, cx, avail, digital)),
            ("surveys", aggregates.surveys(agg, cx, avail)),
            ("events", aggregates.events(agg, cx, avail, digital)),
        ):
            if frame is not None:
                _add_aggregates(out, frame, ref, _COUNT_COLUMNS[name])
    finally:
        agg.close()
    _add_rates(out, customers, months)
    _add_attributes(out, customers, avail)
    return out[_ordered(out.columns)]


def _tenure_days(customers: pd.DataFrame, ref: np.ndarray) -> np.ndarray:
    """Days from signup to the reference time (or to the churn date if earlier); NaN when
    the customer signs up after it."""
    end = ref.copy()
    if "churn_date" in customers:
        churn = customers["churn_date"].to_numpy(dtype="datetime64[ns]")
        end = np.where(~np.isnat(churn) & (churn < end), churn, end)
    signup = customers["signup_date"].to_numpy(dtype="datetime64[ns]")
    tenure = (end - signup) / np.timedelta64(1, "D")
    return np.where(tenure >= 0, tenure, np.nan)


def _add_aggregates(
    out: pd.DataFrame, frame: pd.DataFrame, ref: np.ndarray, counts: tuple[str, ...]
) -> None:
    """Copy one table's per-customer aggregates into ``out`` (rows keyed by position ``i``).

    ``last_<x>`` times become ``days_since_last_<x>`` at the reference time; the count
    columns are 0 (not NaN) for customers without a row.
    """
    rows = frame["i"].to_numpy()
    for col in frame.columns.drop("i"):
        if col.startswith("last_"):
            last = np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]")
            last[rows] = frame[col].to_numpy(dtype="datetime64[ns]")
            out[f"days_since_{col}"] = (ref - last) / np.timedelta64(1, "D")
        else:
            values = np.full(len(out), np.nan)
            values[rows] = frame[col].to_numpy(dtype=float, na_value=np.nan)
            out[col] = values
    for col in counts:
        if col in out:
            out[col] = out[col].fillna(0.0)


def _add_rates(out: pd.DataFrame, customers: pd.DataFrame, months: np.ndarray | None) -> None:
    """Per-month rates over tenure (``months``; None: tenure unknown, no rates), and monthly
    revenue (given, else spend per month)."""
    if "monthly_revenue" in customers.columns:
        out["monthly_revenue"] = customers["monthly_revenue"].to_numpy(dtype=float)
    if months is None:
        return
    if "order_count" in out:
        out["orders_per_month"] = out["order_count"] / months
    if "event_count" in out:
        out["events_per_month"] = out["event_count"] / months
    if "monthly_revenue" not in out and "order_total" in out:
        out["monthly_revenue"] = out["order_total"] / months


def _add_attributes(out: pd.DataFrame, customers: pd.DataFrame, avail: dict[str, str]) -> None:
    """Demographics and every further column of the customers table (numbers as float,
    text as category; dates are left out)."""
    for col in _DEMOGRAPHICS:
        if col in customers.columns and not avail.get(col):
            s = customers[col]
            out[col] = s.to_numpy(dtype=float) if col == "age" else _as_category(s)
    for col in customers.columns:
        if col in _NOT_FEATURES or col in _DEMOGRAPHICS or col in out:
            continue
        s = customers[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            out[col] = s.to_numpy(dtype=float, na_value=np.nan)
        elif not pd.api.types.is_datetime64_any_dtype(s):
            out[col] = _as_category(s)


_COUNT_COLUMNS = {
    "orders": ("order_count", "order_total"),
    "tickets": ("ticket_count", "unresolved_tickets"),
    "surveys": ("survey_count",),
    "events": ("event_count",),
}


def _ordered(columns: pd.Index) -> list[str]:
    """Dictionary order first, then channel shares, then extra attributes."""
    known = [c for c in FEATURES if c in columns]
    shares = sorted(c for c in columns if any(c.startswith(p) for p in PATTERNS))
    return known + shares + [c for c in columns if c not in known and c not in shares]


def _as_category(s: pd.Series) -> pd.Categorical:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return pd.Categorical(
            s.to_numpy(dtype=object), categories=s.cat.categories, ordered=s.cat.ordered
        )
    return pd.Categorical(s.astype(object).where(s.notna(), None))


def _reference_times(
    cx: CXData, customers: pd.DataFrame, cutoff: pd.Timestamp | str | pd.Series | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per customer: the time features are measured at, and whether activity is cut there."""
    n = len(customers)
    end = cx.end_of_data()  # None: the data has no date at all
    default = (
        np.datetime64("NaT", "ns") if end is None else np.datetime64(end.to_datetime64(), "ns")
    )
    if cutoff is None:
        return np.full(n, default), np.zeros(n, dtype=bool)
    if isinstance(cutoff, pd.Series):
        values = pd.to_datetime(cutoff)
        if values.dt.tz is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        if not values.index.is_unique:
            raise ValueError("cutoff Series has a repeated customer_id in its index")
        aligned = values.reindex(customers["customer_id"].to_numpy(dtype=object))
        t = aligned.to_numpy(dtype="datetime64[ns]")
    else:
        ts = pd.Timestamp(cutoff)
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        t = np.full(n, ts.to_datetime64().astype("datetime64[ns]"))
    limited = ~np.isnat(t)
    return np.where(limited, t, default), limited
