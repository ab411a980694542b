"""Tests for cxlib.personas.segmenter.PersonaSegmenter: planted personas, determinism, mechanics.

The planted-truth test runs on the 2,000-customer session sample (fast) and, marked slow,
on the default 20,000-customer sample (about 8 s when ``data/sample`` exists; generated
into a temporary folder otherwise). At 2,000 customers the five planted personas are still
recovered (k = 5, adjusted Rand index 0.87-0.88 for seeds 0-2; 0.89 on the default sample,
checked when the test was written), so the small test is a real check, not a weaker one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline

import cxlib
from cxlib.features import customer_features
from cxlib.paths import DEFAULT_SAMPLE_CUSTOMERS, SAMPLE_DIR
from cxlib.personas.naming import name_segments
from cxlib.personas.segmenter import PersonaSegmenter

# --- the planted personas of the sample -----------------------------------------------------


def _truth(folder: Path, index: pd.Index) -> tuple[int, np.ndarray]:
    truth = json.loads((folder / "TRUTH.json").read_text(encoding="utf-8"))
    table = pd.read_csv(folder / truth["customer_persona"], dtype={"customer_id": str})
    labels = table.set_index("customer_id")["persona_id"].reindex(index.astype(object))
    assert labels.notna().all()
    return len(truth["personas"]), labels.to_numpy()


@pytest.fixture(scope="module")
def sample_features(small_sample: Path) -> pd.DataFrame:
    return customer_features(cxlib.load(small_sample))


def _check_planted(folder: Path, X: pd.DataFrame) -> PersonaSegmenter:
    n_personas, truth = _truth(folder, X.index)
    seg = PersonaSegmenter(k=None, random_state=0).fit(X)
    assert seg.k_ == n_personas, seg.k_scores_
    assert adjusted_rand_score(truth, seg.labels_) >= 0.8
    return seg


def test_planted_personas_are_found_on_the_small_sample(small_sample, sample_features):
    seg = _check_planted(small_sample, sample_features)
    assert seg.k_scores_.loc[seg.k_, "stability"] >= 0.9
    assert name_segments(seg)["persona_name"].is_unique


@pytest.mark.slow
def test_planted_personas_are_found_on_the_default_sample(tmp_path_factory):
    folder = SAMPLE_DIR
    truth_file = folder / "TRUTH.json"
    if not (
        truth_file.exists()
        and json.loads(truth_file.read_text())["customers"] == DEFAULT_SAMPLE_CUSTOMERS
    ):
        from cxlib.sample import generate

        folder = tmp_path_factory.mktemp("default_sample")
        generate(folder, customers=DEFAULT_SAMPLE_CUSTOMERS, seed=0)
    X = customer_features(cxlib.load(folder))
    _check_planted(folder, X)


def test_same_random_state_same_labels(sample_features):
    a = PersonaSegmenter(random_state=7).fit(sample_features)
    b = PersonaSegmenter(random_state=7).fit(sample_features)
    assert np.array_equal(a.labels_, b.labels_)
    pd.testing.assert_frame_equal(a.k_scores_, b.k_scores_)
    pd.testing.assert_frame_equal(a.profiles_, b.profiles_)
    pd.testing.assert_frame_equal(name_segments(a), name_segments(b))


def test_outputs_have_the_report_contract(sample_features):
    seg = PersonaSegmenter(k=5, random_state=0).fit(sample_features)
    assert list(seg.personas_.columns) == ["customer_id", "persona_id"]
    assert len(seg.personas_) == len(sample_features)
    assert list(seg.personas_["customer_id"]) == list(sample_features.index)
    assert set(seg.personas_["persona_id"]) == {1, 2, 3, 4, 5}
    p = seg.profiles_
    assert list(p["persona_id"]) == [1, 2, 3, 4, 5]
    assert p["n"].sum() == len(sample_features)
    assert p["n"].is_monotonic_decreasing  # persona 1 is the largest
    assert p["share"].sum() == pytest.approx(1.0)
    assert list(seg.k_scores_.index) == [5]  # k given: scored, not searched
    assert np.isfinite(seg.silhouette_) and 0 <= seg.stability_ <= 1
    # predict reproduces the labels on the training rows
    assert np.array_equal(seg.predict(sample_features), seg.labels_)


# --- mechanics on synthetic data ------------------------------------------------------------


def blobs(sizes=(500, 300, 200), p: int = 4, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(len(sizes)), sizes)
    centres = np.array([[0.0] * p, [6.0] * p, [0.0, 6.0] * (p // 2)])[: len(sizes)]
    Z = centres[group] + rng.normal(0, 1, (len(group), p))
    X = pd.DataFrame(
        {
            "spend": np.exp(2 + 0.5 * Z[:, 0]),  # money: right-skewed
            "score": Z[:, 1],
            "share": 1 / (1 + np.exp(-Z[:, 2])),
            "visits": Z[:, 3] + 10,
        },
        index=pd.Index([f"c{i:04d}" for i in range(len(group))], name="customer_id"),
    )
    return X, group


def test_finds_k_orders_by_size_and_scores_every_k():
    X, group = blobs()
    seg = PersonaSegmenter(k_range=(2, 6), random_state=0).fit(X)
    assert seg.k_ == 3
    assert adjusted_rand_score(group, seg.labels_) > 0.95
    assert list(seg.profiles_["n"]) == sorted(seg.profiles_["n"], reverse=True)
    scores = seg.k_scores_
    assert list(scores.index) == [2, 3, 4, 5, 6]
    assert {
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "stability",
        "min_share",
        "eligible",
        "chosen",
    } <= set(scores.columns)
    assert scores["chosen"].sum() == 1 and scores.loc[3, "chosen"]
    assert scores.loc[3, "gain"] == scores.loc[scores["eligible"], "gain"].max()
    assert (scores["gain"] == scores["silhouette"] - scores["null_silhouette"]).all()
    assert seg.selection_note_ == ""
    assert seg.structure_ == "clear" and seg.structure_note_ == ""


def test_skewed_money_is_log_transformed_and_centroids_are_z_scores():
    X, _ = blobs()
    seg = PersonaSegmenter(k=3, random_state=0).fit(X)
    assert "spend" in seg.log_features_ and "score" not in seg.log_features_
    Z = seg.transform(X)
    assert np.allclose(Z.mean(), 0, atol=1e-9) and np.allclose(Z.std(ddof=0), 1)
    expected = Z.groupby(seg.labels_).mean()
    np.testing.assert_allclose(seg.zscores_.to_numpy(), expected.to_numpy())


def test_min_share_rules_out_small_personas():
    # three clear groups of 50/30/20%; at min_share 25% the 20% group may not stand alone
    X, _ = blobs(sizes=(500, 300, 200))
    free = PersonaSegmenter(k_range=(2, 5), random_state=0).fit(X)
    assert free.k_ == 3
    strict = PersonaSegmenter(k_range=(2, 5), min_share=0.25, random_state=0).fit(X)
    assert not strict.k_scores_.loc[3, "eligible"]
    assert strict.k_ == 2 and strict.profiles_["share"].min() >= 0.25
    assert strict.selection_note_ == ""


def test_impossible_constraints_fall_back_with_a_note():
    X, _ = blobs()
    seg = PersonaSegmenter(k_range=(3, 4), min_share=0.9, random_state=0).fit(X)
    assert seg.k_ in (3, 4)
    assert "silhouette gain alone" in seg.selection_note_
    assert not seg.k_scores_["eligible"].any()


def test_feature_selection_missing_and_categorical():
    X, group = blobs()
    rng = np.random.default_rng(1)
    X["mostly_missing"] = np.where(rng.random(len(X)) < 0.6, np.nan, 1.0 + rng.random(len(X)))
    X["region"] = pd.Categorical(np.where(group == 1, "north", "south"))
    seg = PersonaSegmenter(k=3, random_state=0).fit(X)
    why = seg.excluded_.set_index("feature")["reason"]
    assert "missing for" in why["mostly_missing"]
    assert "categorical" in why["region"]
    assert "region" not in seg.features_
    named = PersonaSegmenter(k=3, features=["spend", "score", "region"], random_state=0).fit(X)
    assert named.columns_ == ["spend", "score", "region=north", "region=south"]
    assert named.profiles_.filter(like="region=").sum(axis=1).round(6).eq(1).all()


def test_predict_handles_missing_values_and_new_rows():
    X, _ = blobs()
    seg = PersonaSegmenter(k=3, random_state=0).fit(X)
    new = X.head(5).copy()
    new.iloc[0, 1] = np.nan
    pid = seg.predict(new)
    assert pid.shape == (5,) and set(pid) <= {1, 2, 3}
    assert np.array_equal(pid[1:], seg.labels_[1:5])


def test_fit_only_fits_and_naming_is_a_step_of_its_own():
    X, _ = blobs()
    seg = PersonaSegmenter(k=3, random_state=0).fit(X)
    assert not any("name" in c for c in [*seg.profiles_.columns, *seg.personas_.columns])
    named = name_segments(seg, names={2: "Weekend warriors"})
    assert list(named.index) == [1, 2, 3] and named.loc[2, "persona_name"] == "Weekend warriors"
    assert list(name_segments(seg, names=["A", "B", "C"])["persona_name"]) == ["A", "B", "C"]
    pd.testing.assert_frame_equal(name_segments(seg), name_segments(seg))  # deterministic


def test_clone_gives_an_unfitted_twin_that_fits_the_same():
    X, _ = blobs()
    seg = PersonaSegmenter(k=3, k_range=(2, 4), features=["spend", "score"], n_boot=2)
    fitted = seg.fit(X)
    twin = clone(fitted)
    assert twin is not fitted and twin.get_params() == seg.get_params()
    assert not hasattr(twin, "labels_")
    np.testing.assert_array_equal(twin.fit(X).labels_, fitted.labels_)
    np.testing.assert_array_equal(twin.fit_predict(X), fitted.labels_)  # ClusterMixin


def test_preprocessing_is_one_pipeline_with_the_documented_steps():
    X, _ = blobs()
    X["region"] = pd.Categorical(np.where(X["score"] > 3, "north", "south"))
    seg = PersonaSegmenter(k=3, features=["spend", "score", "region"], random_state=0).fit(X)
    pipe = seg.preprocessor_
    assert isinstance(pipe, Pipeline) and list(pipe.named_steps) == ["columns", "scale"]
    assert list(pipe.get_feature_names_out()) == seg.columns_
    # the same numbers by hand: log1p of the skewed money, median fill, population z-scores
    spend = np.log1p(X["spend"])
    np.testing.assert_allclose(
        seg.transform(X)["spend"], (spend - spend.mean()) / spend.std(ddof=0)
    )


def test_project_gives_two_components():
    X, _ = blobs()
    seg = PersonaSegmenter(k=3, random_state=0).fit(X)
    xy = seg.project(X, max_points=400)
    assert list(xy.columns) == ["pc1", "pc2", "persona_id"]
    assert len(xy) == 400 and sum(xy.attrs["explained_variance"]) <= 1


def test_large_inputs_use_a_search_sample_and_minibatch():
    X, group = blobs(sizes=(3000, 2000, 1000))
    seg = PersonaSegmenter(
        k_range=(2, 5), search_size=1500, silhouette_size=800, minibatch_above=4000, n_boot=3
    ).fit(X)
    assert seg.k_ == 3
    assert adjusted_rand_score(group, seg.labels_) > 0.95
    assert type(seg.kmeans_).__name__ == "MiniBatchKMeans"


def test_input_errors():
    X, _ = blobs()
    with pytest.raises(ValueError, match="k_range"):
        PersonaSegmenter(k_range=(5, 3)).fit(X)
    with pytest.raises(ValueError, match="too few"):
        PersonaSegmenter(k=4).fit(X.head(5))
    with pytest.raises(ValueError, match="not in X"):
        PersonaSegmenter(features=["nope"]).fit(X)
    with pytest.raises(TypeError):
        PersonaSegmenter().fit(X.to_numpy())
    with pytest.raises(AttributeError, match="not fitted"):
        PersonaSegmenter().predict(X)


# --- structure, the compact default features ------------------------------------------------


def test_one_gaussian_cloud_is_called_weak_structure():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(
        rng.multivariate_normal(np.zeros(6), 0.3 + 0.7 * np.eye(6), 3000),
        columns=[f"f{j}" for j in range(6)],
    )
    seg = PersonaSegmenter(random_state=0).fit(X)
    assert seg.structure_ == "weak"
    assert "shuffled away" in seg.structure_note_
    assert seg.k_scores_["gain"].abs().max() < 0.05


def test_default_features_are_the_compact_set_and_leave_out_flags_and_categoricals():
    X, group = blobs()
    X = X.rename(
        columns={"spend": "monthly_revenue", "score": "nps_mean", "share": "digital_share"}
    )
    X["order_count"] = np.round(X["monthly_revenue"])  # a lifetime total, not in the set
    X["plan"] = pd.Categorical(np.where(group == 0, "premium", "basic"))
    seg = PersonaSegmenter(k=3, random_state=0).fit(X)
    assert seg.features_ == ["monthly_revenue", "digital_share", "nps_mean"]  # the set's order
    why = seg.excluded_.set_index("feature")["reason"]
    assert "default persona features" in why["order_count"]
    assert "categorical" in why["plan"]
    # without three of the set, the other numeric columns; a 0/1 flag stays out
    Y, _ = blobs()
    Y["has_card"] = (np.arange(len(Y)) % 2).astype(float)
    fallback = PersonaSegmenter(k=3, random_state=0).fit(Y)
    assert fallback.features_ == ["spend", "score", "share", "visits"]
    assert "flag" in fallback.excluded_.set_index("feature").loc["has_card", "reason"]
