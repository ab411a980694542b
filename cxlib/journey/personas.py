"""The persona of each customer, read from the persona report's ``personas.csv``."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from cxlib.config import REPORTS_DIR


def read_personas(
    personas_path: str | Path | None = None, output_dir: str | Path | None = None
) -> pd.DataFrame | None:
    """The persona of each customer from the persona report's ``personas.csv``, or None.

    Parameters
    ----------
    personas_path : path, optional
        ``personas.csv`` with ``customer_id``, ``persona_id`` and ``persona_name``. None
        looks for ``<output_dir>/personas.csv``, and without ``output_dir`` for the newest
        ``reports/_scratch/*/personas.csv``; None is returned when there is none.
    output_dir : path, optional
        The report run folder (shared by the reports of one run).

    Returns
    -------
    DataFrame or None
        ``customer_id`` (string) and ``persona`` (the name, else ``"Persona <id>"``).

    Raises
    ------
    ValueError
        The file lacks ``customer_id`` or a persona column.

    Examples
    --------
    >>> read_personas(None, "/nonexistent") is None
    True
    """
    if personas_path is not None:
        path = Path(personas_path)
        if not path.is_file():
            warnings.warn(
                f"personas file {path} does not exist: persona splits are skipped", stacklevel=2
            )
            return None
    elif output_dir is not None:
        path = Path(output_dir) / "personas.csv"
        if not path.is_file():
            return None
    else:
        found = sorted(
            (REPORTS_DIR / "_scratch").glob("*/personas.csv"), key=lambda p: p.stat().st_mtime
        )
        if not found:
            return None
        path = found[-1]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "customer_id" not in frame or not {"persona_name", "persona_id"} & set(frame):
        raise ValueError(
            f"{path}: a personas file needs customer_id and persona_name (or persona_id); "
            f"it has {list(frame.columns)}"
        )
    if "persona_name" in frame:
        label = frame["persona_name"].where(frame["persona_name"] != "")
    else:
        label = pd.Series(np.nan, index=frame.index, dtype=object)
    if "persona_id" in frame:
        label = label.fillna("Persona " + frame["persona_id"])
    out = pd.DataFrame({"customer_id": frame["customer_id"].str.strip(), "persona": label})
    out = out[(out["customer_id"] != "") & out["persona"].notna()]
    out = out.drop_duplicates("customer_id").astype("string")
    out.attrs["path"] = str(path)
    return out.reset_index(drop=True)
