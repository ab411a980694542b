"""Tests for the churn-driver report: guards, model quality, drivers, value, survival, KDA.

Known answers on tiny hand-built frames, the two guards (leakage: nothing measured after the
churn date; minimum churners), and the planted truth of the sample (unresolved tickets raise
churn, mean CES lowers it, the basic plan raises it). The planted signal needs about 4,000
customers to hold with margin (at 2,000 the unresolved-ticket effect sometimes falls below
noise on the holdout), so these tests generate their own 4,000-customer sample once.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

import cxlib
from cxlib.churn.data import ChurnData, churn_data, identifying_reason, persona_by_customer
from cxlib.churn.design import DesignMatrix
from cxlib.churn.drivers import driver_groups, grouped_permutation_importance, odds_ratios
from cxlib.churn.evaluation import (
    brier,
    calibration_table,
    gains_table,
    roc_auc,
    roc_auc_ci,
    roc_auc_rows,
)
from cxlib.churn.findings import (
    AT_RISK_CSV,
    DRIVERS_CSV,
    SUMMARY_JSON,
    churn_study,
    findings,
    save_outputs,
    summary_sentences,
)
from cxlib.churn.model import DRIVER_COLUMNS, ChurnDriverModel
from cxlib.churn.models import CategoryCodes, fit_model, make_model
from cxlib.churn.nps_drivers import nps_key_drivers, relative_weights
from cxlib.churn.sentences import driver_sentence, natural_step
from cxlib.churn.survival import lifetimes, retention_curves
from cxlib.churn.value import AT_RISK_COLUMNS, at_risk, churn_by_group, churn_trend
from cxlib.io.config import DatasetConfig
from cxlib.io.dataset import CXData
from cxlib.io.outputs import read_personas
from cxlib.io.quality import QualityReport

PLANTED_CUSTOMERS = 4_000
T = pd.Timestamp


# --- helpers ---------------------------------------------------------------------------------


def _ids(values):
    return pd.array(values, dtype="string[pyarrow]")


def _dt(values):
    return pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601")


def make_cx(tables: dict[str, pd.DataFrame]) -> CXData:
    """A CXData straight from typed frames (no files)."""
    return CXData("test", DatasetConfig(), QualityReport("test"), tables)


def leak_tables() -> dict[str, pd.DataFrame]:
    """Customer a churns on 2025-03-01; b stays. The data ends 2025-06-30 (b's last ticket).

    a's tickets: t1 opened 2025-02-01, never resolved (unresolved before the churn);
    t2 opened 2025-02-10, resolved 2025-03-05 (after the churn: unresolved at the churn);
    t3 opened 2025-04-01 and t4 2025-05-01, after the churn (ignored: the leakage guard).
    """
    customers = pd.DataFrame(
        {
            "customer_id": _ids(["a", "b"]),
            "signup_date": _dt(["2025-01-01", "2025-01-15"]),
            "churned": pd.array([True, False], dtype="boolean"),
            "churn_date": _dt(["2025-03-01", None]),
            "plan": pd.Categorical(["basic", "premium"]),
        }
    )
    tickets = pd.DataFrame(
        {
            "ticket_id": _ids(["t1", "t2", "t3", "t4", "t5"]),
            "customer_id": _ids(["a", "a", "a", "a", "b"]),
            "opened_at": _dt(
                ["2025-02-01", "2025-02-10", "2025-04-01", "2025-05-01", "2025-06-30"]
            ),
            "first_response_at": _dt([None, None, None, None, None]),
            "resolved_at": _dt([None, "2025-03-05", None, None, None]),
            "channel": pd.Categorical(["email"] * 5),
        }
    )
    return {"customers": customers, "tickets": tickets}


def synthetic(n: int = 4000, churners: int | None = None, seed: int = 0):
    """Features with a known logistic truth: x (counts) +0.7/unit; g: 'b' -0.5, 'c' +1.0."""
    rng = np.random.default_rng(seed)
    x = rng.poisson(1.0, n).astype(float)
    g = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    noise = rng.normal(size=n)
    z = -1.5 + 0.7 * x + 1.0 * (g == "c") - 0.5 * (g == "b")
    y = rng.random(n) < 1 / (1 + np.exp(-z))
    if churners is not None:
        y = np.zeros(n, dtype=bool)
        y[rng.choice(n, churners, replace=False)] = True
    X = pd.DataFrame({"x": x, "g": pd.Categorical(g), "noise": noise})
    X.index = pd.Index([f"c{i}" for i in range(n)], name="customer_id")
    return X, pd.Series(y, index=X.index)


# --- model quality: known answers ------------------------------------------------------------


def test_roc_auc_known_answers_and_ties() -> None:
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    assert roc_auc([0, 1], [0.5, 0.5]) == 0.5
    assert math.isnan(roc_auc([1, 1], [0.2, 0.3]))
    rng = np.random.default_rng(1)
    y, s = rng.random(500) < 0.3, np.round(rng.random(500), 2)  # many ties
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_batched_roc_auc_matches_scikit_learn() -> None:
    rng = np.random.default_rng(4)
    y = rng.random(300) < 0.3
    S = np.round(rng.random((5, 300)) + 0.2 * y, 1)  # many ties
    assert roc_auc_rows(y, S) == pytest.approx([roc_auc_score(y, s) for s in S], abs=1e-12)
    assert np.isnan(roc_auc_rows(np.ones(300, bool), S)).all()


def test_delong_variance_matches_its_definition() -> None:
    rng = np.random.default_rng(2)
    y = rng.random(80) < 0.4
    s = rng.normal(size=80) + y
    auc, low, high, se = roc_auc_ci(y, s)
    pos, neg = s[y], s[~y]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    expected = math.sqrt(v10.var(ddof=1) / pos.size + v01.var(ddof=1) / neg.size)
    assert auc == pytest.approx(psi.mean())
    assert se == pytest.approx(expected, rel=1e-10)
    assert low == pytest.approx(auc - 1.959964 * se, abs=1e-6) and high > auc


def test_brier_gains_and_calibration() -> None:
    assert brier([0, 1], [0.2, 0.6]) == pytest.approx(0.1)
    g = gains_table([1, 0, 0, 0, 1, 0, 0, 0, 0, 1], np.arange(10, 0, -1), bins=5)
    assert g["churners"].tolist() == [1, 0, 1, 0, 1]
    assert g["cum_capture"].round(3).tolist() == [0.333, 0.333, 0.667, 0.667, 1.0]
    assert g["lift"].iloc[0] == pytest.approx(0.5 / 0.3)
    rng = np.random.default_rng(3)
    p = rng.random(20000)
    cal = calibration_table(rng.random(20000) < p, p)
    assert len(cal) == 10 and (cal["observed"] - cal["predicted"]).abs().max() < 0.03


# --- design matrix, odds ratios, sentences ---------------------------------------------------


def test_design_matrix_reference_missing_unseen_and_duplicates() -> None:
    X = pd.DataFrame(
        {
            "n": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0],
            "internet": pd.Categorical(["dsl", "fiber", "no", "fiber", "fiber", "no"]),
            "security": pd.Categorical(["yes", "no", "none", "no", "yes", "none"]),
        }
    )
    d = DesignMatrix().fit(X)
    t = d.terms_
    assert t.loc[t["feature"] == "internet", "reference"].iloc[0] == "fiber"  # most frequent
    assert ((t["feature"] == "n") & (t["kind"] == "missing")).sum() == 1
    # security = none is the same column as internet = no: dropped as a duplicate
    assert d.duplicates_[["feature", "level", "same_as"]].values.tolist() == [
        ["security", "none", "internet = no"]
    ]
    Z = d.transform(pd.DataFrame({"n": [np.nan], "internet": ["satellite"], "security": ["no"]}))
    row = dict(
        zip(t["feature"] + ":" + t["kind"] + ":" + t["level"].astype(str), Z[0], strict=True)
    )
    assert row["n:missing:None"] == 1.0  # and n takes the median, 4
    assert row["internet:level:dsl"] == row["internet:level:no"] == 0.0  # unseen level
    assert row["n:numeric:None"] == pytest.approx((4.0 - t.loc[0, "center"]) / t.loc[0, "scale"])


def test_odds_ratios_recover_a_known_logistic_model() -> None:
    X, y = synthetic(n=20000)
    fit = fit_model("logistic", X, y.to_numpy(), C=1.0)
    Z = fit["design"].transform(X)
    est = fit["logistic"]
    o = odds_ratios(fit["design"], est.coef_[0], est.intercept_[0], Z, X, 1.0)
    x = o[(o["feature"] == "x") & (o["kind"] == "numeric")].iloc[0]
    assert x["step"] == 1.0 and x["or_low"] < math.exp(0.7) < x["or_high"]
    c = o[o["kind"] == "contrast"].iloc[0]
    assert (c["level"], c["reference"]) == ("c", "b")  # riskiest vs safest level
    assert c["or_low"] < math.exp(1.5) < c["or_high"]
    b = o[(o["kind"] == "level") & (o["level"] == "b")].iloc[0]  # against the reference a
    assert b["reference"] == "a" and b["or_low"] < math.exp(-0.5) < b["or_high"]
    noise = o[(o["feature"] == "noise") & (o["kind"] == "numeric")].iloc[0]
    assert noise["or_low"] < 1 < noise["or_high"]


def test_natural_steps_and_sentences() -> None:
    assert natural_step(pd.Series([0.0, 1.0, 1.0])) == (1.0, "binary")
    assert natural_step(pd.Series([0.1, 0.5, 0.9])) == (0.1, "10 percentage points")
    assert natural_step(pd.Series([3.0, 40.0, 90.0, 15.0])) == (50.0, "50")
    assert natural_step(pd.Series([1.0]), "tenure_days") == (365.25, "year of tenure")
    row = {"driver": "plan", "feature": "plan", "kind": "contrast", "level": "basic",
           "reference": "premium", "odds_ratio": 2.5, "or_low": 2.0, "or_high": 3.0,
           "step_name": "binary", "significant": True}  # fmt: skip
    assert driver_sentence(row) == (
        "Customers with plan = basic have 2.5 times the odds of churn of those with "
        "premium (95% CI 2.0–3.0)."
    )
    row |= {"odds_ratio": 0.8, "or_low": 0.6, "or_high": 1.1, "significant": False}
    text = driver_sentence(row)
    assert "no clear difference" in text and "Not a significant driver" in text
    groups = driver_groups(
        ["a", "s_web", "s_app", "b"], {"s_web": "channel mix", "s_app": "channel mix"}
    )
    assert groups == {"a": ["a"], "channel mix": ["s_web", "s_app"], "b": ["b"]}


def test_grouped_permutation_importance_shuffles_groups_together() -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(2000, 3))
    y = X[:, 0] + X[:, 1] + rng.normal(size=2000) > 0
    imp = grouped_permutation_importance(
        lambda Z: Z[:, 0] + Z[:, 1], X, y, {"signal": [0, 1], "noise": [2]}, n_repeats=8
    )
    sig = imp.set_index("driver").loc["signal"]
    noise = imp.set_index("driver").loc["noise"]
    assert sig["importance_low"] > 0.2
    assert noise["importance"] == 0 and noise["importance_low"] <= 0 <= noise["importance_high"]


# --- the guards ------------------------------------------------------------------------------


def test_latest_features_ignore_activity_at_or_after_the_churn_date() -> None:
    data = churn_data(make_cx(leak_tables()), design="snapshot")
    a = data.latest.loc["a"]
    assert a["ticket_count"] == 2  # t3, t4 after the churn are not counted
    assert a["unresolved_tickets"] == 2  # t1, and t2 resolved only after the churn
    assert data.latest.loc["b", "ticket_count"] == 1
    assert data.y.to_dict() == {"a": True, "b": False}
    assert list(data.X_now.index) == ["b"]  # only active customers are scored


def test_asof_design_measures_everyone_before_the_cutoff(monkeypatch) -> None:
    import cxlib.churn.data as churn_data_module

    monkeypatch.setattr(churn_data_module, "MIN_ACTIVE", 1)
    tables = leak_tables()
    c = tables["customers"]
    tables["customers"] = c.assign(churn_date=_dt(["2025-05-15", None]))
    data = churn_data(make_cx(tables), horizon=3, max_origins=1)
    assert data.design == "asof" and data.origins == [T("2025-03-30")]  # end - 3 months
    assert data.y.tolist() == [True, False]  # a churns inside the window
    assert list(data.groups) == ["a", "b"]
    a, b = data.X.iloc[0], data.X.iloc[1]
    assert a["ticket_count"] == 2  # t3 (2025-04-01) and t4 are after the cutoff
    assert a["unresolved_tickets"] == 1  # t2 was resolved on 2025-03-05, before the cutoff
    assert b["ticket_count"] == 0
    assert "tenure_days" in data.X  # tenure at the cutoff is a legitimate feature
    # the time-to-churn clock runs from the cutoff: a churned 46 days later, b is censored
    assert data.event.tolist() == [True, False]
    assert data.duration[0] == pytest.approx(46 / (365.25 / 12))
    # a churner before the cutoff is not in the population
    tables["customers"] = c.assign(churn_date=_dt(["2025-03-01", None]))
    data = churn_data(make_cx(tables), horizon=3, max_origins=1)
    assert list(data.groups) == ["b"]


def test_asof_design_stacks_cutoffs_until_enough_churners() -> None:
    rng = np.random.default_rng(3)
    n = 1200
    signup = T("2023-01-01") + pd.to_timedelta(rng.integers(0, 200, n), unit="D")
    left = T("2023-09-01") + pd.to_timedelta(rng.integers(0, 480, n), unit="D")
    churned = rng.random(n) < 0.3
    customers = pd.DataFrame(
        {
            "customer_id": _ids([f"c{i:04d}" for i in range(n)]),
            "signup_date": _dt(signup.astype(str)),
            "churned": pd.array(churned, dtype="boolean"),
            "churn_date": _dt(np.where(churned, left.astype(str), None)),
            "plan": pd.Categorical(rng.choice(["a", "b"], n)),
        }
    )
    data = churn_data(make_cx({"customers": customers}), horizon=3, max_origins=3)
    assert len(data.origins) == 3  # 360 churners in all: fewer than ENOUGH_CHURNERS
    assert data.origins[0] - data.origins[1] == pd.Timedelta(days=92)
    assert len(data.groups) > data.n_customers  # customers active at several cutoffs
    assert data.X.index.is_unique
    assert "Rows of one customer stay in one cross-validation fold" in data.notes[-1]
    m = ChurnDriverModel(n_permutations=2, min_churners=20).fit(
        data.X, data.y, data.families, groups=data.groups
    )
    test_rows = {tuple(sorted(set(data.groups[te]))) for _, te in m._splits(data.y.to_numpy())}
    seen: set = set()
    for ids in test_rows:  # no customer in two test folds
        assert not seen & set(ids)
        seen |= set(ids)


def test_snapshot_keeps_tenure_and_personal_data_is_never_a_feature() -> None:
    tables = leak_tables()
    n = 60
    rng = np.random.default_rng(0)
    tables["customers"] = pd.DataFrame(
        {
            "customer_id": _ids([f"c{i}" for i in range(n)]),
            "signup_date": _dt([f"2024-01-{1 + i % 28:02d}" for i in range(n)]),
            "churned": pd.array(rng.random(n) < 0.3, dtype="boolean"),
            "plan": pd.Categorical(rng.choice(["a", "b"], n)),
            "full_name": pd.Categorical([f"Ann Lee{i % 20}" for i in range(n)]),
            "contact": pd.Categorical([f"p{i}@mail.com" for i in range(n)]),
            "code": pd.Categorical([f"k{i}" for i in range(n)]),
        }
    )
    tables.pop("tickets")
    data = churn_data(make_cx(tables))  # no churn dates: a snapshot table (Telco)
    assert data.design == "snapshot" and "tenure_days" not in data.excluded["feature"].tolist()
    reasons = data.excluded.set_index("feature")["reason"]
    assert reasons["full_name"].startswith("personal data")
    assert reasons["contact"] == "personal data: holds e-mail addresses or phone numbers"
    assert reasons["code"].startswith("identifies customers rather than groups")
    assert not {"full_name", "contact", "code"} & set(data.X.columns)
    assert identifying_reason("plan", tables["customers"]["plan"]) is None


def test_single_feature_leak_is_dropped() -> None:
    X, y = synthetic(n=1500)
    X["days_to_cancel"] = np.where(y, 0.0, 30.0) + np.random.default_rng(0).random(len(y))
    X["country"] = "CZ"  # the same for everybody: nothing to learn
    m = ChurnDriverModel(n_permutations=3).fit(X, y)
    assert m.dropped_features_["feature"].tolist() == ["days_to_cancel", "country"]
    assert "AUC 1.000" in m.dropped_features_["reason"].iloc[0]
    assert set(m.drivers_["driver"]) == {"x", "g", "noise"}
    m = ChurnDriverModel().fit(X[["country"]], y)  # no usable feature: no model, no crash
    assert not m.trustworthy_ and "nothing to explain churn with" in m.reason_


def test_minimum_churner_guard() -> None:
    X, y = synthetic(n=600, churners=49)
    m = ChurnDriverModel(min_churners=50).fit(X, y)
    assert not m.trustworthy_ and m.drivers_.empty and m.cv_.empty
    assert "Only 49 churners" in m.reason_ and "not trustworthy" in m.reason_
    with pytest.raises(ValueError, match="not trustworthy"):
        m.predict_proba(X)
    X, y = synthetic(n=600, churners=50)
    assert ChurnDriverModel(min_churners=50, n_permutations=2).fit(X, y).trustworthy_


def test_minimum_churner_guard_in_the_report(tmp_path: Path) -> None:
    n = 300
    customers = pd.DataFrame(
        {
            "customer_id": _ids([f"c{i:03d}" for i in range(n)]),
            "signup_date": _dt(["2024-01-01"] * n),
            "churned": pd.array([i < 12 for i in range(n)], dtype="boolean"),
            "churn_date": _dt(["2024-06-01" if i < 12 else None for i in range(n)]),
            "plan": pd.Categorical(np.where(np.arange(n) % 2, "basic", "premium")),
            "monthly_revenue": np.full(n, 10.0),
        }
    )
    study = churn_study(make_cx({"customers": customers}))
    text = " ".join(summary_sentences(study))
    assert "not trustworthy" in text and "Driver 1" not in text
    assert "not trustworthy" in findings(study)[1]
    files = save_outputs(study, tmp_path)
    summary = json.loads(files["summary"].read_text())
    assert summary["trustworthy"] is False and summary["top_drivers"] == []
    assert pd.read_csv(files["at_risk"]).empty


# --- value, survival, NPS key drivers --------------------------------------------------------


def test_revenue_at_risk_is_probability_times_revenue_times_horizon() -> None:
    X, y = synthetic(n=3000)
    m = ChurnDriverModel(n_permutations=2).fit(X, y)
    active = X.index[~y.to_numpy()]
    revenue = pd.Series(np.linspace(1, 100, len(active)), index=active)
    cd = _churn_data(X, y, revenue, X.loc[active], "snapshot", 6)
    risk = at_risk(m, cd)
    assert list(risk.columns) == AT_RISK_COLUMNS  # customer_id only: no contact data
    assert len(risk) == len(active) and risk["revenue_at_risk"].is_monotonic_decreasing
    first = risk.iloc[0]
    oof = m.oof_proba_.loc[first["customer_id"]]
    assert first["churn_probability"] == oof
    # a snapshot's P(churn) is read as yearly: x monthly revenue x 12
    assert first["revenue_at_risk"] == pytest.approx(oof * revenue[first["customer_id"]] * 12)
    # as-of: P(churn within 6 months) -> within a year under a constant hazard
    asof = at_risk(m, _churn_data(X, y, revenue, X.loc[active], "asof", 6)).iloc[0]
    p = asof["churn_probability"]
    assert asof["churn_probability_year"] == pytest.approx(1 - (1 - p) ** 2)
    assert asof["revenue_at_risk"] == pytest.approx(
        asof["churn_probability_year"] * revenue[asof["customer_id"]] * 12
    )


def _churn_data(X, y, revenue, X_now, design: str, horizon: int) -> ChurnData:
    """A ChurnData of one row per customer, built by hand."""
    n = len(X)
    return ChurnData(
        X=X,
        y=y,
        groups=X.index.to_numpy(dtype=object),
        origin=np.full(n, np.datetime64("NaT", "ns")),
        duration=np.full(n, np.nan),
        event=y.to_numpy(dtype=bool),
        revenue=revenue,
        X_now=X_now,
        families={},
        design=design,
        horizon_months=horizon,
        as_of=T("2025-01-01"),
    )


def test_churn_by_group_and_trend_known_answers() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "signup_date": _dt(["2024-01-01"] * 4),
            "churned": [True, False, True, True],
            "churn_date": _dt(["2024-11-15", None, "2024-08-01", "2024-05-01"]),
        }
    )
    labels = pd.Series(["x", "x", "y", "y"], index=["a", "b", "c", "d"])
    risk = pd.DataFrame({"customer_id": ["b"], "revenue_at_risk": [30.0]})
    g = churn_by_group(customers, labels, risk, by="segment").set_index("segment")
    assert g.loc["x", "churn_rate"] == 50.0 and g.loc["y", "churn_rate"] == 100.0
    assert g.loc["x", "revenue_at_risk"] == 30.0 and g.loc["x", "risk_share"] == 1.0
    now, before, cmp = churn_trend(customers, T("2024-12-31"), months=3)
    # last 3 months: b, a active on 2024-10-01, a left -> 50%; before: b, a, c -> c left
    assert (now.value, now.n) == (50.0, 2) and before.value == pytest.approx(100 / 3)
    assert cmp.diff == pytest.approx(50.0 - 100 / 3)
    assert churn_trend(customers.drop(columns="churn_date"), T("2024-12-31")) is None


def test_kaplan_meier_known_answer_and_logrank() -> None:
    life = pd.DataFrame(
        {"months": [1.0, 2.0, 3.0, 4.0], "churned": [True, False, True, False]},
        index=["a", "b", "c", "d"],
    )
    km = retention_curves(life, min_n=1)
    s = km.summary.iloc[0]
    # S(1) = 3/4, S(3) = 3/4 * 1/2 = 0.375: the median lifetime is 3 months
    assert s["median_months"] == 3.0 and s["churners"] == 2
    assert km.curves["retention"].min() == pytest.approx(0.375)
    rng = np.random.default_rng(5)
    fast, slow = rng.exponential(5, 200), rng.exponential(30, 200)
    life = pd.DataFrame(
        {"months": np.r_[fast, slow], "churned": True},
        index=[f"c{i}" for i in range(400)],
    )
    groups = pd.Series(["fast"] * 200 + ["slow"] * 200, index=life.index)
    km = retention_curves(life, groups, by="plan")
    assert km.p_value < 1e-6 and km.summary["group"].iloc[0] == "fast"


def test_lifetimes_censor_at_the_end_and_snapshot_churners() -> None:
    c = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "signup_date": _dt(["2024-01-01", "2024-07-01", "2024-01-01"]),
            "churned": [True, False, True],
        }
    )  # no churn dates: churners leave at the end of the data
    life = lifetimes(c, T("2025-01-01"))
    assert life["churned"].tolist() == [True, False, True]
    assert life["months"].round(1).tolist() == [12.0, 6.0, 12.0]


def test_relative_weights_known_answers() -> None:
    rng = np.random.default_rng(6)
    q, _ = np.linalg.qr(rng.normal(size=(1000, 2)) - 0.0)
    a, b = (q - q.mean(axis=0)).T
    X = pd.DataFrame({"a": a / a.std(), "b": b / b.std()})
    w = relative_weights(X, 2 * X["a"] + X["b"])  # orthogonal, no noise: R² = 1
    assert w["weight"].sum() == pytest.approx(1.0, abs=1e-6)
    assert w["share"].round(3).tolist() == [0.8, 0.2]
    X = pd.DataFrame({"a": rng.normal(size=500)})
    X["b"] = X["a"] + rng.normal(size=500)
    y = X["a"] + 0.5 * X["b"] + rng.normal(size=500)
    A = np.column_stack([np.ones(500), X])
    resid = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
    r2 = 1 - resid.var() / y.var()
    assert relative_weights(X, y)["weight"].sum() == pytest.approx(r2, abs=1e-9)


def test_nps_key_drivers_leave_out_sparse_features() -> None:
    rng = np.random.default_rng(7)
    n = 1000
    F = pd.DataFrame({"ces_mean": rng.normal(3, 1, n), "unresolved_tickets": rng.poisson(1, n)})
    F["mean_resolution_hours"] = np.where(rng.random(n) < 0.3, rng.normal(30, 5, n), np.nan)
    F["nps_mean"] = 2 * F["ces_mean"] - F["unresolved_tickets"] + rng.normal(0, 1, n)
    fam = {"ces_mean": "experience", "unresolved_tickets": "support load",
           "mean_resolution_hours": "support load", "nps_mean": "experience"}  # fmt: skip
    table, info = nps_key_drivers(F, fam, n_boot=50)
    assert table["feature"].tolist() == ["ces_mean", "unresolved_tickets"]
    assert table["direction"].tolist() == ["raises NPS", "lowers NPS"]
    assert "mean_resolution_hours" in info["left_out"] and info["n"] == n
    assert (table["share_low"] <= table["share"]).all()


def test_read_personas(tmp_path: Path) -> None:
    path = tmp_path / "personas.csv"
    pd.DataFrame({"customer_id": ["007", "008"], "persona_id": [1, 2],
                  "persona_name": ["A", "B"]}).to_csv(path, index=False)  # fmt: skip
    p = persona_by_customer(read_personas(None, tmp_path))
    assert p.to_dict() == {"007": "A", "008": "B"}  # ids keep their leading zeros
    assert read_personas(tmp_path / "none.csv") is None


# --- planted truth of the sample -------------------------------------------------------------


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    from cxlib.sample import generate

    out = tmp_path_factory.mktemp("churn_sample")
    truth = generate(out, customers=PLANTED_CUSTOMERS, seed=0)
    return out, truth


def _planted_check(model: ChurnDriverModel, truth: dict, all_significant: bool = True) -> None:
    """The planted drivers are significant and go the planted way; two are in the top 5.

    The sample plants its drivers on lifetime totals (its churners are drawn once, from
    everything they did, and their activity is then laid out before the churn date); the
    as-of design sees only the months before a cutoff, where that layout also makes order
    value and survey counts differ, so the ranking is looser than in a world whose hazard
    depends on the past (those worlds are the truth study's: tests/test_truth_churn.py).
    """
    d = model.drivers_.set_index("lead")
    planted = {d["driver"]: d["direction"] for d in truth["churn_drivers"]}
    assert {"ces_mean", "plan"} <= set(model.drivers_.head(5)["lead"])
    leads = ["unresolved_tickets", "ces_mean", "plan"] if all_significant else ["ces_mean", "plan"]
    assert d.loc[leads, "significant"].all()
    assert d.loc["unresolved_tickets", "direction"] == planted["unresolved_tickets"]
    assert d.loc["ces_mean", "direction"] == planted["mean_ces"]
    shape = model.shapes_[d.loc["plan", "driver"]]
    assert shape["label"].iloc[0] == "basic"  # basic is the riskiest plan
    assert "more unresolved tickets churn more" in d.loc["unresolved_tickets", "sentence"]


def test_planted_drivers_rank_first_with_their_direction(planted) -> None:
    folder, truth = planted
    data = churn_data(cxlib.load(folder))
    model = ChurnDriverModel(random_state=0).fit(data.X, data.y, data.families, data.groups)
    _planted_check(model, truth)
    assert max(model.cv_summary_["roc_auc"]) > 0.7 and model.reliable_


def test_planted_drivers_with_the_boosting_model(planted) -> None:
    folder, truth = planted
    data = churn_data(cxlib.load(folder))
    model = ChurnDriverModel(model="boosting", random_state=0).fit(
        data.X, data.y, data.families, data.groups
    )
    _planted_check(model, truth, all_significant=False)  # see the docstring: a lifetime world


def test_report_outputs_on_the_sample(planted, tmp_path: Path) -> None:
    folder, truth = planted
    personas = pd.read_csv(folder / "truth_personas.csv", dtype=str)
    labels = personas.set_index("customer_id")["persona_id"]
    study = churn_study(cxlib.load(folder), personas=labels, top_n=25)
    files = save_outputs(study, tmp_path)
    assert {p.name for p in files.values()} == {DRIVERS_CSV, AT_RISK_CSV, SUMMARY_JSON}
    drivers = pd.read_csv(tmp_path / DRIVERS_CSV)
    required = {"driver", "importance", "importance_low", "importance_high", "direction", "rank"}
    assert required <= set(drivers.columns) and list(drivers.columns) == DRIVER_COLUMNS
    assert drivers["rank"].tolist() == list(range(1, len(drivers) + 1))
    risk = pd.read_csv(tmp_path / AT_RISK_CSV, dtype={"customer_id": str})
    assert list(risk.columns) == AT_RISK_COLUMNS and len(risk) == 25
    churned = set(study.cx.customers.loc[study.cx.customers["churned"], "customer_id"])
    assert not churned & set(risk["customer_id"])  # only active customers are at risk
    summary = json.loads((tmp_path / SUMMARY_JSON).read_text())
    assert summary["churn_rate"] == pytest.approx(truth["churn_rate"], abs=0.005)
    for key in ("auc_logistic", "auc_boosting"):
        assert 0.7 < summary[key] < 1
    assert [d["driver"] for d in summary["top_drivers"]][:3] == drivers["driver"][:3].tolist()
    assert len(summary["findings"]) == 3 and all(isinstance(s, str) for s in summary["findings"])
    assert study.by == "persona" and len(study.by_group) == 5
    assert study.km_group.p_value < 0.001  # personas retain very differently
    assert study.kda["feature"].iloc[0] in {"ces_mean", "csat_mean"}


# --- large tables: the model's stratified sample ---------------------------------------------


def test_large_tables_are_modelled_on_a_seeded_stratified_sample() -> None:
    X, y = synthetic(n=6000)
    m = ChurnDriverModel(n_permutations=4, max_rows=3000).fit(X, y)
    assert m.sampled_ and m.sample_size_ == 3000 and m.n_ == 6000
    assert m.n_churners_ == int(y.sum())  # counts of every row
    sample = m.oof_proba_.index
    assert len(sample) == 3000 and sample.is_unique and set(sample) <= set(X.index)
    assert abs(y.loc[sample].sum() - y.mean() * 3000) <= 1  # stratified: same churn rate
    assert m.holdout_["n"].iloc[0] == 600  # the first of five folds of the sample
    again = ChurnDriverModel(n_permutations=4, max_rows=3000).fit(X, y)
    assert again.oof_proba_.index.equals(sample)  # seeded: the same sample
    pd.testing.assert_frame_equal(again.drivers_, m.drivers_)
    other = ChurnDriverModel(n_permutations=4, max_rows=3000, random_state=1).fit(X, y)
    assert not other.oof_proba_.index.equals(sample)
    top = m.drivers_.set_index("driver")
    assert top.loc["x", "significant"] and not top.loc["noise", "significant"]
    # at or below the threshold every row is used, exactly as without a threshold
    full = ChurnDriverModel(n_permutations=4, max_rows=6000).fit(X, y)
    none = ChurnDriverModel(n_permutations=4, max_rows=None).fit(X, y)
    assert not full.sampled_ and full.sample_size_ == 6000 and len(full.oof_proba_) == 6000
    pd.testing.assert_frame_equal(full.drivers_, none.drivers_)


def test_customers_outside_the_sample_are_still_scored() -> None:
    X, y = synthetic(n=5000)
    m = ChurnDriverModel(n_permutations=2, max_rows=2000).fit(X, y)
    active = X.index[~y.to_numpy()]
    revenue = pd.Series(10.0, index=active)
    revenue.iloc[:5] = np.nan  # unknown revenue goes last
    cd = _churn_data(X, y, revenue, X.loc[active], "snapshot", 12)
    risk = at_risk(m, cd).set_index("customer_id")
    assert len(risk) == len(active) and risk["churn_probability"].notna().all()
    inside = risk.index.intersection(m.oof_proba_.index)
    outside = risk.index.difference(m.oof_proba_.index)
    assert 0 < len(inside) < len(risk) and len(outside) > 0
    assert (risk.loc[inside, "churn_probability"] == m.oof_proba_.loc[inside]).all()
    fresh = m.predict_proba(X.loc[outside])[:, 1]
    np.testing.assert_array_equal(risk.loc[outside, "churn_probability"], fresh)
    assert risk["revenue_at_risk"].iloc[:-5].is_monotonic_decreasing
    assert risk["revenue_at_risk"].iloc[-5:].isna().all()
    tail = risk.iloc[-5:]["churn_probability"]
    assert tail.is_monotonic_decreasing  # then by P(churn)


def test_minimum_churner_guard_counts_the_sample() -> None:
    X, y = synthetic(n=4000, churners=120)
    m = ChurnDriverModel(min_churners=50, max_rows=1000).fit(X, y)  # 30 churners sampled
    assert not m.trustworthy_ and "the model's sample of 1,000" in m.reason_


def test_report_states_the_sample_in_its_method_notes(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    n = 3000
    plan = rng.choice(["basic", "premium"], n)
    churned = rng.random(n) < np.where(plan == "basic", 0.4, 0.15)
    customers = pd.DataFrame(
        {
            "customer_id": _ids([f"c{i:04d}" for i in range(n)]),
            "signup_date": _dt(["2024-01-01"] * n),
            "churned": pd.array(churned, dtype="boolean"),
            "churn_date": _dt(["2024-09-01" if c else None for c in churned]),
            "plan": pd.Categorical(plan),
            "age": rng.integers(18, 80, n).astype(float),
            "monthly_revenue": rng.uniform(10, 100, n),
        }
    )
    cx = make_cx({"customers": customers})
    study = churn_study(cx, max_rows=1200, n_permutations=3)
    note = next(s for s in study.notes if "stratified random sample" in s)
    assert "1,200 of the" in note and "rows" in note
    assert len(study.risk) == int((~churned).sum())  # every active customer is scored
    summary = json.loads(save_outputs(study, tmp_path)["summary"].read_text())
    assert summary["model_sample_size"] == 1200 and summary["modelled_customers"] == n
    assert not any("stratified random sample" in s for s in churn_study(cx).notes)


def test_category_codes_match_label_lookup() -> None:
    from cxlib.churn.models import _level_codes

    s = pd.Series(pd.Categorical(["b", None, "a", "z", "b"], categories=["z", "a", "b", "c"]))
    keep = pd.Index(["b", "a"], dtype=object)
    expected = [0.0, np.nan, 1.0, np.nan, 0.0]
    np.testing.assert_array_equal(_level_codes(s, keep), expected)
    np.testing.assert_array_equal(_level_codes(s.astype(object), keep), expected)


def test_bootstrap_from_row_counts_matches_explicit_resamples() -> None:
    from cxlib.churn.nps_drivers import _bootstrap_shares, _raw_weights

    rng = np.random.default_rng(9)
    X = rng.normal(size=(700, 3)) * [1.0, 20.0, 0.5] + [0.0, 300.0, 4.0]
    M = np.column_stack([X, X @ [1.0, 0.05, -2.0] + rng.normal(size=700)])
    reps = _bootstrap_shares(M, 40, 3)
    draws = np.random.default_rng(3)
    for b in range(40):
        w = _raw_weights(M[draws.integers(0, 700, 700)])
        np.testing.assert_allclose(reps[b], w / w.sum(), rtol=1e-9, atol=1e-12)


def test_churn_by_group_aligns_labels_given_in_another_order() -> None:
    customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "churned": [True, False, False]})
    same = churn_by_group(customers, pd.Series(["x", "y", "y"], index=["a", "b", "c"]))
    shuffled = churn_by_group(customers, pd.Series(["y", "x", "y"], index=["c", "a", "b"]))
    pd.testing.assert_frame_equal(same, shuffled)
    assert same.set_index("group").loc["x", "churn_rate"] == 100.0


def test_nps_key_drivers_m_out_of_n_bootstrap_above_the_threshold() -> None:
    rng = np.random.default_rng(10)
    n = 20_000
    F = pd.DataFrame({"ces_mean": rng.normal(3, 1, n), "unresolved_tickets": rng.poisson(1, n)})
    F["csat_mean"] = 0.5 * F["ces_mean"] + rng.normal(4, 1, n)
    F["nps_mean"] = 2 * F["ces_mean"] - F["unresolved_tickets"] + rng.normal(0, 3, n)
    fam = dict.fromkeys(F, "experience")
    full, info_full = nps_key_drivers(F, fam, max_boot_rows=None)
    part, info = nps_key_drivers(F, fam, max_boot_rows=2_000)
    assert info_full["boot_rows"] == n and info["boot_rows"] == 2_000
    pd.testing.assert_series_equal(part["share"], full["share"])  # from every respondent
    width = (part["share_high"] - part["share_low"]) / (full["share_high"] - full["share_low"])
    assert width.between(0.7, 1.4).all()  # scaled to n: unscaled would be sqrt(10) wider
    assert ((part["share_low"] < part["share"]) & (part["share"] < part["share_high"])).all()


def test_retention_curves_align_groups_given_in_another_order() -> None:
    rng = np.random.default_rng(11)
    life = pd.DataFrame(
        {"months": rng.exponential(10, 300), "churned": rng.random(300) < 0.6},
        index=[f"c{i}" for i in range(300)],
    )
    groups = pd.Series(np.where(np.arange(300) % 3, "a", "b"), index=life.index)
    aligned = retention_curves(life, groups, min_n=1)
    shuffled = retention_curves(life, groups.sample(frac=1, random_state=0), min_n=1)
    pd.testing.assert_frame_equal(aligned.summary, shuffled.summary)
    assert aligned.p_value == shuffled.p_value
    partial = retention_curves(life, groups.iloc[:150], min_n=1)  # unlabelled customers: out
    assert partial.summary["customers"].sum() == 150
    assert aligned.summary.set_index("group").loc["b", "customers"] == 100


# --- scikit-learn conventions ----------------------------------------------------------------


@pytest.mark.parametrize(
    "est",
    [
        ChurnDriverModel(model="auto", C=0.5, n_permutations=2, max_rows=None),
        DesignMatrix(),
        CategoryCodes(max_categories=10),
    ],
    ids=lambda e: type(e).__name__,
)
def test_estimators_clone_before_and_after_fit(est: BaseEstimator) -> None:
    X, y = synthetic(n=1000)
    twin = clone(est)
    assert isinstance(est, BaseEstimator) and type(twin) is type(est)
    assert twin.get_params() == est.get_params()
    assert not [a for a in vars(twin) if a.endswith("_")]  # __init__ learns nothing
    fitted = est.fit(X, y)
    assert fitted is est  # fit returns self
    fresh = clone(fitted)
    assert fresh.get_params() == est.get_params()
    assert not [a for a in vars(fresh) if a.endswith("_")]  # a clone is unfitted


@pytest.mark.parametrize("name", ["logistic", "boosting"])
def test_models_are_pipelines_that_clone_and_refit_identically(name: str) -> None:
    X, y = synthetic(n=1000)
    model = make_model(name, X, random_state=0)
    assert isinstance(model, Pipeline) and not hasattr(model[-1], "classes_")
    a = clone(model).fit(X, y).predict_proba(X)
    b = fit_model(name, X, y.to_numpy(), random_state=0).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_design_matrix_is_the_hand_computed_one() -> None:
    rng = np.random.default_rng(12)
    x = rng.normal(size=50)
    x[::7] = np.nan
    g = pd.Categorical(rng.choice(["a", "b", "c"], size=50, p=[0.2, 0.5, 0.3]))
    X = pd.DataFrame({"x": x, "g": g})
    d = DesignMatrix().fit(X)
    filled = np.where(np.isnan(x), np.nanmedian(x), x)
    expected = np.column_stack(
        [(filled - filled.mean()) / filled.std(), np.isnan(x), g == "a", g == "c"]
    )
    np.testing.assert_allclose(d.transform(X), expected, rtol=1e-12, atol=1e-12)
    assert d.terms_["reference"].iloc[-1] == "b"
    only_numbers = DesignMatrix().fit(X[["x"]]).transform(X[["x"]])
    only_levels = DesignMatrix().fit(X[["g"]]).transform(X[["g"]])
    np.testing.assert_array_equal(only_numbers, expected[:, :2])
    np.testing.assert_array_equal(only_levels, expected[:, 2:])


def test_predict_proba_has_one_column_per_class() -> None:
    X, y = synthetic(n=1000)
    m = ChurnDriverModel(n_permutations=2).fit(X, y)
    p = m.predict_proba(X)
    assert p.shape == (len(X), 2) and m.classes_.tolist() == [False, True]
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert list(m.feature_names_in_) == list(X.columns) and m.n_features_in_ == X.shape[1]
