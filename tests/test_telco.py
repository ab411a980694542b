"""The churn report on real data: the IBM Telco Customer Churn table, read as it is.

``configs/telco.yaml`` maps the file onto the data contract without editing it. Published
results put held-out ROC-AUC at about 0.84-0.85 on this table; a single 80/20 split swings
by about ±0.015 with the seed, so the models are judged by the mean ROC-AUC over repeated
stratified 5-fold cross-validation (5 repeats, seed 0, fixed in advance). Every test skips,
saying why, when ``../shared`` is absent.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cxlib
from cxlib.churn.data import churn_data
from cxlib.churn.model import ChurnDriverModel
from cxlib.paths import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "configs" / "telco.yaml"
MIN_AUC = 0.84  # each model; the better one must reach BEST_AUC
BEST_AUC = 0.845  # issue 13: the better model, repeated CV (0.845-0.848 before the as-of work)


@pytest.fixture(scope="module")
def telco(shared_dir: Path) -> cxlib.CXData:
    folder = shared_dir / "data" / "real" / "telco_churn"
    if not (folder / "Telco-Customer-Churn.csv").is_file():
        pytest.skip(f"{folder}/Telco-Customer-Churn.csv is absent")
    return cxlib.load(folder, CONFIG)


def test_config_reads_the_file_as_it_is(telco: cxlib.CXData) -> None:
    c = telco.customers
    assert len(c) == 7043 and telco.quality.to_dict()["customers"]["excluded"] == {}
    assert int(c["churned"].sum()) == 1869  # 26.5%, as SOURCE.md says
    assert c["TotalCharges"].isna().sum() == 11  # the blanks of the new customers
    assert set(c["plan"].cat.categories) == {"Month-to-month", "One year", "Two year"}
    data = churn_data(telco)
    assert data.design == "snapshot" and data.excluded.empty  # nothing left out
    tenure_months = data.X["tenure_days"] / 30.4375
    assert tenure_months.min() == 0 and round(tenure_months.max()) == 72


@pytest.mark.slow
def test_cross_validated_auc_of_both_models(telco: cxlib.CXData) -> None:
    data = churn_data(telco)
    model = ChurnDriverModel(n_splits=5, n_repeats=5, n_permutations=2, random_state=0)
    model.fit(data.X, data.y, data.families, data.groups)
    cv = model.cv_summary_
    print(
        "\nTelco repeated stratified 5-fold CV ROC-AUC (5 repeats, seed 0):\n"
        + cv[["roc_auc", "roc_auc_sd", "roc_auc_min", "roc_auc_max", "folds"]].to_string()
    )
    assert (cv["folds"] == 25).all()
    assert cv.loc["logistic", "roc_auc"] >= MIN_AUC
    assert cv.loc["boosting", "roc_auc"] >= MIN_AUC
    assert cv["roc_auc"].max() >= BEST_AUC
    top = ";".join(model.drivers_.head(3)["features"]).split(";")
    assert "tenure_days" in top and "plan" in top  # tenure and contract, as published


@pytest.mark.slow
def test_churn_report_runs_end_to_end(telco: cxlib.CXData, tmp_path: Path) -> None:
    folder = Path(telco.source)
    cmd = [sys.executable, "-m", "cxlib", "reports", "--data", str(folder), "--config",
           str(CONFIG), "--out", str(tmp_path), "--only", "churn"]  # fmt: skip
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = tmp_path / "latest"
    assert (run / "churn_drivers.html").is_file()
    summary = json.loads((run / "outputs" / "churn_drivers.json").read_text())
    assert summary["auc_logistic"] >= MIN_AUC and summary["auc_boosting"] >= MIN_AUC
    assert summary["churn_rate"] == pytest.approx(1869 / 7043)
    assert len(summary["findings"]) == 3
    assert (run / "outputs" / "churn_at_risk.csv").is_file()
