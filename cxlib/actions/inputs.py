"""What the action plan reads: the other reports' outputs of the same run.

The action plan runs after the analyses and reads what they wrote into the run's outputs
folder (summary JSONs and tables) and, for the customers behind each finding, the private
outputs beside it. :func:`read_findings` gathers them; a report that did not run leaves its
part empty, and :attr:`Findings.missing` says which, so the page can name them.

Examples
--------
>>> f = read_findings("reports/latest/outputs")                    # doctest: +SKIP
>>> sorted(f.summaries)                                            # doctest: +SKIP
['churn', 'journey', 'personas', 'scorecard', 'social']
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cxlib.paths import REPORTS_DIR, SAMPLE_CONFIG, private_outputs

SUMMARIES = {
    "personas": "persona_segmentation.json",
    "scorecard": "cx_scorecard.json",
    "churn": "churn_drivers.json",
    "journey": "journey_friction.json",
    "social": "social_listening.json",
}
"""Each analysis's summary JSON in the outputs folder."""
PAGES = {
    "personas": "persona_segmentation.html",
    "scorecard": "cx_scorecard.html",
    "churn": "churn_drivers.html",
    "journey": "journey_friction.html",
    "social": "social_listening.html",
}
"""Each analysis's page in the run folder (the evidence links point there)."""
TABLES = {
    "friction": "journey_friction.csv",
    "personas": "persona_profiles.csv",
    "persona_of": "personas.csv",
    "themes": "cx_scorecard_themes.csv",
    "comments": "comments_scored.csv",
}
"""Published tables the actions are built from."""
PRIVATE_TABLES = {"friction_customers": "journey_affected.csv"}
"""Customer-level tables from the private outputs (never published)."""
ALERTS_JSON = "alerts.json"
"""The run's alerts, when the runner or a report wrote them."""
KPI_ALERTS_JSON = "kpi_alerts.json"
"""The runner's own KPI alerts, written when it loads the data (before the reports)."""


def findings_folder(inputs_dir: str | Path | None, output_dir: str | Path | None) -> Path:
    """Where the other reports' outputs are: ``inputs_dir``, else the run's outputs folder
    the runner passes as ``output_dir``, else the latest published run's outputs.

    >>> findings_folder(None, "reports/r1/outputs").as_posix()
    'reports/r1/outputs'
    """
    if inputs_dir:
        return Path(inputs_dir)
    if output_dir:
        return Path(output_dir)
    return REPORTS_DIR / "latest" / "outputs"


def plan_config(data: str | Path | None, config: str | Path | None) -> str | Path | None:
    """The config to read targets and owners from: the one given, else the sample's when
    the data is the bundled sample (``data`` None)."""
    if config:
        return config
    return SAMPLE_CONFIG if data is None and SAMPLE_CONFIG.is_file() else None


@dataclass
class Findings:
    """The other reports' outputs: summaries by report, tables by name, the alerts."""

    folder: Path | None
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    alerts_final: bool = False
    """Whether :attr:`alerts` is the run's merged ``alerts.json`` (else the reports' own)."""
    kpi_alerts: list[dict[str, Any]] | None = None
    """The runner's KPI alerts (``kpi_alerts.json``), None when it wrote none."""

    @property
    def missing(self) -> list[str]:
        """The analyses whose summary is not in the folder (they did not run or failed)."""
        return [name for name in SUMMARIES if name not in self.summaries]

    def table(self, name: str) -> pd.DataFrame | None:
        """A table by name (:data:`TABLES`, :data:`PRIVATE_TABLES`), None when absent."""
        return self.tables.get(name)


def _json(path: Path) -> Any:  # noqa: ANN401
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path, dtype={"customer_id": str, "response_id": str})
    except (OSError, ValueError, pd.errors.EmptyDataError):
        return None


def read_findings(folder: str | Path | None) -> Findings:
    """Read the summaries, tables and alerts of the analyses in an outputs folder."""
    if folder is None or not Path(folder).is_dir():
        return Findings(None if folder is None else Path(folder))
    folder = Path(folder)
    found = Findings(folder)
    for name, file in SUMMARIES.items():
        data = _json(folder / file)
        if isinstance(data, dict):
            found.summaries[name] = data
    for name, file in TABLES.items():
        if (frame := _csv(folder / file)) is not None:
            found.tables[name] = frame
    private = private_outputs(folder.resolve())  # latest/ is a link to the run
    for name, file in PRIVATE_TABLES.items():
        if (frame := _csv(private / file)) is not None:
            found.tables[name] = frame
    kpi = _json(folder / KPI_ALERTS_JSON)
    if isinstance(kpi, list):
        found.kpi_alerts = [a for a in kpi if isinstance(a, dict)]
    alerts = _json(folder / ALERTS_JSON)
    if isinstance(alerts, list):
        found.alerts = [a for a in alerts if isinstance(a, dict)]
        found.alerts_final = True
    else:  # the reports' own alerts, when the runner has not merged them yet
        for data in found.summaries.values():
            found.alerts += [a for a in data.get("alerts") or [] if isinstance(a, dict)]
    return found


__all__ = [
    "ALERTS_JSON",
    "KPI_ALERTS_JSON",
    "PAGES",
    "SUMMARIES",
    "TABLES",
    "Findings",
    "findings_folder",
    "plan_config",
    "read_findings",
]
