"""The engine seam: engine-neutral shared SQL, its snippets, and the choice of engine.

The Spark parity tests are in ``tests/test_engine_spark.py`` (they need Java and pyspark).
"""

from __future__ import annotations

import duckdb
import pytest

from cxlib.engine import create_relation, engine_name
from cxlib.engine.dialect import ENGINE_ONLY, SNIPPETS, code_of, engine_specific, expand
from cxlib.journey.queries import SQL_DIR, render

SHARED_SQL = sorted(SQL_DIR.parent.rglob("*.sql"))


def test_there_are_shared_sql_files():
    assert len(SHARED_SQL) >= 20


@pytest.mark.parametrize("path", SHARED_SQL, ids=lambda p: p.name)
def test_shared_sql_has_no_engine_only_syntax(path):
    assert engine_specific(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "bad",
    [
        "SELECT CAST(x AS VARCHAR) FROM t",
        "SELECT x::DOUBLE FROM t",
        "SELECT EXTRACT(EPOCH FROM ts) FROM t",
        "SELECT string_agg(x, ',' ORDER BY k) FROM t GROUP BY g",
        "SELECT * FROM t QUALIFY ROW_NUMBER() OVER (ORDER BY x) = 1",
        "SELECT unix_micros(ts) FROM t",
        "SELECT collect_list(x) FROM t",
        "SELECT `x` FROM t",
        "SELECT transform(a, v -> v + 1) FROM t",
        "SELECT nvl(x, 0) FROM t",
        "SELECT cx_no_such_snippet(x) FROM t",
    ],
)
def test_the_checker_catches_engine_only_syntax(bad):
    assert engine_specific(bad), bad
    assert engine_specific("-- " + bad) == []  # comments are not code


def test_every_snippet_has_both_forms_and_expands_to_neutral_code():
    for name, forms in SNIPPETS.items():
        assert set(forms) == set(ENGINE_ONLY), name
    for path in SHARED_SQL:
        code = code_of(path.read_text(encoding="utf-8"))
        for engine in ENGINE_ONLY:
            assert "cx_" not in expand(code, engine), (path.name, engine)


def test_snippets_on_duckdb_give_epoch_seconds_and_ordered_joins():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE r AS SELECT * FROM (VALUES ('a', 2, 'y'), ('a', 1, 'x'), ('a', 3, NULL),"
        " ('b', 1, 'z')) AS v(customer_id, run_no, tp)"
    )
    sql = (
        "SELECT customer_id, cx_ordered_join(CAST(tp AS STRING), ' > ', run_no) AS path "
        "FROM r GROUP BY customer_id ORDER BY customer_id"
    )
    assert con.execute(expand(sql, "duckdb")).fetchall() == [("a", "x > y"), ("b", "z")]
    one_day = "SELECT cx_epoch_seconds(TIMESTAMP '1970-01-02 00:00:00.5')"
    assert con.execute(expand(one_day, "duckdb")).fetchall() == [(86400.5,)]


def test_expand_rejects_unknown_snippets_engines_and_arities():
    with pytest.raises(KeyError, match="unknown SQL snippet"):
        expand("SELECT cx_nope(1)", "duckdb")
    with pytest.raises(KeyError, match="no form"):
        expand("SELECT cx_epoch_seconds(ts)", "oracle")
    with pytest.raises(ValueError, match="argument"):
        expand("SELECT cx_epoch_seconds(ts, 2)", "duckdb")
    with pytest.raises(ValueError, match="unclosed"):
        expand("SELECT cx_epoch_seconds(ts", "duckdb")
    assert expand("SELECT 1 -- cx_nope(", "spark") == "SELECT 1 -- cx_nope("


def test_render_spells_snippets_for_the_engine():
    assert "EXTRACT(EPOCH FROM" in render("tickets")
    assert "unix_micros" in render("tickets", "spark")
    assert "string_agg" in render("variants", max_steps=3)
    assert "array_join" in render("variants", "spark", max_steps=3)


def test_engine_choice_environment_then_config_then_duckdb():
    class Config:
        engine = "spark"

    assert engine_name(None, environ={}) == "duckdb"
    assert engine_name(Config(), environ={}) == "spark"
    assert engine_name(Config(), environ={"CXLIB_ENGINE": "duckdb"}) == "duckdb"
    with pytest.raises(ValueError, match="unknown engine"):
        engine_name(None, environ={"CXLIB_ENGINE": "oracle"})


def test_create_relation_on_duckdb_makes_tables_and_views():
    con = duckdb.connect()
    con.execute("CREATE TABLE src AS SELECT 1 AS x")
    create_relation(con, "copy", "SELECT x FROM src")
    create_relation(con, "live", "SELECT x FROM src", view=True)
    con.execute("INSERT INTO src VALUES (2)")
    assert con.execute("SELECT COUNT(*) FROM copy").fetchall() == [(1,)]
    assert con.execute("SELECT COUNT(*) FROM live").fetchall() == [(2,)]


def test_feature_queries_as_rendered_are_engine_neutral():
    import numpy as np

    from cxlib.features.aggregates import SQL_DIR as FEATURE_SQL
    from cxlib.features.aggregates import _channel_params

    params = _channel_params(np.array([0, 1, 2, -1]), ["web", "Store", "call centre"], ("web",))
    assert params["shares"].count("AS events_share_") == 3
    for path in sorted(FEATURE_SQL.glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        for name, value in params.items():
            sql = sql.replace(f":{name}", value)
        assert engine_specific(sql) == [], path.name
