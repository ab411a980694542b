"""The churn truth study's fast subset and the churn worlds' own truths.

The worlds (:mod:`cxlib.sample.churn_worlds`) are checked against their truth without the
churn package: seeded, valid in the data contract, no activity on or after a churn date,
the plan marking the ticket-prone customers, the ticket count collinear with unresolved
tickets, and a plain as-of logistic regression finding the planted directions (and
nothing in a world without signal). The fast subset of ``benchmarks/truth_churn.py``
(one world of each kind, 4,000 customers) then asserts the targets of issue 13 on
:func:`cxlib.churn.churn_study`.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from cxlib.paths import PROJECT_ROOT
from cxlib.sample.churn_worlds import END, KINDS, churn_world

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from truth_churn import (  # noqa: E402
    as_of_table,
    check,
    fast_worlds,
    reference_auc,
    run,
    summarise,
)


@pytest.mark.parametrize("kind", list(KINDS))
def test_worlds_are_seeded_and_hold_their_truth(kind):
    a, b = churn_world(kind, 1_500, seed=4), churn_world(kind, 1_500, seed=4)
    for name, frame in a.tables.items():
        assert frame.equals(b.tables[name]), name
    assert not churn_world(kind, 1_500, seed=5).tables["tickets"].equals(a.tables["tickets"])
    assert [d["feature"] for d in a.truth["drivers"]] == list(KINDS[kind])
    c = a.tables["customers"]
    assert (c["churned"] == c["churn_date"].notna()).all()
    assert (c["churn_date"].dropna() > c.loc[c["churned"], "signup_date"]).all()
    assert (c["churn_date"].dropna() <= pd.Timestamp(END)).all()


def test_no_activity_on_or_after_the_churn_date_and_the_world_loads_clean(tmp_path):
    import cxlib

    world = churn_world("support_ces_products", 2_000, seed=1)
    c = world.tables["customers"].set_index("customer_id")
    for name, col in (("tickets", "opened_at"), ("surveys", "responded_at")):
        t = world.tables[name]
        churn = t["customer_id"].map(c["churn_date"])
        assert not (t[col] >= churn).any(), name
        assert (t[col] >= t["customer_id"].map(c["signup_date"])).all(), name
    cx = cxlib.load(world.write(tmp_path / "w"))
    assert cx.quality.rows_excluded == 0
    assert {k: len(v) for k, v in cx.tables.items()} == {k: len(v) for k, v in world.tables.items()}


def test_plan_marks_the_ticket_prone_and_ticket_count_tracks_unresolved():
    world = churn_world("none", 6_000, seed=2)
    c = world.tables["customers"].set_index("customer_id")
    t = world.tables["tickets"]
    slow = (t["resolved_at"] - t["opened_at"]).dt.days.gt(7) | t["resolved_at"].isna()
    per_customer = slow.groupby(t["customer_id"]).mean().reindex(c.index).fillna(0)
    standard = c["plan"] == "standard"
    assert per_customer[standard].mean() > 3 * per_customer[~standard].mean()
    assert world.truth["collinear"][0]["correlation"] >= 0.6
    conf = world.truth["confounders"][0]
    assert conf["share_of_prone"] >= 0.75 and conf["share_of_others"] <= 0.15


def test_a_plain_as_of_reference_finds_the_planted_directions():
    from sklearn.linear_model import LogisticRegression

    world = churn_world("support_tenure_ces", 8_000, seed=3)
    Z, y, _ = as_of_table(world, ["unresolved_tickets", "tenure_days", "ces_mean"])
    coef = LogisticRegression(max_iter=1_000).fit(Z, y).coef_[0]
    assert coef[0] > 0.1 and coef[1] < -0.1 and coef[2] < -0.1, coef
    assert reference_auc(world) >= 0.65
    assert reference_auc(churn_world("none", 8_000, seed=3)) <= 0.56


def test_products_churn_is_u_shaped_in_the_data():
    world = churn_world("support_tenure_products", 10_000, seed=6)
    c = world.tables["customers"]
    rate = c.groupby("products")["churned"].mean()
    assert rate[2.0] < rate[1.0] and rate[2.0] < rate[3.0] and rate[2.0] < rate[4.0], rate
    flat = churn_world("support_tenure_ces", 10_000, seed=6).tables["customers"]
    spread = flat.groupby("products")["churned"].mean()
    assert spread.max() - spread.min() < rate[3.0] - rate[2.0]


def test_recovery_figures_count_what_they_say():
    def line(kind, signal, top3, auc, reliable=None, conf=(), per_unit=(), shapes=None):
        return {
            "kind": kind, "signal": signal, "top3": top3, "top3_significant": top3,
            "collinear_grouped": True if signal else None, "confounder_above": list(conf),
            "per_unit_sentences": list(per_unit), "cv_auc": auc, "reference_auc": auc,
            "drivers_reliable": reliable, "page_says_unreliable": False, "seconds": 1.0,
            "shapes": shapes or {}, "ranks": {"products": 1.0} if shapes else {},
        }  # fmt: skip

    lines = [
        line("support_tenure_ces", True, True, 0.8),
        line("support_tenure_products", True, False, 0.7, shapes={"products": "increasing"},
             per_unit=["Each +1 in products raises the odds"]),
        line("support_ces_products", True, True, 0.75, conf=["plan (1) above x (2)"]),
        line("none", False, False, 0.58, reliable=False),
    ]  # fmt: skip
    s = summarise(lines)
    assert s["top3_share"] == pytest.approx(2 / 3)
    assert s["confounder_above_cause"] == 1 and s["per_unit_sentences_nonlinear"] == 1
    assert s["none_said_unreliable"] == 1 and s["u_shape_named"] == 0.0
    assert s["shape_right"]["products"] == 0.0 and np.isnan(s["shape_right"]["ces_mean"])
    assert s["targets_met"] == {
        "top3": False, "confounder": False, "nonlinear_wording": False, "none_auc": False,
        "none_unreliable": True,
    }  # fmt: skip
    assert len(check(s)) == 4
    lines[-1]["drivers_reliable"] = None  # the flag missing is not a pass
    assert not summarise(lines)["targets_met"]["none_unreliable"]


@pytest.mark.slow
def test_fast_subset_recovers_the_planted_drivers():
    results, summary = run(fast_worlds(), verbose=False)
    assert summary["worlds"] == len(KINDS)
    no_flag = any(r["drivers_reliable"] is None for r in results)
    no_shape = any(v is None for r in results for v in r["shapes"].values())
    if no_flag or no_shape:
        pytest.xfail(
            "waits on the churn rewrite (issue 13): drivers_ 'shape' and summary()"
            f"['drivers_reliable'] missing; figures so far: {check(summary)}"
        )
    assert check(summary) == [], results
    assert summary["top3_share"] == 1.0 and summary["u_shape_named"] == 1.0
    assert all(r["seconds"] < 30 for r in results), [r["seconds"] for r in results]
    assert np.isfinite(summary["none_auc_max"])
