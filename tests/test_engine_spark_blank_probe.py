"""Spark's blank probe (:func:`cxlib.engine.spark_read.strip_blanks`) finds exactly the values
the rule's regex finds: every blank other than the space, at the start, at the end, alone,
in the middle (not a hit), and the space (not a hit: the typing SQL trims it)."""

from __future__ import annotations

import pytest
from test_engine_spark import spark  # noqa: F401  (the module's Spark session)

from cxlib.engine.spark_read import HAS_OTHER_BLANK, OTHER_BLANKS, strip_blanks
from cxlib.io.blanks import BLANKS
from cxlib.io.config import TableMapping

pytestmark = pytest.mark.slow


def _values() -> list[str | None]:
    out: list[str | None] = [None, "", "a", " a ", "a b", "é", "\u4e2d"]
    for c in BLANKS:
        out += [c, f"{c}a", f"a{c}", f"a{c}b", f"{c}{c}", f" {c}a"]
    return out


def test_the_trim_probe_equals_the_regex(spark):  # noqa: F811
    from pyspark.sql import functions as F  # noqa: N812

    values = _values()
    frame = spark.createDataFrame([(i, v) for i, v in enumerate(values)], "i int, v string")
    got = frame.select(
        "i",
        (F.col("v") != F.trim(F.col("v"), F.lit(OTHER_BLANKS))).alias("trim"),
        F.col("v").rlike(HAS_OTHER_BLANK).alias("regex"),
    ).collect()
    assert len(got) == len(values)
    assert [r["trim"] for r in got] == [r["regex"] for r in got]
    expected = [
        None if v is None else bool(v) and (v[0] in OTHER_BLANKS or v[-1] in OTHER_BLANKS)
        for v in values
    ]
    assert [r["trim"] for r in sorted(got, key=lambda r: r["i"])] == expected
    assert sum(bool(x) for x in expected) == 4 * len(OTHER_BLANKS)  # the test can fail


def test_strip_blanks_trims_only_columns_with_another_blank(spark):  # noqa: F811
    frame = spark.createDataFrame(
        [("\u00a0c1", "nps ", "x\t"), ("c2", " ces", "y")],
        "customer_id string, survey string, comment string",
    )
    rows = [tuple(r) for r in strip_blanks(frame, "surveys", TableMapping()).collect()]
    # ids: every blank trimmed; survey: spaces only (left to the typing SQL); comment: free text
    assert rows == [("c1", "nps ", "x\t"), ("c2", " ces", "y")]
