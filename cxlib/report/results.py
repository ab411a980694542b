"""What a report run produced: one :class:`ReportResult` per report, one :class:`RunResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxlib.report.registry import Report
from cxlib.report.runner import CellError

OUTPUTS = "outputs"
"""The run's sub-folder of CSV/JSON outputs."""
NOTEBOOKS = "notebooks"
"""The run's sub-folder of executed notebooks."""


@dataclass
class ReportResult:
    """What happened to one report in a run."""

    report: Report
    status: str = "pending"  # succeeded | failed | skipped
    duration_s: float = 0.0
    code_cells: int = 0
    error: CellError | None = None
    message: str | None = None  # why it failed outside a cell, or why it was skipped
    findings: list[str] = field(default_factory=list)
    html: str | None = None
    ipynb: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent waiting for a warm kernel, executing the cells, writing the files."""

    def to_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            "name": r.name,
            "title": r.title,
            "notebook": r.notebook,
            "status": self.status,
            "duration_s": round(self.duration_s, 3),
            "code_cells": self.code_cells,
            "html": self.html,
            "ipynb": self.ipynb,
            "summary": f"{OUTPUTS}/{r.summary}" if self.status == "succeeded" else None,
            "findings": self.findings,
            "error": self.error.to_dict() if self.error else None,
            "message": self.message,
            "parameters": self.parameters,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
        }


@dataclass
class RunResult:
    """The outcome of :func:`run_reports`."""

    run_id: str
    path: Path
    status: str  # succeeded | failed
    reports: list[ReportResult]
    manifest: dict[str, Any]

    @property
    def exit_code(self) -> int:
        """0 when the run is complete, 1 otherwise."""
        return 0 if self.status == "succeeded" else 1
