"""Parity: ``cxlib reports --engine spark`` publishes the same reports as the default engine.

Every report runs twice on the small sample with the sample config, and on the real IBM
Telco churn table with its config (skipped without ``../shared``): on DuckDB, and with
Spark chosen (``CXLIB_ENGINE=spark``, what ``--engine spark`` sets), where the notebooks
and the runner load with :func:`cxlib.engine.loading.load_data` -- the data read and validated on
Spark, the events kept there. Both runs must succeed and publish the same output files
(CSV: the same rows in the same order, integers exactly, floats to 1e-9; JSON: the same
structure and values) and pages that say the same thing (their visible text, once the
run's own id, times, folder and the Spark run's "Engine" line are set aside). Slow: one
Spark driver per notebook (skips without pyspark or Java; fails in CI, which has both).
"""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from test_engine_spark import assert_same, spark  # noqa: F401

from cxlib.paths import PROJECT_ROOT, SAMPLE_CONFIG
from cxlib.report.pipeline import run_reports

pytestmark = pytest.mark.slow

ENGINES = ("duckdb", "spark")


DATA_SETS = {"sample": 6, "telco": 3}
"""The data sets and how many reports succeed on each: the small sample (all six), and the
real IBM Telco churn table (customers only: personas, churn and the action plan run, the
other three are skipped for want of their tables, on both engines alike)."""


@pytest.fixture(scope="module", params=sorted(DATA_SETS))
def runs(request, spark, tmp_path_factory) -> dict[str, Path]:  # noqa: F811
    """The published run folder of each engine on one data set."""
    if request.param == "sample":
        data, config = request.getfixturevalue("small_sample"), SAMPLE_CONFIG
    else:
        data = request.getfixturevalue("shared_dir") / "data" / "real" / "telco_churn"
        config = PROJECT_ROOT / "configs" / "telco.yaml"
    out = {}
    for engine in ENGINES:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CXLIB_ENGINE", engine)
            result = run_reports(data, config=config,
                                 out_dir=tmp_path_factory.mktemp(f"reports_{engine}"),
                                 echo=lambda line: None)  # fmt: skip
        failed = [(r.report.name, r.status, r.error, r.message) for r in result.reports]
        assert result.exit_code == 0, (engine, failed)
        succeeded = [r for r in result.reports if r.status == "succeeded"]
        assert len(succeeded) == DATA_SETS[request.param], (engine, failed)
        out[engine] = result.path
    return out


def test_the_runs_say_where_they_ran(runs):
    for engine, path in runs.items():
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["engine"] == engine
    spark_page = _text(runs["spark"] / "persona_segmentation.html")
    assert "Engine" in spark_page and "Engine" not in _text(runs["duckdb"] / "index.html")


def test_every_output_file_is_the_same(runs):
    duck, other = (runs[e] / "outputs" for e in ENGINES)
    names = sorted(p.name for p in duck.iterdir())
    assert names == sorted(p.name for p in other.iterdir())
    assert "personas.csv" in names and "churn_at_risk.csv" in names
    for name in names:
        a, b = duck / name, other / name
        if a.read_bytes() == b.read_bytes():  # also an empty file (no row, no header)
            continue
        if name.endswith(".json"):
            _same_json(_read_json(a), _read_json(b), name)
        elif name.endswith(".csv"):
            assert_same(pd.read_csv(a), pd.read_csv(b), name, ordered=True)
        else:
            pytest.fail(f"{name} differs")


def test_every_page_says_the_same(runs):
    pages = sorted(p.name for p in runs["duckdb"].glob("*.html"))
    assert pages == sorted(p.name for p in runs["spark"].glob("*.html"))
    assert "index.html" in pages and len(pages) >= 4
    for name in pages:
        texts = [_normalised(_text(runs[e] / name), runs[e]) for e in ENGINES]
        assert texts[0] == texts[1], name


# --- helpers ------------------------------------------------------------------------------


class _Visible(HTMLParser):
    """The visible text of a page, one string per text node (images as ``<img>``)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._hidden += tag in ("script", "style")
        if tag == "img":
            self.parts.append("<img>")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def _text(page: Path) -> list[str]:
    parser = _Visible()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.parts


def _normalised(parts: list[str], run: Path) -> list[str]:
    """``parts`` without what differs between any two runs: the run's folder and id, its
    start time, the index's seconds per report, and the Spark run's "Engine" line."""
    out, skip = [], False
    for part in parts:
        if skip:  # the value after an "Engine" label
            skip = False
            continue
        if part.rstrip(":") == "Engine":
            skip = True
            continue
        part = part.replace(str(run.parent), "<out>").replace(run.name, "<run>")
        part = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?( UTC)?", "<time>", part)
        out.append(re.sub(r"^\d+(\.\d+)? s$", "<seconds>", part))
    return out


def _read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def _same_json(a: object, b: object, where: str) -> None:
    """The same structure and values; floats to 1e-9 (relative)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), where
        for key in a:
            _same_json(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_json(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9), where
    else:
        assert a == b, where
