"""Tests for cxlib.io.readers: finding and reading tables in a folder (CSV, Parquet) or a DuckDB file;
and for what ``cxlib.load`` hands back: ``CXData.subset`` and the load memo (``memo=``).

Structural problems of the files themselves (empty, not CSV/Parquet, no table at all) raise
one DataContractError naming the file and the fix; encodings other than UTF-8 are read with
a warning and the text intact; Parquet and DuckDB sources give the same accounting as CSV.
"""

from __future__ import annotations

import gzip
import warnings

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers_io import assert_balanced, csv_to_parquet, example_rows, write_csv

import cxlib
from cxlib.io.readers import DataContractError, EncodingFallbackWarning, detect_encoding


def _problem(tmp_path, config=None) -> str:
    """Load ``tmp_path`` expecting exactly one structural problem; return its sentence."""
    with pytest.raises(DataContractError) as err:
        cxlib.load(tmp_path, config)
    assert len(err.value.problems) == 1, err.value.problems
    assert err.value.problems[0] in str(err.value)
    return err.value.problems[0]


GOOD_SURVEYS = """
responded_at,survey,score
2024-01-05,nps,9
"""

# --------------------------------------------------------------------------------------------
# Structural problems of files
# --------------------------------------------------------------------------------------------


def test_empty_csv_file_names_file_and_fix(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(b"")
    write_csv(tmp_path, "surveys.csv", GOOD_SURVEYS)
    problem = _problem(tmp_path)
    assert str(path) in problem
    assert "empty (0 bytes)" in problem
    assert "Fix:" in problem


def test_csv_with_header_only_is_empty(tmp_path):
    path = write_csv(tmp_path, "tickets.csv", "ticket_id,customer_id,opened_at,channel\n")
    problem = _problem(tmp_path)
    assert str(path) in problem
    assert "no data rows" in problem
    assert "Fix:" in problem


def test_empty_parquet_file_is_empty_like_csv(tmp_path):
    path = tmp_path / "customers.parquet"
    empty = pd.DataFrame({"customer_id": pd.Series([], dtype=str), "signup_date": []})
    empty.astype(str).to_parquet(path, index=False)
    write_csv(tmp_path, "surveys.csv", GOOD_SURVEYS)
    problem = _problem(tmp_path)
    assert str(path) in problem
    assert "no data rows" in problem or "empty" in problem
    assert "Fix:" in problem


def test_zero_byte_parquet_file_is_empty(tmp_path):
    path = tmp_path / "orders.parquet"
    path.write_bytes(b"")
    problem = _problem(tmp_path)
    assert str(path) in problem and "0 bytes" in problem and "Fix:" in problem


def test_file_named_in_config_that_is_not_csv_or_parquet(tmp_path):
    path = tmp_path / "crm_export.ods"
    path.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    problem = _problem(tmp_path, {"tables": {"customers": {"file": "crm_export.ods"}}})
    assert str(path) in problem
    assert "not a CSV, Parquet or Excel (.xlsx) file" in problem
    assert "'.ods'" in problem
    assert "Fix:" in problem


def test_damaged_xlsx_named_in_config_says_so(tmp_path):
    path = tmp_path / "crm_export.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    problem = _problem(tmp_path, {"tables": {"customers": {"file": "crm_export.xlsx"}}})
    assert str(path) in problem and "not a readable Excel workbook" in problem


def test_table_file_in_folder_that_is_not_csv_or_parquet(tmp_path):
    # customers exported as a workbook next to a good surveys.csv: the user must be told,
    # not handed a data set without customers.
    path = tmp_path / "customers.ods"
    path.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    write_csv(tmp_path, "surveys.csv", GOOD_SURVEYS)
    problem = _problem(tmp_path)
    assert str(path) in problem
    assert "not a CSV, Parquet or Excel (.xlsx) file" in problem
    assert "Fix:" in problem


def test_parquet_suffix_on_a_csv_file(tmp_path):
    path = write_csv(tmp_path, "surveys.parquet", GOOD_SURVEYS)
    problem = _problem(tmp_path)
    assert str(path) in problem
    assert "Parquet" in problem
    assert "Fix:" in problem


def test_folder_without_any_table(tmp_path):
    write_csv(tmp_path, "notes.csv", "a,b\n1,2\n")
    problem = _problem(tmp_path)
    assert str(tmp_path) in problem
    assert "none of the tables" in problem and "customers" in problem
    assert "Fix:" in problem


def test_missing_folder(tmp_path):
    problem = _problem(tmp_path / "nope")
    assert str(tmp_path / "nope") in problem and "Fix:" in problem


def test_table_file_named_in_config_is_missing(tmp_path):
    write_csv(tmp_path, "surveys.csv", GOOD_SURVEYS)
    problem = _problem(tmp_path, {"tables": {"customers": {"file": "crm.csv"}}})
    assert str(tmp_path / "crm.csv") in problem
    assert "tables.customers.file" in problem
    assert "Fix:" in problem


def test_absent_optional_tables_are_listed_not_raised(tmp_path):
    write_csv(tmp_path, "surveys.csv", GOOD_SURVEYS)
    cx = cxlib.load(tmp_path)
    assert cx.customers is None and not cx.has("customers")
    assert cx.has("surveys")
    assert cx.quality.missing_tables == ["customers", "tickets", "events", "orders", "mentions"]


def test_tsv_file_is_read(tmp_path):
    (tmp_path / "surveys.tsv").write_text(
        "responded_at\tsurvey\tscore\tcomment\n"
        "2024-01-05\tnps\t9\tok, thanks\n"
        "2024-01-05\tnps\t11\t\n",
        encoding="utf-8",
    )
    cx = cxlib.load(tmp_path)
    assert cx.quality.tables["surveys"].excluded == {"score_out_of_range": 1}
    assert cx.surveys["comment"].tolist() == ["ok, thanks"]


def test_gzipped_csv_is_read(tmp_path):
    # .csv.gz is one of the accepted suffixes (io.CSV_SUFFIXES)
    with gzip.open(tmp_path / "customers.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write("customer_id,signup_date,city\n001,2024-01-01,Plzeň\n002,2024-01-02,Brno\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", EncodingFallbackWarning)
        cx = cxlib.load(tmp_path)
    assert cx.customers["customer_id"].tolist() == ["001", "002"]
    assert cx.customers["city"].tolist() == ["Plzeň", "Brno"]


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------


def test_utf8_bom_keeps_the_first_column_name(tmp_path):
    (tmp_path / "customers.csv").write_bytes(
        b"\xef\xbb\xbfcustomer_id,signup_date\n007,2024-01-01\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", EncodingFallbackWarning)
        cx = cxlib.load(tmp_path)
    assert list(cx.customers.columns) == ["customer_id", "signup_date"]
    assert cx.customers["customer_id"].tolist() == ["007"]
    assert cx.quality.warnings == []


def test_utf8_chinese_text_is_intact_without_warning(tmp_path):
    write_csv(
        tmp_path,
        "surveys.csv",
        "responded_at,survey,score,comment\n2024-01-05,nps,2,客服响应太慢\n",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", EncodingFallbackWarning)
        cx = cxlib.load(tmp_path)
    assert cx.surveys["comment"].tolist() == ["客服响应太慢"]
    assert cx.quality.tables["surveys"].encoding == "utf-8"


def test_cp1250_czech_and_slovene_text_read_with_warning(tmp_path):
    comments = ["Příliš žluťoučký kůň úpěl ďábelské ódy", "Čakanje je bilo predolgo, šef"]
    text = "responded_at,survey,score,comment\n" + "".join(
        f'2024-01-05,csat,2,"{c}"\n' for c in comments
    )
    path = write_csv(tmp_path, "surveys.csv", text, encoding="cp1250")
    with pytest.warns(EncodingFallbackWarning, match="surveys.csv") as caught:
        cx = cxlib.load(tmp_path)
    assert "cp1250" in str(caught[0].message)
    assert cx.surveys["comment"].tolist() == comments
    q = cx.quality.tables["surveys"]
    assert q.encoding == "cp1250"
    assert any(str(path) in w for w in cx.quality.warnings)  # the report carries it too


def test_latin1_text_read_with_warning(tmp_path):
    text = 'customer_id,signup_date,city\nM1,2024-01-05,"Müller, café"\nM2,2024-01-05,Zürich\n'
    write_csv(tmp_path, "customers.csv", text, encoding="latin-1")
    with pytest.warns(EncodingFallbackWarning, match="customers.csv"):
        cx = cxlib.load(tmp_path)
    assert cx.customers["city"].tolist() == ["Müller, café", "Zürich"]
    assert cx.quality.tables["customers"].encoding in ("latin_1", "cp1250")


def test_validate_command_reports_the_encoding_fallback(tmp_path, capsys):
    from cxlib import cli

    text = "responded_at,survey,score,comment\n2024-01-05,csat,2,Čakanje je bilo predolgo\n"
    write_csv(tmp_path, "surveys.csv", text, encoding="cp1250")
    assert cli.main(["validate", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "warning:" in out and "surveys.csv" in out and "cp1250" in out


def test_detect_encoding_accepts_utf8_silently(tmp_path):
    path = write_csv(tmp_path, "x.csv", "a\nžluťoučký 客服\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert detect_encoding(path) == ("utf-8", None)


# --------------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------------

MIXED = {
    "customers.csv": """
        customer_id,signup_date,churned,churn_date,age
        001,2024-01-01,no,,30
        002,2024-01-02,yes,2023-12-01,40
        003,bad date,no,,50
        004,2024-01-04,no,,150
        """,
    "surveys.csv": """
        response_id,customer_id,responded_at,survey,score,comment
        r1,001,2024-01-05T10:00:00+01:00,nps,9,客服响应太慢
        r2,009,2024-01-05,nps,9,
        r3,,2024-01-05,csat,6,
        r4,003,2024-01-05,ces,5,
        r5,002,2024-01-05,nps,,
        """,
    "tickets.csv": """
        ticket_id,customer_id,opened_at,first_response_at,resolved_at,channel,contacts
        t1,001,2024-01-05 10:00,2024-01-05 10:10,2024-01-05 11:00,phone,1
        t2,001,2024-01-05 10:00,2024-01-05 09:00,,chat,1
        t3,002,2024-01-05 10:00,,2024-01-04 10:00,chat,2
        t4,002,2024-01-05 10:00,,,email,0
        """,
}
MIXED_EXPECTED = {
    "customers": {
        "rows_in": 4,
        "rows_kept": 1,
        "excluded": {"unparseable_date": 1, "age_out_of_range": 1, "churn_before_signup": 1},
    },
    "surveys": {
        "rows_in": 5,
        "rows_kept": 2,
        "excluded": {"missing_value": 1, "score_out_of_range": 1, "orphan_customer_id": 1},
    },
    "tickets": {
        "rows_in": 4,
        "rows_kept": 1,
        "excluded": {
            "count_out_of_range": 1,
            "response_before_open": 1,
            "resolved_before_open": 1,
        },
    },
}


def _mixed_csv(folder):
    return {name: write_csv(folder, name, text) for name, text in MIXED.items()}


def test_mixed_csv_folder_accounting(tmp_path):
    _mixed_csv(tmp_path)
    cx = cxlib.load(tmp_path)
    assert cx.quality.to_dict() == MIXED_EXPECTED
    assert cx.quality.balanced
    assert cx.surveys["response_id"].tolist() == ["r1", "r4"]


def _csv_and_parquet(tmp_path):
    """The MIXED data set as a CSV folder and as a Parquet folder (all columns text)."""
    csv_dir, pq_dir = tmp_path / "csv", tmp_path / "parquet"
    paths = _mixed_csv(csv_dir)
    pq_dir.mkdir()
    for name, path in paths.items():
        csv_to_parquet(path, pq_dir / name.replace(".csv", ".parquet"))
    return cxlib.load(csv_dir), cxlib.load(pq_dir)


def test_parquet_folder_gives_the_same_result_as_csv(tmp_path):
    from_csv, from_pq = _csv_and_parquet(tmp_path)
    assert from_pq.quality.to_dict() == MIXED_EXPECTED
    for name in MIXED_EXPECTED:
        assert example_rows(from_pq.quality.tables[name]) == example_rows(
            from_csv.quality.tables[name]
        )
        a, b = from_csv.tables[name], from_pq.tables[name]
        assert list(a.columns) == list(b.columns)
        assert a.dtypes.astype(str).tolist() == b.dtypes.astype(str).tolist()
        labels = [c for c in a.columns if isinstance(a[c].dtype, pd.CategoricalDtype)]
        pd.testing.assert_frame_equal(
            a.astype(dict.fromkeys(labels, object)), b.astype(dict.fromkeys(labels, object))
        )


def test_label_categories_hold_only_kept_values_in_csv_and_parquet(tmp_path):
    # tickets: only t1 (phone) is kept; chat and email appear only in excluded rows
    from_csv, from_pq = _csv_and_parquet(tmp_path)
    # (a category that only excluded rows had would show as a zero row in value_counts,
    # groupby and every report table built on them)
    for cx in (from_csv, from_pq):
        channel = cx.tickets["channel"]
        assert list(channel.cat.categories) == ["phone"], cx.source
        assert channel.value_counts().to_dict() == {"phone": 1}


def test_typed_parquet_columns(tmp_path):
    pd.DataFrame(
        {
            "customer_id": pd.array([1, 2, 3], dtype="int64"),
            "signup_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]).date,
            "churned": [True, False, None],
            "age": pd.array([30, None, 200], dtype="Int64"),
            "monthly_revenue": [10.0, float("nan"), 5.0],
            "loyalty_points": [1, 2, 3],
        }
    ).to_parquet(tmp_path / "customers.parquet", index=False)
    pd.DataFrame(
        {
            "customer_id": ["1", "2", "7"],
            "responded_at": pd.to_datetime(["2024-01-05 10:00"] * 3),
            "survey": ["nps", "csat", "nps"],
            "score": [10, 6, 3],
        }
    ).to_parquet(tmp_path / "surveys.parquet", index=False)
    cx = cxlib.load(tmp_path)
    q = cx.quality.tables["customers"]
    assert q.excluded == {"age_out_of_range": 1}
    assert example_rows(q) == {"age_out_of_range": [3]}
    c = cx.customers
    assert c["customer_id"].tolist() == ["1", "2"]
    assert c["signup_date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")]
    assert c["churned"].dtype == "boolean" and c["churned"].tolist() == [True, False]
    assert c["age"].dtype == "Int64" and c["age"].iloc[1] is pd.NA
    assert c["loyalty_points"].dtype == "float64"
    s = cx.quality.tables["surveys"]
    assert s.excluded == {"score_out_of_range": 1, "orphan_customer_id": 1}
    assert cx.surveys["responded_at"].tolist() == [pd.Timestamp("2024-01-05 10:00")]
    # a naive timestamp is read in the config's zone, from Parquet as from CSV
    prague = cxlib.load(tmp_path, {"timezone": "Europe/Prague"})
    assert prague.surveys["responded_at"].tolist() == [pd.Timestamp("2024-01-05 09:00")]


def test_parquet_timezone_aware_timestamps(tmp_path):
    # what pandas writes for a tz-aware column: timestamp[ns, tz=Europe/Prague]
    pd.DataFrame(
        {
            "responded_at": pd.to_datetime(["2024-01-05 10:00", "2024-07-05 10:00"]).tz_localize(
                "Europe/Prague"
            ),
            "survey": ["nps", "nps"],
            "score": [10, 6],
        }
    ).to_parquet(tmp_path / "surveys.parquet", index=False)
    cx = cxlib.load(tmp_path)
    assert cx.surveys["responded_at"].tolist() == [
        pd.Timestamp("2024-01-05 09:00"),
        pd.Timestamp("2024-07-05 08:00"),
    ]


def test_datetime_resolution_is_the_same_for_every_source(tmp_path):
    # events from Parquet (pandas writes ns), tickets from CSV: merge_asof between them
    # needs one datetime64 unit
    pd.DataFrame(
        {
            "customer_id": ["c1"],
            "timestamp": pd.to_datetime(["2024-01-05 10:00"]),
            "stage": ["awareness"],
            "touchpoint": ["ad_click"],
        }
    ).to_parquet(tmp_path / "events.parquet", index=False)
    write_csv(
        tmp_path,
        "tickets.csv",
        "ticket_id,customer_id,opened_at,channel\nt1,c1,2024-01-05 11:00,phone\n",
    )
    for tz in ("UTC", "Europe/Prague"):
        cx = cxlib.load(tmp_path, {"timezone": tz})
        assert cx.events["timestamp"].dtype == cx.tickets["opened_at"].dtype, tz
        joined = pd.merge_asof(
            cx.tickets.sort_values("opened_at"),
            cx.events.sort_values("timestamp"),
            left_on="opened_at",
            right_on="timestamp",
            by="customer_id",
        )
        assert joined["stage"].tolist() == ["awareness"]


def test_parquet_row_numbers_across_row_groups(tmp_path):
    ids = [f"{i:03d}" for i in range(1, 13)]
    dates = ["2024-01-01"] * 12
    for bad in (3, 7, 12):  # 1-based data rows
        dates[bad - 1] = "not a date"
    table = pa.table({"customer_id": ids, "signup_date": dates})
    pq.write_table(table, tmp_path / "customers.parquet", row_group_size=4)
    cx = cxlib.load(tmp_path)
    q = cx.quality.tables["customers"]
    assert q.excluded == {"unparseable_date": 3}
    assert example_rows(q) == {"unparseable_date": [3, 7, 12]}
    assert q.examples["unparseable_date"]["customer_id"].tolist() == ["003", "007", "012"]
    assert len(cx.customers) == 9
    assert_balanced(q)


# --------------------------------------------------------------------------------------------
# DuckDB file
# --------------------------------------------------------------------------------------------


@pytest.fixture
def duckdb_file(tmp_path):
    path = tmp_path / "cx.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE customers (customer_id VARCHAR, signup_date DATE, age INTEGER, "
        "churned BOOLEAN, churn_date DATE)"
    )
    con.execute(
        "INSERT INTO customers VALUES ('001', '2024-01-01', 30, false, NULL), "
        "('002', '2024-01-02', 150, false, NULL), ('003', '2024-01-03', 40, true, '2024-01-01')"
    )
    con.execute("CREATE TABLE crm_customers AS SELECT * FROM customers WHERE customer_id <> '001'")
    con.execute(
        "CREATE TABLE surveys (customer_id VARCHAR, responded_at TIMESTAMPTZ, survey VARCHAR, "
        "score INTEGER, comment VARCHAR)"
    )
    con.execute(
        "INSERT INTO surveys VALUES "
        "('001', '2024-01-05 10:00:00+01', 'nps', 9, 'Příliš žluťoučký kůň'), "
        "('002', '2024-01-05 10:00:00+00', 'nps', 11, NULL), "
        "('999', '2024-01-05 10:00:00+00', 'csat', 4, NULL), "
        "(NULL, '2024-01-05 10:00:00+00', 'ces', 5, '客服响应太慢')"
    )
    con.close()
    return path


def test_duckdb_file_source(duckdb_file):
    cx = cxlib.load(duckdb_file)
    assert cx.quality.to_dict() == {
        "customers": {
            "rows_in": 3,
            "rows_kept": 1,
            "excluded": {"age_out_of_range": 1, "churn_before_signup": 1},
        },
        "surveys": {
            "rows_in": 4,
            "rows_kept": 2,
            "excluded": {"score_out_of_range": 1, "orphan_customer_id": 1},
        },
    }
    assert example_rows(cx.quality.tables["surveys"]) == {
        "score_out_of_range": [2],
        "orphan_customer_id": [3],
    }
    assert cx.surveys["responded_at"].tolist() == [
        pd.Timestamp("2024-01-05 09:00"),
        pd.Timestamp("2024-01-05 10:00"),
    ]
    assert cx.surveys["comment"].tolist() == ["Příliš žluťoučký kůň", "客服响应太慢"]
    assert cx.customers["customer_id"].tolist() == ["001"]
    assert cx.customers["age"].dtype == "Int64"


def test_duckdb_url_matches_the_file_path(duckdb_file):
    by_path = cxlib.load(duckdb_file).quality.to_dict()
    by_url = cxlib.load(f"duckdb:///{duckdb_file}").quality.to_dict()
    assert by_url == by_path


def test_duckdb_mapped_table_and_query(duckdb_file):
    config = {
        "tables": {
            "customers": {"table": "crm_customers"},
            "surveys": {"query": "SELECT * FROM src.surveys WHERE survey <> 'ces'"},
        }
    }
    cx = cxlib.load(duckdb_file, config)
    assert cx.quality.tables["customers"].rows_in == 2
    assert cx.quality.tables["customers"].excluded == {
        "age_out_of_range": 1,
        "churn_before_signup": 1,
    }
    # customer 001 is not in crm_customers: its answer is now an orphan; the query drops
    # the anonymous ces answer
    s = cx.quality.tables["surveys"]
    assert s.rows_in == 3
    assert s.excluded == {"score_out_of_range": 1, "orphan_customer_id": 2}
    assert s.rows_kept == 0


def test_duckdb_table_named_in_config_is_missing(duckdb_file):
    problem = _problem(duckdb_file, {"tables": {"customers": {"table": "crm.clients"}}})
    assert str(duckdb_file) in problem
    assert "'crm.clients'" in problem
    assert "Fix" in problem


def test_headers_differing_only_in_case_are_renamed_with_a_warning(tmp_path):
    (tmp_path / "events.csv").write_text(
        "case_id,activity,timestamp,Activity\n1,register,2024-01-01 10:00,Register\n",
        encoding="utf-8",
    )
    config = {"tables": {"events": {"columns": {"customer_id": "case_id", "touchpoint": "activity"},
                                    "constants": {"stage": "usage"}}}}  # fmt: skip
    cx = cxlib.load(tmp_path, config)
    assert list(cx.events["Activity_2"]) == ["Register"]
    assert list(cx.events["touchpoint"].astype(str)) == ["register"]
    assert any("'Activity' -> 'Activity_2'" in w for w in cx.quality.warnings)


@pytest.mark.parametrize("broken", ["customers", "events"])
def test_an_unreadable_parquet_file_is_named_whether_or_not_it_was_prefetched(tmp_path, broken):
    """events.parquet is decoded in the background while customers are validated; its
    errors must still reach the user as a structural problem naming the file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"customer_id": ["C1", "C2"], "signup_date": pa.array([1, 2], pa.date32())}),
        tmp_path / "customers.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "customer_id": ["C1", "C2"],
                "timestamp": pa.array([1, 2], pa.timestamp("s")),
                "stage": ["awareness", "purchase"],
                "touchpoint": ["ad_click", "cart"],
                "channel": ["web", "app"],
            }
        ),
        tmp_path / "events.parquet",
    )
    (tmp_path / f"{broken}.parquet").write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(DataContractError) as err:
        cxlib.load(tmp_path)
    problem = next(p for p in err.value.problems if f"{broken}.parquet" in p)
    assert "not a readable Parquet file" in problem and "Fix:" in problem


# --------------------------------------------------------------------------------------------
# CXData.subset and the load memo (cxlib.io.memo)
# --------------------------------------------------------------------------------------------


def test_subset_shares_the_frames_and_restricts_the_quality_report(small_sample):
    cx = cxlib.load(small_sample, tables=["customers", "surveys", "tickets"])
    sub = cx.subset(["tickets", "surveys", "mentions"])
    assert list(sub.tables) == ["surveys", "tickets"]  # the data set's order, absent ones left
    assert sub.surveys is cx.surveys and sub.tickets is cx.tickets
    assert set(sub.quality.tables) == {"surveys", "tickets"}
    assert sub.quality.tables["tickets"] is cx.quality.tables["tickets"]
    assert set(cx.tables) == {"customers", "surveys", "tickets"}  # the original is untouched
    assert sub.source == cx.source and sub.config is cx.config
    with pytest.raises(ValueError, match="unknown table"):
        cx.subset(["tickets", "calls"])


def test_load_memo_round_trip(small_sample, tmp_path):
    from cxlib.io import memo

    cx = cxlib.load(small_sample, tables=["surveys", "tickets"])
    memo.store(tmp_path, str(small_sample), None, cx)
    assert set(cxlib.load(small_sample).tables) > {"surveys", "tickets"}  # no memo: the source
    hit = cxlib.load(str(small_sample) + "/", memo=tmp_path)
    assert hit is not cx and set(hit.tables) == {"surveys", "tickets"}
    pd.testing.assert_frame_equal(hit.surveys, cx.surveys)
    sub = cxlib.load(small_sample, tables=["tickets"], memo=tmp_path)
    assert set(sub.tables) == {"tickets"} and set(sub.quality.tables) == {"tickets"}
    assert memo.read(tmp_path, small_sample, {"tables": {}}) is None  # dict configs: never
    assert memo.read(tmp_path, small_sample, "other.yaml") is None
    with pytest.raises(ValueError, match="unknown table"):
        cxlib.load(small_sample, tables=["calls"], memo=tmp_path)


def test_a_full_load_with_a_memo_folder_is_left_there_for_the_next_caller(small_sample, tmp_path):
    from cxlib.io import memo

    first = cxlib.load(small_sample, memo=tmp_path)  # a miss: loaded, then stored (a thread)
    again = memo.read(tmp_path, small_sample, None)  # waits for the store in progress
    assert again is not None and set(again.tables) == set(first.tables)
    pd.testing.assert_frame_equal(again.events, first.events)
    cxlib.load(small_sample, tables=["orders"], memo=tmp_path / "other")
    assert not (tmp_path / "other").exists()  # a partial load is not memoised


def test_a_memo_being_written_is_waited_for_and_a_dead_writers_is_ignored(small_sample, tmp_path):
    """The first kernel pickles its load in the background; the others wait for it."""
    import threading
    import time

    from cxlib.io import memo

    cx = cxlib.load(small_sample, tables=["surveys"])
    k = memo.key(small_sample, None)
    dead = tmp_path / f"{k}.999999999.tmp"  # no such process: a killed writer's leftover
    dead.write_bytes(b"")
    started = time.monotonic()
    assert memo.read(tmp_path, small_sample, None) is None and time.monotonic() - started < 5
    path, fh = memo._open_memo(tmp_path, k)  # a live writer (this process), still writing
    threading.Timer(1.0, memo._write, args=(fh, path, cx)).start()
    hit = cxlib.load(small_sample, memo=tmp_path)
    assert time.monotonic() - started >= 1.0 and set(hit.tables) == {"surveys"}
    pd.testing.assert_frame_equal(hit.surveys, cx.surveys)


def test_cxlib_loads_folders_without_sqlalchemy_and_says_what_a_sql_url_needs(small_sample):
    """SQLAlchemy and psycopg are an optional extra: only a SQL URL imports them."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['sqlalchemy'] = None; sys.modules['psycopg'] = None\n"
        "import cxlib\n"
        f"cx = cxlib.load({str(small_sample)!r}, tables=['orders'])\n"
        "print(len(cx.orders) > 0)\n"
        "try:\n"
        "    cxlib.load('postgresql+psycopg://cx:secret@localhost/cx')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("True\n")
    assert "cxlib[postgres]" in out and "secret" not in out and "cx:***@localhost" in out
