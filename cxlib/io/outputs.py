"""Writing a report's machine-readable outputs (CSV and JSON) beside its HTML.

Reports hand their results to :func:`save`; other reports and the index page read
them back with :func:`read_json`. JSON is written with NumPy/pandas scalars turned
into plain numbers and NaN into ``null``, so any JSON reader can use it.

Every file is published as :mod:`cxlib.io.privacy` allows: contact details (e-mails,
phones, card and account numbers, links with personal tokens) are masked in every text
cell and JSON string (id columns excepted), and a CSV text cell a spreadsheet would run
as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a
leading single quote; numbers are written as they are.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxlib.io.privacy import mask_contacts, publishable
from cxlib.paths import PERSONAS_FILE, scratch_personas


def _plain(value: Any) -> Any:
    """Convert NumPy/pandas values to JSON-ready Python values (NaN -> None); strings
    with contact details masked."""
    if isinstance(value, str):
        return mask_contacts(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def save(output_dir: str | Path, name: str, obj: pd.DataFrame | dict | list) -> Path:
    """Write ``obj`` to ``output_dir/name`` (.csv for a DataFrame, .json otherwise).

    The file appears complete or not at all (written aside, then renamed): the report
    runner starts the reports that read an output as soon as it exists. Text is published
    as :func:`cxlib.io.privacy.publishable` allows (contacts masked, formulas neutralised).

    Examples
    --------
    >>> save(tmp, "persona_segmentation.json", {"k": 5})          # doctest: +SKIP
    """
    path = Path(output_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # atomic: readers never see half
    if isinstance(obj, pd.DataFrame):
        publishable(obj).to_csv(tmp, index=False)
    else:
        tmp.write_text(json.dumps(_plain(obj), indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path


def read_json(path: str | Path) -> Any:
    """Read a JSON output written by :func:`save`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_personas(
    personas_path: str | Path | None = None,
    output_dir: str | Path | None = None,
    data: str | Path | None = None,
) -> pd.DataFrame | None:
    """The persona of each customer from the persona report's ``personas.csv``, or None.

    The one reader of ``personas.csv`` for every report that splits by persona.

    Parameters
    ----------
    personas_path : path, optional
        ``personas.csv`` with ``customer_id``, ``persona_id`` and ``persona_name``. None
        looks for ``<output_dir>/personas.csv``, and without ``output_dir`` for the one
        an interactive persona run on the same data left in its scratch folder
        (:func:`cxlib.paths.scratch_personas`), never another data set's; None is returned
        when there is none.
    output_dir : path, optional
        The report run folder (shared by the reports of one run).
    data : str or path, optional
        The notebook's data source (None = the bundled sample): which scratch folder to
        look in when neither ``personas_path`` nor ``output_dir`` is given.

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
        path = Path(output_dir) / PERSONAS_FILE
        if not path.is_file():
            return None
    else:
        path = scratch_personas(data)
        if not path.is_file():
            return None
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
