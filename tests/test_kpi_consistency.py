"""One definition per KPI: every page of a run states each KPI the same way.

Each page's summary JSON states its KPIs (``stated_kpis``, :mod:`cxlib.metrics.kpis`; older
pages through their known fields); the index's tiles come from the run's manifest. The
same KPI must have the same value, unit and period on every page, and a page counting a
different number of customers must say why. Checked on hand-built summaries with planted
disagreements, on the default sample's run and (slow, skipped without ../shared) on the
Telco, NPS-survey and helpdesk runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cxlib.metrics.kpis import KPIS, MONEY_PER_YEAR, disagreements, kpi, stated, stated_kpis
from cxlib.paths import PROJECT_ROOT

PERIOD = ("2024-10-01", "2026-09-30")
REAL_RUNS = {
    "telco": ("telco_churn", "telco.yaml"),
    "nps_survey": ("nps_verbatims_textsummary", "nps_verbatims.yaml"),
    "helpdesk": ("eventlog_helpdesk", "helpdesk.yaml"),
}
"""The real runs of the issue: data folder under ../shared/data/real and its config."""


def run_pages(run: Path) -> dict[str, list[dict[str, Any]]]:
    """Every page's stated KPIs in a published run, the index's tiles included."""
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    period = (manifest.get("data") or {}).get("period")
    pages = {}
    for report in manifest["reports"]:
        path = run / (report.get("summary") or "none")  # a skipped report has none
        if report["status"] == "succeeded" and path.is_file():
            summary = json.loads(path.read_text(encoding="utf-8"))
            pages[report["name"]] = stated_kpis(summary, period)
    pages["index"] = [
        stated(key, d["value"], period=period, n=d["n"])
        for key, d in (manifest.get("kpis") or {}).items()
        if key in KPIS
    ]
    return pages


def check_run(run: Path) -> None:
    """Fail on any disagreement between the pages of ``run`` or a KPI off its definition.

    Every stated KPI carries its period when the data has dates; a snapshot without any
    (Telco) has no period to state, and its KPIs' names say what they cover.
    """
    pages = run_pages(run)
    assert len(pages) > 1, f"{run}: fewer than two pages to compare"
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    dated = bool((manifest.get("data") or {}).get("period"))  # a snapshot (Telco) has none
    problems = disagreements(pages)
    for page, records in pages.items():
        for r in records:
            k = kpi(r["kpi"])
            if r["unit"] != k.unit or r["name"] != k.name:
                problems.append(f"{page}: {r['kpi']} stated as {r['name']} in {r['unit']}")
            if dated and not r.get("period"):
                problems.append(f"{page}: {k.name} has no period")
    assert not problems, "\n".join(problems)


# --- planted disagreements ------------------------------------------------------------------


def _page(**values: float) -> list[dict[str, Any]]:
    return [stated(k, v, period=PERIOD) for k, v in values.items()]


def test_pages_that_agree_pass() -> None:
    pages = {"a": _page(churn_rate=23.7, customers=19996), "b": _page(churn_rate=23.7)}
    assert disagreements(pages) == []


@pytest.mark.parametrize(
    "change",
    ["value", "unit", "period", "customers"],
)
def test_each_kind_of_disagreement_is_found(change: str) -> None:
    a = _page(churn_rate=23.7, customers=19996)
    b = _page(churn_rate=23.7, customers=19996)
    if change == "value":
        b[0]["value"] = 10.2
    elif change == "unit":
        b[0]["unit"] = "share"
    elif change == "period":
        b[0]["period"] = ["2026-07-01", "2026-09-30"]  # the last 3 months, same name
    else:
        b[1]["value"] = 20000.0
    found = disagreements({"scorecard": a, "journey": b})
    assert len(found) == 1 and found[0].startswith(
        kpi(b[0 if change != "customers" else 1]["kpi"]).name
    )


def test_a_customer_count_with_its_reason_passes_and_other_kpis_need_agreement() -> None:
    a = _page(customers=19996, nps=-27.9)
    b = [stated("customers", 20000, period=PERIOD, note="4 customers with events excluded")]
    b += _page(nps=-27.8)
    found = disagreements({"scorecard": a, "journey": b})
    assert found == [
        "NPS: scorecard states -27.9 (points, 2024-10-01 to 2026-09-30), "
        "journey -27.8 (points, 2024-10-01 to 2026-09-30)"
    ]


def test_older_summaries_are_read_in_the_kpis_unit() -> None:
    churn = {"churn_rate": 0.2373, "customers": 19996, "revenue_at_risk_per_year": 954019.0}
    records = {r["kpi"]: r for r in stated_kpis(churn, PERIOD)}
    assert records["churn_rate"]["value"] == pytest.approx(23.73)
    assert records["revenue_at_risk"]["unit"] == MONEY_PER_YEAR
    scorecard = _page(churn_rate=23.73)
    assert disagreements({"churn": list(records.values()), "scorecard": scorecard}) == []
    assert disagreements({"churn": list(records.values()), "scorecard": _page(churn_rate=10.2)})


# --- the runs -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_sample_run_states_each_kpi_once(sample_reports: Path) -> None:
    check_run(sample_reports)
    pages = run_pages(sample_reports)
    assert {"scorecard", "churn", "journey", "personas", "index"} <= set(pages)
    journey = {r["kpi"]: r for r in pages["journey"]}
    assert journey["customers"]["value"] == 20000 and "4 customers" in journey["customers"]["note"]
    assert "affected_revenue" in journey and "revenue_at_risk" not in journey


@pytest.mark.slow
@pytest.mark.parametrize("name", list(REAL_RUNS))
def test_the_real_runs_state_each_kpi_once(name: str, shared_dir: Path, tmp_path: Path) -> None:
    from cxlib.report.pipeline import run_reports

    folder, config = REAL_RUNS[name]
    data = shared_dir / "data" / "real" / folder
    if not data.is_dir():
        pytest.skip(f"{data} is absent")
    result = run_reports(
        data, str(PROJECT_ROOT / "configs" / config), out_dir=tmp_path / "out", echo=lambda s: None
    )
    assert result.exit_code == 0, [(r.report.name, r.status, r.message) for r in result.reports]
    check_run(result.path)


# --- plain words: one money format, humanised names -------------------------------------------


def test_the_configs_currency_and_labels_reach_every_formatter(small_sample: Path) -> None:
    import cxlib
    from cxlib.wording import label, money

    config = {"currency": "eur", "labels": {"billing_page": "Billing and invoices"}}
    cx = cxlib.load(small_sample, config, tables=["customers"])
    assert cx.config.currency == "EUR"
    assert money(681_500) == "€681.5k" and money(-950) == "-€950"
    assert kpi("revenue_at_risk").format(954_019.4) == "€954.0k a year"
    assert label("billing_page") == "Billing and invoices" and label("app_login") == "app login"
    cxlib.load(small_sample, tables=["customers"])  # a load without a config: bare amounts
    assert money(681_500) == "681.5k" and label("billing_page") == "billing page"


@pytest.mark.parametrize("bad", ["euro", "E1", 12])
def test_a_currency_that_is_not_an_iso_code_is_refused(bad: Any) -> None:
    from cxlib.io.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="three-letter ISO code"):
        load_config({"currency": bad})


@pytest.mark.slow
def test_the_sample_tiles_show_twelve_months_and_both_tested_changes(sample_reports: Path) -> None:
    import re

    index = (sample_reports / "index.html").read_text(encoding="utf-8")
    assert "no earlier run" not in index  # the data holds 24 months
    tiles = re.findall(r"<div class='cx-kpi'>.*?</div></div>", index, re.S)
    assert len(tiles) == 6
    for tile in tiles:
        points = re.search(r"points='([^']+)'", tile)
        assert points and len(points.group(1).split()) == 12, tile
        assert "vs Sep 2025" in tile and "vs Aug 2026" in tile, tile
        assert re.search(r"aria-label='[^']+ month by month, Oct 2025 to Sep 2026", tile)
    ces = next(t for t in tiles if "CES (% easy)" in t)
    assert re.search(r"<span class='better'>▲ 11\.7 points</span> vs Sep 2025 \(significant", ces)
