"""PersonaSegmenter: k-means personas with the number of personas chosen from the data.

The estimator works on the customer features of :func:`cxlib.features.customer_features`
(any DataFrame with one row per customer will do) and follows scikit-learn's shape:
``__init__`` stores its arguments, :meth:`PersonaSegmenter.fit` returns ``self``, learned
attributes end in ``_``, and ``sklearn.base.clone`` copies it unfitted. ``fit`` only fits:
it finds the personas (ids 1..k, largest first) and their centroids; naming them is the
next, separate step (:func:`cxlib.personas.naming.name_segments`, called by
:func:`cxlib.personas.persona_profiles`).

Method
------
1. **Features.** ``features=None`` takes the compact default set
   :data:`cxlib.features.PERSONA_FEATURES` (value, behaviour as rates, experience, tenure,
   age: each behaviour once, no lifetime totals, no per-channel shares) where a column is
   numeric, missing for at most ``max_missing`` of the customers and has more than two
   values; with fewer than :data:`MIN_DEFAULT_FEATURES` of them (a data set of its own
   columns, such as a bank's), every such numeric column instead. Categoricals and 0/1
   flags are left out by default: a one-category difference is a distance of several
   standard deviations and would dominate the behavioural ones (they are still profiled
   by :mod:`cxlib.personas.profiles`). Columns named in ``features`` are used as given;
   categorical ones are one-hot encoded (one 0/1 column per category, missing = all zeros).
   A feature missing for many customers is left out by default because imputing, say, half
   of the population with one value creates an artificial cluster at that value.
2. **Skew.** Non-negative numeric columns with sample skewness above 1 (money, counts,
   durations: heavy right tails) are transformed with ``log1p``.
3. **Imputation and scaling.** Missing values get the column median (after the
   transform); every column is standardised to mean 0 and standard deviation 1, so the
   centroids are z-scores against the population. Steps 2-3 and the one-hot encoding are
   one scikit-learn pipeline (:func:`cxlib.personas.preprocessing.model_matrix`),
   :attr:`preprocessor_`.
4. **k-means.** ``KMeans`` (k-means++, ``n_init`` starts) on up to ``minibatch_above``
   customers, ``MiniBatchKMeans`` above that; both start from the centroids found on the
   search sample, so the full fit only refines them.
5. **Choosing k** (``k=None``) on a random *search sample* of ``search_size`` customers
   (all of them when fewer): for every k in ``k_range`` (inclusive) the silhouette (on
   ``silhouette_size`` of those customers, the same ones for every k), the silhouette of
   the same k on a no-structure reference (the search sample with its principal
   components shuffled apart, :func:`~cxlib.personas.selection.null_reference`) and the
   *gain* between them, the Calinski-Harabasz and Davies-Bouldin indices, the smallest
   persona's share, and the stability: the mean adjusted Rand index between the
   search-sample clustering and ``n_boot`` clusterings of bootstrap resamples (each
   predicted back onto the search sample). The chosen k has the highest gain among the k
   whose smallest persona holds at least ``min_share`` of the customers and whose
   stability is at least ``min_stability``; gains within 0.01 are ties, won by the most
   stable (if no k qualifies, the constraints are relaxed in that order and
   :attr:`selection_note_` says so); :mod:`cxlib.personas.selection`.
6. **Structure.** :attr:`structure_` is ``"weak"`` when the chosen k's gain is under
   0.05 or its stability under 0.8 (:func:`~cxlib.personas.selection.structure`): the
   customers do not fall into distinct groups and the k segments are a convenience split,
   which the findings say. The truth study (``benchmarks/truth_personas.py``) measures
   both on randomized worlds with and without planted personas.

Why sampling is sound: k-means centroids fitted on a uniform random sample are consistent
estimates of the population's (Pollard, 1981); with 5,000 customers a persona holding 5% of
the customers still has about 250 of them, so each standardised centroid coordinate has a
standard error of about 1/sqrt(250) = 0.06, far below the 0.5-sd differences personas are
named from. The silhouette is a mean over customers: on 2,000 of them its standard error
is about 0.004 (0.003-0.004 over 10 resamples of the 20,000-customer sample), and
because the same customers score every k, the *differences* between k that the choice
rests on are paired (there, k=5 beat k=4 by 0.008-0.018 in every resample).

Examples
--------
>>> from cxlib.features import customer_features
>>> X = customer_features(cxlib.load("data/sample"))          # doctest: +SKIP
>>> seg = PersonaSegmenter(random_state=0).fit(X)              # doctest: +SKIP
>>> seg.k_, seg.profiles_[["persona_id", "share"]]             # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from cxlib.features import PATTERNS, PERSONA_FEATURES
from cxlib.personas.preprocessing import SKEW_LIMIT, model_matrix
from cxlib.personas.selection import (
    SEED_BOUND,
    choose_k,
    null_reference,
    score_k,
    structure,
)

MINIBATCH_SIZE = 4096
"""Batch size of the ``MiniBatchKMeans`` refinement on many customers."""
MIN_DEFAULT_FEATURES = 3
"""Fewest usable default persona features; with fewer, every numeric column is used."""
PROJECTION_SEED = 0
"""Seed of the PCA of :meth:`PersonaSegmenter.project` (exact solver: no effect in practice)."""


class PersonaSegmenter(ClusterMixin, BaseEstimator):
    """Segment customers into k-means personas; k chosen by silhouette when not given.

    Parameters
    ----------
    k : int or None
        Number of personas; None = choose from ``k_range`` (see the module docstring).
    k_range : (int, int)
        Smallest and largest k tried, both included.
    features : list of str or None
        Columns to cluster on; None = the compact default set (see step 1).
    random_state : int
        Seed of every random step (samples, k-means starts, bootstrap).
    min_share : float
        Smallest share of customers a persona may hold for its k to be chosen.
    min_stability : float
        Smallest bootstrap stability (mean adjusted Rand index) for a k to be chosen.
    max_missing : float
        Default feature selection leaves out columns missing for more than this share.
    search_size, silhouette_size : int
        Customers in the k-search sample and in the silhouette sample within it.
    n_boot : int
        Bootstrap resamples per k for the stability.
    n_init : int
        k-means++ starts per fit.
    minibatch_above : int
        Use ``MiniBatchKMeans`` for the final fit above this many customers.
    n_threads : int or None
        OpenMP/BLAS threads while fitting (None = the libraries' default, all cores).
        One thread is as fast for the small search matrices and avoids the 10-20x
        slow-down k-means suffers when its threads compete with other processes for
        the cores.
    skew_limit : float
        Non-negative numeric columns more skewed than this are ``log1p``-transformed.

    Attributes
    ----------
    k_ : int
        The number of personas.
    labels_ : ndarray of int
        Persona id (1..k, 1 = the largest persona) per row of ``X``.
    personas_ : DataFrame
        ``customer_id`` (``X``'s index) and ``persona_id`` per customer.
    profiles_ : DataFrame
        One row per persona: ``persona_id``, ``n``, ``share``, then ``mean_<column>`` for
        every model column (original units; one-hot columns as shares).
    zscores_ : DataFrame
        Standardised centroids (persona x model column): mean of the transformed, scaled
        feature in the persona, in population standard deviations.
    means_ : DataFrame
        The personas' mean of every model column in original units (persona x column).
    population_ : Series
        The population mean of every numeric feature, in original units.
    k_scores_ : DataFrame
        Per k tried: ``silhouette``, ``null_silhouette``, ``gain``, ``calinski_harabasz``,
        ``davies_bouldin``,
        ``stability``, ``stability_sd``, ``min_share``, ``eligible``, ``chosen``.
    silhouette_, stability_ : float
        The chosen k's silhouette and stability.
    structure_ : str
        ``"clear"`` or ``"weak"`` (see step 6); ``structure_note_`` says why it is weak.
    features_ : list of str
        The input columns clustered on; ``columns_`` the model columns (numeric features,
        then one-hot columns ``feature=category``); ``log_features_`` the
        ``log1p``-transformed ones; ``categories_`` the categories of each one-hot
        encoded feature.
    preprocessor_ : Pipeline
        The fitted scikit-learn pipeline from ``X`` to the model matrix.
    kmeans_ : KMeans or MiniBatchKMeans
        The fitted k-means model (its cluster order; ``cluster_to_persona_`` maps a
        cluster to its persona id).
    cluster_centers_ : ndarray
        The centroids in the model space, in persona-id order.
    excluded_ : DataFrame
        Input columns left out, with the reason.
    selection_note_ : str
        Empty, or how the k choice had to relax its constraints.
    """

    def __init__(
        self,
        k: int | None = None,
        k_range: tuple[int, int] = (3, 8),
        features: Sequence[str] | None = None,
        random_state: int = 0,
        *,
        min_share: float = 0.05,
        min_stability: float = 0.6,
        max_missing: float = 0.3,
        search_size: int = 5_000,
        silhouette_size: int = 2_000,
        n_boot: int = 5,
        n_init: int = 10,
        minibatch_above: int = 100_000,
        n_threads: int | None = 1,
        skew_limit: float = SKEW_LIMIT,
    ) -> None:
        self.k = k
        self.k_range = k_range
        self.features = features
        self.random_state = random_state
        self.min_share = min_share
        self.min_stability = min_stability
        self.max_missing = max_missing
        self.search_size = search_size
        self.silhouette_size = silhouette_size
        self.n_boot = n_boot
        self.n_init = n_init
        self.minibatch_above = minibatch_above
        self.n_threads = n_threads
        self.skew_limit = skew_limit

    # --- fitting ----------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y: None = None) -> PersonaSegmenter:
        """Learn the preprocessing, choose k (if not given) and fit k-means.

        Parameters
        ----------
        X : DataFrame
            One row per customer (index = customer id), e.g. from
            :func:`cxlib.features.customer_features`.

        Returns
        -------
        self
        """
        if not isinstance(X, pd.DataFrame):
            raise TypeError("X must be a DataFrame of customer features")
        self._check_arguments(len(X))
        with threadpool_limits(self.n_threads):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            self.n_features_in_ = X.shape[1]
            self._select_features(X)
            self.preprocessor_ = model_matrix(
                self.numeric_features_, self.categories_, self.skew_limit
            )
            Z = self.preprocessor_.fit_transform(X)
            self.columns_ = [str(c) for c in self.preprocessor_.get_feature_names_out()]
            self.log_features_ = self._logged()
            self._fit_kmeans(Z)
            self._summarise(X, Z)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Persona id (1..k) of each row of ``X``: its nearest centroid.

        Examples
        --------
        >>> seg.predict(X.head(3))                                  # doctest: +SKIP
        array([1, 4, 2])
        """
        check_is_fitted(self, "labels_")
        with threadpool_limits(self.n_threads):
            return self.cluster_to_persona_[self.kmeans_.predict(self._matrix(X))]

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """The model matrix: selected, log-transformed, imputed and standardised features."""
        check_is_fitted(self, "labels_")
        return pd.DataFrame(self._matrix(X), index=X.index, columns=self.columns_)

    def project(
        self, X: pd.DataFrame, max_points: int = 5_000, random_state: int | None = None
    ) -> pd.DataFrame:
        """A 2-D PCA projection of (a sample of) the customers, for a scatter plot.

        Returns
        -------
        DataFrame
            ``pc1``, ``pc2``, ``persona_id`` for up to ``max_points`` customers;
            ``attrs["explained_variance"]`` holds the two components' shares.
        """
        check_is_fitted(self, "labels_")
        Z = self._matrix(X)
        rng = np.random.default_rng(self.random_state if random_state is None else random_state)
        idx = (
            np.sort(rng.choice(len(Z), max_points, replace=False))
            if len(Z) > max_points
            else np.arange(len(Z))
        )
        pca = PCA(2, random_state=PROJECTION_SEED).fit(Z[idx])
        xy = pca.transform(Z[idx])
        out = pd.DataFrame(
            {"pc1": xy[:, 0], "pc2": xy[:, 1], "persona_id": self.predict(X.iloc[idx])},
            index=X.index[idx],
        )
        out.attrs["explained_variance"] = pca.explained_variance_ratio_.tolist()
        return out

    # --- steps ------------------------------------------------------------------------------

    def _check_arguments(self, n: int) -> None:
        lo, hi = self.k_range
        if not 2 <= lo <= hi:
            raise ValueError(
                f"k_range must be (low, high) with 2 <= low <= high, got {self.k_range}"
            )
        if self.k is not None and self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")
        need = self.k if self.k is not None else lo
        if n < max(need, 2) * 2:
            raise ValueError(f"{n} customers are too few for {need} personas")

    def _select_features(self, X: pd.DataFrame) -> None:
        """Set ``features_``, ``excluded_``, ``numeric_features_`` and ``categories_``."""
        if self.features is None:
            chosen, excluded = self._default_features(X)
        else:
            chosen = list(self.features)
            unknown = [c for c in chosen if c not in X.columns]
            if unknown:
                raise ValueError(f"features not in X: {unknown}")
            excluded = [(c, "not in features") for c in X.columns if c not in chosen]
        if not chosen:
            raise ValueError("no usable feature to cluster on")
        self.features_ = chosen
        self.excluded_ = pd.DataFrame(excluded, columns=["feature", "reason"])
        self.numeric_features_ = [c for c in chosen if _is_numeric(X[c])]
        self.categories_ = {
            c: sorted(str(v) for v in pd.unique(X[c].dropna().astype(str)))
            for c in chosen
            if not _is_numeric(X[c])
        }

    def _default_features(self, X: pd.DataFrame) -> tuple[list[str], list[tuple[str, str]]]:
        """The usable columns of :data:`~cxlib.features.PERSONA_FEATURES`; with fewer than
        :data:`MIN_DEFAULT_FEATURES` of them, every usable numeric column that is not a
        per-channel share, and the reason each other column is left out."""
        why = {col: self._unusable(X[col]) for col in X.columns}
        compact = [c for c in PERSONA_FEATURES if c in X.columns and not why[c]]
        if len(compact) >= MIN_DEFAULT_FEATURES:
            for col in X.columns:
                if not why[col] and col not in compact:
                    why[col] = "not in the default persona features (name it in features)"
            return compact, [(c, r) for c, r in why.items() if r]
        for col in X.columns:
            if not why[col] and any(col.startswith(p) for p in PATTERNS):
                why[col] = "channel share (digital_share stands for the mix)"
        return [c for c, r in why.items() if not r], [(c, r) for c, r in why.items() if r]

    def _unusable(self, s: pd.Series) -> str:
        """Why a column cannot be a default clustering feature ("" when it can)."""
        if not _is_numeric(s):
            return "categorical (name it in features to one-hot encode)"
        missing = s.isna().mean()
        if missing > self.max_missing:
            return f"missing for {missing:.0%} of customers"
        values = s.nunique(dropna=True)
        if values < 2:
            return "constant"
        if values == 2:
            return "a two-valued flag (name it in features to use it)"
        return ""

    def _logged(self) -> list[str]:
        """The numeric features the pipeline ``log1p``-transforms."""
        if not self.numeric_features_:
            return []
        numeric = self.preprocessor_.named_steps["columns"].named_transformers_["numeric"]
        mask = numeric.named_steps["log"].log_mask_
        return [c for c, logged in zip(self.numeric_features_, mask, strict=True) if logged]

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the fitted features {missing}")
        return self.preprocessor_.transform(X)

    def _fit_kmeans(self, Z: np.ndarray) -> None:
        """Search k on a sample, refine the chosen k on everyone, number personas by size."""
        n = len(Z)
        rng = np.random.default_rng(self.random_state)
        search = (
            np.sort(rng.choice(n, self.search_size, replace=False))
            if n > self.search_size
            else np.arange(n)
        )
        Zs = Z[search]
        sil_idx = (
            np.sort(rng.choice(len(Zs), self.silhouette_size, replace=False))
            if len(Zs) > self.silhouette_size
            else np.arange(len(Zs))
        )
        lo, hi = self.k_range
        ks = [self.k] if self.k is not None else list(range(lo, min(hi, len(Zs) - 1) + 1))
        null = null_reference(Zs, rng)
        rows, fits = [], {}
        for k in ks:
            seed = int(rng.integers(SEED_BOUND))
            fits[k] = KMeans(k, n_init=self.n_init, random_state=seed).fit(Zs)
            rows.append(score_k(Zs, fits[k], sil_idx, seed, self.n_boot, self.n_init, null))
        scores = pd.DataFrame(rows, index=pd.Index(ks, name="k"))
        self.k_, self.selection_note_, scores["eligible"] = choose_k(
            scores, self.k, self.k_range, self.min_share, self.min_stability
        )
        scores["chosen"] = scores.index == self.k_
        self.k_scores_ = scores
        self.silhouette_ = float(scores.loc[self.k_, "silhouette"])
        self.stability_ = float(scores.loc[self.k_, "stability"])
        self.structure_, self.structure_note_ = structure(scores, self.k_)

        model = self._final_fit(Z, fits[self.k_], search)
        raw = model.predict(Z) if model is not fits[self.k_] or len(search) < n else model.labels_
        order = np.argsort(-np.bincount(raw, minlength=self.k_), kind="stable")
        self.cluster_to_persona_ = np.empty(self.k_, dtype=np.int64)
        self.cluster_to_persona_[order] = np.arange(1, self.k_ + 1)
        self.kmeans_ = model
        self.labels_ = self.cluster_to_persona_[raw]
        self.cluster_centers_ = model.cluster_centers_[order]

    def _final_fit(self, Z: np.ndarray, search_fit: KMeans, search: np.ndarray) -> KMeans:
        if len(search) == len(Z):
            return search_fit
        k = search_fit.n_clusters
        init = search_fit.cluster_centers_
        if len(Z) > self.minibatch_above:
            return MiniBatchKMeans(
                k, init=init, n_init=1, batch_size=MINIBATCH_SIZE, random_state=self.random_state
            ).fit(Z)
        return KMeans(k, init=init, n_init=1, random_state=self.random_state).fit(Z)

    def _summarise(self, X: pd.DataFrame, Z: np.ndarray) -> None:
        """The personas' centroids (z-scores), means in original units, sizes and members."""
        k = self.k_
        lab = self.labels_ - 1
        counts = np.bincount(lab, minlength=k).astype(float)
        sums = np.zeros((k, Z.shape[1]))
        _group_sum(sums, lab, Z)
        ids = pd.Index(np.arange(1, k + 1), name="persona_id")
        self.zscores_ = pd.DataFrame(
            sums / np.maximum(counts, 1)[:, None], index=ids, columns=self.columns_
        )
        self.means_ = pd.DataFrame(self._persona_means(X, lab), index=ids)
        self.population_ = pd.Series(
            {
                c: float(np.nanmean(X[c].to_numpy(dtype=float, na_value=np.nan)))
                for c in self.numeric_features_
            },
            dtype=float,
        )
        sizes = pd.DataFrame({"persona_id": ids, "n": counts.astype(int)})
        sizes["share"] = counts / counts.sum()
        self.profiles_ = pd.concat(
            [sizes, self.means_.add_prefix("mean_").reset_index(drop=True)], axis=1
        )
        self.personas_ = pd.DataFrame(
            {"customer_id": X.index.to_numpy(), "persona_id": self.labels_}
        )

    def _persona_means(self, X: pd.DataFrame, lab: np.ndarray) -> dict[str, np.ndarray]:
        """Mean of every feature per persona in original units (one-hot columns as shares)."""
        k = self.k_
        means = {}
        for col in self.features_:
            if col in self.categories_:
                s = X[col].astype(object)
                for cat in self.categories_[col]:
                    hit = pd.Series((s == cat).to_numpy(float))
                    means[f"{col}={cat}"] = hit.groupby(lab).mean().reindex(range(k)).to_numpy()
            else:
                v = pd.Series(X[col].to_numpy(dtype=float, na_value=np.nan))
                means[col] = v.groupby(lab).mean().reindex(range(k)).to_numpy()
        return means


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _group_sum(out: np.ndarray, labels: np.ndarray, Z: np.ndarray) -> None:
    """``out[g] += sum of Z rows with label g`` (fast for many rows)."""
    for j in range(Z.shape[1]):
        out[:, j] += np.bincount(labels, weights=Z[:, j], minlength=out.shape[0])
