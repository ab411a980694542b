"""The synthetic population: persona, demographics, latent experience and churn.

Everything that churn depends on (unresolved tickets, CES answers, plan) is drawn here,
*before* churn; the activity tables only place those counts in time afterwards, inside the
customer's active window, so the planted drivers are exactly what the tables show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.sample._common import (
    CHANNEL_NAMES,
    CHURN_BASIC_PLAN,
    CHURN_INTERCEPT,
    CHURN_PER_CES_POINT,
    CHURN_PER_UNRESOLVED,
    DAY,
    GENDERS,
    HOUR,
    INCOME_BANDS,
    LAST_SIGNUP_DAY,
    MIN_CHURN_DAYS,
    MINUTE,
    PERIOD_DAYS,
    PERIOD_END,
    PERSONAS,
    PLAN_FEE,
    PLANS,
    REGION_P,
    REGIONS,
    choice_rows,
    fmt_date,
    persona_param,
)

BOUNCE, ABANDON, CONVERTED = 0, 1, 2


@dataclass
class Population:
    """Per-customer arrays (index = row of the customers table, sorted by customer_id)."""

    ids: np.ndarray
    persona: np.ndarray  # 0..4 (persona id - 1)
    age: np.ndarray  # float, nan = missing
    gender: np.ndarray
    region: np.ndarray  # index into REGIONS
    plan: np.ndarray  # index into PLANS
    income: np.ndarray  # index into INCOME_BANDS, -1 = missing
    preferred_channel: np.ndarray
    signup_day: np.ndarray
    t0: np.ndarray  # first event (seconds)
    span: np.ndarray  # seconds from first event to first payment attempt
    journey: np.ndarray  # BOUNCE / ABANDON / CONVERTED
    sat: np.ndarray  # latent satisfaction 0..1
    ease: np.ndarray  # latent ease of doing business 0..1
    n_resolved: np.ndarray  # ordinary (resolved) tickets
    n_unresolved: np.ndarray  # tickets never resolved (churn driver)
    ep_cust: np.ndarray  # billing-page loop episodes: customer index ...
    ep_followup: np.ndarray  # ... a billing ticket follows within 48 h
    ep_survey: np.ndarray  # ... a CES survey about billing_page follows
    churned: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    churn_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0))  # activity before this
    last: np.ndarray = field(default_factory=lambda: np.zeros(0))  # time of the last event
    mean_ces: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.ids)


def _customer_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Increasing zero-padded digit strings with gaps ("0000001", "0000003", ...)."""
    numbers = np.cumsum(1 + rng.integers(0, 3, n))
    width = max(7, len(str(int(numbers[-1]) + 10_000)) if n else 7)
    return np.char.zfill(numbers.astype(str), width).astype(object)


def orphan_ids(ids: np.ndarray, k: int) -> np.ndarray:
    """``k`` well-formed customer ids that are not in ``ids`` (all above the largest one)."""
    width = len(ids[-1])
    top = int(ids[-1])
    return np.array([str(top + 1_000 + 7 * i).zfill(width) for i in range(k)], dtype=object)


def draw_population(rng: np.random.Generator, n: int) -> Population:
    """Draw personas, demographics, journey type, latent experience and ticket counts."""
    shares = persona_param("share").astype(float)
    counts = np.floor(shares * n).astype(int)
    counts[np.argsort(-(shares * n - counts))[: n - counts.sum()]] += 1
    persona = rng.permutation(np.repeat(np.arange(len(PERSONAS)), counts))

    age_mu, age_sd, age_lo, age_hi = persona_param("age").astype(float).T
    age = np.clip(
        np.rint(rng.normal(age_mu[persona], age_sd[persona])), age_lo[persona], age_hi[persona]
    )
    age[rng.random(n) < 0.03] = np.nan

    income = choice_rows(rng, persona_param("income_p")[persona])
    income[rng.random(n) < 0.05] = -1
    plan = choice_rows(rng, persona_param("plan_p")[persona])
    gender = GENDERS[choice_rows(rng, np.tile([0.49, 0.49, 0.02], (n, 1)))]
    region = choice_rows(rng, np.tile(REGION_P, (n, 1)))
    preferred = np.array([p["preferred_channel"] for p in PERSONAS], dtype=object)[persona]
    other = CHANNEL_NAMES[choice_rows(rng, persona_param("channel_w")[persona])]
    preferred = np.where(rng.random(n) < 0.7, preferred, other)

    a, b = persona_param("signup_beta").astype(float).T
    signup_day = np.floor(rng.beta(a[persona], b[persona]) * (LAST_SIGNUP_DAY + 1)).astype(np.int64)
    t0 = signup_day * DAY + rng.uniform(7 * HOUR, 22 * HOUR, n)
    same_day = rng.random(n) < 0.35
    span = np.where(
        same_day,
        rng.uniform(12 * MINUTE, 50 * MINUTE, n),
        np.minimum(20 * MINUTE + rng.exponential(2.5 * DAY, n), 10 * DAY),
    )

    u = rng.random(n)
    bounce = persona_param("bounce").astype(float)[persona]
    abandon = persona_param("abandon").astype(float)[persona]
    journey = np.where(u < bounce, BOUNCE, np.where(u < bounce + abandon, ABANDON, CONVERTED))

    sat_mu = persona_param("sat").astype(float)[persona]
    ease_mu = persona_param("ease").astype(float)[persona]
    sat = rng.normal(sat_mu, 0.08)
    ease = ease_mu + 0.5 * (sat - sat_mu) + rng.normal(0, 0.07, n)

    t_min, t_extra = persona_param("tickets").astype(float).T
    n_resolved = t_min[persona].astype(np.int64) + rng.poisson(t_extra[persona])
    u_min, u_extra = persona_param("unresolved").astype(float).T
    n_unresolved = u_min[persona].astype(np.int64) + rng.poisson(u_extra[persona])

    looper = (journey == CONVERTED) & (
        rng.random(n) < persona_param("looper").astype(float)[persona]
    )
    episodes = np.where(looper, 1 + rng.poisson(0.8, n), 0)
    ep_cust = np.repeat(np.arange(n), episodes)
    sat = sat - 0.04 * episodes  # repeated billing trouble sours the relationship

    return Population(
        ids=_customer_ids(rng, n),
        persona=persona,
        age=age,
        gender=gender,
        region=region,
        plan=plan,
        income=income,
        preferred_channel=preferred,
        signup_day=signup_day,
        t0=t0,
        span=span,
        journey=journey,
        sat=np.clip(sat, 0.02, 0.98),
        ease=np.clip(ease, 0.02, 0.98),
        n_resolved=n_resolved,
        n_unresolved=n_unresolved,
        ep_cust=ep_cust,
        ep_followup=rng.random(len(ep_cust)) < 0.7,
        ep_survey=rng.random(len(ep_cust)) < 0.6,
    )


def churn_probability(
    n_unresolved: np.ndarray, mean_ces: np.ndarray, plan: np.ndarray
) -> np.ndarray:
    """The planted churn model: logistic in unresolved tickets, mean CES and basic plan.

    Persona has no term of its own: it acts on churn only through these three drivers.
    """
    z = (
        CHURN_INTERCEPT
        + CHURN_PER_UNRESOLVED * n_unresolved
        + CHURN_PER_CES_POINT * (mean_ces - 3.0)
        + CHURN_BASIC_PLAN * (plan == 0)
    )
    return 1.0 / (1.0 + np.exp(-z))


def assign_churn(rng: np.random.Generator, pop: Population, mean_ces: np.ndarray) -> None:
    """Draw churn from the planted model and set each customer's active window."""
    n = pop.n
    pop.mean_ces = mean_ces
    pop.churned = rng.random(n) < churn_probability(pop.n_unresolved, mean_ces, pop.plan)
    room = PERIOD_DAYS - 1 - pop.signup_day - MIN_CHURN_DAYS  # >= 29 by construction
    offset = np.floor(rng.beta(1.6, 1.3, n) * (room + 1)).astype(np.int64)
    pop.churn_day = np.where(pop.churned, pop.signup_day + MIN_CHURN_DAYS + offset, -1)
    # all activity of a churned customer happens strictly before the churn date
    pop.end = np.where(pop.churned, pop.churn_day * float(DAY), float(PERIOD_END))
    first_payment = pop.t0 + pop.span
    pop.last = np.where(
        pop.journey == CONVERTED, pop.end - rng.uniform(0.2 * DAY, 6 * DAY, n), first_payment
    )


def customers_table(pop: Population, monthly_revenue: np.ndarray) -> pd.DataFrame:
    """The ``customers`` table (before invalid rows are planted)."""
    income = np.where(pop.income >= 0, INCOME_BANDS[np.maximum(pop.income, 0)], None)
    churn_date = np.where(pop.churned, fmt_date(np.maximum(pop.churn_day, 0)), None)
    return pd.DataFrame(
        {
            "customer_id": pd.array(pop.ids, dtype="string"),
            "signup_date": pd.array(fmt_date(pop.signup_day), dtype="string"),
            "churned": pop.churned,
            "churn_date": pd.array(churn_date, dtype="string"),
            "age": pd.array(pop.age, dtype="Int64"),
            "gender": pd.array(pop.gender, dtype="string"),
            "region": pd.array(REGIONS[pop.region], dtype="string"),
            "plan": pd.array(PLANS[pop.plan], dtype="string"),
            "income_band": pd.array(income, dtype="string"),
            "preferred_channel": pd.array(pop.preferred_channel, dtype="string"),
            "monthly_revenue": np.round(monthly_revenue, 2),
        }
    )


def monthly_revenue(pop: Population, order_cust: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Plan fee plus order spend per month of tenure; 0 for customers who never bought."""
    spend = np.bincount(order_cust, weights=amount, minlength=pop.n)
    months = np.maximum((pop.end - pop.signup_day * DAY) / (30.44 * DAY), 1.0)
    bought = np.bincount(order_cust, minlength=pop.n) > 0
    return np.where(bought, PLAN_FEE[pop.plan] + spend / months, 0.0)
