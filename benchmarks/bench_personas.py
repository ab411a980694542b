"""Time and peak memory of ``PersonaSegmenter(k=None).fit`` on 1,000,000 customers x 20 features.

The features are synthetic but shaped like :func:`cxlib.features.customer_features`: five
planted groups, money and counts with heavy right tails (log-normal, Poisson), shares in
[0, 1], some missing values. The fit chooses k in 3..8 (k-means on a 5,000-customer search
sample, silhouette on 2,000 of them, 5 bootstrap refits per k for the stability), then
refines the chosen k with ``MiniBatchKMeans`` on all customers. Target: under 60 s.
The adjusted Rand index against the planted groups is printed as a sanity check.

Peak memory is traced by ``tracemalloc`` (NumPy's allocations included) during the fit
only, next to the process's peak resident size (data generation included).

When ``data/bench/events_10000000`` exists (written by ``bench_load.py``, which ``make bench``
runs first), the time of :func:`cxlib.features.customer_features` on those 10 million events
is printed too (without and with a per-customer cutoff).

Run: ``make bench`` or ``python benchmarks/bench_personas.py [--customers N]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from cxlib.paths import DATA_DIR
from cxlib.personas.segmenter import PersonaSegmenter

N_FEATURES = 20
N_GROUPS = 5


def make_features(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` customers x 20 features in five planted groups; returns (features, group)."""
    rng = np.random.default_rng(seed)
    group = rng.choice(N_GROUPS, n, p=[0.28, 0.18, 0.14, 0.2, 0.2])
    centre = rng.normal(0, 1.2, (N_GROUPS, N_FEATURES))
    latent = centre[group] + rng.normal(0, 1, (n, N_FEATURES))
    cols = {}
    for j in range(N_FEATURES):
        x = latent[:, j]
        if j < 5:  # money: log-normal
            cols[f"money_{j}"] = np.exp(3 + 0.6 * x)
        elif j < 10:  # counts: Poisson
            cols[f"count_{j}"] = rng.poisson(np.exp(0.5 + 0.5 * x)).astype(float)
        elif j < 15:  # shares
            cols[f"share_{j}"] = 1 / (1 + np.exp(-x))
        else:  # scores / ages
            cols[f"score_{j}"] = 5 + 1.5 * x
    frame = pd.DataFrame(cols, index=pd.Index(np.arange(n).astype(str), name="customer_id"))
    for j in (0, 11, 16):  # a few missing values
        frame.iloc[rng.random(n) < 0.05, j] = np.nan
    return frame, group


def bench_features(folder: Path) -> None:
    """Time ``customer_features`` on the load benchmark's events (if generated)."""
    import cxlib
    from cxlib.features import customer_features

    cx = cxlib.load(folder, tables=["customers", "events"])
    t0 = time.perf_counter()
    X = customer_features(cx)
    plain = time.perf_counter() - t0
    cutoff = cx.customers.set_index("customer_id")["signup_date"] + pd.Timedelta(days=200)
    t0 = time.perf_counter()
    customer_features(cx, cutoff=cutoff)
    cut = time.perf_counter() - t0
    print(
        f"features: customer_features on {len(cx.events):,} events of {len(X):,} customers in "
        f"{plain:.1f} s ({len(cx.events) / plain / 1e6:.1f} M events/s); with a per-customer "
        f"cutoff {cut:.1f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    X, group = make_features(args.customers)
    t_gen = time.perf_counter() - t0

    tracemalloc.start()
    t0 = time.perf_counter()
    seg = PersonaSegmenter(k=None, random_state=0).fit(X)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ari = adjusted_rand_score(group, seg.labels_)
    data_mb = X.memory_usage(deep=True).sum() / 2**20
    print(
        f"personas: PersonaSegmenter(k=None).fit on {len(X):,} customers x {X.shape[1]} features "
        f"in {seconds:.1f} s (target 60); peak traced memory during the fit {peak / 2**20:,.0f} MB "
        f"(input {data_mb:,.0f} MB), process peak {rss:,.0f} MB"
    )
    scores = seg.k_scores_
    print(
        f"  chose k={seg.k_} (planted {N_GROUPS}), ARI vs planted {ari:.3f}; silhouette by k "
        + ", ".join(f"{k}: {s:.3f}" for k, s in scores["silhouette"].items())
        + "; stability by k "
        + ", ".join(f"{k}: {s:.2f}" for k, s in scores["stability"].items())
        + f"; data generated in {t_gen:.1f} s"
    )
    events = DATA_DIR / "bench" / "events_10000000"
    if (events / "events.parquet").exists():
        bench_features(events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
