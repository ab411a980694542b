"""Truth study of the action plan's sizing: does the excess churn's 95% CI cover the
planted excess, and is revenue at risk centred on the planted value?

Each world draws customers with a monthly revenue, marks a random share as affected and
plants their yearly churn probability above the others' by a random excess (0 in a fifth
of the worlds). Churn dates are drawn from a constant hazard over two years, so the
last-12-months reading (:data:`cxlib.actions.sizing.LAST_YEAR`) has a known truth, and a
snapshot flag (churned within the last year, no dates) the same one. Printed: the CI's
coverage of the planted excess in both designs, how often a zero excess is called clear
(CI above 0), and the median relative error of revenue at risk against its planted value.

    .venv/bin/python benchmarks/truth_actions.py [--worlds 200]
"""

from __future__ import annotations

import argparse
import math
import sys

import numpy as np
import pandas as pd

from cxlib.actions.sizing import Population

END = pd.Timestamp("2026-12-31", tz="UTC")


def world(seed: int) -> tuple[pd.DataFrame, np.ndarray, float, float]:
    """Customers with churn dates, the affected mask, the planted excess (points) and the
    planted revenue at risk a year."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3_000, 20_000))
    base = rng.uniform(0.05, 0.3)
    excess = 0.0 if seed % 5 == 0 else rng.uniform(0.02, 0.25)
    affected = rng.random(n) < rng.uniform(0.05, 0.3)
    p_year = np.where(affected, base + excess, base)
    hazard = -np.log1p(-p_year)  # per year
    start = END - pd.DateOffset(years=2)
    signup = start - pd.to_timedelta(rng.integers(0, 2000, n), unit="D")
    t = rng.exponential(1 / hazard) * 365.25  # days after the start of the two years
    churn = start + pd.to_timedelta(t, unit="D")
    churn = pd.Series(churn).where(churn <= END)
    revenue = rng.gamma(2.0, 20.0, n)
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "signup_date": signup,
            "churn_date": churn,
            "monthly_revenue": revenue,
        }
    )
    active = churn.isna().to_numpy()
    planted_revenue = float((revenue[affected & active] * 12).sum() * excess)
    return customers, affected, 100 * excess, planted_revenue


def study(worlds: int) -> dict[str, float]:
    """Run the worlds; return the figures."""
    cover_window = cover_snap = clear_zero = zeros = 0
    errors = []
    for seed in range(worlds):
        customers, affected, excess, revenue = world(seed)
        pop = Population.from_customers(customers, END)
        s = pop.size(affected)
        cover_window += s.excess_low <= excess <= s.excess_high
        # snapshot: churned within the last year among those active a year before the end
        year_ago = END - pd.DateOffset(years=1)
        alive = customers["churn_date"].isna() | (customers["churn_date"] > year_ago)
        snap = customers[alive.to_numpy()].assign(churned=lambda c: c["churn_date"].notna())
        snap = snap.drop(columns=["churn_date", "signup_date"])
        s2 = Population.from_customers(snap).size(
            customers.loc[affected & alive.to_numpy(), "customer_id"]
        )
        cover_snap += s2.excess_low <= excess <= s2.excess_high
        if excess == 0:
            zeros += 1
            clear_zero += s.clear
        elif revenue > 0:
            errors.append(abs(s.revenue - revenue) / revenue)
    return {
        "worlds": worlds,
        "coverage_last_year": cover_window / worlds,
        "coverage_snapshot": cover_snap / worlds,
        "zero_excess_called_clear": clear_zero / max(zeros, 1),
        "median_relative_revenue_error": float(np.median(errors)) if errors else math.nan,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=200)
    args = parser.parse_args(argv)
    r = study(args.worlds)
    print(f"action sizing truth study, {r['worlds']} worlds")
    print(
        f"  95% CI covers the planted excess churn (last 12 months): {r['coverage_last_year']:.1%}"
    )
    print(
        f"  95% CI covers the planted excess churn (snapshot):       {r['coverage_snapshot']:.1%}"
    )
    print(
        f"  zero planted excess called clear (CI above 0):           {r['zero_excess_called_clear']:.1%}"
    )
    print(
        f"  median relative error of revenue at risk:                {r['median_relative_revenue_error']:.1%}"
    )
    missed = [name for name, ok in targets(r).items() if not ok]
    print("targets: " + ("all met" if not missed else "MISSED " + ", ".join(missed)))
    return 1 if missed else 0


def targets(r: dict[str, float]) -> dict[str, bool]:
    """The study's targets: the CIs cover at about their nominal 95%, a zero excess is
    rarely called clear, and revenue at risk is close to its planted value."""
    return {
        "coverage_last_year >= 90%": r["coverage_last_year"] >= 0.90,
        "coverage_snapshot >= 90%": r["coverage_snapshot"] >= 0.90,
        "zero excess called clear <= 7.5%": r["zero_excess_called_clear"] <= 0.075,
        "median revenue error <= 20%": r["median_relative_revenue_error"] <= 0.20,
    }


if __name__ == "__main__":
    sys.exit(main())
