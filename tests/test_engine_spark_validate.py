"""Parity: validation on Spark gives DuckDB's row accounting, examples and typed values.

The cases are those the validation tests cover that apply to a folder of files: every row
problem of tests/test_validate.py (``ROW_CASES``), text and Parquet NaN / infinity,
8-bit encodings, tabs and no-break spaces around values, exact duplicate rows, ids repeated
with different content, the config's ``where``, ``drop`` and time zone, offsets and dates,
orphans, and the sample. For each: ``validate --json --examples`` is the same on both
engines (or the same structural problems are raised), and the kept rows' typed values are
equal column by column. One Spark session (``local[2]``) serves the module; without
pyspark or Java it skips with the reason (in CI it fails: CI installs both).
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers_io import write_csv
from test_engine_spark import spark  # noqa: F401  (the module's Spark session)
from test_validate import ROW_CASES

import cxlib
from cxlib import cli
from cxlib.io.readers import DataContractError

pytestmark = pytest.mark.slow

_LOG = "case,ts,activity,lifecycle\nc1,2024-01-01 10:00,awareness,start\n" \
       "c1,2024-01-01 11:00,awareness,complete\nc2,bad,purchase,complete\n" \
       "c2,2024-01-02 11:00,purchase,start\n"  # fmt: skip
_EVENTS = {
    "file": "log.csv",
    "columns": {"customer_id": "case", "timestamp": "ts", "stage": "activity"},
    "constants": {"touchpoint": "web"},
}

FILE_CASES: dict[str, tuple[dict[str, str], dict | None]] = {
    "text_nan_infinity": ({
        "customers.csv": "customer_id,signup_date,age,monthly_revenue\nC1,2024-01-01,30,10\n"
        "C2,2024-01-02,NaN,11\nC3,2024-01-03,31,inf\nC4,2024-01-04,32,-inf\n"
        "C5,2024-01-05,33,Infinity\nC6,2024-01-06,nan,1\n",
        "surveys.csv": "response_id,customer_id,responded_at,survey,score\n"
        "R1,C1,2024-02-01,nps,9\nR2,C1,2024-02-01,nps,NaN\nR3,C1,2024-02-01,nps,-Infinity\n"
        "R4,C9,2024-02-01,nps,7\n",
        "orders.csv": "order_id,customer_id,ordered_at,amount\nO1,C1,2024-02-01,10\n"
        "O2,C1,2024-02-01,NaN\nO3,C1,2024-02-01,1e400\nO4,C7,2024-02-01,-3\n",
    }, None),
    "blanks_around_values": ({
        "customers.csv": "customer_id,signup_date,plan\nC1\t,2024-01-01,\u00a0basic\n"
        "C2,\t2024-01-02 ,pro\n",
        "surveys.csv": "response_id,customer_id,responded_at,survey,score,comment\n"
        "R1,\u00a0C1,2024-02-01,nps,9,\tkept as written\n"
        "R2,C2\u3000,2024-02-01,nps\t,\u20078,x\nR3, C3,2024-02-01, NPS ,9,y\n",
    }, None),
    "exact_duplicates": ({
        "tickets.csv": "ticket_id,customer_id,opened_at,channel\nT1,c1,2024-01-05,phone\n"
        "T2,c1,2024-01-05,chat\nT1,c1,2024-01-05,phone\nT1,c1,2024-01-05,phone\n"
        "T2\t,c1,2024-01-05,chat\n",
    }, None),
    "same_id_other_content": ({
        "tickets.csv": "ticket_id,customer_id,opened_at,channel\nT1,c1,2024-01-05,phone\n"
        "T1,c1,2024-01-05,phone\nT1,c1,2024-01-06,phone\n",
    }, None),
    "where": ({"log.csv": _LOG}, {"tables": {"events": {**_EVENTS, "where":
                                                        "lifecycle = 'complete'"}}}),
    "where_broken": ({"log.csv": _LOG}, {"tables": {"events": {**_EVENTS, "where":
                                                               "nosuch = 1"}}}),
    "drop_unknown": ({"log.csv": _LOG}, {"tables": {"events": {**_EVENTS, "drop": ["Nope"]}}}),
    "missing_column": ({"surveys.csv": "response_id,when,survey\nR1,2024-01-01,nps\n"}, None),
    "offsets_in_prague": ({
        "tickets.csv": "ticket_id,customer_id,opened_at,resolved_at,channel\n"
        "t1,c1,2024-01-05 10:00,2024-07-05 10:00,phone\n"
        "t2,c1,2024-01-05T10:00:00+01:00,,phone\nt3,c1,2024-01-05T10:00:00Z,,phone\n"
        "t4,c1,2024-01-05 10:00,2024-01-05 09:30,phone\n",
        "customers.csv": "customer_id,signup_date,churned,churn_date\nc1,2024-01-05,1,\n"
        "c2,2024-03-31,true,2024-03-30\n",
    }, {"timezone": "Europe/Prague"}),
    "offsets_in_new_york": ({
        "surveys.csv": "responded_at,survey,score\n2024-01-05T10:00:00+01:00,nps,9\n"
        "2024-01-05T10:00:00Z,nps,9\n2024-01-05 10:00,nps,9\n2024-01-05,nps,9\n"
        "2024-13-05,nps,9\n",
    }, {"timezone": "America/New_York"}),
    "formats_and_value_maps": ({
        "customers.csv": "id,joined,status\nA1,05/01/2024,Active\nA2,31/12/2023,Gone\n"
        "A3,2024-02-01,Gone\nA4,99/99/2024,Active\n",
    }, {"tables": {"customers": {
        "columns": {"customer_id": "id", "signup_date": "joined", "churned": "status"},
        "formats": {"signup_date": "%d/%m/%Y"},
        "values": {"churned": {"Active": False, "Gone": True}}}}}),
}  # fmt: skip
"""Case -> (files, config): the reliability cases of the validation tests on a folder."""


def _folder(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        write_csv(root, name, text)
    return root


ENGINE_MESSAGE = re.compile(r"does not work on this table \(.*?\)\. Fix:")
"""The engine's own error inside a problem sentence (each engine words it its way)."""


def _problems(exc: DataContractError) -> dict[str, list[str]]:
    """The problem sentences, the engine's error message left out."""
    return {"problems": [ENGINE_MESSAGE.sub("does not work (...). Fix:", p) for p in exc.problems]}


def _duckdb(folder: Path, config: dict | None) -> tuple[dict, dict[str, pd.DataFrame]]:
    """(the JSON report or the problems, the kept rows) on DuckDB."""
    try:
        cx = cxlib.load(folder, config)
    except DataContractError as exc:
        return _problems(exc), {}
    return json.loads(cx.quality.to_json(examples=True)), dict(cx.tables)


def _spark(session, folder: Path, config: dict | None) -> tuple[dict, dict[str, pd.DataFrame]]:  # noqa: ANN001
    """(the JSON report or the problems, the kept rows) on Spark."""
    from cxlib.engine.spark_load import validate_on_spark

    try:
        quality, views = validate_on_spark(folder, config, spark=session, keep=True)
    except DataContractError as exc:
        return _problems(exc), {}
    frames = {name: session.table(view).drop("_row").toPandas() for name, view in views.items()}
    return json.loads(quality.to_json(examples=True)), frames


def assert_same_tables(duck: dict[str, pd.DataFrame], other: dict[str, pd.DataFrame]) -> None:
    """The kept rows hold the same typed values (as a set of rows: Spark keeps no order)."""
    assert duck.keys() == other.keys()
    for name, d in duck.items():
        s = other[name]
        assert list(d.columns) == list(s.columns), name
        assert _rows(d) == _rows(s), name


def _rows(frame: pd.DataFrame) -> list[tuple]:
    """Every row as a tuple of plain values (NULL as None, whole floats as floats), sorted."""
    plain = frame.astype(object).where(frame.notna(), None)
    cells = [[_value(v) for v in row] for row in plain.itertuples(index=False)]
    return sorted(map(tuple, cells), key=repr)


def _value(v: object) -> object:
    if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat"):
        return pd.Timestamp(v).isoformat()
    if isinstance(v, (bool, str)) or v is None:
        return v
    return float(v)


@pytest.mark.parametrize("reason", list(ROW_CASES))
def test_row_problems_on_spark_as_on_duckdb(spark, tmp_path, reason):  # noqa: F811
    table, text, _, _ = ROW_CASES[reason]
    folder = _folder(tmp_path, {f"{table}.csv": textwrap.dedent(text).lstrip("\n")})
    duck, duck_tables = _duckdb(folder, None)
    got, got_tables = _spark(spark, folder, None)
    assert got == duck
    assert_same_tables(duck_tables, got_tables)


@pytest.mark.parametrize("case", list(FILE_CASES))
def test_file_cases_on_spark_as_on_duckdb(spark, tmp_path, case):  # noqa: F811
    files, config = FILE_CASES[case]
    folder = _folder(tmp_path, files)
    duck, duck_tables = _duckdb(folder, config)
    got, got_tables = _spark(spark, folder, config)
    assert got == duck
    assert_same_tables(duck_tables, got_tables)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1250"])
def test_8bit_encodings_on_spark_as_on_duckdb(spark, tmp_path, encoding):  # noqa: F811
    text = "Zażółć gęślą jaźń" if encoding == "cp1250" else "Crème brûlée à São Paulo"
    rows = "".join(f"C{i},2024-01-05,plain\n" for i in range(200))
    write_csv(tmp_path, "customers.csv",
              f'customer_id,signup_date,city\n{rows}C_last,2024-01-05,"{text}"\n',
              encoding=encoding)  # fmt: skip
    with pytest.warns(UserWarning):
        duck, duck_tables = _duckdb(tmp_path, None)
    with pytest.warns(UserWarning):
        got, got_tables = _spark(spark, tmp_path, None)
    assert got == duck
    assert_same_tables(duck_tables, got_tables)


def test_parquet_floats_and_timestamps_on_spark_as_on_duckdb(spark, tmp_path):  # noqa: F811
    stamps = pd.to_datetime(["2024-01-05 23:30", "2024-01-06 00:30", "2024-03-31 02:30",
                             "2024-03-10 02:30", "2024-01-01 00:00"])  # fmt: skip
    pq.write_table(pa.table({
        "order_id": ["O1", "O2", "O3", "O4", "O5"], "customer_id": ["C1"] * 5,
        "ordered_at": pa.array(stamps).cast(pa.timestamp("ns")),  # pandas' default
        "amount": pa.array([1.0, float("nan"), float("inf"), None, 2.0]),
    }), tmp_path / "orders.parquet")  # fmt: skip
    pq.write_table(pa.table({
        "customer_id": ["C1", "C2"], "signup_date": pa.array(stamps[:2]).cast(pa.timestamp("ms")),
        "age": pa.array([30, 200], pa.int32()),
    }), tmp_path / "customers.parquet")  # fmt: skip
    for config in (None, {"timezone": "Asia/Shanghai"}):
        duck, duck_tables = _duckdb(tmp_path, config)
        got, got_tables = _spark(spark, tmp_path, config)
        assert got == duck, config
        assert_same_tables(duck_tables, got_tables)


def test_sample_on_spark_as_on_duckdb(spark, small_sample):  # noqa: F811
    duck, _ = _duckdb(small_sample, None)
    got, got_tables = _spark(spark, small_sample, None)
    assert got == duck
    assert {n: len(f) for n, f in got_tables.items()} == {
        n: t["rows_kept"] for n, t in duck.items()
    }


def test_cli_validate_engine_spark_json(spark, tmp_path, capsys):  # noqa: F811
    table, text, _, _ = ROW_CASES["missing_value"]
    _folder(tmp_path, {f"{table}.csv": textwrap.dedent(text).lstrip("\n")})
    outs = []
    for engine in ("duckdb", "spark"):
        assert cli.main(["validate", "--data", str(tmp_path), "--json", "--engine", engine]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0] == outs[1]
    assert outs[1]["surveys"]["excluded"] == {"missing_value": 4}
