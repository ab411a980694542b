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
    MONTH,
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

# --- demographics -------------------------------------------------------------------------
MISSING_AGE_P = 0.03  # customers whose age is unknown
MISSING_INCOME_P = 0.05  # customers whose income band is unknown
GENDER_P = (0.49, 0.49, 0.02)  # follows GENDERS
PERSONA_CHANNEL_P = 0.7  # customers who prefer their persona's channel (others: its mix)

# --- acquisition --------------------------------------------------------------------------
FIRST_EVENT_HOURS = (7 * HOUR, 22 * HOUR)  # time of day of the first event
SAME_DAY_P = 0.35  # customers who reach the first payment attempt on the day they arrive
SAME_DAY_SPAN = (12 * MINUTE, 50 * MINUTE)
MIN_SPAN = 20 * MINUTE  # the others: 20 minutes + Exponential(2.5 days), at most 10 days
MEAN_EXTRA_SPAN = 2.5 * DAY
MAX_SPAN = 10 * DAY

# --- latent experience and billing-loop episodes ------------------------------------------
SAT_SD = 0.08  # satisfaction around the persona's mean
EASE_PER_SAT = 0.5  # ease follows satisfaction ...
EASE_SD = 0.07  # ... with noise of its own
LATENT_RANGE = (0.02, 0.98)  # satisfaction and ease are clipped to this range
EXTRA_EPISODES = 0.8  # a looper has 1 + Poisson(0.8) billing-loop episodes ...
SAT_PER_EPISODE = 0.04  # ... each lowering satisfaction by this much
EPISODE_FOLLOWUP_P = 0.7  # episodes followed by a billing ticket within 48 h
EPISODE_SURVEY_P = 0.6  # episodes followed by a CES survey about billing_page

# --- churn timing -------------------------------------------------------------------------
CHURN_OFFSET_BETA = (1.6, 1.3)  # where in the remaining period a churner leaves
LAST_EVENT_BEFORE_END = (0.2 * DAY, 6 * DAY)  # converted customers' last event before the end


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
    """Draw personas, demographics, journey type, latent experience and ticket counts.

    The draws from ``rng`` come in a fixed order (the sample is reproducible byte for
    byte): personas, demographics, signup and acquisition span, journey type, latent
    experience, tickets, billing-loop episodes, customer ids, then the episodes' follow-up
    ticket and survey flags.
    """
    persona = _personas(rng, n)
    demographics = _demographics(rng, persona)
    signup_day, t0, span = _acquisition_times(rng, persona)
    u = rng.random(n)
    bounce = persona_param("bounce").astype(float)[persona]
    abandon = persona_param("abandon").astype(float)[persona]
    journey = np.where(u < bounce, BOUNCE, np.where(u < bounce + abandon, ABANDON, CONVERTED))

    sat_mu = persona_param("sat").astype(float)[persona]
    ease_mu = persona_param("ease").astype(float)[persona]
    sat = rng.normal(sat_mu, SAT_SD)
    ease = ease_mu + EASE_PER_SAT * (sat - sat_mu) + rng.normal(0, EASE_SD, n)

    t_min, t_extra = persona_param("tickets").astype(float).T
    n_resolved = t_min[persona].astype(np.int64) + rng.poisson(t_extra[persona])
    u_min, u_extra = persona_param("unresolved").astype(float).T
    n_unresolved = u_min[persona].astype(np.int64) + rng.poisson(u_extra[persona])

    looper = (journey == CONVERTED) & (
        rng.random(n) < persona_param("looper").astype(float)[persona]
    )
    episodes = np.where(looper, 1 + rng.poisson(EXTRA_EPISODES, n), 0)
    ep_cust = np.repeat(np.arange(n), episodes)
    sat = sat - SAT_PER_EPISODE * episodes  # repeated billing trouble sours the relationship

    return Population(
        ids=_customer_ids(rng, n),
        persona=persona,
        **demographics,
        signup_day=signup_day,
        t0=t0,
        span=span,
        journey=journey,
        sat=np.clip(sat, *LATENT_RANGE),
        ease=np.clip(ease, *LATENT_RANGE),
        n_resolved=n_resolved,
        n_unresolved=n_unresolved,
        ep_cust=ep_cust,
        ep_followup=rng.random(len(ep_cust)) < EPISODE_FOLLOWUP_P,
        ep_survey=rng.random(len(ep_cust)) < EPISODE_SURVEY_P,
    )


def _personas(rng: np.random.Generator, n: int) -> np.ndarray:
    """Persona index per customer: the persona shares of ``n`` rounded by largest
    remainders, shuffled."""
    shares = persona_param("share").astype(float)
    counts = np.floor(shares * n).astype(int)
    counts[np.argsort(-(shares * n - counts))[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(PERSONAS)), counts))


def _demographics(rng: np.random.Generator, persona: np.ndarray) -> dict[str, np.ndarray]:
    """Age, income, plan, gender, region and preferred channel (fields of
    :class:`Population`), drawn per persona."""
    n = len(persona)
    age_mu, age_sd, age_lo, age_hi = persona_param("age").astype(float).T
    age = np.clip(
        np.rint(rng.normal(age_mu[persona], age_sd[persona])), age_lo[persona], age_hi[persona]
    )
    age[rng.random(n) < MISSING_AGE_P] = np.nan

    income = choice_rows(rng, persona_param("income_p")[persona])
    income[rng.random(n) < MISSING_INCOME_P] = -1
    plan = choice_rows(rng, persona_param("plan_p")[persona])
    gender = GENDERS[choice_rows(rng, np.tile(GENDER_P, (n, 1)))]
    region = choice_rows(rng, np.tile(REGION_P, (n, 1)))
    preferred = np.array([p["preferred_channel"] for p in PERSONAS], dtype=object)[persona]
    other = CHANNEL_NAMES[choice_rows(rng, persona_param("channel_w")[persona])]
    preferred = np.where(rng.random(n) < PERSONA_CHANNEL_P, preferred, other)
    return {
        "age": age,
        "gender": gender,
        "region": region,
        "plan": plan,
        "income": income,
        "preferred_channel": preferred,
    }


def _acquisition_times(
    rng: np.random.Generator, persona: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signup day, first event (seconds) and the acquisition span up to the first payment
    attempt: the same day for some, an exponential number of days for the others."""
    n = len(persona)
    a, b = persona_param("signup_beta").astype(float).T
    signup_day = np.floor(rng.beta(a[persona], b[persona]) * (LAST_SIGNUP_DAY + 1)).astype(np.int64)
    t0 = signup_day * DAY + rng.uniform(*FIRST_EVENT_HOURS, n)
    same_day = rng.random(n) < SAME_DAY_P
    span = np.where(
        same_day,
        rng.uniform(*SAME_DAY_SPAN, n),
        np.minimum(MIN_SPAN + rng.exponential(MEAN_EXTRA_SPAN, n), MAX_SPAN),
    )
    return signup_day, t0, span


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
    offset = np.floor(rng.beta(*CHURN_OFFSET_BETA, n) * (room + 1)).astype(np.int64)
    pop.churn_day = np.where(pop.churned, pop.signup_day + MIN_CHURN_DAYS + offset, -1)
    # all activity of a churned customer happens strictly before the churn date
    pop.end = np.where(pop.churned, pop.churn_day * float(DAY), float(PERIOD_END))
    first_payment = pop.t0 + pop.span
    pop.last = np.where(
        pop.journey == CONVERTED, pop.end - rng.uniform(*LAST_EVENT_BEFORE_END, n), first_payment
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
    months = np.maximum((pop.end - pop.signup_day * DAY) / MONTH, 1.0)
    bought = np.bincount(order_cust, minlength=pop.n) > 0
    return np.where(bought, PLAN_FEE[pop.plan] + spend / months, 0.0)
