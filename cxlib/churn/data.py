"""The churn modelling table: one row per customer with features, target and value.

:func:`churn_data` turns a loaded data set into what :class:`cxlib.churn.model.ChurnDriverModel`
fits on, with the two guards a churn analysis needs:

Leakage guard (nothing measured after the churn)
    Features come from :func:`cxlib.features.customer_features` with a ``cutoff``: each
    churner's own ``churn_date`` for the ``"churned"`` target (activity at or after it is
    ignored, tenure and recency are measured there), one snapshot date for everybody for
    the ``"horizon"`` target.

Exposure guard (target ``"churned"`` with churn dates)
    A churner is watched until the churn date, an active customer until today, so any
    feature that changes with the length of observation tells them apart even when it
    has nothing to do with why people leave: tenure, lifetime totals of routine activity,
    and recency (days since the last event at the churn date is close to how churn is
    often defined), rates over tenure (first-month activity weighs more in a short
    window) and the event mix (it shifts from browsing to using as a customer ages).
    These (:data:`EXPOSURE_FEATURES`) are left out by default; averages (CES, order
    value, resolution time), support counts and customer attributes stay. The ``"horizon"``
    target (who churns within ``horizon`` months of a snapshot, all features measured at the
    snapshot) needs no such rule and keeps them. A table without churn dates (such as the
    IBM Telco table, where churners left in the last month) is a snapshot: everyone is
    measured at the same moment and nothing is excluded.

Examples
--------
>>> import cxlib
>>> cx = cxlib.load("data/sample")                                   # doctest: +SKIP
>>> data = churn_data(cx)                                            # doctest: +SKIP
>>> data.X.shape, round(float(data.y.mean()), 3)                     # doctest: +SKIP
((19996, 27), 0.237)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.features import customer_features, feature_family
from cxlib.features import dictionary as feature_dictionary
from cxlib.io.dataset import CXData

TARGETS = ("churned", "horizon")
"""``churned``: ever churned in the data; ``horizon``: churned within ``horizon`` months
of a snapshot taken ``horizon`` months before the end of the data."""

EXPOSURE_FEATURES: dict[str, str] = feature_dictionary.exposure_features()
"""Features (``events_share_`` = every column with that prefix) left out for the
``churned`` target when churn dates exist, and why (from the data dictionary,
:mod:`cxlib.features.dictionary`)."""


def exposure_reason(feature: str) -> str | None:
    """Why the exposure guard drops ``feature`` (None when it keeps it)."""
    return feature_dictionary.exposure_reason(feature)


@dataclass
class ChurnData:
    """Features, target and value per customer, ready for :class:`ChurnDriverModel`.

    Attributes
    ----------
    X : DataFrame
        Features (index ``customer_id``): float columns and ``category`` columns.
    y : Series of bool
        The target, aligned with ``X``.
    revenue : Series of float
        Monthly revenue per customer of ``X_now`` (NaN when unknown).
    X_now : DataFrame
        Features of the customers still active at ``as_of``, measured now: the ones to
        score for the at-risk list (for the ``churned`` target, rows of ``X``).
    families : dict
        Feature -> family (``cxlib.features`` data dictionary).
    excluded : DataFrame
        ``feature, reason`` of features left out.
    notes : list of str
        Plain sentences on how the table was built (for the model appendix).
    latest : DataFrame
        Every feature of every customer, nothing excluded, measured at the churn date for
        churners and now for the others (for descriptive analyses such as NPS drivers).
    """

    X: pd.DataFrame
    y: pd.Series
    revenue: pd.Series
    X_now: pd.DataFrame
    families: dict[str, str]
    target: str
    horizon_months: int
    as_of: pd.Timestamp
    snapshot: pd.Timestamp | None = None
    excluded: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["feature", "reason"])
    )
    notes: list[str] = field(default_factory=list)
    latest: pd.DataFrame | None = None

    @property
    def n_churners(self) -> int:
        """Customers with a positive target."""
        return int(self.y.sum())


def churn_data(
    cx: CXData,
    *,
    target: str = "churned",
    horizon: int = 12,
    features: list[str] | None = None,
    exclude: list[str] | None = None,
) -> ChurnData:
    """Build the churn modelling table of ``cx`` with the leakage and exposure guards.

    Parameters
    ----------
    cx : CXData
        A loaded data set with a ``customers`` table holding ``churned`` (or
        ``churn_date``).
    target : {"churned", "horizon"}
        ``churned``: every customer, target = churned; features cut at each churner's
        ``churn_date``. ``horizon``: customers active at the snapshot ``as_of - horizon``
        months, target = churned before ``as_of``; features cut at the snapshot (needs
        ``churn_date``).
    horizon : int
        Months; the horizon target's window (and the revenue-at-risk horizon).
    features : list of str, optional
        Keep only these features or families (names from :mod:`cxlib.features`); a
        feature named here is kept even if the exposure guard would drop it.
    exclude : list of str, optional
        Features or families to leave out.

    Returns
    -------
    ChurnData

    Raises
    ------
    ValueError
        Without a customers table, without ``churned``/``churn_date``, for an unknown
        target, or for the horizon target without churn dates.

    Examples
    --------
    >>> data = churn_data(cx, target="horizon", horizon=3)             # doctest: +SKIP
    >>> data.snapshot                                                  # doctest: +SKIP
    Timestamp('2026-06-30 23:59:00')
    """
    if target not in TARGETS:
        raise ValueError(f"target must be one of {TARGETS}, not {target!r}")
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 month, not {horizon}")
    cust, churned, churn_date = _churn_flags(cx)
    has_dates = bool(churn_date.notna().any())
    as_of = cx.end_of_data()
    notes: list[str] = []
    skipped = int(churned.isna().sum())
    if skipped:
        notes.append(f"{skipped:,} customers without a churned flag are left out.")
    snapshot = None
    now = (churned.notna() & ~churned.fillna(False).astype(bool)).to_numpy()  # active
    cutoff = churn_date.where(churned.fillna(False).astype(bool)) if has_dates else None
    latest = _features(cx, cutoff)
    if target == "churned":
        X, y = _churned_rows(latest, churned, has_dates, notes)
    else:
        if not has_dates or "signup_date" not in cust:
            raise ValueError(
                "the horizon target needs customers.churn_date and customers.signup_date (who "
                "was a customer at the snapshot); use target='churned'"
            )
        snapshot = as_of - pd.DateOffset(months=horizon)
        X, y = _horizon_rows(cx, cust, churned, churn_date, (snapshot, as_of, horizon), notes)
    X_now = latest.loc[now]  # for the churned target the same rows as X.loc[~y]
    excluded = _excluded(X, target == "churned" and has_dates, features, exclude)
    X = X.drop(columns=excluded["feature"].tolist())
    X_now = X_now.reindex(columns=X.columns)
    return ChurnData(
        X=X,
        y=y.rename("churned"),
        revenue=_revenue(cust, X_now, now).rename("monthly_revenue"),
        X_now=X_now,
        families={f: feature_family(f) for f in X.columns},
        target=target,
        horizon_months=horizon,
        as_of=as_of,
        snapshot=snapshot,
        excluded=excluded,
        notes=notes,
        latest=latest,
    )


def _churn_flags(cx: CXData) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The customers (indexed by ``customer_id``), their churn flag and churn date.

    A churn date without a flag counts as churned; a table without ``churned`` reads the
    flag from the dates.
    """
    c = cx.customers
    if c is None:
        raise ValueError("the churn report needs a customers table")
    if "churned" not in c and "churn_date" not in c:
        raise ValueError("customers has neither churned nor churn_date: nothing to predict")
    cust = c.set_index(c["customer_id"].astype(object)).rename_axis("customer_id")
    churn_date = cust["churn_date"] if "churn_date" in cust else pd.Series(pd.NaT, cust.index)
    churned = cust["churned"] if "churned" in cust else churn_date.notna()
    churned = churned.astype("boolean").mask(churned.isna() & churn_date.notna(), True)
    return cust, churned, churn_date


def _churned_rows(
    latest: pd.DataFrame, churned: pd.Series, has_dates: bool, notes: list[str]
) -> tuple[pd.DataFrame, pd.Series]:
    """Target ``churned``: every customer with a known flag, features at churn or now."""
    known = churned.notna().to_numpy()
    X = latest.loc[known]
    y = pd.Series(churned[known].to_numpy(dtype=bool), index=X.index)
    if has_dates:
        notes.append(
            "Target: churned at any time in the data. Each churner's features use only "
            "what happened before their churn date."
        )
    else:
        notes.append(
            "Target: churned. The table has no churn dates, so it is read as a snapshot "
            "with every customer measured at the same moment (as in the IBM Telco table); "
            "tenure and totals are kept as features."
        )
    return X, y


def _horizon_rows(
    cx: CXData,
    cust: pd.DataFrame,
    churned: pd.Series,
    churn_date: pd.Series,
    window: tuple[pd.Timestamp, pd.Timestamp, int],
    notes: list[str],
) -> tuple[pd.DataFrame, pd.Series]:
    """Target ``horizon``: customers active at the snapshot, features measured then,
    target = churned before ``as_of``; ``window`` is ``(snapshot, as_of, horizon)``."""
    snapshot, as_of, horizon = window
    undated = churned.fillna(False).astype(bool) & churn_date.isna()
    active_then = (cust["signup_date"] < snapshot) & (churn_date.isna() | (churn_date >= snapshot))
    pop = (active_then & churned.notna() & ~undated).to_numpy()
    X = _features(cx, snapshot).loc[pop]
    y = pd.Series((churn_date[pop] < as_of).to_numpy(dtype=bool), index=X.index)
    notes.append(
        f"Target: churned within {horizon} months of {snapshot:%Y-%m-%d}, among the "
        f"{int(pop.sum()):,} customers active then; every feature is measured on that "
        "date, and the at-risk list scores today's active customers on today's features."
    )
    if int(undated.sum()):
        notes.append(f"{int(undated.sum()):,} churners without a churn date are left out.")
    return X, y


def _revenue(cust: pd.DataFrame, X_now: pd.DataFrame, now: np.ndarray) -> pd.Series:
    """Monthly revenue of the active customers: the customers table's, else the feature's."""
    if "monthly_revenue" in cust:
        values = cust["monthly_revenue"].to_numpy(dtype=float, na_value=np.nan)
        return pd.Series(values[now], index=X_now.index)
    if "monthly_revenue" in X_now:
        return X_now["monthly_revenue"].astype(float)
    return pd.Series(np.nan, index=X_now.index, name="monthly_revenue")


def _features(cx: CXData, cutoff: pd.Timestamp | pd.Series | None) -> pd.DataFrame:
    """``customer_features`` with a plain (object) ``customer_id`` index."""
    X = customer_features(cx, cutoff=cutoff)
    X.index = pd.Index(X.index.to_numpy(dtype=object), name="customer_id")
    return X


def _excluded(
    X: pd.DataFrame,
    exposure: bool,
    features: list[str] | None,
    exclude: list[str] | None,
) -> pd.DataFrame:
    """Features to leave out, with the reason: the user's choice and the exposure guard."""
    rows = []
    wanted = set(features or ())
    for col in X.columns:
        family = feature_family(col)
        named = col in wanted or family in wanted
        if features is not None and not named:
            rows.append((col, "not among the features asked for"))
        elif exclude and (col in exclude or family in exclude):
            rows.append((col, "excluded by the parameters"))
        elif exposure and exposure_reason(col) and not named:
            rows.append((col, f"exposure guard: {exposure_reason(col)}"))
        elif X[col].nunique(dropna=True) < 2:
            rows.append((col, "the same for every customer"))
    return pd.DataFrame(rows, columns=["feature", "reason"])


def persona_by_customer(personas: pd.DataFrame | pd.Series | None) -> pd.Series | None:
    """Persona label per customer (Series indexed by ``customer_id``), or None.

    ``personas`` is what :func:`cxlib.io.outputs.read_personas` returns (the one reader of
    ``personas.csv``: ``customer_id`` and ``persona``), or already such a Series; this only
    reshapes it for the churn model's joins.

    Examples
    --------
    >>> frame = pd.DataFrame({"customer_id": ["007"], "persona": ["Efficient Emma"]})
    >>> persona_by_customer(frame).to_dict()
    {'007': 'Efficient Emma'}
    """
    if personas is None or isinstance(personas, pd.Series):
        return personas
    return pd.Series(
        personas["persona"].to_numpy(dtype=object),
        index=pd.Index(personas["customer_id"].to_numpy(dtype=object), name="customer_id"),
        name="persona",
    )
