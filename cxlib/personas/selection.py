"""Choosing the number of personas: the scores of one k, and the choice among them.

:func:`score_k` measures one k-means clustering of the search sample: silhouette (on the
silhouette sample), Calinski-Harabasz and Davies-Bouldin indices, the smallest persona's
share, and the stability (mean adjusted Rand index against ``n_boot`` bootstrap refits,
each predicted back onto the search sample). :func:`choose_k` picks the k with the highest
silhouette among the k whose personas are large and stable enough, relaxing those
constraints in that order when no k meets them (and saying so).

Examples
--------
>>> scores = pd.DataFrame({"silhouette": [0.20, 0.25], "stability": [0.9, 0.5],
...                        "min_share": [0.10, 0.08]}, index=pd.Index([3, 4], name="k"))
>>> choose_k(scores, None, (3, 4), min_share=0.05, min_stability=0.6)[:2]
(3, '')
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)

from cxlib import wording

SEED_BOUND = 2**31 - 1
"""Seeds drawn for the k-means fits lie in [0, SEED_BOUND)."""


def score_k(
    Zs: np.ndarray, km: KMeans, sil_idx: np.ndarray, seed: int, n_boot: int, n_init: int
) -> dict[str, float]:
    """The scores of the clustering ``km`` of the search sample ``Zs``.

    Parameters
    ----------
    Zs : ndarray
        The search sample's model matrix (``km`` was fitted on it).
    km : KMeans
        The fitted clustering.
    sil_idx : ndarray
        Rows of ``Zs`` the silhouette is computed on (the same for every k: paired).
    seed : int
        Seed of the bootstrap resamples and refits.
    n_boot, n_init : int
        Bootstrap refits, and k-means++ starts per refit.

    Returns
    -------
    dict
        ``silhouette``, ``calinski_harabasz``, ``davies_bouldin``, ``stability``,
        ``stability_sd``, ``min_share`` (NaN where a score is undefined: one cluster).
    """
    lab = km.labels_
    k = km.n_clusters
    counts = np.bincount(lab, minlength=k)
    single = k < 2 or (counts > 0).sum() < 2
    sub = lab[sil_idx]
    sil = (
        float(silhouette_score(Zs[sil_idx], sub))
        if not single and len(np.unique(sub)) > 1
        else np.nan
    )
    ch = float(calinski_harabasz_score(Zs, lab)) if not single else np.nan
    db = float(davies_bouldin_score(Zs, lab)) if not single else np.nan
    boot_rng = np.random.default_rng(seed)
    aris = []
    for _ in range(n_boot):
        idx = boot_rng.integers(0, len(Zs), len(Zs))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duplicate points in a bootstrap resample
            kb = KMeans(k, n_init=n_init, random_state=int(boot_rng.integers(SEED_BOUND)))
            kb.fit(Zs[idx])
        aris.append(adjusted_rand_score(lab, kb.predict(Zs)))
    return {
        "silhouette": sil,
        "calinski_harabasz": ch,
        "davies_bouldin": db,
        "stability": float(np.mean(aris)) if aris else np.nan,
        "stability_sd": float(np.std(aris)) if aris else np.nan,
        "min_share": float(counts.min() / len(lab)),
    }


def choose_k(
    scores: pd.DataFrame,
    k: int | None,
    k_range: tuple[int, int],
    min_share: float,
    min_stability: float,
) -> tuple[int, str, pd.Series]:
    """The chosen k, a note when the constraints had to be relaxed, and which k were eligible.

    A given ``k`` is taken as it is (every row eligible).
    """
    if k is not None:
        return k, "", pd.Series(True, index=scores.index)
    size_ok = scores["min_share"] >= min_share
    stable_ok = scores["stability"].fillna(0) >= min_stability
    sil = scores["silhouette"].fillna(-np.inf)
    for mask, note in (
        (size_ok & stable_ok, ""),
        (size_ok, f"no k in {k_range} reached stability {min_stability}; "
         "chose by silhouette among k with large-enough personas"),
        (pd.Series(True, index=scores.index),
         f"no k in {k_range} kept every persona at {wording.percent(min_share)} of customers "
         "or more; chose by silhouette alone"),
    ):  # fmt: skip
        if mask.any():
            return int(sil[mask].idxmax()), note, size_ok & stable_ok
    raise AssertionError("unreachable")
