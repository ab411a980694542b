"""Parity on real event logs (BPI Challenge 2012, helpdesk): validation and journey.

The gzip-compressed CSV (``../shared/data/real/eventlog_bpic2012``, 262,200 events of
13,087 applications) is read and validated on Spark with the config's row filter and
value mappings, and kept there (:func:`cxlib.engine.spark_data.load_on_spark`): the row
accounting (JSON report with examples) must equal :func:`cxlib.load`'s, and the whole
journey analysis on the kept tables -- every ordered output, the notes, the counts, and
every journey query's table -- must equal DuckDB's. The same for the real helpdesk log
(``eventlog_helpdesk``: 21,348 events of 4,580 tickets). Skips when ``../shared`` is
absent; slow (two to five minutes on two cores), needs the module's Spark session.
"""

from __future__ import annotations

import json

import pytest
from test_engine_spark import ORDERED, _every_table, assert_same, spark  # noqa: F401

import cxlib
from cxlib import journey
from cxlib.engine.spark_data import load_on_spark
from cxlib.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

CONFIG = PROJECT_ROOT / "configs" / "eventlog_bpic2012.yaml"


def test_bpic2012_validation_and_journey_on_spark_equal_duckdb(spark, shared_dir):  # noqa: F811
    folder = shared_dir / "data" / "real" / "eventlog_bpic2012"
    cx = cxlib.load(folder, CONFIG)
    data = load_on_spark(folder, CONFIG, spark=spark)
    duck_report = json.loads(cx.quality.to_json(examples=True))
    assert duck_report == json.loads(data.quality.to_json(examples=True))
    events = cx.quality.tables["events"]  # the config's row filter keeps COMPLETE events
    assert (events.rows_in, events.rows_filtered) == (164_506, 262_200 - 164_506)
    duck, _ = _journey_parity(cx, data)
    assert duck.n_events_ == 164_506 and duck.n_customers_ == 13_087


def test_helpdesk_validation_and_journey_on_spark_equal_duckdb(spark, shared_dir):  # noqa: F811
    folder = shared_dir / "data" / "real" / "eventlog_helpdesk"
    config = PROJECT_ROOT / "configs" / "helpdesk.yaml"
    cx = cxlib.load(folder, config)
    data = load_on_spark(folder, config, spark=spark)
    duck_report = json.loads(cx.quality.to_json(examples=True))
    assert duck_report == json.loads(data.quality.to_json(examples=True))
    duck, _ = _journey_parity(cx, data)
    assert duck.n_events_ > 20_000 and duck.n_customers_ > 4_000


def _journey_parity(cx, data):  # noqa: ANN001, ANN202
    """The journey analysis on ``cx`` (DuckDB) and on ``data`` (kept on Spark): every
    ordered output, the notes, the counts and every journey query's table equal."""
    duck = journey.JourneyAnalysis().fit(cx)
    kept = journey.JourneyAnalysis().fit(data)
    assert kept.log_.kept
    for name in ORDERED:
        assert_same(getattr(duck, name), getattr(kept, name), name, ordered=True)
    assert duck.notes_ == kept.notes_
    assert (duck.n_customers_, duck.n_events_) == (kept.n_customers_, kept.n_events_)
    duck_tables, spark_tables = _every_table(duck.log_), _every_table(kept.log_)
    for tables in (duck_tables, spark_tables):
        # seq, the tie-break for equal times, is the position among the kept events on
        # DuckDB and the source row on Spark (the filtered rows leave gaps): the same order
        for frame in tables.values():
            if "seq" in frame:
                frame["seq"] = frame["seq"].rank(method="first")
    for name, frame in duck_tables.items():
        assert_same(frame, spark_tables[name], name, ordered=False)
    return duck, kept
