"""Every path and default of the project in one place.

The repository root (the folder holding ``cxlib/``), ``data/`` and ``reports/`` (both
git-ignored; ``CXLIB_DATA_DIR`` and ``CXLIB_REPORTS_DIR`` move them), the notebooks, and
the defaults of the bundled sample. Nothing here touches the disk on import.

Examples
--------
>>> from cxlib import paths
>>> paths.SAMPLE_DIR.name, paths.NOTEBOOKS_DIR.name
('sample', 'notebooks')
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The repository root (the folder holding ``cxlib/``)."""
DATA_DIR = Path(os.environ.get("CXLIB_DATA_DIR", PROJECT_ROOT / "data"))
"""Generated or user data; git-ignored."""
SAMPLE_DIR = DATA_DIR / "sample"
"""Where ``make sample`` writes the bundled synthetic data set."""
REPORTS_DIR = Path(os.environ.get("CXLIB_REPORTS_DIR", PROJECT_ROOT / "reports"))
"""Generated reports; git-ignored."""
SCRATCH_DIR = REPORTS_DIR / "_scratch"
"""Where interactive and nbval runs of a notebook write their outputs (never a published run)."""
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
"""The report notebooks."""
SHARED_DIR = PROJECT_ROOT.parent / "shared"
"""Team material beside the project (real data sets); may be absent."""
PERSONAS_FILE = "personas.csv"
"""The persona report's per-customer output in a run's output folder (``customer_id,
persona_id, persona_name``), read by the reports that split by persona."""

DEFAULT_SAMPLE_CUSTOMERS = 20_000
"""Customers in the bundled sample (about 500,000 events)."""
DEFAULT_SEED = 0
"""Seed of the bundled sample."""


def resolve_data(data: str | Path | None) -> str:
    """The data source a report reads: the given one, or the bundled sample.

    Examples
    --------
    >>> resolve_data("x.duckdb")
    'x.duckdb'
    >>> resolve_data(None) == str(SAMPLE_DIR)
    True
    """
    return str(data) if data else str(SAMPLE_DIR)


def report_output_dir(output_dir: str | Path | None, report: str) -> Path:
    """The folder a report writes its CSV/JSON outputs to (created).

    The report runner passes its run folder; interactive and nbval runs get
    ``reports/_scratch/<report>/`` so they never touch a published run.
    """
    path = Path(output_dir) if output_dir else SCRATCH_DIR / report
    path.mkdir(parents=True, exist_ok=True)
    return path
