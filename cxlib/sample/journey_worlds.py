"""Journey worlds: randomized event logs with planted friction, for the journey truth study.

A world is a process of 3-5 stages that every customer walks in order, ending at a goal
(``confirmation``, the one touchpoint of the last stage). Each stage before it has 3-4
ordinary touchpoints, of which a customer visits a random subset in random order; one
stage ends with ``payment``, a step everyone who reaches the stage passes, and offers
``help_centre``, visited by a few (8-20%). Customers leave at any ordinary step with a
small probability (2-5%: what is normal); the planted friction is on top of that.

Planted friction (``TRUTH.json`` ``friction_touchpoints``, at most two per world)
    exit_high_reach
        20-40% of the customers who reach ``payment`` abandon there.
    exit_low_reach
        The same rate at ``help_centre`` (planted with exit_high_reach: the pair's truth
        is that the high-reach exit outranks the low-reach one, ``outranks``).
    loop
        25-40% of the visits to one ordinary touchpoint are repeated 1-3 times minutes
        apart (direct repeats).
    rework
        25-40% of the customers at one touchpoint come back to it 5-60 minutes after the
        next step (a return after going elsewhere, not a loop).
    followup
        15-30% of the visits to one touchpoint are followed by a support ticket within
        1-40 hours (besides ~5% of customers with a ticket at a random time).
    slow
        35-50% of the steps at one touchpoint wait 6-12 times longer for the next step.

Variants
    lifecycle (None, ``"where"`` or ``"column"``)
        One ordinary touchpoint is a work item logged as SCHEDULE, START and COMPLETE rows
        minutes apart (every other event: one COMPLETE row). ``"where"``: the config keeps
        COMPLETE rows (``where: "lifecycle = 'COMPLETE'"``); ``"column"``: the analysis
        has to understand the ``lifecycle`` column itself. Truth: its sub-events are never
        loops (``lifecycle_touchpoints``).
    stages (``"column"``, ``"mapping"``, ``"outcomes"``)
        The events carry a stage column; or none, and the config maps touchpoints onto
        stages (``values:``); or none, and the config names the goal as an outcome
        (``outcomes: {confirmation: completed}``, ``goal: completed``).

Every world returns the tables of the data contract -- ``events`` (customer_id,
timestamp, stage, touchpoint, channel, lifecycle), ``customers`` (customer_id,
signup_date, monthly_revenue: positive for customers who reached the goal), ``tickets``
-- the config to load them with, and its truths, including the directly-follows counts
of the events the analysis keeps. Everything is drawn from
``numpy.random.default_rng(seed)`` and vectorised over customers.

Examples
--------
>>> w = journey_world(draw_scenario(3, customers=400))
>>> sorted(w.tables), w.truth["friction_touchpoints"][0]["kind"] in KINDS
(['customers', 'events', 'tickets'], True)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.sample._common import DAY, HOUR, MINUTE, fmt_date, fmt_datetime, segment_cumsum
from cxlib.sample.worlds import write_world

KINDS = ("exit_high_reach", "exit_low_reach", "loop", "rework", "followup", "slow")
SINGLE_KINDS = ("exit_high_reach", "loop", "rework", "followup", "slow")
STAGE_MODES = ("column", "mapping", "outcomes")
LIFECYCLES = (None, "where", "column")
STAGE_NAMES = ("discover", "explore", "apply", "verify")
GOAL, GOAL_STAGE, GOAL_OUTCOME = "confirmation", "complete", "completed"
GATE, HELP = "payment", "help_centre"
LIFECYCLE_STEPS = ("SCHEDULE", "START", "COMPLETE")

BASE_EXIT = (0.02, 0.05)  # what is normal: exits per ordinary step
PLANTED_EXIT = (0.20, 0.40)
HELP_REACH = (0.08, 0.20)
LOOP_P, REWORK_P, FOLLOWUP_P, SLOW_P = (0.25, 0.40), (0.25, 0.40), (0.15, 0.30), (0.35, 0.50)
BASE_TICKETS = 0.05  # customers with a ticket at a random time
STEP_GAP = (15 * MINUTE, 0.8)  # lognormal median and sigma within a stage
STAGE_GAP = (1 * DAY, 0.6)  # ... and between stages
SLOW_FACTOR = (6, 12)
MIN_GAP = MINUTE
START_SPAN_DAYS = 365


@dataclass(frozen=True)
class JourneyScenario:
    """What a journey world plants (see the module docstring)."""

    seed: int
    customers: int = 3_000
    n_stages: int = 4
    friction: tuple[str, ...] = ("exit_high_reach",)
    lifecycle: str | None = None
    stages: str = "column"


@dataclass
class JourneyWorld:
    """A world's tables (data contract), config (for :func:`cxlib.load`) and truths."""

    scenario: JourneyScenario
    tables: dict[str, pd.DataFrame]
    config: dict
    truth: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """A short label: seed, planted kinds and variants."""
        s = self.scenario
        return (
            f"seed {s.seed:>3} {'+'.join(s.friction):<31} stages={s.stages:<8} "
            f"lifecycle={s.lifecycle or '-':<6} n={s.customers}"
        )

    def write(self, folder: str | Path) -> Path:
        """Write ``<table>.csv``, ``config.json`` and ``TRUTH.json`` into ``folder``."""
        return write_world(folder, self.tables, self.truth, {"config.json": self.config})


def draw_scenario(seed: int, customers: int | None = None) -> JourneyScenario:
    """A random scenario: one or two planted kinds (a quarter of the worlds plant the
    high-/low-reach exit pair), a lifecycle variant and a stage variant."""
    rng = np.random.default_rng([seed, 12])
    if rng.random() < 0.25:
        kinds: tuple[str, ...] = ("exit_high_reach", "exit_low_reach")
    else:
        k = int(rng.integers(1, 3))
        kinds = tuple(rng.choice(SINGLE_KINDS, size=k, replace=False).tolist())
    return JourneyScenario(
        seed=seed,
        customers=int(customers or rng.choice([1_500, 3_000, 6_000])),
        n_stages=int(rng.integers(3, 6)),
        friction=kinds,
        lifecycle=LIFECYCLES[int(rng.integers(len(LIFECYCLES)))],
        stages=STAGE_MODES[int(rng.integers(len(STAGE_MODES)))],
    )


@dataclass
class _Process:
    """The touchpoints of a world: names, stages, and where each kind is planted."""

    names: list[str]
    stage_of: np.ndarray  # stage index per touchpoint code
    stage_names: list[str]
    ordinary: list[np.ndarray]  # ordinary touchpoint codes per stage (not the goal stage)
    gate_stage: int
    planted: dict[str, int]  # kind -> touchpoint code
    lifecycle_tp: int | None


def _process(rng: np.random.Generator, sc: JourneyScenario) -> _Process:
    """Stages, touchpoints, the payment gate and the planted touchpoints of a world."""
    stage_names = [*STAGE_NAMES[: sc.n_stages - 1], GOAL_STAGE]
    names, stage_of, ordinary = [], [], []
    for s, stage in enumerate(stage_names[:-1]):
        m = int(rng.integers(3, 5))
        codes = np.arange(len(names), len(names) + m)
        names += [f"{stage}_{k + 1}" for k in range(m)]
        stage_of += [s] * m
        ordinary.append(codes)
    gate_stage = int(rng.integers(1, sc.n_stages - 1))
    names += [GATE, HELP, GOAL]
    stage_of += [gate_stage, gate_stage, sc.n_stages - 1]
    codes = {GATE: len(names) - 3, HELP: len(names) - 2}
    pool = [int(c) for c in rng.permutation(np.concatenate(ordinary))]
    planted = {}
    for kind in sc.friction:
        planted[kind] = (
            codes[GATE]
            if kind == "exit_high_reach"
            else (codes[HELP] if kind == "exit_low_reach" else pool.pop())
        )
    lifecycle_tp = pool.pop() if sc.lifecycle else None
    return _Process(names, np.array(stage_of), stage_names, ordinary, gate_stage, planted,
                    lifecycle_tp)  # fmt: skip


def _planned_paths(rng: np.random.Generator, pr: _Process, n: int) -> tuple[np.ndarray, ...]:
    """Every customer's full path (before exits): customer, touchpoint code, stage index;
    in order. Per stage a random subset of its ordinary touchpoints in random order, then
    (in the gate stage) help_centre for a few and payment for all; the goal at the end."""
    cust, tp, order = [], [], []
    help_reach = rng.uniform(*HELP_REACH)
    for s, codes in enumerate(pr.ordinary):
        m = len(codes)
        k = np.minimum(1 + rng.poisson(1.0, n), m)
        perm = np.argsort(rng.random((n, m)), axis=1)
        take = np.arange(m)[None, :] < k[:, None]
        rows, cols = np.nonzero(take)
        cust.append(rows)
        tp.append(codes[perm[rows, cols]])
        order.append(s * 10 + cols / 10)
        if s == pr.gate_stage:
            helped = np.flatnonzero(rng.random(n) < help_reach)
            cust += [helped, np.arange(n)]
            tp += [np.full(len(helped), pr.names.index(HELP)), np.full(n, pr.names.index(GATE))]
            order += [np.full(len(helped), s * 10 + 8.0), np.full(n, s * 10 + 9.0)]
    cust.append(np.arange(n))
    tp.append(np.full(n, pr.names.index(GOAL)))
    order.append(np.full(n, 1e6))
    cust, tp, order = (np.concatenate(a) for a in (cust, tp, order))
    at = np.lexsort((order, cust))
    return cust[at], tp[at]


def _exits(rng: np.random.Generator, pr: _Process, cust: np.ndarray, tp: np.ndarray) -> np.ndarray:
    """Which planned events happen: each customer's path up to their first exit."""
    hazard = np.full(len(pr.names), rng.uniform(*BASE_EXIT))
    hazard[pr.names.index(GOAL)] = 0.0
    rate = rng.uniform(*PLANTED_EXIT)
    for kind in ("exit_high_reach", "exit_low_reach"):
        if kind in pr.planted:
            hazard[pr.planted[kind]] = rate
    cut = rng.random(len(tp)) < hazard[tp]
    starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    lengths = np.diff(np.r_[starts, len(cust)])
    before = segment_cumsum(cut.astype(np.int64), lengths) - cut
    return before == 0


def _expand(
    rng: np.random.Generator, pr: _Process, cust: np.ndarray, tp: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loops (direct repeats), rework (a return after the next step) and lifecycle
    sub-events added; returns customer, touchpoint and a row kind (0 ordinary, 1 repeat,
    2 return, 3/4 lifecycle SCHEDULE/START) in order."""
    n = len(tp)
    key = np.arange(n, dtype=float)
    parts_c, parts_t, parts_k, parts_key = [cust], [tp], [np.zeros(n, np.int8)], [key]
    last = np.r_[cust[1:] != cust[:-1], True]
    if "loop" in pr.planted:
        at = np.flatnonzero((tp == pr.planted["loop"]) & (rng.random(n) < rng.uniform(*LOOP_P)))
        reps = rng.integers(1, 4, len(at))
        rows = np.repeat(at, reps)
        sub = np.concatenate([np.arange(1, r + 1) for r in reps]) if len(reps) else rows
        parts_c.append(cust[rows])
        parts_t.append(tp[rows])  # noqa: E702
        parts_k.append(np.ones(len(rows), np.int8))
        parts_key.append(rows + sub / 10)  # noqa: E702
    if "rework" in pr.planted:
        hit = (tp == pr.planted["rework"]) & ~last & (rng.random(n) < rng.uniform(*REWORK_P))
        at = np.flatnonzero(hit)
        parts_c.append(cust[at])
        parts_t.append(tp[at])  # noqa: E702
        parts_k.append(np.full(len(at), 2, np.int8))
        parts_key.append(at + 1.5)  # noqa: E702
    if pr.lifecycle_tp is not None:
        at = np.flatnonzero(tp == pr.lifecycle_tp)
        for j, kind in ((0, 3), (1, 4)):
            parts_c.append(cust[at])
            parts_t.append(tp[at])  # noqa: E702
            parts_k.append(np.full(len(at), kind, np.int8))
            parts_key.append(at - 0.3 + j / 10)  # noqa: E702
    key = np.concatenate(parts_key)
    at = np.argsort(key, kind="stable")
    return (np.concatenate(parts_c)[at], np.concatenate(parts_t)[at],
            np.concatenate(parts_k)[at])  # fmt: skip


def _times(
    rng: np.random.Generator,
    pr: _Process,
    cust: np.ndarray,
    tp: np.ndarray,
    kind: np.ndarray,
    n_customers: int,
    sc_stages: str,
) -> np.ndarray:
    """Seconds since the period start of every row: per customer a start time, then gaps
    (minutes within a stage, about a day between stages, slow steps 6-12 times longer)."""
    n = len(tp)
    stage = pr.stage_of[tp]
    new_cust = np.r_[True, cust[1:] != cust[:-1]]
    stage_change = np.r_[False, stage[1:] != stage[:-1]] & ~new_cust
    if sc_stages == "outcomes":  # a log without stages: no stage-level waits either
        stage_change[:] = False
    gap = np.exp(np.log(STEP_GAP[0]) + STEP_GAP[1] * rng.standard_normal(n))
    gap[stage_change] = np.exp(
        np.log(STAGE_GAP[0]) + STAGE_GAP[1] * rng.standard_normal(int(stage_change.sum()))
    )
    gap[kind == 1] = rng.uniform(1, 10, int((kind == 1).sum())) * MINUTE  # loop repeats
    gap[kind == 2] = rng.uniform(5, 60, int((kind == 2).sum())) * MINUTE  # rework returns
    _split_lifecycle_gaps(gap, kind)
    if "slow" in pr.planted:
        slow = (tp == pr.planted["slow"]) & (rng.random(n) < rng.uniform(*SLOW_P))
        after = np.r_[False, slow[:-1]] & ~new_cust
        gap[after] *= rng.uniform(*SLOW_FACTOR, int(after.sum()))
    gap = np.maximum(np.round(gap), MIN_GAP)
    start = rng.uniform(0, START_SPAN_DAYS * DAY, n_customers)
    gap[new_cust] = np.round(start[cust[new_cust]])
    starts = np.flatnonzero(new_cust)
    return segment_cumsum(gap, np.diff(np.r_[starts, n]))


def _split_lifecycle_gaps(gap: np.ndarray, kind: np.ndarray) -> None:
    """A work item's SCHEDULE and START rows share the ordinary wait before its COMPLETE
    row (20%, 30%, 50% of it): the sub-events add rows, not time, so they plant no slow
    step (in place)."""
    schedule = np.flatnonzero(kind == 3)
    total = np.maximum(gap[schedule], gap[schedule + 2])  # the wait drawn for the item
    gap[schedule], gap[schedule + 1], gap[schedule + 2] = 0.2 * total, 0.3 * total, 0.5 * total


def _tickets(
    rng: np.random.Generator,
    pr: _Process,
    cust: np.ndarray,
    tp: np.ndarray,
    t: np.ndarray,
    n_customers: int,
) -> pd.DataFrame:
    """Tickets: ~5% of customers at a random time of their journey, plus the planted
    follow-ups 1-40 hours after visits to the follow-up touchpoint."""
    first = np.full(n_customers, np.inf)
    np.minimum.at(first, cust, t)
    base = np.flatnonzero(rng.random(n_customers) < BASE_TICKETS)
    when = [first[base] + rng.uniform(0, 30 * DAY, len(base))]
    who = [base]
    if "followup" in pr.planted:
        at = np.flatnonzero(
            (tp == pr.planted["followup"]) & (rng.random(len(tp)) < rng.uniform(*FOLLOWUP_P))
        )
        who.append(cust[at])
        when.append(t[at] + rng.uniform(1 * HOUR, 40 * HOUR, len(at)))
    who, when = np.concatenate(who), np.round(np.concatenate(when))
    order = np.lexsort((when, who))
    return pd.DataFrame(
        {
            "ticket_id": [f"T{i:07d}" for i in range(len(order))],
            "customer_id": _ids(who[order]),
            "opened_at": fmt_datetime(when[order]),
            "channel": rng.choice(["phone", "email", "chat"], len(order)),
        }
    )


def _ids(codes: np.ndarray) -> np.ndarray:
    return np.char.add("C", np.char.zfill(codes.astype(str), 6)).astype(object)


def _dfg(cust: np.ndarray, tp: np.ndarray, names: list[str]) -> list[dict]:
    """Directly-follows counts of the rows the analysis keeps, from the generator's order."""
    same = cust[1:] == cust[:-1]
    pairs = tp[:-1][same] * len(names) + tp[1:][same]
    codes, counts = np.unique(pairs, return_counts=True)
    return [
        {"source": names[c // len(names)], "target": names[c % len(names)], "count": int(k)}
        for c, k in zip(codes, counts, strict=True)
    ]


def journey_world(sc: JourneyScenario) -> JourneyWorld:
    """Generate the world of scenario ``sc`` (see the module docstring)."""
    rng = np.random.default_rng(sc.seed)
    pr = _process(rng, sc)
    cust, tp = _planned_paths(rng, pr, sc.customers)
    keep = _exits(rng, pr, cust, tp)
    cust, tp = cust[keep], tp[keep]
    cust, tp, kind = _expand(rng, pr, cust, tp)
    t = _times(rng, pr, cust, tp, kind, sc.customers, sc.stages)
    events = _events_table(rng, pr, sc, cust, tp, kind, t)
    goal = pr.names.index(GOAL)
    reached = np.zeros(sc.customers, bool)
    reached[cust[tp == goal]] = True
    first = np.full(sc.customers, np.inf)
    np.minimum.at(first, cust, t)
    revenue = np.where(reached, np.round(np.exp(rng.normal(3.5, 0.5, sc.customers)), 2), 0.0)
    customers = pd.DataFrame(
        {
            "customer_id": _ids(np.arange(sc.customers)),
            "signup_date": fmt_date((first // DAY - rng.integers(0, 60, sc.customers)).astype(int)),
            "monthly_revenue": revenue,
        }
    )
    tables = {"events": events, "customers": customers,
              "tickets": _tickets(rng, pr, cust, tp, t, sc.customers)}  # fmt: skip
    kept = kind < 3  # lifecycle SCHEDULE/START rows are not activities of their own
    return JourneyWorld(sc, tables, _config(pr, sc), _truth(pr, sc, cust[kept], tp[kept]))


def _config(pr: _Process, sc: JourneyScenario) -> dict:
    """The config a world is loaded with (see the stage and lifecycle variants)."""
    events: dict = {"file": "events.csv"}
    config: dict = {"name": f"journey world {sc.seed}", "tables": {"events": events}}
    if sc.stages != "outcomes":
        config["stage_order"] = list(pr.stage_names)
    if sc.stages == "mapping":
        events["columns"] = {"stage": "touchpoint"}
        events["values"] = {
            "stage": {tp: pr.stage_names[s] for tp, s in zip(pr.names, pr.stage_of, strict=True)}
        }
    if sc.stages == "outcomes":
        config |= {"outcomes": {GOAL: GOAL_OUTCOME}, "goal": GOAL_OUTCOME}
    if sc.lifecycle == "where":
        events["where"] = "lifecycle = 'COMPLETE'"
    return config


def _truth(pr: _Process, sc: JourneyScenario, cust: np.ndarray, tp: np.ndarray) -> dict:
    """The planted truths of a world, as written to ``TRUTH.json``."""
    stage = (
        (lambda code: pr.stage_names[pr.stage_of[code]])
        if sc.stages != "outcomes"
        else (lambda code: "journey")
    )
    friction = [
        {"touchpoint": pr.names[code], "stage": stage(code), "kind": kind}
        for kind, code in pr.planted.items()
    ]
    outranks = [[GATE, HELP]] if {"exit_high_reach", "exit_low_reach"} <= set(pr.planted) else []
    return {
        "scenario": asdict(sc),
        "stage_order": list(pr.stage_names) if sc.stages != "outcomes" else None,
        "goal": GOAL,
        "friction_touchpoints": friction,
        "outranks": outranks,
        "lifecycle_touchpoints": [pr.names[pr.lifecycle_tp]] if pr.lifecycle_tp is not None else [],
        "dfg": _dfg(cust, tp, pr.names),
    }


def journey_worlds(n: int, start: int = 0, customers: int | None = None) -> list[JourneyScenario]:
    """The scenarios of ``n`` worlds with seeds ``start``, ``start + 1``, ...

    >>> len(journey_worlds(3)), journey_worlds(1, customers=500)[0].customers
    (3, 500)
    """
    return [draw_scenario(seed, customers) for seed in range(start, start + n)]


def _events_table(
    rng: np.random.Generator,
    pr: _Process,
    sc: JourneyScenario,
    cust: np.ndarray,
    tp: np.ndarray,
    kind: np.ndarray,
    t: np.ndarray,
) -> pd.DataFrame:
    """The events table of the contract (the stage column only in the ``column`` variant;
    the lifecycle column only in lifecycle worlds)."""
    names = np.array(pr.names, dtype=object)
    cols = {"customer_id": _ids(cust), "timestamp": fmt_datetime(t)}
    if sc.stages == "column":
        cols["stage"] = np.array(pr.stage_names, dtype=object)[pr.stage_of[tp]]
    cols["touchpoint"] = names[tp]
    cols["channel"] = rng.choice(np.array(["web", "app"], dtype=object), len(tp))
    if sc.lifecycle:
        life = np.full(len(tp), "COMPLETE", dtype=object)
        life[kind == 3], life[kind == 4] = "SCHEDULE", "START"
        cols["lifecycle"] = life
    return pd.DataFrame(cols)
