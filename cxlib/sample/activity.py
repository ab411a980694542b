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

# --- acquisition: awareness, consideration, the first purchase attempt ---------------------
BROWSERS = 4  # persona index of the occasional browsers: more awareness and consideration
AWARENESS_P = np.array([0.35, 0.3, 0.35])  # ad_click, social_post, search
CONSIDERATION_P = np.array([0.5, 0.25, 0.25])  # product_page, compare_plans, reviews
EXTRA_AWARENESS = (1.5, 0.6)  # mean extra awareness events: browsers, others
CONSIDERATION_EXTRA = (2.5, 1.2)  # mean consideration events beyond one: browsers, others
AWARENESS_END = 0.3  # awareness in the first 30% of the acquisition span ...
CONSIDERATION_END = 0.6  # ... consideration up to 60%, then the purchase attempt
CART_AT = (0.60, 0.75)  # cart, checkout and abandoned retries: share of the span
CHECKOUT_AT = (0.8, 0.95)
RETRY_P = 0.4  # abandoners who try cart and checkout once more
RETRY_AT = (0.6, 0.95)

# --- orders --------------------------------------------------------------------------------
MIN_ORDER_GAP = 2 * HOUR  # a customer's orders are at least this far apart
CHECKOUT_TO_PAYMENT = (1 * MINUTE, 4 * MINUTE)
CART_TO_CHECKOUT = (3 * MINUTE, 25 * MINUTE)
ORDER_VALUE_LOGNORMAL = (-0.1, 0.45)  # order value = persona mean x lognormal(mu, sigma)
MIN_ORDER_VALUE = 1.0

# --- usage (converted customers) ----------------------------------------------------------
ONBOARDING_AFTER = (0.5 * HOUR, 23 * HOUR)  # the onboarding e-mail after the first payment
STREAK_EXTRA = 1.0  # mean app logins in a streak beyond the first
STREAK_GAP = (20 * HOUR, 30 * HOUR)  # between the logins of a streak
FEATURE_USE_P = 0.35  # logins followed by feature use ...
FEATURE_USE_AFTER = (2 * MINUTE, 40 * MINUTE)  # ... this long after
FEATURE_USE_PM = 0.12  # feature use (without a login) per active month
BILLING_PAGE_PM = 0.12  # ordinary billing-page visits per active month

# --- planted friction: billing-page loops -------------------------------------------------
LOOP_END_BEFORE_LAST = 2 * DAY  # episodes start at least this long before the last event
LOOP_HITS_MIN, LOOP_HITS_EXTRA = 3, 0.8  # hits per episode: 3 + Poisson(0.8)
LOOP_GAP = (3 * MINUTE, 14 * MINUTE)  # between the hits of an episode

# --- loyalty and later browsing ------------------------------------------------------------
RENEWAL_JITTER = 2 * DAY
LOYALTY_DELAY = 7 * DAY  # rewards and referrals from a week after the first purchase
LOYALTY_REWARD_PM = 0.06
REFERRAL_PM = (0.05, 0.015)  # premium loyalists, others
LOYALISTS = 1  # persona index of the premium loyalists
BROWSE_TPS = np.concatenate([AWARENESS_TPS, CONSIDERATION_TPS])
BROWSE_P = np.array([0.10, 0.10, 0.15, 0.35, 0.10, 0.20])

# --- the journey's end and the final clean-up ---------------------------------------------
FINAL_SCALING_STEPS = 8  # fixed-point steps evening out each final touchpoint's end share
QUICK_REPEAT_TPS = ("product_page", "reviews", "compare_plans", "feature_use")
QUICK_REPEAT_P = 0.02  # low baseline of quick repeats on browsing/feature pages ...
QUICK_REPEAT_AFTER = (5 * MINUTE, 45 * MINUTE)  # ... this long after the first visit
CHANNEL_FLOOR = 1e-3  # weight of an allowed channel the persona never uses


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


@dataclass
class _Window:
    """Each customer's usage window (converted customers; empty for the others)."""

    lo: np.ndarray  # a day after the first payment (0 when not converted)
    hi: np.ndarray  # an hour before the last event (0 when not converted)
    months: np.ndarray  # its length in months


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
    keep = np.ones(len(cust), dtype=bool)
    keep[1:] = (cust[1:] != cust[:-1]) | (time[1:] - time[:-1] >= MIN_ORDER_GAP)
    return cust[keep], time[keep]


def build_activity(rng: np.random.Generator, pop: Population) -> Activity:
    """Events (journeys with the planted friction) and orders for every customer.

    The steps draw from ``rng`` in a fixed order (the sample is reproducible byte for
    byte): acquisition, repeat orders, usage, billing-page loops, loyalty, browsing, the
    journey's last event, quick repeats; then close repeats are dropped, channels drawn
    and the order amounts last.
    """
    log = _Log()
    _acquisition(rng, pop, log)
    order_cust, order_time = _repeat_orders(rng, pop, log)
    window = _usage(rng, pop, log)
    ep_time = _billing_loops(rng, pop, log, window)
    _loyalty(rng, pop, log, window)
    _browsing(rng, pop, log, window)
    _last_events(rng, pop, log)
    cust, tp, t, chan, keep = _quick_repeats(rng, pop, *log.arrays())
    cust, tp, t, chan = _without_close_repeats(cust, tp, t, chan, keep)
    chan = _channels(rng, pop, cust, tp, chan)
    events = _events_table(pop, cust, tp, t, chan)
    vmean = persona_param("order_value").astype(float)[pop.persona[order_cust]]
    draw = rng.lognormal(*ORDER_VALUE_LOGNORMAL, len(order_cust))
    amount = np.maximum(np.round(vmean * draw, 2), MIN_ORDER_VALUE)
    return Activity(events, order_cust, order_time, amount, ep_time)


def _acquisition(rng: np.random.Generator, pop: Population, log: _Log) -> None:
    """Awareness from t0, consideration, then (maybe) a first purchase attempt."""
    n, persona = pop.n, pop.persona
    t0, span = pop.t0, pop.span
    browsers = persona == BROWSERS
    log.add(np.arange(n), _pick(rng, AWARENESS_TPS, AWARENESS_P, n), t0)
    c, t = spread(
        rng, rng.poisson(np.where(browsers, *EXTRA_AWARENESS)), t0, t0 + AWARENESS_END * span
    )
    log.add(c, _pick(rng, AWARENESS_TPS, AWARENESS_P, len(c)), t)
    k = 1 + rng.poisson(np.where(browsers, *CONSIDERATION_EXTRA))
    c, t = spread(rng, k, t0 + AWARENESS_END * span, t0 + CONSIDERATION_END * span)
    log.add(c, _pick(rng, CONSIDERATION_TPS, CONSIDERATION_P, len(c)), t)

    bounce = np.flatnonzero(pop.journey == BOUNCE)
    log.add(bounce, _pick(rng, BOUNCE_TPS, BOUNCE_P, len(bounce)), pop.last[bounce], keep=True)

    buyers = np.flatnonzero(pop.journey != BOUNCE)
    first_chan = choice_rows(rng, persona_param("channel_w")[persona[buyers]] * ORDER_CHANNELS)
    s = span[buyers]
    log.add(buyers, TP["cart"], t0[buyers] + s * rng.uniform(*CART_AT, len(buyers)), first_chan)
    log.add(
        buyers, TP["checkout"], t0[buyers] + s * rng.uniform(*CHECKOUT_AT, len(buyers)), first_chan
    )
    log.add(buyers, TP["payment"], t0[buyers] + s, first_chan, keep=True)
    retry = np.flatnonzero((pop.journey == ABANDON) & (rng.random(n) < RETRY_P))
    for tp in ("cart", "checkout"):
        log.add(retry, TP[tp], t0[retry] + span[retry] * rng.uniform(*RETRY_AT, len(retry)))


def _repeat_orders(
    rng: np.random.Generator, pop: Population, log: _Log
) -> tuple[np.ndarray, np.ndarray]:
    """Every order (:func:`_orders`); repeat orders logged as cart -> checkout -> payment
    minutes apart, one channel per order. Returns the orders' customers and times."""
    order_cust, order_time = _orders(rng, pop)
    repeat = order_time > (pop.t0 + pop.span)[order_cust] + HOUR
    oc, ot = order_cust[repeat], order_time[repeat]
    ch = choice_rows(rng, persona_param("channel_w")[pop.persona[oc]] * ORDER_CHANNELS)
    gap2 = rng.uniform(*CHECKOUT_TO_PAYMENT, len(oc))
    web = ch <= 1  # in store and by phone there is no basket step
    cart_t = ot - gap2 - rng.uniform(*CART_TO_CHECKOUT, len(oc))
    log.add(oc[web], TP["cart"], cart_t[web], ch[web], True)
    log.add(oc, TP["checkout"], ot - gap2, ch, True)
    log.add(oc, TP["payment"], ot, ch, True)
    return order_cust, order_time


def _usage(rng: np.random.Generator, pop: Population, log: _Log) -> _Window:
    """Converted customers: onboarding, app-login streaks, feature use, billing page."""
    conv = pop.journey == CONVERTED
    cv = np.flatnonzero(conv)
    first = pop.t0 + pop.span
    log.add(cv, TP["onboarding_email"], first[cv] + rng.uniform(*ONBOARDING_AFTER, len(cv)))
    lo, hi = np.where(conv, first + DAY, 0.0), np.where(conv, pop.last - HOUR, 0.0)
    months = np.maximum(hi - lo, 0) / MONTH
    bursts = rng.poisson(persona_param("logins_pm").astype(float)[pop.persona] * months)
    bc, bstart = spread(rng, bursts, lo, hi)
    length = 1 + rng.poisson(STREAK_EXTRA, len(bc))
    lc = np.repeat(bc, length)
    gaps = np.where(rank_within(np.repeat(np.arange(len(bc)), length)) == 0, 0.0, 1.0)
    gaps = gaps * rng.uniform(*STREAK_GAP, len(lc))
    lt = np.repeat(bstart, length) + segment_cumsum(gaps, length)
    ok = lt < hi[lc]
    lc, lt = lc[ok], lt[ok]
    log.add(lc, TP["app_login"], lt)
    use = rng.random(len(lc)) < FEATURE_USE_P
    log.add(lc[use], TP["feature_use"], lt[use] + rng.uniform(*FEATURE_USE_AFTER, use.sum()))
    c, t = spread(rng, rng.poisson(FEATURE_USE_PM * months), lo, hi)
    log.add(c, TP["feature_use"], t)
    c, t = spread(rng, rng.poisson(BILLING_PAGE_PM * months), lo, hi)
    log.add(c, TP["billing_page"], t)
    return _Window(lo, hi, months)


def _billing_loops(
    rng: np.random.Generator, pop: Population, log: _Log, window: _Window
) -> np.ndarray:
    """The planted friction: billing_page loops (3+ hits minutes apart), in the episodes
    drawn up front (``pop.ep_cust``). Returns each episode's end."""
    ep, lo, last = pop.ep_cust, window.lo, pop.last
    ep_start = lo[ep] + rng.random(len(ep)) * (last[ep] - LOOP_END_BEFORE_LAST - lo[ep])
    hits = LOOP_HITS_MIN + rng.poisson(LOOP_HITS_EXTRA, len(ep))
    hc = np.repeat(ep, hits)
    gaps = np.where(rank_within(np.repeat(np.arange(len(ep)), hits)) == 0, 0.0, 1.0)
    gaps = gaps * rng.uniform(*LOOP_GAP, len(hc))
    ht = np.repeat(ep_start, hits) + segment_cumsum(gaps, hits)
    log.add(hc, TP["billing_page"], ht, keep=True)
    return np.maximum.reduceat(ht, np.cumsum(hits) - hits) if len(ep) else np.zeros(0)


def _loyalty(rng: np.random.Generator, pop: Population, log: _Log, window: _Window) -> None:
    """Renewals every four months, occasional rewards and referrals."""
    conv, last = pop.journey == CONVERTED, pop.last
    first = pop.t0 + pop.span
    k = np.where(conv, np.floor((last - HOUR - first) / (RENEWAL_DAYS * DAY)), 0).astype(np.int64)
    rc = np.repeat(np.arange(pop.n), k)
    rt = (
        first[rc]
        + (rank_within(rc) + 1) * RENEWAL_DAYS * DAY
        + rng.uniform(-RENEWAL_JITTER, RENEWAL_JITTER, len(rc))
    )
    ok = rt < last[rc] - HOUR
    log.add(rc[ok], TP["renewal"], rt[ok])
    lo, hi, months = window.lo, window.hi, window.months
    c, t = spread(rng, rng.poisson(LOYALTY_REWARD_PM * months), lo + LOYALTY_DELAY, hi)
    log.add(c, TP["loyalty_reward"], t)
    referrals = np.where(pop.persona == LOYALISTS, *REFERRAL_PM) * months
    c, t = spread(rng, rng.poisson(referrals), lo + LOYALTY_DELAY, hi)
    log.add(c, TP["referral"], t)


def _browsing(rng: np.random.Generator, pop: Population, log: _Log, window: _Window) -> None:
    """Converted customers keep browsing now and then."""
    conv = pop.journey == CONVERTED
    rate = persona_param("browse_pm").astype(float)[pop.persona]
    browse = rng.poisson(rate * window.months)
    c, t = spread(rng, browse, np.where(conv, pop.t0 + pop.span + HOUR, 0.0), window.hi)
    log.add(c, _pick(rng, BROWSE_TPS, BROWSE_P, len(c)), t)


def _last_events(rng: np.random.Generator, pop: Population, log: _Log) -> None:
    """The journey's last event of converted customers: one of the (browsing, usage,
    loyalty) touchpoints the customer already uses, so that no touchpoint collects a large
    share of journey ends."""
    cv = np.flatnonzero(pop.journey == CONVERTED)
    cust, tp, _, _, _ = log.arrays()
    seen = np.zeros((pop.n, len(TP_NAMES)))
    seen[cust, tp] = 1.0
    w = seen[cv][:, FINAL_TPS]
    w[w.sum(axis=1) == 0] = FINAL_P
    # scale touchpoints so that each ends about the same share of its visitors' journeys
    visitors = w.sum(axis=0)
    scale = 1.0 / visitors
    for _ in range(FINAL_SCALING_STEPS):
        p = w * scale
        p /= p.sum(axis=1, keepdims=True)
        scale *= (visitors / p.sum(axis=0)) ** 0.5
    log.add(cv, FINAL_TPS[choice_rows(rng, w * scale)], pop.last[cv], keep=True)


def _quick_repeats(
    rng: np.random.Generator,
    pop: Population,
    cust: np.ndarray,
    tp: np.ndarray,
    t: np.ndarray,
    chan: np.ndarray,
    keep: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """A low baseline of quick repeats on browsing/feature pages (never after the last
    event), appended to the event arrays."""
    dup = np.isin(tp, [TP[name] for name in QUICK_REPEAT_TPS])
    dup &= (rng.random(len(tp)) < QUICK_REPEAT_P) & (keep == 0)
    dt = t[dup] + rng.uniform(*QUICK_REPEAT_AFTER, dup.sum())
    ok = dt < pop.last[cust[dup]] - MINUTE
    return (
        np.concatenate([cust, cust[dup][ok]]),
        np.concatenate([tp, tp[dup][ok]]),
        np.concatenate([t, dt[ok]]),
        np.concatenate([chan, chan[dup][ok]]),
        np.concatenate([keep, np.full(ok.sum(), _KEEP)]),
    )


def _without_close_repeats(
    cust: np.ndarray, tp: np.ndarray, t: np.ndarray, chan: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Healthy repeat use: drop same-touchpoint repeats within an hour unless planted."""
    o = np.lexsort((t, tp, cust))
    cust, tp, t, chan, keep = cust[o], tp[o], t[o], chan[o], keep[o]
    close = np.zeros(len(t), dtype=bool)
    close[1:] = (cust[1:] == cust[:-1]) & (tp[1:] == tp[:-1]) & (t[1:] - t[:-1] < HOUR)
    ok = ~close | (keep == _KEEP)
    return cust[ok], tp[ok], t[ok], chan[ok]


def _channels(
    rng: np.random.Generator, pop: Population, cust: np.ndarray, tp: np.ndarray, chan: np.ndarray
) -> np.ndarray:
    """Channels not yet set: the persona's mix restricted to what the touchpoint allows."""
    need = chan < 0
    w = persona_param("channel_w")[pop.persona[cust[need]]] * ALLOWED[tp[need]]
    chan[need] = choice_rows(rng, w + CHANNEL_FLOOR * ALLOWED[tp[need]])
    return chan


def _events_table(
    pop: Population, cust: np.ndarray, tp: np.ndarray, t: np.ndarray, chan: np.ndarray
) -> pd.DataFrame:
    """The ``events`` table in customer and time order, with numeric ``_cust`` and ``_t``;
    a session ends after a gap of more than 30 minutes."""
    t = np.floor(t)
    o = np.lexsort((tp, TP_STAGE[tp], t, cust))
    cust, tp, t, chan = cust[o], tp[o], t[o], chan[o]
    new = np.ones(len(t), dtype=bool)
    new[1:] = (cust[1:] != cust[:-1]) | (t[1:] - t[:-1] > _SESSION_GAP)
    session = np.cumsum(new)
    return pd.DataFrame(
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
