"""The bundled synthetic CX data set, with planted truths to test the analyses against.

:func:`generate` writes six tables that follow the data contract, plus ``TRUTH.json`` and
``truth_personas.csv``. Everything is drawn from ``numpy.random.default_rng(seed)``: the
same seed gives byte-identical files, and nothing depends on today's date.

Period
    2024-10-01 to 2026-09-30. Signups until early August 2026; churned customers leave at least
    30 days after signup and have no activity on or after their ``churn_date``.

Tables (one file each, ``<table>.csv`` UTF-8 or ``<table>.parquet``)
    customers
        customer_id (zero-padded digits, "0000123"), signup_date, churned (bool),
        churn_date (empty while active), age (~3% empty), gender, region (market: UK &
        Ireland, North America, Czechia, DACH, Iberia, Slovenia, Greater China), plan
        (basic/standard/premium), income_band (~5% empty), preferred_channel,
        monthly_revenue (plan fee + order spend per month of tenure; 0 if never bought).
    surveys
        response_id ("R..."), customer_id (empty for ~2% anonymous answers), responded_at,
        survey (nps 0-10, csat 1-5, ces 1-5 with 5 = very easy), score, touchpoint (empty
        for relational NPS; "support" after a ticket), channel, comment (~40% empty).
        Every customer answers at least one NPS and one CES survey. Comments follow the
        score (detractors: billing errors, waiting time, app crashes, payment failures;
        promoters: friendly staff, easy app, fast delivery) in the customer's market
        language (English, Czech, German, Spanish, Slovene, Chinese). One comment holds
        ``<script>alert('x')</script>``, one holds quotes, a comma and a newline.
    tickets
        ticket_id ("T..."), customer_id, opened_at, first_response_at (empty =
        unanswered), resolved_at (empty = unresolved), channel (phone, email, chat, social,
        store), category (billing, technical, delivery, account, payment), contacts.
    events
        customer_id, timestamp, stage, touchpoint, channel (web, app, email, social, phone,
        store), session_id (30-minute inactivity rule). Sorted by customer and time. Stages
        awareness (ad_click, social_post, search) -> consideration (product_page,
        compare_plans, reviews) -> purchase (cart, checkout, payment) -> usage
        (onboarding_email, app_login, feature_use, billing_page) -> loyalty (referral,
        renewal, loyalty_reward); each customer's first event of a stage comes after the
        first event of every earlier stage. Apart from the planted loops and a ~2%
        baseline on browsing pages, no customer repeats a touchpoint within an hour.
        Customers who never start a purchase end in awareness/consideration; those who
        abandon end at payment and have no orders.
    orders
        order_id ("O..."), customer_id, ordered_at (= the payment event), amount.
        Seasonal: peak from Black Friday to Christmas, dip in summer.
    mentions
        mention_id ("M..."), posted_at (ISO 8601 with "Z"), platform, text (multilingual,
        some emoji), likes, shares, comments, customer_id (about a third).

Planted truths (``TRUTH.json``)
    personas
        Five personas with unequal shares (28/18/14/20/20%) that differ in demographics and
        behaviour: age, revenue, order frequency and value, tickets (total, unresolved),
        NPS/CSAT/CES, digital share of events and tickets, tenure. ``truth_personas.csv``
        maps customer_id to persona id (1-5).
    churn_drivers
        Churn is logistic in (a) unresolved tickets (increases), (b) the customer's mean
        CES score (higher = easier, decreases) and (c) ``plan == "basic"`` (increases).
        Persona has no term of its own. Coefficients are in ``TRUTH.json``.
    friction_touchpoints
        ``payment`` (purchase): far more customers end their journey there than at any
        other touchpoint without reaching a later stage. ``billing_page`` (usage): loops of
        3+ visits minutes apart, ~70% followed by a billing ticket within 48 h and ~60% by
        a CES answer about billing_page (scores worse after either problem).
    invalid_rows
        Exact counts per table and reason (see :data:`INVALID_COUNTS`); no other row breaks
        a validation rule. The two ``churn_before_signup`` customers are the only ones with
        activity after their (wrong) churn date.
    row_counts
        Rows written per table, invalid ones included.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.sample._common import (
    CHURN_BASIC_PLAN,
    CHURN_PER_CES_POINT,
    CHURN_PER_UNRESOLVED,
    PERIOD,
    PERSONAS,
)
from cxlib.sample.activity import build_activity, build_tickets, orders_table
from cxlib.sample.customers import (
    assign_churn,
    customers_table,
    draw_population,
    monthly_revenue,
)
from cxlib.sample.feedback import build_mentions, build_surveys, plan_surveys
from cxlib.sample.invalid import INVALID_COUNTS, plant_invalid
from cxlib.sample.journey_worlds import JourneyScenario, JourneyWorld, draw_scenario, journey_world
from cxlib.sample.persona_worlds import PersonaWorld, persona_world

__all__ = [
    "generate", "TABLES", "INVALID_COUNTS",
    "JourneyScenario", "JourneyWorld", "draw_scenario", "journey_world",  # journey truth study
    "PersonaWorld", "persona_world",  # persona truth study
]  # fmt: skip

TABLES = ("customers", "surveys", "tickets", "events", "orders", "mentions")
MIN_CUSTOMERS = 200

CHURN_DRIVERS = [
    {
        "driver": "unresolved_tickets",
        "source": "tickets",
        "direction": "increases",
        "coefficient": CHURN_PER_UNRESOLVED,
        "description": "Number of the customer's tickets with an empty resolved_at; each "
        f"one adds {CHURN_PER_UNRESOLVED:.2f} to the log-odds of churn.",
    },
    {
        "driver": "mean_ces",
        "source": "surveys",
        "direction": "decreases",
        "coefficient": CHURN_PER_CES_POINT,
        "description": "Mean of the customer's CES scores (1-5, 5 = very easy); each point "
        f"of ease changes the log-odds of churn by {CHURN_PER_CES_POINT:.2f}.",
    },
    {
        "driver": "plan_basic",
        "source": "customers",
        "direction": "increases",
        "coefficient": CHURN_BASIC_PLAN,
        "description": f'customers.plan == "basic" adds {CHURN_BASIC_PLAN:.2f} to the log-odds of churn '
        "(vs standard and premium).",
    },
]
FRICTION = [
    {
        "stage": "purchase",
        "touchpoint": "payment",
        "kind": "abandonment",
        "description": "Many customers' journeys end at payment without reaching usage "
        "(no order, often a low CES answer about payment); at every other touchpoint only "
        "a small share of journeys ends without reaching a later stage.",
    },
    {
        "stage": "usage",
        "touchpoint": "billing_page",
        "kind": "loop_followup",
        "description": "Some customers hit billing_page 3+ times within minutes (repeat "
        "within 1 h); most loops are followed within 48 h by a billing ticket and often by "
        "a low CES answer about billing_page.",
    },
]


def _write(df: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    else:
        df.to_parquet(path, index=False, engine="pyarrow")


def generate(out: str | Path, customers: int = 20_000, seed: int = 0, fmt: str = "csv") -> dict:
    """Write the synthetic CX data set and its planted truths into ``out``.

    Parameters
    ----------
    out : str or Path
        Folder to write into (created if missing; existing files are overwritten).
    customers : int
        Number of customers (at least 200); about 25 events per customer.
    seed : int
        Seed for ``numpy.random.default_rng``; the same seed gives identical files.
    fmt : {"csv", "parquet"}
        File format of the six tables (``TRUTH.json`` and ``truth_personas.csv`` always).

    Returns
    -------
    dict
        The truth written to ``TRUTH.json``: ``seed``, ``customers``, ``period``,
        ``personas``, ``customer_persona`` (file name of the customer_id -> persona_id
        table), ``churn_drivers``, ``friction_touchpoints``, ``invalid_rows``,
        ``row_counts``, ``churn_rate`` and ``files``.

    Examples
    --------
    >>> truth = generate("data/sample", customers=1_000, seed=1)  # doctest: +SKIP
    >>> truth["invalid_rows"]["events"]  # doctest: +SKIP
    {'orphan_customer_id': 4}
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"customers must be at least {MIN_CUSTOMERS}, not {customers}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)

    pop = draw_population(rng, customers)
    plan, mean_ces = plan_surveys(rng, pop)
    assign_churn(rng, pop, mean_ces)
    act = build_activity(rng, pop)
    tickets = build_tickets(rng, pop, act)
    tables = {
        "customers": customers_table(pop, monthly_revenue(pop, act.order_cust, act.order_amount)),
        "surveys": build_surveys(rng, pop, act, tickets, plan),
        "tickets": tickets,
        "events": act.events,
        "orders": orders_table(pop, act),
        "mentions": build_mentions(rng, pop),
    }
    invalid = plant_invalid(rng, tables, pop)

    files = {}
    for name in TABLES:
        df = tables[name]
        df = df.drop(columns=[c for c in df.columns if c.startswith("_")])
        files[name] = f"{name}.{fmt}"
        _write(df, out / files[name], fmt)
        tables[name] = df
    pd.DataFrame({"customer_id": pop.ids, "persona_id": pop.persona + 1}).to_csv(
        out / "truth_personas.csv", index=False, lineterminator="\n"
    )

    truth = {
        "seed": seed,
        "customers": customers,
        "period": dict(PERIOD),
        "personas": [{k: p[k] for k in ("id", "name", "share", "description")} for p in PERSONAS],
        "customer_persona": "truth_personas.csv",
        "churn_drivers": CHURN_DRIVERS,
        "friction_touchpoints": FRICTION,
        "invalid_rows": invalid,
        "row_counts": {name: len(tables[name]) for name in TABLES},
        "churn_rate": round(float(pop.churned.mean()), 4),
        "files": {**files, "customer_persona": "truth_personas.csv"},
    }
    text = json.dumps(truth, indent=2, ensure_ascii=False) + "\n"
    (out / "TRUTH.json").write_text(text, encoding="utf-8")
    return truth
