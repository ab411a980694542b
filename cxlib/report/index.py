"""The index page of a run: the one page a leader reads.

Headline KPI tiles (:mod:`cxlib.report.tiles`: the latest month of the data with its 95%
CI, a 12-month sparkline, the tested change against the month before and a year earlier;
without dated rows, the change since the previous run on the same data source; its
target and benchmark when the config gives them), the run's alerts at the top
(:mod:`cxlib.actions.alerts`: the manifest's ``alerts`` sentences), the top three findings
of each report, links to the reports, and any failure: the report, the cell and the error.
This module prepares every value as text (numbers by :mod:`cxlib.wording`); the template
``index.html.j2`` (:mod:`cxlib.templates`, autoescaped) lays them out, so everything shown
is escaped; the page is self-contained like the reports.

Examples
--------
>>> from cxlib.metrics.intervals import MetricResult
>>> now = MetricResult("NPS", 10.0, 1200, 5.0, 15.0, "points", "normal", 2.5)
>>> tile = kpi_tile("nps", now, None, None)
>>> tile.value, tile.ci, tile.changes[0].note
('10.0', '95% CI 5.0 to 15.0 · n=1,200', 'no monthly history in the data and no earlier run')
>>> before = MetricResult("NPS", 40.0, 1200, 35.0, 45.0, "points", "normal", 2.5)
>>> change = kpi_change("nps", now, before, "r1")
>>> change.css, change.arrow, change.amount, change.against, change.p
('worse', '▼', '30.0 points', 'since run r1', 'p < 0.001')
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cxlib.metrics import compare
from cxlib.metrics.intervals import MetricResult
from cxlib.metrics.kpis import kpi
from cxlib.report import publish as pub
from cxlib.report.html import page_context
from cxlib.report.tiles import TESTED, Change, Tile, ci_text, goal_texts, history_tile
from cxlib.scorecard.kpis import HEADLINE, KPIS, kpis_from_dict
from cxlib.templates import render
from cxlib.wording import count, is_known, number, p_value, seconds

TITLE = "Customer experience reports"
"""The index page's title."""
TOP_FINDINGS = 3
"""Findings shown per report."""
POINT_UNITS = ("%", "points")
"""KPI units whose change reads in points (percentage points for a share)."""


def previous_kpis(out_dir: str | Path, source_label: str) -> tuple[str, dict[str, Any]] | None:
    """(run id, stored KPIs) of the newest published run on the same data source."""
    for run in pub.published_runs(out_dir):
        manifest = pub.read_manifest(run)
        if not manifest or not manifest.get("kpis"):
            continue
        if (manifest.get("data") or {}).get("source") == source_label:
            return manifest["run_id"], manifest["kpis"]
    return None


def kpi_tile(
    key: str,
    now: MetricResult,
    before: MetricResult | None,
    previous_run: str | None,
    target: Mapping[str, Any] | None = None,
    benchmark: Mapping[str, Any] | None = None,
) -> Tile:
    """A KPI without monthly history: its value over the data, CI, n, change since the
    last run, and its ``target`` and ``benchmark`` when given."""
    return Tile(
        name=KPIS.get(key, now.name),
        value=kpi(key).format(now.value) if key in KPIS else number(now.value, 1),
        ci=ci_text(now.ci_low, now.ci_high, now.n),
        changes=(kpi_change(key, now, before, previous_run),),
        **goal_texts(key, now.value, now.ci_low, now.ci_high, target, benchmark),
    )


def kpi_change(
    key: str,
    now: MetricResult,
    before: MetricResult | None,
    previous_run: str | None,
    what: str = "",
) -> Change:
    """``▲ 2.1 points since run R (significant, p < 0.001)``, coloured when significant.

    ``what`` names the compared value when the tile shows another one (``whole period``).
    """
    if before is None or previous_run is None:
        return Change(note="no monthly history in the data and no earlier run")
    c = compare(before, now)
    if math.isnan(c.diff):
        return Change(note="no comparison (a run has no answers)")
    unit = " points" if now.unit in POINT_UNITS else f" {now.unit}"
    better = kpi(key).better(c.diff) if key in KPIS else None
    return Change(
        css=("better" if better else "worse") if c.significant and better is not None else "same",
        arrow="▲" if c.diff > 0 else "▼" if c.diff < 0 else "=",
        amount=f"{number(abs(c.diff), 1)}{unit}",
        against=f"since run {previous_run}" + (f" ({what})" if what else ""),
        verdict="significant" if c.significant else "not significant",
        p=p_value(c.p_value) if is_known(c.p_value) else "p n/a",
    )


MONTHLY_OF = {"churn_rate": "churn_rate_monthly"}
"""The monthly KPI a headline KPI's tile shows when it differs (churn: among the active)."""


def kpi_tiles(
    now: Mapping[str, MetricResult],
    history: Mapping[str, Any],
    before: Mapping[str, MetricResult] | None = None,
    previous_run: str | None = None,
    targets: Mapping[str, Mapping[str, Any]] | None = None,
    benchmarks: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Tile]:
    """The headline KPIs' tiles: from the data's monthly history where it has one.

    A tile from history also names the KPI's value over the whole data (``overall``), so
    the scorecard's headline table and the tile can be read together; when the data's
    months give no change to test (a single month), the change of that whole-data value
    since the previous run is shown as well. ``targets`` and ``benchmarks`` (by KPI key,
    as the manifest keeps them) are matched to the KPI the tile shows (the monthly churn
    rate's target to the churn tile showing it).
    """
    targets, benchmarks = targets or {}, benchmarks or {}
    out = []
    for key in HEADLINE:
        monthly = MONTHLY_OF.get(key, key)
        if monthly in history:
            overall = ""
            if key in now:
                what = kpi(key).name if monthly != key else "whole period"
                overall = f"{what}: {kpi(key).format(now[key].value)}"
            tile = history_tile(
                monthly, history[monthly], overall, targets.get(monthly), benchmarks.get(monthly)
            )
            if key in now and previous_run and not any(c.verdict in TESTED for c in tile.changes):
                run = kpi_change(
                    key, now[key], (before or {}).get(key), previous_run, "whole period"
                )
                tile = dataclasses.replace(tile, changes=(*tile.changes, run))
            out.append(tile)
        elif key in now:
            before_key = (before or {}).get(key)
            goals = (targets.get(key), benchmarks.get(key))
            out.append(kpi_tile(key, now[key], before_key, previous_run, *goals))
    return out


def _failure(report: Mapping[str, Any]) -> dict[str, Any]:
    """A failed report's box: its title and the failing cell, or the runner's message."""
    err = report.get("error")
    error = None
    if err:
        error = {k: err[k] for k in ("ename", "evalue", "source")} | {"cell": int(err["cell"])}
    return {"title": report["title"], "error": error, "message": report.get("message") or ""}


def _findings(report: Mapping[str, Any]) -> dict[str, Any]:
    """A report's top findings with the link to its page."""
    return {
        "title": report["title"],
        "html": report.get("html"),
        "sentences": list(report["findings"][:TOP_FINDINGS]),
    }


def _report_row(r: Mapping[str, Any]) -> dict[str, Any]:
    """One line of the reports table: link, status, time and a note (message or error)."""
    error = r.get("error")
    note = r.get("message") or (f"cell {error['cell']}: {error['ename']}" if error else "")
    return {
        "title": r["title"],
        "html": r.get("html"),
        "status": r["status"],
        "time": seconds(r.get("duration_s", 0)),
        "note": note,
    }


def _meta(manifest: Mapping[str, Any]) -> dict[str, str]:
    """The facts under the title: data, period, generated, version, parameters, run."""
    reports, data = manifest["reports"], manifest["data"]
    failed = sum(r["status"] == "failed" for r in reports)
    done = sum(r["status"] == "succeeded" for r in reports)
    status = (
        "complete"
        if manifest["status"] == "succeeded"
        else f"INCOMPLETE: {failed} of {len(reports)} reports failed"
    )
    period = data.get("period")
    return {
        "Data source": data["source"],
        "Config": data.get("config") or "none (canonical names)",
        "Period covered": f"{period[0][:10]} to {period[1][:10]}" if period else "unknown",
        **({"Customers": count(n)} if (n := (data.get("tables") or {}).get("customers")) else {}),
        "Generated": manifest["started_at"].replace("T", " ").replace("+00:00", " UTC"),
        **({"Engine": "Spark"} if manifest.get("engine") == "spark" else {}),
        "cxlib version": manifest["cxlib_version"],
        "Parameters": _params(manifest.get("parameters") or {}),
        "Run": f"{manifest['run_id']} · {status} · {done} report(s)",
        **_private_note(manifest),
    }


def _private_note(manifest: Mapping[str, Any]) -> dict[str, str]:
    """Where the executed notebooks are: never in the run folder (they show raw rows).

    Examples
    --------
    >>> _private_note({"private_notebooks": "../_private/r1/notebooks"})["Executed notebooks"]
    'kept out of this folder and never mailed (they show customer-level rows): ../_private/r1/notebooks'
    """
    where = manifest.get("private_notebooks")
    if not where:
        return {}
    return {
        "Executed notebooks": "kept out of this folder and never mailed "
        f"(they show customer-level rows): {where}"
    }


def index_html(manifest: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> str:
    """The index page of a run from its manifest (and the previous run's stored KPIs)."""
    reports, data = manifest["reports"], manifest["data"]
    now = kpis_from_dict(manifest.get("kpis") or {})
    before = kpis_from_dict(previous) if previous else {}
    previous_run = manifest.get("previous_run")
    return render(
        "index.html.j2",
        title=TITLE,
        meta=_meta(manifest),
        load_error=data.get("load_error"),
        failed=[_failure(r) for r in reports if r["status"] == "failed"],
        tiles=kpi_tiles(
            now,
            manifest.get("kpi_history") or {},
            before,
            previous_run,
            manifest.get("targets"),
            manifest.get("benchmarks"),
        ),
        alerts=list(manifest.get("alerts") or []),
        alert_error=manifest.get("alert_error"),
        findings=[_findings(r) for r in reports if r.get("findings")],
        rows=[_report_row(r) for r in reports],
        quality=data.get("quality") or [],
        **page_context(),
    )


def _params(params: Mapping[str, Mapping[str, Any]]) -> str:
    """The parameters a user chose, ``k=5, churn.top=10`` (``defaults`` when none)."""
    items = [f"{k}={v!r}" for k, v in params.get("*", {}).items()]
    items += [f"{r}.{k}={v!r}" for r, d in params.items() if r != "*" for k, v in d.items()]
    return ", ".join(items) or "defaults"
