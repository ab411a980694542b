"""The validator catches exactly the invalid rows the sample generator plants."""

from __future__ import annotations

import json
import subprocess
import sys

from cxlib.contract import TABLES


def test_validate_json_reports_exactly_the_planted_invalid_rows(small_sample):
    truth = json.loads((small_sample / "TRUTH.json").read_text(encoding="utf-8"))
    run = subprocess.run(
        [sys.executable, "-m", "cxlib", "validate", "--data", str(small_sample), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert set(report) == set(TABLES)
    for table, entry in report.items():
        planted = truth["invalid_rows"].get(table, {})
        assert entry["excluded"] == planted, table
        assert entry["rows_in"] == entry["rows_kept"] + sum(entry["excluded"].values())
        assert entry["rows_in"] == truth["row_counts"][table]
