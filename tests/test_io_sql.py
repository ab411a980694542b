"""Tests for the SQL path of cxlib.io.readers against a real PostgreSQL server started by the test.

A module-scoped fixture runs ``initdb`` and ``pg_ctl`` from /usr/lib/postgresql/*/bin in a
temporary directory (as the ``postgres`` system user when the tests run as root, since initdb
refuses root), listening only on 127.0.0.1 on a free port with trust authentication, and
stops the server in teardown whatever happened. The tests load tiny tables with a few bad
rows through ``postgresql+psycopg://`` and expect the same accounting as the same rows in a
folder of CSV files.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from helpers_io import example_rows, write_csv

import cxlib
from cxlib.io.readers import DataContractError

pytestmark = pytest.mark.postgres

NO_SERVER = "PostgreSQL server not installed: run `make system-deps` (apt-get install postgresql)"


def _server_bin() -> Path | None:
    """The bin folder of the newest installed PostgreSQL server, or None."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    found = [b for b in found if (b / "pg_ctl").exists()]

    def version(b: Path) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", b.parent.name))

    return max(found, key=version) if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], cwd: Path, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def pg_server():
    """A throw-away PostgreSQL server: yields ``(host, port)``."""
    bindir = _server_bin()
    if bindir is None:
        pytest.skip(NO_SERVER)
    root = Path(tempfile.mkdtemp(prefix="cxlib-pg-"))  # under /tmp: reachable by postgres
    as_user: list[str] = []
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            pytest.fail("running as root and there is no `postgres` system user to run initdb")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, sock, log = root / "data", root / "sock", root / "server.log"
    port = _free_port()
    started = False
    try:
        done = _run([*as_user, "mkdir", sock], root)
        assert done.returncode == 0, done.stderr
        done = _run(
            [*as_user, bindir / "initdb", "-D", data, "-A", "trust", "-U", "postgres"]
            + ["-E", "UTF8", "--locale=C", "--no-sync"],
            root,
        )
        assert done.returncode == 0, f"initdb failed:\n{done.stdout}\n{done.stderr}"
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        done = _run(
            [*as_user, bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "30"]
            + ["-o", options, "start"],
            root,
        )
        started = True  # even a failed start may leave a postmaster behind
        if done.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            pytest.fail(f"pg_ctl start failed:\n{done.stdout}\n{done.stderr}\n{server_log}")
        yield "127.0.0.1", port
    finally:
        if started:
            _run([*as_user, bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], root)
        shutil.rmtree(root, ignore_errors=True)


CUSTOMERS = [
    # customer_id, signup_date, churned, churn_date, age, plan
    ("001", "2024-01-01", False, None, 30, "basic"),
    ("002", "2024-01-02", True, "2023-12-01", 40, "basic"),  # churn_before_signup
    ("003", "2024-01-03", False, None, 150, "premium"),  # age_out_of_range
    ("004", "2024-01-04", True, "2024-02-01", None, "premium"),
]
SURVEYS = [
    # response_id, customer_id, responded_at, survey, score, comment
    ("r1", "001", "2024-01-05 10:00:00", "nps", 9, "客服响应太慢"),
    ("r2", "002", "2024-01-05 11:00:00", "nps", 11, None),  # score_out_of_range
    ("r3", "999", "2024-01-05 12:00:00", "csat", 4, None),  # orphan_customer_id
    ("r4", None, "2024-01-05 13:00:00", "ces", 5, "Příliš žluťoučký kůň"),  # anonymous
    ("r5", "003", "2024-01-05 14:00:00", "csat", 5, "Čakanje je bilo predolgo"),
]
TICKETS = [
    # ticket_id, customer_id, opened_at, first_response_at, resolved_at, channel, contacts
    ("t1", "001", "2024-01-05 10:00", "2024-01-05 10:10", "2024-01-05 11:00", "phone", 1),
    ("t2", "001", "2024-01-05 10:00", "2024-01-05 09:00", None, "chat", 1),  # response_before
    ("t3", "004", "2024-01-05 10:00", None, None, "email", 0),  # count_out_of_range
    ("t4", "004", "2024-01-05 10:00", None, None, "email", None),
    ("t5", "777", "2024-01-05 10:00", None, None, "email", 1),  # orphan_customer_id
]
EXPECTED = {
    "customers": {
        "rows_in": 4,
        "rows_kept": 2,
        "excluded": {"age_out_of_range": 1, "churn_before_signup": 1},
    },
    "surveys": {
        "rows_in": 5,
        "rows_kept": 3,
        "excluded": {"score_out_of_range": 1, "orphan_customer_id": 1},
    },
    "tickets": {
        "rows_in": 5,
        "rows_kept": 2,
        "excluded": {
            "count_out_of_range": 1,
            "response_before_open": 1,
            "orphan_customer_id": 1,
        },
    },
}

DDL = """
CREATE TABLE customers (customer_id text, signup_date date, churned boolean, churn_date date,
                        age integer, plan text);
CREATE TABLE surveys (response_id text, customer_id text, responded_at timestamp,
                      survey text, score integer, comment text);
CREATE TABLE tickets (ticket_id text, customer_id text, opened_at timestamp,
                      first_response_at timestamp, resolved_at timestamp, channel text,
                      contacts integer);
CREATE TABLE crm_customers AS SELECT * FROM customers;
CREATE TABLE surveys_tz (response_id text, customer_id text, responded_at timestamptz,
                         survey text, score integer, comment text);
CREATE SCHEMA crm;
CREATE TABLE crm.clients AS SELECT * FROM customers;
"""


@pytest.fixture(scope="module")
def pg_url(pg_server):
    """A database ``cx`` holding the tables above; yields its SQLAlchemy URL."""
    import psycopg

    host, port = pg_server
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres") as con:
        con.autocommit = True
        con.execute("CREATE DATABASE cx ENCODING 'UTF8' TEMPLATE template0")
    with psycopg.connect(host=host, port=port, user="postgres", dbname="cx") as con:
        con.execute(DDL)
        con.cursor().executemany("INSERT INTO customers VALUES (%s, %s, %s, %s, %s, %s)", CUSTOMERS)
        con.cursor().executemany("INSERT INTO surveys VALUES (%s, %s, %s, %s, %s, %s)", SURVEYS)
        con.cursor().executemany("INSERT INTO tickets VALUES (%s, %s, %s, %s, %s, %s, %s)", TICKETS)
        # crm_customers lacks customer 001 and its bad rows; crm.clients is the full table
        con.execute("INSERT INTO crm_customers SELECT * FROM customers WHERE customer_id <> '001'")
        con.execute("INSERT INTO crm.clients SELECT * FROM customers")
        # the same answers, with offsets: 10:00+01:00 is 09:00 UTC
        con.execute(
            "INSERT INTO surveys_tz SELECT response_id, customer_id, "
            "(responded_at::text || '+01:00')::timestamptz, survey, score, comment FROM surveys"
        )
    return f"postgresql+psycopg://postgres@{host}:{port}/cx"


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return f'"{v}"' if isinstance(v, str) and "," in v else str(v)


@pytest.fixture
def same_rows_as_csv(tmp_path):
    """The tables above as a folder of CSV files (the reference for the SQL path)."""
    heads = {
        "customers": "customer_id,signup_date,churned,churn_date,age,plan",
        "surveys": "response_id,customer_id,responded_at,survey,score,comment",
        "tickets": "ticket_id,customer_id,opened_at,first_response_at,resolved_at,channel,contacts",
    }
    for name, rows in (("customers", CUSTOMERS), ("surveys", SURVEYS), ("tickets", TICKETS)):
        body = "".join(",".join(_csv_value(v) for v in row) + "\n" for row in rows)
        write_csv(tmp_path, f"{name}.csv", heads[name] + "\n" + body)
    return tmp_path


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as objects and times in ns, to compare values, not bookkeeping.

    (Category sets and datetime units have their own tests in test_io.py.)
    """
    labels = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    times = [c for c in frame.columns if pd.api.types.is_datetime64_dtype(frame[c])]
    return frame.astype(dict.fromkeys(labels, object) | dict.fromkeys(times, "datetime64[ns]"))


def test_postgres_source_matches_the_folder_path(pg_url, same_rows_as_csv):
    cx = cxlib.load(pg_url)
    assert cx.quality.to_dict() == EXPECTED
    assert cx.quality.balanced
    assert set(cx.quality.missing_tables) == {"events", "orders", "mentions"}
    folder = cxlib.load(same_rows_as_csv)
    assert folder.quality.to_dict() == EXPECTED
    for name in EXPECTED:
        assert example_rows(cx.quality.tables[name]) == example_rows(folder.quality.tables[name])
        pd.testing.assert_frame_equal(_plain(cx.tables[name]), _plain(folder.tables[name]))


def test_postgres_types_and_text(pg_url):
    cx = cxlib.load(pg_url)
    c, s = cx.customers, cx.surveys
    assert c["customer_id"].tolist() == ["001", "004"]
    assert c["churned"].dtype == "boolean" and c["churned"].tolist() == [False, True]
    assert c["age"].dtype == "Int64" and c["age"].iloc[1] is pd.NA
    assert c["signup_date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-04")]
    assert s["response_id"].tolist() == ["r1", "r4", "r5"]
    assert s["comment"].tolist() == [
        "客服响应太慢",
        "Příliš žluťoučký kůň",
        "Čakanje je bilo predolgo",
    ]
    assert s["score"].dtype == "Int64"
    assert cx.quality.tables["surveys"].origin.endswith(":surveys")
    assert example_rows(cx.quality.tables["tickets"]) == {
        "count_out_of_range": [3],
        "response_before_open": [2],
        "orphan_customer_id": [5],
    }


def test_postgres_mapped_table_and_query(pg_url):
    config = {
        "tables": {
            "customers": {"table": "crm_customers"},
            "tickets": {
                "query": "SELECT ticket_id AS id, customer_id, opened_at, first_response_at, "
                "resolved_at, channel, contacts FROM tickets WHERE ticket_id <> 't2'",
                "columns": {"ticket_id": "id"},
            },
            "surveys": None,
        }
    }
    cx = cxlib.load(pg_url, config)
    assert cx.quality.tables["customers"].rows_in == 3
    assert cx.quality.tables["customers"].excluded == {
        "age_out_of_range": 1,
        "churn_before_signup": 1,
    }
    # 001 is not in crm_customers: its ticket t1 is now an orphan as well as t5
    t = cx.quality.tables["tickets"]
    assert t.rows_in == 4
    assert t.excluded == {"count_out_of_range": 1, "orphan_customer_id": 2}
    assert cx.tickets["ticket_id"].tolist() == ["t4"]
    assert cx.surveys is None


def test_postgres_timestamptz_column(pg_url):
    cx = cxlib.load(pg_url, {"tables": {"surveys": {"table": "surveys_tz"}}})
    q = cx.quality.tables["surveys"]
    assert q.excluded == EXPECTED["surveys"]["excluded"]
    assert cx.surveys["responded_at"].tolist() == [
        pd.Timestamp("2024-01-05 09:00"),
        pd.Timestamp("2024-01-05 12:00"),
        pd.Timestamp("2024-01-05 13:00"),
    ]


def test_postgres_schema_qualified_table(pg_url):
    # the config docstring's example: tables.customers.table: crm.customers
    cx = cxlib.load(pg_url, {"tables": {"customers": {"table": "crm.clients"}}})
    assert cx.quality.tables["customers"].to_dict() == EXPECTED["customers"]


def test_postgres_missing_table_named_in_config(pg_url):
    with pytest.raises(DataContractError) as err:
        cxlib.load(pg_url, {"tables": {"customers": {"table": "crm_clients"}}})
    (problem,) = err.value.problems
    assert "'crm_clients'" in problem
    assert "127.0.0.1" in problem
    assert "Fix" in problem


def test_postgres_unknown_database_is_structural(pg_server):
    host, port = pg_server
    with pytest.raises(DataContractError) as err:
        cxlib.load(f"postgresql+psycopg://postgres:secret@{host}:{port}/no_such_db")
    assert "cannot connect" in str(err.value)
    assert "secret" not in str(err.value)  # the password is masked
