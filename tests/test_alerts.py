"""Alerts: planted problems fire, a world without change stays quiet, hand-computed tests,
the merge of a run's alerts, and ``alerts.json`` written by a report run.

The simulated worlds are ``benchmarks/bench_alerts.py``'s (50 worlds there; a few here).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace as T

import nbformat
import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from cxlib.actions import alerts
from cxlib.actions.alert_tests import comment_spikes, target_tests
from cxlib.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from bench_alerts import alert_world, world_alerts  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_change_world_raises_no_alert(seed: int) -> None:
    assert world_alerts(alert_world(seed)) == []


@pytest.mark.parametrize("seed", [10, 11])
def test_planted_deterioration_fires(seed: int) -> None:
    w = alert_world(seed, csat_drop=0.12)
    found = alerts.kpi_alerts(w.cx, w.config)
    csat = [a for a in found if a["kind"] == alerts.DETERIORATION and a["kpi"] == "csat"]
    overall = [a for a in csat if a["segment"] is None and a["versus"] == alerts.PREVIOUS]
    assert overall, [a["sentence"] for a in found]
    a = overall[0]
    assert a["change"] < 0 and a["change_high"] < 0 and a["p_adjusted"] < 0.05
    assert a["change"] == pytest.approx(a["value"] - a["other_value"])
    assert a["sentence"].startswith("Alert: CSAT fell") and a["report"].startswith("cx_scorecard")


@pytest.mark.parametrize("seed", [20, 21])
def test_planted_comment_spike_fires(seed: int) -> None:
    w = alert_world(seed, comment_spike=0.2)
    found = alerts.comment_alerts(w.scored, w.cx.surveys)
    assert len(found) == 1 and found[0]["kind"] == alerts.COMMENT_SPIKE
    assert found[0]["period"] == "2026-09-21"  # the planted week (Monday)
    assert found[0]["change"] > 10 and found[0]["change_low"] > 0


def test_comment_spike_test_by_hand() -> None:
    # 12 baseline weeks of 100 comments, 20 negative (p0 = 0.2, no extra noise: phi = 1);
    # 4 tested weeks of 100, the last with 40 negative.
    weeks = pd.date_range("2026-01-05", periods=16, freq="7D")
    times = pd.Series(np.repeat(weeks + pd.Timedelta(hours=10), 100))
    negative = np.tile(np.arange(100) < 20, 16)
    negative[-100:] = np.arange(100) < 40
    s = comment_spikes(times, pd.Series(negative))
    assert len(s) == 4 and s["baseline"].iloc[0] == pytest.approx(20.0)
    assert s["dispersion"].iloc[0] == 1.0
    z = 0.2 / math.sqrt(0.2 * 0.8 * (1 / 100 + 1 / 1200))
    assert s["p_value"].iloc[-1] == pytest.approx(st.norm.sf(z))
    assert s["spike"].tolist() == [False, False, False, True]


def test_target_newly_missed_on_a_hand_built_trend() -> None:
    trends = pd.DataFrame(
        {
            "kpi": ["csat"] * 3 + ["fcr"] * 2,
            "period": ["2026-07", "2026-08", "2026-09", "2026-08", "2026-09"],
            "value": [70.0, 76.0, 70.0, 60.0, 60.0],
            "ci_low": [68.04, 74.04, 68.04, 58.0, 58.0],
            "ci_high": [71.96, 77.96, 71.96, 62.0, 62.0],
            "n": [900] * 5,
        }
    )
    targets = {"csat": T(value=75.0, direction="higher"), "fcr": T(value=70.0, direction="higher")}
    t = target_tests(trends, targets)
    # fcr missed both months: not newly missed; csat met in Aug, missed in Sep
    assert t["kpi"].tolist() == ["csat"] and t["other_period"].tolist() == ["2026-08"]
    assert t["change"].iloc[0] == -5.0  # the gap
    assert t["p_value"].iloc[0] == pytest.approx(st.norm.cdf(-5.0), rel=1e-3)  # se = 1.96 / 1.96
    # a month a hair under the target is missed but not significantly
    trends.loc[2, ["value", "ci_low", "ci_high"]] = [74.8, 72.84, 76.76]
    assert target_tests(trends, targets)["p_value"].iloc[0] > 0.4


def test_mention_alerts_keep_recent_spikes_one_per_unit() -> None:
    days = pd.to_datetime(["2026-06-01", "2026-09-20", "2026-09-25", "2026-09-30", "2026-09-25"])
    spikes = pd.DataFrame(
        {
            "unit": ["all mentions"] * 4 + ["Acme"],
            "day": days,
            "spike": [True, True, True, False, True],
            "negative": [30, 20, 25, 5, 9],
            "expected": [5.0, 5.0, 5.0, 5.0, 2.0],
            "ratio": [6.0, 4.0, 5.0, 1.0, 4.5],
            "q_value": [0.001, 0.005, 0.001, 0.9, 0.005],
        }
    )
    found = alerts.mention_alerts(spikes)
    # a spike of the report (q < 5%) alerts only below the alert's share of the budget
    weak = spikes.assign(q_value=0.03)
    assert alerts.mention_alerts(weak) == [] and len(alerts.mention_alerts(weak, max_q=0.05)) == 2
    assert [(a["segment"], a["period"]) for a in found] == [
        ("brand: Acme", "2026-09-25"),
        (None, "2026-09-25"),  # the June spike is too old; the latest of the two recent ones
    ]
    assert "and 1 other spike day" in found[1]["sentence"]


def test_merge_dedupes_and_lets_a_report_replace_the_runners_kinds() -> None:
    own = [alerts.alert(alerts.DETERIORATION, "csat", "runner csat"),
           alerts.alert(alerts.TARGET_MISSED, "nps", "runner nps")]  # fmt: skip
    scorecard = {
        "alert_kinds": [alerts.TARGET_MISSED, alerts.DETERIORATION, alerts.COMMENT_SPIKE],
        "alerts": [alerts.alert(alerts.DETERIORATION, "csat", "scorecard csat")],
    }
    social = {"alerts": [alerts.alert(alerts.MENTION_SPIKE, "negative_mentions", "m")] * 2}
    merged = alerts.merge_alerts(own, [scorecard, social])
    assert [a["sentence"] for a in merged] == ["scorecard csat", "m"]
    assert [a["sentence"] for a in alerts.merge_alerts(own, [social])] == [
        "runner nps", "runner csat", "m",
    ]  # fmt: skip


# --- a report run writes alerts.json --------------------------------------------------------

TINY = (
    "import json, pathlib\n"
    "alert = {'id': 'comment_spike:negative_comment_share:all', 'kind': 'comment_spike',\n"
    "         'kpi': 'negative_comment_share', 'sentence': 'Alert: planted in the notebook.'}\n"
    "pathlib.Path(output_dir, 'cx_scorecard.json').write_text(json.dumps(\n"
    "    {'findings': ['a finding'], 'alerts': [alert], 'alert_kinds': ['comment_spike']}))"
)


def _tiny_scorecard(folder: Path) -> Path:
    params = (
        "data: str | None = None  # folder\nconfig: str | None = None  # YAML\n"
        "output_dir: str | None = None  # outputs"
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Tiny scorecard"),
            nbformat.v4.new_code_cell(params, metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(TINY),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "cxlib", "display_name": "cxlib", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "cx_scorecard.ipynb")
    return folder


def test_a_report_run_writes_alerts_json(tmp_path: Path) -> None:
    from cxlib.report.pipeline import run_reports

    w = alert_world(5, csat_drop=0.15, answers=400, tickets=200, customers=1500)
    data = tmp_path / "data"
    data.mkdir()
    for name, frame in w.cx.tables.items():
        frame.to_csv(data / f"{name}.csv", index=False)
    config = tmp_path / "config.yaml"
    config.write_text("targets:\n  csat: 75\n", encoding="utf-8")
    result = run_reports(
        data, config, out_dir=tmp_path / "out", notebooks_dir=_tiny_scorecard(tmp_path / "nb"),
        echo=lambda line: None,
    )  # fmt: skip
    assert result.exit_code == 0  # alerts are findings, not failures
    written = json.loads((result.path / "outputs" / "alerts.json").read_text(encoding="utf-8"))
    kinds = {(a["kind"], a["kpi"], a["segment"]) for a in written}
    assert ("deterioration", "csat", None) in kinds  # the runner's own, from the data
    assert ("comment_spike", "negative_comment_share", None) in kinds  # the report's
    assert result.manifest["alerts"] == [a["sentence"] for a in written]
    assert result.manifest["targets"] == {"csat": {"value": 75.0, "direction": "higher"}}
    index = (result.path / "index.html").read_text(encoding="utf-8")
    assert "Alert: planted in the notebook." in index and "Target at least 75%" in index


def test_a_run_without_alerts_writes_an_empty_list(tmp_path: Path) -> None:
    from cxlib.report.pipeline import run_reports

    data = tmp_path / "data"
    data.mkdir()
    pd.DataFrame(
        {"responded_at": ["2025-01-02 10:00", "2025-02-03 10:00"], "survey": "nps", "score": [9, 3]}
    ).to_csv(data / "surveys.csv", index=False)
    nb = _tiny_scorecard(tmp_path / "nb")
    text = (nb / "cx_scorecard.ipynb").read_text(encoding="utf-8").replace("[alert]", "[]")
    (nb / "cx_scorecard.ipynb").write_text(text, encoding="utf-8")
    result = run_reports(data, out_dir=tmp_path / "out", notebooks_dir=nb, echo=lambda _: None)
    assert result.exit_code == 0
    assert json.loads((result.path / "outputs" / "alerts.json").read_text()) == []
    assert result.manifest["alerts"] == []
