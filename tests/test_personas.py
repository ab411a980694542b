"""Tests for cxlib.personas naming, profiles and findings: deterministic names from z-scores,
profiles with CIs, sentences, cards and output files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib import personas
from cxlib.features import customer_features
from cxlib.personas.findings import cards_html, findings, overall_metrics, save_outputs
from cxlib.personas.naming import format_value, name_personas
from cxlib.personas.profiles import persona_profiles
from cxlib.personas.segmenter import PersonaSegmenter


def _name(z: dict[str, float], **kwargs) -> pd.Series:
    """Name one persona (id 1) from its z-scores; means = z, population = 0."""
    frame = pd.DataFrame(z, index=pd.Index([1], name="persona_id"))
    return name_personas(frame, frame, dict.fromkeys(z, 0.0), **kwargs).loc[1]


@pytest.mark.parametrize(
    ("z", "name"),
    [
        # a leading noun is qualified by the strongest adjective of another concept
        ({"avg_order_value": -1.25, "age": -1.23, "events_share_app": 0.97}, "Young app-first bargain hunters"),
        ({"unresolved_tickets": 2.0, "ticket_count": 1.95, "nps_mean": -1.5}, "Support-heavy strugglers"),
        # a leading adjective takes the strongest noun of another concept (big spenders
        # shares the "spend" concept with premium, so loyalists follow)
        ({"avg_order_value": 1.5, "order_total": 1.1, "nps_mean": 0.99}, "Premium loyalists"),
        ({"browse_share": 1.5, "orders_per_month": -1.2}, "Occasional browsers"),
        # a weak noun (|z| < 0.8) does not name the persona
        ({"digital_share": -1.8, "age": 1.3, "order_total": 0.53}, "Older offline customers"),
        # nothing at |z| >= 0.5: named by its strongest columns, never "Typical ..."
        ({"age": 0.3, "digital_share": -0.2}, "Customers with average age and digital share of events"),
        # columns without words of their own (a data set's income, score) read high/low
        ({"Annual Income (k$)": 1.0, "Spending Score (1-100)": -1.2}, "Customers with low spending score and high annual income"),
    ],
)  # fmt: skip
def test_names_from_the_strongest_traits(z, name):
    assert _name(z)["persona_name"] == name


def test_alias_alliterates_on_the_strongest_trait():
    row = _name({"ces_mean": 1.4, "tenure_days": 0.6})
    assert row["persona_alias"] == "Efficient Emma"
    first, given = row["persona_alias"].split()
    assert first[0] == given[0]


def test_description_states_numbers_against_the_population():
    z = pd.DataFrame({"age": [-1.2], "digital_share": [0.6]}, index=[1])
    means = pd.DataFrame({"age": [24.0], "digital_share": [0.99]}, index=[1])
    row = name_personas(z, means, {"age": 44.5, "digital_share": 0.85}).loc[1]
    assert row["description"] == "Age 24 vs 44; digital share of events 99% vs 85% overall."
    assert row["traits"] == "age -1.2, digital_share +0.6"


def test_naming_is_deterministic_and_ignores_column_order():
    rng = np.random.default_rng(3)
    cols = ["age", "digital_share", "avg_order_value", "nps_mean", "browse_share", "ticket_count"]
    z = pd.DataFrame(rng.normal(0, 1.2, (5, len(cols))), columns=cols, index=range(1, 6))
    a = name_personas(z, z, dict.fromkeys(cols, 0.0))
    b = name_personas(z[cols[::-1]], z[cols[::-1]], dict.fromkeys(cols, 0.0))
    pd.testing.assert_series_equal(a["persona_name"], b["persona_name"])
    assert a["persona_name"].is_unique and a["persona_alias"].is_unique


def test_personas_that_would_share_a_name_are_told_apart():
    z = pd.DataFrame(
        {"browse_share": [1.5, 1.2], "tenure_days": [0.9, -0.7], "digital_share": [0.0, 0.0]},
        index=[1, 2],
    )
    names = name_personas(z, z, {})["persona_name"]
    assert names.is_unique
    assert names.tolist() == ["Long-standing browsers", "New browsers"]
    same = pd.DataFrame({"browse_share": [1.5, 1.2]}, index=[1, 2])
    assert name_personas(same, same, {})["persona_name"].tolist() == [
        "Browsers, higher browsing share of events",
        "Browsers, lower browsing share of events",
    ]


def test_name_overrides():
    z = pd.DataFrame({"age": [-1.0, 1.0]}, index=[1, 2])
    assert name_personas(z, z, {}, overrides={2: "Silver surfers"})["persona_name"].tolist() == [
        "Young customers",
        "Silver surfers",
    ]
    assert name_personas(z, z, {}, overrides=["A", "B"])["persona_name"].tolist() == ["A", "B"]
    with pytest.raises(ValueError, match="unknown persona"):
        name_personas(z, z, {}, overrides={7: "X"})


# --- profiles and findings on the sample ----------------------------------------------------


@pytest.fixture(scope="module")
def fitted(small_sample):
    cx = cxlib.load(small_sample)
    X = customer_features(cx)
    return cx, X, PersonaSegmenter(k=5, random_state=0).fit(X)


def test_profiles_have_metrics_with_intervals(fitted):
    cx, X, seg = fitted
    p = persona_profiles(cx, seg, X)
    assert list(p["persona_id"]) == [1, 2, 3, 4, 5]
    assert p["revenue_share"].sum() == pytest.approx(1.0)
    for m in ("nps", "csat", "ces_mean", "churn_rate"):
        assert (p[f"{m}_ci_low"] <= p[m]).all() and (p[m] <= p[f"{m}_ci_high"]).all()
    # churn per persona matches a direct count
    churned = cx.customers.set_index("customer_id")["churned"].reindex(seg.personas_["customer_id"])
    direct = churned.groupby(seg.labels_).mean().to_numpy() * 100
    np.testing.assert_allclose(p["churn_rate"], direct)
    assert p["churn_rate_n"].sum() == len(cx.customers)
    known = cx.surveys["customer_id"].isin(seg.personas_["customer_id"])
    nps_answers = cx.surveys[(cx.surveys["survey"] == "nps") & known]
    assert p["nps_n"].sum() == len(nps_answers)
    assert p["preferred_channel"].notna().all()
    assert p["age_band"].str.fullmatch(r"\d+-\d+").all()


def test_findings_name_the_valuable_and_the_at_risk(fitted):
    cx, X, seg = fitted
    p = persona_profiles(cx, seg, X)
    lines = findings(p, seg, overall_metrics(cx))
    assert len(lines) == 3
    assert lines[0].startswith(f"5 personas describe the {len(X):,} customers")
    top = p.loc[(p["revenue_share"] / p["share"]).idxmax(), "persona_name"]
    risky = p.loc[p["churn_rate"].idxmax(), "persona_name"]
    assert top in lines[1] and "of revenue" in lines[1]
    assert risky in lines[2] and "95% CI" in lines[2]


def test_output_files_follow_the_contract(fitted, tmp_path):
    cx, X, seg = fitted
    p = persona_profiles(cx, seg, X)
    lines = findings(p, seg, overall_metrics(cx))
    paths = save_outputs(tmp_path, seg, p, lines)
    assert {path.name for path in paths.values()} == {
        "personas.csv",
        "persona_profiles.csv",
        "persona_segmentation.json",
    }
    personas = pd.read_csv(tmp_path / "personas.csv", dtype={"customer_id": str})
    assert list(personas.columns) == ["customer_id", "persona_id", "persona_name"]
    assert personas["customer_id"].tolist() == list(X.index)  # leading zeros kept
    profiles = pd.read_csv(tmp_path / "persona_profiles.csv")
    assert len(profiles) == 5 and "mean_age" in profiles and "nps_ci_low" in profiles
    summary = json.loads((tmp_path / "persona_segmentation.json").read_text())
    assert summary["k"] == 5 and summary["findings"] == lines
    assert summary["sizes"] == p["n"].tolist() and summary["names"] == p["persona_name"].tolist()
    assert 0 < summary["silhouette"] < 1 and 0 < summary["stability"] <= 1
    assert set(summary) == set(cxlib.personas.summary(seg, p, lines))  # the JSON is summary()


def test_names_given_reach_the_profiles_and_personas_csv(fitted, tmp_path):
    cx, X, seg = fitted
    p = persona_profiles(cx, seg, X, names={2: "Weekend warriors"})
    assert p.set_index("persona_id").loc[2, "persona_name"] == "Weekend warriors"
    path = personas.write_personas(tmp_path, seg, p)
    assert path.name == personas.PERSONAS_FILE
    written = pd.read_csv(path, dtype={"customer_id": str})
    assert (written.loc[written["persona_id"] == 2, "persona_name"] == "Weekend warriors").all()
    assert (written["persona_id"] == seg.labels_).all()


def test_cards_escape_customer_text(fitted):
    cx, X, seg = fitted
    p = persona_profiles(cx, seg, X, names={1: "<script>alert('x')</script> & co"})
    html = cards_html(p)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co" in html
    assert html.count("border-left:6px solid") == len(p)
    for alias in p["persona_alias"]:
        assert alias in html


def test_values_are_written_by_unit():
    assert format_value("browse_share", 0.635) == "64%"
    assert format_value("monthly_revenue", 12_345.0) == "12.3k"  # cxlib.wording.money
    assert format_value("tenure_days", 365.25) == "12 months"
    assert format_value("days_since_last_event", 407.87) == "408"
    assert format_value("nps_mean", 7.0859) == "7.1"
    assert format_value("plan=basic", 0.5) == "50%"
