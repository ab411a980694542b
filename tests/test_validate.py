"""Tests for cxlib.io.validate (through ``cxlib.load``) and the ``validate`` command.

Each test writes a tiny hand-built CSV into ``tmp_path``. Row problems: the exact count per
reason, rows in = kept + excluded, the example rows (at most five, with their 1-based data-row
number in ``_row``) and the kept rows. Structural problems: one DataContractError whose message
names the file, the column, the count and the fix. Then the types of the clean frames, the
JSON report of ``python -m cxlib validate`` and a property test of the accounting.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from helpers_io import assert_balanced, example_rows, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxlib
from cxlib import cli
from cxlib.contract import REASONS
from cxlib.io.readers import DataContractError

# --------------------------------------------------------------------------------------------
# Row problems: one test per reason, on a single table (no customers file -> no orphan check)
# --------------------------------------------------------------------------------------------

KEYS = {
    "customers": "customer_id",
    "surveys": "response_id",
    "tickets": "ticket_id",
    "events": "session_id",
    "orders": "order_id",
    "mentions": "mention_id",
}
"""The column naming each row in the cases below (events: session_id, used as a label)."""

ROW_CASES = {
    # reason: (table, csv, data rows expected excluded, kept keys)
    "score_out_of_range": (
        "surveys",
        """
        response_id,responded_at,survey,score
        s1,2024-01-05,nps,10
        s2,2024-01-05,nps,11
        s3,2024-01-05,csat,0
        s4,2024-01-05,csat,5
        s5,2024-01-05,ces,6
        s6,2024-01-05,ces,1
        s7,2024-01-05,nps,-1
        s8,2024-01-05,nps,0
        """,
        [2, 3, 5, 7],
        ["s1", "s4", "s6", "s8"],
    ),
    "unparseable_date": (
        "surveys",
        """
        response_id,responded_at,survey,score
        s1,2024-01-05 10:00,nps,9
        s2,2024-02-30,nps,9
        s3,yesterday,nps,9
        s4,2024-01-06T08:30:00Z,nps,9
        """,
        [2, 3],
        ["s1", "s4"],
    ),
    "negative_amount": (
        "orders",
        """
        order_id,customer_id,ordered_at,amount
        o1,c1,2024-01-05,10.50
        o2,c1,2024-01-05,-0.01
        o3,c1,2024-01-05,0
        o4,c2,2024-01-05,-100
        """,
        [2, 4],
        ["o1", "o3"],
    ),
    "response_before_open": (
        "tickets",
        """
        ticket_id,customer_id,opened_at,first_response_at,resolved_at,channel
        t1,c1,2024-01-05 10:00,2024-01-05 10:30,2024-01-05 11:00,phone
        t2,c1,2024-01-05 10:00,2024-01-05 09:59,,email
        t3,c1,2024-01-05 10:00,,,chat
        t4,c1,2024-01-05 10:00,2024-01-05 10:00,,chat
        """,
        [2],
        ["t1", "t3", "t4"],
    ),
    "churn_before_signup": (
        "customers",
        """
        customer_id,signup_date,churned,churn_date
        c1,2024-01-05,true,2024-02-01
        c2,2024-01-05,true,2024-01-04
        c3,2024-01-05,false,
        c4,2024-01-05,true,2024-01-05
        """,
        [2],
        ["c1", "c3", "c4"],
    ),
    "resolved_before_open": (
        "tickets",
        """
        ticket_id,customer_id,opened_at,first_response_at,resolved_at,channel
        t1,c1,2024-01-05 10:00,,2024-01-05 12:00,phone
        t2,c1,2024-01-05 10:00,,2024-01-04 12:00,phone
        t3,c1,2024-01-05 10:00,,,phone
        """,
        [2],
        ["t1", "t3"],
    ),
    "unknown_survey_type": (
        "surveys",
        """
        response_id,responded_at,survey,score
        s1,2024-01-05,nps,9
        s2,2024-01-05,xyz,9
        s3,2024-01-05,NPS,9
        s4,2024-01-05, csat ,4
        s5,2024-01-05,net promoter,9
        """,
        [2, 5],
        ["s1", "s3", "s4"],
    ),
    "unknown_stage": (
        "events",
        """
        customer_id,timestamp,stage,touchpoint,session_id
        c1,2024-01-05 10:00,awareness,ad_click,e1
        c1,2024-01-05 10:01,checkout,checkout,e2
        c1,2024-01-05 10:02,purchase,payment,e3
        c1,2024-01-05 10:03,Purchase,payment,e4
        """,
        [2, 4],
        ["e1", "e3"],
    ),
    "unparseable_number": (
        "tickets",
        """
        ticket_id,customer_id,opened_at,channel,contacts
        t1,c1,2024-01-05 10:00,phone,1
        t2,c1,2024-01-05 10:00,phone,two
        t3,c1,2024-01-05 10:00,phone,1.5
        t4,c1,2024-01-05 10:00,phone,
        t5,c1,2024-01-05 10:00,phone,3.0
        """,
        [2, 3],
        ["t1", "t4", "t5"],
    ),
    "unparseable_bool": (
        "customers",
        """
        customer_id,signup_date,churned
        c1,2024-01-05,yes
        c2,2024-01-05,maybe
        c3,2024-01-05,FALSE
        c4,2024-01-05,1
        c5,2024-01-05,2
        c6,2024-01-05,
        """,
        [2, 5],
        ["c1", "c3", "c4", "c6"],
    ),
    "age_out_of_range": (
        "customers",
        """
        customer_id,signup_date,age
        c1,2024-01-05,1
        c2,2024-01-05,0
        c3,2024-01-05,119
        c4,2024-01-05,120
        c5,2024-01-05,-3
        c6,2024-01-05,
        """,
        [2, 4, 5],
        ["c1", "c3", "c6"],
    ),
    "count_out_of_range": (
        "tickets",
        """
        ticket_id,customer_id,opened_at,channel,contacts
        t1,c1,2024-01-05 10:00,phone,1
        t2,c1,2024-01-05 10:00,phone,0
        t3,c1,2024-01-05 10:00,phone,-2
        t4,c1,2024-01-05 10:00,phone,7
        """,
        [2, 3],
        ["t1", "t4"],
    ),
    "missing_value": (
        "surveys",
        """
        response_id,responded_at,survey,score,comment
        s1,2024-01-05,nps,9,fine
        s2,,nps,9,no date
        s3,2024-01-05,,9,no survey
        s4,2024-01-05,nps,,no score
        s5,2024-01-05,nps,  ,blank score
        s6,2024-01-05,nps,7,
        """,
        [2, 3, 4, 5],
        ["s1", "s6"],
    ),
}


@pytest.mark.parametrize("reason", list(ROW_CASES))
def test_row_problem_is_excluded_counted_and_exemplified(tmp_path, reason):
    table, text, bad_rows, kept = ROW_CASES[reason]
    write_csv(tmp_path, f"{table}.csv", text)
    cx = cxlib.load(tmp_path)
    q = cx.quality.tables[table]
    rows_in = len(bad_rows) + len(kept)
    assert q.rows_in == rows_in
    assert q.excluded == {reason: len(bad_rows)}
    assert q.rows_kept == len(kept)
    assert_balanced(q)
    assert example_rows(q) == {reason: bad_rows}
    frame = cx.tables[table]
    assert frame[KEYS[table]].tolist() == kept


def test_example_rows_hold_the_source_values(tmp_path):
    write_csv(
        tmp_path,
        "orders.csv",
        """
        order_id,customer_id,ordered_at,amount
        o1,c1,2024-01-05,10
        o2,007,05/01/2024,-3
        """,
    )
    q = cxlib.load(tmp_path).quality.tables["orders"]
    ex = q.examples["unparseable_date"]
    assert ex.to_dict("records") == [
        {
            "_row": 2,
            "order_id": "o2",
            "customer_id": "007",
            "ordered_at": "05/01/2024",
            "amount": "-3",
        }
    ]


def test_negative_monthly_revenue_is_a_negative_amount(tmp_path):
    write_csv(
        tmp_path,
        "customers.csv",
        """
        customer_id,signup_date,monthly_revenue
        c1,2024-01-05,19.99
        c2,2024-01-05,-5
        c3,2024-01-05,
        """,
    )
    cx = cxlib.load(tmp_path)
    q = cx.quality.tables["customers"]
    assert q.excluded == {"negative_amount": 1}
    assert example_rows(q) == {"negative_amount": [2]}
    assert cx.customers["customer_id"].tolist() == ["c1", "c3"]


def test_negative_engagement_count_in_mentions(tmp_path):
    write_csv(
        tmp_path,
        "mentions.csv",
        """
        mention_id,posted_at,platform,text,likes,shares
        m1,2024-01-05,x,great,0,0
        m2,2024-01-05,x,bad,-1,0
        m3,2024-01-05,x,meh,3,
        """,
    )
    cx = cxlib.load(tmp_path)
    q = cx.quality.tables["mentions"]
    assert q.excluded == {"count_out_of_range": 1}
    assert cx.mentions["mention_id"].tolist() == ["m1", "m3"]


def test_seven_bad_rows_give_five_examples_in_source_order(tmp_path):
    lines = ["response_id,responded_at,survey,score"]
    lines += [f"s{i},2024-01-05,nps,{11 if i != 4 and i != 8 else 9}" for i in range(1, 10)]
    write_csv(tmp_path, "surveys.csv", "\n".join(lines) + "\n")
    q = cxlib.load(tmp_path).quality.tables["surveys"]
    assert q.rows_in == 9
    assert q.excluded == {"score_out_of_range": 7}
    assert q.rows_kept == 2
    assert example_rows(q) == {"score_out_of_range": [1, 2, 3, 5, 6]}
    assert_balanced(q)


def test_row_with_two_problems_is_counted_once_under_the_first_reason(tmp_path):
    write_csv(
        tmp_path,
        "customers.csv",
        """
        customer_id,signup_date,churn_date,age,monthly_revenue
        c1,2024-01-05,,30,10
        c2,2024-01-05,2024-01-01,150,10
        c3,not a date,,30,-10
        c4,2024-01-05,2023-12-31,30,-1
        """,
    )
    q = cxlib.load(tmp_path).quality.tables["customers"]
    # c2: age (before churn_before_signup); c3: date (before negative_amount);
    # c4: negative_amount (before churn_before_signup)
    assert q.excluded == {"unparseable_date": 1, "age_out_of_range": 1, "negative_amount": 1}
    assert list(q.excluded) == [r for r in REASONS if r in q.excluded]  # in REASONS order
    assert example_rows(q) == {
        "unparseable_date": [3],
        "age_out_of_range": [2],
        "negative_amount": [4],
    }
    assert q.rows_in == 4 and q.rows_kept == 1


# --------------------------------------------------------------------------------------------
# The orphan check
# --------------------------------------------------------------------------------------------

CUSTOMERS = """
customer_id,signup_date
001,2024-01-01
002,not a date
"""
"""Customer 001 is kept; 002 is excluded (bad date) but still a known customer."""


def test_orphans_counted_against_every_customer_in_the_file(tmp_path):
    write_csv(tmp_path, "customers.csv", CUSTOMERS)
    write_csv(
        tmp_path,
        "surveys.csv",
        """
        response_id,customer_id,responded_at,survey,score
        s1,001,2024-01-05,nps,9
        s2,002,2024-01-05,nps,9
        s3,003,2024-01-05,nps,9
        s4,,2024-01-05,nps,9
        s5,1,2024-01-05,nps,9
        s6, 001 ,2024-01-05,nps,9
        """,
    )
    write_csv(
        tmp_path,
        "tickets.csv",
        """
        ticket_id,customer_id,opened_at,channel
        t1,002,2024-01-05 10:00,phone
        t2,003,2024-01-05 10:00,phone
        """,
    )
    write_csv(
        tmp_path,
        "events.csv",
        """
        customer_id,timestamp,stage,touchpoint,session_id
        001,2024-01-05 10:00,awareness,ad_click,e1
        999,2024-01-05 10:00,awareness,ad_click,e2
        """,
    )
    cx = cxlib.load(tmp_path)
    assert cx.quality.tables["customers"].excluded == {"unparseable_date": 1}
    s = cx.quality.tables["surveys"]
    # 002 exists in the file (its row was excluded): not an orphan. Empty = anonymous.
    # "1" is not "001": ids are strings with their leading zeros.
    assert s.excluded == {"orphan_customer_id": 2}
    assert example_rows(s) == {"orphan_customer_id": [3, 5]}
    assert cx.surveys["response_id"].tolist() == ["s1", "s2", "s4", "s6"]
    assert cx.surveys["customer_id"].tolist()[2] is pd.NA
    assert cx.quality.tables["tickets"].excluded == {"orphan_customer_id": 1}
    assert cx.tickets["ticket_id"].tolist() == ["t1"]
    assert cx.quality.tables["events"].excluded == {"orphan_customer_id": 1}
    assert cx.events["session_id"].tolist() == ["e1"]
    assert cx.quality.balanced


def test_no_customers_table_means_no_orphan_check(tmp_path):
    write_csv(
        tmp_path,
        "surveys.csv",
        """
        customer_id,responded_at,survey,score
        003,2024-01-05,nps,9
        ,2024-01-05,nps,9
        """,
    )
    cx = cxlib.load(tmp_path)
    assert cx.quality.tables["surveys"].excluded == {}
    assert cx.quality.tables["surveys"].rows_kept == 2
    assert "customers" in cx.quality.missing_tables


def test_orphan_check_does_not_depend_on_the_order_of_tables(tmp_path):
    write_csv(tmp_path, "customers.csv", CUSTOMERS)
    write_csv(
        tmp_path,
        "surveys.csv",
        """
        customer_id,responded_at,survey,score
        001,2024-01-05,nps,9
        003,2024-01-05,nps,9
        """,
    )
    expected = {"orphan_customer_id": 1}
    forward = cxlib.load(tmp_path, tables=["customers", "surveys"])
    assert forward.quality.tables["surveys"].excluded == expected
    backward = cxlib.load(tmp_path, tables=["surveys", "customers"])
    assert backward.quality.tables["surveys"].excluded == expected


# --------------------------------------------------------------------------------------------
# Structural problems raised here: missing required column, duplicate ids
# --------------------------------------------------------------------------------------------


def test_missing_required_column_names_file_column_count_and_fix(tmp_path):
    path = write_csv(
        tmp_path,
        "tickets.csv",
        """
        ticket_id,customer_id,opened,channel
        t1,c1,2024-01-01,phone
        t2,c2,2024-01-02,phone
        t3,c3,2024-01-03,chat
        """,
    )
    with pytest.raises(DataContractError) as err:
        cxlib.load(tmp_path)
    (problem,) = err.value.problems
    assert str(path) in problem
    assert "'opened_at'" in problem
    assert "opened" in problem.split("Fix")[0].replace("'opened_at'", "")  # the close match
    assert "Fix:" in problem
    assert problem in str(err.value)
    # the count: how many rows lack the column
    assert re.search(r"\b3\b", problem.replace(str(path), "")), problem


def test_duplicate_ids_name_file_column_count_and_fix(tmp_path):
    path = write_csv(
        tmp_path,
        "tickets.csv",
        """
        ticket_id,customer_id,opened_at,channel
        T1,c1,2024-01-05,phone
        T2,c1,2024-01-05,phone
        T1,c1,2024-01-06,phone
        T3,c1,2024-01-05,phone
        T3 ,c1,2024-01-05,email
        T3,c1,2024-01-07,phone
        """,
    )
    with pytest.raises(DataContractError) as err:
        cxlib.load(tmp_path)
    (problem,) = err.value.problems
    assert str(path) in problem
    assert "'ticket_id'" in problem
    assert "2 duplicate id(s) in 5 rows" in problem
    assert "'T3'" in problem and "'T1'" in problem
    assert "Fix:" in problem


def test_leading_zeros_make_distinct_ids(tmp_path):
    write_csv(
        tmp_path,
        "customers.csv",
        """
        customer_id,signup_date
        7,2024-01-01
        07,2024-01-01
        007,2024-01-01
        """,
    )
    cx = cxlib.load(tmp_path)
    assert cx.customers["customer_id"].tolist() == ["7", "07", "007"]


def test_structural_problems_of_several_tables_come_in_one_exception(tmp_path):
    write_csv(tmp_path, "customers.csv", "customer_id,signup_date\nc1,2024-01-01\nc1,2024-01-02\n")
    write_csv(tmp_path, "surveys.csv", "responded_at,score\n2024-01-01,9\n")
    with pytest.raises(DataContractError) as err:
        cxlib.load(tmp_path)
    problems = err.value.problems
    assert len(problems) == 2
    assert "customers.csv" in problems[0] and "duplicate" in problems[0]
    assert "surveys.csv" in problems[1] and "'survey'" in problems[1]
    assert "2 structural problem(s)" in str(err.value)


# --------------------------------------------------------------------------------------------
# Types of the clean frames
# --------------------------------------------------------------------------------------------


def test_types_of_a_clean_customers_table(tmp_path):
    write_csv(
        tmp_path,
        "customers.csv",
        """
        customer_id,signup_date,churned,churn_date,age,plan,monthly_revenue,tenure_score,favourite
        007,2024-01-05,Yes,2024-03-01,41,basic,19.5,3,tea
        0100,2024-02-29,no,,,premium,,4.5,
        """,
    )
    c = cxlib.load(tmp_path).customers
    assert c["customer_id"].tolist() == ["007", "0100"]
    assert isinstance(c["customer_id"].dtype, pd.StringDtype)
    assert str(c["signup_date"].dtype).startswith("datetime64")
    assert c["signup_date"].dt.tz is None
    assert c["signup_date"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-02-29")]
    assert c["churned"].dtype == "boolean"
    assert c["churned"].tolist() == [True, False]
    assert c["churn_date"].iloc[0] == pd.Timestamp("2024-03-01")
    assert pd.isna(c["churn_date"].iloc[1])
    assert c["age"].dtype == "Int64"
    assert c["age"].iloc[0] == 41 and c["age"].iloc[1] is pd.NA
    assert isinstance(c["plan"].dtype, pd.CategoricalDtype)
    assert c["monthly_revenue"].dtype == "float64"
    # extra columns: kept, numeric ones as float, text as string
    assert c["tenure_score"].dtype == "float64"
    assert c["tenure_score"].tolist() == [3.0, 4.5]
    assert isinstance(c["favourite"].dtype, pd.StringDtype)
    assert c["favourite"].iloc[0] == "tea" and c["favourite"].iloc[1] is pd.NA


def test_datetime_with_offset_is_stored_as_naive_utc(tmp_path):
    write_csv(
        tmp_path,
        "surveys.csv",
        """
        responded_at,survey,score
        2024-01-05T10:00:00+01:00,nps,9
        2024-01-05T10:00:00Z,nps,9
        2024-01-05 10:00,nps,9
        2024-01-05,nps,9
        """,
    )
    s = cxlib.load(tmp_path).surveys
    assert s["responded_at"].dt.tz is None
    assert s["responded_at"].tolist() == [
        pd.Timestamp("2024-01-05 09:00"),
        pd.Timestamp("2024-01-05 10:00"),
        pd.Timestamp("2024-01-05 10:00"),
        pd.Timestamp("2024-01-05 00:00"),
    ]


def test_naive_datetime_is_read_in_the_config_timezone(tmp_path):
    write_csv(
        tmp_path,
        "tickets.csv",
        """
        ticket_id,customer_id,opened_at,resolved_at,channel
        t1,c1,2024-01-05 10:00,2024-07-05 10:00,phone
        t2,c1,2024-01-05T10:00:00+01:00,,phone
        t3,c1,2024-01-05T10:00:00Z,,phone
        """,
    )
    t = cxlib.load(tmp_path, {"timezone": "Europe/Prague"}).tickets
    # winter: UTC+1, summer: UTC+2; explicit offsets win over the config's zone
    assert t["opened_at"].tolist() == [
        pd.Timestamp("2024-01-05 09:00"),
        pd.Timestamp("2024-01-05 09:00"),
        pd.Timestamp("2024-01-05 10:00"),
    ]
    assert t["resolved_at"].iloc[0] == pd.Timestamp("2024-07-05 08:00")
    assert t["opened_at"].dt.tz is None


def test_dates_stay_on_their_calendar_day_in_any_timezone(tmp_path):
    write_csv(tmp_path, "customers.csv", "customer_id,signup_date\nc1,2024-01-05\n")
    for tz in ("UTC", "Europe/Prague", "America/New_York", "Asia/Shanghai"):
        c = cxlib.load(tmp_path, {"timezone": tz}).customers
        assert c["signup_date"].tolist() == [pd.Timestamp("2024-01-05")], tz


def test_a_date_from_a_parquet_timestamp_is_the_local_calendar_day_in_any_timezone(tmp_path):
    """A naive timestamp is local time: a date column keeps its calendar day, whatever the
    time of day and the configured zone (a spring-forward gap included)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    stamps = ["2024-01-05 23:30", "2024-01-06 00:30", "2024-03-31 02:30", "2024-03-10 02:30"]
    pq.write_table(
        pa.table(
            {
                "customer_id": ["c1", "c2", "c3", "c4"],
                "signup_date": pa.array(pd.to_datetime(stamps)).cast(pa.timestamp("ms")),
            }
        ),
        tmp_path / "customers.parquet",
    )
    days = [pd.Timestamp(s).normalize() for s in stamps]
    for tz in ("UTC", "Europe/Prague", "America/New_York", "Asia/Shanghai"):
        c = cxlib.load(tmp_path, {"timezone": tz}).customers
        assert c["signup_date"].tolist() == days, tz


def test_stage_is_an_ordered_categorical_in_the_default_order(tmp_path):
    write_csv(
        tmp_path,
        "events.csv",
        """
        customer_id,timestamp,stage,touchpoint
        c1,2024-01-05 10:00,usage,app_open
        c1,2024-01-05 09:00,awareness,ad_click
        c1,2024-01-05 09:30,purchase,checkout
        """,
    )
    e = cxlib.load(tmp_path).events
    dtype = e["stage"].dtype
    assert isinstance(dtype, pd.CategoricalDtype) and dtype.ordered
    assert list(dtype.categories) == [
        "awareness",
        "consideration",
        "purchase",
        "usage",
        "loyalty",
    ]
    assert e["stage"].min() == "awareness" and e["stage"].max() == "usage"
    assert e.sort_values("stage")["touchpoint"].tolist() == ["ad_click", "checkout", "app_open"]


def test_text_keeps_every_language_and_inner_spaces(tmp_path):
    comments = [
        "客服响应太慢",
        "Příliš žluťoučký kůň",
        "Čakanje je bilo predolgo",
        "  two  spaces ",
    ]
    lines = ["responded_at,survey,score,comment"]
    lines += [f'2024-01-05,csat,3,"{c}"' for c in comments]
    write_csv(tmp_path, "surveys.csv", "\n".join(lines) + "\n")
    s = cxlib.load(tmp_path).surveys
    assert s["comment"].tolist() == comments


# --------------------------------------------------------------------------------------------
# The command line: python -m cxlib validate --data SRC [--config F] [--json]
# --------------------------------------------------------------------------------------------


def _mixed_folder(folder: Path) -> Path:
    write_csv(folder, "customers.csv", CUSTOMERS)
    write_csv(
        folder,
        "surveys.csv",
        """
        customer_id,responded_at,survey,score
        001,2024-01-05,nps,9
        003,2024-01-05,nps,9
        001,2024-01-05,nps,12
        """,
    )
    return folder


def test_cli_json_report_shape_and_exit_0_with_row_problems(tmp_path, capsys):
    code = cli.main(["validate", "--data", str(_mixed_folder(tmp_path)), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {
        "customers": {"rows_in": 2, "rows_kept": 1, "excluded": {"unparseable_date": 1}},
        "surveys": {
            "rows_in": 3,
            "rows_kept": 1,
            "excluded": {"score_out_of_range": 1, "orphan_customer_id": 1},
        },
    }


def test_cli_json_examples_carry_source_rows(tmp_path, capsys):
    code = cli.main(["validate", "--data", str(_mixed_folder(tmp_path)), "--json", "--examples"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    ex = report["surveys"]["examples"]
    assert [r["_row"] for r in ex["orphan_customer_id"]] == [2]
    assert ex["score_out_of_range"][0]["score"] == "12"


def test_cli_text_report_and_config(tmp_path, capsys):
    folder = _mixed_folder(tmp_path / "data")
    cfg = tmp_path / "cx.yml"
    cfg.write_text("tables:\n  surveys: null\n", encoding="utf-8")
    code = cli.main(["validate", "--data", str(folder), "--config", str(cfg)])
    assert code == 0
    out = capsys.readouterr().out
    assert "customers" in out and "unparseable_date" in out
    assert "surveys    not in the data" in out


def test_cli_exit_1_on_structural_error_with_json_problems(tmp_path, capsys):
    write_csv(tmp_path, "customers.csv", "customer_id,signup_date\nc1,2024-01-01\nc1,2024-01-02\n")
    code = cli.main(["validate", "--data", str(tmp_path), "--json"])
    assert code == 1
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert len(payload["problems"]) == 1
    assert "customers.csv" in payload["problems"][0] and "Fix" in payload["problems"][0]
    assert "duplicate" in captured.err


def test_cli_exit_1_on_config_error(tmp_path, capsys):
    _mixed_folder(tmp_path / "data")
    cfg = tmp_path / "cx.yml"
    cfg.write_text("timezon: UTC\n", encoding="utf-8")
    code = cli.main(["validate", "--data", str(tmp_path / "data"), "--config", str(cfg)])
    assert code == 1
    assert "timezon" in capsys.readouterr().err


def test_python_m_cxlib_validate_exit_codes(tmp_path):
    good = _mixed_folder(tmp_path / "good")
    run = subprocess.run(
        [sys.executable, "-m", "cxlib", "validate", "--data", str(good), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["surveys"]["rows_kept"] == 1
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "customers.csv").write_bytes(b"")
    run = subprocess.run(
        [sys.executable, "-m", "cxlib", "validate", "--data", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "customers.csv" in run.stderr and "empty" in run.stderr


# --------------------------------------------------------------------------------------------
# Property: no row disappears without a reason
# --------------------------------------------------------------------------------------------

_BAD = st.sampled_from(["", " ", "abc", "-1", "0", "999", "2024-13-45", "maybe", "1,5", '"q"'])


def _cell(good: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A good value most of the time, a bad one sometimes."""
    return st.one_of(good, good, good, _BAD)


_DATE = st.dates(
    min_value=pd.Timestamp("2020-01-01").date(), max_value=pd.Timestamp("2024-12-31").date()
)
_CUSTOMER_ROW = st.tuples(
    _cell(_DATE.map(str)),
    _cell(st.sampled_from(["yes", "no", "true", "0"])),
    _cell(st.one_of(st.just(""), _DATE.map(str))),
    _cell(st.integers(1, 119).map(str)),
    _cell(st.floats(0, 500, allow_nan=False).map(lambda x: f"{x:.2f}")),
)
_SURVEY_ROW = st.tuples(
    _cell(st.sampled_from(["c0", "c1", "c2", "c9", ""])),
    _cell(_DATE.map(lambda d: f"{d}T12:00:00+02:00")),
    _cell(st.sampled_from(["nps", "csat", "ces"])),
    _cell(st.integers(0, 10).map(str)),
)
_TICKET_ROW = st.tuples(
    _cell(st.sampled_from(["c0", "c1", "c3"])),
    _cell(st.just("2024-01-05 10:00")),
    _cell(st.sampled_from(["2024-01-05 09:00", "2024-01-05 11:00", ""])),
    _cell(st.sampled_from(["2024-01-04 10:00", "2024-01-06 11:00", ""])),
    _cell(st.sampled_from(["phone", "chat"])),
    _cell(st.integers(0, 4).map(str)),
)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    customers=st.lists(_CUSTOMER_ROW, min_size=1, max_size=8),
    surveys=st.lists(_SURVEY_ROW, min_size=1, max_size=8),
    tickets=st.lists(_TICKET_ROW, min_size=1, max_size=8),
)
def test_every_row_is_kept_or_excluded_for_one_reason(customers, surveys, tickets):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(
            folder / "customers.csv",
            ["customer_id", "signup_date", "churned", "churn_date", "age", "monthly_revenue"],
            [[f"c{i}", *row] for i, row in enumerate(customers)],
        )
        _write(
            folder / "surveys.csv",
            ["customer_id", "responded_at", "survey", "score"],
            [list(row) for row in surveys],
        )
        _write(
            folder / "tickets.csv",
            [
                "ticket_id",
                "customer_id",
                "opened_at",
                "first_response_at",
                "resolved_at",
                "channel",
                "contacts",
            ],
            [[f"t{i}", *row] for i, row in enumerate(tickets)],
        )
        cx = cxlib.load(folder)
    written = {"customers": len(customers), "surveys": len(surveys), "tickets": len(tickets)}
    for name, rows in written.items():
        q = cx.quality.tables[name]
        assert q.rows_in == rows
        assert q.rows_in == q.rows_kept + sum(q.excluded.values())
        assert len(cx.tables[name]) == q.rows_kept
        assert set(q.excluded) <= set(REASONS)
        assert all(n > 0 for n in q.excluded.values())
        for reason, frame in q.examples.items():
            assert len(frame) == min(5, q.excluded[reason])
            assert frame["_row"].between(1, rows).all()


def test_columns_stay_aligned_row_by_row_on_a_large_table(tmp_path):
    """Typed columns and passed-through raw columns must describe the same rows.

    Regression: the orphan check (a hash join in DuckDB) may return rows out of
    order; the typed timestamp then belonged to another row than its session_id.
    Large enough (600,000 rows, 20,000 customers) for DuckDB to work in parallel.
    """
    import numpy as np
    import pandas as pd

    n = 600_000
    i = np.arange(n)
    pd.DataFrame(
        {"customer_id": [f"{c:05d}" for c in range(20_000)], "signup_date": "2024-01-01"}
    ).to_csv(tmp_path / "customers.csv", index=False)
    events = pd.DataFrame(
        {
            "customer_id": np.char.zfill((i % 20_003).astype(str), 5),  # 20000..20002: orphans
            "timestamp": (pd.Timestamp("2025-01-01") + pd.to_timedelta(i, unit="s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "stage": "usage",
            "touchpoint": "app_login",
            "session_id": np.char.add("S", i.astype(str)),
        }
    )
    events.to_csv(tmp_path / "events.csv", index=False)
    cx = cxlib.load(tmp_path, tables=["customers", "events"])
    ev = cx.events
    offset = (ev["timestamp"] - pd.Timestamp("2025-01-01")).dt.total_seconds().astype("int64")
    session = ev["session_id"].str.slice(1).astype("int64")
    assert cx.quality.tables["events"].excluded == {
        "orphan_customer_id": int((i % 20_003 >= 20_000).sum())
    }
    assert (offset.to_numpy() == session.to_numpy()).all()
    assert (
        ev["customer_id"].astype(str).astype(int).to_numpy() == session.to_numpy() % 20_003
    ).all()


def test_survey_types_are_lower_cased_and_checked_in_parquet_labels(tmp_path):
    """Parquet label columns take a fast path; the survey type must still be normalised."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table(
            {
                "response_id": ["R1", "R2", "R3", "R4"],
                "responded_at": pa.array([1, 2, 3, 4], pa.timestamp("s")),
                "survey": ["NPS", "nps", " CSAT", "NPS"],
                "score": [9, 3, 4, 11],
            }
        ),
        tmp_path / "surveys.parquet",
    )
    cx = cxlib.load(tmp_path)
    assert cx.surveys["survey"].astype(str).tolist() == ["nps", "nps", "csat"]
    assert cx.quality.tables["surveys"].excluded == {"score_out_of_range": 1}


def test_kept_rows_are_the_same_by_slices_or_by_filter(small_sample, monkeypatch):
    """Few excluded rows are cut out by zero-copy slices, many by one filter: same frames."""
    from cxlib.io import rows

    sliced = cxlib.load(small_sample)
    assert sum(q.rows_excluded for q in sliced.quality.tables.values()) > 0
    monkeypatch.setattr(rows, "MAX_SLICES", 0)
    filtered = cxlib.load(small_sample)
    for name, frame in sliced.tables.items():
        pd.testing.assert_frame_equal(frame, filtered.tables[name], check_categorical=True)


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.none(), st.text(alphabet=" ab\u010d\u4e2d\t", max_size=4)), max_size=12
    ),
    start=st.integers(0, 3),
    large=st.booleans(),
    ends=st.booleans(),
)
def test_blank_probe_on_raw_string_buffers_matches_the_plain_rule(values, start, large, ends):
    """The offsets/bytes probe of a string column says what the SQL rule says: an empty
    value, or (for ids and labels) a leading or trailing blank, needs cleaning; nulls do not."""
    import pyarrow as pa

    from cxlib.io.passthrough import blank_ends

    chunk = pa.array(values, type=pa.large_string() if large else pa.string())[start:]
    kept = values[start:]
    expected = any(
        v == "" or (ends and (v.startswith(" ") or v.endswith(" "))) for v in kept if v is not None
    )
    assert blank_ends(chunk, ends) == expected


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(
        st.lists(st.one_of(st.none(), st.integers(-(2**62), 2**62)), max_size=6), max_size=4
    ),
    unit=st.sampled_from(["s", "ms", "us", "ns"]),
    start=st.integers(0, 2),
)
def test_timestamps_in_microseconds_match_pyarrows_cast(chunks, unit, start):
    """The one-pass scaling gives pyarrow's cast, value for value, as one chunk; values
    that do not fit in microseconds raise as pyarrow's cast does."""
    import pyarrow as pa

    from cxlib.io.convert import microseconds

    col = pa.chunked_array([pa.array(c, pa.int64()) for c in chunks], pa.int64())
    col = pa.chunked_array([c.cast(pa.timestamp(unit)) for c in col.chunks], pa.timestamp(unit))
    col = col[start:] if len(col) > start else col
    try:
        expected = col.cast(pa.timestamp("us"))
    except pa.ArrowInvalid:
        with pytest.raises(pa.ArrowInvalid):
            microseconds(col)
        return
    got = microseconds(col)
    assert got.type == pa.timestamp("us") and got.num_chunks <= 1
    assert got.cast(pa.int64()).to_pylist() == expected.cast(pa.int64()).to_pylist()


@settings(max_examples=200, deadline=None)
@given(
    chunks=st.lists(
        st.lists(
            st.one_of(st.none(), st.sampled_from(["web", "app", "email", "z\u010d"])), max_size=8
        ),
        max_size=4,
    ),
    start=st.integers(0, 3),
    ordered=st.booleans(),
)
def test_categories_from_arrow_dictionaries_match_pyarrows_conversion(chunks, start, ordered):
    """Codes written straight from each chunk's dictionary give pyarrow's categorical,
    value for value, across chunks with different dictionaries, nulls and slices."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from cxlib.io.convert import categorical

    col = pa.chunked_array(
        [pc.dictionary_encode(pa.array(c, pa.string())) for c in chunks],
        pa.dictionary(pa.int32(), pa.string()),
    )
    col = col[start:] if len(col) > start else col
    order = ["email", "web", "app"] if ordered else None
    got = pd.Series(categorical(col, order))
    expected = pd.Series(col.to_pylist(), dtype="object")
    if ordered:
        expected = expected.where(expected.isin(order))
    assert (
        got.astype("object").where(got.notna(), None).tolist()
        == expected.where(expected.notna(), None).tolist()
    )
    if ordered:
        assert list(got.cat.categories) == order and got.cat.ordered
