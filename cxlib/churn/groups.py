"""Driver groups: features that move together are one driver, not rivals.

Two strongly associated features split one signal between them: a model may credit
either, and a per-feature effect can even flip sign (more tickets "lower" churn once
unresolved tickets are held fixed). :func:`correlated_groups` joins features whose
association reaches :data:`GROUP_THRESHOLD` into one driver (single linkage), on top of
the families that always form one driver (the channel mix). Association is measured on
one scale for every pair of types: |Spearman's rho| between numbers, Cramér's V between
categories, and the correlation ratio (eta) of a number across the levels of a category.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> a = rng.poisson(2, 500).astype(float)
>>> X = pd.DataFrame({"unresolved": a, "tickets": a + rng.poisson(0.3, 500), "age": rng.normal(40, 9, 500)})
>>> correlated_groups(X, {c: [c] for c in X}, {"unresolved": "support", "tickets": "support", "age": "age"})
{'support': ['unresolved', 'tickets'], 'age': ['age']}
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxlib.churn.design import is_categorical
from cxlib.features.dictionary import OTHER_FAMILY

GROUP_THRESHOLD = 0.7
"""Features associated at least this strongly form one driver."""
MAX_ROWS = 5_000
"""Association is measured on a random sample of this many rows (it is a summary)."""


def association(X: pd.DataFrame, random_state: int = 0) -> pd.DataFrame:
    """Pairwise association in [0, 1] of every column of ``X`` (see the module docstring)."""
    if len(X) > MAX_ROWS:
        X = X.sample(MAX_ROWS, random_state=random_state)
    cols = list(X.columns)
    cats = [c for c in cols if is_categorical(X[c])]
    nums = [c for c in cols if c not in cats]
    out = pd.DataFrame(np.eye(len(cols)), index=cols, columns=cols)
    if len(nums) > 1:
        ranks = X[nums].rank().apply(lambda s: s.fillna(s.mean()))
        rho = np.nan_to_num(np.corrcoef(ranks.to_numpy(dtype=float), rowvar=False))
        out.loc[nums, nums] = np.abs(rho)
    ranks_all = X[nums].rank().to_numpy(dtype=float) if nums else np.empty((len(X), 0))
    for i, a in enumerate(cats):
        for b in cats[i + 1 :]:
            out.loc[a, b] = out.loc[b, a] = cramers_v(X[a], X[b])
        if nums:
            eta = _correlation_ratios(X[a], ranks_all)
            out.loc[a, nums] = eta
            out.loc[nums, a] = eta
    np.fill_diagonal(out.values, 1.0)
    return out


def cramers_v(a: pd.Series, b: pd.Series) -> float:
    """Cramér's V of two categorical series (missing as its own level).

    Examples
    --------
    >>> s = pd.Series(list("aabb") * 10)
    >>> round(cramers_v(s, s), 3)
    1.0
    """
    table = pd.crosstab(_levels(a), _levels(b)).to_numpy(dtype=float)
    if min(table.shape) < 2:
        return 0.0
    chi2 = stats.chi2_contingency(table, correction=False)[0]
    return float(np.sqrt(chi2 / table.sum() / (min(table.shape) - 1)))


def correlation_ratio(category: pd.Series, values: pd.Series) -> float:
    """Eta: the share of a number's spread (as ranks) explained by a category's levels.

    Examples
    --------
    >>> round(correlation_ratio(pd.Series(list("ab") * 10), pd.Series([0.0, 1.0] * 10)), 3)
    1.0
    """
    x = values.rank().to_numpy(dtype=float)
    keep = np.isfinite(x)
    if keep.sum() < 3:
        return 0.0
    x, g = x[keep], _levels(category).to_numpy()[keep]
    total = ((x - x.mean()) ** 2).sum()
    if total == 0:
        return 0.0
    frame = pd.DataFrame({"g": g, "x": x}).groupby("g")["x"].agg(["mean", "size"])
    between = float((frame["size"] * (frame["mean"] - x.mean()) ** 2).sum())
    return float(np.sqrt(between / total))


def _correlation_ratios(category: pd.Series, ranks: np.ndarray) -> np.ndarray:
    """:func:`correlation_ratio` of one category against every column of ``ranks`` at once
    (missing ranks filled with the column mean: they add no between-level spread)."""
    codes = pd.factorize(_levels(category))[0]
    k = codes.max() + 1
    filled = np.where(np.isfinite(ranks), ranks, np.nanmean(ranks, axis=0))
    centred = filled - filled.mean(axis=0)
    total = (centred**2).sum(axis=0)
    size = np.bincount(codes, minlength=k).astype(float)
    sums = np.vstack(
        [np.bincount(codes, weights=centred[:, j], minlength=k) for j in range(ranks.shape[1])]
    )
    between = (sums**2 / np.where(size > 0, size, 1)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = np.sqrt(np.where(total > 0, between / total, 0.0))
    return np.nan_to_num(eta)


def _levels(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), "(missing)").astype(str)


def correlated_groups(
    X: pd.DataFrame,
    groups: dict[str, list[str]],
    families: dict[str, str],
    threshold: float = GROUP_THRESHOLD,
    random_state: int = 0,
) -> dict[str, list[str]]:
    """Merge driver ``groups`` whose features are associated at ``threshold`` or more.

    Parameters
    ----------
    X : DataFrame
        The modelled features.
    groups : dict
        Driver -> features before merging (one per feature, grouped families joined).
    families : dict
        Feature -> family: a merged driver takes its features' family name when they share
        one, else the names of its parts joined with " + ".

    Returns
    -------
    dict
        Driver -> features, in the order of ``groups``.
    """
    names = list(groups)
    owner = {f: g for g, feats in groups.items() for f in feats}
    parent = {g: g for g in names}

    def root(g: str) -> str:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    strength = association(X[list(owner)], random_state) if len(owner) > 1 else None
    if strength is not None:
        cols = list(strength.columns)
        pairs = np.argwhere(np.triu(strength.to_numpy() >= threshold, k=1))
        for i, j in pairs:
            a, b = root(owner[cols[i]]), root(owner[cols[j]])
            if a != b:
                parent[b] = a
    merged: dict[str, list[str]] = {}
    for g in names:
        merged.setdefault(root(g), []).extend(groups[g])
    return {
        _name(members, groups, families): feats for members, feats in _members(merged, parent, root)
    }


def _members(
    merged: dict[str, list[str]], parent: dict[str, str], root
) -> list[tuple[list[str], list[str]]]:
    """(original driver names, features) of each merged driver."""
    out = []
    for r, feats in merged.items():
        out.append(([g for g in parent if root(g) == r], feats))
    return out


def _name(members: list[str], groups: dict[str, list[str]], families: dict[str, str]) -> str:
    """A merged driver's name: its own when unmerged, else the family most of its features
    share (``"support load"``), else its first member's name with "and related"."""
    if len(members) == 1:
        return members[0]
    feats = [f for g in members for f in groups[g]]
    fams = pd.Series([families.get(f, f) for f in feats]).value_counts()
    if fams.iloc[0] * 2 >= len(feats) and fams.index[0] not in (*feats, OTHER_FAMILY):
        return str(fams.index[0])
    return f"{members[0]} and related"
