"""Parity: the journey on Spark (local mode) gives DuckDB's results.

Integers exactly, floats to 1e-9 (relative), ordered outputs in the same order, the same
notes. One Spark session (``local[2]``) serves the whole module, so the JVM starts once
and only for these tests. Without pyspark or Java the tests skip with the reason; in CI
(``CI`` set) they fail instead, because CI installs both (``make system-deps``, the
``spark`` extra) and the parity test must run there.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

import numpy as np
import pandas as pd
import pytest

import cxlib
from cxlib import journey
from cxlib.journey.log import BUILT_WITH_NUMPY, JourneyLog
from cxlib.journey.queries import SQL_DIR
from cxlib.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

WINDOWS = {"loop_window_s": 3600, "followup_s": 172800, "rework_window_s": 28800}
ORDERED = ("friction_", "funnel_", "dfg_", "variants_", "cross_channel_", "journey_map_",
           "outcomes_")  # fmt: skip
"""The analysis' DataFrames, compared row for row in their order."""


@pytest.fixture(scope="module")
def spark():
    """The module's Spark session (local[2]), stopped after the module."""
    missing = [
        reason
        for reason, absent in (
            ("pyspark is not installed (pip install cxlib[spark])",
             importlib.util.find_spec("pyspark") is None),
            ("no Java runtime (make system-deps installs openjdk-17-jre-headless)",
             shutil.which("java") is None),
        )
        if absent
    ]  # fmt: skip
    if missing:
        if os.environ.get("CI"):
            pytest.fail("the Spark parity test must run in CI: " + "; ".join(missing))
        pytest.skip("; ".join(missing))
    from cxlib.engine.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def _on(engine: str, monkeypatch: pytest.MonkeyPatch, build):  # noqa: ANN001, ANN202
    monkeypatch.setenv("CXLIB_ENGINE", engine)
    try:
        return build()
    finally:
        monkeypatch.delenv("CXLIB_ENGINE")


def assert_same(duck: pd.DataFrame, spark: pd.DataFrame, what: str, *, ordered: bool) -> None:
    """Equal values: integers exactly, floats to 1e-9, NULL equal to NULL (dtypes may differ:
    DuckDB sums to HUGEINT, Spark to BIGINT)."""
    assert list(duck.columns) == list(spark.columns), what
    assert len(duck) == len(spark), what
    if not ordered:
        keys = list(duck.columns)
        duck = duck.astype(object).sort_values(keys, key=_sortable).reset_index(drop=True)
        spark = spark.astype(object).sort_values(keys, key=_sortable).reset_index(drop=True)
    for col in duck.columns:
        x, y = duck[col].reset_index(drop=True), spark[col].reset_index(drop=True)
        xn, yn = _numeric(x), _numeric(y)
        if xn is not None and yn is not None:
            np.testing.assert_allclose(xn, yn, rtol=1e-9, atol=0, equal_nan=True,
                                       err_msg=f"{what}.{col}")  # fmt: skip
        else:
            assert _plain(x) == _plain(y), f"{what}.{col}"


def _numeric(s: pd.Series) -> np.ndarray | None:
    if s.dtype == object and s.map(lambda v: isinstance(v, str)).any():
        return None
    try:
        return pd.to_numeric(s.astype(object).where(s.notna(), np.nan)).astype(float).to_numpy()
    except (TypeError, ValueError):
        return None


def _plain(s: pd.Series) -> list:
    return s.astype(object).where(s.notna(), None).tolist()


def _sortable(s: pd.Series) -> pd.Series:
    return s.map(lambda v: (1, "") if pd.isna(v) else (0, f"{float(v):.12e}" if
                 isinstance(v, (int, float, np.number)) else str(v)))  # fmt: skip


def _params(log: JourneyLog) -> dict[str, dict]:
    return {
        "visits": WINDOWS, "customer_touchpoints": WINDOWS, "cross_channel": {"repeat_s": 604800},
        "variants": {"max_steps": 2**62}, "answers": log._scale_params(),
        "journeys": {"purchase_rank": log.purchase_rank},
    }  # fmt: skip


def _every_table(log: JourneyLog) -> dict[str, pd.DataFrame]:
    """Every journey query's result on ``log`` (prepared tables built first)."""
    for name in ("runs", "step_norms"):
        log.materialize(name)
    log.materialize("visits", **WINDOWS)
    log.materialize("customer_touchpoints", **WINDOWS)
    log.materialize("customer_stages")
    out = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        if "journey_selected" not in path.read_text(encoding="utf-8"):  # see the analysis test
            out[path.stem] = log.query(path.stem, **_params(log).get(path.stem, {}))
    return out


def _analysis_parity(cx, monkeypatch) -> None:  # noqa: ANN001
    duck = _on("duckdb", monkeypatch, lambda: journey.JourneyAnalysis().fit(cx))
    spark = _on("spark", monkeypatch, lambda: journey.JourneyAnalysis().fit(cx))
    assert duck.log_.engine == "duckdb" and spark.log_.engine == "spark"
    for name in ORDERED:
        assert_same(getattr(duck, name), getattr(spark, name), name, ordered=True)
    assert duck.notes_ == spark.notes_
    assert (duck.n_customers_, duck.n_events_) == (spark.n_customers_, spark.n_events_)
    top = list(duck.friction_["touchpoint"][:3])
    a, b = journey.affected_total(duck.log_, top), journey.affected_total(spark.log_, top)
    assert (a["customers"], a["slow_customers"]) == (b["customers"], b["slow_customers"])
    np.testing.assert_allclose(a["revenue_at_risk"], b["revenue_at_risk"], rtol=1e-9)
    duck_tables, spark_tables = _every_table(duck.log_), _every_table(spark.log_)
    for name, frame in duck_tables.items():
        assert_same(frame, spark_tables[name], name, ordered=False)


def test_the_sample_journey_on_spark_equals_duckdb(spark, small_sample, monkeypatch):
    _analysis_parity(cxlib.load(small_sample), monkeypatch)


def test_awkward_logs_on_spark_equal_the_numpy_tables(spark, monkeypatch):
    from test_journey_sequence import _awkward_cx

    cx = _awkward_cx(1)
    duck = _on("duckdb", monkeypatch, lambda: JourneyLog(cx))
    spark_log = _on("spark", monkeypatch, lambda: JourneyLog(cx))
    duck_tables, spark_tables = _every_table(duck), _every_table(spark_log)
    for name in BUILT_WITH_NUMPY | {"journeys", "funnel", "friction"}:
        assert_same(duck_tables[name], spark_tables[name], name, ordered=False)


def test_helpdesk_log_on_spark_equals_duckdb(spark, shared_dir, monkeypatch):
    folder = shared_dir / "data" / "real" / "eventlog_helpdesk"
    config = PROJECT_ROOT / "configs" / "helpdesk.yaml"
    _analysis_parity(cxlib.load(folder, config), monkeypatch)
