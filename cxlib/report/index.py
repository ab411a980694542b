"""The index page of a run: the one page a leader reads.

Headline KPIs with their 95% CIs and the change since the previous run on the same data
source (with its significance, :func:`cxlib.metrics.compare`), the top three findings of
each report, links to the reports, and any failure: the report, the cell and the error.
This module prepares every value as text (numbers by :mod:`cxlib.wording`); the template
``index.html.j2`` (:mod:`cxlib.templates`, autoescaped) lays them out, so everything shown
is escaped; the page is self-contained like the reports.

Examples
--------
>>> from cxlib.metrics.intervals import MetricResult
>>> now = MetricResult("NPS", 10.0, 1200, 5.0, 15.0, "points", "normal", 2.5)
>>> tile = kpi_tile("nps", now, None, None)
>>> tile.value, tile.ci, tile.change.note
('10.0', '95% CI 5.0 to 15.0 · n=1,200', 'no earlier run on this data')
>>> before = MetricResult("NPS", 40.0, 1200, 35.0, 45.0, "points", "normal", 2.5)
>>> change = kpi_change("nps", now, before, "r1")
>>> change.css, change.arrow, change.amount, change.p
('worse', '▼', '30.0 points', 'p < 0.001')
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxlib.metrics import compare
from cxlib.metrics.intervals import MetricResult
from cxlib.report import publish as pub
from cxlib.report.html import page_context
from cxlib.scorecard.kpis import KPIS, LOWER_IS_BETTER, kpis_from_dict
from cxlib.templates import render
from cxlib.wording import count, interval, is_known, number, p_value, seconds, value

TITLE = "Customer experience reports"
"""The index page's title."""
TOP_FINDINGS = 3
"""Findings shown per report."""
POINT_UNITS = ("%", "points")
"""KPI units whose change reads in points (percentage points for a share)."""


@dataclass(frozen=True)
class Change:
    """The change of a KPI since the previous run, as the tile shows it (text).

    ``note`` replaces the rest when there is nothing to compare; ``css`` is ``better``,
    ``worse`` or ``same`` (not significant).
    """

    note: str = ""
    css: str = ""
    arrow: str = ""
    amount: str = ""
    run: str = ""
    verdict: str = ""
    p: str = ""


@dataclass(frozen=True)
class Tile:
    """One headline KPI as the index shows it: name, value, CI and n, change (text)."""

    name: str
    value: str
    ci: str
    change: Change


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
    key: str, now: MetricResult, before: MetricResult | None, previous_run: str | None
) -> Tile:
    """One KPI: value, CI, n and the change since the previous run."""
    n = f"n={count(now.n)}"
    ci = (
        f"{interval(now.ci_low, now.ci_high)} · {n}"
        if is_known(now.ci_low) and is_known(now.ci_high)
        else n
    )
    return Tile(
        name=KPIS.get(key, now.name),
        value=value(now.value, now.unit),
        ci=ci,
        change=kpi_change(key, now, before, previous_run),
    )


def kpi_change(
    key: str, now: MetricResult, before: MetricResult | None, previous_run: str | None
) -> Change:
    """``▲ 2.1 points since run R (significant, p < 0.001)``, coloured when significant."""
    if before is None or previous_run is None:
        return Change(note="no earlier run on this data")
    c = compare(before, now)
    if math.isnan(c.diff):
        return Change(note="no comparison (a run has no answers)")
    unit = " points" if now.unit in POINT_UNITS else f" {now.unit}"
    better = (c.diff < 0) if key in LOWER_IS_BETTER else (c.diff > 0)
    return Change(
        css=("better" if better else "worse") if c.significant else "same",
        arrow="▲" if c.diff > 0 else "▼" if c.diff < 0 else "=",
        amount=f"{number(abs(c.diff), 1)}{unit}",
        run=previous_run,
        verdict="significant" if c.significant else "not significant",
        p=p_value(c.p_value) if is_known(c.p_value) else "p n/a",
    )


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
        "Generated": manifest["started_at"].replace("T", " ").replace("+00:00", " UTC"),
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
        tiles=[kpi_tile(k, now[k], before.get(k), previous_run) for k in KPIS if k in now],
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
