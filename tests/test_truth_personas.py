"""The persona truth study's fast subset: planted personas recovered on small random worlds.

The same targets as ``benchmarks/truth_personas.py`` (issue 12) on a few worlds of 2,000
customers (about 15 s): clear worlds k exact in >= 80%, median ARI >= 0.90, none below 0.6;
worlds without structure warned in >= 90%; every persona a distinct name. With the real
data sets: Mall_Customers on income and spending score recovers the textbook five groups
(ARI >= 0.95 against the nearest of the five published k-means centres, which k-means k = 5
on the two standardised columns reproduces exactly), and the two bank data sets, whose
best silhouettes are low (about 0.1-0.15), carry the weak-structure warning.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from cxlib.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from truth_personas import fast_worlds, mall_reference, real_data, recovery, run  # noqa: E402


def test_fast_subset_recovers_the_planted_personas():
    result = run(fast_worlds(), verbose=False)
    figures = result["figures"]
    assert figures["clear_worlds"] >= 4 and figures["none_worlds"] >= 3
    assert figures["targets_met"] == dict.fromkeys(figures["targets_met"], True), result
    assert figures["k_exact_share"] >= 0.8 and figures["min_ari"] >= 0.6
    assert figures["median_ari"] >= 0.9 and figures["none_warned_share"] >= 0.9


def test_recovery_figures_count_what_they_say():
    lines = [
        {"separation": "clear", "true_k": 4, "chosen_k": 4, "ari": 0.95, "warning": False,
         "names_distinct": True},
        {"separation": "clear", "true_k": 5, "chosen_k": 4, "ari": 0.55, "warning": False,
         "names_distinct": True},
        {"separation": "none", "true_k": 1, "chosen_k": 3, "ari": 0.0, "warning": True,
         "names_distinct": True},
    ]  # fmt: skip
    f = recovery(lines)
    assert f["k_exact_share"] == 0.5 and f["min_ari"] == 0.55 and f["median_ari"] == 0.75
    assert f["none_warned_share"] == 1.0
    assert not f["targets_met"]["k_exact"] and not f["targets_met"]["min_ari"]


def test_mall_reference_is_the_k_means_result(shared_dir):
    import pandas as pd

    raw = pd.read_csv(shared_dir / "data" / "real" / "mall_customers" / "Mall_Customers.csv")
    V = raw[["Annual Income (k$)", "Spending Score (1-100)"]].to_numpy(float)
    ref = mall_reference(V[:, 0], V[:, 1])
    assert sorted(np.bincount(ref).tolist()) == [22, 23, 35, 39, 81]
    Z = (V - V.mean(axis=0)) / V.std(axis=0)
    km = KMeans(5, n_init=20, random_state=0).fit_predict(Z)
    assert adjusted_rand_score(ref, km) >= 0.99


def test_real_data_textbook_groups_and_warnings(shared_dir):
    out = real_data(shared_dir / "data" / "real")
    mall = out["mall_customers"]
    assert mall["k"] == 5 and mall["ari_vs_textbook"] >= 0.95 and mall["structure"] == "clear"
    assert len(set(mall["names"])) == 5
    assert not any(n.startswith("Typical") for n in mall["names"])
    for name in ("bank_churn_modelling", "credit_card_churners"):
        r = out[name]
        assert r["structure"] == "weak" or r["silhouette"] >= 0.25, r
        assert len(set(r["names"])) == r["k"]
        assert not any(n.startswith("Customers (") for n in r["names"])


@pytest.mark.parametrize("separation", ["clear", "overlapping", "none"])
def test_worlds_are_seeded_and_hold_their_truth(separation):
    from cxlib.sample.persona_worlds import persona_world

    a = persona_world(2_000, 6, separation, seed=3)
    b = persona_world(2_000, 6, separation, seed=3)
    for name, frame in a.tables.items():
        assert frame.equals(b.tables[name]), name
    k = 1 if separation == "none" else 6
    assert a.truth["k"] == k and set(np.unique(a.persona)) == set(range(1, k + 1))
    plan = a.tables["customers"]["plan"].to_numpy()
    held = [np.mean(plan[a.persona == p] == "premium") for p in range(1, k + 1)]
    assert held[a.truth["plan_confounded_with"] - 1] >= 0.7
