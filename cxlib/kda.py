"""Key-driver analysis of NPS: Johnson's relative weights of the experience features.

Leaders ask "why do they score us low" as often as "why do they leave". Relative weights
(Johnson 2000) split the R² of a linear regression of each customer's mean NPS answer on
the experience features into one share per feature, fairly even when the features are
correlated (CES and CSAT usually are), which plain regression coefficients do not:

1. ``R = corr(X)``, eigen-decomposed ``R = V diag(λ) V'``; ``Λ = V diag(√λ) V'`` maps
   the predictors onto their closest orthogonal counterparts ``Z``;
2. ``β = Λ⁻¹ r_xy`` regresses ``y`` on ``Z``;
3. the raw weight of feature ``j`` is ``Σ_k Λ_jk² β_k²``; the weights sum to R².

CIs come from a seeded bootstrap over customers. The direction is the sign of each
feature's correlation with NPS.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500)})
>>> w = relative_weights(X, 2 * X["a"] + X["b"] + rng.normal(size=500))
>>> w["share"].round(1).tolist()
[0.8, 0.2]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlib.stats import percentile_ci

EXPERIENCE_FAMILIES = ("support load", "experience")
"""Feature families that describe the customer's experience (the NPS drivers)."""
NOT_DRIVERS = ("nps_mean", "survey_count")
"""The target itself, and a volume count that says nothing about experience."""


def relative_weights(X: pd.DataFrame, y: pd.Series | np.ndarray) -> pd.DataFrame:
    """Johnson's relative weights of the columns of ``X`` for ``y`` (complete rows).

    Returns
    -------
    DataFrame
        ``feature``, ``weight`` (raw: sums to R²), ``share`` (of R²), ``correlation``
        (with ``y``), in the order of ``X``'s columns. Constant columns get weight 0.
    """
    M = np.column_stack([X.to_numpy(dtype=float), np.asarray(y, dtype=float)])
    raw = _raw_weights(M)
    r = np.corrcoef(M, rowvar=False)[:-1, -1]
    total = raw.sum()
    return pd.DataFrame(
        {
            "feature": list(X.columns),
            "weight": raw,
            "share": raw / total if total > 0 else np.nan,
            "correlation": np.nan_to_num(r),
        }
    )


def _raw_weights(M: np.ndarray) -> np.ndarray:
    """Raw relative weights; the last column of ``M`` is the outcome."""
    sd = M.std(axis=0)
    ok = sd[:-1] > 0
    out = np.zeros(M.shape[1] - 1)
    if not ok.any() or sd[-1] == 0:
        return out
    Zs = (M - M.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    R = Zs.T @ Zs / len(Zs)
    cols = np.flatnonzero(ok)
    Rxx = R[np.ix_(cols, cols)]
    rxy = R[cols, -1]
    evals, evecs = np.linalg.eigh(Rxx)
    evals = np.clip(evals, 1e-12, None)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta = np.linalg.solve(lam, rxy)
    out[cols] = (lam**2) @ (beta**2)
    return out


def nps_key_drivers(
    features: pd.DataFrame,
    families: dict[str, str] | None = None,
    *,
    target: str = "nps_mean",
    candidates: list[str] | None = None,
    min_coverage: float = 0.5,
    n_boot: int = 200,
    random_state: int | None = 0,
) -> tuple[pd.DataFrame, dict]:
    """Relative importance of the experience features for customers' mean NPS.

    Parameters
    ----------
    features : DataFrame
        :func:`cxlib.features.customer_features` output (needs ``target``).
    families : dict, optional
        Feature -> family; the candidates default to the numeric features of
        :data:`EXPERIENCE_FAMILIES` except :data:`NOT_DRIVERS`.
    candidates : list of str, optional
        Features to use instead.
    min_coverage : float
        Features known for fewer than this share of NPS respondents are left out (e.g.
        resolution time when few customers had a ticket); others' gaps are filled with the
        median (which shrinks their weight a little: a conservative choice).
    n_boot : int
        Bootstrap resamples for the CIs.

    Returns
    -------
    table : DataFrame
        ``rank``, ``feature``, ``family``, ``share`` (of explained variance),
        ``share_low``, ``share_high``, ``weight``, ``correlation``, ``direction``
        ("raises NPS" / "lowers NPS").
    info : dict
        ``n`` (respondents), ``r2``, ``left_out`` ({feature: reason}); empty table and a
        ``reason`` when there is no NPS or no candidate.
    """
    fam = families or {}
    if target not in features or features[target].notna().sum() < 30:
        return _empty(), {"n": 0, "r2": np.nan, "left_out": {}, "reason": "no NPS answers"}
    rows = features[features[target].notna()]
    if candidates is None:
        candidates = [
            c
            for c in features.columns
            if fam.get(c) in EXPERIENCE_FAMILIES
            and c not in NOT_DRIVERS
            and c != target
            and pd.api.types.is_numeric_dtype(features[c])
        ]
    left_out = {}
    used = []
    for c in candidates:
        cover = float(rows[c].notna().mean())
        if cover < min_coverage:
            left_out[c] = f"known for only {cover:.0%} of NPS respondents"
        elif rows[c].nunique() < 2:
            left_out[c] = "the same for everybody"
        else:
            used.append(c)
    if not used:
        info = {"n": len(rows), "r2": np.nan, "left_out": left_out}
        return _empty(), info | {"reason": "no experience features"}
    X = rows[used].astype(float)
    X = X.fillna(X.median())
    y = rows[target].astype(float).to_numpy()
    table = relative_weights(X, y)
    M = np.column_stack([X.to_numpy(), y])
    rng = np.random.default_rng(random_state)
    reps = np.empty((n_boot, len(used)))
    for b in range(n_boot):
        w = _raw_weights(M[rng.integers(0, len(M), len(M))])
        reps[b] = w / w.sum() if w.sum() > 0 else np.nan
    ci = [percentile_ci(reps[:, j])[:2] for j in range(len(used))]
    table["share_low"] = [c[0] for c in ci]
    table["share_high"] = [c[1] for c in ci]
    table["family"] = [fam.get(c, "") for c in used]
    table["direction"] = np.where(table["correlation"] >= 0, "raises NPS", "lowers NPS")
    table = table.sort_values("share", ascending=False, kind="stable").reset_index(drop=True)
    table["rank"] = np.arange(1, len(table) + 1)
    cols = ["rank", "feature", "family", "share", "share_low", "share_high", "weight"]
    info = {"n": len(rows), "r2": float(table["weight"].sum()), "left_out": left_out}
    return table[[*cols, "correlation", "direction"]], info


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "rank",
            "feature",
            "family",
            "share",
            "share_low",
            "share_high",
            "weight",
            "correlation",
            "direction",
        ]
    )
