"""Journey events, orders and support tickets, placed inside each customer's active window.

All draws are vectorised: counts per customer, ``np.repeat`` into rows, times drawn within
per-customer bounds, one sort at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.sample._common import (
    ALLOWED,
    AWARENESS_TPS,
    BOUNCE_P,
    BOUNCE_TPS,
    CHANNEL_NAMES,
    CONSIDERATION_TPS,
    DAY,
    FINAL_P,
    FINAL_TPS,
    HOUR,
    MINUTE,
    MONTH,
    ORDER_CHANNELS,
    STAGES,
    TICKET_CATEGORIES,
    TICKET_CHANNELS,
    TP,
    TP_NAMES,
    TP_STAGE,
    choice_rows,
    fmt_datetime,
    persona_param,
    rank_within,
    seasonal_times,
    segment_cumsum,
    spread,
)
from cxlib.sample.customers import ABANDON, BOUNCE, CONVERTED, Population

_KEEP = 1  # event flag: never dropped by the "no repeat within an hour" rule
_SESSION_GAP = 30 * MINUTE
RENEWAL_DAYS = 121  # plans renew every four months


@dataclass
class Activity:
    """Raw (numeric) activity shared by the table builders."""

    events: pd.DataFrame
    order_cust: np.ndarray
    order_time: np.ndarray
    order_amount: np.ndarray
    ep_time: np.ndarray  # end of each billing-page loop episode (aligned with pop.ep_cust)


class _Log:
    """Accumulates event blocks as parallel arrays."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(
        self,
        cust: np.ndarray,
        tp: np.ndarray | int,
        t: np.ndarray,
        chan: np.ndarray | None = None,
        keep: bool = False,
    ) -> None:
        n = len(cust)
        tp = np.broadcast_to(np.asarray(tp), (n,))
        chan = np.full(n, -1) if chan is None else np.asarray(chan)
        self.parts.append((cust, tp, np.asarray(t, dtype=float), chan, np.full(n, int(keep))))

    def arrays(self) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate(cols) for cols in zip(*self.parts, strict=True))


def _pick(rng: np.random.Generator, values: np.ndarray, p: np.ndarray, n: int) -> np.ndarray:
    return values[rng.choice(len(values), size=n, p=p / p.sum())]


def _orders(rng: np.random.Generator, pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """First orders at the end of the acquisition span, then seasonal repeat orders."""
    conv = np.flatnonzero(pop.journey == CONVERTED)
    first = pop.t0 + pop.span
    lo, hi = first + DAY, pop.last - HOUR
    rate = persona_param("orders_pm").astype(float)[pop.persona]
    k = rng.poisson(rate * np.maximum(hi - lo, 0) / MONTH) * (pop.journey == CONVERTED)
    k = np.where(hi > lo, k, 0)
    idx = np.repeat(np.arange(pop.n), k)
    t = seasonal_times(rng, idx, lo, hi)
    cust = np.concatenate([conv, idx])
    time = np.concatenate([first[conv], t])
    order = np.lexsort((time, cust))
    cust, time = cust[order], time[order]
    # a customer's orders are at least two hours apart
    keep = np.ones(len(cust), dtype=bool)
    keep[1:] = (cust[1:] != cust[:-1]) | (time[1:] - time[:-1] >= 2 * HOUR)
    return cust[keep], time[keep]


def build_activity(rng: np.random.Generator, pop: Population) -> Activity:
    """Events (journeys with the planted friction) and orders for every customer."""
    n, persona = pop.n, pop.persona
    log = _Log()
    all_c = np.arange(n)
    t0, span, last = pop.t0, pop.span, pop.last
    conv = pop.journey == CONVERTED
    browsers = persona == 4

    # acquisition: awareness from t0, consideration, then (maybe) a first purchase attempt
    log.add(all_c, _pick(rng, AWARENESS_TPS, np.array([0.35, 0.3, 0.35]), n), t0)
    c, t = spread(rng, rng.poisson(np.where(browsers, 1.5, 0.6)), t0, t0 + 0.3 * span)
    log.add(c, _pick(rng, AWARENESS_TPS, np.array([0.35, 0.3, 0.35]), len(c)), t)
    k = 1 + rng.poisson(np.where(browsers, 2.5, 1.2))
    c, t = spread(rng, k, t0 + 0.3 * span, t0 + 0.6 * span)
    log.add(c, _pick(rng, CONSIDERATION_TPS, np.array([0.5, 0.25, 0.25]), len(c)), t)

    bounce = np.flatnonzero(pop.journey == BOUNCE)
    log.add(bounce, _pick(rng, BOUNCE_TPS, BOUNCE_P, len(bounce)), last[bounce], keep=True)

    buyers = np.flatnonzero(pop.journey != BOUNCE)
    first_chan = choice_rows(rng, persona_param("channel_w")[persona[buyers]] * ORDER_CHANNELS)
    s = span[buyers]
    log.add(buyers, TP["cart"], t0[buyers] + s * rng.uniform(0.60, 0.75, len(buyers)), first_chan)
    log.add(
        buyers, TP["checkout"], t0[buyers] + s * rng.uniform(0.8, 0.95, len(buyers)), first_chan
    )
    log.add(buyers, TP["payment"], t0[buyers] + s, first_chan, keep=True)
    retry = np.flatnonzero((pop.journey == ABANDON) & (rng.random(n) < 0.4))
    for tp in ("cart", "checkout"):
        log.add(retry, TP[tp], t0[retry] + span[retry] * rng.uniform(0.6, 0.95, len(retry)))

    # repeat orders: cart -> checkout -> payment minutes apart, one channel per order
    order_cust, order_time = _orders(rng, pop)
    repeat = order_time > (t0 + span)[order_cust] + HOUR
    oc, ot = order_cust[repeat], order_time[repeat]
    ch = choice_rows(rng, persona_param("channel_w")[persona[oc]] * ORDER_CHANNELS)
    gap2 = rng.uniform(1 * MINUTE, 4 * MINUTE, len(oc))
    web = ch <= 1  # in store and by phone there is no basket step
    cart_t = ot - gap2 - rng.uniform(3 * MINUTE, 25 * MINUTE, len(oc))
    log.add(oc[web], TP["cart"], cart_t[web], ch[web], True)
    log.add(oc, TP["checkout"], ot - gap2, ch, True)
    log.add(oc, TP["payment"], ot, ch, True)

    # usage (converted only): onboarding, app-login streaks, feature use, billing page
    cv = np.flatnonzero(conv)
    first = t0 + span
    log.add(cv, TP["onboarding_email"], first[cv] + rng.uniform(0.5 * HOUR, 23 * HOUR, len(cv)))
    lo, hi = np.where(conv, first + DAY, 0.0), np.where(conv, last - HOUR, 0.0)
    months = np.maximum(hi - lo, 0) / MONTH
    bursts = rng.poisson(persona_param("logins_pm").astype(float)[persona] * months)
    bc, bstart = spread(rng, bursts, lo, hi)
    length = 1 + rng.poisson(1.0, len(bc))
    lc = np.repeat(bc, length)
    gaps = np.where(rank_within(np.repeat(np.arange(len(bc)), length)) == 0, 0.0, 1.0)
    gaps = gaps * rng.uniform(20 * HOUR, 30 * HOUR, len(lc))
    lt = np.repeat(bstart, length) + segment_cumsum(gaps, length)
    ok = lt < hi[lc]
    lc, lt = lc[ok], lt[ok]
    log.add(lc, TP["app_login"], lt)
    use = rng.random(len(lc)) < 0.35
    log.add(lc[use], TP["feature_use"], lt[use] + rng.uniform(2 * MINUTE, 40 * MINUTE, use.sum()))
    c, t = spread(rng, rng.poisson(0.12 * months), lo, hi)
    log.add(c, TP["feature_use"], t)
    c, t = spread(rng, rng.poisson(0.12 * months), lo, hi)
    log.add(c, TP["billing_page"], t)

    # planted friction: billing_page loops (3+ hits minutes apart), episodes drawn up front
    ep = pop.ep_cust
    ep_start = lo[ep] + rng.random(len(ep)) * (last[ep] - 2 * DAY - lo[ep])
    hits = 3 + rng.poisson(0.8, len(ep))
    hc = np.repeat(ep, hits)
    gaps = np.where(rank_within(np.repeat(np.arange(len(ep)), hits)) == 0, 0.0, 1.0)
    gaps = gaps * rng.uniform(3 * MINUTE, 14 * MINUTE, len(hc))
    ht = np.repeat(ep_start, hits) + segment_cumsum(gaps, hits)
    log.add(hc, TP["billing_page"], ht, keep=True)
    ep_time = np.maximum.reduceat(ht, np.cumsum(hits) - hits) if len(ep) else np.zeros(0)

    # loyalty: renewals every four months, occasional rewards and referrals
    k = np.where(conv, np.floor((last - HOUR - first) / (RENEWAL_DAYS * DAY)), 0).astype(np.int64)
    rc = np.repeat(all_c, k)
    rt = (
        first[rc]
        + (rank_within(rc) + 1) * RENEWAL_DAYS * DAY
        + rng.uniform(-2 * DAY, 2 * DAY, len(rc))
    )
    ok = rt < last[rc] - HOUR
    log.add(rc[ok], TP["renewal"], rt[ok])
    c, t = spread(rng, rng.poisson(0.06 * months), lo + 7 * DAY, hi)
    log.add(c, TP["loyalty_reward"], t)
    c, t = spread(rng, rng.poisson(np.where(persona == 1, 0.05, 0.015) * months), lo + 7 * DAY, hi)
    log.add(c, TP["referral"], t)

    # converted customers keep browsing now and then
    browse = rng.poisson(persona_param("browse_pm").astype(float)[persona] * months)
    c, t = spread(rng, browse, np.where(conv, first + HOUR, 0.0), hi)
    p = np.array([0.10, 0.10, 0.15, 0.35, 0.10, 0.20])
    log.add(c, _pick(rng, np.concatenate([AWARENESS_TPS, CONSIDERATION_TPS]), p, len(c)), t)

    # the journey's last event: one of the (browsing, usage, loyalty) touchpoints the
    # customer already uses, so that no touchpoint collects a large share of journey ends
    cust, tp, t, chan, keep = log.arrays()
    seen = np.zeros((n, len(TP_NAMES)))
    seen[cust, tp] = 1.0
    w = seen[cv][:, FINAL_TPS]
    w[w.sum(axis=1) == 0] = FINAL_P
    # scale touchpoints so that each ends about the same share of its visitors' journeys
    visitors = w.sum(axis=0)
    scale = 1.0 / visitors
    for _ in range(8):
        p = w * scale
        p /= p.sum(axis=1, keepdims=True)
        scale *= (visitors / p.sum(axis=0)) ** 0.5
    log.add(cv, FINAL_TPS[choice_rows(rng, w * scale)], last[cv], keep=True)
    cust, tp, t, chan, keep = log.arrays()
    # low baseline of quick repeats on browsing/feature pages (never after the last event)
    dup = np.isin(tp, [TP["product_page"], TP["reviews"], TP["compare_plans"], TP["feature_use"]])
    dup &= (rng.random(len(tp)) < 0.02) & (keep == 0)
    dt = t[dup] + rng.uniform(5 * MINUTE, 45 * MINUTE, dup.sum())
    ok = dt < last[cust[dup]] - MINUTE
    cust = np.concatenate([cust, cust[dup][ok]])
    tp = np.concatenate([tp, tp[dup][ok]])
    t = np.concatenate([t, dt[ok]])
    chan = np.concatenate([chan, chan[dup][ok]])
    keep = np.concatenate([keep, np.full(ok.sum(), _KEEP)])

    # healthy repeat use: drop same-touchpoint repeats within an hour unless planted
    o = np.lexsort((t, tp, cust))
    cust, tp, t, chan, keep = cust[o], tp[o], t[o], chan[o], keep[o]
    close = np.zeros(len(t), dtype=bool)
    close[1:] = (cust[1:] == cust[:-1]) & (tp[1:] == tp[:-1]) & (t[1:] - t[:-1] < HOUR)
    ok = ~close | (keep == _KEEP)
    cust, tp, t, chan = cust[ok], tp[ok], t[ok], chan[ok]

    # channels: the persona's mix restricted to what the touchpoint allows
    need = chan < 0
    w = persona_param("channel_w")[persona[cust[need]]] * ALLOWED[tp[need]]
    chan[need] = choice_rows(rng, w + 1e-3 * ALLOWED[tp[need]])

    t = np.floor(t)
    o = np.lexsort((tp, TP_STAGE[tp], t, cust))
    cust, tp, t, chan = cust[o], tp[o], t[o], chan[o]
    new = np.ones(len(t), dtype=bool)
    new[1:] = (cust[1:] != cust[:-1]) | (t[1:] - t[:-1] > _SESSION_GAP)
    session = np.cumsum(new)
    events = pd.DataFrame(
        {
            "_cust": cust,
            "_t": t,
            "customer_id": pop.ids[cust],
            "timestamp": fmt_datetime(t),
            "stage": np.array(STAGES, dtype=object)[TP_STAGE[tp]],
            "touchpoint": TP_NAMES[tp],
            "channel": CHANNEL_NAMES[chan],
            "session_id": np.char.add("S", np.char.zfill(session.astype(str), 9)).astype(object),
        }
    )
    vmean = persona_param("order_value").astype(float)[persona[order_cust]]
    amount = np.maximum(np.round(vmean * rng.lognormal(-0.1, 0.45, len(order_cust)), 2), 1.0)
    return Activity(events, order_cust, order_time, amount, ep_time)


def orders_table(pop: Population, act: Activity) -> pd.DataFrame:
    """The ``orders`` table, ids in time order."""
    o = np.lexsort((act.order_cust, act.order_time))
    ids = np.char.add("O", np.char.zfill(np.arange(1, len(o) + 1).astype(str), 8))
    return pd.DataFrame(
        {
            "order_id": ids.astype(object),
            "customer_id": pop.ids[act.order_cust[o]],
            "ordered_at": fmt_datetime(act.order_time[o]),
            "amount": act.order_amount[o],
        }
    )


def build_tickets(rng: np.random.Generator, pop: Population, act: Activity) -> pd.DataFrame:
    """Support tickets: ordinary, never-resolved and billing follow-ups after loop episodes.

    Returns numeric columns (``_cust``, ``_open``, ``_first``, ``_resolved`` in seconds,
    ``nan`` = empty) next to the contract columns, ids in time order.
    """
    end = pop.end
    c1, t1 = spread(rng, pop.n_resolved, pop.t0, end - 7 * DAY)
    c2, t2 = spread(rng, pop.n_unresolved, pop.t0, end - HOUR)
    fu = act.ep_time[pop.ep_followup]
    c3 = pop.ep_cust[pop.ep_followup]
    t3 = fu + rng.uniform(0.5 * HOUR, 40 * HOUR, len(fu))
    cust = np.concatenate([c1, c2, c3])
    opened = np.floor(np.concatenate([t1, t2, t3]))
    kind = np.repeat([0, 1, 2], [len(c1), len(c2), len(c3)])
    m = len(cust)
    persona = pop.persona[cust]

    channel = choice_rows(rng, persona_param("ticket_channel_w")[persona])
    cat_w = np.where(
        (persona == 2)[:, None],
        np.array([0.25, 0.40, 0.15, 0.10, 0.10]),
        np.array([0.22, 0.22, 0.30, 0.14, 0.12]),
    )
    category = np.where(kind == 2, 0, choice_rows(rng, cat_w))

    base = np.array([0.15, 7.0, 0.4, 4.0, 0.25])[channel] * HOUR  # typical first answer
    speed = persona_param("ticket_speed").astype(float)[persona]
    first = opened + np.maximum(base * speed * rng.lognormal(0.0, 1.25, m), MINUTE)
    resolved = first + rng.lognormal(np.log(10 * HOUR) + np.log(speed), 1.1, m)
    limit = end[cust] - MINUTE
    resolved = np.minimum(resolved, limit)
    first = np.minimum(first, resolved)
    unanswered = (kind == 1) & (rng.random(m) < 0.3)
    first = np.where(unanswered, np.nan, np.minimum(first, limit))
    resolved = np.where(kind == 1, np.nan, np.floor(resolved))
    first = np.floor(first)
    contacts = 1 + rng.poisson(np.where(kind == 1, 1.4, 0.35 * np.sqrt(speed)))

    o = np.lexsort((cust, opened))
    ids = np.char.add("T", np.char.zfill(np.arange(1, m + 1).astype(str), 7)).astype(object)
    first, resolved = first[o], resolved[o]
    return pd.DataFrame(
        {
            "_cust": cust[o],
            "_open": opened[o],
            "_first": first,
            "_resolved": resolved,
            "ticket_id": ids,
            "customer_id": pop.ids[cust[o]],
            "opened_at": fmt_datetime(opened[o]),
            "first_response_at": np.where(
                np.isnan(first), None, fmt_datetime(np.nan_to_num(first))
            ),
            "resolved_at": np.where(
                np.isnan(resolved), None, fmt_datetime(np.nan_to_num(resolved))
            ),
            "channel": TICKET_CHANNELS[channel[o]],
            "category": TICKET_CATEGORIES[category[o]],
            "contacts": contacts[o],
        }
    )
