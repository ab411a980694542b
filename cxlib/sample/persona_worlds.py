"""Persona worlds: randomized data sets in the data contract with planted personas.

One world is a population of customers, each drawn from one of ``k`` personas (3-8), that
shows itself only through the tables a CX data set has: ``customers``, ``orders``,
``tickets``, ``surveys`` and ``events``. The persona analysis never sees the persona; it
sees what :func:`cxlib.features.customer_features` makes of those tables. A world is what
the truth study (``benchmarks/truth_personas.py``) runs the analysis on, many times, to
count how often the planted personas are recovered: one sample tuned to is no evidence.

How a world is drawn (everything from ``numpy.random.default_rng(seed)``)
-----------------------------------------------------------------------
1. **Latent traits.** Every customer has a value of each of the ten traits of
   :data:`TRAITS` (spend per order, order frequency, engagement, digital channel use,
   browsing, support need, loyalty, ease, age, tenure): the persona's centroid plus
   within-persona noise, standard normal in each trait with a mild common factor
   (correlation :data:`WITHIN_CORRELATION`; real traits are not independent).
2. **Centroids by separation.** ``"clear"``: each persona differs from the population in
   ``DISTINGUISHING_TRAITS`` (3) traits by ±3.5 within-persona
   standard deviations, and any two personas differ in at least three traits, so any two centroids
   are at least ``sqrt(3) * 3.5 = 6.1`` sds apart. ``"overlapping"``: the same patterns at ±1.5
   sds, so the personas blur into each other. ``"none"``: one
   population; ``k`` is ignored and every customer has persona 1 (truth ``k`` = 1).
3. **Irrelevant traits.** ``irrelevant`` of the traits (chosen at random) take no part in
   any persona's pattern: noise the analysis must not split on.
4. **Observation.** The tables turn the traits into data with its usual noise and skew:
   orders are Poisson over the customer's tenure with lognormal amounts (money and counts
   right-skewed), events Poisson with a channel and a stage per event, tickets Poisson
   (resolved after an exponential time, some never), one NPS and one CES answer per
   customer plus a Poisson number of further ones (integer scores, clipped to the scale).
5. **Distractors.** ``plan`` (basic/standard/premium) is confounded with one persona:
   :data:`CONFOUNDED_PLAN_SHARE` of that persona holds ``premium``, against
   :data:`OTHER_PLAN_SHARE` elsewhere. Two numeric columns of the customers table
   (``loyalty_points``, skewed, and ``household_size``, a small count) are pure noise.

Persona shares are unequal (half a Dirichlet draw, half equal shares: each persona holds
at least ``1 / (2k)`` of the customers). The truth (:attr:`PersonaWorld.truth`) holds the
scenario, ``k``, the separation, the traits each persona is distinguished by, the
confounded persona and the persona of every customer (``truth_personas.csv`` when written).

Examples
--------
>>> world = persona_world(customers=2_000, k=4, separation="clear", seed=1)
>>> world.truth["k"], len(world.tables["customers"]), int(world.persona.max())
(4, 2000, 4)
>>> persona_world(customers=2_000, separation="none", seed=1).truth["k"]
1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.io.dataset import CXData
from cxlib.sample.worlds import world_data, write_world

SEPARATIONS: dict[str, float] = {"clear": 3.5, "overlapping": 1.5, "none": 0.0}
"""Distance of a persona from the population in each of its distinguishing traits, in
within-persona standard deviations."""
DISTINGUISHING_TRAITS = 3
"""Traits in which each persona differs from the population."""
MIN_DIFFERING = 3
"""Any two personas differ in at least this many traits (their centroids at least
``sqrt(3) * separation`` apart)."""
MAX_TRIES = 10_000
"""Draws of the persona patterns before giving up (k = 8 needs a few hundred at most)."""
WITHIN_CORRELATION = 0.2
"""Correlation between any two traits within a persona (one common factor)."""
CONFOUNDED_PLAN_SHARE = 0.8
"""Share of the confounded persona holding the ``premium`` plan."""
OTHER_PLAN_SHARE = 0.15
"""Share of every other customer holding ``premium``."""
END = np.datetime64("2026-06-30T00:00:00", "s")
"""The end of every world's data (all activity lies before it)."""
DAY_S = 86_400
MONTH_DAYS = 30.4375
MIN_K, MAX_K = 3, 8
MIN_CUSTOMERS = 200

TRAITS: dict[str, tuple[float, float]] = {
    # trait: (population centre, spread per within-persona sd) on the trait's own scale
    "spend": (np.log(45.0), 0.35),  # log average order value
    "frequency": (np.log(1.5), 0.4),  # log orders a month
    "engagement": (np.log(3.0), 0.4),  # log events a month
    "digital": (0.8, 0.8),  # logit of the digital share of events
    "browsing": (-0.6, 0.6),  # logit of the browsing share of events
    "support": (np.log(0.4), 0.5),  # log tickets a month
    "loyalty": (7.0, 1.4),  # mean NPS answer (0-10)
    "ease": (3.4, 0.6),  # mean CES answer (1-5)
    "age": (42.0, 6.0),  # years
    "tenure": (np.log(20.0), 0.25),  # log months since signup
}
"""The latent traits, with where the population sits and how far one sd moves it."""

DIGITAL = ("web", "app", "email")
OFFLINE = ("store", "phone")
BROWSE_STAGES = (("awareness", "ad_click"), ("consideration", "product_page"))
USE_STAGES = (("purchase", "checkout"), ("usage", "feature_use"), ("loyalty", "renewal"))


@dataclass
class PersonaWorld:
    """A drawn world: its tables (data contract), the persona of every customer, the truth."""

    tables: dict[str, pd.DataFrame]
    persona: np.ndarray
    truth: dict = field(default_factory=dict)

    def data(self) -> CXData:
        """The tables as a loaded data set (no files, no validation: they are valid)."""
        return world_data("persona", str(self.truth.get("scenario", "")), self.tables)

    def write(self, out: str | Path) -> Path:
        """Write the tables as CSV, ``truth_personas.csv`` and ``TRUTH.json`` into ``out``."""
        ids = self.tables["customers"]["customer_id"]
        personas = pd.DataFrame({"customer_id": ids, "persona_id": self.persona})
        return write_world(out, self.tables, self.truth, {"truth_personas.csv": personas})


def persona_world(
    customers: int = 20_000,
    k: int = 5,
    separation: str = "clear",
    seed: int = 0,
    *,
    irrelevant: int = 2,
) -> PersonaWorld:
    """Draw one persona world (see the module docstring).

    Parameters
    ----------
    customers : int
        Number of customers (at least 200; 2,000-200,000 in the truth study).
    k : int
        Number of personas, 3-8 (ignored when ``separation="none"``).
    separation : {"clear", "overlapping", "none"}
        How far apart the personas are (:data:`SEPARATIONS`).
    seed : int
        Seed of every random draw: the same arguments give the same world.
    irrelevant : int
        Traits no persona differs in (noise in the default features).

    Returns
    -------
    PersonaWorld
    """
    if separation not in SEPARATIONS:
        raise ValueError(f"separation must be one of {list(SEPARATIONS)}, not {separation!r}")
    if not MIN_K <= k <= MAX_K:
        raise ValueError(f"k must be {MIN_K}-{MAX_K}, not {k}")
    if customers < MIN_CUSTOMERS:
        raise ValueError(f"customers must be at least {MIN_CUSTOMERS}, not {customers}")
    rng = np.random.default_rng(seed)
    k_true = 1 if separation == "none" else k
    centroids, patterns, noise_traits = _centroids(rng, k_true, separation, irrelevant)
    persona = _assign(rng, customers, k_true)
    z = centroids[persona] + _within_noise(rng, customers)
    traits = {
        name: centre + spread * z[:, j] for j, (name, (centre, spread)) in enumerate(TRAITS.items())
    }
    confounded = int(rng.integers(k_true))
    tables = _tables(rng, traits, persona, confounded)
    truth = {
        "scenario": f"{separation} k={k_true} n={customers} seed={seed}",
        "k": k_true,
        "separation": separation,
        "customers": customers,
        "seed": seed,
        "irrelevant_traits": noise_traits,
        "personas": [
            {"persona_id": i + 1, "share": round(float(np.mean(persona == i)), 4), "traits": p}
            for i, p in enumerate(patterns)
        ],
        "plan_confounded_with": confounded + 1,
        "customer_persona": "truth_personas.csv",
    }
    return PersonaWorld(tables, persona + 1, truth)


def _centroids(
    rng: np.random.Generator, k: int, separation: str, irrelevant: int
) -> tuple[np.ndarray, list[dict[str, int]], list[str]]:
    """Persona centroids (k x traits), each persona's pattern and the irrelevant traits.

    Each persona gets :data:`DISTINGUISHING_TRAITS` relevant traits with a sign; the
    patterns are redrawn until any two personas differ in at least :data:`MIN_DIFFERING`
    traits (so no pair is told apart by one noisy feature alone).
    """
    names = list(TRAITS)
    noise = sorted(rng.choice(names, size=irrelevant, replace=False).tolist())
    relevant = [j for j, n in enumerate(names) if n not in noise]
    centroids = np.zeros((k, len(names)))
    if separation == "none":
        return centroids, [{}], noise
    for _ in range(MAX_TRIES):
        signs = np.zeros((k, len(names)))
        for i in range(k):
            cols = rng.choice(relevant, size=DISTINGUISHING_TRAITS, replace=False)
            signs[i, cols] = rng.choice([-1, 1], size=DISTINGUISHING_TRAITS)
        differ = (signs[:, None, :] != signs[None, :, :]).sum(axis=2)
        if (differ + np.eye(k, dtype=int) * MIN_DIFFERING).min() >= MIN_DIFFERING:
            break
    else:
        raise RuntimeError(f"no {k} distinct persona patterns found in {MAX_TRIES} draws")
    centroids = signs * SEPARATIONS[separation]
    patterns = [{names[j]: int(signs[i, j]) for j in np.flatnonzero(signs[i])} for i in range(k)]
    return centroids, patterns, noise


def _assign(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """Persona (0..k-1) per customer, unequal shares of at least 1/(2k)."""
    shares = 0.5 * rng.dirichlet(np.full(k, 4.0)) + 0.5 / k
    return rng.choice(k, size=n, p=shares)


def _within_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Standard normal traits with correlation :data:`WITHIN_CORRELATION` between any two."""
    common = rng.standard_normal((n, 1))
    own = rng.standard_normal((n, len(TRAITS)))
    r = WITHIN_CORRELATION
    return np.sqrt(r) * common + np.sqrt(1 - r) * own


def _tables(
    rng: np.random.Generator, t: dict[str, np.ndarray], persona: np.ndarray, confounded: int
) -> dict[str, pd.DataFrame]:
    """The five tables from the customers' traits."""
    n = len(persona)
    ids = np.char.zfill(np.arange(1, n + 1).astype(str), 7).astype(object)
    months = np.clip(np.exp(t["tenure"]), 2.0, 60.0)
    signup = END - (months * MONTH_DAYS * DAY_S).astype("timedelta64[s]")
    premium = rng.random(n) < np.where(
        persona == confounded, CONFOUNDED_PLAN_SHARE, OTHER_PLAN_SHARE
    )
    plan = np.where(premium, "premium", rng.choice(["basic", "standard"], size=n))
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "signup_date": signup.astype("datetime64[D]").astype("datetime64[ns]"),
            "age": np.clip(np.round(t["age"]), 18, 95),
            "plan": plan,
            "loyalty_points": np.round(rng.lognormal(5.0, 1.2, n)),
            "household_size": 1.0 + rng.poisson(1.2, n),
        }
    )
    return {
        "customers": customers,
        "orders": _orders(rng, ids, signup, months, t),
        "tickets": _tickets(rng, ids, signup, months, t),
        "surveys": _surveys(rng, ids, signup, months, t),
        "events": _events(rng, ids, signup, months, t),
    }


def _times(rng: np.random.Generator, signup: np.ndarray, months: np.ndarray, owner: np.ndarray):
    """Uniform times in each owner's tenure (between signup and :data:`END`)."""
    span = months[owner] * MONTH_DAYS * DAY_S
    offset = (rng.random(len(owner)) * span).astype("timedelta64[s]")
    return (signup[owner] + offset).astype("datetime64[ns]")


def _poisson_rows(rng: np.random.Generator, rate: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Owner (customer row) of each of Poisson(rate x months) rows per customer."""
    counts = rng.poisson(rate * months)
    return np.repeat(np.arange(len(rate)), counts)


def _orders(rng, ids, signup, months, t) -> pd.DataFrame:
    """Poisson orders over tenure; lognormal amounts around the customer's order value."""
    owner = _poisson_rows(rng, np.exp(t["frequency"]), months)
    amount = np.round(np.exp(t["spend"][owner] + rng.normal(0, 0.3, len(owner))), 2)
    return pd.DataFrame(
        {
            "order_id": np.char.add("O", np.arange(len(owner)).astype(str)).astype(object),
            "customer_id": ids[owner],
            "ordered_at": _times(rng, signup, months, owner),
            "amount": amount,
        }
    )


def _tickets(rng, ids, signup, months, t) -> pd.DataFrame:
    """Poisson tickets; resolved after an exponential time (mean 20 h), 10% never."""
    owner = _poisson_rows(rng, np.exp(t["support"]), months)
    opened = _times(rng, signup, months, owner)
    hours = rng.exponential(20.0, len(owner))
    resolved = opened + (hours * 3600).astype("timedelta64[s]")
    resolved = np.where(
        (rng.random(len(owner)) < 0.9) & (resolved < END), resolved, np.datetime64("NaT")
    )
    return pd.DataFrame(
        {
            "ticket_id": np.char.add("T", np.arange(len(owner)).astype(str)).astype(object),
            "customer_id": ids[owner],
            "opened_at": opened,
            "resolved_at": resolved.astype("datetime64[ns]"),
            "channel": rng.choice(["phone", "email", "chat"], size=len(owner)),
        }
    )


def _surveys(rng, ids, signup, months, t) -> pd.DataFrame:
    """One NPS and one CES answer per customer, plus Poisson(1) more of each kind."""
    frames = []
    for kind, trait, (lo, hi), sd in (
        ("nps", "loyalty", (0, 10), 1.5),
        ("ces", "ease", (1, 5), 0.8),
    ):
        owner = np.repeat(np.arange(len(ids)), 1 + rng.poisson(1.0, len(ids)))
        score = np.clip(np.round(t[trait][owner] + rng.normal(0, sd, len(owner))), lo, hi)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": ids[owner],
                    "responded_at": _times(rng, signup, months, owner),
                    "survey": kind,
                    "score": score,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "response_id", np.char.add("R", np.arange(len(out)).astype(str)).astype(object))
    return out


def _events(rng, ids, signup, months, t) -> pd.DataFrame:
    """Poisson events; each digital with the customer's digital share, browsing likewise."""
    owner = _poisson_rows(rng, np.exp(t["engagement"]), months)
    m = len(owner)
    digital = rng.random(m) < 1 / (1 + np.exp(-t["digital"][owner]))
    channel = np.where(
        digital, np.array(DIGITAL)[rng.integers(0, 3, m)], np.array(OFFLINE)[rng.integers(0, 2, m)]
    )
    browse = rng.random(m) < 1 / (1 + np.exp(-t["browsing"][owner]))
    step = np.where(browse, rng.integers(0, 2, m), 2 + rng.integers(0, 3, m))
    stages = np.array([s for s, _ in BROWSE_STAGES + USE_STAGES])
    touchpoints = np.array([p for _, p in BROWSE_STAGES + USE_STAGES])
    return pd.DataFrame(
        {
            "customer_id": ids[owner],
            "timestamp": _times(rng, signup, months, owner),
            "stage": stages[step],
            "touchpoint": touchpoints[step],
            "channel": channel,
        }
    )
