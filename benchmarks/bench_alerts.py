"""How often the alerts cry wolf, and how often they catch a planted problem.

Simulates light worlds (24 months of NPS/CSAT/CES answers by channel and touchpoint,
tickets by channel and category, customers with a constant churn hazard, scored survey
comments and social mentions) where nothing changes, and worlds with one planted problem:
CSAT falls in the last month, or the share of negative comments jumps in the last full
week (Monday to Sunday),
or negative mentions spike on one of the last days. Every world carries targets set at
the true values (the hardest case for "target newly missed": each month meets or misses
them by chance).

The target-newly-missed alert can only fire when the month before the drop met the
target, which, with the target at the true value, is about half of the worlds.

Prints the false-alarm rate (share of no-change worlds with at least one alert, any kind:
target newly missed, deterioration over KPIs x segments x comparisons, comment spike,
mention spike; the aim is <= 5%) and the detection rate of each planted problem (the
share of worlds whose alerts name it), and the alerts on things not planted in the
planted worlds: Benjamini–Hochberg controls the false-discovery rate, so once true
alerts are found it lets through about one false one in twenty. No timing asserts.

    .venv/bin/python benchmarks/bench_alerts.py [--worlds 50]
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd

from cxlib.actions import alerts
from cxlib.io.goals import parse_targets
from cxlib.sample.worlds import world_data
from cxlib.social.spikes import negative_spikes

START = pd.Timestamp("2024-10-01")
MONTHS = 24
SURVEY_CHANNELS = ("web", "app", "store", "phone")
TOUCHPOINTS = ("checkout", "support", "delivery", "onboarding")
TICKET_CHANNELS = ("phone", "email", "chat")
CATEGORIES = ("billing", "delivery", "technical")
NPS_P = np.array([3, 2, 2, 3, 3, 7, 10, 15, 20, 20, 15], float) / 100
"""The NPS answer distribution (0..10): NPS = 35 − 30 = 5 points."""
CSAT_TOP, CES_TOP, NEGATIVE_SHARE = 0.75, 0.60, 0.30
"""True top-box shares of CSAT and CES, and the share of negative comments."""
TRUE_TARGETS = {"nps": 5.0, "csat": 75.0, "ces": 60.0, "fcr": 70.0}
"""Targets set at the true values: every month meets or misses them by chance."""


BOUNDS = pd.date_range(START, periods=MONTHS + 1, freq="MS").to_numpy()
"""The months' first instants (and the end of the data)."""


def _times(rng: np.random.Generator, month: np.ndarray | int, n: int | None = None) -> np.ndarray:
    """Uniform instants within each row's month (``n`` rows of one month, or one per entry)."""
    month = np.full(n, month) if n is not None else np.asarray(month)
    lo, hi = BOUNDS[month], BOUNDS[month + 1]
    return lo + ((hi - lo) * rng.random(len(month))).astype("timedelta64[s]")


def _surveys(
    rng, answers: int, csat_drop: float, spike: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Survey answers (three types a month) and their comments' sentiment (scored)."""
    frames = []
    for survey in ("nps", "csat", "ces"):
        month = np.repeat(np.arange(MONTHS), rng.poisson(answers, MONTHS))
        n = len(month)
        if survey == "nps":
            score = rng.choice(11, n, p=NPS_P)
        else:
            top = CES_TOP if survey == "ces" else CSAT_TOP - csat_drop * (month == MONTHS - 1)
            score = np.where(rng.random(n) < top, rng.integers(4, 6, n), rng.integers(1, 4, n))
        frames.append(
            pd.DataFrame(
                {
                    "responded_at": _times(rng, month),
                    "survey": survey,
                    "score": score,
                    "channel": rng.choice(SURVEY_CHANNELS, n, p=[0.4, 0.3, 0.2, 0.1]),
                    "touchpoint": rng.choice(TOUCHPOINTS, n),
                }
            )
        )
    s = pd.concat(frames, ignore_index=True).sort_values("responded_at", ignore_index=True)
    s.insert(0, "response_id", [f"R{i:07d}" for i in range(len(s))])
    s["customer_id"] = pd.array([None] * len(s), dtype="string")
    commented = rng.random(len(s)) < 0.4
    s["comment"] = pd.array(np.where(commented, "a comment", None), dtype="string")
    week = pd.Period(START + pd.DateOffset(months=MONTHS) - pd.Timedelta(days=7), "W-SUN")
    last_week = s["responded_at"].between(week.start_time, week.end_time)  # last full week
    p_neg = NEGATIVE_SHARE + np.where(last_week, spike, 0.0)
    scored = pd.DataFrame(
        {
            "response_id": s.loc[commented, "response_id"].to_numpy(),
            "sentiment": np.where(rng.random(len(s)) < p_neg, "negative", "positive")[commented],
        }
    )
    s = s.astype({"survey": "category", "score": "Int64", "channel": "category"})
    return s.astype({"touchpoint": "category", "response_id": "string"}), scored


def _tickets(rng: np.random.Generator, per_month: int) -> pd.DataFrame:
    parts = []
    for m in range(MONTHS):
        n = rng.poisson(per_month)
        opened = pd.to_datetime(_times(rng, m, n))
        first = opened + pd.to_timedelta(rng.exponential(10, n), "h")
        resolved = first + pd.to_timedelta(rng.exponential(20, n), "h")
        contacts = np.where(rng.random(n) < TRUE_TARGETS["fcr"] / 100, 1, rng.integers(2, 4, n))
        parts.append(
            pd.DataFrame(
                {
                    "opened_at": opened,
                    "first_response_at": first,
                    "resolved_at": resolved,
                    "channel": rng.choice(TICKET_CHANNELS, n),
                    "category": rng.choice(CATEGORIES, n),
                    "contacts": contacts,
                }
            )
        )
    t = pd.concat(parts, ignore_index=True).sort_values("opened_at", ignore_index=True)
    t.insert(0, "ticket_id", [f"T{i:07d}" for i in range(len(t))])
    t.insert(1, "customer_id", pd.array([None] * len(t), dtype="string"))  # not needed here
    t = t[t["resolved_at"] <= START + pd.DateOffset(months=MONTHS)].reset_index(drop=True)
    return t.astype({"contacts": "Int64", "channel": "category", "category": "category"})


def _customers(rng: np.random.Generator, n: int, hazard: float = 0.015) -> pd.DataFrame:
    """Customers signing up over the two years before the data and during it, each
    churning with a constant monthly hazard."""
    span = (START + pd.DateOffset(months=MONTHS) - (START - pd.DateOffset(months=24))).days
    signup = START - pd.DateOffset(months=24) + pd.to_timedelta(rng.uniform(0, span, n), "D")
    life = pd.to_timedelta(rng.exponential(30.44 / hazard, n), "D")
    churn = signup + life
    end = START + pd.DateOffset(months=MONTHS)
    churned = churn < end
    return pd.DataFrame(
        {
            "customer_id": pd.array([f"C{i:06d}" for i in range(n)], dtype="string"),
            "signup_date": signup,
            "churned": pd.array(churned, dtype="boolean"),
            "churn_date": pd.Series(churn).where(churned),
        }
    )


def _mentions(rng: np.random.Generator, per_day: float, spike: float) -> pd.DataFrame:
    """Mentions over the last 120 days, a share negative; ``spike`` x negatives on day -3."""
    days = pd.date_range(START + pd.DateOffset(months=MONTHS) - pd.Timedelta(days=120), periods=120)
    rows = []
    for i, day in enumerate(days):
        n_neg = rng.poisson(per_day * NEGATIVE_SHARE * (spike if i == len(days) - 3 else 1.0))
        n_other = rng.poisson(per_day * (1 - NEGATIVE_SHARE))
        t = day + pd.to_timedelta(rng.uniform(0, 86_400, n_neg + n_other), "s")
        rows.append(pd.DataFrame({"posted_at": t, "negative": [True] * n_neg + [False] * n_other}))
    return pd.concat(rows, ignore_index=True)


def alert_world(
    seed: int,
    *,
    csat_drop: float = 0.0,
    comment_spike: float = 0.0,
    mention_spike: float = 1.0,
    answers: int = 900,
    tickets: int = 700,
    customers: int = 6_000,
    mentions_per_day: float = 40.0,
) -> SimpleNamespace:
    """One simulated world: ``cx`` (loaded data), ``scored`` comments, ``mentions``,
    ``config`` (targets at the true values) and the planted problems."""
    rng = np.random.default_rng(seed)
    surveys, scored = _surveys(rng, answers, csat_drop, comment_spike)
    tables = {
        "customers": _customers(rng, customers),
        "surveys": surveys,
        "tickets": _tickets(rng, tickets),
    }
    return SimpleNamespace(
        cx=world_data("alert", f"seed {seed}", tables),
        scored=scored,
        mentions=_mentions(rng, mentions_per_day, mention_spike),
        config=SimpleNamespace(targets=parse_targets(TRUE_TARGETS)),
    )


def world_alerts(w: SimpleNamespace) -> list[dict]:
    """Every alert of a world, as a run of the reports would raise them."""
    found = alerts.kpi_alerts(w.cx, w.config)
    found += alerts.comment_alerts(w.scored, w.cx.surveys)
    spikes = negative_spikes(w.mentions["posted_at"], w.mentions["negative"])
    return found + alerts.mention_alerts(spikes)


CAUGHT = {
    "CSAT deterioration": lambda a: a["kind"] == alerts.DETERIORATION and a["kpi"] == "csat",
    "CSAT target newly missed": lambda a: a["kind"] == alerts.TARGET_MISSED and a["kpi"] == "csat",
    "negative-comment spike": lambda a: a["kind"] == alerts.COMMENT_SPIKE,
    "negative-mention spike": lambda a: a["kind"] == alerts.MENTION_SPIKE,
}
"""What each planted problem's alert looks like."""
SCENARIOS = {
    "no change": {},
    "strong (CSAT -8 points, negative comments +10 points, negative mentions x4)": {
        "csat_drop": 0.08, "comment_spike": 0.10, "mention_spike": 4.0,
    },
    "weak (CSAT -4 points, negative comments +6 points, negative mentions x3)": {
        "csat_drop": 0.04, "comment_spike": 0.06, "mention_spike": 3.0,
    },
}  # fmt: skip
"""The worlds simulated: each planted problem is caught (or not) independently."""


def _one(job: tuple[int, dict]) -> list[dict]:
    seed, planted = job
    return world_alerts(alert_world(seed, **planted))


def run(worlds: int, processes: int = 2) -> None:
    """Simulate ``worlds`` worlds per scenario and print the rates."""
    from multiprocessing import Pool

    with Pool(processes) as pool:
        for i, (name, planted) in enumerate(SCENARIOS.items()):
            t0 = time.perf_counter()
            seeds = range(1000 * i, 1000 * i + worlds)
            found = pool.map(_one, [(seed, planted) for seed in seeds])
            if not planted:
                fired = [f for f in found if f]
                kinds = pd.Series([a["kind"] for f in found for a in f]).value_counts().to_dict()
                for seed, f in zip(seeds, found, strict=True):
                    for a in f:
                        print(f"  false alarm, world {seed}: {a['sentence']}")
                print(
                    f"{name}: {len(fired)} of {worlds} worlds raised at least one alert: "
                    f"false-alarm rate {len(fired) / worlds:.0%} (aim <= 5%); alerts by kind: "
                    f"{kinds or 'none'} [{time.perf_counter() - t0:.0f} s]"
                )
                continue
            print(f"{name} [{time.perf_counter() - t0:.0f} s]:")
            for what, caught in CAUGHT.items():
                hits = sum(any(caught(a) for a in f) for f in found)
                print(f"  {what}: detected in {hits} of {worlds} worlds ({hits / worlds:.0%})")
            stray = [[a for a in f if not any(c(a) for c in CAUGHT.values())] for f in found]
            for seed, f in zip(seeds, stray, strict=True):
                for a in f:
                    print(f"    not planted, world {seed}: {a['sentence']}")
            other = sum(bool(f) for f in stray)
            print(f"  worlds with an alert on something not planted: {other} of {worlds}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=50)
    run(parser.parse_args().worlds)
