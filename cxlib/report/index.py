"""The index page of a run: the one page a leader reads.

Headline KPIs with their 95% CIs and the change since the previous run on the same data
source (with its significance, :func:`cxlib.metrics.compare`), the top three findings of
each report, links to the reports, and any failure: the report, the cell and the error.
Everything shown is escaped; the page is self-contained like the reports.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cxlib.metrics import compare
from cxlib.metrics.intervals import MetricResult
from cxlib.report import publish as pub
from cxlib.report.html import header_html, page
from cxlib.scorecard.kpis import KPIS, LOWER_IS_BETTER, kpis_from_dict

_esc = html.escape


def previous_kpis(out_dir: str | Path, source_label: str) -> tuple[str, dict[str, Any]] | None:
    """(run id, stored KPIs) of the newest published run on the same data source."""
    for run in pub.published_runs(out_dir):
        manifest = pub.read_manifest(run)
        if not manifest or not manifest.get("kpis"):
            continue
        if (manifest.get("data") or {}).get("source") == source_label:
            return manifest["run_id"], manifest["kpis"]
    return None


def _number(r: MetricResult) -> str:
    return f"{r.value:,.1f}{'%' if r.unit == '%' else ''}"


def kpi_tile(
    key: str, now: MetricResult, before: MetricResult | None, previous_run: str | None
) -> str:
    """One KPI: value, CI, n and the change since the previous run (escaped HTML)."""
    ci = (
        f"95% CI {now.ci_low:,.1f} to {now.ci_high:,.1f} · n={now.n:,}"
        if not (math.isnan(now.ci_low) or math.isnan(now.ci_high))
        else f"n={now.n:,}"
    )
    return _tile(key, now, ci, _change_html(key, now, before, previous_run))


def _change_html(
    key: str, now: MetricResult, before: MetricResult | None, previous_run: str | None
) -> str:
    """``▲ 2.1 points since run R (significant, p=0.003)``, coloured when significant."""
    if before is None or previous_run is None:
        return "no earlier run on this data"
    c = compare(before, now)
    if math.isnan(c.diff):
        return "no comparison (a run has no answers)"
    unit = " points" if now.unit in ("%", "points") else f" {now.unit}"
    arrow = "▲" if c.diff > 0 else "▼" if c.diff < 0 else "="
    better = (c.diff < 0) if key in LOWER_IS_BETTER else (c.diff > 0)
    if math.isnan(c.p_value):
        p = "p n/a"
    else:
        p = "p<0.001" if c.p_value < 0.001 else f"p={c.p_value:.3f}"
    verdict = "significant" if c.significant else "not significant"
    css = ("better" if better else "worse") if c.significant else "same"
    return (
        f"<span class='{css}'>{arrow} {abs(c.diff):,.1f}{_esc(unit)}</span> since run "
        f"{_esc(previous_run)} ({verdict}, {p})"
    )


def _tile(key: str, now: MetricResult, ci: str, change_html: str) -> str:
    return (
        f"<div class='cx-kpi'><div class='name'>{_esc(KPIS.get(key, now.name))}</div>"
        f"<div class='value'>{_esc(_number(now))}</div><div class='ci'>{_esc(ci)}</div>"
        f"<div class='change'>{change_html}</div></div>"
    )


def _failure(report: Mapping[str, Any]) -> str:
    err = report.get("error")
    title = _esc(report["title"])
    if err:
        return (
            f"<div class='cx-failed'><strong>{title} failed</strong> at cell {int(err['cell'])}: "
            f"<code>{_esc(err['ename'])}: {_esc(err['evalue'])}</code>"
            f"<pre>{_esc(err['source'])}</pre></div>"
        )
    return f"<div class='cx-failed'><strong>{title} failed</strong>: {_esc(report.get('message') or '')}</div>"


def _report_row(r: Mapping[str, Any]) -> str:
    name = (
        f"<a href='{_esc(r['html'])}'>{_esc(r['title'])}</a>" if r.get("html") else _esc(r["title"])
    )
    note = r.get("message") or (
        f"cell {r['error']['cell']}: {r['error']['ename']}" if r.get("error") else ""
    )
    return (
        f"<tr><td>{name}</td><td class='cx-status-{_esc(r['status'])}'>{_esc(r['status'])}</td>"
        f"<td>{r.get('duration_s', 0):.1f} s</td><td>{_esc(note)}</td></tr>"
    )


def index_html(manifest: Mapping[str, Any], previous: Mapping[str, Any] | None = None) -> str:
    """The index page of a run from its manifest (and the previous run's stored KPIs)."""
    reports = manifest["reports"]
    data = manifest["data"]
    failed = [r for r in reports if r["status"] == "failed"]
    done = sum(r["status"] == "succeeded" for r in reports)
    status = (
        "complete"
        if manifest["status"] == "succeeded"
        else f"INCOMPLETE: {len(failed)} of {len(reports)} reports failed"
    )
    period = data.get("period")
    meta = {
        "Data source": data["source"],
        "Config": data.get("config") or "none (canonical names)",
        "Period covered": f"{period[0][:10]} to {period[1][:10]}" if period else "unknown",
        "Generated": manifest["started_at"].replace("T", " ").replace("+00:00", " UTC"),
        "cxlib version": manifest["cxlib_version"],
        "Parameters": _params(manifest.get("parameters") or {}),
        "Run": f"{manifest['run_id']} · {status} · {done} report(s)",
    }
    parts = [header_html("Customer experience reports", meta)]
    if data.get("load_error"):
        parts.append(
            f"<div class='cx-failed'><strong>The data could not be loaded.</strong> "
            f"{_esc(data['load_error'])}</div>"
        )
    parts += [_failure(r) for r in failed]
    now = kpis_from_dict(manifest.get("kpis") or {})
    before = kpis_from_dict(previous) if previous else {}
    if now:
        tiles = "".join(
            kpi_tile(k, now[k], before.get(k), manifest.get("previous_run"))
            for k in KPIS
            if k in now
        )
        parts.append(f"<h2>Headline KPIs</h2><div class='cx-kpis'>{tiles}</div>")
    findings = [r for r in reports if r.get("findings")]
    if findings:
        parts.append("<h2>What matters</h2>")
        for r in findings:
            items = "".join(f"<li>{_esc(f)}</li>" for f in r["findings"][:3])
            link = (
                f"<a href='{_esc(r['html'])}'>{_esc(r['title'])}</a>"
                if r.get("html")
                else _esc(r["title"])
            )
            parts.append(f"<h3>{link}</h3><ul>{items}</ul>")
    rows = "".join(_report_row(r) for r in reports)
    parts.append(
        "<h2>Reports</h2><table><thead><tr><th>report</th><th>status</th><th>time</th>"
        f"<th>note</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    if data.get("quality"):
        items = "".join(f"<li>{_esc(s)}</li>" for s in data["quality"])
        parts.append(f"<h2>Data quality</h2><ul>{items}</ul>")
    footer = (
        "Changes are tested against the previous run on the same data source (two-proportion "
        "z-test, or a normal approximation for NPS; 95%). Successive runs on growing data share "
        "most answers, which makes the test conservative. Files: <a href='manifest.json'>"
        "manifest.json</a>, executed notebooks in <code>notebooks/</code>, tables in "
        "<code>outputs/</code>."
    )
    return page("Customer experience reports", "\n".join(parts[:1]), "\n".join(parts[1:]), footer)


def _params(params: Mapping[str, Mapping[str, Any]]) -> str:
    items = [f"{k}={v!r}" for k, v in params.get("*", {}).items()]
    items += [f"{r}.{k}={v!r}" for r, d in params.items() if r != "*" for k, v in d.items()]
    return ", ".join(items) or "defaults"
