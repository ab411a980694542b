"""Constants, persona parameters and small vectorised helpers shared by the sample generator.

Time is handled as ``int64`` seconds since :data:`PERIOD_START` (naive UTC) until the
tables are written; :func:`fmt_datetime` and :func:`fmt_date` turn those into ISO 8601
strings.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from cxlib.contract import DEFAULT_STAGE_ORDER

# --- period -------------------------------------------------------------------------------
PERIOD_START = np.datetime64("2024-10-01", "D")
PERIOD_DAYS = 730  # 2024-10-01 .. 2026-09-30, both included
PERIOD = {"start": "2024-10-01", "end": "2026-09-30"}
MINUTE = 60
HOUR = 3_600
DAY = 86_400
MONTH = 30.44 * DAY
PERIOD_END = PERIOD_DAYS * DAY  # exclusive, in seconds since PERIOD_START
LAST_SIGNUP_DAY = PERIOD_DAYS - 60  # everybody has at least 60 days of history
MIN_CHURN_DAYS = 30  # churn_date >= signup_date + 30 days

# --- journey ------------------------------------------------------------------------------
STAGES = DEFAULT_STAGE_ORDER
TOUCHPOINTS = (
    ("ad_click", 0),
    ("social_post", 0),
    ("search", 0),
    ("product_page", 1),
    ("compare_plans", 1),
    ("reviews", 1),
    ("cart", 2),
    ("checkout", 2),
    ("payment", 2),
    ("onboarding_email", 3),
    ("app_login", 3),
    ("feature_use", 3),
    ("billing_page", 3),
    ("referral", 4),
    ("renewal", 4),
    ("loyalty_reward", 4),
)
TP = {name: code for code, (name, _) in enumerate(TOUCHPOINTS)}
TP_NAMES = np.array([name for name, _ in TOUCHPOINTS], dtype=object)
TP_STAGE = np.array([stage for _, stage in TOUCHPOINTS])
AWARENESS_TPS = np.array([TP["ad_click"], TP["social_post"], TP["search"]])
CONSIDERATION_TPS = np.array([TP["product_page"], TP["compare_plans"], TP["reviews"]])

CHANNELS = ("web", "app", "email", "social", "phone", "store")
CHANNEL_NAMES = np.array(CHANNELS, dtype=object)
DIGITAL_CHANNELS = ("web", "app", "email", "social", "chat")
# channels each touchpoint can happen in (rows follow TOUCHPOINTS, columns CHANNELS)
_ALLOWED = {
    "ad_click": "web app social",
    "social_post": "social",
    "search": "web app",
    "product_page": "web app store",
    "compare_plans": "web app store phone",
    "reviews": "web app social",
    "cart": "web app store phone",
    "checkout": "web app store phone",
    "payment": "web app store phone",
    "onboarding_email": "email",
    "app_login": "app",
    "feature_use": "app web",
    "billing_page": "web app",
    "referral": "web app social email store",
    "renewal": "web app email phone store",
    "loyalty_reward": "app web email store",
}
ALLOWED = np.array(
    [[ch in _ALLOWED[name].split() for ch in CHANNELS] for name, _ in TOUCHPOINTS], dtype=float
)
ORDER_CHANNELS = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 1.0])  # web, app, phone, store

TICKET_CHANNELS = np.array(["phone", "email", "chat", "social", "store"], dtype=object)
TICKET_CATEGORIES = np.array(
    ["billing", "technical", "delivery", "account", "payment"], dtype=object
)

REGIONS = np.array(
    ["UK & Ireland", "North America", "Czechia", "DACH", "Iberia", "Slovenia", "Greater China"],
    dtype=object,
)
REGION_P = np.array([0.36, 0.25, 0.11, 0.10, 0.08, 0.05, 0.05])
REGION_LANG = np.array(["en", "en", "cs", "de", "es", "sl", "zh"], dtype=object)
GENDERS = np.array(["female", "male", "non-binary"], dtype=object)
PLANS = np.array(["basic", "standard", "premium"], dtype=object)
PLAN_FEE = np.array([4.99, 9.99, 19.99])
INCOME_BANDS = np.array(["<25k", "25-50k", "50-100k", ">100k"], dtype=object)

# --- personas -----------------------------------------------------------------------------
# One row per persona. Rates are per active month; tickets and unresolved = (minimum,
# extra Poisson mean). Channel weights follow CHANNELS,
# ticket channel weights follow TICKET_CHANNELS.
PERSONAS: tuple[dict, ...] = (
    {
        "id": 1,
        "name": "Young digital bargain hunters",
        "share": 0.28,
        "description": "18-30, app and web first, basic plan, low revenue from many small "
        "orders, average satisfaction, few tickets.",
        "age": (24.0, 3.0, 18, 31),
        "income_p": (0.45, 0.40, 0.13, 0.02),
        "plan_p": (0.72, 0.23, 0.05),
        "signup_beta": (3.0, 1.1),
        "channel_w": (0.30, 0.52, 0.04, 0.12, 0.01, 0.01),
        "ticket_channel_w": (0.05, 0.22, 0.55, 0.17, 0.01),
        "preferred_channel": "app",
        "orders_pm": 0.45,
        "order_value": 22.0,
        "tickets": (0, 0.6),
        "unresolved": (0, 0.10),
        "ticket_speed": 1.0,
        "sat": 0.72,
        "ease": 0.68,
        "bounce": 0.01,
        "abandon": 0.05,
        "looper": 0.05,
        "logins_pm": 0.30,
        "browse_pm": 0.25,
    },
    {
        "id": 2,
        "name": "Premium loyalists",
        "share": 0.18,
        "description": "40-65, high income, premium plan, high revenue and order value, "
        "high NPS, few tickets, long tenure.",
        "age": (52.0, 6.0, 38, 68),
        "income_p": (0.02, 0.10, 0.38, 0.50),
        "plan_p": (0.04, 0.18, 0.78),
        "signup_beta": (1.0, 3.0),
        "channel_w": (0.38, 0.30, 0.14, 0.02, 0.07, 0.09),
        "ticket_channel_w": (0.30, 0.38, 0.22, 0.00, 0.10),
        "preferred_channel": "web",
        "orders_pm": 0.25,
        "order_value": 165.0,
        "tickets": (0, 0.4),
        "unresolved": (0, 0.04),
        "ticket_speed": 0.6,
        "sat": 0.90,
        "ease": 0.86,
        "bounce": 0.0,
        "abandon": 0.03,
        "looper": 0.03,
        "logins_pm": 0.20,
        "browse_pm": 0.15,
    },
    {
        "id": 3,
        "name": "Support-heavy strugglers",
        "share": 0.14,
        "description": "Many support tickets, slow answers and unresolved cases, repeated "
        "billing problems, low CSAT, NPS and CES.",
        "age": (41.0, 9.0, 22, 70),
        "income_p": (0.22, 0.42, 0.28, 0.08),
        "plan_p": (0.40, 0.45, 0.15),
        "signup_beta": (1.0, 1.0),
        "channel_w": (0.30, 0.26, 0.10, 0.05, 0.24, 0.05),
        "ticket_channel_w": (0.42, 0.25, 0.23, 0.08, 0.02),
        "preferred_channel": "phone",
        "orders_pm": 0.16,
        "order_value": 55.0,
        "tickets": (3, 1.5),
        "unresolved": (1, 0.45),
        "ticket_speed": 3.0,
        "sat": 0.28,
        "ease": 0.30,
        "bounce": 0.005,
        "abandon": 0.06,
        "looper": 0.45,
        "logins_pm": 0.30,
        "browse_pm": 0.15,
    },
    {
        "id": 4,
        "name": "Traditional store & phone shoppers",
        "share": 0.20,
        "description": "55+, shop in store and by phone, medium revenue, few digital events, "
        "satisfied, long tenure.",
        "age": (66.0, 6.0, 55, 88),
        "income_p": (0.18, 0.42, 0.32, 0.08),
        "plan_p": (0.28, 0.57, 0.15),
        "signup_beta": (1.2, 2.0),
        "channel_w": (0.05, 0.01, 0.07, 0.00, 0.40, 0.47),
        "ticket_channel_w": (0.62, 0.04, 0.00, 0.00, 0.34),
        "preferred_channel": "store",
        "orders_pm": 0.20,
        "order_value": 75.0,
        "tickets": (0, 0.8),
        "unresolved": (0, 0.08),
        "ticket_speed": 0.8,
        "sat": 0.74,
        "ease": 0.70,
        "bounce": 0.0,
        "abandon": 0.05,
        "looper": 0.02,
        "logins_pm": 0.03,
        "browse_pm": 0.10,
    },
    {
        "id": 5,
        "name": "Occasional browsers",
        "share": 0.20,
        "description": "Mostly awareness and consideration events, rare small orders, often "
        "abandon at payment, lukewarm satisfaction.",
        "age": (47.0, 7.0, 28, 75),
        "income_p": (0.25, 0.40, 0.28, 0.07),
        "plan_p": (0.78, 0.18, 0.04),
        "signup_beta": (1.3, 1.8),
        "channel_w": (0.55, 0.17, 0.08, 0.18, 0.01, 0.01),
        "ticket_channel_w": (0.05, 0.45, 0.35, 0.15, 0.00),
        "preferred_channel": "web",
        "orders_pm": 0.05,
        "order_value": 30.0,
        "tickets": (0, 0.3),
        "unresolved": (0, 0.05),
        "ticket_speed": 1.2,
        "sat": 0.44,
        "ease": 0.52,
        "bounce": 0.16,
        "abandon": 0.72,
        "looper": 0.04,
        "logins_pm": 0.05,
        "browse_pm": 1.20,
    },
)


def persona_param(key: str) -> np.ndarray:
    """Array (one entry or row per persona) of a persona parameter."""
    return np.array([p[key] for p in PERSONAS], dtype=object if key == "name" else None)


# --- journey endings ----------------------------------------------------------------------
# Last touchpoint of converted customers: spread so that no single touchpoint collects many
# journey ends (payment abandonment must stand out).
FINAL_TPS = np.array(
    [
        TP["app_login"],
        TP["feature_use"],
        TP["renewal"],
        TP["loyalty_reward"],
        TP["referral"],
        TP["product_page"],
        TP["search"],
        TP["reviews"],
        TP["social_post"],
        TP["compare_plans"],
        TP["ad_click"],
        TP["billing_page"],
    ]
)
FINAL_P = np.array([0.12, 0.12, 0.11, 0.11, 0.05, 0.10, 0.08, 0.08, 0.07, 0.06, 0.05, 0.05])
# last touchpoint of customers who never start a purchase
BOUNCE_TPS = np.concatenate([AWARENESS_TPS, CONSIDERATION_TPS])
BOUNCE_P = np.array([0.08, 0.08, 0.14, 0.30, 0.20, 0.20])

# --- churn model (log-odds) ---------------------------------------------------------------
CHURN_INTERCEPT = -1.75
CHURN_PER_UNRESOLVED = 0.75  # per unresolved ticket
CHURN_PER_CES_POINT = -0.85  # per point of mean CES above 3 (5 = very easy)
CHURN_BASIC_PLAN = 0.85  # plan == "basic"


# --- helpers ------------------------------------------------------------------------------
def choice_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Draw one column index per row of a (n, k) weight matrix (rows need not sum to 1)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def spread(
    rng: np.random.Generator, counts: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Repeat each customer ``counts`` times and draw uniform times in ``[lo, hi)``.

    Returns the customer index and the times (float seconds). Customers with ``hi <= lo``
    get no draws.
    """
    counts = np.where(hi > lo, counts, 0)
    idx = np.repeat(np.arange(len(counts)), counts)
    return idx, lo[idx] + rng.random(len(idx)) * (hi - lo)[idx]


@lru_cache(maxsize=1)
def _season_cdf() -> tuple[np.ndarray, np.ndarray]:
    """Cumulative order intensity over the period at daily knots (peak Nov-Dec, summer dip)."""
    days = PERIOD_START + np.arange(PERIOD_DAYS)
    doy = (days - days.astype("datetime64[Y]")).astype(int)
    weekday = (days.astype(int) + 3) % 7  # 0 = Monday
    w = (
        1.0
        + 2.0 * np.exp(-0.5 * ((doy - 340) / 16.0) ** 2)  # Black Friday to Christmas
        + 0.8 * np.exp(-0.5 * ((doy - 318) / 9.0) ** 2)
        - 0.45 * np.exp(-0.5 * ((doy - 205) / 30.0) ** 2)  # summer
        + 0.12 * (weekday >= 5)
    )
    knots = np.arange(PERIOD_DAYS + 1) * float(DAY)
    return knots, np.concatenate([[0.0], np.cumsum(w)])


def seasonal_times(
    rng: np.random.Generator, idx: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Draw one seasonal time per entry of ``idx`` in ``[lo[idx], hi[idx])`` (inverse CDF)."""
    knots, cum = _season_cdf()
    c_lo = np.interp(lo[idx], knots, cum)
    c_hi = np.interp(hi[idx], knots, cum)
    t = np.interp(c_lo + rng.random(len(idx)) * (c_hi - c_lo), cum, knots)
    return np.clip(t, lo[idx], np.nextafter(hi[idx], lo[idx]))


def segment_cumsum(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at every segment (segments given by their lengths)."""
    cs = np.cumsum(values)
    starts = np.cumsum(lengths) - lengths
    offsets = np.repeat(np.concatenate([[0.0], cs])[starts], lengths)
    return cs - offsets


def rank_within(groups: np.ndarray) -> np.ndarray:
    """0-based position of each element within its run of equal (sorted) group values."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = groups[1:] != groups[:-1]
    start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    return np.arange(n) - start


@lru_cache(maxsize=1)
def _clock() -> tuple[np.ndarray, np.ndarray]:
    days = np.datetime_as_string(PERIOD_START + np.arange(-400, PERIOD_DAYS + 400), unit="D")
    sec = np.arange(DAY)
    hms = np.char.add(
        np.char.add(np.char.zfill((sec // HOUR).astype(str), 2), ":"),
        np.char.add(
            np.char.add(np.char.zfill((sec // MINUTE % 60).astype(str), 2), ":"),
            np.char.zfill((sec % 60).astype(str), 2),
        ),
    )
    return days.astype(object), hms.astype(object)


def fmt_datetime(seconds: np.ndarray, sep: str = " ", suffix: str = "") -> np.ndarray:
    """ISO 8601 strings (``YYYY-MM-DD HH:MM:SS``) for seconds since the period start."""
    days, hms = _clock()
    s = np.floor(seconds).astype(np.int64)
    return days[s // DAY + 400] + sep + hms[s % DAY] + suffix


def fmt_date(day: np.ndarray) -> np.ndarray:
    """``YYYY-MM-DD`` strings for day numbers since the period start."""
    days, _ = _clock()
    return days[np.asarray(day, dtype=np.int64) + 400]
