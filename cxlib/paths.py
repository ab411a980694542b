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

import hashlib
import os
import re
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The repository root (the folder holding ``cxlib/``)."""
DATA_DIR = Path(os.environ.get("CXLIB_DATA_DIR", PROJECT_ROOT / "data"))
"""Generated or user data; git-ignored."""
SAMPLE_DIR = DATA_DIR / "sample"
"""Where ``make sample`` writes the bundled synthetic data set."""
SAMPLE_CONFIG = PROJECT_ROOT / "configs" / "sample.yaml"
"""The bundled sample's config: targets, owners and service promises (make reports uses it)."""
REPORTS_DIR = Path(os.environ.get("CXLIB_REPORTS_DIR", PROJECT_ROOT / "reports"))
"""Generated reports; git-ignored."""
SCRATCH_DIR = REPORTS_DIR / "_scratch"
"""Where interactive and nbval runs of a notebook write their outputs (never a published run),
one sub-folder per data source (:func:`scratch_dir`)."""
PRIVATE_DIR = "_private"
"""The sub-folder of an output folder holding what must not be published: the executed
notebooks of each run (``<out>/_private/<run-id>/notebooks/``), which show customer-level
rows. It sits beside the runs, never inside the folder that is mailed or served."""
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
SOURCE_KEY_HASH = 8
"""Hex digits of the source's hash in a scratch folder's name."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


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


def source_key(data: str | Path | None) -> str:
    """A folder name for a data source: its last name and a hash of its full address.

    Two data sets never share a key (the hash is of the absolute path, or of the URL
    without its password), and a person can still tell which is which.

    Examples
    --------
    >>> source_key("/srv/cx/telco").startswith("telco-")
    True
    >>> source_key("/srv/cx/telco") == source_key("/srv/other/telco")
    False
    >>> source_key(None) == source_key(SAMPLE_DIR)
    True
    """
    source = resolve_data(data)
    if "://" in source:
        scheme, _, rest = source.partition("://")
        rest = rest.rpartition("@")[2]  # no user or password in a folder name
        address, name = f"{scheme}://{rest}", rest.rstrip("/").rpartition("/")[2] or scheme
    else:
        address = str(Path(source).expanduser().resolve())
        name = Path(address).name or "data"
    digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:SOURCE_KEY_HASH]
    return f"{_UNSAFE.sub('_', name).strip('_.') or 'data'}-{digest}"


def scratch_dir(data: str | Path | None) -> Path:
    """The scratch folder of one data source: ``reports/_scratch/<source-key>/`` (not created).

    Interactive runs of the notebooks on that source write there, one sub-folder per report,
    and read only from there: a notebook never picks up another data set's outputs.
    """
    return SCRATCH_DIR / source_key(data)


def report_output_dir(
    output_dir: str | Path | None, report: str, data: str | Path | None = None
) -> Path:
    """The folder a report writes its CSV/JSON outputs to (created).

    The report runner passes its run folder; interactive and nbval runs get
    ``reports/_scratch/<source-key>/<report>/`` (``data`` is the notebook's data source,
    None = the bundled sample) so they never touch a published run or another data set's
    outputs.
    """
    path = Path(output_dir) if output_dir else scratch_dir(data) / report
    path.mkdir(parents=True, exist_ok=True)
    return path


def scratch_personas(data: str | Path | None) -> Path:
    """Where an interactive persona run on ``data`` leaves its ``personas.csv``."""
    return scratch_dir(data) / "personas" / PERSONAS_FILE


def personas_note(personas: Any) -> str:
    """The sentence a page that splits by persona shows: which persona file it used.

    ``personas`` is what :func:`cxlib.io.outputs.read_personas` returned (its
    ``attrs["path"]`` names the file), or None when there was none.

    Examples
    --------
    >>> personas_note(None)
    'No persona file was found for this data, so nothing is split by persona (run the persona report on the same data first, or set personas_path).'
    """
    if personas is None:
        return (
            "No persona file was found for this data, so nothing is split by persona "
            "(run the persona report on the same data first, or set personas_path)."
        )
    from cxlib.wording import count

    path = getattr(personas, "attrs", {}).get("path", "an unnamed table")
    return f"Personas are read from {path} ({count(len(personas))} customers)."


def private_outputs(output_dir: str | Path) -> Path:
    """Where a report keeps files that must never be published (not created): beside its
    run, under the output folder's ``_private``: ``<out>/_private/<run>/outputs`` for a
    run's ``<out>/<run>/outputs`` (the run's build folder is renamed with the run).

    Examples
    --------
    >>> private_outputs("reports/.build-2025-01-06_070000/outputs").as_posix()
    'reports/_private/.build-2025-01-06_070000/outputs'
    """
    folder = Path(output_dir)
    return folder.parent.parent / PRIVATE_DIR / folder.parent.name / "outputs"


def private_run_dir(out_dir: str | Path, run_id: str) -> Path:
    """Where a run's executed notebooks are kept: ``<out>/_private/<run-id>/`` (not created).

    Examples
    --------
    >>> private_run_dir("reports", "2025-01-06_070000").as_posix()
    'reports/_private/2025-01-06_070000'
    """
    return Path(out_dir) / PRIVATE_DIR / run_id
