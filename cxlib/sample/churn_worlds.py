"""Churn worlds: randomized data sets in the data contract with planted churn drivers.

A world is ``customers`` (with ``churned`` and ``churn_date``), ``tickets`` and ``surveys``
(CES answers) over :data:`MONTHS` months, simulated month by month: in each month every
active customer churns with a probability that depends only on what happened *before*
that month (tickets open at its start, tenure at its start, the CES answers given so far)
and on static attributes. An as-of churn design (features measured before a cutoff date,
churn within a horizon after it) can therefore recover the planted drivers; a design that
measures features at each churner's churn date and everybody else at the end of the data
mixes them up with the length of observation. The truth study
(``benchmarks/truth_churn.py``) runs the churn analysis on many worlds and counts how
often it recovers the planted drivers and how often it states a confounder as a cause.

How a world is drawn (everything from ``numpy.random.default_rng(seed)``)
-----------------------------------------------------------------------
1. **Customers.** Sign-up dates spread over the first :data:`LAST_SIGNUP_MONTH` months.
   A share (20-30%) is *prone* to support problems: they open tickets more often and far
   more of their tickets stay open for weeks or months. Attributes: ``plan``, ``products``
   (1-4), ``age``, ``region``, ``loyalty_points``, ``household_size`` and
   ``monthly_revenue``; a latent ease sets the level of each customer's CES answers.
2. **Monthly hazard.** For month ``m``, the log-odds of churning in it are
   ``base + b_open * open_tickets + b_tenure * (log1p(tenure_months) - log1p(6))
   + b_ces * (mean CES so far - 3.5) + g[products]``, with ``g[2] = 0`` and ``g[1]``,
   ``g[3]``, ``g[4]`` positive (a U shape). Every term is measured at the start of the
   month; a customer churns on a uniform day of it and has no activity afterwards.
3. **Planted structure by kind** (:data:`KINDS`): every signal world plants unresolved
   tickets (increases churn) and two of tenure (decreases), mean CES (decreases) and
   products (U-shaped); ``"none"`` plants nothing (constant hazard). In every world
   ``plan == "standard"`` marks the prone customers (75-95% of them hold it against 3-15%
   of the rest, :data:`PRONE_STANDARD_SHARE`) and has no effect of its own, the
   ticket count rises with unresolved tickets and has no effect of its own, the mean
   resolution time is long for the same customers, and age, region, loyalty points,
   household size and monthly revenue are noise. Effect sizes and the base rate are drawn
   per world (:data:`EFFECTS`).

Feature names in the truth are those of :func:`cxlib.features.customer_features`
(``unresolved_tickets`` at a cutoff = tickets opened before it and not resolved before it,
exactly the hazard's ``open_tickets``; ``tenure_days``; ``ces_mean``; ``products``).

Examples
--------
>>> world = churn_world("support_tenure_ces", customers=2_000, seed=1)
>>> sorted(world.tables), world.truth["drivers"][0]["feature"]
(['customers', 'surveys', 'tickets'], 'unresolved_tickets')
>>> churn_world("none", customers=2_000, seed=1).truth["drivers"]
[]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.io.dataset import CXData
from cxlib.sample.worlds import world_data, write_world

KINDS: dict[str, tuple[str, ...]] = {
    "support_tenure_ces": ("unresolved_tickets", "tenure_days", "ces_mean"),
    "support_tenure_products": ("unresolved_tickets", "tenure_days", "products"),
    "support_ces_products": ("unresolved_tickets", "ces_mean", "products"),
    "none": (),
}
"""World kinds and the features that drive churn in them."""
DIRECTIONS = {"unresolved_tickets": "increases", "tenure_days": "decreases",
              "ces_mean": "decreases", "products": "u_shaped"}  # fmt: skip
"""How each plantable driver moves churn (``u_shaped``: lowest at 2 products)."""
EFFECTS: dict[str, tuple[float, float]] = {
    "base_rate": (0.008, 0.02),  # monthly churn at the reference levels
    "open": (0.35, 0.6),  # log-odds per ticket open at the month's start
    "tenure": (-0.9, -0.55),  # log-odds per unit of log1p(tenure months)
    "ces": (-0.8, -0.5),  # log-odds per point of mean CES (5 = very easy)
    "products_1": (0.7, 1.1),  # log-odds of 1 product against 2
    "products_3": (1.3, 1.9),  # ... of 3 products
    "products_4_extra": (0.2, 0.8),  # ... of 4 products on top of 3
}
"""Ranges the per-world effect sizes are drawn from (uniformly)."""
MONTHS = 24  # months of data; the simulation steps one month at a time
LAST_SIGNUP_MONTH = 21
"""Sign-ups fall in months 0-20: every customer has at least three months of data."""
START = np.datetime64("2024-07-01T00:00:00", "s")
MONTH_S = int(30.4375 * 86_400)
END = START + np.timedelta64(MONTHS * MONTH_S, "s")
"""The end of every world's data."""
TENURE_REFERENCE, CES_REFERENCE = 6.0, 3.5
"""Tenure (months) and mean CES at which the base rate holds."""
PRONE_SHARE = (0.2, 0.3)
PRONE_TICKETS, OTHER_TICKETS = (1.5, 2.2), (0.03, 0.06)
"""Tickets a month (median) of prone and other customers; lognormal spread per customer."""
TICKET_SPREAD = 0.4
PRONE_SLOW, OTHER_SLOW = 0.6, 0.08
"""Share of a customer's tickets that stay open for weeks or months."""
SLOW_DAYS, QUICK_HOURS = 90.0, 20.0
"""Mean open time of a slow ticket (days) and of any other ticket (hours)."""
PRONE_STANDARD_SHARE, OTHER_STANDARD_SHARE = (0.75, 0.95), (0.03, 0.15)
"""Ranges of the share holding ``plan == "standard"`` among prone customers and among the
rest (drawn per world: how sharply the plan marks the prone customers)."""
CES_RATE, CES_SD = 0.3, 0.7
"""CES answers a month besides the one in the first month; answer noise around the ease."""
PRODUCT_P = (0.4, 0.35, 0.15, 0.1)
REGIONS = ("north", "south", "east", "west", "central")
NOISE = ("age", "region", "loyalty_points", "household_size", "monthly_revenue")
MIN_CUSTOMERS = 500


@dataclass
class ChurnWorld:
    """A drawn world: its tables (data contract) and its truth."""

    tables: dict[str, pd.DataFrame]
    truth: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """A short label: kind, size and seed."""
        t = self.truth
        return f"{t['kind']:<24} n={t['customers']:>6,} seed {t['seed']:>3}"

    def data(self) -> CXData:
        """The tables as a loaded data set (no files, no validation: they are valid)."""
        return world_data("churn", self.name, self.tables)

    def write(self, out: str | Path) -> Path:
        """Write the tables as CSV and ``TRUTH.json`` into ``out`` (for :func:`cxlib.load`)."""
        return write_world(out, self.tables, self.truth)


def churn_world(kind: str, customers: int = 6_000, seed: int = 0) -> ChurnWorld:
    """Draw one churn world (see the module docstring).

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`: which drivers are planted (``"none"``: no driver).
    customers : int
        Number of customers (at least 500; 4,000-12,000 in the truth study).
    seed : int
        Seed of every random draw: the same arguments give the same world.

    Returns
    -------
    ChurnWorld
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, not {kind!r}")
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"customers must be at least {MIN_CUSTOMERS}, not {customers}")
    rng = np.random.default_rng([seed, customers])
    effects = _effects(rng, KINDS[kind])
    pop = _population(rng, customers)
    sim = _simulate(rng, pop, effects)
    tables = _tables(rng, pop, sim)
    truth = _truth(kind, customers, seed, effects, pop, sim)
    return ChurnWorld(tables, truth)


def _effects(rng: np.random.Generator, planted: tuple[str, ...]) -> dict[str, float]:
    """Per-world effect sizes; those of drivers not planted are 0."""
    e = {k: float(rng.uniform(lo, hi)) for k, (lo, hi) in EFFECTS.items()}
    on = {
        "open": "unresolved_tickets",
        "tenure": "tenure_days",
        "ces": "ces_mean",
        **dict.fromkeys(("products_1", "products_3", "products_4_extra"), "products"),
    }
    return {k: (v if on.get(k) is None or on[k] in planted else 0.0) for k, v in e.items()}


def _population(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Sign-up, proneness, ticket behaviour, ease and attributes of every customer."""
    prone = rng.random(n) < rng.uniform(*PRONE_SHARE)
    rate = np.where(prone, rng.uniform(*PRONE_TICKETS), rng.uniform(*OTHER_TICKETS))
    marks = rng.uniform(*PRONE_STANDARD_SHARE), rng.uniform(*OTHER_STANDARD_SHARE)
    standard = rng.random(n) < np.where(prone, *marks)
    month = rng.integers(0, LAST_SIGNUP_MONTH, n)
    signup = START + ((month + rng.random(n)) * MONTH_S).astype("timedelta64[s]")
    return {
        "ids": np.char.zfill(np.arange(1, n + 1).astype(str), 6).astype(object),
        "signup": signup.astype("datetime64[D]").astype("datetime64[s]"),
        "prone": prone,
        "standard_shares": np.array(marks),
        "ticket_rate": rate * rng.lognormal(0.0, TICKET_SPREAD, n),
        "slow_share": np.where(prone, PRONE_SLOW, OTHER_SLOW),
        "ease": np.clip(rng.normal(3.6, 0.8, n), 1.0, 5.0),
        "plan": np.where(standard, "standard", rng.choice(["basic", "premium"], n)),
        "products": 1 + rng.choice(4, n, p=PRODUCT_P),
    }


@dataclass
class _Log:
    """What the simulation produced: churn dates and the ticket and CES logs."""

    churn: np.ndarray
    ticket_owner: list[np.ndarray] = field(default_factory=list)
    opened: list[np.ndarray] = field(default_factory=list)
    resolved: list[np.ndarray] = field(default_factory=list)
    ces_owner: list[np.ndarray] = field(default_factory=list)
    ces_at: list[np.ndarray] = field(default_factory=list)
    ces_score: list[np.ndarray] = field(default_factory=list)

    def open_at(self, t: np.datetime64, n: int) -> np.ndarray:
        """Tickets per customer opened before ``t`` and not resolved before it."""
        if not self.ticket_owner:
            return np.zeros(n)
        o, r = np.concatenate(self.opened), np.concatenate(self.resolved)
        hit = (o < t) & ~(r < t)
        return np.bincount(np.concatenate(self.ticket_owner)[hit], minlength=n).astype(float)


def _simulate(rng: np.random.Generator, pop: dict, e: dict[str, float]) -> _Log:
    """Step month by month: churn from the hazard at the month's start, then activity."""
    n = len(pop["ids"])
    log = _Log(churn=np.full(n, np.datetime64("NaT"), dtype="datetime64[s]"))
    ces_sum, ces_n = np.zeros(n), np.zeros(n)
    g = np.array([e["products_1"], 0.0, e["products_3"], e["products_3"] + e["products_4_extra"]])
    base = np.log(e["base_rate"] / (1 - e["base_rate"]))
    for m in range(MONTHS):
        t0 = START + np.timedelta64(m * MONTH_S, "s")
        t1 = t0 + np.timedelta64(MONTH_S, "s")
        months = (t0 - pop["signup"]) / np.timedelta64(MONTH_S, "s")
        at_risk = (months > 0) & np.isnat(log.churn)
        x = (
            base
            + e["open"] * log.open_at(t0, n)
            + e["tenure"] * (np.log1p(np.maximum(months, 0)) - np.log1p(TENURE_REFERENCE))
            + e["ces"] * (_mean_so_far(ces_sum, ces_n) - CES_REFERENCE)
            + g[pop["products"] - 1]
        )
        leave = at_risk & (rng.random(n) < 1 / (1 + np.exp(-x)))
        log.churn[leave] = _churn_days(
            t0 + (rng.random(leave.sum()) * MONTH_S).astype("timedelta64[s]")
        )
        lo = np.maximum(t0, pop["signup"])
        hi = np.where(np.isnat(log.churn) | (log.churn > t1), t1, log.churn)
        active = hi > lo
        _month_tickets(rng, pop, log, lo, hi, active)
        first = active & (ces_n == 0)
        s, c = _month_ces(rng, pop, log, lo, hi, active, first)
        ces_sum += s
        ces_n += c
    return log


def _mean_so_far(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Mean CES answer so far (:data:`CES_REFERENCE` before the first answer)."""
    return np.divide(total, count, where=count > 0, out=np.full(len(total), CES_REFERENCE))


def _churn_days(t: np.ndarray) -> np.ndarray:
    """Churn at midnight after ``t`` (no activity on or after the churn date), before
    :data:`END`."""
    day = t.astype("datetime64[D]").astype("datetime64[s]") + np.timedelta64(86_400, "s")
    return np.minimum(day, END.astype("datetime64[D]").astype("datetime64[s]"))


def _uniform_times(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform time in ``[lo, hi)`` per row."""
    span = (hi - lo).astype(np.int64)
    return lo + (rng.random(len(lo)) * span).astype("timedelta64[s]")


def _month_tickets(rng, pop, log: _Log, lo, hi, active) -> None:
    """Poisson tickets in each customer's active part of the month; slow ones stay open."""
    frac = np.where(active, (hi - lo) / np.timedelta64(MONTH_S, "s"), 0.0)
    owner = np.repeat(np.arange(len(lo)), rng.poisson(pop["ticket_rate"] * frac))
    opened = _uniform_times(rng, lo[owner], hi[owner])
    slow = rng.random(len(owner)) < pop["slow_share"][owner]
    hours = np.where(
        slow, rng.exponential(SLOW_DAYS * 24, len(owner)), rng.exponential(QUICK_HOURS, len(owner))
    )
    log.ticket_owner.append(owner)
    log.opened.append(opened)
    log.resolved.append(opened + (hours * 3600).astype("timedelta64[s]"))


def _month_ces(rng, pop, log: _Log, lo, hi, active, first) -> tuple[np.ndarray, np.ndarray]:
    """CES answers of the month (one in each customer's first month, then Poisson);
    returns the sums and counts to add to each customer's running mean."""
    frac = np.where(active, (hi - lo) / np.timedelta64(MONTH_S, "s"), 0.0)
    counts = rng.poisson(CES_RATE * frac) + first
    owner = np.repeat(np.arange(len(lo)), counts)
    score = np.clip(np.round(pop["ease"][owner] + rng.normal(0, CES_SD, len(owner))), 1, 5)
    log.ces_owner.append(owner)
    log.ces_at.append(_uniform_times(rng, lo[owner], hi[owner]))
    log.ces_score.append(score)
    n = len(lo)
    return np.bincount(owner, weights=score, minlength=n), np.bincount(owner, minlength=n)


def _tables(rng: np.random.Generator, pop: dict, log: _Log) -> dict[str, pd.DataFrame]:
    """customers, tickets and surveys (resolutions after the end of the data are empty)."""
    n = len(pop["ids"])
    owner = np.concatenate(log.ticket_owner)
    order = np.lexsort((np.concatenate(log.opened), owner))
    owner, opened = owner[order], np.concatenate(log.opened)[order]
    resolved = np.concatenate(log.resolved)[order]
    resolved = np.where(resolved < END, resolved, np.datetime64("NaT"))
    churn = log.churn
    customers = pd.DataFrame(
        {
            "customer_id": pop["ids"],
            "signup_date": pop["signup"].astype("datetime64[ns]"),
            "churned": ~np.isnat(churn),
            "churn_date": churn.astype("datetime64[ns]"),
            "plan": pop["plan"],
            "products": pop["products"].astype(float),
            "age": np.clip(np.round(rng.normal(42, 12, n)), 18, 85),
            "region": rng.choice(REGIONS, n),
            "loyalty_points": np.round(rng.lognormal(5.0, 1.2, n)),
            "household_size": 1.0 + rng.poisson(1.2, n),
            "monthly_revenue": np.round(rng.lognormal(np.log(30.0), 0.5, n), 2),
        }
    )
    tickets = pd.DataFrame(
        {
            "ticket_id": np.char.add("T", np.arange(len(owner)).astype(str)).astype(object),
            "customer_id": pop["ids"][owner],
            "opened_at": opened.astype("datetime64[ns]"),
            "resolved_at": resolved.astype("datetime64[ns]"),
            "channel": rng.choice(["phone", "email", "chat"], len(owner)),
        }
    )
    so = np.concatenate(log.ces_owner)
    surveys = pd.DataFrame(
        {
            "response_id": np.char.add("R", np.arange(len(so)).astype(str)).astype(object),
            "customer_id": pop["ids"][so],
            "responded_at": np.concatenate(log.ces_at).astype("datetime64[ns]"),
            "survey": "ces",
            "score": np.concatenate(log.ces_score),
        }
    )
    return {"customers": customers, "tickets": tickets, "surveys": surveys}


def _truth(kind: str, n: int, seed: int, e: dict, pop: dict, log: _Log) -> dict:
    """What is planted, and what a 3-month as-of window at the end of the data looks like."""
    planted = KINDS[kind]
    t0 = END - np.timedelta64(3 * MONTH_S, "s")
    active = (pop["signup"] < t0) & ~(log.churn < t0)
    r, rho = _pair_correlation(log, t0, active)
    p4 = e["products_3"] + e["products_4_extra"]
    log_odds = {
        "unresolved_tickets": {"per_open_ticket": e["open"]},
        "tenure_days": {"per_log1p_month": e["tenure"]},
        "ces_mean": {"per_point": e["ces"]},
        "products": {"1": e["products_1"], "2": 0.0, "3": e["products_3"], "4": p4},
    }
    shares = [round(float(v), 3) for v in (*pop["standard_shares"], pop["prone"].mean())]
    return {
        "kind": kind, "customers": n, "seed": seed,
        "start": str(START.astype("datetime64[D]")), "end": str(END.astype("datetime64[D]")),
        "base_monthly_churn": round(e["base_rate"], 4),
        "drivers": [
            {"feature": f, "direction": DIRECTIONS[f], "log_odds": log_odds[f]} for f in planted
        ],
        "nonlinear": [f for f in planted if DIRECTIONS[f] == "u_shaped"],
        "confounders": [
            {"feature": "plan", "level": "standard", "of": "unresolved_tickets",
             "share_of_prone": shares[0], "share_of_others": shares[1], "prone_share": shares[2]}
        ],
        "collinear": [
            {"feature": "ticket_count", "with": "unresolved_tickets", "correlation": r,
             "spearman": rho},
            {"feature": "mean_resolution_hours", "with": "unresolved_tickets"},
        ],
        "no_effect": sorted(set(DIRECTIONS) - set(planted)) + ["plan", "ticket_count", *NOISE],
        "churn_rate": round(float(np.mean(~np.isnat(log.churn))), 4),
        "churn_3m_at_end": round(float((active & (log.churn < END)).sum() / max(active.sum(), 1)), 4),
        "active_3m_before_end": int(active.sum()),
    }  # fmt: skip


def _pair_correlation(log: _Log, t0: np.datetime64, active: np.ndarray) -> tuple[float, float]:
    """Pearson and Spearman correlation of ticket count and unresolved tickets at ``t0``
    among the customers active then."""
    n = len(active)
    opened = np.concatenate(log.opened)
    count = pd.Series(np.bincount(np.concatenate(log.ticket_owner)[opened < t0], minlength=n))
    unresolved = pd.Series(log.open_at(t0, n))
    pair = count[active], unresolved[active]
    return round(float(pair[0].corr(pair[1])), 3), round(
        float(pair[0].corr(pair[1], method="spearman")), 3
    )
