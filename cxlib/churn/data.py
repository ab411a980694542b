"""The churn modelling table: features measured before the outcome, the outcome after.

:func:`churn_data` turns a loaded data set into what
:class:`cxlib.churn.model.ChurnDriverModel` fits on, in one of two study designs.

As-of design (``design="asof"``, the default when customers have churn dates)
    Pick a cutoff date T0. The customers active at T0 (signed up before it, not churned
    by it) are the population; every feature is measured with data from before T0
    only (:func:`cxlib.features.customer_features` with ``cutoff=T0``: tenure at T0,
    totals and rates up to T0); the label is "churned within ``horizon`` months after T0" (after T0, up to and
    including T0 + horizon: the windows of stacked cutoffs meet without overlapping).
    Nothing a feature measures can be a consequence of the churn, and a customer watched
    for a long time is compared with others watched for as long, so tenure and totals are
    legitimate features (a lifetime churn flag would make them grow with observation time).
    One cutoff rarely holds enough churners, so cutoffs are stacked: T0 = end of data −
    horizon, then one horizon earlier each, until :data:`ENOUGH_CHURNERS` churners are in
    the table or :data:`MAX_ORIGINS` cutoffs are used (rolling origins). A customer active
    at several cutoffs appears once per cutoff; the model's cross-validation keeps all
    rows of one customer in the same fold (``groups``).

Snapshot design (``design="snapshot"``, a table without churn dates)
    Everyone is measured at the same moment and the label is the churn flag (as in the
    IBM Telco table, where churners left in the last month). Nothing is measured after the
    churn, but the window the flag covers is the data set's own; the page says so.

Features that must never be model inputs are left out with their reason: the user's
``exclude``, features that are the same for everyone, and personal data (names,
e-mails, phone numbers, addresses, free text, and categories with more than
:data:`MAX_LEVELS` levels or mostly unique values: :func:`cxlib.io.privacy.personal_data_reason`).

Examples
--------
>>> import cxlib
>>> cx = cxlib.load("data/sample")                                   # doctest: +SKIP
>>> data = churn_data(cx)                                            # doctest: +SKIP
>>> data.design, [f"{t:%Y-%m-%d}" for t in data.origins]            # doctest: +SKIP
('asof', ['2026-09-30', '2026-06-30'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib import wording
from cxlib.contract import DAYS_PER_MONTH
from cxlib.engine import DEFAULT_ENGINE
from cxlib.engine.spark_data import data_engine
from cxlib.features import customer_features, feature_family
from cxlib.io.dataset import CXData
from cxlib.io.privacy import personal_data_reason

DESIGNS = ("auto", "asof", "snapshot")
"""``asof``: features before cutoff dates, label = churn within the horizon after each;
``snapshot``: everyone measured now, label = the churn flag; ``auto``: as-of when the
customers have churn dates, else snapshot."""
DEFAULT_HORIZON_MONTHS = 3
"""The as-of label window: churn within this many months after the cutoff."""
MAX_ORIGINS = 4
"""At most this many stacked cutoff dates (rolling origins)."""
ENOUGH_CHURNERS = 1000
"""Stop stacking earlier cutoffs once the table holds this many churners."""
MIN_ACTIVE = 100
"""A cutoff with fewer active customers than this is not used (too early in the data)."""
MAX_LEVELS = 50
"""A categorical feature with more levels than this identifies people, not groups."""
MAX_UNIQUE_SHARE = 0.5
"""...and so does one whose values are mostly unique (share of distinct values)."""
TIME_FEATURES = ("tenure_days",)
"""Features that measure the time a customer has been watched: the snapshot design's
time-to-churn model uses tenure as its clock, so they cannot also be its covariates."""


@dataclass
class ChurnData:
    """Features, label and value per modelled row, ready for :class:`ChurnDriverModel`.

    Attributes
    ----------
    X : DataFrame
        Features, one row per customer and cutoff (as-of) or per customer (snapshot):
        float and ``category`` columns.
    y : Series of bool
        The label, aligned with ``X``.
    groups : ndarray
        The ``customer_id`` of each row of ``X`` (rows of one customer share a fold).
    origin : ndarray
        The cutoff date of each row (as-of; NaT in the snapshot design).
    duration, event : ndarray
        Time-to-churn data for each row: months from the cutoff (as-of) or from signup
        (snapshot) to the churn or the end of the data, and whether the churn was seen.
    revenue : Series of float
        Monthly revenue per customer of ``X_now`` (NaN when unknown).
    X_now : DataFrame
        Features of the customers active at the end of the data, measured then: the
        customers scored for the at-risk list (index ``customer_id``).
    latest : DataFrame
        Every feature of every customer, measured at the churn date for churners and at
        the end of the data for the others (for descriptive analyses such as NPS drivers).
    engine : str
        Where the data's heavy work runs (:func:`cxlib.engine.engine_name`; ``spark`` for
        tables kept on Spark): the at-risk list is scored there.
    """

    X: pd.DataFrame
    y: pd.Series
    groups: np.ndarray
    origin: np.ndarray
    duration: np.ndarray
    event: np.ndarray
    revenue: pd.Series
    X_now: pd.DataFrame
    families: dict[str, str]
    design: str
    horizon_months: int
    as_of: pd.Timestamp
    origins: list[pd.Timestamp] = field(default_factory=list)
    excluded: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["feature", "reason"])
    )
    notes: list[str] = field(default_factory=list)
    latest: pd.DataFrame | None = None
    engine: str = DEFAULT_ENGINE

    @property
    def n_churners(self) -> int:
        """Rows with a positive label."""
        return int(self.y.sum())

    @property
    def n_customers(self) -> int:
        """Distinct customers among the modelled rows."""
        return int(pd.unique(self.groups).size)

    def scope(self) -> str:
        """One sentence: what the label means, for the page's first screen."""
        if self.design == "snapshot":
            return (
                "The data has no churn dates, so it is read as a snapshot: every customer is "
                "described as of the same moment and compared by whether they churned."
            )
        dates = ", ".join(f"{t:%Y-%m-%d}" for t in self.origins)
        return (
            f"Who churned within {self.horizon_months} months of {dates}, among the customers "
            f"active then, described only by what happened before that date."
        )


def churn_data(
    cx: CXData,
    *,
    design: str = "auto",
    horizon: int = DEFAULT_HORIZON_MONTHS,
    max_origins: int = MAX_ORIGINS,
    features: list[str] | None = None,
    exclude: list[str] | None = None,
) -> ChurnData:
    """Build the churn modelling table of ``cx`` (see the module docstring).

    Parameters
    ----------
    cx : CXData
        A loaded data set with a ``customers`` table holding ``churned`` or ``churn_date``.
    design : {"auto", "asof", "snapshot"}
        See :data:`DESIGNS`.
    horizon : int
        Months: the as-of label window.
    max_origins : int
        At most this many stacked cutoffs (fewer when :data:`ENOUGH_CHURNERS` is reached).
    features, exclude : list of str, optional
        Keep only / leave out these features or families (names from :mod:`cxlib.features`).

    Raises
    ------
    ValueError
        Without a customers table, without ``churned``/``churn_date``, for an unknown
        design, for ``asof`` without churn dates, or when no cutoff has active customers.

    Examples
    --------
    >>> data = churn_data(cx, horizon=6)                                # doctest: +SKIP
    >>> data.horizon_months, data.design                                # doctest: +SKIP
    (6, 'asof')
    """
    if design not in DESIGNS:
        raise ValueError(f"design must be one of {DESIGNS}, not {design!r}")
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 month, not {horizon}")
    cust, churned, churn_date = _churn_flags(cx)
    has_dates = bool(churn_date.notna().any())
    if design == "auto":
        design = "asof" if has_dates else "snapshot"
    if design == "asof" and not has_dates:
        raise ValueError(
            "the as-of design needs customers.churn_date (when each churner left); "
            "use design='snapshot'"
        )
    as_of = cx.end_of_data()
    notes: list[str] = []
    skipped = int(churned.isna().sum())
    if skipped:
        notes.append(f"{wording.count(skipped)} customers without a churned flag are left out.")
    flag = churned.fillna(False).astype(bool)
    latest = _features(cx, churn_date.where(flag) if has_dates else None)
    if design == "asof":
        rows = _asof_rows(cx, cust, churned, churn_date, (as_of, horizon, max_origins), notes)
    else:
        rows = _snapshot_rows(cust, latest, churned, notes)
    X, y, groups, origin, duration, event, origins = rows
    now = (churned.notna() & ~flag).to_numpy()  # active at the end of the data
    X_now = latest.loc[now]
    excluded = _excluded(X, features, exclude)
    X = X.drop(columns=excluded["feature"].tolist())
    X_now = X_now.reindex(columns=X.columns)
    return ChurnData(
        X=X,
        y=y.rename("churned"),
        groups=groups,
        origin=origin,
        duration=duration,
        event=event,
        revenue=_revenue(cust, X_now, now).rename("monthly_revenue"),
        X_now=X_now,
        families={f: feature_family(f) for f in X.columns},
        design=design,
        horizon_months=horizon,
        as_of=as_of,
        origins=origins,
        excluded=excluded,
        notes=notes,
        latest=latest,
        engine=data_engine(cx),
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


def cutoffs(as_of: pd.Timestamp, horizon: int, count: int) -> list[pd.Timestamp]:
    """The cutoff dates of the as-of design, latest first: end − horizon, then one
    horizon earlier each (non-overlapping label windows).

    Examples
    --------
    >>> [f"{t:%Y-%m-%d}" for t in cutoffs(pd.Timestamp("2026-12-31"), 3, 3)]
    ['2026-09-30', '2026-06-30', '2026-03-31']
    """
    return [as_of - pd.DateOffset(months=horizon * (j + 1)) for j in range(count)]


def _asof_rows(
    cx: CXData,
    cust: pd.DataFrame,
    churned: pd.Series,
    churn_date: pd.Series,
    window: tuple[pd.Timestamp, int, int],
    notes: list[str],
) -> tuple:
    """Stacked rows of the as-of design; ``window`` is ``(as_of, horizon, max_origins)``."""
    as_of, horizon, max_origins = window
    flag = churned.fillna(False).astype(bool)
    undated = (flag & churn_date.isna()).to_numpy()
    known = churned.notna().to_numpy() & ~undated
    signup = cust.get("signup_date")
    parts, used = [], []
    for t0 in cutoffs(as_of, horizon, max_origins):
        active = known & (churn_date.isna() | (churn_date > t0)).to_numpy()
        if signup is not None:
            active &= (signup < t0).fillna(False).to_numpy()
        if int(active.sum()) < MIN_ACTIVE:
            break
        X = _features(cx, t0).loc[active]
        left = churn_date[active]
        y = (left <= t0 + pd.DateOffset(months=horizon)).fillna(False).to_numpy(dtype=bool)
        end = left.fillna(as_of).clip(upper=as_of)
        months = ((end - t0).dt.total_seconds() / 86_400 / DAYS_PER_MONTH).to_numpy(dtype=float)
        parts.append((X, y, t0, months, left.notna().to_numpy() & (left <= as_of).to_numpy()))
        used.append(t0)
        if sum(int(p[1].sum()) for p in parts) >= ENOUGH_CHURNERS:
            break
    if not parts:
        raise ValueError(
            f"no cutoff {horizon} months or more before the end of the data has "
            f"{MIN_ACTIVE} active customers: the data is too short for a {horizon}-month "
            "horizon (choose a shorter horizon)"
        )
    X = pd.concat([p[0] for p in parts])
    groups = X.index.to_numpy(dtype=object)
    origin = np.concatenate([np.full(len(p[0]), p[2].to_datetime64()) for p in parts])
    X.index = pd.Index(np.concatenate([_row_ids(p[0].index, p[2]) for p in parts]), name="row")
    y = pd.Series(np.concatenate([p[1] for p in parts]), index=X.index)
    duration = np.concatenate([p[3] for p in parts])
    event = np.concatenate([p[4] for p in parts])
    dates = ", ".join(f"{t:%Y-%m-%d}" for t in used)
    notes.append(
        f"Study design: the customers active on each cutoff date ({dates}) are described "
        f"with what happened before that date only (tenure, totals, rates, survey answers "
        f"and tickets up to it), and the label is churn within the {horizon} months after "
        f"it: {wording.count(len(y))} rows of {wording.count(len(pd.unique(groups)))} "
        f"customers, {wording.count(int(y.sum()))} churns. Rows of one customer stay in "
        "one cross-validation fold. Columns of the customers table (plan, region, revenue) "
        "are today's values: the data holds no history of them."
    )
    if int(undated.sum()):
        notes.append(
            f"{wording.count(int(undated.sum()))} churners without a churn date are left out."
        )
    return X, y, groups, origin, duration, event, used


def _row_ids(ids: pd.Index, t0: pd.Timestamp) -> np.ndarray:
    """``<customer_id>@<cutoff date>``: one unique id per row of the stacked table."""
    return (pd.Series(ids.astype(str)) + f"@{t0:%Y-%m-%d}").to_numpy(dtype=object)


def _snapshot_rows(
    cust: pd.DataFrame, latest: pd.DataFrame, churned: pd.Series, notes: list[str]
) -> tuple:
    """Rows of the snapshot design: every customer with a known flag, measured now."""
    known = churned.notna().to_numpy()
    X = latest.loc[known]
    y = pd.Series(churned[known].to_numpy(dtype=bool), index=X.index)
    if "tenure_days" in X:
        duration = X["tenure_days"].to_numpy(dtype=float) / DAYS_PER_MONTH
    else:
        duration = np.full(len(X), np.nan)
    notes.append(
        "Study design: a snapshot. The data has no churn dates, so every customer is "
        "described as of the same moment (as in the IBM Telco table) and the label is the "
        "churn flag; tenure and totals are kept as features. How long a period the flag "
        "covers is the data set's own (often the last month)."
    )
    return (
        X,
        y,
        X.index.to_numpy(dtype=object),
        np.full(len(X), np.datetime64("NaT", "ns")),
        duration,
        y.to_numpy(dtype=bool),
        [],
    )


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
    X: pd.DataFrame, features: list[str] | None, exclude: list[str] | None
) -> pd.DataFrame:
    """Features to leave out, with the reason: the user's choice, constants, personal data."""
    rows = []
    wanted = set(features or ())
    for col in X.columns:
        family = feature_family(col)
        if features is not None and col not in wanted and family not in wanted:
            rows.append((col, "not among the features asked for"))
        elif exclude and (col in exclude or family in exclude):
            rows.append((col, "excluded by the parameters"))
        elif X[col].nunique(dropna=True) < 2:
            rows.append((col, "the same for every customer"))
        else:
            reason = identifying_reason(col, X[col])
            if reason:
                rows.append((col, reason))
    return pd.DataFrame(rows, columns=["feature", "reason"])


def identifying_reason(name: str, values: pd.Series) -> str | None:
    """Why a feature identifies people rather than describing groups, or None.

    Personal data (:func:`cxlib.io.privacy.personal_data_reason`), and categories with
    more than :data:`MAX_LEVELS` levels or mostly unique values: a model would learn
    individuals, and the page describing the driver would list them.

    Examples
    --------
    >>> identifying_reason("email", pd.Series(["a@b.com"]))
    'personal data: looks like personal data (the column name says email)'
    >>> ids = pd.Series(pd.Categorical([f"k{i}" for i in range(80)]))
    >>> identifying_reason("code", ids)
    'identifies customers rather than groups: 80 distinct values'
    >>> identifying_reason("plan", pd.Series(pd.Categorical(["a", "b"] * 40))) is None
    True
    """
    reason = personal_data_reason(name, values)
    if reason:
        return f"personal data: {reason}"
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object:
        known = values.dropna()
        levels = int(known.nunique())
        if levels > MAX_LEVELS or (len(known) >= 20 and levels > MAX_UNIQUE_SHARE * len(known)):
            return (
                f"identifies customers rather than groups: {wording.count(levels)} distinct values"
            )
    return None


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
