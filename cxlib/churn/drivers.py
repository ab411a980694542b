"""Churn drivers: grouped permutation importance, odds ratios, the driver table.

The building blocks behind :attr:`cxlib.churn.model.ChurnDriverModel.drivers_`:

- :func:`grouped_permutation_importance`: the drop in holdout ROC-AUC when the columns of
  one driver are shuffled together (all channel-mix shares at once, all levels of a
  category at once), each repeat on a bootstrap resample of the holdout, so the spread
  over repeats is a bootstrap standard error and ``mean ± 1.96 sd`` a 95% CI;
- :func:`odds_ratios`: odds ratios of a fitted logistic regression per natural unit of each
  feature (one ticket, one CES point, a year of tenure, ten points of a share), with Wald
  95% CIs from the penalised Hessian;
- :func:`driver_table`: the ranked table, one row per driver, with its headline odds-ratio
  term; :func:`cxlib.churn.effects.describe_drivers` adds each driver's shape, direction
  and sentence.

Examples
--------
>>> driver_groups(["age", "events_share_app", "events_share_web"],
...               {"events_share_app": "channel mix", "events_share_web": "channel mix"})
{'age': ['age'], 'channel mix': ['events_share_app', 'events_share_web']}
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from cxlib.churn.design import DesignMatrix
from cxlib.churn.evaluation import roc_auc_rows
from cxlib.churn.sentences import natural_step, term_name
from cxlib.metrics.intervals import Z95

GROUPED_FAMILIES = ("channel mix",)
"""Families whose columns describe one thing together and form one driver."""


def driver_groups(
    features: list[str], families: dict[str, str], grouped: tuple[str, ...] = GROUPED_FAMILIES
) -> dict[str, list[str]]:
    """Driver name -> its features: one per feature, except grouped families (one each)."""
    out: dict[str, list[str]] = {}
    for f in features:
        fam = families.get(f, f)
        out.setdefault(fam if fam in grouped else f, []).append(f)
    return out


def grouped_permutation_importance(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: object,
    groups: dict[str, list[int]],
    *,
    n_repeats: int = 10,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Drop in ROC-AUC when each group of columns is shuffled together.

    Parameters
    ----------
    predict : callable
        ``predict(rows) -> scores`` for rows in the format of ``X``.
    X : ndarray
        Holdout data, in the model's own format (design matrix, codes).
    y : array of 0/1
    groups : dict
        Group name -> column positions shuffled together (one shared row permutation).
    n_repeats : int
        Repeats; each draws a bootstrap resample of the rows and a fresh permutation per
        group, and scores every group's shuffled copy in one ``predict`` call.

    Returns
    -------
    DataFrame
        ``driver``, ``importance`` (mean AUC drop), ``sd``, ``importance_low``,
        ``importance_high`` (``mean ± 1.96 sd``: bootstrap 95% CI), sorted by importance.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 2)); y = X[:, 0] + rng.normal(size=400) > 0
    >>> imp = grouped_permutation_importance(lambda Z: Z[:, 0], X, y, {"a": [0], "b": [1]})
    >>> imp["driver"].tolist(), bool(imp["importance"].iloc[1] == 0)
    (['a', 'b'], True)
    """
    rng = np.random.default_rng(random_state)
    yy = np.asarray(y, dtype=bool)
    n, k = len(yy), len(groups)
    drops = np.zeros((n_repeats, k))
    for r in range(n_repeats):
        idx = rng.integers(0, n, n)
        Xr, yr = X[idx], yy[idx]
        stacked = np.tile(Xr, (k + 1, 1))
        for g, cols in enumerate(groups.values(), start=1):
            perm = rng.permutation(n)
            block = stacked[g * n : (g + 1) * n]
            block[:, cols] = Xr[perm][:, cols]
        auc = roc_auc_rows(yr, np.asarray(predict(stacked)).reshape(k + 1, n))
        drops[r] = auc[0] - auc[1:]
    mean = drops.mean(axis=0)
    sd = drops.std(axis=0, ddof=1) if n_repeats > 1 else np.full(k, np.nan)
    out = pd.DataFrame(
        {
            "driver": list(groups),
            "importance": mean,
            "sd": sd,
            "importance_low": mean - Z95 * sd,
            "importance_high": mean + Z95 * sd,
        }
    )
    return out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def odds_ratios(
    design: DesignMatrix,
    coef: np.ndarray,
    intercept: float,
    Z: np.ndarray,
    X: pd.DataFrame,
    C: float,
    min_share: float = 0.05,
) -> pd.DataFrame:
    """Odds ratios per natural step of every design term, with Wald 95% CIs.

    The covariance is the inverse of the penalised Hessian ``Z'WZ + I/C`` (the intercept
    unpenalised) of scikit-learn's L2 objective at the fitted coefficients; with the light
    penalty used here it is close to the maximum-likelihood covariance.

    Each categorical feature also gets a ``contrast`` row: its riskiest against its safest
    level among levels holding at least ``min_share`` of the rows (the reference included),
    with the CI of the difference from the covariance. That is the headline of a
    categorical driver ("basic rather than premium").

    Returns
    -------
    DataFrame
        Per term: ``feature``, ``kind`` (numeric / missing / level / contrast), ``level``,
        ``reference``, ``coef`` (on the design scale), ``effect`` (|coef| x sd of the design
        column: comparable across terms), ``step``, ``step_name``, ``odds_ratio``,
        ``or_low``, ``or_high``, ``p_value``.
    """
    Z1 = np.column_stack([np.ones(len(Z)), Z])
    beta = np.concatenate([[intercept], coef])
    p = 1.0 / (1.0 + np.exp(-(Z1 @ beta)))
    w = p * (1 - p)
    H = (Z1 * w[:, None]).T @ Z1 + np.diag(np.r_[0.0, np.full(len(coef), 1.0 / C)])
    cov = np.linalg.pinv(H)[1:, 1:]
    terms = design.terms_.copy()
    terms["coef"] = coef
    terms["se"] = np.sqrt(np.clip(np.diag(cov), 0, None))
    terms["effect"] = np.abs(coef) * Z.std(axis=0)
    steps = []
    for t in terms.itertuples(index=False):
        if t.kind == "numeric":
            step, name = natural_step(X[t.feature], t.feature)
            steps.append((step / t.scale, step, name))
        else:
            steps.append((1.0, 1.0, "binary"))
    terms["mult"] = [s[0] for s in steps]
    terms["step"] = [s[1] for s in steps]
    terms["step_name"] = [s[2] for s in steps]
    terms = pd.concat([terms, _contrasts(terms, cov, min_share)], ignore_index=True)
    b, se, mult = terms["coef"], terms["se"], terms["mult"]
    terms["odds_ratio"] = np.exp(b * mult)
    terms["or_low"] = np.exp((b - Z95 * se) * mult)
    terms["or_high"] = np.exp((b + Z95 * se) * mult)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms["p_value"] = 2 * stats.norm.sf(np.abs(b / se))
    return terms.drop(columns="mult")


def _contrasts(terms: pd.DataFrame, cov: np.ndarray, min_share: float) -> pd.DataFrame:
    """Riskiest vs safest common level of each categorical feature."""
    rows = []
    levels = terms[terms["kind"] == "level"]
    for feature, sub in levels.groupby("feature", sort=False):
        ref = sub["reference"].iloc[0]
        cand = [(ref, 0.0, None)] + [
            (t.level, t.coef, i) for i, t in sub.iterrows() if t.share >= min_share
        ]
        if len(cand) < 2:
            cand = [(ref, 0.0, None)] + [(t.level, t.coef, i) for i, t in sub.iterrows()]
        hi, lo = max(cand, key=lambda c: c[1]), min(cand, key=lambda c: c[1])
        var = sum(cov[j, j] for j in (hi[2], lo[2]) if j is not None)
        if hi[2] is not None and lo[2] is not None:
            var -= 2 * cov[hi[2], lo[2]]
        diff = hi[1] - lo[1]
        rows.append(
            {
                "feature": feature,
                "kind": "contrast",
                "level": hi[0],
                "reference": lo[0],
                "coef": diff,
                "se": float(np.sqrt(max(var, 0.0))),
                "effect": abs(diff) * 0.5,
                "mult": 1.0,
                "step": 1.0,
                "step_name": "binary",
            }
        )
    return pd.DataFrame(rows)


def lead_terms(odds: pd.DataFrame, groups: dict[str, list[str]]) -> pd.DataFrame:
    """Per driver, the term with the largest standardised effect (its headline).

    Candidates are numeric terms, missing-value indicators and the categorical contrasts.
    """
    cand = odds[odds["kind"] != "level"]
    rows = []
    for driver, feats in groups.items():
        sub = cand[cand["feature"].isin(feats)]
        if sub.empty:
            continue
        rows.append(sub.loc[sub["effect"].idxmax()].to_dict() | {"driver": driver})
    return pd.DataFrame(rows)


DRIVER_COLUMNS = [
    "rank",
    "driver",
    "name",
    "family",
    "features",
    "importance",
    "importance_low",
    "importance_high",
    "significant",
    "direction",
    "lead",
    "shape",
    "adjusted_reversed",
    "term",
    "odds_ratio",
    "or_low",
    "or_high",
    "sentence",
]
"""Columns of the driver table (``churn_drivers.csv``): ``lead``, ``shape``,
``adjusted_reversed`` and ``sentence`` come from :func:`cxlib.churn.effects.describe_drivers`;
``term`` and the odds ratio are the logistic regression's headline term of the driver
(the adjusted, per-step view; the method appendix shows them)."""


def driver_table(
    importance: pd.DataFrame,
    lead: pd.DataFrame,
    groups: dict[str, list[str]],
    families: dict[str, str],
) -> pd.DataFrame:
    """The ranked driver table: importance, significance and the headline odds-ratio term.

    Parameters
    ----------
    importance : DataFrame
        :func:`grouped_permutation_importance` per driver (ranked).
    lead : DataFrame
        :func:`lead_terms` (one headline term per driver).
    groups, families : dict
        Driver -> features; feature -> family.

    Returns
    -------
    DataFrame
        :data:`DRIVER_COLUMNS`; a driver is ``significant`` when the lower end of its
        importance CI is above zero.
    """
    lead = lead.set_index("driver") if len(lead) else lead
    rows = []
    for r in importance.itertuples(index=False):
        row = {
            "driver": r.driver,
            "family": families.get(groups[r.driver][0], r.driver),
            "features": ";".join(groups[r.driver]),
            "importance": r.importance,
            "importance_low": r.importance_low,
            "importance_high": r.importance_high,
            "significant": bool(r.importance_low > 0),
        }
        if r.driver in lead.index:
            t = lead.loc[r.driver]
            row |= {k: t[k] for k in ("feature", "kind", "level", "reference", "step_name")}
            row |= {k: t[k] for k in ("odds_ratio", "or_low", "or_high", "coef")}
            row["term"] = term_name(t)
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=DRIVER_COLUMNS)
    table["rank"] = np.arange(1, len(table) + 1)
    return table.reindex(columns=DRIVER_COLUMNS)
