"""Tests for cxlib.io.config: the YAML file that maps a user's data onto the contract.

Column and value mapping, constants, date formats, dropped columns, skipped tables, custom
scales and stage orders -- each through a real load of a tiny CSV; then the errors: an
unknown key is a ConfigError naming it, a mapped column the file lacks is a structural error.
"""

from __future__ import annotations

import pandas as pd
import pytest
from helpers_io import example_rows, write_csv

import cxlib
from cxlib.contract import DEFAULT_SCALES, DEFAULT_STAGE_ORDER
from cxlib.io.config import ConfigError, DatasetConfig, TableMapping, load_config
from cxlib.io.readers import DataContractError

TELCO = """
customerID,Start,Churn,TotalCharges,Contract,Tenure
0012,05/01/2024 10:30,Yes,120.5,Month-to-month,12
0013,06/01/2024 23:59,No,80,Two year,3
0014,07/01/2024 08:00,Maybe,10,One year,1
0015,32/01/2024 08:00,No,10,One year,1
"""
"""A Telco-style export: other column names, Yes/No churn, day-first dates."""

TELCO_YAML = """
name: telco
tables:
  customers:
    file: Telco.csv
    columns: {customer_id: customerID, signup_date: Start, churned: Churn, contract: Contract}
    values: {churned: {"Yes": true, "No": false}}
    formats: {signup_date: "%d/%m/%Y %H:%M"}
    drop: [TotalCharges]
  surveys:
    file: answers.csv
    constants: {survey: nps}
  events: null
"""


@pytest.fixture
def telco(tmp_path):
    """A data folder with the Telco export and an answers file lacking ``survey``."""
    write_csv(tmp_path, "Telco.csv", TELCO)
    write_csv(
        tmp_path,
        "answers.csv",
        """
        customer_id,responded_at,score
        0012,2024-02-01,9
        0013,2024-02-01,11
        0099,2024-02-01,10
        """,
    )
    # an events file that must not be read: it would fail validation
    write_csv(tmp_path, "events.csv", "customer_id,stage\n0012,awareness\n")
    path = tmp_path / "cx.yml"
    path.write_text(TELCO_YAML, encoding="utf-8")
    return tmp_path, path


def test_defaults():
    cfg = load_config(None)
    assert cfg == DatasetConfig()
    assert cfg.timezone == "UTC"
    assert cfg.stage_order == DEFAULT_STAGE_ORDER
    assert cfg.scales == DEFAULT_SCALES
    assert cfg.mapping("customers") == TableMapping()
    assert load_config(cfg) is cfg


def test_yaml_file_is_parsed(telco):
    _, path = telco
    cfg = load_config(path)
    assert cfg.name == "telco"
    assert cfg.path == path
    customers = cfg.mapping("customers")
    assert customers.file == "Telco.csv"
    assert customers.source_column("customer_id") == "customerID"
    assert customers.source_column("age") == "age"
    assert customers.values == {"churned": {"Yes": True, "No": False}}
    assert customers.formats == {"signup_date": "%d/%m/%Y %H:%M"}
    assert customers.drop == ("TotalCharges",)
    assert cfg.mapping("surveys").constants == {"survey": "nps"}
    assert cfg.mapping("events").skip
    assert not cfg.mapping("tickets").skip


def test_column_value_mapping_formats_and_drop(telco):
    folder, path = telco
    cx = cxlib.load(folder, path)
    q = cx.quality.tables["customers"]
    assert q.rows_in == 4
    assert q.excluded == {"unparseable_date": 1, "unparseable_bool": 1}
    assert example_rows(q) == {"unparseable_date": [4], "unparseable_bool": [3]}
    c = cx.customers
    assert c["customer_id"].tolist() == ["0012", "0013"]
    assert c["churned"].tolist() == [True, False]
    assert c["churned"].dtype == "boolean"
    # "%d/%m/%Y %H:%M" read day first; a date column keeps its calendar day
    assert c["signup_date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-06")]
    # dropped, renamed and kept extra columns
    assert "TotalCharges" not in c.columns
    assert "customerID" not in c.columns and "Churn" not in c.columns
    assert c["contract"].tolist() == ["Month-to-month", "Two year"]
    assert c["Tenure"].dtype == "float64"
    # the examples show the source as written, under the source names
    assert q.examples["unparseable_bool"]["Churn"].tolist() == ["Maybe"]


def test_constant_column_and_skipped_table(telco):
    folder, path = telco
    cx = cxlib.load(folder, path)
    s = cx.quality.tables["surveys"]
    assert s.origin.endswith("answers.csv")
    assert s.excluded == {"score_out_of_range": 1, "orphan_customer_id": 1}
    assert cx.surveys["survey"].tolist() == ["nps"]
    assert cx.surveys["score"].tolist() == [9]
    assert cx.events is None
    assert "events" in cx.quality.missing_tables


def test_value_map_on_a_category(tmp_path):
    write_csv(
        tmp_path,
        "surveys.csv",
        """
        responded_at,survey,score
        2024-01-05,Net Promoter,9
        2024-01-05,Satisfaction,4
        2024-01-05,Effort,7
        """,
    )
    config = {
        "tables": {
            "surveys": {
                "values": {
                    "survey": {"Net Promoter": "nps", "Satisfaction": "csat", "Effort": "ces"}
                }
            }
        }
    }
    cx = cxlib.load(tmp_path, config)
    assert cx.surveys["survey"].tolist() == ["nps", "csat"]
    assert cx.quality.tables["surveys"].excluded == {"score_out_of_range": 1}


def test_datetime_format_in_a_timezone(tmp_path):
    write_csv(
        tmp_path,
        "tickets.csv",
        """
        ticket_id,customer_id,opened_at,channel
        t1,c1,05/01/2024 10:30,phone
        t2,c1,05/07/2024 10:30,phone
        t3,c1,2024-01-05T10:30:00Z,phone
        t4,c1,5.1.2024 10:30,phone
        """,
    )
    config = {
        "timezone": "Europe/Prague",
        "tables": {"tickets": {"formats": {"opened_at": "%d/%m/%Y %H:%M"}}},
    }
    cx = cxlib.load(tmp_path, config)
    assert cx.quality.tables["tickets"].excluded == {"unparseable_date": 1}
    assert cx.tickets["opened_at"].tolist() == [
        pd.Timestamp("2024-01-05 09:30"),
        pd.Timestamp("2024-07-05 08:30"),
        pd.Timestamp("2024-01-05 10:30"),
    ]


def test_custom_scale_changes_score_out_of_range(tmp_path):
    write_csv(
        tmp_path,
        "surveys.csv",
        """
        responded_at,survey,score
        2024-01-05,ces,1
        2024-01-05,ces,5
        2024-01-05,ces,6
        2024-01-05,ces,7
        2024-01-05,ces,8
        2024-01-05,csat,6
        """,
    )
    default = cxlib.load(tmp_path).quality.tables["surveys"]
    assert default.excluded == {"score_out_of_range": 4}
    seven = cxlib.load(tmp_path, {"scales": {"ces": [1, 7]}})
    q = seven.quality.tables["surveys"]
    assert q.excluded == {"score_out_of_range": 2}
    assert example_rows(q) == {"score_out_of_range": [5, 6]}
    assert seven.surveys["score"].tolist() == [1, 5, 6, 7]
    assert seven.config.scales == {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def test_custom_stage_order(tmp_path):
    write_csv(
        tmp_path,
        "events.csv",
        """
        customer_id,timestamp,stage,touchpoint
        c1,2024-01-05 10:00,retention,email
        c1,2024-01-05 09:00,discover,ad
        c1,2024-01-05 09:30,buy,checkout
        c1,2024-01-05 09:45,awareness,ad
        """,
    )
    cx = cxlib.load(tmp_path, {"stage_order": ["discover", "buy", "retention"]})
    q = cx.quality.tables["events"]
    assert q.excluded == {"unknown_stage": 1}
    assert example_rows(q) == {"unknown_stage": [4]}
    stage = cx.events["stage"]
    assert stage.dtype == pd.CategoricalDtype(["discover", "buy", "retention"], ordered=True)
    assert cx.events.sort_values("stage")["touchpoint"].tolist() == ["ad", "checkout", "email"]


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"timezon": "UTC"}, "timezon"),
        ({"tables": {"custmers": {}}}, "custmers"),
        ({"tables": {"customers": {"colums": {}}}}, "colums"),
        ({"tables": {"customers": {"formats": {"signup": "%d/%m/%Y"}}}}, "signup"),
        ({"tables": {"customers": {"constants": {"plann": "basic"}}}}, "plann"),
        ({"tables": {"customers": {"values": {"churnd": {"Yes": True}}}}}, "churnd"),
        ({"scales": {"ces": [7, 1]}}, "scales.ces"),
        ({"stage_order": ["a", "b", "a"]}, "stage_order"),
        ({"tables": {"customers": ["customer_id"]}}, "tables.customers"),
    ],
)
def test_bad_config_is_a_config_error_naming_the_key(raw, named):
    with pytest.raises(ConfigError, match=named):
        load_config(raw)


def test_unknown_key_in_a_yaml_file_names_the_file(tmp_path):
    path = tmp_path / "cx.yml"
    path.write_text("name: x\ntables:\n  surveys:\n    fiel: answers.csv\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert "fiel" in str(err.value) and "file" in str(err.value)  # the allowed keys


def test_config_file_that_is_missing_or_not_yaml(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("tables: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    top = tmp_path / "list.yml"
    top.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="top level"):
        load_config(top)


def test_unknown_timezone_is_a_config_error(tmp_path):
    write_csv(tmp_path, "surveys.csv", "responded_at,survey,score\n2024-01-05,nps,9\n")
    with pytest.raises(ConfigError, match="timezone"):
        cxlib.load(tmp_path, {"timezone": "Europe/Prag"})


def test_mapped_source_column_that_is_absent_is_structural(tmp_path):
    path = write_csv(
        tmp_path,
        "customers.csv",
        """
        customer_id,signup_date,Age_years
        c1,2024-01-01,30
        """,
    )
    with pytest.raises(DataContractError) as err:
        cxlib.load(tmp_path, {"tables": {"customers": {"columns": {"age": "Age"}}}})
    (problem,) = err.value.problems
    assert str(path) in problem
    assert "'age'" in problem and "'Age'" in problem
    assert "Age_years" in problem  # what the file has instead
    assert "Fix:" in problem and "tables.customers.columns.age" in problem


def test_mapping_an_extra_column_renames_it(tmp_path):
    write_csv(tmp_path, "customers.csv", "customer_id,signup_date,Seg\nc1,2024-01-01,gold\n")
    cx = cxlib.load(tmp_path, {"tables": {"customers": {"columns": {"segment": "Seg"}}}})
    assert cx.customers["segment"].tolist() == ["gold"]
    assert "Seg" not in cx.customers.columns
