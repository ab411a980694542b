"""Plant the few invalid rows that validation must catch, and count them exactly.

Every other row of the generated tables satisfies every rule, so the counts returned here
are what a correct validator reports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.sample._common import DAY, HOUR, fmt_date, fmt_datetime
from cxlib.sample.customers import Population, orphan_ids

INVALID_COUNTS: dict[str, dict[str, int]] = {
    "customers": {"churn_before_signup": 2, "age_out_of_range": 2},
    "surveys": {"score_out_of_range": 3, "unparseable_date": 2},
    "tickets": {"response_before_open": 3},
    "orders": {"negative_amount": 2},
    "events": {"orphan_customer_id": 4},
}


def _rows(rng: np.random.Generator, candidates: np.ndarray, k: int) -> np.ndarray:
    if len(candidates) < k:
        raise ValueError("too few customers to plant the invalid rows; use at least 200")
    return np.sort(rng.choice(candidates, k, replace=False))


def plant_invalid(
    rng: np.random.Generator, tables: dict[str, pd.DataFrame], pop: Population
) -> dict[str, dict[str, int]]:
    """Modify ``tables`` in place (events get rows appended) and return the planted counts."""
    cu = tables["customers"]
    rows = _rows(rng, np.flatnonzero(pop.churned), 2)
    back = rng.integers(1, 90, 2)
    cu.loc[rows, "churn_date"] = fmt_date(pop.signup_day[rows] - back)
    rows = _rows(rng, np.setdiff1d(np.flatnonzero(~np.isnan(pop.age)), rows), 2)
    cu.loc[rows, "age"] = [150, -1]

    su = tables["surveys"]
    picks = [
        _rows(rng, np.flatnonzero(su["survey"].to_numpy() == s), 1)[0]
        for s in ("nps", "csat", "ces")
    ]
    su.loc[picks, "score"] = [11, 0, 7]
    rows = _rows(rng, np.setdiff1d(np.arange(len(su)), picks), 2)
    su.loc[rows, "responded_at"] = ["not a date", "2025-13-45"]

    ti = tables["tickets"]
    rows = _rows(rng, np.flatnonzero(ti["first_response_at"].notna().to_numpy()), 3)
    opened = ti["_open"].to_numpy()[rows]
    ti.loc[rows, "first_response_at"] = fmt_datetime(opened - rng.uniform(HOUR, 2 * DAY, 3))

    od = tables["orders"]
    rows = _rows(rng, np.arange(len(od)), 2)
    od.loc[rows, "amount"] = -od.loc[rows, "amount"]

    ev = tables["events"]
    ghost = np.repeat(orphan_ids(pop.ids, 2), 2)
    t = np.sort(rng.uniform(100 * DAY, 600 * DAY, 4))
    t[1::2] = t[::2] + rng.uniform(60, 600, 2)
    last_session = int(ev["session_id"].iloc[-1][1:]) if len(ev) else 0
    extra = pd.DataFrame(
        {
            "customer_id": ghost,
            "timestamp": fmt_datetime(t),
            "stage": ["awareness", "consideration"] * 2,
            "touchpoint": ["ad_click", "product_page"] * 2,
            "channel": ["web"] * 4,
            "session_id": [f"S{last_session + i:09d}" for i in (1, 1, 2, 2)],
        }
    )
    tables["events"] = pd.concat([ev, extra], ignore_index=True)
    return {table: dict(reasons) for table, reasons in INVALID_COUNTS.items()}
