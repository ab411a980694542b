"""The churn drivers on real bank tables with known shapes, and no personal data on a page.

- Churn_Modelling (configs/bank_churn_modelling.yaml): churn by number of products is
  28% / 8% / 83% / 100% for 1-4 products (a U, the strongest driver in a reference model);
  the report must rank it among the top two drivers, describe its shape ("lowest at 2")
  and never give it a per-unit effect; the better model reaches a CV ROC-AUC of 0.86.
- BankChurners (configs/credit_card_churners.yaml): spend and transaction count move
  together; no sentence may say that a step of spend multiplies the odds of churn.

The real-data tests skip, saying why, when ``../shared`` is absent. The privacy tests build
their own tables: a customer's name, e-mail or phone never reaches a page or a published
CSV, and e-mail ids are shown as pseudonyms with the mapping kept in a private file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib.churn.findings import churn_study, save_outputs, summary_sentences
from cxlib.io.config import DatasetConfig
from cxlib.io.dataset import CXData
from cxlib.io.quality import QualityReport
from cxlib.paths import PROJECT_ROOT, private_outputs

PER_UNIT = ("each additional", "each +", "odds", " per ")
"""Words of a per-unit effect: a shape sentence never uses them."""


def _load(shared_dir: Path, folder: str, file: str, config: str) -> cxlib.CXData:
    path = shared_dir / "data" / "real" / folder
    if not (path / file).is_file():
        pytest.skip(f"{path}/{file} is absent")
    return cxlib.load(path, PROJECT_ROOT / "configs" / config)


@pytest.mark.slow
def test_churn_modelling_products_is_a_top_driver_with_its_u_shape(shared_dir: Path) -> None:
    cx = _load(
        shared_dir, "bank_churn_modelling", "Churn_Modelling.csv", "bank_churn_modelling.yaml"
    )
    study = churn_study(cx, n_permutations=5)
    m = study.model
    assert m.cv_summary_["roc_auc"].max() >= 0.86
    top2 = m.drivers_.head(2).set_index("lead")
    assert "products_held" in top2.index
    products = top2.loc["products_held"]
    assert products["shape"] == "u_shaped"
    assert "lowest at 2 products held" in products["sentence"]
    assert not any(w in products["sentence"].lower() for w in PER_UNIT)
    shape = m.shapes_[products["driver"]].set_index("label")["rate"].round(2)
    assert shape.to_dict() == {"1": 0.28, "2": 0.08, "3": 0.83, "4": 1.0}


@pytest.mark.slow
def test_bank_churners_spend_gets_no_per_unit_odds(shared_dir: Path) -> None:
    cx = _load(shared_dir, "credit_card_churners", "BankChurners.csv", "credit_card_churners.yaml")
    study = churn_study(cx, n_permutations=3)
    text = " ".join(summary_sentences(study)) + " ".join(study.model.drivers_["sentence"])
    assert "multiplies the odds" not in text and "odds of churn" not in text
    spend = study.model.drivers_[study.model.drivers_["features"].str.contains("card_spend_12m")]
    assert "card_transactions_12m" in spend["features"].iloc[0]  # one driver, not two rivals


def _customers_with_contacts(n: int = 1500, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "premium"], n)
    churned = rng.random(n) < np.where(plan == "basic", 0.45, 0.15)
    first = rng.choice(["Anna", "Jan", "Petra", "Tomas", "Eva"], n)
    return pd.DataFrame(
        {
            "customer_id": pd.array([f"user{i}@example.com" for i in range(n)], dtype="string"),
            "signup_date": pd.to_datetime("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "churned": pd.array(churned, dtype="boolean"),
            "plan": pd.Categorical(plan),
            "full_name": pd.Categorical([f"{f} Novak{i % 40}" for i, f in enumerate(first)]),
            "phone": pd.Categorical([f"+420 601 {i:03d} {i % 997:03d}" for i in range(n)]),
            "monthly_revenue": rng.uniform(10, 90, n),
        }
    )


def test_no_name_email_or_phone_reaches_the_outputs(tmp_path: Path) -> None:
    customers = _customers_with_contacts()
    cx = CXData("pii", DatasetConfig(), QualityReport("pii"), {"customers": customers})
    study = churn_study(cx, n_permutations=2)
    excluded = study.data.excluded.set_index("feature")["reason"]
    assert excluded["full_name"].startswith("personal data")
    assert excluded["phone"].startswith("personal data")
    out = tmp_path / "run" / "outputs"
    files = save_outputs(study, out)
    published = "".join(p.read_text() for p in out.iterdir())
    published += " ".join(summary_sentences(study))
    for value in ("Novak", "@example.com", "+420 601"):
        assert value not in published
    risk = pd.read_csv(files["at_risk"])
    assert risk["customer_id"].str.match(r"^C-[0-9a-f]{10}$").all()  # pseudonyms
    mapping = pd.read_csv(private_outputs(out) / "churn_id_map.csv")
    assert files["id_map"].parent == private_outputs(out) and "_private" in str(files["id_map"])
    assert set(mapping["pseudonym"]) == set(risk["customer_id"])
    assert mapping["customer_id"].str.endswith("@example.com").all()
