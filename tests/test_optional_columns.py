"""Columns real files lack: customers without signup_date, events without stage (issue 14,
item 7).

None of three real customer files (Mall customers, bank churn modelling, credit-card
churners) has a signup date and none of three real event logs has stages. Both columns are
optional: the data loads, tenure is unknown (never assumed), a log without stages is one
stage, and each report does what it can (said in its notes).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib.churn.data import churn_data
from cxlib.churn.findings import churn_study
from cxlib.churn.survival import SUMMARY_COLUMNS, lifetimes, retention_curves
from cxlib.contract import TABLES
from cxlib.features import customer_features, unavailable_features

NO_TENURE = "customers has no signup_date column: tenure is unknown"


def test_signup_date_and_stage_are_optional_in_the_contract():
    assert "signup_date" not in TABLES["customers"].required
    assert "stage" not in TABLES["events"].required
    assert TABLES["events"].required == ("customer_id", "timestamp", "touchpoint")


def test_a_data_set_without_signup_dates_and_stages_loads(tmp_path: Path):
    """It stopped with 'column signup_date: required column is missing from all 3 rows'."""
    pd.DataFrame({"customer_id": ["1", "2", "3"], "age": [30, 40, 50]}).to_csv(
        tmp_path / "customers.csv", index=False
    )
    pd.DataFrame(
        {
            "customer_id": ["1", "1", "2"],
            "timestamp": ["2025-01-01", "2025-01-02", "2025-01-03"],
            "touchpoint": ["web", "app", "web"],
        }
    ).to_csv(tmp_path / "events.csv", index=False)
    cx = cxlib.load(tmp_path)
    assert cx.quality.to_dict() == {
        "customers": {"rows_in": 3, "rows_kept": 3, "excluded": {}},
        "events": {"rows_in": 3, "rows_kept": 3, "excluded": {}},
    }
    assert "signup_date" not in cx.customers and "stage" not in cx.events


def _churn_customers(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Customers with a churn flag and attributes, no dates (like the bank churn file)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    churned = rng.random(n) < 1 / (1 + np.exp(-(age - 50) / 8))
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(n)],
            "churned": np.where(churned, "yes", "no"),
            "age": age,
            "plan": rng.choice(["basic", "premium"], n),
        }
    )


def test_churn_without_signup_dates_has_no_retention_curves_and_says_why(tmp_path: Path):
    """The churn report crashed in lifetimes() with KeyError: 'signup_date'."""
    _churn_customers().to_csv(tmp_path / "customers.csv", index=False)
    cx = cxlib.load(tmp_path)
    life = lifetimes(cx.customers)
    assert life.empty and list(life.columns) == ["months", "churned"]
    km = retention_curves(life)
    assert km.curves.empty and list(km.summary.columns) == SUMMARY_COLUMNS
    study = churn_study(cx, random_state=0)
    assert "Without customers.signup_date lifetimes are unknown: no retention curves." in (
        study.notes
    )
    assert study.model.cv_summary_["roc_auc"].max() > 0.6  # age drives churn in this world
    assert "tenure_days" not in study.data.X
    with pytest.raises(ValueError) as err:  # no churn dates: the as-of design cannot run
        churn_data(cx, design="asof")
    assert "the as-of design needs customers.churn_date" in str(err.value)


# --- the real files ---------------------------------------------------------------------------

REAL_CUSTOMERS = {
    "mall_customers": {
        "file": "Mall_Customers.csv",
        "columns": {"customer_id": "CustomerID", "gender": "Genre", "age": "Age"},
    },
    "bank_churn_modelling": {
        "file": "Churn_Modelling.csv",
        "columns": {"customer_id": "CustomerId", "churned": "Exited", "age": "Age"},
        "drop": ["RowNumber", "Surname"],
    },
    "credit_card_churners": {
        "file": "BankChurners.csv",
        "columns": {"customer_id": "CLIENTNUM", "churned": "Attrition_Flag"},
        "values": {"churned": {"Attrited Customer": True, "Existing Customer": False}},
    },
}


@pytest.mark.parametrize("name", list(REAL_CUSTOMERS))
def test_real_customer_files_without_signup_dates_load_and_give_features(shared_dir, name):
    folder = shared_dir / "data" / "real" / name
    cx = cxlib.load(folder, {"tables": {"customers": REAL_CUSTOMERS[name]}})
    quality = cx.quality.to_dict()["customers"]
    assert quality["rows_kept"] == quality["rows_in"] > 0
    X = customer_features(cx)
    assert len(X) == len(cx.customers) and "tenure_days" not in X
    why = unavailable_features(cx).set_index("feature")["reason"]
    assert why["tenure_days"] == NO_TENURE


def test_readme_checklist_matches_the_contract_and_the_registry():
    """The README's "What a data set needs for each report": one row per report, naming the
    tables the runner requires and exactly the contract's required columns (in bold)."""
    import re

    from cxlib.paths import PROJECT_ROOT
    from cxlib.report.registry import REPORTS

    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### What a data set needs for each report")[1].split("\n## ")[0]
    rows = {
        cells[1].strip(): cells[2]
        for cells in (line.split("|") for line in section.splitlines())
        if len(cells) > 3 and cells[1].strip() not in ("Report", "---")
    }
    assert set(rows) == {r.name for r in REPORTS}
    for report in REPORTS:
        for table in report.requires + report.requires_any:
            assert f"`{table}`" in rows[report.name], (report.name, table)
        for _, columns, _ in getattr(report, "requires_columns", ()):
            assert all(f"`{c}`" in rows[report.name] for c in columns), (report.name, columns)
    bold = re.findall(r"`(\w+)` \(\*\*([\w, ]+)\*\*\)", section)
    assert {t for t, _ in bold} == {"customers", "events", "surveys", "tickets", "mentions"}
    for table, columns in bold:
        assert tuple(c.strip() for c in columns.split(",")) == TABLES[table].required, table
