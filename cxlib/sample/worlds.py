"""What every world of the truth study shares: its tables as a data set, and on disk.

The persona, journey and churn worlds (:mod:`cxlib.sample.persona_worlds`,
:mod:`~cxlib.sample.journey_worlds`, :mod:`~cxlib.sample.churn_worlds`) each hold valid
contract tables and a truth; :func:`world_data` hands them to an analysis without files,
:func:`write_world` writes them where :func:`cxlib.load` reads them.

Examples
--------
>>> import pandas as pd
>>> cx = world_data("churn", "seed 1", {"customers": pd.DataFrame({"customer_id": ["1"]})})
>>> cx.source, len(cx.customers)
('churn world seed 1', 1)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from cxlib.io.config import DatasetConfig
from cxlib.io.dataset import CXData
from cxlib.io.quality import QualityReport


def world_data(kind: str, label: str, tables: Mapping[str, pd.DataFrame]) -> CXData:
    """The tables as a loaded data set (no files, no validation: a world's tables are valid)."""
    return CXData(
        f"{kind} world {label}", DatasetConfig(), QualityReport(f"{kind} world"), dict(tables)
    )


def write_world(
    folder: str | Path,
    tables: Mapping[str, pd.DataFrame],
    truth: dict,
    extra: Mapping[str, pd.DataFrame | dict] | None = None,
) -> Path:
    """Write ``<table>.csv``, the ``extra`` files (a frame as CSV, a dict as JSON) and
    ``TRUTH.json`` into ``folder`` (created); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    for name, content in (extra or {}).items():
        if isinstance(content, pd.DataFrame):
            content.to_csv(folder / name, index=False, lineterminator="\n")
        else:
            (folder / name).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    (folder / "TRUTH.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return folder
