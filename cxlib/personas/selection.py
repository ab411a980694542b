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
BOOT_N_INIT = 3
"""k-means++ starts of each bootstrap refit (the refits only measure agreement)."""
TIE = 0.01
"""Criterion differences below this (2.5 standard errors of a silhouette) are ties."""
MIN_GAIN = 0.05
"""Silhouette over the no-structure reference below which the groups are called weak."""
MIN_CLEAR_STABILITY = 0.8
"""Bootstrap stability below which the groups are called weak."""
WEAK = "the customers do not fall into distinct groups; these {k} segments are a convenience split"
"""The findings sentence of weak structure ({k}: the number of segments)."""


def null_reference(Zs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A copy of ``Zs`` without cluster structure: each principal component permuted apart.

    The rows are rotated to their principal components, each component's values are
    shuffled independently, and the result is rotated back. Every component keeps its
    distribution (skew, ties of counts, point masses such as zero balances) and the
    columns keep their covariance, but whatever groups the components formed *together*
    is gone. k-means finds some silhouette in any data (in ten dimensions a single
    Gaussian gives about 0.1 at k = 5); the silhouette of the same k on this reference is
    that baseline, and only the excess over it is evidence of groups (the idea of the gap
    statistic, Tibshirani, Walther & Hastie 2001, with a permutation reference).

    Examples
    --------
    >>> Z = np.random.default_rng(0).normal(size=(100, 3))
    >>> R = null_reference(Z, np.random.default_rng(1))
    >>> R.shape, bool(np.allclose(np.cov(R.T), np.cov(Z.T), atol=0.3))
    ((100, 3), True)
    """
    centre = Zs.mean(axis=0)
    _, _, vt = np.linalg.svd(Zs - centre, full_matrices=False)
    pcs = (Zs - centre) @ vt.T
    shuffled = np.column_stack([rng.permutation(pcs[:, j]) for j in range(pcs.shape[1])])
    return shuffled @ vt + centre


def score_k(
    Zs: np.ndarray,
    km: KMeans,
    sil_idx: np.ndarray,
    seed: int,
    n_boot: int,
    n_init: int,
    null: np.ndarray | None = None,
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
        Bootstrap refits, and k-means++ starts of the reference fit (the bootstrap
        refits use :data:`BOOT_N_INIT`).
    null : ndarray, optional
        :func:`null_reference` of ``Zs``: its k-means silhouette (same k, same rows) is
        ``null_silhouette``, and ``gain`` = silhouette - null_silhouette.

    Returns
    -------
    dict
        ``silhouette``, ``null_silhouette``, ``gain``, ``calinski_harabasz``,
        ``davies_bouldin``, ``stability``, ``stability_sd``, ``min_share`` (NaN where a
        score is undefined: one cluster, or no reference).
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
            kb = KMeans(k, n_init=BOOT_N_INIT, random_state=int(boot_rng.integers(SEED_BOUND)))
            kb.fit(Zs[idx])
        aris.append(adjusted_rand_score(lab, kb.predict(Zs)))
    null_sil = _null_silhouette(null, k, sil_idx, seed, n_init) if not single else np.nan
    return {
        "silhouette": sil,
        "null_silhouette": null_sil,
        "gain": sil - null_sil,
        "calinski_harabasz": ch,
        "davies_bouldin": db,
        "stability": float(np.mean(aris)) if aris else np.nan,
        "stability_sd": float(np.std(aris)) if aris else np.nan,
        "min_share": float(counts.min() / len(lab)),
    }


def _null_silhouette(
    null: np.ndarray | None, k: int, sil_idx: np.ndarray, seed: int, n_init: int
) -> float:
    """The k-means silhouette of the no-structure reference (NaN without one)."""
    if null is None:
        return np.nan
    lab = KMeans(k, n_init=n_init, random_state=seed).fit_predict(null)
    sub = lab[sil_idx]
    return float(silhouette_score(null[sil_idx], sub)) if len(np.unique(sub)) > 1 else np.nan


def choose_k(
    scores: pd.DataFrame,
    k: int | None,
    k_range: tuple[int, int],
    min_share: float,
    min_stability: float,
) -> tuple[int, str, pd.Series]:
    """The chosen k, a note when the constraints had to be relaxed, and which k were eligible.

    The chosen k has the highest silhouette gain over the no-structure reference (the
    silhouette itself when ``scores`` has no ``gain``) among the k whose smallest persona
    holds ``min_share`` and whose bootstrap stability reaches ``min_stability``; k whose
    gains differ by less than :data:`TIE` are tied and the most stable of them wins: two
    criteria, separation beyond chance and reproducibility. A given ``k`` is taken as it
    is (every row eligible).
    """
    if k is not None:
        return k, "", pd.Series(True, index=scores.index)
    size_ok = scores["min_share"] >= min_share
    stable_ok = scores["stability"].fillna(0) >= min_stability
    by = "gain" if "gain" in scores and scores["gain"].notna().any() else "silhouette"
    crit = scores[by].fillna(-np.inf)
    what = "silhouette gain" if by == "gain" else "silhouette"
    for mask, note in (
        (size_ok & stable_ok, ""),
        (size_ok, f"no k in {k_range} reached stability {min_stability}; "
         f"chose by {what} among k with large-enough personas"),
        (pd.Series(True, index=scores.index),
         f"no k in {k_range} kept every persona at {wording.percent(min_share)} of customers "
         f"or more; chose by {what} alone"),
    ):  # fmt: skip
        if mask.any():
            return _best(crit[mask], scores.loc[mask, "stability"]), note, size_ok & stable_ok
    raise AssertionError("unreachable")


def _best(crit: pd.Series, stability: pd.Series) -> int:
    """The k of the highest criterion; among k within :data:`TIE` of it, the most stable.

    Silhouettes on 2,000 customers have a standard error of about 0.004 (module
    docstring of :mod:`cxlib.personas.segmenter`), so differences under :data:`TIE` are
    not evidence; reproducibility decides between them.
    """
    near = crit[crit >= crit.max() - TIE]
    return int(stability.loc[near.index].fillna(0).idxmax())


def structure(scores: pd.DataFrame, k: int) -> tuple[str, str]:
    """``("clear", "")`` or ``("weak", why)``: are the k groups distinct and reproducible?

    Weak when the chosen k's silhouette exceeds the no-structure reference by less than
    :data:`MIN_GAIN` (the groups are no more separated than k-means makes of data without
    groups) or its bootstrap stability is below :data:`MIN_CLEAR_STABILITY` (another
    sample of the same customers would be split differently).

    Examples
    --------
    >>> s = pd.DataFrame({"gain": [0.01], "stability": [0.95], "silhouette": [0.12],
    ...                   "null_silhouette": [0.11]}, index=[4])
    >>> structure(s, 4)[0]
    'weak'
    """
    row = scores.loc[k]
    reasons = []
    gain = row.get("gain", np.nan)
    if pd.notna(gain) and gain < MIN_GAIN:
        reasons.append(
            f"silhouette {wording.number(row['silhouette'], 2)} is within {MIN_GAIN} of the "
            f"{wording.number(row['null_silhouette'], 2)} k-means reaches on the same data "
            "with its groups shuffled away"
        )
    if pd.notna(row["stability"]) and row["stability"] < MIN_CLEAR_STABILITY:
        reasons.append(
            f"bootstrap stability {_below(row['stability'], MIN_CLEAR_STABILITY)} is below "
            f"{wording.number(MIN_CLEAR_STABILITY, 2)}"
        )
    return ("weak", "; ".join(reasons)) if reasons else ("clear", "")


def _below(x: float, limit: float) -> str:
    """``x`` with two decimals, or three where two would round it up to ``limit``.

    >>> _below(0.62, 0.8), _below(0.798, 0.8)
    ('0.62', '0.798')
    """
    return wording.number(x, 2 if round(x, 2) < limit else 3)
