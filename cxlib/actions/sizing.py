"""One size for every action: customers affected and the revenue their extra churn puts at risk.

An action is about a set of customers (those who met friction at a touchpoint, those a
churn driver marks, a persona, the writers of a comment theme, those with tickets in the
backlog). Every action is sized the same way, so that actions of different kinds can be
ranked against each other:

- **customers**: the affected customers in the customers table;
- **yearly churn** of the affected and of everyone else. With churn dates it is measured
  over the last twelve months of the data: churns in the window over the years each
  customer was a customer in it (a Poisson rate r), read as the chance of churning within
  a year, 1 − exp(−r). Without churn dates (a snapshot) the share churned is read as
  yearly, as the churn page does;
- **prospects**: a customer who has never paid (monthly revenue 0, not churned) is revenue
  not won; a group's yearly loss is its share of prospects q plus the churn of the rest:
  q + (1 − q) × churn. Without a revenue column nobody is a prospect and the loss is the
  churn;
- **excess churn**: the affected customers' loss minus that of the customers who were
  exposed to the same problem but not affected (a touchpoint's other users, the other
  commenters, the other customers with tickets; everyone else for a persona or a driver), in percentage points, with its 95% CI (delta
  method on the two rates, or the difference of two proportions for a snapshot);
- **revenue at risk per year**: the yearly revenue (monthly revenue × 12) of the affected
  customers still active at the end of the data, times the excess churn. A customer who
  has not bought yet (revenue 0: a prospect lost at payment) counts at the median yearly
  revenue of the paying customers, what a customer is worth once they buy; an unknown
  revenue counts as nothing (the figure is then a floor). It is the revenue
  a year that the affected customers' extra churn would cost if it went on as measured;
  the CI carries the excess churn's CI. An excess whose CI reaches zero is reported with
  a lower bound of 0: the data cannot tell it from no extra churn.

The figure is associational: customers who met friction churn more, which may be partly
who they are. It ranks where to look first, not what an action will certainly save.

Examples
--------
>>> c = pd.DataFrame({"customer_id": list("abcdef"), "churned": [1, 1, 0, 0, 0, 1],
...                   "monthly_revenue": 10.0})
>>> pop = Population.from_customers(c)
>>> s = pop.size(["a", "b", "c"])
>>> s.customers, round(s.churn_affected, 1), round(s.churn_rest, 1), s.active
(3, 66.7, 33.3, 1)
>>> round(s.revenue, 1)          # 1 active affected customer × 120 a year × 33.3 points
40.0
>>> round(s.excess_low, 1), s.revenue_low  # the CI reaches below 0: no clear extra churn
(-42.1, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.metrics.intervals import Z95

WINDOW_MONTHS = 12
"""The window over which churn is measured when the data has churn dates."""
DAYS_PER_YEAR = 365.25
LAST_YEAR = "the last 12 months"
"""The basis of a churn rate measured over the window."""
SNAPSHOT = "the share churned (a snapshot, read as yearly)"
"""The basis of a churn rate read from a churned flag without dates."""


@dataclass(frozen=True)
class Size:
    """How big an action is (percentages in points; money per year; NaN when unknown)."""

    customers: int
    active: int
    churn_affected: float
    churn_rest: float
    excess: float
    excess_low: float
    excess_high: float
    revenue: float
    revenue_low: float
    revenue_high: float
    extra_churners: float
    basis: str

    @property
    def clear(self) -> bool:
        """Whether the affected customers' extra churn is beyond chance (CI above 0)."""
        return bool(self.excess_low > 0)

    def record(self) -> dict[str, float | int | str]:
        """The size as plain values (the action plan's columns)."""
        return {
            "customers": self.customers,
            "active_customers": self.active,
            "churn_affected": self.churn_affected,
            "churn_rest": self.churn_rest,
            "excess_churn": self.excess,
            "excess_churn_low": self.excess_low,
            "excess_churn_high": self.excess_high,
            "revenue_at_risk_per_year": self.revenue,
            "revenue_low": self.revenue_low,
            "revenue_high": self.revenue_high,
            "extra_churners_per_year": self.extra_churners,
            "churn_basis": self.basis,
        }


UNKNOWN_SIZE = Size(0, 0, *([math.nan] * 8), extra_churners=math.nan, basis="")
"""The size of an action whose customers are not known (mentions without customer ids)."""


@dataclass(frozen=True)
class Population:
    """The customers every action is sized against, prepared once per run.

    Build it with :meth:`from_customers`. ``churned`` marks a churn counted in the basis,
    ``exposure`` the years at risk in the window (1 for a snapshot), ``counted`` the
    customers the churn rates are measured on, ``active`` those still customers at the
    end of the data.
    """

    ids: pd.Index
    churned: np.ndarray
    exposure: np.ndarray
    counted: np.ndarray
    active: np.ndarray
    yearly_revenue: np.ndarray
    prospect: np.ndarray
    basis: str
    has_churn: bool
    has_revenue: bool

    @classmethod
    def from_customers(cls, customers: pd.DataFrame, end: object = None) -> Population:
        """The population of a customers table (``customer_id``; optional ``churned``,
        ``churn_date``, ``signup_date``, ``monthly_revenue``); ``end`` = end of the data
        (default: the latest signup or churn date)."""
        c = customers.drop_duplicates("customer_id")
        ids = pd.Index(c["customer_id"].astype(str))
        n = len(c)
        dates = c["churn_date"] if "churn_date" in c else pd.Series(pd.NaT, index=c.index)
        dates = pd.to_datetime(dates, utc=True, errors="coerce")
        flag = c["churned"] if "churned" in c else dates.notna()
        flag = (
            pd.Series(flag).astype("boolean").fillna(False).to_numpy(dtype=bool)
            | dates.notna().to_numpy()
        )
        has_churn = "churned" in c or "churn_date" in c
        revenue = (
            pd.to_numeric(c["monthly_revenue"], errors="coerce").to_numpy(dtype=float) * 12
            if "monthly_revenue" in c
            else np.full(n, np.nan)
        )
        has_revenue = bool(np.isfinite(revenue).any())
        prospect = (revenue == 0) & ~flag
        paying = revenue[np.isfinite(revenue) & (revenue > 0)]
        if paying.size:  # a prospect is worth what a paying customer is
            revenue = np.where(revenue == 0, float(np.median(paying)), revenue)
        active = ~flag
        if dates.notna().any():
            signup = (
                pd.to_datetime(c["signup_date"], utc=True, errors="coerce")
                if "signup_date" in c
                else pd.Series(pd.NaT, index=c.index)
            )
            end_ts = _end(end, dates, signup)
            start = end_ts - pd.DateOffset(months=WINDOW_MONTHS)
            began = signup.fillna(start).where(signup.fillna(start) > start, start)
            stop = dates.where(dates.notna() & (dates <= end_ts), end_ts)
            years = ((stop - began).dt.total_seconds() / 86400 / DAYS_PER_YEAR).to_numpy()
            in_window = dates.isna() | (dates > start)
            counted = (in_window & (signup.isna() | (signup <= end_ts))).to_numpy() & (years > 0)
            churned = (dates.notna() & (dates > start) & (dates <= end_ts)).to_numpy()
            # a churned flag without a date cannot be placed in the window: not counted
            counted &= ~(flag & dates.isna().to_numpy())
            return cls(ids, churned & counted, np.where(counted, years, 0.0), counted,
                       active, revenue, prospect, LAST_YEAR, True, has_revenue)  # fmt: skip
        counted = np.full(n, has_churn)
        return cls(ids, flag & counted, counted.astype(float), counted, active, revenue,
                   prospect, SNAPSHOT, has_churn, has_revenue)  # fmt: skip

    def positions(self, ids: Iterable[object]) -> np.ndarray:
        """Each id's row in the population (-1 when it is not a customer)."""
        wanted = pd.Index(pd.Series(list(ids) if not isinstance(ids, pd.Index) else ids,
                                    dtype=object).astype(str))  # fmt: skip
        return self.ids.get_indexer(wanted)

    def mask(self, affected: Iterable[object] | np.ndarray) -> np.ndarray:
        """Which customers of the population are in ``affected`` (ids compared as text; a
        boolean array in the population's order is taken as it is)."""
        if isinstance(affected, np.ndarray) and affected.dtype == bool:
            return affected
        wanted = pd.Series(list(affected), dtype=object).dropna().astype(str).unique()
        at = self.ids.get_indexer(wanted)  # the ids are unique: a hash lookup
        out = np.zeros(len(self.ids), dtype=bool)
        out[at[at >= 0]] = True
        return out

    def _rate(self, m: np.ndarray) -> tuple[float, float]:
        """Yearly loss (a share) of the customers ``m`` and its standard error: prospects'
        share q plus the churn of the others, q + (1 − q) × churn."""
        counted = m & self.counted
        n = float(counted.sum())
        if n <= 0:
            return math.nan, math.nan
        q = float((counted & self.prospect).sum()) / n
        se_q = math.sqrt(max(q * (1 - q), 0.25 / n) / n) if q > 0 else 0.0
        p, se_p = self._churn(m & ~self.prospect)
        if q >= 1:
            return 1.0, se_q
        if not math.isfinite(p):
            return math.nan, math.nan
        loss = q + (1 - q) * p
        return loss, math.hypot((1 - p) * se_q, (1 - q) * se_p)

    def _churn(self, m: np.ndarray) -> tuple[float, float]:
        """Yearly churn probability (a share) of the customers ``m`` and its standard error."""
        k = float(self.churned[m].sum())
        e = float(self.exposure[m & self.counted].sum())
        if e <= 0:
            return math.nan, math.nan
        if self.basis == SNAPSHOT:
            p = k / e
            return p, math.sqrt(max(p * (1 - p), 0.25 / e) / e)
        r = k / e
        return 1 - math.exp(-r), math.exp(-r) * math.sqrt(max(k, 0.5)) / e

    def churn(self, affected: Iterable[object]) -> tuple[float, float, float, int]:
        """Yearly churn of the customers ``affected`` in %: value, 95% CI, customers counted.

        >>> c = pd.DataFrame({"customer_id": list("abcd"), "churned": [1, 0, 0, 0]})
        >>> [round(x, 1) for x in Population.from_customers(c).churn("ab")]
        [50.0, 0.0, 100.0, 2]
        """
        m = self.mask(affected)
        if not self.has_churn:
            return math.nan, math.nan, math.nan, 0
        p, se = self._churn(m)
        n = int((m & self.counted).sum())
        low, high = max(p - Z95 * se, 0.0), min(p + Z95 * se, 1.0)
        return p * 100, low * 100, high * 100, n

    def size(self, affected: Iterable[object], exposed: Iterable[object] | None = None) -> Size:
        """The :class:`Size` of an action about the customers ``affected`` (their ids),
        against the ``exposed`` customers who were not affected (those who could have met
        the problem: the touchpoint's other users; None = everyone else)."""
        if not len(self.ids):  # no customers table: count the ids, nothing to size them by
            n = len({str(i) for i in affected if i is not None})
            return Size(n, n, *([math.nan] * 8), math.nan, self.basis)
        m = self.mask(affected)
        rest = ~m if exposed is None else self.mask(exposed) & ~m
        customers, active = int(m.sum()), int((m & self.active).sum())
        if not self.has_churn or customers == 0 or not rest.any():
            return Size(customers, active, *([math.nan] * 8), math.nan, self.basis)
        pa, sa = self._rate(m)
        pr, sr = self._rate(rest)
        excess = (pa - pr) * 100
        half = Z95 * math.hypot(sa, sr) * 100
        low, high = excess - half, excess + half
        yearly = (
            float(np.nansum(self.yearly_revenue[m & self.active])) if self.has_revenue else math.nan
        )
        share = [max(x, 0.0) / 100 for x in (excess, low, high)]
        revenue = [yearly * s for s in share]
        return Size(customers, active, pa * 100, pr * 100, excess, low, high, *revenue,
                    extra_churners=active * share[0], basis=self.basis)  # fmt: skip


def _end(end: object, dates: pd.Series, signup: pd.Series) -> pd.Timestamp:
    """The end of the data: ``end`` when given, else the latest churn or signup date."""
    if end is not None:
        ts = pd.Timestamp(end)
        return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return max(d for d in (dates.max(), signup.max()) if pd.notna(d))


def rank_key(size: Size) -> tuple[float, float, float]:
    """How actions are ranked: revenue at risk, then extra churners, then customers
    (largest first; unknown values last)."""

    def neg(x: float) -> float:
        return -x if isinstance(x, (int, float)) and math.isfinite(x) else math.inf

    return neg(size.revenue), neg(size.extra_churners), neg(float(size.customers))


__all__ = [
    "LAST_YEAR",
    "SNAPSHOT",
    "UNKNOWN_SIZE",
    "WINDOW_MONTHS",
    "Population",
    "Size",
    "rank_key",
]
