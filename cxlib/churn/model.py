"""ChurnDriverModel: who leaves and why, from a per-customer features table.

Two models are fitted on the same features: a regularised logistic regression (odds
ratios with 95% CIs: the readable one) and a ``HistGradientBoostingClassifier`` with
native categorical handling and shallow, regularised trees (catches non-linear effects).
Both are judged by stratified K-fold cross-validation (ROC-AUC, PR-AUC, Brier: mean and
spread over folds) and on a stratified holdout, the first fold (ROC-AUC with DeLong's 95%
CI, PR-AUC, Brier, calibration, lift and gains, top-decile capture). The drivers are
ranked by grouped permutation importance on that holdout (see :mod:`cxlib.churn.drivers`), each
with its direction and a plain-language sentence.

Guards
    *Minimum churners*: with fewer than ``min_churners`` customers in the smaller class the
    model is not fitted; ``trustworthy_`` is False and ``reason_`` says why, so a report
    shows that sentence instead of drivers. *Leakage*: a single feature that on its own
    predicts churn almost perfectly (ROC-AUC >= ``max_single_auc``) is dropped and listed
    in ``dropped_features_``; it was almost surely recorded after the churn (or is an
    identifier). The time-based guard (nothing measured after the churn date) is applied
    when the features are built: :func:`cxlib.churn.data.churn_data`.

Large tables
    Above ``max_rows`` customers (:data:`MAX_MODEL_ROWS`) the cross-validation, holdout,
    permutation importance and odds ratios use a stratified random sample of ``max_rows``
    customers (the churn rate kept, seeded by ``random_state``): at 100,000 customers the
    drivers' intervals are already narrow, and five folds of two models on a million rows
    would take minutes. ``sampled_`` says so; the report states it in its method notes.
    Customers outside the sample are scored by the models fitted on the sample, which
    never saw them. Below the threshold every row is used, as before.

Examples
--------
>>> from cxlib.churn.data import churn_data
>>> data = churn_data(cx)                                             # doctest: +SKIP
>>> m = ChurnDriverModel(random_state=0).fit(data.X, data.y, data.families)  # doctest: +SKIP
>>> m.cv_summary_.loc["logistic", "roc_auc"]                         # doctest: +SKIP
0.83
>>> m.drivers_[["rank", "driver", "direction"]].head(3)             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from joblib import parallel_config
from sklearn import config_context
from sklearn.base import BaseEstimator
from sklearn.model_selection import (
    RepeatedStratifiedKFold,
    StratifiedGroupKFold,
    train_test_split,
)
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from cxlib import wording
from cxlib.churn.design import is_categorical
from cxlib.churn.drivers import (
    DRIVER_COLUMNS,
    GROUPED_FAMILIES,
    driver_groups,
    driver_table,
    grouped_permutation_importance,
    lead_terms,
    odds_ratios,
)
from cxlib.churn.effects import describe_drivers
from cxlib.churn.evaluation import (
    brier,
    calibration_table,
    gains_table,
    pr_auc,
    roc_auc,
    roc_auc_ci,
    roc_auc_rows,
)
from cxlib.churn.groups import GROUP_THRESHOLD, correlated_groups
from cxlib.churn.models import (
    BOOSTING,
    LOGISTIC,
    MODELS,
    churn_proba,
    columns_of,
    encode,
    fit_model,
    score,
)

MAX_MODEL_ROWS = 100_000
"""Customers above which the models are fitted, cross-validated and explained on a
stratified random sample of this many (see "Large tables" above)."""
MIN_RELIABLE_AUC = 0.6
"""Below this cross-validated ROC-AUC the drivers are not reliable (the page says so)."""
AUTO_MARGIN = 0.005
"""``model="auto"`` ranks drivers by boosting only when its CV ROC-AUC beats the logistic
regression's by more than this (the logistic model's odds ratios read more plainly)."""
CLASSES = np.array([False, True])
"""The classes of :meth:`ChurnDriverModel.predict_proba`'s columns: stays, churns."""


class ChurnDriverModel(BaseEstimator):
    """Cross-validated churn models and ranked, explained churn drivers.

    Parameters
    ----------
    model : {"logistic", "boosting", "auto"}
        The model whose permutation importance ranks the drivers; ``auto`` = the one with
        the higher cross-validated ROC-AUC. Both are always fitted and evaluated. The
        default is the logistic regression: its odds ratios are what the sentences quote,
        so ranking, direction and sentence come from one model.
    C : float
        Inverse L2 strength of the logistic regression (numbers standardised).
    boosting_params : dict, optional
        Overrides of :data:`BOOSTING_DEFAULTS`.
    n_splits, n_repeats : int
        Stratified K-fold cross-validation, repeated ``n_repeats`` times. Its first fold
        (``1 / n_splits`` of the customers) is also the holdout: the models fitted on the
        other folds are evaluated and explained on it.
    n_permutations : int
        Repeats of the permutation importance (each on a bootstrap resample of the holdout).
    min_churners : int
        Fewer customers than this in the smaller class: no model, ``trustworthy_`` False.
    max_single_auc : float
        A feature predicting churn alone with at least this ROC-AUC is dropped (leakage).
    grouped_families : tuple of str
        Feature families shuffled together as one driver.
    max_rows : int or None
        Above this many rows, model on a stratified random sample of this many
        (:data:`MAX_MODEL_ROWS`; None = always every row).
    random_state : int or None
        Seeds the sample, the folds (and so the holdout), the boosting and the permutations.

    Attributes
    ----------
    trustworthy_ : bool
    reason_ : str or None
        Why the model is not trustworthy (None when it is).
    n_, n_churners_, churn_rate_ : int, int, float
        Rows of ``X``, churners among them, their share (every row, sampled or not).
    sampled_ : bool
        True when the models were fitted on a sample (more than ``max_rows`` rows).
    sample_size_ : int
        Rows the models were fitted, cross-validated and explained on.
    dropped_features_ : DataFrame
        ``feature, reason``: the leakage guard's drops, and features that are the same for
        every customer.
    cv_ : DataFrame
        Per model, repeat and fold: ``roc_auc``, ``pr_auc``, ``brier``.
    cv_summary_ : DataFrame
        Per model (index): ``roc_auc`` (mean), ``roc_auc_sd``, ``roc_auc_min``,
        ``roc_auc_max``, ``pr_auc``, ``brier``, ``folds``.
    holdout_ : DataFrame
        Per model (index): ``roc_auc``, ``roc_auc_low``, ``roc_auc_high``, ``pr_auc``,
        ``brier``, ``base_rate``, ``top_decile_capture``, ``top_decile_lift``, ``n``.
    calibration_, gains_ : DataFrame
        Holdout calibration and gains tables of both models (column ``model``).
    model_ : str
        The model that ranks the drivers.
    scorer_ : str
        The model with the higher CV ROC-AUC: it scores customers (:meth:`predict_proba`).
    classes_ : ndarray
        ``[False, True]``: the columns of :meth:`predict_proba`.
    feature_names_in_, n_features_in_ : ndarray, int
        The columns of the ``X`` passed to :meth:`fit`.
    features_ : list of str
        The columns the models use (after the guards' drops).
    importance_, family_importance_ : DataFrame
        Grouped permutation importance per driver and per feature family.
    odds_ratios_ : DataFrame
        Logistic odds ratios of every term (fitted on all modelled rows), see
        :func:`cxlib.churn.drivers.odds_ratios`.
    drivers_ : DataFrame
        The ranked driver table (:data:`DRIVER_COLUMNS`).
    oof_proba_ : Series
        Out-of-fold P(churn) of ``scorer_`` for every modelled row (first CV repeat).
    estimators_ : dict
        Pipelines (:func:`cxlib.churn.models.make_model`) fitted on all modelled rows, by
        name: the logistic one always, the boosting one when it ranks the drivers. The
        scorer, when it is not among them, is fitted on the first :meth:`predict_proba` call
        and kept here: a report that only scores modelled customers (each has an
        out-of-fold score) never pays for it.
    """

    def __init__(
        self,
        model: str = "auto",
        *,
        C: float = 1.0,
        boosting_params: dict | None = None,
        n_splits: int = 5,
        n_repeats: int = 1,
        n_permutations: int = 10,
        min_churners: int = 50,
        max_single_auc: float = 0.98,
        grouped_families: tuple[str, ...] = GROUPED_FAMILIES,
        group_threshold: float = GROUP_THRESHOLD,
        min_auc: float = MIN_RELIABLE_AUC,
        max_rows: int | None = MAX_MODEL_ROWS,
        random_state: int | None = 0,
    ):
        self.model = model
        self.C = C
        self.boosting_params = boosting_params
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.n_permutations = n_permutations
        self.min_churners = min_churners
        self.max_single_auc = max_single_auc
        self.grouped_families = grouped_families
        self.group_threshold = group_threshold
        self.min_auc = min_auc
        self.max_rows = max_rows
        self.random_state = random_state

    # --- fitting ---------------------------------------------------------------------------

    def fit(
        self,
        X: pd.DataFrame,
        y: object,
        families: dict[str, str] | None = None,
        groups: object = None,
    ) -> ChurnDriverModel:
        """Cross-validate both models, evaluate on a holdout and rank the drivers.

        Parameters
        ----------
        X : DataFrame
            One row per customer: float and ``category`` columns.
        y : array-like of bool
            Churned (aligned with ``X``).
        families : dict, optional
            Feature -> family (e.g. :func:`cxlib.features.feature_family`).
        groups : array-like, optional
            The customer of each row: rows of one customer (an as-of table stacks several
            cutoff dates) are kept in one cross-validation fold.
        """
        if self.model not in (*MODELS, "auto"):
            raise ValueError(f"model must be 'logistic', 'boosting' or 'auto', not {self.model!r}")
        with _quick():
            return self._fit(X, y, families, groups)

    def _fit(
        self, X: pd.DataFrame, y: object, families: dict[str, str] | None, groups: object
    ) -> ChurnDriverModel:
        yy = np.asarray(y, dtype=float)
        if len(yy) != len(X) or np.isnan(yy).any():
            raise ValueError("y must be one non-missing churn flag per row of X")
        yy = yy.astype(bool)
        self.n_, self.n_churners_ = len(yy), int(yy.sum())
        self.churn_rate_ = float(yy.mean()) if len(yy) else np.nan
        self.classes_ = CLASSES
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.families_ = {c: (families or {}).get(c, c) for c in X.columns}
        X_all = X
        gg = None if groups is None else np.asarray(groups, dtype=object)
        rows = self._sample(yy)
        self.sampled_ = rows is not None
        if rows is not None:
            X, yy = X.iloc[rows], yy[rows]
            gg = None if gg is None else gg[rows]
        self._groups = gg if gg is not None and len(pd.unique(gg)) < len(gg) else None
        self.sample_size_ = len(yy)
        self._empty()
        self.reason_ = self._too_few(yy)
        self.trustworthy_ = self.reason_ is None
        if not self.trustworthy_:
            return self
        self.dropped_features_ = self._leak_check(X, yy, X_all)
        X = X.drop(columns=self.dropped_features_["feature"].tolist())
        if X.shape[1] == 0:
            self.trustworthy_ = False
            self.reason_ = (
                "No feature varies between customers (or every one was dropped by the leakage "
                "guard): there is nothing to explain churn with."
            )
            return self
        self.features_ = list(X.columns)
        oof = self._cross_validate(X, yy)
        self.model_ = self._choose() if self.model == "auto" else self.model
        self.scorer_ = str(self.cv_summary_["roc_auc"].idxmax())
        self.oof_proba_ = pd.Series(oof[self.scorer_], index=X.index, name="churn_probability")
        fits = self._holdout(X, yy)
        self._train = (X, yy)
        self.estimators_ = {name: self._fit_one(name, X, yy) for name in {LOGISTIC, self.model_}}
        self._explain(X, yy, fits)
        self.reliable_, self.reliability_ = self._reliability()
        return self

    def _too_few(self, y: np.ndarray) -> str | None:
        """Why the modelled rows hold too few churners (or stayers) to model; None if enough."""
        churners = int(y.sum())
        minority = min(churners, len(y) - churners)
        if minority >= self.min_churners:
            return None
        who = "churners" if churners <= len(y) - churners else "non-churners"
        where = f"the model's sample of {len(y):,}" if self.sampled_ else f"{len(y):,}"
        return (
            f"Only {minority:,} {who} among {where} customers (at least "
            f"{self.min_churners} are needed): the churn model is not trustworthy, so no "
            "drivers are shown."
        )

    def _sample(self, y: np.ndarray) -> np.ndarray | None:
        """Sorted positions of a stratified sample of ``max_rows`` rows (None: use all)."""
        if not self.max_rows or len(y) <= self.max_rows:
            return None
        rows, _ = train_test_split(
            np.arange(len(y)),
            train_size=self.max_rows,
            stratify=y,
            random_state=self.random_state,
        )
        return np.sort(rows)

    def _empty(self) -> None:
        """The learned attributes of a model that explains nothing (yet)."""
        self._train = None
        self.features_ = []
        self.dropped_features_ = pd.DataFrame(columns=["feature", "reason"])
        self.cv_ = pd.DataFrame(columns=["model", "repeat", "fold", "roc_auc", "pr_auc", "brier"])
        self.cv_summary_ = pd.DataFrame()
        self.holdout_ = pd.DataFrame()
        self.calibration_ = pd.DataFrame()
        self.gains_ = pd.DataFrame()
        self.importance_ = pd.DataFrame()
        self.family_importance_ = pd.DataFrame()
        self.odds_ratios_ = pd.DataFrame()
        self.drivers_ = pd.DataFrame(columns=DRIVER_COLUMNS)
        self.shapes_ = {}
        self.reliable_, self.reliability_ = False, None
        self.model_ = self.scorer_ = None
        self.oof_proba_ = pd.Series(dtype=float, name="churn_probability")
        self.estimators_ = {}

    def _leak_check(self, X: pd.DataFrame, y: np.ndarray, X_all: pd.DataFrame) -> pd.DataFrame:
        """Constant features and single-feature leaks among the modelled rows ``X``."""
        constant: dict[str, str] = {}  # feature -> where it is constant
        for col in X.columns:
            if X[col].nunique(dropna=True) < 2:
                everyone = X_all is X or X_all[col].nunique(dropna=True) < 2
                constant[col] = "" if everyone else " in the model's sample"
        varying = [c for c in X.columns if c not in constant]
        # every feature's ROC-AUC in one batched ranking
        aucs = {}
        if varying:
            scores = np.vstack([_single_feature_score(X[c], y) for c in varying])
            aucs = dict(zip(varying, roc_auc_rows(y, scores), strict=True))
        rows = []
        for col in X.columns:
            if col in constant:
                rows.append((col, f"the same for every customer{constant[col]}"))
                continue
            auc = max(aucs[col], 1 - aucs[col])
            if auc >= self.max_single_auc:
                rows.append(
                    (
                        col,
                        f"predicts churn almost perfectly on its own (ROC-AUC {auc:.3f}): "
                        "probably recorded after the churn, or an identifier",
                    )
                )
        return pd.DataFrame(rows, columns=["feature", "reason"])

    def _fit_one(self, name: str, X: pd.DataFrame, y: np.ndarray) -> Pipeline:
        return fit_model(
            name,
            X,
            y,
            C=self.C,
            boosting_params=self.boosting_params,
            random_state=self.random_state,
        )

    def _cross_validate(self, X: pd.DataFrame, y: np.ndarray) -> dict[str, np.ndarray]:
        """Fold scores of both models (``cv_``, ``cv_summary_``); out-of-fold P(churn)."""
        oof = {name: np.full(len(y), np.nan) for name in MODELS}
        rows = []
        self._fold0: dict = {}
        for i, (tr, te) in enumerate(self._splits(y)):
            repeat, fold = divmod(i, self.n_splits)
            for name in MODELS:
                fit = self._fit_one(name, X.iloc[tr], y[tr])
                p = churn_proba(fit, X.iloc[te])
                if i == 0:  # the first fold is also the holdout
                    self._fold0 |= {name: (fit, p), "test": te}
                rows.append(
                    {
                        "model": name,
                        "repeat": repeat,
                        "fold": fold,
                        "roc_auc": roc_auc(y[te], p),
                        "pr_auc": pr_auc(y[te], p),
                        "brier": brier(y[te], p),
                    }
                )
                if repeat == 0:
                    oof[name][te] = p
        self.cv_ = pd.DataFrame(rows)
        self.cv_summary_ = _cv_summary(self.cv_)
        return oof

    def _splits(self, y: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Stratified K-fold splits, repeated; grouped by customer when rows repeat one."""
        if self._groups is None:
            cv = RepeatedStratifiedKFold(
                n_splits=self.n_splits, n_repeats=self.n_repeats, random_state=self.random_state
            )
            yield from cv.split(np.zeros(len(y)), y)
            return
        for r in range(self.n_repeats):
            seed = None if self.random_state is None else self.random_state + r
            cv = StratifiedGroupKFold(n_splits=self.n_splits, shuffle=True, random_state=seed)
            yield from cv.split(np.zeros(len(y)), y, self._groups)

    def _reliability(self) -> tuple[bool, str | None]:
        """Whether the drivers can be read at all: the better model must beat chance.

        Reliable when the better model's cross-validated ROC-AUC reaches ``min_auc`` and its
        held-out 95% CI excludes 0.5; otherwise a sentence saying why not.
        """
        if not self.trustworthy_:
            return False, self.reason_
        best = str(self.cv_summary_["roc_auc"].idxmax())
        auc = float(self.cv_summary_.loc[best, "roc_auc"])
        low = float(self.holdout_.loc[best, "roc_auc_low"])
        if auc >= self.min_auc and low > 0.5:
            return True, None
        return False, (
            f"The models tell churners from stayers hardly better than chance (cross-validated "
            f"ROC-AUC {wording.decimals(auc, 2)}, where 0.5 is a coin toss): the drivers are not "
            "reliable, so none is named as a finding."
        )

    def _choose(self) -> str:
        auc = self.cv_summary_["roc_auc"]
        return BOOSTING if auc[BOOSTING] > auc[LOGISTIC] + AUTO_MARGIN else LOGISTIC

    def _holdout(self, X: pd.DataFrame, y: np.ndarray) -> dict:
        """Holdout metrics on the first cross-validation fold (never seen by its models)."""
        te = self._fold0["test"]
        rows, cal, gains, fits = [], [], [], {"test": te}
        for name in MODELS:
            fit, p = self._fold0[name]
            auc, low, high, _ = roc_auc_ci(y[te], p)
            g = gains_table(y[te], p)
            rows.append(
                {
                    "model": name,
                    "roc_auc": auc,
                    "roc_auc_low": low,
                    "roc_auc_high": high,
                    "pr_auc": pr_auc(y[te], p),
                    "brier": brier(y[te], p),
                    "base_rate": float(y[te].mean()),
                    "top_decile_capture": float(g["cum_capture"].iloc[0]),
                    "top_decile_lift": float(g["lift"].iloc[0]),
                    "n": len(te),
                }
            )
            cal.append(calibration_table(y[te], p).assign(model=name))
            gains.append(g.assign(model=name))
            fits[name] = fit
        self.holdout_ = pd.DataFrame(rows).set_index("model")
        self.calibration_ = pd.concat(cal, ignore_index=True)
        self.gains_ = pd.concat(gains, ignore_index=True)
        self._fold0 = {}
        return fits

    # --- explaining ------------------------------------------------------------------------

    def _explain(self, X: pd.DataFrame, y: np.ndarray, fits: dict) -> None:
        """Importance on the holdout, odds ratios on all rows, the ranked driver table."""
        te = fits["test"]
        fit = fits[self.model_]
        groups = correlated_groups(
            X,
            driver_groups(list(X.columns), self.families_, self.grouped_families),
            self.families_,
            self.group_threshold,
            self.random_state or 0,
        )
        fam_groups: dict[str, list[str]] = {}
        for f in X.columns:
            fam_groups.setdefault(self.families_[f], []).append(f)
        Xm = encode(fit, X.iloc[te])
        if self.model_ == LOGISTIC:
            coef, b0 = fit[-1].coef_[0], fit[-1].intercept_[0]

            def predict(Z: np.ndarray) -> np.ndarray:
                return Z @ coef + b0  # the log-odds: ranks as P(churn) does
        else:

            def predict(Z: np.ndarray) -> np.ndarray:
                return score(fit, Z)

        def cols(gs: dict[str, list[str]]) -> dict[str, list[int]]:
            return {k: [i for f in v for i in columns_of(fit, f)] for k, v in gs.items()}

        kw = {"n_repeats": self.n_permutations, "random_state": self.random_state}
        self.importance_ = grouped_permutation_importance(predict, Xm, y[te], cols(groups), **kw)
        self.family_importance_ = grouped_permutation_importance(
            predict, Xm, y[te], cols(fam_groups), **kw
        ).rename(columns={"driver": "family"})

        full = self.estimators_[LOGISTIC]
        design, est = full[0], full[-1]
        Z = design.transform(X)
        self.odds_ratios_ = odds_ratios(design, est.coef_[0], est.intercept_[0], Z, X, self.C)
        lead = lead_terms(self.odds_ratios_, groups)
        table = driver_table(self.importance_, lead, groups, self.families_)
        ranker = self.estimators_.get(self.model_) or fit
        self.drivers_, self.shapes_ = describe_drivers(
            table, X, y, lambda rows: churn_proba(ranker, rows)
        )

    # --- scoring ---------------------------------------------------------------------------

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """P(stays), P(churns) per row of ``X`` (columns ``classes_``), by ``scorer_``.

        ``scorer_`` fitted on all modelled rows scores; see ``estimators_`` for when it
        is fitted.
        """
        if self.scorer_ is None:
            raise ValueError("the model is not fitted (or not trustworthy: see reason_)")
        with _quick():
            if self.scorer_ not in self.estimators_:
                self.estimators_[self.scorer_] = self._fit_one(self.scorer_, *self._train)
            p = churn_proba(self.estimators_[self.scorer_], X[self.features_])
        return np.column_stack([1 - p, p])


@contextmanager
def _quick() -> Iterator[None]:
    """Single-threaded scikit-learn without its per-call checks, for the many small fits.

    On per-customer tables thread start-up and contention with other processes cost far
    more than they save (10-20x on a busy 2-core machine); joblib's sequential backend
    spares the ColumnTransformer of each fit a process-pool set-up. The checks skipped (parameter
    validation, finiteness scans) change no number: the parameters are this module's own
    and missing values are what the pipelines expect.
    """
    with (
        threadpool_limits(limits=1),
        parallel_config(backend="sequential"),
        config_context(assume_finite=True, skip_parameter_validation=True),
    ):
        yield


def _single_feature_score(s: pd.Series, y: np.ndarray) -> np.ndarray:
    """One feature as a churn score: a category's churn rate, a number median-filled."""
    if is_categorical(s):
        labels = s.astype(object).where(s.notna(), "(missing)").astype(str)
        score = pd.Series(y.astype(float)).groupby(labels.to_numpy()).transform("mean")
        return score.to_numpy(dtype=float)
    x = s.to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(x), np.nanmedian(x) if np.isfinite(x).any() else 0, x)


def _cv_summary(cv: pd.DataFrame) -> pd.DataFrame:
    """Per model: mean, sd, min and max of the fold ROC-AUCs; mean PR-AUC and Brier."""
    g = cv.groupby("model", sort=False)
    return pd.DataFrame(
        {
            "roc_auc": g["roc_auc"].mean(),
            "roc_auc_sd": g["roc_auc"].std(ddof=1),
            "roc_auc_min": g["roc_auc"].min(),
            "roc_auc_max": g["roc_auc"].max(),
            "pr_auc": g["pr_auc"].mean(),
            "brier": g["brier"].mean(),
            "folds": g.size(),
        }
    )
