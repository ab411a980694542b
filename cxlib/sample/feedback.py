"""Survey answers (NPS, CSAT, CES with multilingual comments) and social mentions.

Scores are drawn in :func:`plan_surveys` *before* churn (mean CES is a churn driver); their
times are placed afterwards in :func:`build_surveys`, inside the customer's active window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxlib.sample._common import (
    CHANNEL_NAMES,
    DAY,
    HOUR,
    MINUTE,
    PERIOD_END,
    REGION_LANG,
    REGION_P,
    choice_rows,
    fmt_datetime,
    persona_param,
    seasonal_times,
)
from cxlib.sample.activity import Activity
from cxlib.sample.customers import ABANDON, BOUNCE, CONVERTED, Population
from cxlib.sample.text import (
    LANGS,
    QUOTED_COMMENT,
    SCRIPT_COMMENT,
    THEME,
    phrases,
    sentiment_themes,
)

SURVEYS = np.array(["nps", "csat", "ces"], dtype=object)
NPS, CSAT, CES = 0, 1, 2
NO_FRICTION, BILLING_LOOP, PAYMENT_FAIL = 0, 1, 2
_FRICTION_PENALTY = 0.45  # on the 0..1 ease scale, i.e. ~1.8 CES points
_SURVEY_CHANNELS = np.array([1.0, 1.0, 1.0, 0.0, 1.0, 1.0])  # no surveys over social
# theme weights per persona: negative (billing, waiting, crash, payment), positive
# (friendly staff, easy app, fast delivery)
_NEG_W = np.array(
    [
        [0.25, 0.15, 0.35, 0.25],
        [0.30, 0.30, 0.20, 0.20],
        [0.30, 0.35, 0.20, 0.15],
        [0.25, 0.45, 0.10, 0.20],
        [0.20, 0.20, 0.30, 0.30],
    ]
)
_POS_W = np.array(
    [
        [0.10, 0.50, 0.40],
        [0.40, 0.20, 0.40],
        [0.40, 0.30, 0.30],
        [0.70, 0.05, 0.25],
        [0.2, 0.45, 0.35],
    ]
)
AFTER_LOOP = (HOUR, 30 * HOUR)  # a CES answer about billing_page after a loop episode
AFTER_FAILED_PAYMENT = (0.5 * HOUR, 47 * HOUR)  # a CES answer about a failed payment
TICKET_CSAT_P = 0.45  # resolved tickets followed by a CSAT answer ...
AFTER_RESOLVED = (0.5 * HOUR, 24 * HOUR)  # ... this long after resolution
SAT_PER_EXTRA_CONTACT = 0.06  # each contact beyond the first lowers that answer's satisfaction
MIN_ANONYMOUS = 2  # anonymous answers (kiosk in store, public web form): at least 2 ...
ANONYMOUS_SHARE = 0.02  # ... or 2% of the identified ones
ANONYMOUS_NPS_P = 0.5  # anonymous answers that are NPS (the others CSAT, in store)
ANONYMOUS_SAT_BETA = (4.0, 2.5)  # their latent satisfaction
SUPPORT_WAITING_P = 0.7  # negative support answers that complain about waiting
COMMENT_P = 0.6  # answers that come with a comment
ENGLISH_P = 0.2  # comments in English whatever the region's language

_LANG = {lang: i for i, lang in enumerate(LANGS)}
_REGION_LANG = np.array([_LANG[x] for x in REGION_LANG])


@dataclass
class SurveyPlan:
    """Survey answers drawn before churn (no times yet)."""

    cust: np.ndarray
    survey: np.ndarray
    touchpoint: np.ndarray
    score: np.ndarray
    friction: np.ndarray
    ep: np.ndarray  # billing-loop episode of a BILLING_LOOP answer, else -1


def _scores(
    rng: np.random.Generator, survey: np.ndarray, sat: np.ndarray, ease: np.ndarray
) -> np.ndarray:
    m = len(survey)
    nps = np.clip(np.rint(10 * sat + rng.normal(0, 1.2, m)), 0, 10)
    csat = np.clip(np.rint(1 + 4 * sat + rng.normal(0, 0.55, m)), 1, 5)
    ces = np.clip(np.rint(1 + 4 * ease + rng.normal(0, 0.55, m)), 1, 5)
    return np.select([survey == NPS, survey == CSAT], [nps, csat], ces).astype(np.int64)


def _touchpoints(
    rng: np.random.Generator, options: dict[int, tuple[str, ...]], key: np.ndarray
) -> np.ndarray:
    out = np.empty(len(key), dtype=object)
    for k, names in options.items():
        rows = np.flatnonzero(key == k)
        out[rows] = np.array(names, dtype=object)[rng.integers(0, len(names), len(rows))]
    return out


def plan_surveys(rng: np.random.Generator, pop: Population) -> tuple[SurveyPlan, np.ndarray]:
    """Draw every identified answer that exists before churn; return it and mean CES."""
    n = pop.n
    c_nps = np.repeat(np.arange(n), 1 + rng.poisson(0.4, n))
    c_csat = np.repeat(np.arange(n), rng.poisson(0.7, n))
    c_ces = np.repeat(np.arange(n), 1 + rng.poisson(0.5, n))
    ep = np.flatnonzero(pop.ep_survey)
    ab = np.flatnonzero((pop.journey == ABANDON) & (rng.random(n) < 0.55))
    cust = np.concatenate([c_nps, c_csat, c_ces, pop.ep_cust[ep], ab])
    survey = np.repeat(
        [NPS, CSAT, CES, CES, CES], [len(c_nps), len(c_csat), len(c_ces), len(ep), len(ab)]
    )
    friction = np.repeat(
        [0, 0, 0, BILLING_LOOP, PAYMENT_FAIL],
        [len(c_nps), len(c_csat), len(c_ces), len(ep), len(ab)],
    )
    ep_idx = np.concatenate([np.full(len(cust) - len(ep) - len(ab), -1), ep, np.full(len(ab), -1)])

    journey = pop.journey[cust]
    tp = np.full(len(cust), None, dtype=object)
    csat = survey == CSAT
    tp[csat] = _touchpoints(
        rng,
        {
            CONVERTED: ("checkout", "app_login", "feature_use", "renewal"),
            ABANDON: ("product_page",),
            BOUNCE: ("product_page",),
        },
        journey[csat],
    )
    ces = (survey == CES) & (friction == NO_FRICTION)
    tp[ces] = _touchpoints(
        rng,
        {
            CONVERTED: ("checkout", "checkout", "onboarding_email", "app_login", "billing_page"),
            ABANDON: ("checkout", "product_page"),
            BOUNCE: ("product_page", "compare_plans"),
        },
        journey[ces],
    )
    tp[friction == BILLING_LOOP] = "billing_page"
    tp[friction == PAYMENT_FAIL] = "payment"

    ease = pop.ease[cust] - _FRICTION_PENALTY * (friction != NO_FRICTION)
    score = _scores(rng, survey, pop.sat[cust], ease)
    is_ces = survey == CES
    mean_ces = np.bincount(cust[is_ces], score[is_ces], n) / np.bincount(cust[is_ces], minlength=n)
    return SurveyPlan(cust, survey, tp, score, friction, ep_idx), mean_ces


def _sentiment(survey: np.ndarray, score: np.ndarray) -> np.ndarray:
    low = np.where(survey == NPS, score <= 6, score <= 2)
    high = np.where(survey == NPS, score >= 9, score >= 4)
    return np.where(low, -1, np.where(high, 1, 0))


def _languages(rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
    lang = _REGION_LANG[region]
    return np.where(rng.random(len(region)) < ENGLISH_P, _LANG["en"], lang)


def build_surveys(
    rng: np.random.Generator,
    pop: Population,
    act: Activity,
    tickets: pd.DataFrame,
    plan: SurveyPlan,
) -> pd.DataFrame:
    """The ``surveys`` table: planned answers, post-ticket CSAT and a few anonymous ones.

    The draws from ``rng`` come in a fixed order (the sample is reproducible byte for
    byte): the planned answers' times, the post-ticket CSAT, the anonymous answers, the
    channels, then the comments.
    """
    t = _planned_times(rng, pop, act, plan)
    tc, tt, t_score = _ticket_csat(rng, pop, tickets)
    k = max(MIN_ANONYMOUS, round(ANONYMOUS_SHARE * (len(plan.cust) + len(tc))))
    ac = np.full(k, -1)
    a_survey = np.where(rng.random(k) < ANONYMOUS_NPS_P, NPS, CSAT)
    a_sat = rng.beta(*ANONYMOUS_SAT_BETA, k)
    a_t = seasonal_times(rng, np.arange(k), np.zeros(k), np.full(k, PERIOD_END - DAY))

    all_c = np.concatenate([plan.cust, tc, ac])
    survey = np.concatenate([plan.survey, np.full(len(tc), CSAT), a_survey])
    score = np.concatenate([plan.score, t_score, _scores(rng, a_survey, a_sat, a_sat)])
    tp = np.concatenate(
        [
            plan.touchpoint,
            np.full(len(tc), "support", dtype=object),
            np.where(a_survey == CSAT, "store", None),
        ]
    )
    friction = np.concatenate([plan.friction, np.zeros(len(tc) + k, dtype=np.int64)])
    time = np.floor(np.concatenate([t, tt, a_t]))
    known = all_c >= 0
    persona = np.where(known, pop.persona[np.maximum(all_c, 0)], 0)

    w = persona_param("channel_w")[persona] * _SURVEY_CHANNELS
    channel = CHANNEL_NAMES[choice_rows(rng, w)]
    channel[~known] = np.where(a_survey == CSAT, "store", "web")
    comment = _comments(rng, pop, all_c, survey, score, tp, friction, persona)

    o = np.lexsort((all_c, time))
    ids = np.char.add("R", np.char.zfill(np.arange(1, len(all_c) + 1).astype(str), 8))
    return pd.DataFrame(
        {
            "_cust": all_c[o],
            "response_id": ids.astype(object),
            "customer_id": np.where(known[o], pop.ids[np.maximum(all_c[o], 0)], None),
            "responded_at": fmt_datetime(time[o]),
            "survey": SURVEYS[survey[o]],
            "score": score[o],
            "touchpoint": tp[o],
            "channel": channel[o],
            "comment": comment[o],
        }
    )


def _planned_times(
    rng: np.random.Generator, pop: Population, act: Activity, plan: SurveyPlan
) -> np.ndarray:
    """Times of the planned answers: anywhere in the active window, after the billing loop
    or the failed payment they are about."""
    cust, end = plan.cust, pop.end
    t = pop.t0[cust] + HOUR + rng.random(len(cust)) * (end[cust] - 2 * HOUR - pop.t0[cust])
    bl = plan.friction == BILLING_LOOP
    t[bl] = act.ep_time[plan.ep[bl]] + rng.uniform(*AFTER_LOOP, bl.sum())
    pf = plan.friction == PAYMENT_FAIL
    t[pf] = (pop.t0 + pop.span)[cust[pf]] + rng.uniform(*AFTER_FAILED_PAYMENT, pf.sum())
    return t


def _ticket_csat(
    rng: np.random.Generator, pop: Population, tickets: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSAT after a resolved ticket (lower after more contacts): customers, times, scores."""
    res = tickets[tickets["_resolved"].notna() & (rng.random(len(tickets)) < TICKET_CSAT_P)]
    tc = res["_cust"].to_numpy()
    tt = np.minimum(
        res["_resolved"].to_numpy() + rng.uniform(*AFTER_RESOLVED, len(tc)),
        pop.end[tc] - MINUTE,
    )
    penalty = SAT_PER_EXTRA_CONTACT * (res["contacts"].to_numpy() - 1)
    t_score = _scores(rng, np.full(len(tc), CSAT), pop.sat[tc] - penalty, pop.ease[tc])
    return tc, tt, t_score


def _comments(
    rng: np.random.Generator,
    pop: Population,
    all_c: np.ndarray,
    survey: np.ndarray,
    score: np.ndarray,
    tp: np.ndarray,
    friction: np.ndarray,
    persona: np.ndarray,
) -> np.ndarray:
    """Comments on the answers' themes in the region's languages (None: no comment); two
    carry the special cases a text pipeline must survive (scripts, quotes)."""
    m = len(all_c)
    known = all_c >= 0
    sentiment = _sentiment(survey, score)
    theme = sentiment_themes(rng, sentiment, _NEG_W[persona], _POS_W[persona])
    waited = (tp == "support") & (sentiment < 0) & (rng.random(m) < SUPPORT_WAITING_P)
    theme[waited] = THEME["waiting_time"]
    theme[(friction == BILLING_LOOP) & (sentiment <= 0)] = THEME["billing_error"]
    theme[(friction == PAYMENT_FAIL) & (sentiment <= 0)] = THEME["payment_failure"]
    region = np.where(
        known, pop.region[np.maximum(all_c, 0)], choice_rows(rng, np.tile(REGION_P, (m, 1)))
    )
    comment = phrases(rng, theme, _languages(rng, region))
    has_comment = rng.random(m) < COMMENT_P
    special = rng.choice(np.flatnonzero(has_comment), 2, replace=False)
    comment[special] = [SCRIPT_COMMENT, QUOTED_COMMENT]
    comment[~has_comment] = None
    return comment


_PLATFORMS = np.array(
    ["x", "facebook", "instagram", "reddit", "tiktok", "trustpilot"], dtype=object
)
_PLATFORM_P = np.array([0.30, 0.20, 0.18, 0.12, 0.10, 0.10])
_NEG_TAGS = np.array(["", "", " @ShopCo", " #fail", " 😡"], dtype=object)
_POS_TAGS = np.array(["", "", " @ShopCo", " #happycustomer", " 🙂"], dtype=object)


def build_mentions(rng: np.random.Generator, pop: Population) -> pd.DataFrame:
    """The ``mentions`` table: public posts, about a third by known customers."""
    m = max(10, round(0.3 * pop.n))
    weights = np.where(pop.persona == 2, 3.0, 1.0)
    known = rng.random(m) < 0.35
    cust = np.where(known, rng.choice(pop.n, m, p=weights / weights.sum()), -1)
    kc = cust[known]
    t = np.empty(m)
    t[known] = pop.t0[kc] + rng.random(len(kc)) * (pop.end[kc] - MINUTE - pop.t0[kc])
    anon = np.flatnonzero(~known)
    t[anon] = seasonal_times(
        rng, np.arange(len(anon)), np.zeros(len(anon)), np.full(len(anon), float(PERIOD_END))
    )
    sat = np.where(known, pop.sat[np.maximum(cust, 0)], rng.beta(2.5, 2.5, m)) + rng.normal(
        0, 0.15, m
    )
    sentiment = np.where(sat < 0.5, -1, np.where(sat < 0.7, 0, 1))
    theme = sentiment_themes(rng, sentiment, np.ones((m, 4)), np.ones((m, 3)))
    region = np.where(
        known, pop.region[np.maximum(cust, 0)], choice_rows(rng, np.tile(REGION_P, (m, 1)))
    )
    tags = np.where(
        sentiment < 0, _NEG_TAGS[rng.integers(0, 5, m)], _POS_TAGS[rng.integers(0, 5, m)]
    )
    text = phrases(rng, theme, _languages(rng, region)) + tags
    boost = np.where(sentiment < 0, 2.0, 1.0)
    likes = rng.negative_binomial(0.6, 0.6 / (0.6 + 12 * boost))
    shares = rng.negative_binomial(0.5, 0.5 / (0.5 + 1.5 * boost))
    comments = rng.negative_binomial(0.7, 0.7 / (0.7 + 2.5 * boost))
    platform = _PLATFORMS[rng.choice(len(_PLATFORMS), m, p=_PLATFORM_P)]

    t = np.floor(t)
    o = np.lexsort((cust, t))
    ids = np.char.add("M", np.char.zfill(np.arange(1, m + 1).astype(str), 7)).astype(object)
    return pd.DataFrame(
        {
            "mention_id": ids,
            "posted_at": fmt_datetime(t[o], sep="T", suffix="Z"),
            "platform": platform[o],
            "text": text[o],
            "likes": likes[o],
            "shares": shares[o],
            "comments": comments[o],
            "customer_id": np.where(known[o], pop.ids[np.maximum(cust[o], 0)], None),
        }
    )
