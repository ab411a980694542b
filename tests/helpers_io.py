"""Small helpers shared by the loading and validation tests (test_io*, test_validate, test_config).

Every test builds its own tiny data set in ``tmp_path``; these helpers only write the files
and read back the parts of a load that the tests compare.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from cxlib.io.quality import TableQuality


def write_csv(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` (dedented, leading newline dropped) as ``folder/name`` in ``encoding``."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).lstrip("\n").encode(encoding))
    return path


def csv_to_parquet(csv_path: Path, parquet_path: Path | None = None) -> Path:
    """Copy a CSV to Parquet with every column as text (empty cells as nulls)."""
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame.replace("", None)
    out = parquet_path or csv_path.with_suffix(".parquet")
    frame.to_parquet(out, index=False)
    return out


def example_rows(quality: TableQuality) -> dict[str, list[int]]:
    """Reason -> the ``_row`` numbers of its example rows."""
    return {reason: frame["_row"].tolist() for reason, frame in quality.examples.items()}


def assert_balanced(quality: TableQuality) -> None:
    """Rows in = rows kept + rows excluded, and every example list holds at most five rows."""
    assert quality.rows_in == quality.rows_kept + sum(quality.excluded.values())
    assert all(len(frame) <= 5 for frame in quality.examples.values())
