"""The six real data sets without a shipped config before issue 14, through their configs.

Each folder of ``../shared/data/real/`` below gets a config in ``configs/`` (named as the
folder). The fast tests load each one and check the counts its SOURCE.md publishes, so a
config that maps the wrong column or loses rows fails here; the slow tests run every
report on it, as ``make reports DATA=... CONFIG=...`` does, and check that the run is
complete: each report succeeded or was skipped with the reason. Everything skips with a
reason when ``../shared`` is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cxlib
from cxlib.paths import PROJECT_ROOT

CONFIGS = PROJECT_ROOT / "configs"

EXPECTED_STATUS = {
    "bank_churn_modelling": {
        "personas": "succeeded",
        "churn": "succeeded",
        "scorecard": "skipped",
        "journey": "skipped",
        "social": "skipped",  # no mentions
        "actions": "succeeded",  # the action plan of what did run
    },
    "credit_card_churners": {
        "personas": "succeeded",
        "churn": "succeeded",
        "scorecard": "skipped",
        "journey": "skipped",
        "social": "skipped",  # no mentions
        "actions": "succeeded",  # the action plan of what did run
    },
    "mall_customers": {
        "personas": "succeeded",
        "churn": "skipped",  # no churn column: nothing to predict
        "scorecard": "skipped",
        "journey": "skipped",
        "social": "skipped",  # no mentions
        "actions": "succeeded",  # the action plan of what did run
    },
    "eventlog_bpic2012": {
        "personas": "skipped",
        "churn": "skipped",
        "scorecard": "skipped",
        "journey": "succeeded",
        "social": "skipped",  # no mentions
        "actions": "succeeded",  # the action plan of what did run
    },
    "eventlog_receipt": {
        "personas": "skipped",
        "churn": "skipped",
        "scorecard": "skipped",
        "journey": "succeeded",
        "social": "skipped",  # no mentions
        "actions": "succeeded",  # the action plan of what did run
    },
    "eventlog_running_example": {
        "personas": "skipped",
        "churn": "skipped",
        "scorecard": "skipped",
        "journey": "succeeded",  # 6 cases: a page that says what it cannot show
        "social": "skipped",  # no mentions
        "actions": "succeeded",  # the action plan of what did run
    },
}
"""What a run on each data set must do with each report."""


def _folder(shared_dir: Path, name: str) -> Path:
    """The data set's folder in ``../shared/data/real`` (skips when it is absent)."""
    folder = shared_dir / "data" / "real" / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


def _load(shared_dir: Path, name: str) -> cxlib.CXData:
    """Load a real data set through its config in ``configs/``."""
    return cxlib.load(_folder(shared_dir, name), CONFIGS / f"{name}.yaml")


def test_every_real_data_set_has_a_config() -> None:
    for name in EXPECTED_STATUS:
        assert (CONFIGS / f"{name}.yaml").is_file(), f"configs/{name}.yaml is missing"


def test_bank_churn_config(shared_dir: Path) -> None:
    cx = _load(shared_dir, "bank_churn_modelling")
    c = cx.customers
    assert len(c) == 10_000 and int(c["churned"].sum()) == 2_037  # 20.4%, as SOURCE.md says
    assert cx.quality.to_dict()["customers"]["excluded"] == {}
    assert {"Surname", "RowNumber", "Tenure"}.isdisjoint(c.columns)  # personal / helper
    assert "monthly_revenue" not in c.columns  # a balance or a salary is not revenue
    assert set(c["region"].dropna()) == {"France", "Spain", "Germany"}
    assert int(c["age"].isna().sum()) == 300  # this copy's empty Age cells, kept as unknown
    years = (c["signup_date"].max() - c["signup_date"]).dt.days / 365.25
    assert round(years.max()) == 10  # Tenure 0-10 years


def test_credit_card_churners_config(shared_dir: Path) -> None:
    cx = _load(shared_dir, "credit_card_churners")
    c = cx.customers
    assert len(c) == 10_127 and int(c["churned"].sum()) == 1_627  # "Attrited Customer"
    assert cx.quality.to_dict()["customers"]["excluded"] == {}
    assert not [col for col in c.columns if col.startswith("Naive_Bayes")]  # leakage
    assert "Avg_Open_To_Buy" not in c.columns  # = Credit_Limit - Total_Revolving_Bal
    assert "monthly_revenue" not in c.columns
    assert set(c["plan"].dropna()) == {"Blue", "Silver", "Gold", "Platinum"}
    assert c["card_transactions_12m"].notna().all()  # Total_Trans_Ct, renamed to words


def test_mall_customers_config(shared_dir: Path) -> None:
    cx = _load(shared_dir, "mall_customers")
    c = cx.customers
    assert len(c) == 200 and c["customer_id"].iloc[0] == "0001"  # zero-padded, kept as text
    assert "churned" not in c.columns and "monthly_revenue" not in c.columns
    assert set(c["gender"].dropna()) == {"Male", "Female"}
    assert {"annual_income", "spending_score"} <= set(c.columns)  # renamed to words


def test_bpic2012_keeps_complete_events(shared_dir: Path) -> None:
    cx = _load(shared_dir, "eventlog_bpic2012")
    e = cx.events
    assert len(e) == 164_506  # the COMPLETE events of 262,200
    quality = cx.quality.to_dict()["events"]
    assert quality["filtered_by_config"] == 97_694 and quality["excluded"] == {}
    assert "W_Assess fraud" in set(e["touchpoint"])  # Dutch work items shown in English
    assert e["customer_id"].nunique() == 13_087
    assert list(cx.config.stage_order) == ["application", "offer", "validation", "approved"]
    assert cx.config.goal == ("approved",) and set(cx.config.outcomes) == {
        "A_APPROVED",
        "A_DECLINED",
        "A_CANCELLED",
    }  # a declined application ended, it was not abandoned
    approved = e.loc[e["touchpoint"] == "A_APPROVED", "customer_id"].nunique()
    reached = e.loc[e["stage"] == "approved", "customer_id"].nunique()
    assert approved == 2_246 and reached >= approved  # as SOURCE.md counts
    assert e["stage"].notna().all()  # every activity has a stage


def test_receipt_config(shared_dir: Path) -> None:
    cx = _load(shared_dir, "eventlog_receipt")
    e = cx.events
    assert len(e) == 8_577 and e["customer_id"].nunique() == 1_434
    assert cx.quality.to_dict()["events"]["excluded"] == {}  # every activity has a stage
    assert set(e["channel"].dropna()) == {"Internet", "Desk", "Post", "e-mail", "Intern"}


def test_running_example_config(shared_dir: Path) -> None:
    cx = _load(shared_dir, "eventlog_running_example")
    e = cx.events
    assert len(e) == 42 and e["customer_id"].nunique() == 6
    assert cx.quality.to_dict()["events"]["excluded"] == {}
    assert e.loc[e["stage"] == "paid", "customer_id"].nunique() == 3  # 3 paid, 3 rejected


def test_running_example_drops_employee_names(shared_dir: Path) -> None:
    """Headers Activity/Resource beside activity/resource are read as Activity_2/Resource_2."""
    e = _load(shared_dir, "eventlog_running_example").events
    assert set(e.columns) == {"customer_id", "timestamp", "stage", "touchpoint"}
    assert not any(e[col].astype(str).eq("Pete").any() for col in e.columns)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED_STATUS))
def test_reports_run_on_real_data(shared_dir: Path, tmp_path: Path, name: str) -> None:
    """``make reports`` on the data set: exit 0, each report succeeded or skipped with why."""
    from cxlib.report.pipeline import run_reports  # the runner only for the slow test

    folder = _folder(shared_dir, name)
    lines: list[str] = []
    result = run_reports(
        folder, CONFIGS / f"{name}.yaml", out_dir=tmp_path, jobs=2, echo=lines.append
    )
    status = {r.report.name: r.status for r in result.reports}
    why = {r.report.name: r.message or (r.error and r.error.to_dict()) for r in result.reports}
    assert result.exit_code == 0, f"{name}: {status} {why}\n" + "\n".join(lines[-20:])
    assert status == EXPECTED_STATUS[name], why
    for r in result.reports:
        if r.status == "skipped":
            assert r.message and r.message.strip(), f"{name}: {r.report.name} skipped silently"
    assert (tmp_path / "latest" / "index.html").is_file()
